"""Harness for dialog tests: real routers, middlewares and dialogs fed updates in-process.

Windows are captured by aiogram-dialog's MockMessageManager; plain messages the handlers send
(`message.answer`) and other Bot API calls are recorded by `RecordingSession`.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.methods import GetMe, SendMessage, TelegramMethod
from aiogram.types import (
    CallbackQuery,
    Chat,
    Contact,
    Document,
    InlineKeyboardMarkup,
    Location,
    Message,
    PhotoSize,
    ReplyKeyboardMarkup,
    Sticker,
    Update,
    User,
    Voice,
)
from aiogram_dialog.api.entities import NewMessage, OldMessage
from aiogram_dialog.test_tools import MockMessageManager

from bot.app import Content, Dispatcher, create_dispatcher
from bot.services.associations import sync_associations
from bot.settings import Settings
from storage.db import Database
from storage.fsm import create_fsm_storage

BOT_USER = User(id=42, is_bot=True, first_name="Hromada", username="hromada_test_bot")


class RecordingSession(BaseSession):
    """Answers the Bot API calls handlers make, and remembers them."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self._ids = itertools.count(10_000)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        self.calls.append(method)
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, SendMessage):
            return Message(
                message_id=next(self._ids),
                date=datetime.now(),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=BOT_USER,
                text=method.text,
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def close(self) -> None:
        return None

    def texts(self) -> list[str]:
        return [m.text for m in self.calls if isinstance(m, SendMessage)]


class WindowRecorder(MockMessageManager):
    """MockMessageManager that also keeps reply keyboards (the phone step uses one)."""

    def __init__(self) -> None:
        super().__init__()
        self.reply_keyboards: dict[int, ReplyKeyboardMarkup] = {}

    def mark_answered(self, callback_id: str) -> None:
        self.answered_callbacks.add(callback_id)

    def was_answered(self, callback_id: str) -> bool:
        return callback_id in self.answered_callbacks

    async def show_message(
        self, bot: Bot, new_message: NewMessage, old_message: OldMessage | None
    ) -> OldMessage:
        markup = new_message.reply_markup
        if not isinstance(markup, ReplyKeyboardMarkup):
            return await super().show_message(bot, new_message, old_message)
        shown = await super().show_message(
            bot, dataclasses.replace(new_message, reply_markup=None), old_message
        )
        self.reply_keyboards[shown.message_id] = markup
        return dataclasses.replace(shown, has_reply_keyboard=True)


@dataclass
class Member:
    """One Telegram user talking to the bot in private chat."""

    app: App
    user: User
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def chat(self) -> Chat:
        return Chat(id=self.user.id, type="private")

    def _message(self, **content: Any) -> Message:
        return Message(
            message_id=next(self._ids),
            date=datetime.now(),
            chat=self.chat,
            from_user=self.user,
            **content,
        )

    async def feed(self, **update: Any) -> None:
        await self.app.dp.feed_update(
            self.app.bot, Update(update_id=next(self.app.update_ids), **update)
        )

    async def send(self, text: str) -> None:
        await self.feed(message=self._message(text=text))

    async def send_sticker(self) -> None:
        sticker = Sticker(
            file_id="st1",
            file_unique_id="st1u",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        await self.feed(message=self._message(sticker=sticker))

    async def send_contact(self, phone: str, user_id: int | None = None) -> None:
        contact = Contact(
            phone_number=phone,
            first_name=self.user.first_name,
            user_id=self.user.id if user_id is None else user_id,
        )
        await self.feed(message=self._message(contact=contact))

    async def send_voice(self) -> None:
        await self.feed(
            message=self._message(voice=Voice(file_id="v1", file_unique_id="v1u", duration=3))
        )

    async def send_location(self, latitude: float = 50.45, longitude: float = 30.52) -> None:
        await self.feed(
            message=self._message(location=Location(latitude=latitude, longitude=longitude))
        )

    async def send_photo(self, unique: str = "ph1") -> None:
        sizes = [
            PhotoSize(file_id=f"{unique}-s", file_unique_id=f"{unique}s", width=90, height=90),
            PhotoSize(file_id=f"{unique}-b", file_unique_id=unique, width=1280, height=960),
        ]
        await self.feed(message=self._message(photo=sizes))

    async def send_document(self, name: str = "kosht.pdf", unique: str = "doc1") -> None:
        document = Document(file_id=f"d-{unique}", file_unique_id=unique, file_name=name)
        await self.feed(message=self._message(document=document))

    async def click(self, pattern: str) -> str:
        """Press the inline button matching `pattern` on the last window shown."""
        message = self.app.windows.last_message()
        markup = message.reply_markup
        if isinstance(markup, InlineKeyboardMarkup):
            for row in markup.inline_keyboard:
                for button in row:
                    if re.search(pattern, button.text):
                        return await self.press(button.callback_data or "", message)
        raise AssertionError(f"no button {pattern!r} in {self.buttons()}")

    async def press_reply(self, pattern: str) -> None:
        """Press a reply-keyboard button: Telegram sends its full text as a message."""
        for text in self.buttons():
            if re.search(pattern, text):
                await self.send(text)
                return
        raise AssertionError(f"no button {pattern!r} in {self.buttons()}")

    async def press(self, data: str, message: Message | None = None) -> str:
        message = message or self.app.windows.last_message()
        callback = CallbackQuery(
            id=str(uuid.uuid4()),
            data=data,
            chat_instance="1",
            from_user=self.user,
            message=message,
        )
        await self.feed(callback_query=callback)
        return callback.id

    def window(self) -> str:
        return self.app.windows.last_message().text or ""

    def buttons(self) -> list[str]:
        last = self.app.windows.last_message()
        markup = last.reply_markup
        if isinstance(markup, InlineKeyboardMarkup):
            return [b.text for row in markup.inline_keyboard for b in row]
        keyboard = self.app.windows.reply_keyboards.get(last.message_id)
        if keyboard is not None:
            return [b.text for row in keyboard.keyboard for b in row]
        return []

    def replies(self) -> list[str]:
        """Plain messages the bot sent (errors, confirmations), oldest first."""
        return self.app.session.texts()


@dataclass
class App:
    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    windows: WindowRecorder
    db: Database
    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def member(
        self,
        user_id: int = 1001,
        *,
        first_name: str = "Олена",
        last_name: str | None = "Петренко",
        language_code: str | None = "uk",
    ) -> Member:
        return Member(
            self,
            User(
                id=user_id,
                is_bot=False,
                first_name=first_name,
                last_name=last_name,
                language_code=language_code,
            ),
        )


@functools.cache
def loaded_content() -> Content:
    """`Content.load()` once per test process: it takes about a second, and the bot only reads
    what it returns (a frozen dataclass of dictionaries, the knowledge base and rules)."""
    return Content.load()


async def build_app(
    db: Database, *, admin_ids: str = "", events_isolation: BaseEventIsolation | None = None
) -> App:
    """The bot's dispatcher on `db` with a recording Bot; `events_isolation` in place of the
    storage's own (the members' locks)."""
    settings = Settings(
        _env_file=None,
        bot_token=None,
        database_url="sqlite+aiosqlite:///:memory:",
        admin_ids=admin_ids,
    )  # type: ignore[call-arg]
    content = loaded_content()
    await sync_associations(db, content.associations)
    storage, isolation = create_fsm_storage(db, os.environ.get("TEST_REDIS_URL") or None)
    windows = WindowRecorder()
    dp = create_dispatcher(
        settings=settings,
        db=db,
        content=content,
        storage=storage,
        events_isolation=events_isolation or isolation,
        message_manager=windows,
    )
    session = RecordingSession()
    return App(dp=dp, bot=Bot("42:TEST", session=session), session=session, windows=windows, db=db)
