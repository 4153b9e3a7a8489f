"""The Bot API as the fake Telegram answers it: limits, error texts, how request fields
are decoded, and the error answers.
"""

from __future__ import annotations

import re
from typing import Any

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
INLINE_BUTTONS_LIMIT = 100
INLINE_ROW_LIMIT = 8
CALLBACK_ANSWER_LIMIT = 200
COMMANDS_LIMIT = 100
WEBHOOK_MAX_CONNECTIONS = 40  # setWebhook's default
DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120
UPLOAD_LIMIT = 20 * 1024 * 1024  # what the sandbox page accepts from the browser
PHOTO_LIMIT = 10 * 1024 * 1024  # larger images go as documents, as Telegram's clients send them

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
DEACTIVATED = "Forbidden: user is deactivated"
SERVER_ERRORS = ((500, "Internal Server Error"), (502, "Bad Gateway"))
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

TOKEN_RE = re.compile(r"^(\d+):(.+)$")
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
USER_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")

# How form fields are decoded: aiogram sends nested objects as JSON strings, booleans as
# "true"/"false" and numbers as decimal strings.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "media",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
        "results",
        "message_ids",
    }
)
BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "show_caption_above_media",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "allow_paid_broadcast",
        "revoke",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "duration",
        "width",
        "height",
        "max_connections",
    }
)
# Methods that put a new message into a chat: what the limits mode counts and throttles
# (edits, chat actions and callback answers are not counted).
SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
        "sendsticker",
        "sendvoice",
    }
)
# Methods that deliver something into a chat: refused with 403 while the chat is blocked.
DELIVERY_METHODS = SEND_METHODS | {
    "sendchataction",
    "editmessagetext",
    "editmessagereplymarkup",
    "editmessagecaption",
    "editmessagemedia",
}
# Keys of stored messages that describe the fake's state, not the Bot API object.
INTERNAL_KEYS = ("deleted", "parse_mode", "source_text")
# Methods whose `message_id` names an existing message the violation is shown on.
MESSAGE_METHODS = frozenset(
    {
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "editmessagemedia",
        "deletemessage",
    }
)
# A live client that does not read its events for this long a backlog is told to refetch instead.
EVENT_QUEUE_SIZE = 500
VIOLATION_LOG_SIZE = 1000
# How long state changes gather before one write of the state file.
SAVE_DELAY = 0.3


class ApiError(Exception):
    """An error answer of the Bot API: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters or {}

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            data["parameters"] = self.parameters
        return data


class ClientRefused(Exception):
    """An action a Telegram client would not let the person take (`code` for the page)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")
