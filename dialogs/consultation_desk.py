"""The staff's consultations desk in private chat (`/consult`, or the staff menu's button): the
latest consultations they may see, with status, closing time and how many answered of those
asked; a consultation's card with its live results (`dialogs/consultation_results.py`) and,
once it closed, the outcome to publish to everyone asked: the text in Ukrainian and optionally
English, an optional document, a preview exactly as members will get it, confirmation.

Every press goes through the service, which reads the presser's rights again; a refusal shows
the staff-only answer. Publishing is keyed by the dialog's request key: a double tap or a
restart between the commit and the dialog's own state publishes one outcome."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from aiogram import Router
from aiogram.enums import ContentType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Column, Row, Start, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.i18n import Translator
from bot.services.broadcasts import NewsItem
from bot.services.consultations import (
    ConsultationError,
    DeskRow,
    Document,
    outcome_problems,
)
from delivery.announcements import send_announcement
from dialogs.common import (
    BUTTON_TITLE,
    MENU_BUTTON,
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    associations_of,
    bot_of,
    broadcasts_of,
    esc,
    indexed_select,
    refuse_input,
    timezone_of,
    translations_of,
    translator,
    user_id,
)
from dialogs.composing import (
    FILE_LIMITS,
    attachment_input,
    confirmed_before,
    not_text_input,
    refused_file,
    staff_command_router,
    submit,
    typed_text,
)
from dialogs.consultation_draft import error_text, post_progress_once, service_of
from dialogs.presenters import local_time
from dialogs.states import ConsultCompose, ConsultDesk, ConsultOutcome, ConsultResults
from dialogs.widgets import menu_window
from storage.models import ConsultationStatus, utcnow

logger = logging.getLogger(__name__)

CONSULTATION_SELECT = "cons"


# ----------------------------------------------------------------------------- the desk


def _status(t: Translator, row: DeskRow) -> str:
    view = row.consultation
    if view.outcome_broadcast_id is not None:
        return t("consult-staff-status-outcome")
    return t(
        "consult-staff-status-open" if view.is_open(utcnow()) else "consult-staff-status-closed"
    )


def _line(manager: DialogManager, row: DeskRow) -> str:
    t = translator(manager)
    view = row.consultation
    return t(
        "consult-staff-desk-line",
        id=str(view.id),
        title=esc(view.title),
        status=_status(t, row),
        closes=local_time(view.closes_at, timezone_of(manager)),
        answered=row.answered,
        asked=row.asked,
    )


async def get_desk(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    try:
        rows = await service_of(dialog_manager).desk(user_id(dialog_manager))
    except ConsultationError:
        rows = []
    dialog_manager.dialog_data["ids"] = [row.consultation.id for row in rows]
    return {
        "lines": "\n\n".join(_line(dialog_manager, row) for row in rows),
        "has_rows": bool(rows),
        "empty": not rows,
        "items": [
            (str(index), f"№\u00a0{row.consultation.id} · {row.consultation.title[:BUTTON_TITLE]}")
            for index, row in enumerate(rows)
        ],
    }


async def get_card(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    consultation_id = int(dialog_manager.dialog_data.get("consultation_id") or 0)
    try:
        row = await service_of(dialog_manager).desk_row(consultation_id, user_id(dialog_manager))
    except ConsultationError as error:
        return {"card": error_text(t, error), "closed": False, "may_publish": False}
    view = row.consultation
    closed = view.status == ConsultationStatus.CLOSED
    rate = round(100 * row.answered / row.asked) if row.asked else 0
    card = t(
        "consult-staff-card",
        line=_line(dialog_manager, row),
        kind=t(f"consult-staff-kind-{view.kind}"),
        rate=rate,
        author=esc(view.author_name or str(view.author_telegram_id)),
    )
    return {
        "card": card,
        "may_publish": closed and view.outcome_broadcast_id is None,
        "published": view.outcome_broadcast_id is not None,
        "still_open": not closed,
    }


async def on_consultation(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    ids = manager.dialog_data.get("ids") or []
    index = int(item_id) if item_id.isdigit() else -1
    if not 0 <= index < len(ids):
        await answer(manager, callback, translator(manager)("error-stale-button"))
        return
    try:
        await service_of(manager).view(ids[index], user_id(manager))
    except ConsultationError as error:
        await answer(manager, callback, error_text(translator(manager), error), alert=True)
        return
    manager.dialog_data["consultation_id"] = ids[index]
    await manager.switch_to(ConsultDesk.card)


async def on_results(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    consultation_id = int(manager.dialog_data.get("consultation_id") or 0)
    await manager.start(ConsultResults.main, data={"consultation_id": consultation_id})


async def on_publish(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    consultation_id = int(manager.dialog_data.get("consultation_id") or 0)
    try:
        view = await service_of(manager).view(consultation_id, user_id(manager))
    except ConsultationError as error:
        await answer(manager, callback, error_text(translator(manager), error), alert=True)
        return
    if view.status != ConsultationStatus.CLOSED:
        text = translator(manager)("consult-staff-error-still-open")
        await answer(manager, callback, text, alert=True)
        return
    await manager.start(ConsultOutcome.text_uk, data={"consultation_id": consultation_id})


async def on_desk_start(_start_data: Any, manager: DialogManager) -> None:
    if await broadcasts_of(manager).allowed_associations(user_id(manager)) is None:
        await manager.switch_to(ConsultDesk.refused)


async def start_desk(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """The staff menu's button (shown to staff; the right is read again here)."""
    if await broadcasts_of(manager).allowed_associations(user_id(manager)) is None:
        await answer(
            manager, callback, translator(manager)("consult-staff-not-allowed"), alert=True
        )
        return
    await manager.start(ConsultDesk.list, mode=StartMode.RESET_STACK)


def create_consult_router() -> Router:
    """`/consult`."""
    return staff_command_router("consult", ConsultDesk.list, "consult-staff-not-allowed")


def consultation_desk_dialog() -> Dialog:
    return Dialog(
        menu_window(Tr("consult-staff-not-allowed"), state=ConsultDesk.refused),
        menu_window(
            Multi(
                Tr("consult-staff-desk-title"),
                Format("{lines}", when="has_rows"),
                Tr("consult-staff-desk-empty", when="empty"),
                sep="\n\n",
            ),
            Column(indexed_select(CONSULTATION_SELECT, "items", on_consultation)),
            Start(Tr("consult-staff-new"), id="new", state=ConsultCompose.title),
            state=ConsultDesk.list,
            getter=get_desk,
        ),
        menu_window(
            Format("{card}"),
            Button(Tr("consult-staff-results"), id="results", on_click=on_results),
            Button(
                Tr("consult-staff-publish"), id="publish", on_click=on_publish, when="may_publish"
            ),
            Tr("consult-staff-card-open-note", when="still_open"),
            state=ConsultDesk.card,
            getter=get_card,
            back=SwitchTo(Tr("consult-staff-back-desk"), id="back_desk", state=ConsultDesk.list),
        ),
        on_start=on_desk_start,
    )


# ----------------------------------------------------------------------------- the outcome


def _consultation_id(manager: DialogManager) -> int:
    start = manager.start_data if isinstance(manager.start_data, dict) else {}
    return int(start.get("consultation_id") or 0)


def _outcome_document(manager: DialogManager) -> Document | None:
    document = manager.dialog_data.get("document")
    return Document(**document) if document else None


def _outcome_problems(manager: DialogManager, **changed: Any) -> list[ConsultationError]:
    data = {**manager.dialog_data, **changed}
    document = data.get("document")
    return outcome_problems(
        data.get("text_uk") or "",
        data.get("text_en") or None,
        Document(**document) if document else None,
        title=data.get("title") or "",
    )


async def on_outcome_start(_start_data: Any, manager: DialogManager) -> None:
    manager.dialog_data["request_key"] = secrets.token_hex(16)
    try:
        view = await service_of(manager).view(_consultation_id(manager), user_id(manager))
    except ConsultationError:
        await manager.switch_to(ConsultOutcome.refused)
        return
    manager.dialog_data["title"] = view.title


async def on_outcome_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    text = await typed_text(message, manager, "consult-staff-outcome-empty")
    if text is None:
        return
    english = manager.current_context().state == ConsultOutcome.text_en
    field = "text_en" if english else "text_uk"
    problems = [p for p in _outcome_problems(manager, **{field: text}) if p.code == "too-long"]
    if problems:
        await refuse_input(message, manager, error_text(translator(manager), problems[0]))
        return
    manager.dialog_data[field] = text
    await manager.switch_to(ConsultOutcome.document if english else ConsultOutcome.text_en)


async def on_outcome_skip_english(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["text_en"] = None
    await manager.switch_to(ConsultOutcome.document)


async def on_outcome_document(
    message: Message, manager: DialogManager, attachment: dict[str, Any]
) -> None:
    problems = _outcome_problems(manager, document=attachment)
    if await refused_file(message, manager, attachment, (p.code for p in problems)):
        return
    if problems:
        await refuse_input(message, manager, error_text(translator(manager), problems[0]))
        return
    manager.dialog_data["document"] = attachment
    await outcome_preview(manager)


async def on_outcome_no_document(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["document"] = None
    await outcome_preview(manager)


def _outcome_item(manager: DialogManager, audience: Any) -> NewsItem:
    """The outcome as the sender will send it: an announcement headed by the consultation."""
    data = manager.dialog_data
    document = _outcome_document(manager)
    return NewsItem(
        broadcast_id=0,
        created_at=utcnow(),
        urgent=False,
        text_uk=data.get("text_uk") or "",
        text_en=data.get("text_en") or None,
        attachment_kind=document.kind if document else None,
        attachment_file_id=document.file_id if document else None,
        attachment_name=document.name if document else None,
        audience=audience,
        purpose="outcome",
        consultation_id=_consultation_id(manager),
        consultation_title=data.get("title"),
    )


async def outcome_preview(manager: DialogManager) -> None:
    """The outcome as members will get it, in each language given, then the confirmation."""
    t = translator(manager)
    bot = bot_of(manager)
    chat_id: int = manager.middleware_data["event_chat"].id
    try:
        view = await service_of(manager).view(_consultation_id(manager), user_id(manager))
    except ConsultationError:
        await manager.switch_to(ConsultOutcome.refused, show_mode=ShowMode.SEND)
        return
    item = _outcome_item(manager, view.audience)
    locales = ("uk", "en") if item.text_en else ("uk",)
    try:
        await bot.send_message(chat_id, t("consult-staff-outcome-preview-intro"))
        for locale in locales:
            await send_announcement(
                bot, chat_id, item, locale, translations_of(manager), associations_of(manager)
            )
    except TelegramAPIError as error:
        logger.warning("outcome preview not sent: %s", type(error).__name__)
        await bot.send_message(chat_id, t("consult-staff-preview-failed"))
        await manager.switch_to(ConsultOutcome.text_uk, show_mode=ShowMode.SEND)
        return
    row = await service_of(manager).desk_row(view.id, user_id(manager))
    manager.dialog_data["count"] = row.asked
    await manager.switch_to(ConsultOutcome.preview, show_mode=ShowMode.SEND)


async def get_outcome(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    document = data.get("document") or {}
    return {
        "title": esc(data.get("title") or ""),
        "count": int(data.get("count") or 0),
        "has_en": bool(data.get("text_en")),
        "no_en": not data.get("text_en"),
        **FILE_LIMITS,
        "has_document": bool(document),
    }


async def on_publish_confirm(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    if await confirmed_before(manager, "broadcast_id", ConsultOutcome.done):
        return
    data = manager.dialog_data
    try:
        broadcast_id = await submit(
            manager,
            callback,
            service_of(manager).publish_outcome,
            _consultation_id(manager),
            data.get("text_uk") or "",
            data.get("text_en") or None,
            _outcome_document(manager),
        )
    except ConsultationError as error:
        logger.info("outcome refused for %s: %s", user_id(manager), error.code)
        await answer(manager, callback, error_text(translator(manager), error), alert=True)
        if error.code == "not-allowed":
            data.clear()
            await manager.switch_to(ConsultOutcome.refused, show_mode=ShowMode.SEND)
        return
    data["broadcast_id"] = broadcast_id
    await post_progress_once(manager, broadcast_id)
    await manager.switch_to(ConsultOutcome.done)


async def on_outcome_cancel(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await answer(manager, callback, translator(manager)("consult-staff-outcome-cancelled"))
    await manager.done()


async def on_outcome_back(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await manager.done()


OUTCOME_CANCEL = Button(Tr("broadcast-cancel"), id="cancel", on_click=on_outcome_cancel)
OUTCOME_TEXT = (
    MessageInput(on_outcome_text, content_types=ContentType.TEXT),
    not_text_input("consult-staff-outcome-text-expected"),
)


def _outcome_step(
    step: str, *widgets: Any, back: SwitchTo | None = None, inputs: Any = OUTCOME_TEXT
) -> Window:
    """A step of the outcome: its prompt and buttons, `back` beside cancel, what it takes in."""
    return Window(
        Tr(f"consult-staff-outcome-{step.replace('_', '-')}-prompt"),
        *widgets,
        Row(back, OUTCOME_CANCEL) if back else OUTCOME_CANCEL,
        *inputs,
        state=getattr(ConsultOutcome, step),
        getter=get_outcome,
    )


def consultation_outcome_dialog() -> Dialog:
    return Dialog(
        menu_window(Tr("consult-staff-not-allowed"), state=ConsultOutcome.refused),
        _outcome_step("text_uk"),
        _outcome_step(
            "text_en",
            Button(Tr("broadcast-skip"), id="en_skip", on_click=on_outcome_skip_english),
            back=SwitchTo(Tr("broadcast-back"), id="back_uk", state=ConsultOutcome.text_uk),
        ),
        _outcome_step(
            "document",
            Button(
                Tr("consult-staff-document-none"),
                id="document_none",
                on_click=on_outcome_no_document,
            ),
            back=SwitchTo(Tr("broadcast-back"), id="back_en", state=ConsultOutcome.text_en),
            inputs=(attachment_input(on_outcome_document, "consult-staff-document-refused"),),
        ),
        Window(
            Tr("consult-staff-outcome-preview"),
            Button(Tr("consult-staff-outcome-confirm"), id="confirm", on_click=on_publish_confirm),
            Row(
                SwitchTo(Tr("broadcast-edit"), id="to_text", state=ConsultOutcome.text_uk),
                OUTCOME_CANCEL,
            ),
            USE_BUTTONS,
            state=ConsultOutcome.preview,
            getter=get_outcome,
        ),
        Window(
            Tr("consult-staff-outcome-done"),
            Button(Tr("consult-staff-back-desk"), id="back_desk", on_click=on_outcome_back),
            MENU_BUTTON,
            USE_BUTTONS,
            state=ConsultOutcome.done,
            getter=get_outcome,
        ),
        on_start=on_outcome_start,
    )
