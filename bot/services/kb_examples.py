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

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

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
        # numpy (a tenth of a second to import) is imported where the index is built, on the
        # search index's worker thread, not at start-up.
        import numpy as np

        self.analyzer = analyzer
        labelled = [(self._terms(example.text), example.slug) for example in examples]
        self._labels = [slug for _, slug in labelled]
        counts = Counter(term for terms, _ in labelled for term in terms)
        self._idf = {term: math.log(1 + len(labelled) / count) for term, count in counts.items()}
        # 1 / each example's norm (an example of stop words only has no terms, and no postings).
        self._inverse_norms = np.array(
            [1 / (self._norm(terms) or 1.0) for terms, _ in labelled], dtype=np.float64
        )
        postings: dict[str, list[int]] = defaultdict(list)
        for position, (terms, _) in enumerate(labelled):
            for term in terms:
                postings[term].append(position)
        self._postings = {term: np.array(held, dtype=np.intp) for term, held in postings.items()}

    def __len__(self) -> int:
        return len(self._labels)

    def votes(self, query: str, nearest: int = NEAREST) -> Votes:
        """How the `nearest` examples most similar to `query` vote."""
        import numpy as np

        terms = self._terms(query)
        norm = self._norm(terms)
        if not norm:
            return Votes()
        # Each example's dot product with the query: every term's IDF² added to the examples it
        # stands in, in the terms' order (a long question meets about a thousand postings;
        # numpy's bincount adds them in that order, to the very sums a Python loop made, about
        # five times faster with the ranking below).
        held = [(self._postings[term], self._idf[term] ** 2) for term in terms if term in self._idf]
        positions = np.concatenate([postings for postings, _ in held])
        weights = np.repeat([weight for _, weight in held], [len(postings) for postings, _ in held])
        dots = np.bincount(positions, weights=weights, minlength=len(self._labels))
        scores = dots * self._inverse_norms
        # The most similar first, on a tie the later example: every example scoring at least
        # the `nearest`-th best score, compared as (score, position) pairs.
        met = np.flatnonzero(scores)
        take = min(nearest, met.size)
        if take < 1:
            return Votes()
        values = scores[met]
        kept = values >= np.partition(values, met.size - take)[met.size - take]
        pairs = zip(values[kept].tolist(), met[kept].tolist(), strict=True)
        ranked = [
            (score / norm, position) for score, position in sorted(pairs, reverse=True)[:take]
        ]
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
