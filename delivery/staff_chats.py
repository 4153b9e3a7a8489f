"""Sending into a bound staff group: the one place that follows a group's migration.

A group that becomes a supergroup gets a new chat id; Telegram answers the next send to the old id
with `TelegramMigrateToChat`. The binding follows (`StaffChatService.migrate`) and the message is
sent again to the new id. A group that removed or blocked the bot answers 403: its bindings are
deactivated so nothing else is queued for it, and the error goes on to the caller, who logs it in
its own terms.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramMigrateToChat
from aiogram.types import Message

from bot.services.staff_chats import StaffChatService

logger = logging.getLogger(__name__)


async def send_to_staff_chat(
    bot: Bot,
    staff_chats: StaffChatService,
    chat_id: int,
    text: str,
    *,
    deactivate_on_403: bool = True,
    **kwargs: Any,
) -> Message:
    """Send `text` to the staff group `chat_id`; `kwargs` go to `Bot.send_message`.

    `deactivate_on_403=False`: a group that refuses this one message keeps its bindings (a
    question's card: the next question tries the group again).

    Returns the message sent, whose `chat.id` is the group's current id. Raises what Telegram
    raises otherwise (`TelegramAPIError` and its kinds).
    """
    current = chat_id
    try:
        try:
            return await bot.send_message(current, text, **kwargs)
        except TelegramMigrateToChat as error:
            current = error.migrate_to_chat_id
            await staff_chats.migrate(chat_id, current)
            return await bot.send_message(current, text, **kwargs)
    except TelegramForbiddenError:
        if not deactivate_on_403:
            raise
        # The bot was removed or blocked: the group (at its id now, after a migration) stops
        # receiving anything until bound again.
        codes = await staff_chats.deactivate_chat(current)
        logger.warning("staff chat %s refused the bot: bindings deactivated (%s)", current, codes)
        raise
