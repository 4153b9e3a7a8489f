"""Report categories, urgencies and routing rules: the shipped files load; bad ones are refused
with the file and the field named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import CONTENT_DIR, ContentError
from bot.services.report_rules import load_report_rules

ALL = ("vag", "aotg", "uaror")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    for name in ("categories.yaml", "routing.yaml", "associations.yaml"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_rules_load() -> None:
    rules = load_report_rules()
    assert len(rules.categories) == 11
    assert rules.category("education") is not None
    assert rules.category("education").name("en") == "Education"  # type: ignore[union-attr]
    assert [(u.code, u.hours) for u in rules.urgencies] == [
        ("critical", 48),
        ("high", 168),
        ("normal", 720),
    ]
    critical = rules.urgency("critical")
    assert critical is not None and "48" in critical.description("en")
    assert all(c.uk and c.en for c in rules.categories)


def test_names_of_codes_fall_back_to_the_code_the_content_no_longer_lists() -> None:
    rules = load_report_rules()
    assert rules.category_name("budget", "uk") == "Місцеві бюджети та фінанси"
    assert rules.category_name("education", "en") == "Education"
    assert rules.urgency_name("critical", "en") == rules.urgency("critical").name("en")  # type: ignore[union-attr]
    # A report filed under a category or urgency since removed from the content keeps its code.
    assert rules.category_name("roads-2019", "uk") == "roads-2019"
    assert rules.urgency_name("someday", "en") == "someday"


def test_routing_lead_then_reporters_associations() -> None:
    rules = load_report_rules()
    assert rules.route("legislation", ["uaror"], False, ALL) == ("vag", "uaror")
    assert rules.route("legislation", ["vag"], False, ALL) == ("vag",)
    # No lead for the category: the reporter's associations, in display order.
    assert rules.route("budget", ["uaror", "vag"], False, ALL) == ("vag", "uaror")
    # Not sure, or none named: all of them.
    assert rules.route("legislation", ["vag"], True, ALL) == ALL
    assert rules.route("budget", [], False, ALL) == ALL
    # A lead association that is no longer active is skipped.
    assert rules.route("legislation", ["aotg"], False, ("aotg", "uaror")) == ("aotg",)


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("routing.yaml", "legislation: vag", "legislatoin: vag", "lead.legislatoin"),
        ("routing.yaml", "legislation: vag", "legislation: vgg", "unknown association 'vgg'"),
        ("routing.yaml", "default: reporter", "default: vag", "default must be"),
        ("categories.yaml", "code: education", "code: budget", "categories[3].code 'budget'"),
        ("categories.yaml", "    en: Education\n", "", "categories[3].en is required"),
        (
            "categories.yaml",
            "code: high\n    hours: 168",
            "code: high\n    hours: soon",
            "urgencies[1].hours",
        ),
        (
            "categories.yaml",
            "    description_uk: Потребує",
            "    description_ua: Потребує",
            "urgencies[1].description_uk",
        ),
        ("categories.yaml", "code: normal", "code: high", "urgencies[2].code 'high' is used twice"),
    ],
)
def test_bad_content_names_file_and_field(
    content: Path, name: str, old: str, new: str, message: str
) -> None:
    edit(content / name, old, new)
    with pytest.raises(ContentError) as error:
        load_report_rules(content)
    assert str(content / name) in str(error.value)
    assert message in str(error.value)


def test_missing_routing_file(content: Path) -> None:
    (content / "routing.yaml").unlink()
    with pytest.raises(ContentError, match=r"routing\.yaml: file not found"):
        load_report_rules(content)
