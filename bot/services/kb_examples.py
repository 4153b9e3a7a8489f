"""What earlier questions like this one were about: nearest neighbours among example questions.

BM25 compares a question with the articles' own words; members ask in theirs ("the soldiers' tax
no longer comes to us", "Староста пішов на фронт, хто тепер видає довідки"). The knowledge base's
example questions (`KnowledgeBase.examples`: the development question sets and the example sets
written in members' voices) say which article such words were about. A question's NEAREST most
similar examples vote for their articles, each by its similarity: the cosine of the two questions'
term sets, each term weighted by its IDF over the examples. Out-of-scope examples vote for no
article.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat

from bot.services.knowledge import Example
from bot.services.text_search import Analyzer

NEAREST = 7


@dataclass(frozen=True)
class Votes:
    """Each article's share of the nearest examples' similarity (None: out of scope), and how
    similar its most similar example is."""

    shares: dict[str | None, float] = field(default_factory=dict)
    nearest: dict[str | None, float] = field(default_factory=dict)

    def share(self, slug: str | None) -> float:
        return self.shares.get(slug, 0.0)

    def similarity(self, slug: str | None) -> float:
        return self.nearest.get(slug, 0.0)

    def most_alike(self) -> str | None:
        """The article of the most alike example (None also when there is none)."""
        return max(self.nearest, key=self.nearest.__getitem__, default=None)


class ExampleIndex:
    """The example questions' terms, searched by cosine similarity."""

    def __init__(self, examples: Iterable[Example], analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        labelled = [(self._terms(example.text), example.slug) for example in examples]
        self._labels = [slug for _, slug in labelled]
        counts = Counter(term for terms, _ in labelled for term in terms)
        self._idf = {term: math.log(1 + len(labelled) / count) for term, count in counts.items()}
        # 1 / each example's norm (an example of stop words only has no terms, and no postings).
        self._inverse_norms = [1 / (self._norm(terms) or 1.0) for terms, _ in labelled]
        self._postings: dict[str, list[int]] = defaultdict(list)
        for position, (terms, _) in enumerate(labelled):
            for term in terms:
                self._postings[term].append(position)

    def __len__(self) -> int:
        return len(self._labels)

    def votes(self, query: str, nearest: int = NEAREST) -> Votes:
        """How the `nearest` examples most similar to `query` vote."""
        terms = self._terms(query)
        norm = self._norm(terms)
        if not norm:
            return Votes()
        # Each example's dot product with the query: every term's IDF² added to the examples it
        # stands in. A question meets about a thousand postings; adding by map and dict.update
        # takes a third less time than a loop of Python statements.
        dots: dict[int, float] = {}
        current = dots.get
        for term in terms:
            postings = self._postings.get(term)
            if postings:
                add = (self._idf[term] ** 2).__radd__
                sums = map(add, map(current, postings, repeat(0.0)))
                dots.update(zip(postings, sums, strict=True))
        # (cosine × the query's norm, position) pairs, compared as tuples: the most similar
        # first, on a tie the later example (a key function per example cost more than the
        # rest of the search together).
        positions = dots.keys()
        scored = zip(
            map(operator.mul, dots.values(), map(self._inverse_norms.__getitem__, positions)),
            positions,
            strict=True,
        )
        ranked = [(score / norm, position) for score, position in heapq.nlargest(nearest, scored)]
        total = sum(similarity for similarity, _ in ranked)
        if not total:
            return Votes()
        shares: dict[str | None, float] = defaultdict(float)
        best: dict[str | None, float] = {}
        for similarity, position in ranked:
            label = self._labels[position]
            shares[label] += similarity / total
            best.setdefault(label, similarity)
        return Votes(dict(shares), best)

    def _terms(self, text: str) -> frozenset[str]:
        return frozenset(self.analyzer.terms(text, query=True))

    def _norm(self, terms: frozenset[str]) -> float:
        return math.sqrt(sum(self._idf.get(term, 0.0) ** 2 for term in terms))
