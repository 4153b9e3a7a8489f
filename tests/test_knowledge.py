"""The knowledge base as shipped, its validation, and `hromada-bot kb check|search`."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.content import ContentError
from bot.i18n import Translations
from bot.services.kb_search import KnowledgeSearch
from bot.services.knowledge import KB_DIR, KnowledgeBase, read_knowledge_base
from dialogs.knowledge_texts import MESSAGE_LIMIT, entry_card, entry_full, visible_length

REQUIRED = (
    "associations",
    "polaris",
    "joint-platform",
    "pim-reform",
    "dream",
    "ukraine-facility",
    "grb",
    "spatial-plans",
    "emergency-recovery",
    "lyceum-network",
    "senior-profile-school",
)


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return code if isinstance(code, int) else 1


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge base to break."""
    target = tmp_path / "kb"
    shutil.copytree(KB_DIR, target, ignore=shutil.ignore_patterns("drafts"))
    return target


def edit(path: Path, **changes: object) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = document
        *parents, last = dotted.split("__")
        for parent in parents:
            node = node[parent]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def test_shipped_knowledge_base_has_every_required_entry(knowledge: KnowledgeBase) -> None:
    slugs = {entry.slug for entry in knowledge.entries}
    assert set(REQUIRED) <= slugs
    assert [entry.number for entry in knowledge.entries] == list(
        range(1, len(knowledge.entries) + 1)
    )
    for entry in knowledge.entries:
        assert knowledge.topic(entry.topic) is not None
        assert entry.sources and all(
            s.url.startswith(("https://", "http://")) for s in entry.sources
        )
        for slug in entry.related:
            assert knowledge.entry(slug) is not None


def test_every_entry_fits_one_telegram_message_in_both_languages(
    knowledge: KnowledgeBase,
) -> None:
    for t in Translations():
        for entry in knowledge.entries:
            for text in (entry_card(entry, t, t.locale), entry_full(entry, t, t.locale)):
                assert 0 < visible_length(text) <= MESSAGE_LIMIT, entry.slug


def test_user_text_in_entries_is_escaped_for_html(kb_copy: Path) -> None:
    edit(kb_copy / "dream.yaml", short__en="Use <b>DREAM</b> & more")
    knowledge, problems = read_knowledge_base(kb_copy)
    assert problems == [] and knowledge is not None
    card = entry_card(knowledge.entry("dream"), Translations().get("en"), "en")  # type: ignore[arg-type]
    assert "Use &lt;b&gt;DREAM&lt;/b&gt; &amp; more" in card


def test_kb_check_passes_on_shipped_content(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("kb", "check") == 0
    assert "The knowledge base is valid" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("file", "changes", "expected"),
    [
        ("dream.yaml", {"title__en": None}, "kb/dream.yaml: title.en: is missing or empty"),
        ("dream.yaml", {"slug": "grb"}, "kb/grb.yaml: slug: 'grb' is already used by dream.yaml"),
        ("dream.yaml", {"checked": "29.11.2026"}, "kb/dream.yaml: checked: '29.11.2026' is not"),
        ("dream.yaml", {"sources": [{"url": "dream.gov.ua"}]}, "sources[0].url: 'dream.gov.ua'"),
        ("dream.yaml", {"topic": "sport"}, "kb/dream.yaml: topic: 'sport' is not a topic"),
        ("dream.yaml", {"related": ["nope"]}, "related[0]: 'nope' is not the slug"),
        ("dream.yaml", {"sorces": ["https://x.ua"]}, "kb/dream.yaml: sorces: unknown field"),
        ("dream.yaml", {"short__uk": "Д" * 701}, "short.uk: is 701 characters; the limit is 700"),
        ("grb.yaml", {"full__uk": None}, "kb/grb.yaml: full.uk: is missing or empty"),
    ],
)
def test_kb_check_names_file_and_field_of_each_problem(
    kb_copy: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    changes: dict[str, object],
    expected: str,
) -> None:
    edit(kb_copy / file, **changes)
    assert run_cli("kb", "check", "--directory", str(kb_copy)) == 1
    err = capsys.readouterr().err
    assert expected in err


def test_kb_check_reports_broken_yaml_with_its_line(
    kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (kb_copy / "dream.yaml").write_text("slug: dream\ntitle: {uk: [unclosed\n", encoding="utf-8")
    assert run_cli("kb", "check", "--directory", str(kb_copy)) == 1
    assert "dream.yaml, line" in capsys.readouterr().err


def test_kb_check_refuses_a_topic_without_entries(
    kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty topic would open onto an empty list in the bot's topics menu."""
    for path in kb_copy.glob("*.yaml"):
        if yaml.safe_load(path.read_text(encoding="utf-8")).get("topic") == "education":
            path.unlink()
    assert run_cli("kb", "check", "--directory", str(kb_copy)) == 1
    assert "kb/topics.yaml: education: no entry has this topic" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("questions: [{q: 'що таке дрім', expect: [drem]}]", "questions[0].expect: ['drem'] names"),
        ("questions: [{q: 'що таке дрім'}]", "questions[0].expect: is required"),
        ("out_of_scope: [{q: 'погода', expect: [dream]}]", "out-of-scope question expects no"),
        ("questions: [{q: '', expect: [dream]}]", "questions[0].q: must be a question of 1 to"),
        ("questions: [{q: 'дрім', expect: [dream], lang: pl}]", "lang: unknown language"),
        ("questions: [{q: 'дрім', expekt: [dream]}]", "questions[0]: expected q, expect and lang"),
        ("answers: []", "examples/bad.yaml: expected a mapping with 'questions'"),
        ("questions: [{q: [unclosed\n", "bad.yaml, line"),
    ],
)
def test_kb_check_names_each_problem_of_an_example_question_set(
    kb_copy: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    """The example questions the search learns from are content too: a wrong slug or field is
    named with its file and place, never learnt from."""
    (kb_copy / "examples" / "bad.yaml").write_text(text, encoding="utf-8")
    assert run_cli("kb", "check", "--directory", str(kb_copy)) == 1
    assert expected in capsys.readouterr().err


def test_example_questions_are_loaded_with_their_set(knowledge: KnowledgeBase) -> None:
    sources = {example.source for example in knowledge.examples}
    assert {"questions", "holdout", "holdout12"} <= sources
    # The blind set (BLIND in test_kb_quality.py) is learnt from only once it has been read.
    assert "holdout13" not in sources
    assert any(example.slug is None for example in knowledge.examples)  # out of scope
    slugs = {entry.slug for entry in knowledge.entries}
    assert {example.slug for example in knowledge.examples} - {None} <= slugs
    without = knowledge.without_examples_from("holdout12")
    assert "holdout12" not in {example.source for example in without.examples}
    assert len(without.examples) < len(knowledge.examples)
    assert without.entries == knowledge.entries


def test_the_bot_refuses_to_load_invalid_content(kb_copy: Path) -> None:
    edit(kb_copy / "dream.yaml", title__uk=None)
    with pytest.raises(ContentError, match=r"dream.yaml: title.uk"):
        KnowledgeBase.load(kb_copy)


def test_kb_search_prints_the_specified_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("kb", "search", "що таке дрім", "--lang", "en", "--limit", "2", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["query"] == "що таке дрім"
    assert result["confident"] is True
    assert result["results"][0]["slug"] == "dream"
    assert result["results"][0]["title"].startswith("DREAM")
    assert isinstance(result["results"][0]["score"], float)
    assert len(result["results"]) <= 2


def test_kb_search_batch_mode_answers_one_line_per_question(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = "gender budgeting in a hromada\n\nяка погода завтра у Львові\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(questions))
    assert run_cli("kb", "search", "-", "--lang", "uk", "--json") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["confident"] and first["results"][0]["slug"] == "grb"
    assert first["results"][0]["title"] == KnowledgeBase.load().entry("grb").title.uk  # type: ignore[union-attr]
    assert second["query"] == "яка погода завтра у Львові"
    assert second["confident"] is False


@pytest.mark.parametrize(
    "query",
    [
        "",
        "д",
        "🙂🙂🙂",
        "?!",
        "реформа " * 500,
        "reforma detsentralizatsii",
        "DREAM та СПІ для hromada",
    ],
)
def test_search_never_fails_on_odd_questions(knowledge: KnowledgeBase, query: str) -> None:
    result = KnowledgeSearch(knowledge).search(query)
    assert len(result.hits) <= 3
    if len(query.strip()) < 3:
        assert not result.confident and result.hits == ()
