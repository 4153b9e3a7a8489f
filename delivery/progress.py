"""The author's progress message of a broadcast, sent and edited: posted once when the
broadcast starts, then edited by the broadcast sender every few seconds and for the final report
(the texts and buttons are `dialogs/progress_texts.py`'s)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.i18n import Translations
from bot.services.broadcasts import BroadcastProgress, BroadcastService
from dialogs.progress_texts import fingerprint, progress_keyboard, progress_text

logger = logging.getLogger(__name__)


async def post_progress_message(
    bot: Bot,
    broadcasts: BroadcastService,
    translations: Translations,
    broadcast_id: int,
    chat_id: int,
    locale: str,
) -> None:
    """Send the author the progress message with its buttons and record it for the sender."""
    progress = await broadcasts.progress(broadcast_id)
    t = translations.get(locale)
    text, keyboard = progress_text(t, progress), progress_keyboard(t, progress)
    message = await bot.send_message(chat_id, text, reply_markup=keyboard)
    await broadcasts.set_progress_message(
        broadcast_id, message.message_id, fingerprint(text, keyboard)
    )


async def edit_progress_message(
    bot: Bot,
    translations: Translations,
    progress: BroadcastProgress,
    *,
    previous: str | None = None,
    request_timeout: int | None = None,
    broadcasts: BroadcastService | None = None,
) -> str | None:
    """Edit the progress message to `progress`; returns the text shown, or None when the edit
    was skipped (nothing changed, here or as last recorded) or refused."""
    if progress.progress_chat_id is None or progress.progress_message_id is None:
        return None
    t = translations.get(progress.progress_locale)
    text, keyboard = progress_text(t, progress), progress_keyboard(t, progress)
    shown = fingerprint(text, keyboard)
    if text == previous or shown == progress.progress_shown:
        return None
    try:
        await bot.edit_message_text(
            text=text,
            chat_id=progress.progress_chat_id,
            message_id=progress.progress_message_id,
            reply_markup=keyboard,
            request_timeout=request_timeout,
        )
        if broadcasts is not None:
            await broadcasts.record_progress_shown(progress.broadcast_id, shown)
    except TelegramBadRequest as error:
        if "message is not modified" in error.message.lower():
            return text
        logger.warning(
            "broadcast %s: progress message not edited: %s", progress.broadcast_id, error
        )
        return None
    except TelegramAPIError as error:
        logger.warning(
            "broadcast %s: progress message not edited: %s", progress.broadcast_id, error
        )
        return None
    return text
