"""Search quality of the reform knowledge base on the question sets: the main set and the held-out
sets read since (`content/kb/examples/`), each measured on a search that has not learnt from it
(`KnowledgeBase.without_examples_from`), and the blind sets (`tests/kb_questions_holdout*.yaml`).

Asserts the shape of the main set (size, language balance, expected slugs that exist), floors of
top-1, top-3, out-of-scope rejection and answered+right of `KnowledgeSearch` on each set (FLOORS),
the confidence rule's abstentions (facts no article holds, private business), and that bad
input (empty, one character, 4,000 characters, emoji, Latin transliteration, mixed languages)
gets a SearchResult, never an error. `benchmarks/kb_search.py` prints the full figures beside a
plain-BM25 baseline.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.services.kb_search import KnowledgeSearch, SearchResult
from bot.services.knowledge import EXAMPLES_DIR, KB_DIR, KnowledgeBase

TESTS = Path(__file__).resolve().parent
EXAMPLES = KB_DIR / EXAMPLES_DIR
QUESTIONS = EXAMPLES / "questions.yaml"
# The held-out sets, named here one by one: a set being written blind is not measured by accident.
# Once read, a set is a development set: it moves to content/kb/examples/<name>.yaml and the search
# learns from it; until then it is tests/kb_questions_<name>.yaml and nothing learns from it.
HELD_OUT = (
    # Written without seeing the first 18 entries or the main set.
    "holdout",
    # The same for the articles of issue 15, written from one line per planned article before the
    # articles were; both have since been read while aliases were tuned (see their headers).
    "holdout2",
    # Written the same way over all 39 articles, with near misses among its out-of-scope questions,
    # and never used for tuning aliases; its misses were read while the engine's confidence rule and
    # analysis were improved (issue 15), so it is a development set now (FLOORS).
    "holdout3",
    # Written blind over all 39 articles after those changes (no article, alias, earlier set or
    # search code seen), and measured once: the figures of the engine on questions nobody tuned for.
    "holdout4",
    # Written the same way while holdout4's misses were being worked on, and measured blind twice,
    # before and after that work (its header).
    "holdout5",
    # Written the same way (3 questions an article, 20 out of scope) after the engine work on
    # holdout5, and measured blind before and after the specific-article rule (its header).
    "holdout6",
    # Written the same way in another voice (secretariat and finance staff, implied subjects) while
    # the engine was worked on with holdout6 as a development set; measured blind before and after.
    "holdout7",
    # Four more voices, each written blind and measured once after the aliases written from the sets
    # before it (their headers give the figures): holdout8-10 have been worked on since, holdout11
    # read since, aliases written from its misses.
    "holdout8",
    "holdout9",
    "holdout10",
    "holdout11",
    # Written blind in a sixth voice (dictated on a bad line; donors' formal emails) and measured
    # before and after BM25's k1 moved to 1.6 (its header); read since, aliases written from its
    # misses.
    "holdout12",
    # Written blind in a seventh voice (front-line hromadas; EU twinning officers) and measured
    # before and after the subject bonus and holdout11-12's aliases, and after the example
    # questions (its header); not worked on.
    "holdout13",
    # Written blind in six more voices (council staff and journalists; new deputies and diaspora
    # volunteers; accountants and IMF-style consultants; older village heads in dialect; lawyers;
    # dictated voice messages), each measured once blind, then used to choose the example-question
    # rules (their headers).
    "holdout14",
    "holdout15",
    "holdout16",
    "holdout17",
    "holdout18",
    "holdout19",
    # Written blind in three more (deputy heads with anglicisms and foreign agencies; front-line
    # hromadas and humanitarian staff; secretariats forwarding members' questions and machine
    # translation), measured once blind as the round's final test (their headers).
    "holdout20",
    "holdout21",
    "holdout22",
    # Four more (school principals and Erasmus staff; utility directors and energy consultants;
    # social-protection heads and UN specialists; sceptical journalists and analysts), measured
    # once blind before the confidence model (their headers).
    "holdout23",
    "holdout24",
    "holdout25",
    "holdout26",
    # Three more (Ukrainian as a second language and cross-border partners; search-box keywords;
    # long messages), measured once blind as the final test of the confidence model (headers).
    "holdout27",
    "holdout28",
    "holdout29",
    # Three more (official letters quoted; rumour checks and Baltic and Central European partners;
    # new staff asking step by step), measured once blind before the threshold was moved (headers).
    "holdout30",
    "holdout31",
    "holdout32",
    # Three more (Russian and Ukrainian mixed, diaspora volunteers; requests for templates and
    # banks' procurement officers; Soviet-era terms and officials' own English), measured once
    # blind at the threshold 0.45 (headers).
    "holdout33",
    "holdout34",
    "holdout35",
    # Three more (comparisons, researchers; raion and oblast councils, European regions;
    # deadlines, US county officials), measured once blind as the eighth round's final test.
    "holdout36",
    "holdout37",
    "holdout38",
    # Three more (digital-transformation officers and digital-governance consultants; council
    # staff preparing a session and partner parliaments' staff; press secretaries explaining to
    # residents and NGOs' explainers), measured blind with the search as it shipped; not read.
    "holdout39",
    "holdout40",
    "holdout41",
    # Eight more, written blind at once: holdout45-49 (social-protection and humanitarian staff;
    # utility and energy managers; youth councils, activists and journalists; legal advisers and
    # procurement officers; starostas and village clerks) measured first, then holdout42-44
    # (school directors and UNICEF staff; speech-to-text voice messages and translated-sounding
    # English; finance departments and public-finance specialists) as the ninth round's final
    # test, all on the search as it shipped; not read.
    "holdout42",
    "holdout43",
    "holdout44",
    "holdout45",
    "holdout46",
    "holdout47",
    "holdout48",
    "holdout49",
)
# The held-out sets nobody has read yet: those still in tests/.
BLIND = frozenset(name for name in HELD_OUT if (TESTS / f"kb_questions_{name}.yaml").exists())
CYRILLIC = re.compile(r"[а-яіїєґ]", re.IGNORECASE)
MIN_QUESTIONS = 80
MIN_OUT_OF_SCOPE = 10
MIN_TOP3 = 0.95
MIN_OOS_REJECTED = 0.8
# Per set: (top-1, top-3, out-of-scope rejected, answered confidently with the right first article)
# at least. The third set, measured before anyone read it: top-1 88.5 %, top-3 100 %, 57.1 % of its
# 14 out-of-scope questions rejected (six name a person, a programme or a fund and ask for a phone
# number, a salary or a private favour); 78.6 % once pay and phone questions were no longer answered
# from articles (a rule made on the main set's near misses, after this set's misses had been read).
# Since then it has been a development set like the others: the confidence rule (focus fields,
# private business, more facts no article holds) and the analysis of Latin-typed Ukrainian took
# it to 93.6 / 100 / 100 %, answered+right 84.6 -> 93.6 %. Floors a little under the figures, so
# that a change making search worse fails. The fourth set, measured once blind after that: top-1
# 94.9 %, top-3 98.7 %, out of scope rejected 93.8 %, answered+right 91.0 %; then a development
# set too: alias bonuses shared with articles naming the thing, the longer of overlapping aliases,
# unheld verbs weighing less and computer faults took it to 97.4 / 98.7 / 100 / 96.2 % (holdout3
# 94.9 / 100 / 100 / 94.9 %, holdout2 98.4 / 100 / 100 / 95.2 %). The specific-article rule (the
# how-to article before the overview of the same thing) took holdout3 to 97.4 / 100 / 100 / 97.4 %
# and the blind holdout6 from 89.7 / 98.3 / 100 / 85.5 to 91.5 / 98.3 / 100 / 86.3 %, and cost
# holdout5 two questions (94.9 / 88.5 -> 92.3 / 85.9 %): an overview question ("what is DREAM and
# why enter a project with no money yet") now gets the how-to article, and one on whether gender
# budgeting is mandatory gets the passports article. Aliases then written from the misses of
# holdout1-6 took holdout4-6 to 100 / 100 / 98.3 % top-1 (development figures now) and the blind
# holdout7 from 93.2 / 89.7 to 94.0 / 91.5 % (top-1 / answered+right). A fifth round (an overview
# for "what is X", more stop words, elections and tax rates as facts no article holds, four rounds
# of aliases in members' words, each written from the sets read so far) measured each new set
# blind once: holdout8 84.6 / 73.5, holdout9 94.9 / 93.2, holdout10 85.5 / 77.8, holdout11
# 91.5 / 85.5 % (83.8 / 70.9, 92.3 / 88.9, 73.5 / 58.1 and 86.3 / 68.4 % with the engine and
# aliases before the round). A sixth (BM25's k1 1.6, a bonus for an article's distinctive title
# words, aliases from holdout11-12) left the blind holdout12 at 88.9 / 77.8 % (k1 alone) and
# the blind holdout13 at 91.5 / 82.9 % (all three), question by question. A seventh (example
# questions: a question goes where alike questions of the other sets went, kb_examples.py, and a
# confidence model fitted on the sets, kb_confidence.py) took the blind holdout13 to 95.7 / 91.5 %
# and its out-of-scope rejection from 85 to 95 %, and measured holdout27-29, written for it, blind
# at 95.4 / 90.6 %, 96.7 % rejected (93.2 / 86.9 %, 88.9 % without examples). An eighth (nine more
# sets, the model refitted on each three, its threshold 0.65 -> 0.45 -> 0.6, kb_confidence.py)
# measured holdout36-38 blind at 97.2 / 95.7 %, 97.8 % rejected, and holdout33-35 at 96.0 /
# 93.4 %, 88.9 % rejected with the threshold 0.45; then holdout39-41, kept blind, at 96.0 /
# 93.7 %, 96.7 % rejected. A ninth, with nothing changed for it, measured eight more sets blind on
# the search as it shipped: holdout45-49 at 97.6 / 96.4 %, 92.0 % rejected, and holdout42-44, the
# final test, at 98.0 / 97.4 %, 94.4 % rejected. Each development set is measured on a search that
# has not learnt from it (`unlearnt`).
FLOORS = {
    "main": (0.98, MIN_TOP3, 0.9, 0.97),
    "holdout": (0.95, MIN_TOP3, MIN_OOS_REJECTED, 0.95),
    "holdout2": (0.95, MIN_TOP3, 0.9, 0.93),
    "holdout3": (0.94, MIN_TOP3, 0.9, 0.94),
    "holdout4": (0.98, MIN_TOP3, 0.9, 0.97),
    "holdout5": (0.97, MIN_TOP3, 0.9, 0.97),
    "holdout6": (0.98, MIN_TOP3, 0.9, 0.97),
    "holdout7": (0.98, MIN_TOP3, 0.9, 0.98),
    "holdout8": (0.98, MIN_TOP3, 0.9, 0.93),
    "holdout9": (0.98, MIN_TOP3, 0.9, 0.97),
    "holdout10": (0.97, MIN_TOP3, 0.9, 0.94),
    "holdout11": (0.98, MIN_TOP3, 0.9, 0.94),
    "holdout12": (0.98, MIN_TOP3, 0.85, 0.97),
    "holdout13": (0.95, MIN_TOP3, 0.9, 0.91),
    "holdout14": (0.98, MIN_TOP3, 0.9, 0.98),
    "holdout15": (0.97, MIN_TOP3, 0.9, 0.96),
    "holdout16": (0.97, MIN_TOP3, 0.9, 0.96),
    "holdout17": (0.96, MIN_TOP3, 0.9, 0.89),
    "holdout18": (0.95, MIN_TOP3, 0.9, 0.93),
    "holdout19": (0.97, MIN_TOP3, 0.9, 0.96),
    "holdout20": (0.96, MIN_TOP3, 0.9, 0.94),
    "holdout21": (0.95, MIN_TOP3, 0.9, 0.89),
    "holdout22": (0.98, MIN_TOP3, 0.9, 0.92),
    "holdout23": (0.98, MIN_TOP3, 0.9, 0.94),
    "holdout24": (0.93, MIN_TOP3, 0.9, 0.92),
    "holdout25": (0.94, MIN_TOP3, 0.9, 0.91),
    "holdout26": (0.95, MIN_TOP3, 0.9, 0.93),
    "holdout27": (0.94, MIN_TOP3, 0.9, 0.88),
    "holdout28": (0.93, MIN_TOP3, 0.9, 0.89),
    "holdout29": (0.95, MIN_TOP3, 0.9, 0.93),
    "holdout30": (0.95, MIN_TOP3, 0.95, 0.93),
    "holdout31": (0.97, MIN_TOP3, 0.95, 0.93),
    "holdout32": (0.96, MIN_TOP3, 0.95, 0.95),
    "holdout33": (0.94, MIN_TOP3, 0.9, 0.89),
    "holdout34": (0.97, MIN_TOP3, 0.9, 0.93),
    "holdout35": (0.93, MIN_TOP3, 0.9, 0.89),
    "holdout36": (0.97, MIN_TOP3, 0.95, 0.97),
    "holdout37": (0.96, MIN_TOP3, 0.9, 0.95),
    "holdout38": (0.94, MIN_TOP3, 0.9, 0.91),
    "holdout39": (0.96, MIN_TOP3, 0.95, 0.94),
    "holdout40": (0.97, MIN_TOP3, 0.9, 0.97),
    "holdout41": (0.91, MIN_TOP3, 0.95, 0.86),
    "holdout42": (0.98, MIN_TOP3, 0.9, 0.98),
    "holdout43": (0.96, MIN_TOP3, 0.86, 0.94),
    "holdout44": (0.96, MIN_TOP3, 0.96, 0.96),
    "holdout45": (0.98, MIN_TOP3, 0.93, 0.96),
    "holdout46": (0.96, MIN_TOP3, 0.9, 0.95),
    "holdout47": (0.96, MIN_TOP3, 0.86, 0.94),
    "holdout48": (0.97, MIN_TOP3, 0.86, 0.97),
    "holdout49": (0.94, MIN_TOP3, 0.86, 0.92),
}


def question_lang(item: dict[str, Any]) -> str:
    """`lang` when given (transliterated Ukrainian is marked uk), else by Cyrillic letters."""
    lang = item.get("lang")
    if lang:
        return str(lang)
    return "uk" if CYRILLIC.search(str(item["q"])) else "en"


def load_set(path: Path = QUESTIONS) -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: a mapping with questions / out_of_scope"
    return {"questions": data["questions"], "out_of_scope": data["out_of_scope"]}


QUESTION_SET = load_set()
QUESTION_SETS = {
    "main": QUESTION_SET,
    **{
        name: load_set(
            TESTS / f"kb_questions_{name}.yaml" if name in BLIND else EXAMPLES / f"{name}.yaml"
        )
        for name in HELD_OUT
    },
}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> KnowledgeSearch:
    return KnowledgeSearch(kb)


def unlearnt(kb: KnowledgeBase, name: str) -> KnowledgeSearch:
    """A search that has not learnt from the set `name`: its figures are those of questions the
    search meets for the first time, as a member's are."""
    return KnowledgeSearch(kb.without_examples_from("questions" if name == "main" else name))


# --------------------------------------------------------------------------- the set itself


def test_question_set_shape() -> None:
    questions = QUESTION_SET["questions"]
    out_of_scope = QUESTION_SET["out_of_scope"]
    assert len(questions) >= MIN_QUESTIONS, f"{len(questions)} in-scope questions"
    assert len(out_of_scope) >= MIN_OUT_OF_SCOPE, f"{len(out_of_scope)} out-of-scope questions"

    for item in [*questions, *out_of_scope]:
        assert isinstance(item.get("q"), str) and item["q"].strip(), item
        assert question_lang(item) in {"uk", "en"}, item
    for item in questions:
        expect = item.get("expect")
        assert isinstance(expect, list) and expect, f"no expected slugs: {item}"
        assert all(isinstance(s, str) for s in expect), item
    texts = [item["q"].strip().lower() for item in [*questions, *out_of_scope]]
    duplicates = sorted({t for t in texts if texts.count(t) > 1})
    assert not duplicates, f"duplicate questions: {duplicates}"

    # half in each language, +-10 % of a half
    uk = sum(question_lang(item) == "uk" for item in questions)
    share = uk / len(questions)
    assert 0.45 <= share <= 0.55, f"{uk} of {len(questions)} questions are Ukrainian ({share:.0%})"
    oos_langs = {question_lang(item) for item in out_of_scope}
    assert oos_langs == {"uk", "en"}, f"out-of-scope questions only in {oos_langs}"


@pytest.mark.parametrize("name", sorted(QUESTION_SETS))
def test_expected_slugs_exist(kb: KnowledgeBase, name: str) -> None:
    unknown = sorted(
        {slug for item in QUESTION_SETS[name]["questions"] for slug in item["expect"]}
        - {entry.slug for entry in kb.entries}
    )
    assert not unknown, f"expected slugs with no entry in content/kb/: {unknown}"


# --------------------------------------------------------------------------- quality


@pytest.mark.parametrize("name", sorted(QUESTION_SETS))
def test_search_quality(kb: KnowledgeBase, name: str) -> None:
    engine = unlearnt(kb, name)
    questions = QUESTION_SETS[name]["questions"]
    out_of_scope = QUESTION_SETS[name]["out_of_scope"]
    top1 = top3 = answered_right = 0
    misses: list[str] = []
    for item in questions:
        result = engine.search(item["q"], limit=3)
        slugs = [hit.slug for hit in result.hits]
        expect = set(item["expect"])
        top1 += bool(slugs) and slugs[0] in expect
        answered_right += result.confident and bool(slugs) and slugs[0] in expect
        if expect & set(slugs[:3]):
            top3 += 1
        else:
            misses.append(f"{item['q']!r} -> {slugs} (expected {sorted(expect)})")
    answered: list[str] = []
    for item in out_of_scope:
        result = engine.search(item["q"], limit=3)
        if result.confident:
            answered.append(f"{item['q']!r} -> {[hit.slug for hit in result.hits]}")
    top1_share = top1 / len(questions)
    top3_share = top3 / len(questions)
    right_share = answered_right / len(questions)
    rejected = 1 - len(answered) / len(out_of_scope)
    figures = (
        f"top-1 {top1_share:.1%}, top-3 {top3_share:.1%}, answered+right {right_share:.1%} of "
        f"{len(questions)} questions; out-of-scope rejected {rejected:.1%} of {len(out_of_scope)}"
    )
    # A blind set's misses are not shown even when it fails: reading them would spoil it.
    details = (
        figures
        if name in BLIND
        else "\n".join(
            [figures, "top-3 misses:", *misses, "out-of-scope answered confidently:", *answered]
        )
    )
    min_top1, min_top3, min_rejected, min_right = FLOORS[name]
    assert top1_share >= min_top1, details
    assert top3_share >= min_top3, details
    assert rejected >= min_rejected, details
    assert right_share >= min_right, details


# --------------------------------------------------------------------------- bad input

LONG_QUESTION = (
    "Добрий день, підкажіть будь ласка, як нашій громаді зареєструвати проєкт у DREAM, "
    "якщо фінансування ще немає, і що потрібно для середньострокового плану. "
)
LONG_QUESTION = (LONG_QUESTION * (4000 // len(LONG_QUESTION) + 1))[:4000]


@pytest.mark.parametrize(
    "query",
    [
        "",
        " ",
        "?",
        "ї",
        "a",
        "🙂",
        "👍👍👍",
        "🇺🇦 🙏",
        LONG_QUESTION,
        "x" * 4000,
        "reforma detsentralizatsii",
        "shcho take dream i yak tudy podaty proekt",
        "як подати project в dream до deadline",
        "what is ЄПП і навіщо воно",
        "\x00\t\n",
    ],
    ids=[
        "empty",
        "space",
        "question-mark",
        "one-cyrillic",
        "one-latin",
        "emoji",
        "emoji-repeated",
        "flag-emoji",
        "4000-chars",
        "4000-one-letter",
        "translit-decentralisation",
        "translit-dream",
        "mixed-uk-en",
        "mixed-en-uk",
        "control-chars",
    ],
)
def test_bad_input_gives_a_result(engine: KnowledgeSearch, query: str) -> None:
    result = engine.search(query, limit=3)
    assert isinstance(result, SearchResult)
    assert isinstance(result.confident, bool)
    assert len(result.hits) <= 3
    assert all(isinstance(hit.slug, str) for hit in result.hits)


@pytest.mark.parametrize("query", ["", " ", "?", "ї", "a", "🙂", "👍👍👍", "🇺🇦 🙏"], ids=repr)
def test_trivial_input_is_not_confident(engine: KnowledgeSearch, query: str) -> None:
    assert engine.search(query, limit=3).confident is False


def test_limit_is_respected(engine: KnowledgeSearch) -> None:
    assert len(engine.search("дрім", limit=1).hits) <= 1


@pytest.mark.parametrize(
    ("asked_for_a_fact", "asked_how"),
    [
        (
            "яка зарплата начальника військової адміністрації селища",
            "коли утворюють військову адміністрацію",
        ),
        ("скільки заробляє працівник проектного офісу дрім", "хто в громаді працює в дрім"),
        ("phone number of the DREAM project office", "who in the hromada gets access to DREAM"),
        ("telefon proektnoho ofisu dream", "хто вносить проєкти в DREAM"),
        # A computer fault: the articles say what to do in Prozorro or DREAM, not how to mend it.
        (
            "Prozorro keeps crashing in my browser when I upload tender documents",
            "how do we buy a generator without an open tender in Prozorro",
        ),
        ("DREAM вилітає і зависає, коли вношу проєкт", "хто вносить проєкти в DREAM"),
    ],
)
def test_a_pay_figure_or_a_phone_number_is_not_answered_from_an_article(
    engine: KnowledgeSearch, asked_for_a_fact: str, asked_how: str
) -> None:
    """No article holds them: the article naming the person or body is shown, not as an answer
    (without the rule each of these was answered confidently)."""
    assert engine.search(asked_how, limit=3).confident is True
    result = engine.search(asked_for_a_fact, limit=3)
    assert result.hits
    assert result.confident is False


@pytest.mark.parametrize(
    ("private", "asked_for_the_hromada"),
    [
        ("how much does a solar panel for my own house cost", "solar panels for hromada schools"),
        ("допоможіть моєму сину вступити до ліцею", "які ліцеї залишаться в мережі громади"),
        ("can the AUC help my daughter find a job", "can our hromada join the AUC"),
    ],
)
def test_the_askers_private_business_is_not_answered_from_an_article(
    engine: KnowledgeSearch, private: str, asked_for_the_hromada: str
) -> None:
    """The bot answers for the hromada: "my own house", "my son" are the asker's own affairs."""
    assert engine.search(asked_for_the_hromada, limit=3).confident is True
    assert engine.search(private, limit=3).confident is False


def test_latin_we_is_not_my(engine: KnowledgeSearch) -> None:
    """`my` in Latin-typed Ukrainian is ми (we): "my maiemo budynok" is not private business."""
    assert engine._private("my own house")
    assert not engine._private("my maiemo budynok dlia vpo")


def test_a_word_only_deep_in_an_article_is_not_what_it_answers(engine: KnowledgeSearch) -> None:
    """The starosta article mentions maternity leave once in its full text; a question about a
    council secretary's maternity leave is not answered from it, one about an acting starosta is."""
    assert engine.search("хто виконує обов’язки старости, якщо його мобілізували").confident
    result = engine.search("як оформити декретну відпустку секретарю ради", limit=3)
    assert result.hits and result.hits[0].slug == "starosta"
    assert result.confident is False
