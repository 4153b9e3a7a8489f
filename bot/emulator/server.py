"""A fake Telegram Bot API server (aiohttp) for end-to-end tests of the real bot process.

The bot talks to it over HTTP exactly as to api.telegram.org (`TelegramAPIServer.from_base(url)`);
tests drive simulated users through `FakeTelegram.user(...)` and observe what the bot shows them.
Bot API limits are enforced with Telegram's own error shapes; every rejected request is kept in
`FakeTelegram.violations` so a test can assert that the bot never broke a rule, and in
`FakeTelegram.violation_log` with the chat and message it concerned, for the sandbox page.

The sandbox page is a live client of the same state: `subscribe()` yields change events,
`FakeUser.press` / `send_file` / `press_reply_key` act as a person would (refusing what a Telegram
client could not send), `commands_for` resolves the command menu, and `state_path` keeps the
chats, files and commands across restarts.

The server is built in layers, each a module: `state` (chats, files, the state file, live
events), `updates` (long polling, webhooks), `http` (the aiohttp front), `messages`, `media`
and `chat_methods` (the Bot API's methods); `users` holds the simulated users.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from .api import (
    BLOCKED,
    CAPTION_LIMIT,
    CONFLICT,
    DEACTIVATED,
    NOT_MODIFIED,
    QUERY_INVALID,
    SAVE_DELAY,
    TEXT_LIMIT,
    UPLOAD_LIMIT,
    ApiError,
    ClientRefused,
)
from .chat_methods import ChatMethods
from .chats import CallbackQuery, FakeChat
from .entities import image_mime_type, public_message, visible_text
from .limits import Injection, LimitStats, SendLimits
from .users import FakeUser

__all__ = [
    "BLOCKED",
    "CAPTION_LIMIT",
    "DEACTIVATED",
    "NOT_MODIFIED",
    "QUERY_INVALID",
    "SAVE_DELAY",
    "TEXT_LIMIT",
    "UPLOAD_LIMIT",
    "ApiError",
    "ClientRefused",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "LimitStats",
    "SendLimits",
    "image_mime_type",
    "visible_text",
]


class FakeTelegram(ChatMethods):
    """A Bot API server on 127.0.0.1 with simulated users. See module docstring."""

    # ------------------------------------------------------------------ test-side API

    def user(
        self,
        user_id: int,
        first_name: str = "Олена",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "uk",
        phone_number: str | None = None,
    ) -> FakeUser:
        """The simulated user with this id (created on first call; later calls return it)."""
        existing = self.users.get(user_id)
        if existing is not None:
            return existing
        user = FakeUser(
            self,
            user_id,
            first_name,
            last_name,
            username,
            language_code,
            phone_number or f"+38050{user_id % 10_000_000:07d}",
        )
        self.users[user_id] = user
        return user

    def group(self, chat_id: int, title: str, *, type: str | None = None) -> FakeChat:
        """A group chat that the bot is a member of (supergroup when the id starts -100)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            kind = type or ("supergroup" if str(chat_id).startswith("-100") else "group")
            chat = FakeChat(id=chat_id, type=kind, title=title)
            self.chats[chat_id] = chat
            self._state_changed()
        return chat

    def chat(self, chat_id: int) -> FakeChat:
        return self.chats[chat_id]

    def inject(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail like this."""
        if description is None:
            description = {
                400: "Bad Request: chat not found",
                403: BLOCKED,
                404: "Not Found",
                409: CONFLICT,
                429: f"Too Many Requests: retry after {retry_after or 1}",
            }.get(error_code, "Internal Server Error")
        parameters: dict[str, Any] = {}
        if error_code == 429:
            parameters["retry_after"] = retry_after if retry_after is not None else 1
        elif retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        self._injections.append(
            Injection(method.lower(), ApiError(error_code, description, parameters), times, chat_id)
        )

    @property
    def limits(self) -> SendLimits | None:
        return None if self._limiter is None else self._limiter.limits

    def chat_fault(self, chat_id: int) -> str | None:
        """In the limits mode: the 403 description this chat always answers, or None."""
        return None if self._limiter is None else self._limiter.chat_fault(chat_id)

    def block(self, chat_id: int) -> None:
        """Every delivery to this chat answers 403 'bot was blocked by the user'."""
        self.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The user unblocked the bot (also lifts a 403 drawn by the limits mode)."""
        self.blocked.discard(chat_id)
        if self._limiter is not None:
            self._limiter.clear_chat_fault(chat_id)

    def remove_bot(self, chat_id: int, by_user_id: int) -> None:
        """The bot is removed from a group: its `my_chat_member` update; sends there get 403."""
        chat = self.chats[chat_id]
        by = {"id": by_user_id, "is_bot": False, "first_name": "User"}
        if by_user_id in self.users:
            by = self.users[by_user_id].info
        bot = {"id": self.bot_id or 0, "is_bot": True, "first_name": "Hromada Test Bot"}
        if self.bot_id is not None:
            self.member_status[(chat_id, self.bot_id)] = "left"
        self.blocked.add(chat_id)
        self._push_update(
            "my_chat_member",
            {
                "chat": chat.info,
                "from": by,
                "date": int(time.time()),
                "old_chat_member": {"status": "member", "user": bot},
                "new_chat_member": {"status": "left", "user": bot},
            },
        )

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember answer: member, left, kicked, restricted, administrator or creator."""
        self.member_status[(chat_id, user_id)] = status
        self._state_changed()

    def register_file(
        self,
        kind: str = "document",
        *,
        content: bytes = b"fake-file",
        file_name: str | None = None,
        mime_type: str | None = None,
        file_id: str | None = None,
    ) -> dict[str, Any]:
        """A file Telegram knows (as if uploaded before); returns its record with file_id."""
        return self._store_file(kind, content, file_name, mime_type, file_id)

    def reset_polling_flag(self) -> None:
        self._polled.clear()

    async def wait_polling(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Return once a bot called getUpdates since the last reset_polling_flag()."""
        try:
            await asyncio.wait_for(self._polled.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no getUpdates call within {timeout}s; requests so far: "
                f"{[m for m, _ in self.requests][-10:]}"
            ) from None

    def assert_no_violations(self, *, ignore: tuple[str, ...] = ()) -> None:
        """Fail when the bot broke a Bot API rule (descriptions containing `ignore` excepted)."""
        left = [v for v in self.violations if not any(part in v[1] for part in ignore)]
        assert not left, f"Bot API requests rejected by the fake Telegram: {left}"

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every request of `method` so far."""
        return [p for m, p in self.requests if m.lower() == method.lower()]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    # ------------------------------------------------------------------ user-side internals

    def _private_chat(self, user: FakeUser) -> FakeChat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = FakeChat(
                id=user.id,
                type="private",
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
            )
            self.chats[user.id] = chat
            self._state_changed()
        return chat

    def _user_message(
        self, user: FakeUser, chat: FakeChat, content: dict[str, Any]
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": user.info,
            "chat": chat.info,
            "date": int(time.time()),
            **content,
            "deleted": False,
        }
        chat.messages[message["message_id"]] = message
        self._push_update("message", public_message(message))
        self._emit_message("message", chat, message)
        return message

    def _callback(self, user: FakeUser, chat: FakeChat, message: dict[str, Any], data: str) -> str:
        query_id = str(secrets.randbelow(10**18) + 10**17)
        self._callbacks[query_id] = CallbackQuery(
            query_id, chat.id, message["message_id"], data, user_id=user.id
        )
        self._push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.info,
                "message": public_message(message),
                "chat_instance": str(abs(hash((chat.id, "instance"))) % 10**18),
                "data": data,
            },
        )
        return query_id
