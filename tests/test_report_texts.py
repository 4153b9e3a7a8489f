"""The report form's texts, now a module of pure functions: times as the member reads them,
references as said aloud, and the preview that always fits one message."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Translations
from bot.services.message_limits import TEXT_LIMIT, visible_length
from bot.services.report_rules import load_report_rules
from bot.services.reports import DESCRIPTION_MAX
from dialogs.report_texts import member_time, preview_text, spoken_reference

KYIV = ZoneInfo("Europe/Kyiv")


def test_member_time_reads_a_naive_moment_as_utc() -> None:
    naive = datetime(2026, 12, 5, 12, 30)
    assert member_time(naive, KYIV) == "05.12.2026 14:30"
    assert member_time(naive.replace(tzinfo=UTC), KYIV) == "05.12.2026 14:30"


@pytest.mark.parametrize(
    ("reference", "spoken"),
    [("R-2026-00042", "R 2026 42"), ("R-2026-x", "R-2026-x"), ("odd", "odd")],
)
def test_spoken_reference(reference: str, spoken: str) -> None:
    assert spoken_reference(reference) == spoken


def _form(description: str, files: int) -> dict[str, object]:
    rules = load_report_rules()
    return {
        "category": rules.categories[0].code,
        "urgency": rules.urgencies[0].code,
        "title": "Школа без укриття",
        "description": description,
        "attachments": [
            {
                "kind": "document",
                "file_name": "д" * 255,
                "file_id": str(i),
                "file_unique_id": str(i),
            }
            for i in range(files)
        ],
        "residents": 12000,
        "groups": [],
    }


def test_the_preview_shows_a_short_description_whole() -> None:
    t = Translations().get("uk")
    text = preview_text(t, load_report_rules(), _form("Немає укриття.", 1), None, "Громада")
    assert "Немає укриття." in text
    assert t("report-form-preview-shortened") not in text


def test_the_preview_of_the_longest_report_fits_one_message() -> None:
    t = Translations().get("uk")
    form = _form("слово " * (DESCRIPTION_MAX // 6), 10)
    text = preview_text(t, load_report_rules(), form, None, "Громада")
    assert t("report-form-preview-shortened") in text
    # With the note an unverified member sees under it, as the preview window shows it.
    window = f"{text}\n\n{t('report-form-preview-unverified')}"
    assert visible_length(window) <= TEXT_LIMIT
