"""Group chats for dialog tests: staff groups the bot posts cards to, and people writing there.

`GroupSession` extends the harness's RecordingSession: it returns real `Message`s for sends (so
cards can be replied to), answers `getChatMember` for the bot, and can fail sends to a chat.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import EditMessageText, GetChatMember, SendMessage, TelegramMethod
from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
    Message,
    Sticker,
    Update,
    User,
)

from tests.flows.harness import BOT_USER, App, RecordingSession


class GroupSession(RecordingSession):
    """RecordingSession that keeps every message the bot sent, in groups too."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Message] = []
        self.bot_member: dict[int, Any] = {}  # chat id -> the bot's ChatMember there
        self.failing: dict[int, str] = {}  # chat id -> the 403 description its sends get
        self._message_ids = itertools.count(50_000)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        if isinstance(method, SendMessage):
            chat_id = int(method.chat_id)
            self.calls.append(method)
            if chat_id in self.failing:
                raise TelegramForbiddenError(method=method, message=self.failing[chat_id])
            message = Message(
                message_id=next(self._message_ids),
                date=datetime.now(),
                chat=Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup"),
                from_user=BOT_USER,
                text=method.text,
                # A reply keyboard or ForceReply is not part of the message Telegram returns.
                reply_markup=(
                    method.reply_markup
                    if isinstance(method.reply_markup, InlineKeyboardMarkup)
                    else None
                ),
            )
            self.sent.append(message)
            return message
        if isinstance(method, GetChatMember):
            self.calls.append(method)
            return self.bot_member.get(int(method.chat_id), ChatMemberMember(user=BOT_USER))
        return await super().make_request(bot, method, timeout)

    def to(self, chat_id: int) -> list[Message]:
        """Messages the bot sent to this chat, oldest first."""
        return [m for m in self.sent if m.chat.id == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.text or "" for m in self.to(chat_id)]

    def edits(self, chat_id: int) -> list[EditMessageText]:
        return [c for c in self.calls if isinstance(c, EditMessageText) and c.chat_id == chat_id]

    def callback_answers(self) -> list[Any]:
        return [c for c in self.calls if type(c).__name__ == "AnswerCallbackQuery"]


@dataclass
class Group:
    """A staff group chat the bot is in."""

    app: App
    chat_id: int
    title: str = "Секретаріат"
    type: str = "supergroup"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def chat(self) -> Chat:
        return Chat(id=self.chat_id, type=self.type, title=self.title)

    def person(
        self, user_id: int, first_name: str = "Іван", last_name: str | None = "Коваль"
    ) -> User:
        return User(
            id=user_id,
            is_bot=False,
            first_name=first_name,
            last_name=last_name,
            language_code="uk",
        )

    async def feed(self, **update: Any) -> None:
        await self.app.dp.feed_update(
            self.app.bot, Update(update_id=next(self.app.update_ids), **update)
        )

    async def send(
        self,
        user: User,
        text: str | None = None,
        *,
        reply_to: Message | None = None,
        **content: Any,
    ) -> None:
        message = Message(
            message_id=next(self._ids),
            date=datetime.now(),
            chat=self.chat,
            from_user=user,
            text=text,
            reply_to_message=reply_to,
            **content,
        )
        await self.feed(message=message)

    async def send_sticker(self, user: User, *, reply_to: Message | None = None) -> None:
        sticker = Sticker(
            file_id="st1",
            file_unique_id="st1u",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        await self.send(user, reply_to=reply_to, sticker=sticker)

    async def press(self, user: User, data: str, message: Message) -> str:
        callback = CallbackQuery(
            id=str(uuid.uuid4()),
            data=data,
            chat_instance="group",
            from_user=user,
            message=message,
        )
        await self.feed(callback_query=callback)
        return callback.id

    async def remove_bot(self, by: User) -> None:
        await self.feed(
            my_chat_member=ChatMemberUpdated(
                chat=self.chat,
                from_user=by,
                date=datetime.now(),
                old_chat_member=ChatMemberMember(user=BOT_USER),
                new_chat_member=ChatMemberLeft(user=BOT_USER),
            )
        )

    async def upgrade_to(self, new_chat_id: int, by: User) -> None:
        """The group becomes a supergroup: Telegram's service message in the old chat."""
        await self.send(by, migrate_to_chat_id=new_chat_id)
