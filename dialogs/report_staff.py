"""What the report card's buttons and the replies to a card share: who acts, in which language
the chat reads, and a request awaiting this person's reply (the reason for declining, the
reference to merge into, a position's comment)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InaccessibleMessage, Message, User

from bot.i18n import Translations, Translator
from bot.services.reports import Actor
from bot.services.staff_chats import StaffChatService
from dialogs.staff_groups import GROUP_TYPES, group_translator

PENDING_DESTINY = "report_desk"
PENDING_TTL = 30 * 60  # seconds a "reply with the reason / the reference" request stays open
ALERT_MAX = 200


def actor(user: User) -> Actor:
    return Actor(user.id, user.full_name)


def in_group(message: Message | InaccessibleMessage | None) -> bool:
    return message is not None and message.chat.type in GROUP_TYPES


async def alert(callback: CallbackQuery, text: str, *, show: bool = True) -> None:
    await callback.answer(text[:ALERT_MAX], show_alert=show)


async def chat_translator(
    chat_id: int,
    private: bool,
    i18n: Translator,
    staff_chats: StaffChatService,
    translations: Translations,
) -> Translator:
    """The group's language in a staff group, the reader's own in private chat."""
    if private:
        return i18n
    return (await group_translator(chat_id, staff_chats, translations))[0]


def _pending_state(state: FSMContext) -> FSMContext:
    """This person's own slot in this chat for a request awaiting their reply."""
    return FSMContext(state.storage, replace(state.key, destiny=PENDING_DESTINY))


async def set_pending(state: FSMContext, **data: Any) -> None:
    await _pending_state(state).set_data({**data, "at": time.time()})


async def pending_request(state: FSMContext) -> dict[str, Any] | None:
    data = await _pending_state(state).get_data()
    if not data or time.time() - float(data.get("at", 0)) > PENDING_TTL:
        return None
    return data


async def clear_pending(state: FSMContext) -> None:
    await _pending_state(state).set_data({})
