"""Sending a consultation as members receive it: the one call used by the broadcast sender (the
question and the reminder), by the menu (the consultation shown again with the member's answer)
and by the staff compose preview, so the preview is exactly what members get.

A document goes first, on its own with the title as its caption, then the text with the answer
buttons: the question may be longer than a caption's 1024 characters, and the buttons belong
on the message a member replies to with a comment. Once it closed, the sender's closing
broadcast puts the "closed" marker in place of those buttons (`mark_closed`)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, LinkPreviewOptions, Message

from bot.i18n import Translations
from bot.services.consultations import ConsultationDraft, ConsultationView, MyAnswer
from bot.services.text_input import ID_MAX
from dialogs.common import esc
from dialogs.consultation_texts import (
    KYIV,
    answer_keyboard,
    closed_keyboard,
    consultation_text,
)

logger = logging.getLogger(__name__)

# The buttons of a preview name no consultation yet: the largest id, which no row reaches, so a
# press finds none (and is told so).
PREVIEW_ID = ID_MAX


async def send_consultation(
    bot: Bot,
    chat_id: int,
    view: ConsultationView | ConsultationDraft,
    locale: str,
    translations: Translations,
    *,
    my_answer: MyAnswer | None = None,
    reminder_at: datetime | None = None,
    now: datetime | None = None,
    tz: ZoneInfo = KYIV,
    request_timeout: int | None = None,
) -> Message:
    """Send the consultation as a member of `locale` receives it; the message with the buttons
    is returned. `reminder_at`: it goes as the reminder sent then; `now` past the closing time
    (or a closed view): shown closed, with the "closed" marker instead of the buttons. A draft
    (the staff preview) gets buttons that answer nothing."""
    t = translations.get(locale)
    consultation_id = view.id if isinstance(view, ConsultationView) else PREVIEW_ID
    closed = isinstance(view, ConsultationView) and now is not None and not view.is_open(now)
    document = view.document
    if document is not None:
        send = bot.send_photo if document.kind == "photo" else bot.send_document
        await send(
            chat_id,
            document.file_id,
            caption=t("consult-member-title", title=esc(view.title)),
            parse_mode=ParseMode.HTML,
            request_timeout=request_timeout,
        )
    text = consultation_text(
        t, view, my_answer=my_answer, reminder_at=reminder_at, closed=closed, tz=tz
    )
    keyboard = (
        closed_keyboard(t, consultation_id)
        if closed
        else answer_keyboard(t, view, consultation_id, my_answer=my_answer)
    )
    return await bot.send_message(
        chat_id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        request_timeout=request_timeout,
    )


async def show_consultation(
    bot: Bot,
    chat_id: int,
    message_id: int,
    view: ConsultationView,
    locale: str,
    translations: Translations,
    *,
    my_answer: MyAnswer | None = None,
    closed: bool = False,
    mask: int | None = None,
    tz: ZoneInfo = KYIV,
) -> None:
    """Edit a consultation message already sent: the answer as it now stands, the buttons
    (priorities ticked as `mask`), or the "closed" marker."""
    t = translations.get(locale)
    text = consultation_text(t, view, my_answer=my_answer, closed=closed, tz=tz)
    keyboard = (
        closed_keyboard(t, view.id)
        if closed
        else answer_keyboard(t, view, view.id, my_answer=my_answer, mask=mask)
    )
    try:
        await bot.edit_message_text(
            text=text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    except TelegramBadRequest as error:
        _not_edited(view.id, error)


async def show_buttons(
    bot: Bot,
    chat_id: int,
    message_id: int,
    keyboard: InlineKeyboardMarkup,
    consultation_id: int,
) -> None:
    """Only the buttons of a consultation message changed (a priority ticked, or closed)."""
    try:
        await bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=keyboard
        )
    except TelegramBadRequest as error:
        _not_edited(consultation_id, error)


# Telegram's answers when a closed marker has nothing to replace: it is there already, the member
# deleted the message, or the message can no longer be edited.
NOTHING_TO_EDIT = (
    "message is not modified",
    "message to edit not found",
    "message can't be edited",
)


async def mark_closed(
    bot: Bot,
    chat_id: int,
    message_id: int,
    consultation_id: int,
    locale: str,
    translations: Translations,
    *,
    request_timeout: int | None = None,
) -> bool:
    """Replace a delivered question's (or reminder's) answer buttons with the "closed" marker,
    in the member's language; False when there was nothing to edit. Other errors propagate:
    the outbox decides about them."""
    try:
        await bot.edit_message_reply_markup(
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=closed_keyboard(translations.get(locale), consultation_id),
            request_timeout=request_timeout,
        )
    except TelegramBadRequest as error:
        if not any(part in error.message.lower() for part in NOTHING_TO_EDIT):
            raise
        return False
    return True


def _not_edited(consultation_id: int, error: TelegramBadRequest) -> None:
    # A double tap edits to what is shown already; an old message may be gone.
    if "message is not modified" not in error.message.lower():
        logger.info("consultation %s: message not edited: %s", consultation_id, error.message)
