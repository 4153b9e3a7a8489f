"""Ranking rules of `KnowledgeSearch` on a small knowledge base built here, not the shipped one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.services import kb_confidence, kb_search
from bot.services.kb_search import KnowledgeSearch
from bot.services.knowledge import Entry, Example, KnowledgeBase, Localized, Source, Topic


def entry(number: int, slug: str, title: str, text: str, aliases: tuple[str, ...]) -> Entry:
    return Entry(
        slug=slug,
        topic="tools",
        title=Localized(uk=title, en=title),
        short=Localized(uk=text, en=text),
        full=Localized(uk=text, en=text),
        legal_basis=None,
        sources=(Source("https://example.org"),),
        checked=date(2026, 12, 1),
        aliases={"uk": (), "en": aliases},
        related=(),
        number=number,
    )


# An overview that holds the bare name as an alias, and the how-to article on the same system.
KNOWLEDGE = KnowledgeBase(
    topics=(Topic("tools", Localized(uk="Системи", en="Systems")),),
    entries=(
        entry(
            1,
            "beacon",
            "Beacon, the national registry of local projects",
            "Beacon is the registry where the ministry publishes local projects, launched in 2023 "
            "by a government resolution, with open data on every project and its funding.",
            ("Beacon", "Beacon registry", "what is Beacon"),
        ),
        entry(
            2,
            "beacon-access",
            "Working in Beacon: who gets an account, who enters projects",
            "The head appoints a responsible officer by an order; the officer asks the support "
            "office for an account and enters the projects of the hromada.",
            ("Beacon account", "access to Beacon"),
        ),
        entry(
            3,
            "orchard",
            "Orchard grants for school gardens",
            "Orchard pays for school gardens planted by pupils, a small share from the budget.",
            ("Orchard",),
        ),
    ),
)


@pytest.fixture(scope="module")
def engine() -> KnowledgeSearch:
    return KnowledgeSearch(KNOWLEDGE)


def test_the_specific_article_ranks_before_the_overview_naming_the_same_thing(
    engine: KnowledgeSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "who in the council should be appointed to enter projects in Beacon"
    result = engine.search(question)
    assert [hit.slug for hit in result.hits[:2]] == ["beacon-access", "beacon"]
    # Without the rule the overview's alias bonus puts it first.
    monkeypatch.setattr(kb_search, "SPECIFIC_SHARE", 2.0)
    assert engine.search(question).hits[0].slug == "beacon"


def test_the_overview_stays_first_when_the_question_asks_what_the_thing_is(
    engine: KnowledgeSearch,
) -> None:
    assert engine.search("what is Beacon and who launched it").hits[0].slug == "beacon"


def test_a_question_asking_what_the_thing_is_takes_the_article_naming_it_first(
    engine: KnowledgeSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The how-to article's text covers the rest of the question and scores higher; "what is"
    # asks for the overview, which holds the bare name as an alias.
    question = "what is Beacon and why does the head appoint an officer"
    raw = engine.index.search(question, limit=2)
    assert [match.key for match in raw] == ["beacon-access", "beacon"]
    assert engine.search(question).hits[0].slug == "beacon"
    assert engine.search("Beacon: why does the head appoint an officer").hits[0].slug == (
        "beacon-access"
    )
    monkeypatch.setattr(kb_search, "DEFINING", ())
    assert engine.search(question).hits[0].slug == "beacon-access"


def test_of_two_articles_with_an_alias_in_the_question_the_one_naming_the_asked_thing_is_first(
    engine: KnowledgeSearch,
) -> None:
    # Both aliases are in the question and Beacon's scores higher; the question asks what
    # Orchard is.
    question = "what is Orchard and is it in the Beacon registry"
    raw = engine.index.search(question, limit=2)
    assert [(match.key, match.phrase) for match in raw] == [("beacon", True), ("orchard", True)]
    assert engine.search(question).hits[0].slug == "orchard"
    assert engine.search("is Orchard in the Beacon registry").hits[0].slug == "beacon"


def test_an_article_that_does_not_name_the_thing_is_not_taken_first(
    engine: KnowledgeSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Orchard covers more of the question ("school", "share", "budget") close behind, but does
    # not name Beacon: it is another thing, not the more specific article on this one.
    monkeypatch.setattr(kb_search, "SPECIFIC_SHARE", 0.5)
    result = engine.search("Beacon projects of a school, share from the budget")
    assert [hit.slug for hit in result.hits[:2]] == ["beacon", "orchard"]


def test_a_lower_score_is_confident_when_no_other_article_comes_close(
    engine: KnowledgeSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "pupils plant gardens budget"
    result = engine.search(question)
    assert result.hits[0].slug == "orchard"
    # Confidence is judged on the score without the subject bonus (SUBJECT_BONUS).
    best = engine.index.search(question)[0]
    assert kb_search.MIN_CLEAR_SCORE <= best.score - best.subject < kb_search.MIN_SCORE
    assert result.confident
    monkeypatch.setattr(kb_search, "MIN_CLEAR_SCORE", kb_search.MIN_SCORE)
    assert not engine.search(question).confident


def test_a_fact_no_article_holds_is_answered_when_the_article_names_it() -> None:
    """A pension is a fact the articles do not hold, unless the article is about one."""
    knowledge = KnowledgeBase(
        topics=KNOWLEDGE.topics,
        entries=(
            entry(
                1,
                "host-pension",
                "Pension fund compensation for hosts",
                "Hosts of displaced people get compensation from the pension fund every month.",
                (),
            ),
            entry(2, "orchard", "Orchard grants", "Orchard pays for school gardens.", ()),
        ),
    )
    engine = KnowledgeSearch(knowledge)
    named = engine.search("compensation for hosts from the pension fund")
    assert named.hits[0].slug == "host-pension"
    assert named.confident
    asked = engine.search("orchard grants for school gardens and my salary")
    assert asked.hits[0].slug == "orchard"
    assert not asked.confident


def test_a_longer_question_clearly_led_by_one_article_needs_less_of_it_covered(
    engine: KnowledgeSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nine words, four of them context no article holds: the garden article still answers."""
    question = "pupils plant school gardens, neighbours bring tractors, seedlings and water"
    result = engine.search(question)
    assert result.hits[0].slug == "orchard"
    assert result.confident
    # Only from LONG_QUESTION words on would less than half of it covered be enough.
    monkeypatch.setattr(kb_search, "SHORT_QUESTION", kb_search.LONG_QUESTION)
    assert not engine.search(question).confident


def learnt(*texts: str, slug: str | None) -> KnowledgeBase:
    """KNOWLEDGE with example questions `texts`, each answered by `slug` (None: out of scope)."""
    return replace(KNOWLEDGE, examples=tuple(Example(text, slug, "set") for text in texts))


def test_examples_put_first_the_article_questions_in_the_same_words_were_about() -> None:
    """BM25 prefers the overview naming "open data"; members asking in these words wanted to
    know who enters projects, and said so in the examples."""
    question = "the open data has none of our hromada projects, who puts them there"
    plain = KnowledgeSearch(KNOWLEDGE).search(question)
    assert [hit.slug for hit in plain.hits] == ["beacon", "beacon-access"]
    assert not plain.confident
    knowledge = learnt(
        "projects of our hromada are missing from the open data, who puts them in",
        "open data shows none of the hromada projects, who enters them",
        slug="beacon-access",
    )
    engine = KnowledgeSearch(knowledge)
    result = engine.search(question)
    assert [hit.slug for hit in result.hits] == ["beacon-access", "beacon"]
    assert result.confident
    decision = engine.decide(question)
    assert decision is not None
    assert decision.features["first"] == 0.0  # the examples moved it first
    assert decision.features["share"] == pytest.approx(1.0)  # every vote, summed in set order


def test_examples_make_an_uncertain_article_confident_only_when_they_name_it() -> None:
    question = "nobody in our council can see the projects, whom do we ask"
    alike = (
        "nobody in the council sees our projects, who can help",
        "the council cannot see any project, whom to ask",
        "we cannot see projects in the council, who helps",
    )
    assert not KnowledgeSearch(KNOWLEDGE).search(question).confident
    result = KnowledgeSearch(learnt(*alike, slug="beacon-access")).search(question)
    assert result.hits[0].slug == "beacon-access"
    assert result.confident
    # The same questions out of scope, or about another article, make nothing confident.
    assert not KnowledgeSearch(learnt(*alike, slug=None)).search(question).confident
    assert not KnowledgeSearch(learnt(*alike, slug="orchard")).search(question).confident


def test_examples_never_answer_what_no_article_holds() -> None:
    """A salary is a fact no article holds, however alike the examples."""
    question = "nobody in our council can see the projects or my salary, whom do we ask"
    knowledge = learnt(
        "nobody in the council sees our projects or my salary, who can help",
        "the council cannot see any project or salary, whom to ask",
        slug="beacon-access",
    )
    result = KnowledgeSearch(knowledge).search(question)
    assert result.hits[0].slug == "beacon-access"
    assert not result.confident


def test_a_question_most_like_an_out_of_scope_example_is_not_confident(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rules would answer with the garden article; the question is most like one no article
    answers, and that is what the confidence model weighs against it."""
    question = "pupils plant school gardens, which seeds grow fastest"
    assert KnowledgeSearch(KNOWLEDGE).search(question).confident
    knowledge = learnt("which seeds grow fastest in school gardens", slug=None)
    engine = KnowledgeSearch(knowledge)
    result = engine.search(question)
    assert result.hits[0].slug == "orchard"
    assert not result.confident
    weights = dict(kb_confidence.WEIGHTS)
    for name in ("out_share", "out_similarity", "out_alike"):
        weights[name] = 0.0
    monkeypatch.setattr(kb_confidence, "WEIGHTS", weights)
    assert engine.search(question).confident


def test_the_confidence_model_weighs_every_feature_the_search_gives_it() -> None:
    """kb_confidence's weights and the search's features name the same things."""
    decision = KnowledgeSearch(KNOWLEDGE).decide("pupils plant school gardens")
    assert decision is not None
    assert set(decision.features) == set(kb_confidence.FEATURES) == set(kb_confidence.WEIGHTS)
    assert 0.0 < kb_confidence.probability(decision.features) < 1.0
