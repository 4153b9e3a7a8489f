"""Bilingual text search: Ukrainian lemmas, English stems, typo tolerance and BM25F ranking.

Used for the knowledge base, and built to index any short documents with named fields.
Why our own BM25F rather than a library: documents have fields of very different value
(an alias or a title says more than a word deep in a long answer), the corpus is small or changes
one document at a time, and the ranking needs the per-term matches to decide confidence.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.services.text_words import (
    EN_STOPWORDS,
    UK_STOPWORDS,
    english_stem,
    from_latin,
    is_cyrillic,
    known_ukrainian,
    latin_stopword,
    romanised,
    ukrainian_lemma,
    words,
)

MAX_QUERY_WORDS = 200
_MAX_READINGS = 20_000  # Latin words an index remembers the reading of


# Words in more than this many documents (and this share of them) only score documents that a
# rarer query word found: the ranking barely changes and large indexes stay fast.
COMMON_MIN_DOCUMENTS = 200
COMMON_SHARE = 0.02
_FOLD = str.maketrans({"є": "е", "ї": "і", "ґ": "г"})
PREFIX_LENGTH = 6
PREFIX_WEIGHT = 0.6
TRANSLIT_WEIGHT = 0.9


def fold(lemma: str) -> str:
    """One spelling for letters members swap (проект/проєкт, Ґ/Г)."""
    return lemma.translate(_FOLD)


@dataclass(frozen=True)
class Term:
    """An index term of a word and how strongly it stands for the word (below 1 for guesses)."""

    key: str
    weight: float = 1.0


class Analyzer:
    """Turns words into index terms.

    `uk:<lemma>` for Ukrainian (pymorphy3), `en:<stem>` for Latin words (Snowball), the lemma of
    a Ukrainian word written in Latin letters, and `p:<first letters of the lemma>` so that words
    of one family (бюджет, бюджетування) still meet.
    """

    def terms(self, text: str, *, query: bool = False) -> list[str]:
        """Index terms of a text, in order (stop words dropped)."""
        result: list[str] = []
        for word in words(text)[: MAX_QUERY_WORDS if query else None]:
            result.extend(term.key for term in self.word_terms(word))
        return result

    @staticmethod
    def word_terms(word: str) -> list[Term]:
        return list(_word_terms(word))


@lru_cache(maxsize=50_000)
def _word_terms(word: str) -> tuple[Term, ...]:
    """`Analyzer.word_terms`, analysed once per word: an article's words recur across its fields
    and aliases, and members ask in the same words."""
    if word.isdigit():
        return (Term(f"n:{word}"),) if len(word) >= 2 else ()
    if is_cyrillic(word):
        if word in UK_STOPWORDS or len(word) < 2:
            return ()
        return tuple(_ukrainian_terms(ukrainian_lemma(word), 1.0))
    if word in EN_STOPWORDS or len(word) < 2 or latin_stopword(word):
        return ()
    terms = [Term(f"en:{english_stem(word)}")]
    ukrainian = from_latin(word)
    if ukrainian is not None:
        terms.extend(_ukrainian_terms(ukrainian_lemma(ukrainian), TRANSLIT_WEIGHT))
    return tuple(terms)


def _ukrainian_terms(lemma: str, weight: float) -> list[Term]:
    if lemma in UK_STOPWORDS:
        return []
    lemma = fold(lemma)
    terms = [Term(f"uk:{lemma}", weight)]
    if len(lemma) >= PREFIX_LENGTH:
        terms.append(Term(f"p:{lemma[:PREFIX_LENGTH]}", weight * PREFIX_WEIGHT))
    return terms


@dataclass
class _Document:
    key: str
    lengths: dict[str, int]
    counts: dict[str, Counter[str]]
    phrases: list[tuple[str, ...]]
    # Each subject text's words, by their terms (see `FieldIndex.subject_bonus`).
    subjects: tuple[tuple[frozenset[str], ...], ...] = ()
    # Every term of `subjects`, to tell at once whether a query term is one.
    subject_terms: frozenset[str] = frozenset()
    # Every term of its focus fields (`FieldIndex.focus_fields`).
    focus_terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Match:
    """One document's score, and which query terms it matched (by their weight)."""

    key: str
    score: float
    coverage: float
    phrase: bool
    # The share of the query found in the index's focus fields (a title, not only a long text).
    focus: float = 0.0
    # How many distinct words of the query count (coverage is a share of them, by IDF).
    words: int = 0
    # The part of `score` that naming the document's subject earned (`FieldIndex.subject_bonus`).
    subject: float = 0.0


@dataclass
class FieldIndex:
    """BM25F over named fields with their own weights; documents added or removed one at a time."""

    weights: Mapping[str, float]
    k1: float = 1.2
    b: float = 0.6
    phrase_bonus: float = 4.0
    # A document whose field holds every term of an alias the query contains gets this share of
    # the alias's bonus (field name → share): the alias names the document it belongs to, but the
    # other one names the thing too (in its title, say), so the rest of the question decides.
    shared_bonus: Mapping[str, float] = field(default_factory=dict)
    # BM25F saturates: a word a document is about scores it little more than a passing mention
    # scores another. A query word of a document's subject (`add(subject=...)`, what its title
    # names) adds this many times the word's IDF, times the share of the subject's words the query
    # names: the question that names the whole subject gets the whole bonus.
    subject_bonus: float = 0.0
    # Fields whose share of the query each returned match reports as `focus` (none: 0).
    focus_fields: frozenset[str] = frozenset()
    # Keep each scored document's term frequencies, weighted and length-normalised over its
    # fields, until a document is added or removed: for an index built once and searched often
    # (the knowledge base), not one that changes with every search (similar reports).
    cache_tf: bool = False
    analyzer: Analyzer = field(default_factory=Analyzer)
    _docs: dict[str, _Document] = field(default_factory=dict)
    _postings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _total_lengths: Counter[str] = field(default_factory=Counter)
    # Surface word → its terms, for matching a misspelt query word to the words of the corpus.
    _surfaces: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    # The surface words by length, each with its place in `_surfaces`: a misspelt word is compared
    # only with words whose length allows as few typos as it may have.
    _by_length: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    _order: dict[str, int] = field(default_factory=dict)
    # Cyrillic word → its terms, for reading a Latin word no dictionary knows (`otg`, `tsnap`).
    _cyrillic: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    _readings: dict[str, str | None] = field(default_factory=dict)  # Latin word → its reading
    _tf: dict[str, dict[str, float]] = field(default_factory=dict)  # see cache_tf
    # A phrase → the documents holding all its terms in a field sharing its bonus, and the
    # largest such share (see `shared_bonus`); kept until a document is added or removed.
    _holders: dict[tuple[str, ...], dict[str, float]] = field(default_factory=dict)
    # A phrase's first term → (phrase, document key): a query is checked only against the
    # phrases that start with one of its terms, not against every phrase of every document.
    _phrase_starts: dict[str, list[tuple[tuple[str, ...], str]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def __len__(self) -> int:
        return len(self._docs)

    def add(
        self,
        key: str,
        fields: Mapping[str, str | Iterable[str]],
        *,
        phrases: Iterable[str] = (),
        subject: Iterable[str] = (),
    ) -> None:
        """Index a document; `phrases` (aliases) score a bonus when the query contains one whole,
        the words of `subject` (texts naming what it is about) `subject_bonus`."""
        self.remove(key)
        self._readings.clear()
        self._tf.clear()
        self._holders.clear()
        counts: dict[str, Counter[str]] = {}
        lengths: dict[str, int] = {}
        for name, value in fields.items():
            if name not in self.weights:
                raise KeyError(f"field {name!r} has no weight")
            texts = [value] if isinstance(value, str) else list(value)
            terms: list[str] = []
            for text in texts:
                for word in words(text):
                    word_terms = self.analyzer.word_terms(word)
                    if word_terms and len(word) >= 4 and word not in self._surfaces:
                        self._surfaces[word] = tuple(word_terms)
                        self._order[word] = len(self._order)
                        self._by_length[len(word)].append(word)
                    if word_terms and len(word) >= 3 and is_cyrillic(word):
                        self._cyrillic.setdefault(word, tuple(word_terms))
                    terms.extend(term.key for term in word_terms)
            counts[name] = Counter(terms)
            lengths[name] = len(terms)
            self._total_lengths[name] += len(terms)
        phrase_terms = [self._phrase(phrase) for phrase in phrases]
        subjects = tuple(
            tuple(
                frozenset(term.key for term in terms)
                for terms in (self.analyzer.word_terms(word) for word in words(text))
                if terms
            )
            for text in subject
        )
        document = _Document(
            key,
            lengths,
            counts,
            [p for p in phrase_terms if p],
            tuple(s for s in subjects if s),
            frozenset(term for s in subjects for word in s for term in word),
            frozenset(term for name in self.focus_fields for term in counts.get(name, ())),
        )
        self._docs[key] = document
        for phrase in document.phrases:
            self._phrase_starts[phrase[0]].append((phrase, key))
        for counter in counts.values():
            for term in counter:
                self._postings[term].add(key)

    def _phrase(self, text: str) -> tuple[str, ...]:
        """A phrase's terms; none when stop words leave one word of several (`khto holova`)."""
        written = [self.analyzer.word_terms(word) for word in words(text)]
        content = [terms for terms in written if terms]
        if len(content) < min(len(written), 2):
            return ()
        return tuple(term.key for terms in content for term in terms)

    def remove(self, key: str) -> None:
        document = self._docs.pop(key, None)
        if document is None:
            return
        self._tf.clear()
        self._holders.clear()
        for name, length in document.lengths.items():
            self._total_lengths[name] -= length
        for phrase in document.phrases:
            starting = self._phrase_starts.get(phrase[0])
            if starting is not None:
                starting[:] = [item for item in starting if item[1] != key]
                if not starting:
                    del self._phrase_starts[phrase[0]]
        for counter in document.counts.values():
            for term in counter:
                postings = self._postings.get(term)
                if postings is not None:
                    postings.discard(key)
                    if not postings:
                        del self._postings[term]

    def idf(self, term: str) -> float:
        count = len(self._postings.get(term, ()))
        total = len(self._docs)
        return math.log(1 + (total - count + 0.5) / (count + 0.5))

    def query_words(self, text: str) -> tuple[list[list[Term]], list[str]]:
        """Each query word's terms (with guesses for misspelt words), and the term sequence."""
        sequence: list[str] = []
        groups: list[list[Term]] = []
        seen: set[str] = set()
        for word in words(text)[:MAX_QUERY_WORDS]:
            terms = self.analyzer.word_terms(word)
            if not terms:
                continue
            sequence.extend(term.key for term in terms)
            if word in seen:
                continue
            seen.add(word)
            terms = terms + self._reading(word, terms)
            if not any(term.key in self._postings for term in terms) and not (
                is_cyrillic(word) and known_ukrainian(word)
            ):
                # A misspelt word; a real word the documents do not use is not guessed at.
                guesses = self._guess(word)
                if guesses:
                    terms = guesses
            groups.append(terms)
        return groups, sequence

    def _reading(self, word: str, terms: list[Term]) -> list[Term]:
        """A Latin word's reading as a Cyrillic word of the documents, when the documents lack the
        word and no dictionary word reads it (abbreviations: `otg` is ОТГ, `tsnap` ЦНАП)."""
        if len(word) < 3 or any(
            term.key.startswith("uk:") or term.key in self._postings for term in terms
        ):
            return []
        if word not in self._readings:
            if len(self._readings) >= _MAX_READINGS:
                self._readings.clear()
            self._readings[word] = next(romanised(word, self._cyrillic.__contains__), None)
        reading = self._readings[word]
        if reading is None:
            return []
        return [Term(term.key, term.weight * TRANSLIT_WEIGHT) for term in self._cyrillic[reading]]

    def _guess(self, word: str) -> list[Term]:
        """Corpus terms for a misspelt word (one typo in a short word, two in a longer one)."""
        if len(word) < 4 or word.isdigit() or not self._surfaces:
            return []
        typos = 1 if len(word) < 7 else 2
        # A word of another length by more than `typos` is further off than that; of those within
        # reach, the three nearest, the earlier indexed first on a tie.
        within = list(
            chain.from_iterable(
                self._by_length.get(length, ())
                for length in range(len(word) - typos, len(word) + typos + 1)
            )
        )
        found = sorted(
            process.extract(
                word, within, scorer=Levenshtein.distance, score_cutoff=typos, limit=None
            ),
            key=lambda hit: (hit[1], self._order[hit[0]]),
        )[:3]
        result: dict[str, float] = {}
        for surface, distance, _ in found:
            if is_cyrillic(surface) != is_cyrillic(word):
                continue
            if not is_cyrillic(word) and (
                surface[0] != word[0] or (typos == 1 and len(surface) != len(word))
            ):
                # No dictionary tells a misspelt Latin word from an English word the documents
                # do not use, so a guess keeps the first letter, which is seldom mistyped
                # (weather is not rather, raid not paid), and in a short word only a wrong
                # letter counts as a typo: a letter more or less makes another word (salary is
                # not SALAR). Cyrillic keeps both: an unknown word's case ending (дрімі) is one
                # letter more.
                continue
            weight = 0.8 if distance <= 1 else 0.6
            for term in self._surfaces[surface]:
                result[term.key] = max(result.get(term.key, 0.0), weight * term.weight)
        return [Term(key, weight) for key, weight in result.items()]

    def search(self, text: str, limit: int = 10, *, max_words: int | None = None) -> list[Match]:
        """Documents ranked by BM25F score, with the share of the query each one covers.

        `max_words` keeps only the query's most informative words (by IDF), as "more like this"
        searches do: a long draft is compared by what is particular about it.
        """
        groups, sequence = self.query_words(text)
        if not groups or not self._docs:
            return []
        total = len(self._docs)
        unknown_idf = math.log(1 + (total - 0.5) / 1.5)
        word_idf = [
            max((self.idf(t.key) for t in terms if t.key in self._postings), default=unknown_idf)
            for terms in groups
        ]
        if max_words is not None and len(groups) > max_words:
            keep = sorted(range(len(groups)), key=lambda i: -word_idf[i])[:max_words]
            keep.sort()
            groups = [groups[i] for i in keep]
            word_idf = [word_idf[i] for i in keep]
        candidates = self._candidates(groups, total)
        averages = {name: max(self._total_lengths[name] / total, 1.0) for name in self.weights}
        scores: dict[str, float] = defaultdict(float)
        # Per document, the subject bonus of the query words its subject holds (before its share).
        subject_idf: dict[str, float] = defaultdict(float)
        # Per document, how fully each query word is matched (1 for its lemma, less for guesses).
        matched: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(groups))
        for position, terms in enumerate(groups):
            # A word's lemma and its family prefix count once per document, by the better one.
            best: dict[str, float] = {}
            subject_best: dict[str, float] = {}
            for term in terms:
                postings = self._postings.get(term.key)
                if not postings:
                    continue
                idf = self.idf(term.key)
                keys = postings if candidates is None else postings & candidates
                family = term.key.startswith(("uk:", "p:"))
                for key in keys:
                    tf = (
                        self._document_tf(key, averages).get(term.key, 0.0)
                        if self.cache_tf
                        else self._field_tf(self._docs[key], term.key, averages)
                    )
                    value = term.weight * idf * tf / (self.k1 + tf)
                    if not family:
                        scores[key] += value
                    elif value > best.get(key, 0.0):
                        best[key] = value
                    row = matched[key]
                    if term.weight > row[position]:
                        row[position] = term.weight
                    if (
                        self.subject_bonus
                        and term.weight * idf > subject_best.get(key, 0.0)
                        and term.key in self._docs[key].subject_terms
                    ):
                        subject_best[key] = term.weight * idf
            for key, value in best.items():
                scores[key] += value
            for key, value in subject_best.items():
                subject_idf[key] += value
        query_mass = sum(word_idf)
        subject_scores = self._subject_scores(subject_idf, groups)
        for key, value in subject_scores.items():
            scores[key] += value
        phrase_hits = self._phrase_hits(sequence)
        for key in phrase_hits:
            scores[key] += self.phrase_bonus
        for key, share in self._sharing(phrase_hits, scores).items():
            scores[key] += self.phrase_bonus * share
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        matches = [
            Match(
                key=key,
                score=score,
                coverage=sum(f * w for f, w in zip(matched[key], word_idf, strict=True))
                / query_mass,
                phrase=key in phrase_hits,
                words=len(groups),
                subject=subject_scores.get(key, 0.0),
            )
            for key, score in ranked
        ]
        if not self.focus_fields:
            return matches
        return [
            replace(match, focus=self._focus(self._docs[match.key], groups, word_idf) / query_mass)
            for match in matches
        ]

    def _subject_scores(
        self, subject_idf: Mapping[str, float], groups: list[list[Term]]
    ) -> dict[str, float]:
        """Each document's subject bonus: `subject_bonus` times the IDF of the query words its
        subject holds, times the largest share of one subject text's words the query names."""
        named = {term.key for terms in groups for term in terms}
        result: dict[str, float] = {}
        for key, idf in subject_idf.items():
            share = max(
                sum(1 for word in subject if word & named) / len(subject)
                for subject in self._docs[key].subjects
            )
            result[key] = self.subject_bonus * idf * share
        return result

    def field_terms(self, key: str, fields: Iterable[str] | None = None) -> frozenset[str]:
        """The terms of a document's `fields` (its focus fields when None; none for an
        unknown key)."""
        document = self._docs.get(key)
        if document is None:
            return frozenset()
        if fields is None:
            return document.focus_terms
        return frozenset(term for name in fields for term in document.counts.get(name, ()))

    def _focus(self, document: _Document, groups: list[list[Term]], word_idf: list[float]) -> float:
        """The IDF mass of the query words that the document's focus fields contain."""
        focus = document.focus_terms
        found = 0.0
        for terms, idf in zip(groups, word_idf, strict=True):
            weight = max((term.weight for term in terms if term.key in focus), default=0)
            found += weight * idf
        return found

    def _candidates(self, groups: list[list[Term]], total: int) -> set[str] | None:
        """In a large index, the documents worth scoring (None: every match is).

        Those sharing a rarer word with the query, and those sharing several of its common
        words (intersected from the rarest common word on, until few are left): documents that
        share only one common word with the query cannot rank near the top.
        """
        common_df = max(COMMON_MIN_DOCUMENTS, int(total * COMMON_SHARE))
        rare: list[set[str]] = []
        common: list[set[str]] = []
        for terms in groups:
            known = [t for t in terms if t.key in self._postings]
            if not known:
                continue
            postings = self._postings[max(known, key=lambda t: t.weight).key]
            (rare if len(postings) <= common_df else common).append(postings)
            rare.extend(
                self._postings[t.key]
                for t in known
                if len(self._postings[t.key]) <= common_df and self._postings[t.key] is not postings
            )
        if not common:
            return None  # a small index, or only rare words: nothing to prune
        candidates: set[str] = set().union(*rare)
        common.sort(key=len)
        shared = common[0]
        for postings in common[1:]:
            if len(shared) <= common_df:
                break
            narrower = shared & postings
            if not narrower:
                break
            shared = narrower
        if len(shared) <= common_df or not candidates:
            candidates |= shared
        return candidates

    def _document_tf(self, key: str, averages: dict[str, float]) -> dict[str, float]:
        """`_field_tf` of every term of the document, kept (see `cache_tf`)."""
        table = self._tf.get(key)
        if table is None:
            document = self._docs[key]
            table = {}
            for name, counter in document.counts.items():
                norm = 1 - self.b + self.b * document.lengths[name] / averages[name]
                for term, count in counter.items():
                    table[term] = table.get(term, 0.0) + self.weights[name] * count / norm
            self._tf[key] = table
        return table

    def _field_tf(self, document: _Document, term: str, averages: dict[str, float]) -> float:
        tf = 0.0
        for name, counter in document.counts.items():
            count = counter.get(term, 0)
            if count:
                norm = 1 - self.b + self.b * document.lengths[name] / averages[name]
                tf += self.weights[name] * count / norm
        return tf

    def _phrase_hits(self, sequence: list[str]) -> dict[str, list[tuple[str, ...]]]:
        """The documents with a phrase in the query, and those phrases.

        Where phrases of two documents overlap, only the longer one counts: DREAM-UA, the
        project-ID article's alias, not the DREAM inside it, the overview's alias.
        """
        spans: list[tuple[int, int, str, tuple[str, ...]]] = []
        for start, term in enumerate(sequence):
            for phrase, key in self._phrase_starts.get(term, ()):
                end = start + len(phrase)
                if tuple(sequence[start:end]) == phrase:
                    spans.append((start, end, key, phrase))
        hits: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for start, end, key, phrase in spans:
            if not any(
                other != key and first <= start and end <= last and last - first > end - start
                for first, last, other, _ in spans
            ):
                hits[key].append(phrase)
        return hits

    def _sharing(
        self, phrase_hits: Mapping[str, list[tuple[str, ...]]], scores: Mapping[str, float]
    ) -> dict[str, float]:
        """The scored documents without a phrase of their own that hold every term of a phrase
        the query contains in a field sharing the bonus, and the share each gets."""
        if not self.shared_bonus or not phrase_hits:
            return {}
        phrases = {phrase for found in phrase_hits.values() for phrase in found}
        sharing: dict[str, float] = {}
        for phrase in phrases:
            for key, share in self._phrase_holders(phrase).items():
                if key in scores and key not in phrase_hits and share > sharing.get(key, 0.0):
                    sharing[key] = share
        return sharing

    def _phrase_holders(self, phrase: tuple[str, ...]) -> dict[str, float]:
        """Every document holding each term of `phrase` in a field sharing the bonus, with the
        largest such field's share; kept until a document is added or removed."""
        holders = self._holders.get(phrase)
        if holders is None:
            holders = {}
            for key, document in self._docs.items():
                for name, share in self.shared_bonus.items():
                    counter = document.counts.get(name)
                    if (
                        counter
                        and share > holders.get(key, 0.0)
                        and all(term in counter for term in phrase)
                    ):
                        holders[key] = share
            self._holders[phrase] = holders
        return holders
