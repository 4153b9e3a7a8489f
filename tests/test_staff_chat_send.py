"""delivery.staff_chats.send_to_staff_chat: the one send into a staff group (migration, 403)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramMigrateToChat
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message

from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.staff_chats import StaffChatService
from delivery.staff_chats import send_to_staff_chat
from storage.db import Database

ADMIN = 1
GROUP = -100500
SUPERGROUP = -1009500


class FakeBot:
    """Answers send_message per chat: moved to another id, refused (403), or sent."""

    def __init__(self, moved: dict[int, int], refusing: set[int]) -> None:
        self.moved, self.refusing = moved, refusing
        self.sent: list[int] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Message:
        method = SendMessage(chat_id=chat_id, text=text)
        if chat_id in self.moved:
            raise TelegramMigrateToChat(
                method=method, message="upgraded", migrate_to_chat_id=self.moved[chat_id]
            )
        if chat_id in self.refusing:
            raise TelegramForbiddenError(method=method, message="bot was kicked")
        self.sent.append(chat_id)
        chat = Chat(id=chat_id, type="supergroup")
        return Message(message_id=7, date=datetime.now(), chat=chat, text=text)


@pytest.fixture
async def chats(db: Database) -> StaffChatService:
    await sync_associations(db, load_associations())
    service = StaffChatService(db, frozenset({ADMIN}))
    await service.bind(GROUP, "Секретаріат ВАГ", "vag", ADMIN)
    return service


async def test_a_migrated_group_gets_the_message_and_keeps_its_binding(
    chats: StaffChatService,
) -> None:
    bot = FakeBot({GROUP: SUPERGROUP}, set())
    sent = await send_to_staff_chat(bot, chats, GROUP, "card")
    assert sent.chat.id == SUPERGROUP and bot.sent == [SUPERGROUP]
    assert await chats.chat(GROUP) is None
    moved = await chats.chat(SUPERGROUP)
    assert moved is not None and moved.association_codes == ("vag",)


async def test_a_group_that_removed_the_bot_is_unbound(chats: StaffChatService) -> None:
    bot = FakeBot({}, {GROUP})
    with pytest.raises(TelegramForbiddenError):
        await send_to_staff_chat(bot, chats, GROUP, "card")
    assert await chats.chat(GROUP) is None


async def test_a_refusal_after_a_migration_unbinds_the_new_id(chats: StaffChatService) -> None:
    bot = FakeBot({GROUP: SUPERGROUP}, {SUPERGROUP})
    with pytest.raises(TelegramForbiddenError):
        await send_to_staff_chat(bot, chats, GROUP, "card")
    assert await chats.chat(GROUP) is None
    assert await chats.chat(SUPERGROUP) is None


async def test_a_refusal_can_keep_the_binding(chats: StaffChatService) -> None:
    bot = FakeBot({}, {GROUP})
    with pytest.raises(TelegramForbiddenError):
        await send_to_staff_chat(bot, chats, GROUP, "card", deactivate_on_403=False)
    kept = await chats.chat(GROUP)
    assert kept is not None and kept.association_codes == ("vag",)
