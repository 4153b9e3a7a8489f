"""Finding knowledge-base entries for a question typed in either language."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.i18n import LOCALES
from bot.services import kb_confidence
from bot.services.kb_examples import ExampleIndex, Votes
from bot.services.knowledge import KnowledgeBase
from bot.services.text_search import Analyzer, FieldIndex, Match
from bot.services.text_words import words

# How much a word counts in each part of an entry.
FIELD_WEIGHTS = {"alias": 4.0, "title": 3.0, "topic": 0.5, "short": 1.5, "full": 1.0}
# BM25's term saturation, later than its usual 1.2: a word an article is about (in its title,
# aliases and summary many times over) outweighs a passing mention of it in another article's
# text by more. Measured on every development set with today's aliases, with the aliases of
# 3c2d886 and 8bb6fc0 and with none: top-1 rose or held on each and out-of-scope rejection rose.
K1 = 1.6
# BM25F saturates: the word an article is about scores it little more than a passing mention
# scores another ("Староста пішов на фронт, хто тепер видає довідки?" ranked the starosta article
# sixth). A question word that is one of an article's subject words adds SUBJECT_BONUS times its
# IDF, times the share of those words the question names (FieldIndex.subject_bonus). The subject
# words are its title's words that at most SUBJECT_TITLES titles hold: what tells it from the
# others ("староста", "ПДФО", "ліцеїв"), not what many share ("бюджет", "громада", "plan"). The
# bonus orders the articles; whether the best one answers is decided on its score without it.
# Measured against no bonus on every development set, with today's aliases, those of 3c2d886 and
# 8bb6fc0 and none: top-1 +1, +2, +1 and +23 (answered+right +1, +1, 0, +12), no set lost more
# than one question, out-of-scope rejection unchanged.
SUBJECT_BONUS = 0.2
SUBJECT_TITLES = 3
# A confident answer covers enough of what the question asks about, with a real score. Without
# one of its aliases in the question, an article must also hold 15 % of the question in its
# title, aliases or summary (FOCUS_FIELDS): a word deep in its full text (a council secretary's
# maternity leave in the starosta article) is not what it is about.
MIN_COVERAGE = 0.45
# A long question carries context besides what it asks ("our school was shelled, the council
# cannot gather, ..."): from LONG_QUESTION words on, a third of it covered is enough. Between
# SHORT_QUESTION and LONG_QUESTION words the share needed falls evenly from MIN_COVERAGE when the
# best article leads clearly (CLEAR_MARGIN): "хочемо з сусідньою ОТГ спільно утримувати пожежну
# команду, як це оформити" names the fire brigade it is about, not the cooperation it asks for.
SHORT_QUESTION = 6
LONG_QUESTION = 10
MIN_LONG_COVERAGE = 0.35
MIN_SCORE = 3.25
# A lower score is enough when it stands clearly above the runner-up's: a short question ("what is
# GRB", "хто входить до інвестиційної ради громади") matches few words, and one article holds them.
MIN_CLEAR_SCORE = 2.5
CLEAR_MARGIN = 1.25
MIN_FOCUS = 0.15
FOCUS_FIELDS = frozenset({"alias", "title", "short"})
# With one of its aliases in the question, an article must still cover this much of it ("translate
# my CV for a Polaris job" names Polaris and asks for something else).
MIN_PHRASE_COVERAGE = 0.15
# An alias in the question scores its article a bonus. Another article naming the thing in its
# title gets half of it, one naming it in an alias ("доступ до дрім", "apply for Ukraine Facility")
# a quarter: the overview's alias is the bare name, and the how-to article that names it too is
# then compared with it on the rest of the question.
SHARED_BONUS = {"title": 0.5, "alias": 0.25}
# Results far below the best one are noise, not alternatives.
RELATIVE_CUTOFF = 0.35
# The example questions (kb_examples) have their say among the CANDIDATES best articles: each
# scores its share of the best one's BM25 score (at most all of it) plus EXAMPLE_WEIGHT times its
# share of the nearest examples' votes, and the highest is taken first. Whether it answers the
# question confidently is kb_confidence's to say, from the rules above and the examples' votes.
CANDIDATES = 5
EXAMPLE_WEIGHT = 0.3
# Of two articles on one thing the more specific ranks first: the overview holds the bare name as
# an alias ("DREAM"), the how-to article the rest of what is asked ("who in our council enters
# projects into DREAM"). A runner-up scoring at least SPECIFIC_SHARE of the best that names in its
# title or aliases every word of the question the best names there, and covers as much of the
# question overall and more of it in its focus fields, is taken first.
SPECIFIC_SHARE = 0.7
NAMING_FIELDS = ("title", "alias")  # where an article names the thing it is about
SPECIFIC_RIVALS = 2
# A question asking what a thing is ("що таке DREAM і чого його вимагають", "what is GRB"; words()
# spells "what's" as "whats") wants the overview: of the best article and its rivals within
# SPECIFIC_SHARE, the first with an alias in the question whose title or aliases name the word
# asked about is taken first (the how-to article's text can cover the rest of the words, and
# another article's alias can stand in the question too: "what is DREAM ... modelled on Prozorro").
DEFINING = (
    ("що", "таке"),
    ("шо", "таке"),
    ("shcho", "take"),
    ("sho", "take"),
    ("what", "is"),
    ("whats",),
    ("what", "are"),
    ("що", "означає"),
)
# Facts no article holds: a question asking for a pay figure, a phone number, an address, a
# pension, leave, the weather or what happens tomorrow, local elections, a tax rate or booking
# staff from mobilisation is never answered confidently from an article that merely names the
# person or body it is about (the bot offers to send it to the experts instead); an article that
# names the word in its title, aliases or summary (the military's income tax) still answers. Nor
# is a computer fault (a browser, a bug, a crash, the cache): the articles say what to do in a
# system such as Prozorro or DREAM, not how to mend a program.
NOT_HELD_WORDS = (
    "зарплата зарплатня заробітна заробіток оклад заробляти телефон адреса пенсія відпустка "
    "погода завтра браузер баг глюк глючити вилітати зависати вибори податок бронювання бронь "
    "salary salaries wage wages earn earns phone telephone hotline email pension pensions vacation "
    "weather tomorrow browser bug bugs glitch crash crashes cache cookies tax taxes"
)
# Nor is the asker's private business: "my" followed within two words by one of PRIVATE_WORDS
# ("my own house", "моєму сину", "my family farm"); the bot answers for the hromada.
MY = frozenset(words("my мій моя моє мої мого моєї моєму моїй моїм моїх мою моєю моїми"))
PRIVATE_WORDS = (
    "власний особистий приватний син донька дочка дружина чоловік сім'я родина будинок хата "
    "квартира машина автомобіль резюме дитина діти "
    "own personal private son daughter wife husband family house home flat apartment car cv "
    "resume child children kid kids"
)


def _coverage_needed(words: int, *, clear: bool) -> float:
    """The share of a question of `words` words its best article must cover to answer it."""
    if words >= LONG_QUESTION:
        return MIN_LONG_COVERAGE
    if not clear or words <= SHORT_QUESTION:
        return MIN_COVERAGE
    share = (words - SHORT_QUESTION) / (LONG_QUESTION - SHORT_QUESTION)
    return MIN_COVERAGE - (MIN_COVERAGE - MIN_LONG_COVERAGE) * share


def _defined(query: str) -> str | None:
    """The word a question asking what something is asks about: the first word after a cue of
    DEFINING among its first words that is not a stop word ("what is the DREAM ecosystem":
    dream); None for another question."""
    written = words(query)
    for start in range(min(len(written), 4)):
        for cue in DEFINING:
            end = start + len(cue)
            if tuple(written[start:end]) == cue:
                return next((word for word in written[end:] if Analyzer.word_terms(word)), None)
    return None


@dataclass(frozen=True)
class SearchHit:
    slug: str
    score: float


@dataclass(frozen=True)
class Decision:
    """The articles for a question in order, whether the first answers it, and why
    (`kb_confidence.FEATURES`)."""

    ranked: tuple[Match, ...]
    confident: bool
    features: dict[str, float]


@dataclass(frozen=True)
class SearchResult:
    query: str
    confident: bool
    hits: tuple[SearchHit, ...]


class KnowledgeSearch:
    """An index of every entry in both languages: a question in either finds entries in both."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.index = FieldIndex(
            FIELD_WEIGHTS,
            k1=K1,
            focus_fields=FOCUS_FIELDS,
            shared_bonus=SHARED_BONUS,
            subject_bonus=SUBJECT_BONUS,
            cache_tf=True,
        )
        self.examples = ExampleIndex(knowledge.examples, self.index.analyzer)
        self.not_held = self._terms(NOT_HELD_WORDS)
        self.private = self._terms(PRIVATE_WORDS)
        subjects = self._subjects(knowledge)
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
                subject=subjects[entry.slug],
            )

    def _subjects(self, knowledge: KnowledgeBase) -> dict[str, list[str]]:
        """Each entry's subject words (SUBJECT_TITLES), per title language."""
        titles: Counter[str] = Counter()
        for entry in knowledge.entries:
            titles.update(self._terms(f"{entry.title.uk} {entry.title.en}"))

        def distinctive(title: str) -> str:
            return " ".join(
                word
                for word in words(title)
                if (terms := Analyzer.word_terms(word)) and titles[terms[0].key] <= SUBJECT_TITLES
            )

        return {
            entry.slug: [distinctive(entry.title.uk), distinctive(entry.title.en)]
            for entry in knowledge.entries
        }

    def search(self, query: str, limit: int = 3) -> SearchResult:
        """The best entries for `query`, and whether the best one is a confident answer."""
        decision = self.decide(query, limit)
        if decision is None:
            return SearchResult(query=query, confident=False, hits=())
        hits = tuple(
            SearchHit(match.key, round(match.score, 4)) for match in decision.ranked[:limit]
        )
        return SearchResult(query=query, confident=decision.confident, hits=hits)

    def decide(self, query: str, limit: int = CANDIDATES) -> Decision | None:
        """The `limit` best articles for `query` in order, and what decides whether the first one
        answers it; None when no article shares a word with it."""
        matches = self.index.search(query, limit=max(limit, CANDIDATES, 1 + SPECIFIC_RIVALS))
        if not matches:
            return None
        defined = _defined(query)
        if defined is not None:
            matches = self._named_first(defined, matches)
        else:
            matches = self._specific_first(query, matches)
        best = matches[0]
        if best.phrase:
            rule = best.coverage >= MIN_PHRASE_COVERAGE
        else:
            score = best.score - best.subject
            runner_up = matches[1].score - matches[1].subject if len(matches) > 1 else 0.0
            clear = score >= runner_up * CLEAR_MARGIN
            rule = (
                best.coverage >= _coverage_needed(best.words, clear=clear)
                and score >= (MIN_CLEAR_SCORE if clear else MIN_SCORE)
                and best.focus >= MIN_FOCUS
            )
        kept = [m for m in matches if m.score >= best.score * RELATIVE_CUTOFF]
        votes = self.examples.votes(query)
        ranked = [*self._with_examples(kept[:CANDIDATES], votes), *kept[CANDIDATES:]][:limit]
        chosen = ranked[0]
        rivals = [m.score - m.subject for m in matches if m is not chosen]
        features = kb_confidence.features(
            chosen,
            rival=max(rivals, default=0.0),
            first=chosen is best,
            rule=rule and chosen is best,
            votes=votes,
        )
        if not self.may_answer(query, chosen.key):
            confident = False
        elif len(self.examples):
            confident = kb_confidence.probability(features) >= kb_confidence.THRESHOLD
        else:
            # Without example questions (a knowledge base being written): the rules alone.
            confident = rule and chosen is best
        return Decision(tuple(ranked), confident, features)

    @staticmethod
    def _with_examples(candidates: list[Match], votes: Votes) -> list[Match]:
        """`candidates` (the first one best) ordered by their share of its BM25 score (at most
        all of it: a rival the rules above put second is not first again for scoring higher)
        plus the examples' votes for them (EXAMPLE_WEIGHT); on a tie the earlier one first."""
        top = candidates[0].score
        fused = {
            m.key: min(m.score / top, 1.0) + EXAMPLE_WEIGHT * votes.share(m.key) for m in candidates
        }
        order = sorted(range(len(candidates)), key=lambda i: (-fused[candidates[i].key], i))
        return [candidates[i] for i in order]

    def may_answer(self, query: str, slug: str) -> bool:
        """Whether the entry may answer the question at all: not when it asks for a fact no
        article holds (NOT_HELD_WORDS) or about the asker's private business."""
        return not self._asks_not_held(query, slug) and not self._private(query)

    def _specific_first(self, query: str, matches: list[Match]) -> list[Match]:
        """`matches` with the more specific article on the best one's thing first."""
        best = matches[0]
        written = set(words(query))
        named = self._named(written, best.key)
        for match in matches[1 : 1 + SPECIFIC_RIVALS]:
            if match.score < best.score * SPECIFIC_SHARE:
                break
            if (
                match.coverage >= best.coverage
                and match.focus > best.focus
                and named <= self._named(written, match.key)
            ):
                return [match, *(other for other in matches if other is not match)]
        return matches

    def _named_first(self, defined: str, matches: list[Match]) -> list[Match]:
        """`matches` with the article holding the asked-about name as an alias first: of the best
        and its close rivals, the first with an alias in the question whose title or aliases name
        `defined`."""
        best = matches[0]
        for match in matches[: 1 + SPECIFIC_RIVALS]:
            if match.score < best.score * SPECIFIC_SHARE:
                break
            if match.phrase and self._named({defined}, match.key):
                return [match, *(other for other in matches if other is not match)]
        return matches

    def _named(self, written: set[str], slug: str) -> set[str]:
        """The words of `written` that the entry's title or aliases hold."""
        naming = self.index.field_terms(slug, NAMING_FIELDS)
        return {
            word
            for word in written
            if any(term.key in naming for term in self.index.analyzer.word_terms(word))
        }

    def _asks_not_held(self, query: str, slug: str) -> bool:
        """Whether the question asks for a fact no article holds (NOT_HELD_WORDS) that the
        entry does not name in its title, aliases or summary either: the compensation paid to
        those who host displaced people goes through the Pension Fund, and that article says so."""
        asked = self.not_held.intersection(self.index.analyzer.terms(query, query=True))
        return bool(asked) and not asked <= self.index.field_terms(slug)

    def _terms(self, text: str) -> frozenset[str]:
        """The index terms of `text`'s words themselves (not their family prefixes)."""
        return frozenset(
            term for term in self.index.analyzer.terms(text) if not term.startswith("p:")
        )

    def _private(self, query: str) -> bool:
        """Whether the question is about the asker's own household, family or belongings."""
        written = words(query)
        for index, word in enumerate(written):
            if word not in MY:
                continue
            # English "my" is Ukrainian "ми" (we) typed in Latin letters: only English words count.
            language = "en:" if word == "my" else "uk:"
            following = self.index.analyzer.terms(" ".join(written[index + 1 : index + 3]))
            if any(term in self.private for term in following if term.startswith(language)):
                return True
        return False
