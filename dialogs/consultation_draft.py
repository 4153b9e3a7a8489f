"""The consultation being composed: the dialog data read as a `ConsultationDraft`, the steps in
order (a position skips the options), each step checked with the service's `problems`, where an
answer leads, and the preview, sent to the author exactly as members will receive it.

Every answer lives in dialog_data as plain JSON, so a composition survives a restart."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from aiogram import Bot
from aiogram_dialog import DialogManager, ShowMode

from bot.i18n import Translator
from bot.services.consultations import (
    ConsultationDraft,
    ConsultationError,
    ConsultationService,
    Document,
    Option,
)
from delivery.consultations import send_consultation
from dialogs.broadcast_audience import audience_summary
from dialogs.broadcast_draft import audience_of
from dialogs.common import (
    bot_of,
    broadcasts_of,
    esc,
    timezone_of,
    translations_of,
    translator,
    user_id,
)
from dialogs.composing import attachment_text, post_progress, show_preview
from dialogs.presenters import local_time
from dialogs.states import ConsultCompose
from storage.models import ConsultationKind, utcnow

# The steps in order, each answered in the window of the same name; a position skips PRIORITIES.
STEPS = (
    "title",
    "question_uk",
    "question_en",
    "document",
    "kind",
    "options",
    "max_choices",
    "audience",
    "closing",
    "visibility",
)
PRIORITIES = ("options", "max_choices")
# The service's problem codes each step answers for (the others wait for their own step).
STEP_CODES = {
    "title": {"empty-title", "title-too-long"},
    "question_uk": {"empty-question", "too-long"},
    "question_en": {"too-long"},
    "document": {"unsupported-attachment", "file-too-large", "too-long"},
    "options": {"too-few-options", "too-many-options", "empty-option", "option-too-long"},
    "max_choices": {"bad-max-choices"},
    "closing": {"closes-in-past", "closes-too-late"},
}
QUICK_DAYS = (3, 7, 14)
CLOSING_HOUR = time(18, 0)
DATE_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%d.%m.%Y")


def service_of(manager: DialogManager) -> ConsultationService:
    return manager.middleware_data["consultations"]  # type: ignore[no-any-return]


def error_text(t: Translator, error: ConsultationError) -> str:
    """A refusal of the service in the reader's words."""
    language = t(f"broadcast-language-{error.locale}") if error.locale else ""
    return t(
        f"consult-staff-error-{error.code}",
        language=language,
        length=error.length or 0,
        limit=error.limit or 0,
    )


def _closes_at(manager: DialogManager) -> datetime:
    stored = manager.dialog_data.get("closes_at")
    # Before the closing step: a day ahead, so that no step is refused for a time not chosen.
    return datetime.fromisoformat(stored) if stored else utcnow() + timedelta(days=1)


def draft_of(manager: DialogManager) -> ConsultationDraft:
    """The consultation as composed so far (the audience as chosen, not yet restricted)."""
    data = manager.dialog_data
    kind = ConsultationKind(data.get("kind") or ConsultationKind.POSITION)
    priorities = kind == ConsultationKind.PRIORITIES
    document = data.get("document")
    return ConsultationDraft(
        title=data.get("title") or "",
        question_uk=data.get("question_uk") or "",
        question_en=data.get("question_en") or None,
        kind=kind,
        closes_at=_closes_at(manager),
        options=tuple(Option(uk, en) for uk, en in data.get("options") or ()) if priorities else (),
        max_choices=int(data.get("max_choices") or 1) if priorities else 1,
        audience=audience_of(manager),
        answers_visible_to_staff=data.get("visible", True) is not False,
        document=Document(**document) if document else None,
    )


def step_problems(
    manager: DialogManager, step: str, draft: ConsultationDraft
) -> list[ConsultationError]:
    """The service's problems with `draft` that this step answers for."""
    codes = STEP_CODES.get(step, set())
    return [p for p in service_of(manager).problems(draft) if p.code in codes]


def steps_of(manager: DialogManager) -> tuple[str, ...]:
    """The steps this consultation has: a position has no options to give."""
    if manager.dialog_data.get("kind") == ConsultationKind.PRIORITIES:
        return STEPS
    return tuple(step for step in STEPS if step not in PRIORITIES)


async def refuse_rights(manager: DialogManager) -> None:
    manager.dialog_data.clear()
    await manager.switch_to(ConsultCompose.refused, show_mode=ShowMode.SEND)


async def after_step(manager: DialogManager, step: str) -> None:
    """After an answer: the next step, or the preview when editing from it (a kind changed to
    priorities asks for the options first, and new options for how many to choose)."""
    data = manager.dialog_data
    steps = steps_of(manager)
    editing = bool(data.get("editing"))
    if editing and step == "kind" and "options" in steps:
        await manager.switch_to(ConsultCompose.options)
        return
    if editing and step == "options":
        await manager.switch_to(ConsultCompose.max_choices)
        return
    if editing or step == steps[-1]:
        await to_preview(manager)
        return
    await manager.switch_to(getattr(ConsultCompose, steps[steps.index(step) + 1]))


async def to_preview(manager: DialogManager) -> None:
    """Send the consultation as members will get it (each language present), then the
    preview window with the audience count below it."""
    data = manager.dialog_data
    data["editing"] = False
    service = service_of(manager)
    draft = draft_of(manager)
    try:
        audience = await service.effective_audience(user_id(manager), draft.audience)
        data["count"] = await service.count_audience(user_id(manager), audience)
    except ConsultationError:
        await refuse_rights(manager)
        return
    draft = replace(draft, audience=audience)
    problems = service.problems(draft)
    if problems:
        # A closing time that has passed meanwhile, say: the step to change it is offered.
        chat_id: int = manager.middleware_data["event_chat"].id
        await bot_of(manager).send_message(chat_id, error_text(translator(manager), problems[0]))
        await manager.switch_to(ConsultCompose.edit, show_mode=ShowMode.SEND)
        return

    async def send_copy(bot: Bot, chat_id: int, locale: str) -> None:
        await send_consultation(
            bot, chat_id, draft, locale, translations_of(manager), tz=timezone_of(manager)
        )

    shown = {
        "title": draft.title,
        "uk": draft.question_uk,
        "en": draft.question_en,
        "kind": draft.kind,
        "options": [[o.uk, o.en] for o in draft.options],
        "max": draft.max_choices,
        "closes": draft.closes_at.isoformat(),
        "file": draft.document.file_id if draft.document else None,
    }
    locales = ("uk", "en") if draft.question_en else ("uk",)
    await show_preview(manager, ConsultCompose, "consult-staff", shown, locales, send_copy)


async def audience_count(manager: DialogManager) -> int:
    """The audience's live count (0 when the rights went: the next step refuses then)."""
    try:
        return await service_of(manager).count_audience(user_id(manager), audience_of(manager))
    except ConsultationError:
        return 0


def closing_choices(manager: DialogManager) -> list[datetime]:
    """The quick picks: in 3, 7 and 14 days at 18:00 in the bot's time zone."""
    tz = timezone_of(manager)
    today = utcnow().astimezone(tz).date()
    return [datetime.combine(today + timedelta(days=d), CLOSING_HOUR, tz) for d in QUICK_DAYS]


def parse_closing(text: str, manager: DialogManager) -> datetime | None:
    """`25.12.2026 18:00` (or a date alone: 18:00 then) in the bot's time zone."""
    cleaned = " ".join(text.split())
    for pattern in DATE_FORMATS:
        try:
            moment = datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        if pattern == "%d.%m.%Y":
            moment = datetime.combine(moment.date(), CLOSING_HOUR)
        return moment.replace(tzinfo=timezone_of(manager))
    return None


async def post_progress_once(manager: DialogManager, broadcast_id: int) -> None:
    """The announcements' progress message for this broadcast, unless posted already (a
    confirmation repeated after a restart) or there is nobody to send it to."""
    progress = await broadcasts_of(manager).progress(broadcast_id)
    if progress.progress_message_id is None and progress.total:
        await post_progress(manager, broadcast_id)


async def get_preview(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    """The preview's summary under the message as members get it: kind, audience and its
    count, closing time, English, document, visibility."""
    t = translator(dialog_manager)
    data = dialog_manager.dialog_data
    allowed = await broadcasts_of(dialog_manager).allowed_associations(user_id(dialog_manager))
    summary = await audience_summary(dialog_manager, allowed or (), "consult-staff")
    draft = draft_of(dialog_manager)
    count = int(data.get("count") or 0)
    kind = t(f"consult-staff-kind-{draft.kind}")
    if draft.kind == ConsultationKind.PRIORITIES:
        kind = t(
            "consult-staff-kind-priorities-summary",
            max=draft.max_choices,
            options=len(draft.options),
        )
    document = draft.document
    return {
        "title": esc(draft.title),
        "kind": kind,
        "count": count,
        "audience": summary,
        "closes": local_time(draft.closes_at, timezone_of(dialog_manager)),
        "english": t("broadcast-english-yes" if draft.question_en else "broadcast-english-no"),
        "document": attachment_text(
            t, document.kind if document else None, document.name if document else None
        ),
        "visibility": t(
            "consult-staff-visible-yes"
            if draft.answers_visible_to_staff
            else "consult-staff-visible-no"
        ),
        "has_recipients": count > 0,
        "nobody": count == 0,
    }
