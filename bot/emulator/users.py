"""Simulated Telegram users: what a test or the sandbox page does as a person (write, press
a button, send a file or a contact) and waiting for the bot's answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .api import (
    CAPTION_LIMIT,
    PHOTO_LIMIT,
    TEXT_LIMIT,
    UPLOAD_LIMIT,
    USER_COMMAND_RE,
    ClientRefused,
)
from .chats import FakeChat
from .entities import image_mime_type, public_message, utf16_len, visible_text

if TYPE_CHECKING:
    from .server import FakeTelegram


def _format_message(message: dict[str, Any]) -> str:
    who = "bot" if message.get("from", {}).get("is_bot") else "user"
    kind = next(
        (k for k in ("photo", "document", "sticker", "voice", "contact") if k in message), None
    )
    text = visible_text(message)
    line = f"  #{message['message_id']} {who}"
    if kind:
        line += f" [{kind}]"
    if message.get("deleted"):
        line += " (deleted)"
    if message.get("edit_date"):
        line += " (edited)"
    line += f": {text[:300]!r}"
    markup = message.get("reply_markup") or {}
    if markup.get("inline_keyboard"):
        line += f" buttons={[b.get('text') for row in markup['inline_keyboard'] for b in row]}"
    return line


@dataclass(eq=False)
class FakeUser:
    """A simulated Telegram user talking to the bot; private chat id == user id."""

    server: FakeTelegram = field(repr=False)
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    phone_number: str
    _mark: int = field(default=0, init=False, repr=False)

    @property
    def info(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def chat(self) -> FakeChat:
        """The private chat with the bot."""
        return self.server._private_chat(self)

    def _chat(self, chat: FakeChat | int | None) -> FakeChat:
        if chat is None:
            return self.chat
        if isinstance(chat, FakeChat):
            return chat
        return self.server.chats[chat]

    def mark(self) -> None:
        """wait_for() only matches bot messages sent or edited after this call."""
        self._mark = self.server._seq

    # ---------------------------------------------------------------- sending

    async def _send(self, content: dict[str, Any], chat: FakeChat | int | None) -> dict[str, Any]:
        self.mark()
        target = self._chat(chat)
        return self.server._user_message(self, target, content)

    async def send(
        self,
        text: str,
        *,
        chat: FakeChat | int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """A text message; a leading /command gets its bot_command entity. `reply_to` (a message
        of that chat, or its id) makes it a reply, as Telegram's "Reply" does."""
        content: dict[str, Any] = {"text": text}
        match = USER_COMMAND_RE.match(text)
        if match:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}
            ]
        if reply_to is not None:
            target = self._chat(chat)
            message_id = reply_to["message_id"] if isinstance(reply_to, dict) else reply_to
            original = target.messages.get(message_id)
            if original is None or original.get("deleted"):
                raise AssertionError(
                    f"message #{message_id} to reply to is not in chat {target.id}"
                    + self._describe(target)
                )
            content["reply_to_message"] = {
                k: v for k, v in public_message(original).items() if k != "reply_to_message"
            }
        return await self._send(content, chat)

    async def send_sticker(self, *, chat: FakeChat | int | None = None) -> dict[str, Any]:
        record = self.server._store_file("sticker", b"sticker")
        content = {"sticker": {**self.server._file_object(record), "emoji": "👍"}}
        return await self._send(content, chat)

    async def send_photo(
        self, caption: str | None = None, *, chat: FakeChat | int | None = None
    ) -> dict[str, Any]:
        record = self.server._store_file("photo", b"\x89PNG fake photo")
        content = self.server._media_content("photo", record)
        if caption:
            content["caption"] = caption
        return await self._send(content, chat)

    async def send_document(
        self,
        file_name: str = "a.pdf",
        *,
        content: bytes = b"%PDF-1.4 fake",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        chat: FakeChat | int | None = None,
    ) -> dict[str, Any]:
        record = self.server._store_file("document", content, file_name, mime_type)
        message: dict[str, Any] = {"document": self.server._file_object(record)}
        if caption:
            message["caption"] = caption
        return await self._send(message, chat)

    async def send_voice(self, *, chat: FakeChat | int | None = None) -> dict[str, Any]:
        record = self.server._store_file("voice", b"OggS fake voice")
        return await self._send({"voice": self.server._file_object(record)}, chat)

    async def send_contact(
        self,
        phone_number: str | None = None,
        user_id: int | None = None,
        *,
        first_name: str | None = None,
        chat: FakeChat | int | None = None,
    ) -> dict[str, Any]:
        """A shared contact; user_id defaults to the sender (pass another id to forge one)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number or self.phone_number,
            "first_name": first_name or self.first_name,
            "user_id": self.id if user_id is None else user_id,
        }
        if self.last_name and first_name is None:
            contact["last_name"] = self.last_name
        return await self._send({"contact": contact}, chat)

    # ---------------------------------------------------------------- buttons

    def _find_message(
        self,
        chat: FakeChat,
        message: dict[str, Any] | int | None,
        *,
        inline: bool,
    ) -> dict[str, Any]:
        if message is not None:
            message_id = message["message_id"] if isinstance(message, dict) else message
            found: dict[str, Any] | None = chat.messages.get(message_id)
            if found is None or found.get("deleted"):
                raise AssertionError(
                    f"message #{message_id} is not in chat {chat.id}" + self._describe(chat)
                )
            return found
        candidate: dict[str, Any]
        for candidate in reversed(chat.bot_messages()):
            if not inline or (candidate.get("reply_markup") or {}).get("inline_keyboard"):
                return candidate
        raise AssertionError(
            f"no bot message{' with an inline keyboard' if inline else ''} in chat {chat.id}"
            + self._describe(chat)
        )

    async def click(
        self,
        text_regex: str,
        *,
        message: dict[str, Any] | int | None = None,
        chat: FakeChat | int | None = None,
    ) -> str:
        """Press the inline button matching `text_regex`; returns the callback query id."""
        target = self._chat(chat)
        found = self._find_message(target, message, inline=True)
        rows = (found.get("reply_markup") or {}).get("inline_keyboard") or []
        buttons = [button for row in rows for button in row]
        for button in buttons:
            if re.search(text_regex, button.get("text", "")):
                if "callback_data" not in button:
                    raise AssertionError(f"button {button!r} has no callback_data")
                self.mark()
                return self.server._callback(self, target, found, button["callback_data"])
        raise AssertionError(
            f"no inline button matching {text_regex!r} on message #{found['message_id']}; "
            f"buttons: {[b.get('text') for b in buttons]}" + self._describe(target)
        )

    async def send_callback(
        self,
        data: str,
        message_id: int | None = None,
        *,
        chat: FakeChat | int | None = None,
    ) -> str:
        """An arbitrary (possibly forged) callback query on a message (default: the last one)."""
        target = self._chat(chat)
        if message_id is None:
            found = self._find_message(target, None, inline=False)
        else:
            found = target.messages.get(message_id) or {
                "message_id": message_id,
                "chat": target.info,
                "date": 0,
            }
        self.mark()
        return self.server._callback(self, target, found, data)

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]] | None:
        """Rows of the reply keyboard shown now (buttons as dicts with 'text'), or None."""
        markup = self.chat.reply_keyboard
        if markup is None:
            return None
        return [
            [button if isinstance(button, dict) else {"text": button} for button in row]
            for row in markup["keyboard"]
        ]

    async def press_reply_button(
        self, text_regex: str, *, chat: FakeChat | int | None = None
    ) -> dict[str, Any]:
        """Press a reply-keyboard button: sends its text, or the own contact for request_contact."""
        target = self._chat(chat)
        markup = target.reply_keyboard
        if markup is None:
            raise AssertionError(
                f"no reply keyboard is shown in chat {target.id}" + self._describe(target)
            )
        rows = [
            [button if isinstance(button, dict) else {"text": button} for button in row]
            for row in markup["keyboard"]
        ]
        for row in rows:
            for button in row:
                if re.search(text_regex, button["text"]):
                    if markup.get("one_time_keyboard"):
                        self.server._set_reply_keyboard(target, None)
                    if button.get("request_contact"):
                        return await self.send_contact(chat=target)
                    return await self.send(button["text"], chat=target)
        raise AssertionError(
            f"no reply button matching {text_regex!r}; keyboard: "
            f"{[[b['text'] for b in row] for row in rows]}"
        )

    # ---------------------------------------------------------------- the sandbox page's actions
    # What a person can do in a Telegram client, refused (ClientRefused) where a client would
    # not let them: a press can only name a button the message shows now.

    def _client_chat(self, chat_id: int) -> FakeChat:
        if chat_id == self.id:
            return self.chat
        chat = self.server.chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise ClientRefused("chat_not_found", f"chat {chat_id} is not open to this user")
        return chat

    def _client_reply_to(self, chat: FakeChat, reply_to: int | None) -> int | None:
        if reply_to is None:
            return None
        original = chat.messages.get(reply_to)
        if original is None or original.get("deleted"):
            raise ClientRefused(
                "reply_not_found", f"message #{reply_to} to reply to is not in chat {chat.id}"
            )
        return reply_to

    async def write(
        self, text: str, *, chat_id: int, reply_to: int | None = None
    ) -> dict[str, Any]:
        """Type and send a text message (a reply when `reply_to` is a message id)."""
        chat = self._client_chat(chat_id)
        if not text.strip():
            raise ClientRefused("text_empty", "the message is empty")
        if utf16_len(text) > TEXT_LIMIT:
            raise ClientRefused("text_too_long", f"a message holds at most {TEXT_LIMIT} characters")
        return await self.send(text, chat=chat, reply_to=self._client_reply_to(chat, reply_to))

    async def send_file(
        self,
        content: bytes,
        *,
        chat_id: int,
        file_name: str,
        mime_type: str | None,
        as_photo: bool,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """Send uploaded bytes as a photo (when they are an image) or as a document."""
        chat = self._client_chat(chat_id)
        if len(content) > UPLOAD_LIMIT:
            raise ClientRefused("file_too_large", "a file is at most 20 MB here")
        if not content:
            raise ClientRefused("file_empty", "the file is empty")
        if caption and utf16_len(caption) > CAPTION_LIMIT:
            raise ClientRefused(
                "caption_too_long", f"a caption holds at most {CAPTION_LIMIT} characters"
            )
        reply_id = self._client_reply_to(chat, reply_to)
        image_type = image_mime_type(content)
        if as_photo and image_type is not None and len(content) <= PHOTO_LIMIT:
            record = self.server._store_file("photo", content, file_name, image_type)
            message = self.server._media_content("photo", record)
        else:
            record = self.server._store_file(
                "document", content, file_name, mime_type or "application/octet-stream"
            )
            message = {"document": self.server._file_object(record)}
        if caption:
            message["caption"] = caption
        if reply_id is not None:
            original = chat.messages[reply_id]
            message["reply_to_message"] = {
                k: v for k, v in public_message(original).items() if k != "reply_to_message"
            }
        return await self._send(message, chat)

    async def share_contact(self, *, chat_id: int) -> dict[str, Any]:
        """Share the own phone number (what a request_contact button sends)."""
        return await self.send_contact(chat=self._client_chat(chat_id))

    async def press(self, *, chat_id: int, message_id: int, row: int, column: int) -> str:
        """Press the inline button at (row, column) of a message as shown now; returns the
        callback query id."""
        chat = self._client_chat(chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.get("deleted"):
            raise ClientRefused("message_not_found", f"message #{message_id} is not in the chat")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        if not 0 <= row < len(rows) or not 0 <= column < len(rows[row]):
            raise ClientRefused(
                "button_gone", f"message #{message_id} has no button at row {row}, column {column}"
            )
        button = rows[row][column]
        if "callback_data" not in button:
            raise ClientRefused("not_callback_button", "this button opens a link")
        self.mark()
        return self.server._callback(self, chat, message, str(button["callback_data"]))

    async def press_reply_key(self, text: str, *, chat_id: int) -> dict[str, Any]:
        """Press the reply-keyboard button with exactly this text."""
        chat = self._client_chat(chat_id)
        markup = chat.reply_keyboard
        if markup is None:
            raise ClientRefused("no_reply_keyboard", "no keyboard is shown in this chat")
        for row in markup["keyboard"]:
            for item in row:
                button = item if isinstance(item, dict) else {"text": item}
                if button.get("text") != text:
                    continue
                if markup.get("one_time_keyboard"):
                    self.server._set_reply_keyboard(chat, None)
                if button.get("request_contact"):
                    return await self.send_contact(chat=chat)
                return await self.send(text, chat=chat)
        raise ClientRefused("button_gone", "the keyboard has no such button")

    # ---------------------------------------------------------------- observing

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message of the private chat in its current state (including deleted ones)."""
        return list(self.chat.messages.values())

    def last_message(self, *, chat: FakeChat | int | None = None) -> dict[str, Any] | None:
        """The last bot message that is still shown."""
        bot_messages = self._chat(chat).bot_messages()
        return bot_messages[-1] if bot_messages else None

    def buttons(
        self, message: dict[str, Any] | int | None = None, *, chat: FakeChat | int | None = None
    ) -> list[str]:
        """Inline button texts of `message` (default: the last bot message with buttons)."""
        target = self._chat(chat)
        try:
            found = self._find_message(target, message, inline=message is None)
        except AssertionError:
            return []
        rows = (found.get("reply_markup") or {}).get("inline_keyboard") or []
        return [button.get("text", "") for row in rows for button in row]

    def _describe(self, chat: FakeChat, count: int = 8) -> str:
        messages = list(chat.messages.values())[-count:]
        lines = [_format_message(m) for m in messages] or ["  (no messages)"]
        text = f"\nlast messages of chat {chat.id}:\n" + "\n".join(lines)
        if self.server.violations:
            text += f"\nBot API violations: {self.server.violations[-5:]}"
        return text

    async def wait_for(
        self,
        pattern: str,
        timeout: float = 10,  # noqa: ASYNC109
        *,
        chat: FakeChat | int | None = None,
    ) -> dict[str, Any]:
        """The first bot message sent or edited since mark() whose text matches `pattern`."""
        target = self._chat(chat)
        regex = re.compile(pattern, re.S)
        mark = self._mark

        def find() -> dict[str, Any] | None:
            for seq, snapshot in target.events:
                if seq > mark and regex.search(visible_text(snapshot)):
                    return snapshot
            return None

        found: dict[str, Any] = await self.server._wait_or_fail(
            find,
            timeout,
            lambda: (
                f"no bot message matching {pattern!r} within {timeout}s in chat {target.id}"
                + self._describe(target)
            ),
        )
        return found

    async def wait_answer(self, callback_id: str, timeout: float = 10) -> dict[str, Any]:  # noqa: ASYNC109
        """What the bot answered to that callback query: {'text', 'show_alert', ...}."""
        query = self.server._callbacks[callback_id]

        def answered() -> dict[str, Any] | None:
            return query.answer if query.answered else None

        result: dict[str, Any] = await self.server._wait_or_fail(
            answered,
            timeout,
            lambda: (
                f"callback query {callback_id} (data {query.data!r}) was not answered "
                f"within {timeout}s" + self._describe(self._chat(query.chat_id))
            ),
        )
        return result
