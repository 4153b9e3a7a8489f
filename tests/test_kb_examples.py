"""The example questions' votes: the nearest examples by cosine similarity, each voting for its
article by its share of their similarity."""

from __future__ import annotations

import pytest

from bot.services.kb_examples import ExampleIndex
from bot.services.knowledge import Example
from bot.services.text_search import Analyzer


def index(*examples: tuple[str, str | None]) -> ExampleIndex:
    return ExampleIndex([Example(text, slug, "set") for text, slug in examples], Analyzer())


def test_the_nearest_examples_vote_by_their_similarity() -> None:
    votes = index(
        ("budget forecast for three years", "forecast"),
        ("budget forecast deadline", "forecast"),
        ("school bus for the lyceum", "lyceum"),
        ("weather tomorrow", None),
    ).votes("three year budget forecast", nearest=3)
    # Only the two examples sharing a word vote (no example of zero similarity does).
    assert set(votes.shares) == {"forecast"}
    assert votes.share("forecast") == pytest.approx(1.0)
    assert votes.most_alike() == "forecast"
    assert 0 < votes.similarity("forecast") <= 1


def test_shares_split_by_similarity_and_out_of_scope_examples_vote_for_none() -> None:
    votes = index(
        ("budget forecast for three years", "forecast"),
        ("weather forecast for tomorrow", None),
        ("school bus for the lyceum", "lyceum"),
    ).votes("budget forecast for tomorrow", nearest=3)
    assert set(votes.shares) == {"forecast", None}
    assert sum(votes.shares.values()) == pytest.approx(1.0)
    assert votes.similarity("forecast") > 0 and votes.similarity(None) > 0
    assert votes.share("lyceum") == 0.0


def test_of_equally_similar_examples_the_later_one_is_nearer() -> None:
    examples = [("school bus", "first"), ("school bus", "second"), ("school bus", "third")]
    assert index(*examples).votes("school bus", nearest=1).shares == {"third": 1.0}
    votes = index(*examples).votes("school bus", nearest=2)
    assert votes.shares == pytest.approx({"third": 0.5, "second": 0.5})


def test_a_question_sharing_no_term_gets_no_votes() -> None:
    examples = index(("school bus for the lyceum", "lyceum"))
    assert examples.votes("weather tomorrow").shares == {}
    assert examples.votes("").most_alike() is None
    assert len(index()) == 0 and index().votes("school bus").shares == {}
