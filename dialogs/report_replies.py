"""Replies to a report's card in a staff group: a public answer for the reporter and
co-signers, a reply starting with `//` an internal note, or the reason, reference or comment the
bot asked for (a reply to the card in a group, to the bot's prompt in private chat). Anyone but
the report's staff is refused; every reply checks the rights again through ReportService."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.i18n import Translations, Translator
from bot.services.members import InvalidInput, MemberService
from bot.services.reports import (
    ConcurrentChange,
    ReportClosed,
    ReportService,
    TransitionRefused,
    UnknownReport,
    normalise_reference,
)
from bot.services.staff import PermissionDenied
from bot.services.staff_chats import StaffChatService
from bot.services.text_input import has_words
from delivery.report_cards import ReportOutbox
from dialogs.report_card_texts import position_value
from dialogs.report_staff import (
    actor,
    chat_translator,
    clear_pending,
    pending_request,
)
from dialogs.staff_groups import GROUP_TYPES

logger = logging.getLogger(__name__)

INTERNAL_PREFIX = "//"


async def report_reply_filter(
    message: Message, bot: Bot, reports: ReportService, state: FSMContext
) -> dict[str, Any] | bool:
    """A reply to a report's card in a staff group, or to the bot's request for a reason or a
    reference: passes the report's id (and the request) on. Anything else is left to the other
    routers (replies to question cards, commands)."""
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.from_user.id != bot.id:
        return False
    text = message.text
    if text is not None and text.startswith("/") and not text.startswith(INTERNAL_PREFIX):
        return False  # a command
    if message.from_user is not None:
        pending = await pending_request(state)
        if (
            pending is not None
            and pending.get("c") == message.chat.id
            and pending.get("m") == reply.message_id
        ):
            return {"report_id": int(pending["r"]), "pending": pending}
    if message.chat.type not in GROUP_TYPES:
        return False
    report_id = await reports.report_for_card(message.chat.id, reply.message_id)
    if report_id is None:
        return False
    return {"report_id": report_id, "pending": None}


async def on_report_reply(
    message: Message,
    report_id: int,
    pending: dict[str, Any] | None,
    bot: Bot,
    i18n: Translator,
    reports: ReportService,
    staff_chats: StaffChatService,
    members: MemberService,
    translations: Translations,
    state: FSMContext,
) -> None:
    """Staff replying to a card: a public answer, a `//` note, or the reason, reference or
    comment the bot asked them for. Anyone else is refused."""
    assert message.from_user is not None
    user = message.from_user
    t = await chat_translator(
        message.chat.id, message.chat.type not in GROUP_TYPES, i18n, staff_chats, translations
    )
    text = (message.text or "").strip()
    if not has_words(text):
        # No text (a photo, a sticker), or nothing readable in it (emoji, invisible characters).
        rights = await reports.staff.rights(user.id)
        view = await reports.report(report_id)
        allowed = view is not None and view.actionable_by(rights)
        if not allowed:
            logger.info(
                "report %s: reply in chat %s by %s refused", report_id, message.chat.id, user.id
            )
        refusal = "rdesk-text-only" if message.text is None else "input-no-letters"
        await message.reply(t(refusal if allowed else "rdesk-reply-not-staff"))
        return
    out = ReportOutbox(bot, reports, staff_chats, members, translations)
    # The reply message is the press: delivered again, it is the same answer or note.
    key = f"msg:{message.chat.id}:{message.message_id}"
    try:
        if pending is not None:
            await _answer_request(message, t, out, state, pending, text)
        elif text.startswith(INTERNAL_PREFIX):
            entry = await reports.note(
                report_id, actor(user), text[len(INTERNAL_PREFIX) :], request_key=key
            )
            await message.reply(
                t("once-note-already-saved" if entry.repeated else "rdesk-note-saved")
            )
            logger.info("report %s: note by %s", report_id, user.id)
        else:
            sent = await out.public_reply(report_id, actor(user), text, request_key=key)
            if sent.repeated:
                await message.reply(t("once-reply-already-sent"))
            else:
                await message.reply(t("rdesk-reply-sent", told=sent.told, total=sent.total))
    except PermissionDenied:
        logger.info(
            "report %s: reply in chat %s by %s refused", report_id, message.chat.id, user.id
        )
        await message.reply(t("rdesk-reply-not-staff"))
    except UnknownReport:
        await message.reply(t("rdesk-not-found"))
    except ReportClosed as closed:
        await clear_pending(state)
        await message.reply(t("rdesk-closed", status=t(f"rdesk-status-{closed.status}")))
    except TransitionRefused as refused:
        await clear_pending(state)
        await message.reply(
            t("rdesk-transition-refused", status=t(f"rdesk-status-{refused.current}"))
        )
    except ConcurrentChange:
        await message.reply(t("rdesk-try-again"))
    except InvalidInput as error:
        if error.code == "too-long":
            await message.reply(t("rdesk-too-long", limit=error.limits.get("limit", 0)))
        else:
            await message.reply(t("rdesk-text-only"))


async def _answer_request(
    message: Message,
    t: Translator,
    out: ReportOutbox,
    state: FSMContext,
    pending: dict[str, Any],
    text: str,
) -> None:
    """The reason for declining, the reference to merge into, or a position's comment."""
    assert message.from_user is not None
    reports, by = out.reports, actor(message.from_user)
    report_id = int(pending["r"])
    request = pending.get("a")
    if request == "decline":
        entry = await reports.set_status(report_id, by, "declined", reason=text)
        await clear_pending(state)
        told = await out.after_change(report_id, entry)
        await message.reply(t("rdesk-declined", told=told))
    elif request == "comment":
        code, position = position_value(str(pending.get("v", "")))
        await reports.set_position(report_id, by, code, position, text)
        await clear_pending(state)
        await out.refresh(report_id)
        await message.reply(t("rdesk-position-set"))
    elif request == "merge":
        target = await reports.by_reference(text) if normalise_reference(text) else None
        if target is None:
            await message.reply(t("rdesk-merge-unknown"))
            return  # the request stays open for another try
        try:
            await out.merge(report_id, target.id, by)
        except InvalidInput:
            await message.reply(t("rdesk-merge-self"))
            return
        except PermissionDenied:
            await message.reply(t("rdesk-merge-foreign", reference=target.reference))
            return
        await clear_pending(state)
        await message.reply(t("rdesk-merged", reference=target.reference))
    else:
        await clear_pending(state)
