"""FieldIndex on a large corpus: pruning common words keeps the ranking of an exhaustive search;
and how words become terms (Latin-typed Ukrainian, family prefixes, phrases, focus fields)."""

from __future__ import annotations

import random

import pytest

from bot.services.text_search import COMMON_MIN_DOCUMENTS, Analyzer, FieldIndex
from bot.services.text_words import from_latin, latin_stopword

WEIGHTS = {"title": 2.0, "description": 1.0}
PROBLEMS = ["ремонт даху школи", "немає опалення в ліцеї", "зруйновано міст", "бракує лікарів"]
CAUSES = ["після обстрілу", "через відсутність коштів", "після повені", "через війну"]
PLACES = ["Іллінецька громада", "Вінницька громада", "Жмеринська громада", "Барська громада"]


def corpus(size: int) -> FieldIndex:
    rng = random.Random(5)
    index = FieldIndex(WEIGHTS)
    for number in range(size):
        title = f"{rng.choice(PROBLEMS)} {rng.choice(CAUSES)}"
        description = f"{title}, {rng.choice(PLACES)}, звернення {number}."
        index.add(str(number), {"title": title, "description": description})
    index.add("target", {"title": "Протікає дах школи", "description": "Дах протікає, Хмільник."})
    return index


def test_large_index_prunes_common_words_without_changing_the_best_matches() -> None:
    index = corpus(COMMON_MIN_DOCUMENTS * 10)
    queries = [
        "протікає дах у школі",
        "ремонт даху школи після обстрілу",
        "немає опалення в ліцеї через відсутність коштів",
        "зруйновано міст після повені, Барська громада",
        "Хмільник",
    ]
    pruned = [[m.key for m in index.search(q, limit=3)] for q in queries]
    index._candidates = lambda groups, total: None  # type: ignore[method-assign]
    exhaustive = [[m.key for m in index.search(q, limit=3)] for q in queries]
    assert pruned[0][0] == exhaustive[0][0] == "target"
    assert pruned[4] == exhaustive[4] == ["target"]
    for got, expected in zip(pruned, exhaustive, strict=True):
        assert got[0] == expected[0]


def test_kept_term_frequencies_score_as_computed_ones_and_follow_added_documents() -> None:
    plain, cached = corpus(60), corpus(60)
    cached.cache_tf = True
    queries = ["протікає дах у школі", "немає опалення в ліцеї", "міст після повені, Хмільник"]

    def scores(index: FieldIndex) -> list[list[tuple[str, float]]]:
        return [[(m.key, m.score) for m in index.search(q, limit=5)] for q in queries]

    assert scores(cached) == scores(plain)
    assert cached._tf  # kept for the documents scored
    # A new document changes the average lengths every score is normalised by.
    for index in (plain, cached):
        index.add("bridge", {"title": "Зруйновано міст у Хмільнику", "description": "Міст."})
    assert scores(cached) == scores(plain)
    assert scores(cached)[2][0][0] == "bridge"
    for index in (plain, cached):
        index.remove("bridge")
    assert scores(cached) == scores(plain)


def test_small_index_scores_every_match() -> None:
    index = corpus(50)
    assert index._candidates(index.query_words("ремонт даху школи")[0], len(index)) is None


def test_large_index_scores_only_candidates() -> None:
    index = corpus(COMMON_MIN_DOCUMENTS * 10)
    groups = index.query_words("ремонт даху школи після обстрілу")[0]
    candidates = index._candidates(groups, len(index))
    assert candidates is not None and 0 < len(candidates) < len(index) // 4


def test_a_phrase_counts_while_its_document_is_indexed_and_not_after() -> None:
    index = FieldIndex({"alias": 4.0, "text": 1.0})
    index.add("dfrr", {"alias": ["фонд регіонального розвитку"], "text": "кошти"}, phrases=["ДФРР"])
    index.add("dream", {"alias": ["екосистема"], "text": "проєкти"}, phrases=["система DREAM"])

    matches = index.search("як подати проєкт у систему DREAM")
    assert [(m.key, m.phrase) for m in matches][:1] == [("dream", True)]
    assert index.search("дфрр")[0].phrase

    index.remove("dream")
    assert [m.key for m in index.search("як подати проєкт у систему DREAM")] == []
    index.add("dream", {"alias": ["екосистема"], "text": "система"})  # again, without the phrase
    assert [(m.key, m.phrase) for m in index.search("система DREAM")] == [("dream", False)]


def test_where_two_documents_phrases_overlap_only_the_longer_one_counts() -> None:
    index = FieldIndex({"alias": 4.0, "text": 1.0})
    index.add("dream", {"alias": ["DREAM"], "text": "екосистема"}, phrases=["DREAM"])
    index.add("id", {"alias": ["DREAM-UA"], "text": "код проєкту"}, phrases=["DREAM-UA"])
    found = {m.key: m.phrase for m in index.search("відкрити проєкт DREAM-UA-123")}
    assert found == {"id": True, "dream": False}
    assert index.search("що таке DREAM")[0].key == "dream"
    assert index.search("що таке DREAM")[0].phrase


def test_a_title_that_names_the_thing_shares_part_of_the_aliass_bonus() -> None:
    """The overview's alias is the bare name; the how-to article has the name in its title."""

    def build(shared: dict[str, float]) -> FieldIndex:
        index = FieldIndex({"alias": 4.0, "title": 3.0}, shared_bonus=shared)
        index.add(
            "uf",
            {"alias": ["Ukraine Facility"], "title": "Ukraine Facility"},
            phrases=["Ukraine Facility"],
        )
        index.add("access", {"title": "Ukraine Facility money: applying, documents, deadlines"})
        for number in range(4):
            index.add(f"other{number}", {"title": f"budget forecast {number}"})
        return index

    query = "applying for Ukraine Facility money: documents and deadlines"
    before, after = build({}).search(query), build({"title": 0.5}).search(query)
    assert before[0].key == "uf"
    assert [m.key for m in after][:2] == ["access", "uf"]
    assert not after[0].phrase
    gained = after[0].score - next(m.score for m in before if m.key == "access")
    assert gained == pytest.approx(2.0)
    assert build({"title": 0.5}).search("Ukraine Facility")[0].key == "uf"
    # A field not sharing the bonus (the alias here) gives nothing; the best share counts once.
    assert build({"alias": 0.25}).search(query)[0].key == "uf"
    both = build({"title": 0.5, "alias": 0.25}).search(query)
    assert both[0].score == pytest.approx(after[0].score)


def test_the_articles_sharing_an_alias_follow_added_and_removed_documents() -> None:
    """Which documents share an alias's bonus is kept between searches, not past a change."""
    index = FieldIndex({"alias": 4.0, "title": 3.0}, shared_bonus={"title": 0.5})
    index.add("uf", {"alias": ["Ukraine Facility"]}, phrases=["Ukraine Facility"])
    index.add("plan", {"title": "Ukraine plan"})
    query = "Ukraine Facility money"
    assert {m.key: m.score for m in index.search(query)}["plan"] < 2.0  # holds "Facility" nowhere

    index.add("access", {"title": "Ukraine Facility money"})
    scores = {m.key: m.score for m in index.search(query)}
    assert scores["access"] > scores["plan"] + 2.0  # half the alias's bonus of 4

    index.remove("access")
    index.add("access", {"title": "money"})  # again, without the name
    scores = {m.key: m.score for m in index.search(query)}
    assert scores["access"] < 2.0


# --------------------------------------------------------------------------- how words become terms


@pytest.mark.parametrize("word", ["shcho", "yak", "dlia", "khto", "tse", "chy", "skilky", "maie"])
def test_a_ukrainian_stop_word_typed_in_latin_letters_is_dropped(word: str) -> None:
    """Kept, it became a rare English term that matched the Latin aliases it happens to be in."""
    assert latin_stopword(word)
    assert Analyzer.word_terms(word) == []


@pytest.mark.parametrize("word", ["budget", "plan", "council", "starosta", "dream", "oblast"])
def test_english_words_and_latin_content_words_are_kept(word: str) -> None:
    assert not latin_stopword(word)
    assert Analyzer.word_terms(word)


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [("spilna", "спільна"), ("vkhodyt", "входить"), ("hromada", "громада"), ("shkil", "шкіл")],
)
def test_a_romanised_word_is_read_back_with_its_soft_sign(latin: str, cyrillic: str) -> None:
    assert from_latin(latin) == cyrillic


def test_a_latin_abbreviation_reads_as_the_cyrillic_one_the_documents_hold() -> None:
    index = FieldIndex({"text": 1.0})
    index.add("tsnap", {"text": "ЦНАП видає довідки"})
    index.add("other", {"text": "довідки видає староста"})
    assert [m.key for m in index.search("tsnap")] == ["tsnap"]


def test_an_alias_left_with_one_word_by_stop_words_is_no_phrase() -> None:
    index = FieldIndex({"alias": 4.0})
    index.add("heads", {"alias": ["khto holova"]}, phrases=["khto holova"])
    index.add("decide", {"alias": ["holova"]}, phrases=["hromada holova"])
    assert not any(match.phrase for match in index.search("holova sam vyrishuie"))
    assert index.search("hromada holova")[0].phrase


def test_focus_is_the_share_of_the_question_in_the_focus_fields() -> None:
    index = FieldIndex({"title": 3.0, "text": 1.0}, focus_fields=frozenset({"title"}))
    index.add("head", {"title": "секретар", "text": "секретар у декретній відпустці"})
    index.add("other", {"title": "бюджет", "text": "бюджет громади"})
    match = index.search("декретна відпустка секретаря")[0]
    assert match.key == "head"
    assert match.coverage == pytest.approx(1.0)
    assert 0 < match.focus < 0.5
    assert FieldIndex({"text": 1.0}).search("будь-що") == []


@pytest.mark.parametrize("word", ["because", "cant", "dont", "just", "спочатку", "якісь"])
def test_conversational_filler_is_no_term(word: str) -> None:
    """Kept, an English contraction no article holds was read as a misspelt word (cant as cent,
    because as became) and lowered how much of a question its article covers."""
    assert Analyzer.word_terms(word) == []


def test_every_apostrophe_reads_alike() -> None:
    terms = {tuple(Analyzer().terms(f"об{mark}єкта")) for mark in ("ʼ", "'", "’", "`")}
    assert len(terms) == 1
    assert terms.pop()


def test_a_misspelt_latin_word_is_guessed_only_with_its_first_letter() -> None:
    """No English dictionary tells weather (a word) from wheather (a typo); a first letter is
    seldom mistyped, so weather is not read as rather."""
    index = FieldIndex({"text": 1.0})
    index.add("vote", {"text": "rather than a vote of the council"})
    index.add("other", {"text": "the budget of the hromada"})
    assert index.search("weather") == []
    assert [match.key for match in index.search("counsil vote")] == ["vote"]
    assert index.search("counsil")[0].coverage > 0


def test_naming_a_documents_subject_counts_beyond_saturation_in_order_only() -> None:
    # Only the starosta's title word is a subject: say certificates are in many titles.
    fields = {
        "starosta": {"title": "Староста", "description": "Староста веде прийом."},
        "papers": {
            "title": "Довідки і виписки",
            "description": "Довідки видає ЦНАП. Довідки видає староста. Довідки, довідки.",
        },
    }
    plain = FieldIndex(WEIGHTS)
    with_subject = FieldIndex(WEIGHTS, subject_bonus=5.0)
    for key, texts in fields.items():
        plain.add(key, texts)
        with_subject.add(key, texts, subject=["Староста"] if key == "starosta" else [])
    query = "староста пішов, хто видає довідки"
    assert plain.search(query)[0].key == "papers"
    ranked = with_subject.search(query)
    assert ranked[0].key == "starosta"
    # The bonus is reported apart, so a caller can judge confidence on the score without it.
    assert ranked[0].subject > 0
    assert ranked[0].score - ranked[0].subject == pytest.approx(
        next(m.score for m in plain.search(query) if m.key == "starosta")
    )


@pytest.mark.parametrize(
    "query",
    [
        "фінанувння",  # two letters short of a twelve-letter word
        "фіннансуванння",  # two letters too many
        "опаленя",  # one short of an eight-letter word
        "водаа",  # one too many in a four-letter word
        "дахх",  # one too many in a word of three: too short to be guessed at
    ],
)
def test_a_misspelt_word_meets_corpus_words_as_many_letters_longer_or_shorter_as_its_typos(
    query: str,
) -> None:
    index = FieldIndex({"text": 1.0})
    index.add("money", {"text": "фінансування"})
    index.add("heat", {"text": "опалення"})
    index.add("water", {"text": "вода"})
    index.add("roof", {"text": "дах"})
    index.add("other", {"text": "бюджет громади на рік"})
    expected = {
        "фінанувння": "money",
        "фіннансуванння": "money",
        "опаленя": "heat",
        "водаа": "water",
    }
    matches = index.search(query)
    if query in expected:
        assert [match.key for match in matches] == [expected[query]]
    else:
        # Only corpus words of four letters or more are guesses: `дах` is not read into `дахх`.
        assert matches == []


def test_of_equally_near_guesses_the_first_three_indexed_are_taken() -> None:
    index = FieldIndex({"text": 1.0})
    for number, word in enumerate(["bolt", "bale", "bane", "bare", "base"]):
        index.add(str(number), {"text": word})
    # "bafe" is one letter from "bale", "bane", "bare" and "base" alike.
    assert {match.key for match in index.search("bafe")} == {"1", "2", "3"}
