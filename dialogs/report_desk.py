"""Urgent-issue reports, staff side: the router of the report desk and the private reply dialog.

A submitted report's card is posted to the bound group of every association it is routed to
(delivery/report_cards.py), in the group's language, and edited in place after every change.
Staff act with the card's buttons (dialogs/report_buttons.py: take, status, joint, position,
merge) or by replying to the card (dialogs/report_replies.py): a reply is a public answer for
the reporter and co-signers, a reply starting with `//` an internal note. The card's link opens
the private reply dialog here: the answer typed, previewed as the reporter will read it, sent.
The card's texts and keyboards are in dialogs/report_card_texts.py.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, StartMode
from aiogram_dialog.widgets.kbd import Button, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.i18n import Translations, Translator
from bot.services.members import InvalidInput
from bot.services.reports import (
    MESSAGE_MAX,
    CardViewer,
    ConcurrentChange,
    HistoryEntry,
    ReportClosed,
    ReportService,
    ReportView,
    UnknownReport,
    clean_text,
)
from bot.services.staff import PermissionDenied
from delivery.report_cards import (
    ReportOutbox,
)
from dialogs.common import (
    MENU_BUTTON,
    Tr,
    answer,
    current_rights,
    deep_link,
    deep_link_id,
    translator,
)
from dialogs.reply_flow import ReplyFlow, ReplyTexts
from dialogs.report_buttons import register_card_buttons
from dialogs.report_card_texts import (
    DIALOG_CARD_LIMIT,
    REPORT_LINK_PREFIX,
    card_text,
    member_messages,
)
from dialogs.report_replies import on_report_reply, report_reply_filter
from dialogs.report_staff import actor
from dialogs.states import ReportDesk

logger = logging.getLogger(__name__)


async def start_with_report(
    message: Message,
    command: CommandObject,
    dialog_manager: DialogManager,
    i18n: Translator,
    reports: ReportService,
) -> None:
    """`/start r<id>`: the card's "answer in private chat" button."""
    assert command.args is not None and message.from_user is not None
    rights = await reports.staff.rights(message.from_user.id)
    if not rights.is_staff:
        await message.answer(i18n("rdesk-no-rights"))
        return
    report_id = deep_link_id(command, REPORT_LINK_PREFIX)
    view = None if report_id is None else await reports.report(report_id)
    if view is None:
        await message.answer(i18n("rdesk-not-found"))
        return
    if not view.actionable_by(rights):
        logger.info("report %s: private reply refused to %s", view.id, message.from_user.id)
        await message.answer(i18n("rdesk-not-staff"))
        return
    await dialog_manager.start(
        ReportDesk.reply, data={"report_id": view.id}, mode=StartMode.RESET_STACK
    )


def create_report_desk_router() -> Router:
    """Report cards' buttons, replies to report cards and the private reply's deep link.
    Included before the expert desk's router, whose catch-alls would otherwise answer these,
    and before the command router, which would take the deep link for a plain /start."""
    router = Router(name="report_desk")
    register_card_buttons(router)
    router.message.register(on_report_reply, F.reply_to_message, report_reply_filter)
    router.message.register(
        start_with_report, deep_link(REPORT_LINK_PREFIX), F.chat.type == "private"
    )
    return router


def _report_id(manager: DialogManager) -> int:
    return int(manager.dialog_data.get("report_id") or 0)


def _service(manager: DialogManager) -> ReportService:
    return manager.middleware_data["reports"]  # type: ignore[no-any-return]


async def _dialog_view(manager: DialogManager) -> ReportView | None:
    """The report when this person may still act on it."""
    reports = _service(manager)
    view = await reports.report(_report_id(manager))
    if view is None:
        return None
    return view if view.actionable_by(await current_rights(manager)) else None


async def get_reply(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    reports = _service(dialog_manager)
    card = await reports.card(_report_id(dialog_manager), CardViewer.STAFF)
    if card is None or not card.view.actionable_by(await current_rights(dialog_manager)):
        return {"found": False, "missing": True, "card": ""}
    text = card_text(translator(dialog_manager), card, reports.timezone, limit=DIALOG_CARD_LIMIT)
    return {"found": True, "missing": False, "card": text}


async def render_preview(manager: DialogManager, text: str) -> tuple[str, int] | None:
    """The answer as the reporter will read it, in their language."""
    view = await _dialog_view(manager)
    if view is None:
        return None
    translations: Translations = manager.middleware_data["translations"]
    entry = HistoryEntry(0, datetime.now(UTC), "reply", True, None, None, None, None, text)
    messages = member_messages(translations.get(view.locale), view, entry)
    return (messages[0] if messages else "", len(messages))


async def get_sent(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    repeated = bool(data.get("repeated"))
    return {
        "note": bool(data.get("note")),
        "public": not data.get("note") and not repeated,
        "repeated": not data.get("note") and repeated,
        "told": int(data.get("told", 0)),
        "total": int(data.get("total", 0)),
    }


def clean_answer(text: str) -> str:
    return clean_text(text, MESSAGE_MAX)


def answer_refusal(t: Translator, error: InvalidInput) -> str:
    if error.code == "too-long":
        return t("rdesk-too-long", limit=MESSAGE_MAX)
    return t("input-no-letters") if error.code == "no-letters" else t("rdesk-text-only")


async def send_answer(
    callback: CallbackQuery,
    button: Button,
    manager: DialogManager,
    text: str,
    request_key: str | None,
) -> State:
    """Send the answer to the members, or (the note button) keep it among staff."""
    t = translator(manager)
    reports = _service(manager)
    report_id = _report_id(manager)
    by = actor(callback.from_user)
    try:
        if button.widget_id == "note":
            entry = await reports.note(report_id, by, text, request_key=request_key)
            manager.dialog_data.update(note=True)
            if entry.repeated:
                await answer(manager, callback, t("once-note-already-saved"))
        else:
            data = manager.middleware_data
            out = ReportOutbox(
                data["bot"], reports, data["staff_chats"], data["members"], data["translations"]
            )
            sent = await out.public_reply(report_id, by, text, request_key=request_key)
            manager.dialog_data.update(
                note=False, told=sent.told, total=sent.total, repeated=sent.repeated
            )
    except PermissionDenied:
        logger.info("report %s: private reply refused to %s", report_id, by.telegram_id)
        await answer(manager, callback, t("rdesk-not-staff"), alert=True)
        return ReportDesk.reply
    except ReportClosed as closed:
        status = t(f"rdesk-status-{closed.status}")
        await answer(manager, callback, t("rdesk-closed", status=status), alert=True)
        return ReportDesk.reply
    except (UnknownReport, InvalidInput, ConcurrentChange):
        await answer(manager, callback, t("rdesk-try-again"), alert=True)
        return ReportDesk.reply
    return ReportDesk.sent


async def on_dialog_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict) and "report_id" in start_data:
        manager.dialog_data["report_id"] = int(start_data["report_id"])


REPLY = ReplyFlow(
    compose=ReportDesk.reply,
    preview=ReportDesk.preview,
    sent=ReportDesk.sent,
    texts=ReplyTexts(
        text_only="rdesk-text-only",
        preview_title="rdesk-dialog-preview",
        preview_parts="rdesk-dialog-preview-parts",
    ),
    clean=clean_answer,
    refusal=answer_refusal,
    render_preview=render_preview,
    send=send_answer,
)

reply_window = REPLY.compose_window(
    Multi(
        Format("{card}", when="found"),
        Tr("rdesk-dialog-prompt", when="found"),
        Tr("rdesk-dialog-unavailable", when="missing"),
        sep="\n\n",
    ),
    MENU_BUTTON,
    getter=get_reply,
)

preview_window = REPLY.preview_window(
    REPLY.send_button("rdesk-dialog-send"),
    REPLY.send_button("rdesk-dialog-note", "note"),
    SwitchTo(Tr("rdesk-dialog-edit"), id="edit", state=ReportDesk.reply),
    MENU_BUTTON,
)

sent_window = REPLY.sent_window(
    Tr("rdesk-dialog-sent", when="public"),
    Tr("once-reply-already-sent", when="repeated"),
    Tr("rdesk-note-saved", when="note"),
    SwitchTo(Tr("rdesk-dialog-again"), id="again", state=ReportDesk.reply),
    getter=get_sent,
)


def report_reply_dialog() -> Dialog:
    """Answering a report in private chat, opened by the card's link."""
    return Dialog(reply_window, preview_window, sent_window, on_start=on_dialog_start)
