"""Editing a staff card already posted: best effort, the same way for every kind of card.

A card is edited after a change (an answer, a status, an erasure). Telegram refuses some edits:
the message was deleted, the group removed the bot, or nothing changed ("message is not
modified", which is no failure). A refused edit is logged and skipped; the change it shows is
stored either way.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup

logger = logging.getLogger(__name__)


async def edit_card(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None,
    *,
    subject: str,
) -> None:
    """Edit the card `chat_id`/`message_id`; never raises a Telegram error. `subject` names the
    card in the log ("question 12")."""
    try:
        await bot.edit_message_text(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
        )
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            logger.info(
                "%s: card %s/%s not edited: %s", subject, chat_id, message_id, error.message
            )
    except TelegramAPIError as error:
        logger.info("%s: card in chat %s not edited: %s", subject, chat_id, type(error).__name__)
