"""The texts of the member's report form: deadlines, references, affected groups, file labels,
refusals of an answer, and the preview of the whole report (pure: no dialog, no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.enums import ContentType

from bot.i18n import Translator
from bot.services.members import InvalidInput, MemberProfile
from bot.services.message_limits import visible_length
from bot.services.report_rules import ReportRules, Urgency
from bot.services.reports import AFFECTED_GROUPS
from bot.services.text_input import parse_int
from dialogs.common import esc

FILE_NAME_SHOWN = 60
# Telegram's limit is 4,096 characters; the rest is for the unverified note under the preview.
PREVIEW_MAX = 3800
URGENCY_MARKS = ("🔴", "🟠", "🟢")  # by rank, the most urgent first
# Telegram content types that are not files a report can carry, each with its explanation.
REFUSED_KINDS: dict[str, str] = {
    ContentType.VOICE: "report-form-file-voice",
    ContentType.AUDIO: "report-form-file-voice",
    ContentType.VIDEO_NOTE: "report-form-file-video",
    ContentType.VIDEO: "report-form-file-video",
    ContentType.ANIMATION: "report-form-file-video",
    ContentType.STICKER: "report-form-file-sticker",
    ContentType.TEXT: "report-form-file-text",
}


def within(t: Translator, urgency: Urgency) -> str:
    """The response deadline in words: `48 годин`, `7 днів`."""
    if urgency.hours % 24 == 0 and urgency.hours > 48:
        return t("report-form-within-days", days=urgency.hours // 24)
    return t("report-form-within-hours", hours=urgency.hours)


def member_time(moment: datetime, tz: ZoneInfo) -> str:
    """A moment as the member reads it: Kyiv time, `05.12.2026 14:30` (a naive one is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def spoken_reference(reference: str) -> str:
    """`R-2026-00042` as said over the phone: `R 2026 42`."""
    parts = reference.split("-")
    number = parse_int(parts[2], 9_999_999) if len(parts) == 3 else None
    return reference if number is None else f"{parts[0]} {parts[1]} {number}"


def group_names(t: Translator, groups: list[str]) -> str:
    return ", ".join(t(f"report-form-group-{code}") for code in groups if code in AFFECTED_GROUPS)


def residents_text(residents: int | None) -> str:
    return "" if residents is None else f"{residents:,}".replace(",", "\u00a0")


def file_label(t: Translator, attachment: dict[str, Any], number: int) -> str:
    name = attachment.get("file_name") or ""
    if len(name) > FILE_NAME_SHOWN:
        name = name[: FILE_NAME_SHOWN - 1] + "…"
    if attachment.get("kind") == "photo" or not name:
        return t("report-form-file-photo-label", number=str(number))
    return t("report-form-file-document-label", number=str(number), name=esc(name))


def invalid_text(t: Translator, field: str, error: InvalidInput) -> str:
    if error.code == "no-letters":
        return t("input-no-letters")
    return t(f"report-form-{field}-{error.code}", **error.limits)


def preview_text(
    t: Translator,
    rules: ReportRules,
    form: dict[str, Any],
    member: MemberProfile | None,
    hromada: str,
) -> str:
    """The report as staff will see it: every field, the member's hromada, the files."""
    category = rules.category(form.get("category", ""))
    urgency = rules.urgency(form.get("urgency", ""))
    files = form.get("attachments", [])
    none = t("report-form-preview-none")

    head = t(
        "report-form-preview-head",
        category=category.name(t.locale) if category else none,
        urgency=urgency.name(t.locale) if urgency else none,
        within=within(t, urgency) if urgency else none,
        title=esc(form.get("title")) or none,
        hromada=hromada or none,
        name=esc(member.full_name if member else "") or none,
    )
    details = t(
        "report-form-preview-details",
        files="".join("\n" + file_label(t, a, i) for i, a in enumerate(files, 1)) or f" {none}",
        residents=residents_text(form.get("residents")) or none,
        groups=group_names(t, form.get("groups", [])) or none,
        dream_id=esc(form.get("dream_id")) or none,
    )
    hint = t("report-form-preview-hint")
    # The description goes around Fluent, which refuses values over 1,000 characters.
    description = form.get("description") or ""
    text = "\n\n".join((head, esc(description) or none, details, hint))
    excess = visible_length(text) - PREVIEW_MAX
    if excess > 0:
        # A full description with ten long file names would not fit in one message: the
        # preview shortens the description (the report keeps all of it) and says so.
        shortened = description[: max(len(description) - excess - 2, 0)].rstrip() + "…"
        body = esc(shortened) + "\n" + t("report-form-preview-shortened")
        text = "\n\n".join((head, body, details, hint))
    return text
