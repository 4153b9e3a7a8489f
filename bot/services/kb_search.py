"""Finding knowledge-base entries for a question typed in either language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import LOCALES
from bot.services.knowledge import KnowledgeBase
from bot.services.text_search import FieldIndex

# How much a word counts in each part of an entry.
FIELD_WEIGHTS = {"alias": 4.0, "title": 3.0, "topic": 0.5, "short": 1.5, "full": 1.0}
# A confident answer covers enough of what the question asks about, with a real score.
MIN_COVERAGE = 0.5
MIN_SCORE = 2.0
# Results far below the best one are noise, not alternatives.
RELATIVE_CUTOFF = 0.35
# Facts no article holds: a question asking for a pay figure or a phone number is never answered
# confidently from an article that merely names the person or body it is about (the bot offers
# to send it to the experts instead).
NOT_HELD_WORDS = (
    "зарплата заробітна оклад заробляти телефон "
    "salary salaries wage wages earn earns phone telephone hotline"
)


@dataclass(frozen=True)
class SearchHit:
    slug: str
    score: float


@dataclass(frozen=True)
class SearchResult:
    query: str
    confident: bool
    hits: tuple[SearchHit, ...]


class KnowledgeSearch:
    """An index of every entry in both languages: a question in either finds entries in both."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.index = FieldIndex(FIELD_WEIGHTS)
        self.not_held = frozenset(
            term for term in self.index.analyzer.terms(NOT_HELD_WORDS) if not term.startswith("p:")
        )
        for entry in knowledge.entries:
            topic = knowledge.topic(entry.topic)
            aliases = [alias for locale in LOCALES for alias in entry.aliases.get(locale, ())]
            self.index.add(
                entry.slug,
                {
                    "alias": aliases,
                    "title": [entry.title.uk, entry.title.en],
                    "topic": [topic.title.uk, topic.title.en] if topic else [],
                    "short": [entry.short.uk, entry.short.en],
                    "full": [entry.full.uk, entry.full.en],
                },
                phrases=aliases,
            )

    def search(self, query: str, limit: int = 3) -> SearchResult:
        """The best entries for `query`, and whether the best one is a confident answer."""
        matches = self.index.search(query, limit=max(limit, 1))
        if not matches:
            return SearchResult(query=query, confident=False, hits=())
        best = matches[0]
        confident = best.phrase or (best.coverage >= MIN_COVERAGE and best.score >= MIN_SCORE)
        if confident and self.not_held.intersection(self.index.analyzer.terms(query, query=True)):
            confident = False
        hits = tuple(
            SearchHit(match.key, round(match.score, 4))
            for match in matches[:limit]
            if match.score >= best.score * RELATIVE_CUTOFF
        )
        return SearchResult(query=query, confident=confident, hits=hits)
