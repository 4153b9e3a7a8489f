"""Bot API methods on text messages: sending, editing, deleting, answering callback
queries, and the checks they share (targets, text, keyboards, replies).
"""

from __future__ import annotations

import json
import time
from typing import Any

from .api import (
    CALLBACK_ANSWER_LIMIT,
    CALLBACK_DATA_LIMIT,
    CAPTION_LIMIT,
    INLINE_BUTTONS_LIMIT,
    INLINE_ROW_LIMIT,
    NOT_MODIFIED,
    QUERY_INVALID,
    TEXT_LIMIT,
    TOKEN_RE,
    bad_request,
)
from .chats import FakeChat
from .entities import parse_text, public_message
from .http import HttpFront


class MessageMethods(HttpFront):
    """sendMessage, the edit methods, deleteMessage and answerCallbackQuery."""

    def _bot_user(self, token: str) -> dict[str, Any]:
        match = TOKEN_RE.match(token)
        bot_id = int(match.group(1)) if match else 0
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Hromada Test Bot",
            "username": "hromada_test_bot",
        }

    def _target_chat(self, params: dict[str, Any], key: str = "chat_id") -> FakeChat:
        chat_id = params.get(key)
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _message(self, chat: FakeChat, message_id: Any, what: str) -> dict[str, Any]:
        if not isinstance(message_id, int):
            raise bad_request(
                f"message to {what} not found" if message_id else "message_id is empty"
            )
        message = chat.messages.get(message_id)
        if message is None or message.get("deleted"):
            raise bad_request(f"message to {what} not found")
        return message

    def _editable_message(self, params: dict[str, Any]) -> tuple[FakeChat, dict[str, Any]]:
        """The chat and the bot's own message an edit method names (inline messages: none)."""
        if params.get("inline_message_id"):
            raise bad_request("message to edit not found")
        chat = self._target_chat(params)
        message = self._message(chat, params.get("message_id"), "edit")
        if not message.get("from", {}).get("is_bot"):
            raise bad_request("message can't be edited")
        return chat, message

    def _text_content(
        self, params: dict[str, Any], text_key: str, entities_key: str, limit: int
    ) -> tuple[str, list[dict[str, Any]]]:
        source = params.get(text_key) or ""
        visible, entities = parse_text(source, params.get("parse_mode"), params.get(entities_key))
        if text_key == "text" and not visible.strip():
            raise bad_request("message text is empty")
        if len(visible) > limit:
            raise bad_request(
                "message is too long" if text_key == "text" else "message caption is too long"
            )
        return visible, entities

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            total = sum(len(row) for row in rows)
            if total > INLINE_BUTTONS_LIMIT:
                raise bad_request("reply markup is too long")
            for row in rows:
                if len(row) > INLINE_ROW_LIMIT:
                    raise bad_request("too many inline keyboard buttons in a row")
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise bad_request(
                            "can't parse inline keyboard button: Text buttons are "
                            "unallowed in the inline keyboard"
                        )
                    if "callback_data" in button:
                        size = len(str(button["callback_data"]).encode())
                        if size == 0 or size > CALLBACK_DATA_LIMIT:
                            raise bad_request("BUTTON_DATA_INVALID")
                    elif not any(
                        key in button
                        for key in (
                            "url",
                            "web_app",
                            "login_url",
                            "switch_inline_query",
                            "switch_inline_query_current_chat",
                            "switch_inline_query_chosen_chat",
                            "copy_text",
                            "callback_game",
                            "pay",
                        )
                    ):
                        raise bad_request(
                            "can't parse inline keyboard button: "
                            "InlineKeyboardButton must have exactly one optional field"
                        )
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request("can't parse reply keyboard markup JSON object")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not text:
                        raise bad_request("keyboard button text must be non-empty")
        return markup

    def _apply_reply_markup(
        self, chat: FakeChat, markup: dict[str, Any] | None, content: dict[str, Any]
    ) -> None:
        """Reply keyboards change the chat; an inline keyboard goes on the new message's
        `content`."""
        if markup is None:
            return
        if "keyboard" in markup:
            self._set_reply_keyboard(chat, markup)
        elif markup.get("remove_keyboard"):
            self._set_reply_keyboard(chat, None)
        if "inline_keyboard" in markup:
            content["reply_markup"] = markup

    def _message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        """A text message's content from the request's text, parse_mode and entities."""
        text, entities = self._text_content(params, "text", "entities", TEXT_LIMIT)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        content["parse_mode"] = params.get("parse_mode")
        content["source_text"] = params.get("text")
        return content

    def _reply_to(self, chat: FakeChat, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id") if isinstance(reply, dict) else None
        message_id = message_id or params.get("reply_to_message_id")
        if not message_id:
            return None
        message = chat.messages.get(message_id)
        if message is None or message.get("deleted"):
            if isinstance(reply, dict) and reply.get("allow_sending_without_reply"):
                return None
            if params.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in public_message(message).items() if k != "reply_to_message"}

    def _record_bot_message(
        self, token: str, chat: FakeChat, content: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": self._bot_user(token),
            "chat": chat.info,
            "date": int(time.time()),
        }
        reply_to = self._reply_to(chat, params)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        message["deleted"] = False
        chat.messages[message["message_id"]] = message
        chat.events.append((self._next_seq(), json.loads(json.dumps(message))))
        self._notify()
        self._emit_message("message", chat, message)
        return message

    def _edit_markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The keyboard an edit sets: only an inline one (or none) can be edited in."""
        markup = self._check_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return markup

    def _apply_edit(
        self,
        chat: FakeChat,
        message: dict[str, Any],
        replaced: tuple[str, ...],
        content: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Edit the message: the `replaced` keys go, `content` comes in, and the keyboard is
        `markup` (an edit without reply_markup drops it); returns it as the API shows it."""
        for key in (*replaced, "reply_markup"):
            message.pop(key, None)
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self._record_edit(chat, message)
        return public_message(message)

    def _record_edit(self, chat: FakeChat, message: dict[str, Any]) -> None:
        message["edit_date"] = int(time.time())
        chat.events.append((self._next_seq(), json.loads(json.dumps(message))))
        self._notify()
        self._emit_message("edit", chat, message)

    def _caption_content(self, params: dict[str, Any]) -> dict[str, Any]:
        content: dict[str, Any] = {}
        if params.get("caption"):
            caption, entities = self._text_content(
                params, "caption", "caption_entities", CAPTION_LIMIT
            )
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
            content["parse_mode"] = params.get("parse_mode")
            content["source_text"] = params["caption"]
        return content

    async def _m_sendMessage(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        content = self._message_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        self._apply_reply_markup(chat, markup, content)
        return public_message(self._record_bot_message(token, chat, content, params))

    async def _m_editMessageText(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat, message = self._editable_message(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        content = self._message_text(params)
        markup = self._edit_markup(params)
        if (
            content["text"] == message.get("text")
            and content.get("entities", []) == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(chat, message, ("entities",), content, markup)

    async def _m_editMessageCaption(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat, message = self._editable_message(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        caption_content = self._caption_content(params)
        markup = self._check_markup(params.get("reply_markup"))
        if (
            caption_content.get("caption") == message.get("caption")
            and caption_content.get("caption_entities") == message.get("caption_entities")
            and markup == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(
            chat, message, ("caption", "caption_entities"), caption_content, markup
        )

    async def _m_editMessageReplyMarkup(
        self, token: str, params: dict[str, Any], files: Any
    ) -> Any:
        chat, message = self._editable_message(params)
        markup = self._edit_markup(params)
        if markup == {"inline_keyboard": []}:
            markup = None
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(chat, message, (), {}, markup)

    async def _m_deleteMessage(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        message = self._message(chat, params.get("message_id"), "delete")
        message["deleted"] = True
        self._next_seq()
        self._notify()
        self._emit({"type": "delete", "chat_id": chat.id, "message_id": message["message_id"]})
        return True

    async def _m_answerCallbackQuery(self, token: str, params: dict[str, Any], files: Any) -> Any:
        query = self._callbacks.get(str(params.get("callback_query_id", "")))
        if query is None or query.answered:
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.get("text") or ""
        if len(text) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            "text": text or None,
            "show_alert": bool(params.get("show_alert", False)),
            "url": params.get("url"),
            "cache_time": params.get("cache_time", 0),
        }
        self._notify()
        self._emit(
            {
                "type": "callback_answer",
                "chat_id": query.chat_id,
                "message_id": query.message_id,
                "user_id": query.user_id,
                **query.answer,
            }
        )
        return True
