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
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import random
import re
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
from aiohttp import web

from .state_file import StateFile

__all__ = [
    "ApiError",
    "ClientRefused",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "LimitStats",
    "SendLimits",
    "visible_text",
]

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

_TOKEN_RE = re.compile(r"^(\d+):(.+)$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_USER_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")

# How form fields are decoded: aiogram sends nested objects as JSON strings, booleans as
# "true"/"false" and numbers as decimal strings.
_JSON_FIELDS = frozenset(
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
_BOOL_FIELDS = frozenset(
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
_INT_FIELDS = frozenset(
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
# Methods that deliver something into a chat: refused with 403 while the chat is blocked.
_DELIVERY_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
        "sendchataction",
        "sendsticker",
        "sendvoice",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "editmessagemedia",
    }
)
# Methods that put a new message into a chat: what the limits mode counts and throttles
# (edits, chat actions and callback answers are not counted).
_SEND_METHODS = frozenset(
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
# Keys of stored messages that describe the fake's state, not the Bot API object.
_INTERNAL_KEYS = ("deleted", "parse_mode", "source_text")
# Methods whose `message_id` names an existing message the violation is shown on.
_MESSAGE_METHODS = frozenset(
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

_log = logging.getLogger(__name__)


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


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- entity parsing


class _HtmlEntities(HTMLParser):
    """Telegram's HTML parse mode: the visible text and its entities, or ApiError."""

    _TYPES: ClassVar[dict[str, str]] = {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "code": "code",
        "pre": "pre",
        "a": "text_link",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
        "blockquote": "blockquote",
        "tg-emoji": "custom_emoji",
    }
    _NAMED: ClassVar[dict[str, str]] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.parts: list[str] = []
        self._visible_len = 0  # UTF-16 code units of visible text so far
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.entities: list[dict[str, Any]] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        index = self._line_starts[line - 1] + column
        return len(self.source[:index].encode())

    def _fail(self, message: str) -> None:
        raise _bad(f"can't parse entities: {message}")

    def _text(self, text: str) -> None:
        self.parts.append(text)
        self._visible_len += _utf16_len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._TYPES:
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        attributes = dict(attrs)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            self._fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset()}'
            )
        self.stack.append((tag, attributes, self._visible_len))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}/" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, attributes, start = self.stack.pop()
        if open_tag != tag:
            self._fail(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        length = self._visible_len - start
        if length == 0:
            return
        kind = self._TYPES[tag]
        entity: dict[str, Any] = {"type": kind, "offset": start, "length": length}
        if tag == "a":
            href = attributes.get("href") or ""
            match = re.match(r"^tg://user\?id=(\d+)$", href)
            if match:
                entity = {
                    "type": "text_mention",
                    "offset": start,
                    "length": length,
                    "user": {"id": int(match.group(1)), "is_bot": False, "first_name": "User"},
                }
            elif not href:
                return
            else:
                entity["url"] = href
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            css_class = attributes.get("class") or ""
            language = css_class.removeprefix("language-")
            if language and css_class.startswith("language-"):
                self._pre_language: str | None = language
                return
        elif tag == "pre":
            pre_language: str | None = getattr(self, "_pre_language", None)
            if pre_language:
                entity["language"] = pre_language
                self._pre_language = None
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            index = data.index("<")
            self._fail(
                f"Unsupported start tag at byte offset "
                f"{self._byte_offset() + len(data[:index].encode())}"
            )
        self._text(data)

    def handle_entityref(self, name: str) -> None:
        self._text(self._NAMED.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self._text(chr(code))
        except (ValueError, OverflowError):
            self._text(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self._fail(f'Unsupported start tag "!--" at byte offset {self._byte_offset()}')

    def handle_decl(self, decl: str) -> None:
        self._fail(f'Unsupported start tag "!" at byte offset {self._byte_offset()}')

    def handle_pi(self, data: str) -> None:
        self._fail(f'Unsupported start tag "?" at byte offset {self._byte_offset()}')

    def unknown_decl(self, data: str) -> None:
        self._fail(f'Unsupported start tag "!" at byte offset {self._byte_offset()}')

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        self.feed(self.source)
        self.close()
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def _parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    """MarkdownV2: visible text (entities are not reconstructed) and the reserved-char check."""
    out: list[str] = []
    open_marks: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            if i + 1 < len(source):
                out.append(source[i + 1])
            i += 2
            continue
        if char == "`":
            fence = "```" if source.startswith("```", i) else "`"
            end = source.find(fence, i + len(fence))
            if end < 0:
                raise _bad(
                    f"can't parse entities: Can't find end of the entity starting at byte "
                    f"offset {len(source[:i].encode())}"
                )
            body = source[i + len(fence) : end]
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                body = rest if first and " " not in first else body
            out.append(re.sub(r"\\(.)", r"\1", body))
            i = end + len(fence)
            continue
        for mark in ("__", "||", "*", "_", "~"):
            if source.startswith(mark, i):
                if open_marks and open_marks[-1] == mark:
                    open_marks.pop()
                else:
                    open_marks.append(mark)
                i += len(mark)
                break
        else:
            if char == "[":
                open_marks.append("[")
                i += 1
            elif char == "]" and open_marks and open_marks[-1] == "[":
                open_marks.pop()
                if not source.startswith("(", i + 1):
                    raise _bad("can't parse entities: Can't find end of a URL")
                end = source.find(")", i + 2)
                if end < 0:
                    raise _bad("can't parse entities: Can't find end of a URL")
                i = end + 1
            elif char in _MD2_RESERVED:
                raise _bad(
                    f"can't parse entities: Character '{char}' is reserved and must be escaped "
                    "with the preceding '\\'"
                )
            else:
                out.append(char)
                i += 1
    if open_marks:
        raise _bad(
            "can't parse entities: Can't find end of the entity starting at byte offset "
            f"{len(source.encode()) - 1}"
        )
    return "".join(out), []


def _parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", source)
    return re.sub(r"(?<!\\)[*_`]", "", text).replace("\\", ""), []


def parse_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """The visible text and entities of `text` as Telegram stores them."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _HtmlEntities(text).parse()
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    if mode:
        raise _bad(f"unsupported parse_mode {parse_mode!r}")
    return text, list(entities or [])


def visible_text(message: dict[str, Any]) -> str:
    """The text or caption of a message as the user sees it."""
    return str(message.get("text") or message.get("caption") or "")


def image_mime_type(content: bytes) -> str | None:
    """The type of a PNG, JPEG, GIF or WebP image by its first bytes; None for anything else
    (an SVG or HTML file claiming to be a picture is not shown as one)."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key not in _INTERNAL_KEYS}


# --------------------------------------------------------------------------- state


@dataclass
class FakeChat:
    """One chat as the fake keeps it: every message in its current state."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None
    # (sequence number, snapshot) of every bot send and edit, in order
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    last_message_id: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def info(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def next_message_id(self) -> int:
        self.last_message_id = next(self._ids)
        return self.last_message_id

    def continue_ids_after(self, last_message_id: int) -> None:
        """Message ids go on from `last_message_id` (a chat restored from the state file)."""
        self.last_message_id = last_message_id
        self._ids = itertools.count(last_message_id + 1)

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def bot_messages(self) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages.values()
            if m.get("from", {}).get("is_bot") and not m.get("deleted")
        ]


@dataclass(frozen=True)
class SendLimits:
    """Telegram's bulk-sending limits and faults, for `FakeTelegram(limits=...)`.

    Only sends (`_SEND_METHODS`) are limited. Beyond `global_per_second` accepted sends in the
    last second overall, or `per_chat_per_second` to one chat, the answer is 429 with
    `retry_after` = seconds until a slot frees (rounded up, at least 1). A fixed share of private
    chats (chosen by `seed` and the chat id, so the same chat always answers the same) is blocked
    (403 "bot was blocked by the user") or deactivated (403 "user is deactivated"); a share of
    send requests fails with 500/502 at random (nothing is delivered). `exempt_chats` (e.g. the
    staff member composing the announcement) are subject to the global limit only.
    """

    global_per_second: int = 30
    per_chat_per_second: int = 1
    forbidden_share: float = 0.0
    deactivated_share: float = 0.0
    server_error_share: float = 0.0
    seed: int = 0
    exempt_chats: frozenset[int] = frozenset()


@dataclass
class LimitStats:
    """What the limits mode answered: accepted sends and each kind of refusal."""

    accepted: int = 0
    too_many_global: int = 0
    too_many_per_chat: int = 0
    forbidden: int = 0
    server_errors: int = 0
    # (monotonic time, chat id) of every accepted send, in order
    deliveries: list[tuple[float, int]] = field(default_factory=list)
    retry_afters: list[int] = field(default_factory=list)
    # monotonic times of the first and the latest send request (any answer)
    first_request_at: float | None = None
    last_request_at: float | None = None

    @property
    def too_many(self) -> int:
        return self.too_many_global + self.too_many_per_chat


class _Limiter:
    """Sliding one-second windows of accepted sends, overall and per chat, and the faults."""

    WINDOW = 1.0

    def __init__(self, limits: SendLimits, stats: LimitStats) -> None:
        self.limits = limits
        self.stats = stats
        self._global: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}
        self._faults = random.Random(f"{limits.seed}:requests")
        self._chat_faults: dict[int, str | None] = {}

    def chat_fault(self, chat_id: int) -> str | None:
        """The 403 description this chat always answers, or None (stable per seed and chat)."""
        if chat_id in self._chat_faults:
            return self._chat_faults[chat_id]
        fault: str | None = None
        if chat_id > 0 and chat_id not in self.limits.exempt_chats:
            draw = random.Random(f"{self.limits.seed}:chat:{chat_id}").random()
            if draw < self.limits.forbidden_share:
                fault = BLOCKED
            elif draw < self.limits.forbidden_share + self.limits.deactivated_share:
                fault = DEACTIVATED
        self._chat_faults[chat_id] = fault
        return fault

    def clear_chat_fault(self, chat_id: int) -> None:
        self._chat_faults[chat_id] = None

    @staticmethod
    def _retry_after(oldest: float, now: float) -> int:
        return max(1, math.ceil(oldest + _Limiter.WINDOW - now))

    def check(self, chat_id: Any) -> ApiError | None:
        """None when the send may go ahead (its slot is taken), else the error to answer."""
        now = time.monotonic()
        if self.stats.first_request_at is None:
            self.stats.first_request_at = now
        self.stats.last_request_at = now
        if self.limits.server_error_share and (
            self._faults.random() < self.limits.server_error_share
        ):
            self.stats.server_errors += 1
            code, text = self._faults.choice(SERVER_ERRORS)
            return ApiError(code, text)
        while self._global and self._global[0] <= now - self.WINDOW:
            self._global.popleft()
        if len(self._global) >= self.limits.global_per_second:
            self.stats.too_many_global += 1
            return self._too_many(self._retry_after(self._global[0], now))
        chat_window: deque[float] | None = None
        if isinstance(chat_id, int) and chat_id not in self.limits.exempt_chats:
            chat_window = self._per_chat.setdefault(chat_id, deque())
            while chat_window and chat_window[0] <= now - self.WINDOW:
                chat_window.popleft()
            if len(chat_window) >= self.limits.per_chat_per_second:
                self.stats.too_many_per_chat += 1
                return self._too_many(self._retry_after(chat_window[0], now))
        # A refused (403) send still took Telegram's time: it counts against the windows too.
        self._global.append(now)
        if chat_window is not None:
            chat_window.append(now)
        fault = self.chat_fault(chat_id) if isinstance(chat_id, int) else None
        if fault is not None:
            self.stats.forbidden += 1
            return ApiError(403, fault)
        return None

    def _too_many(self, retry_after: int) -> ApiError:
        self.stats.retry_afters.append(retry_after)
        return ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def accepted(self, chat_id: Any) -> None:
        self.stats.accepted += 1
        self.stats.deliveries.append((time.monotonic(), chat_id))


@dataclass
class _Injection:
    method: str
    error: ApiError
    times: int
    chat_id: int | str | None


@dataclass
class _Callback:
    id: str
    chat_id: int
    message_id: int
    data: str
    user_id: int = 0
    answered: bool = False
    answer: dict[str, Any] | None = None


class FakeTelegram:
    """A Bot API server on 127.0.0.1 with simulated users. See module docstring."""

    def __init__(
        self,
        *,
        limits: SendLimits | None = None,
        keep_requests: bool = True,
        state_path: Path | None = None,
    ) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        # Whether `requests` keeps every request (a long benchmark can turn it off).
        self.keep_requests = keep_requests
        self.limit_stats = LimitStats()
        self._limiter: _Limiter | None = None
        if limits is not None:
            self.set_limits(limits)
        self.violations: list[tuple[str, str]] = []
        # The same violations with where they happened, for the sandbox page (newest kept).
        self.violation_log: deque[dict[str, Any]] = deque(maxlen=VIOLATION_LOG_SIZE)
        # every error answer, including injected ones and blocked chats: (method, code, text)
        self.errors: list[tuple[str, int, str]] = []
        self.conflicts = 0
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.chats: dict[int, FakeChat] = {}
        self.users: dict[int, FakeUser] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.member_status: dict[tuple[int, int], str] = {}
        self.base_url: str | None = None
        self.bot_id: int | None = None

        self._updates: list[dict[str, Any]] = []
        # Webhook mode: what the bot set, and where the test says that URL really is.
        self.webhook: dict[str, Any] | None = None
        self.webhook_target: str | None = None
        self.webhook_answers: list[int] = []
        # (update_id, HTTP status) of every delivery attempt answered; connection failures
        # (nothing answered) are counted in `webhook_failures` and retried.
        self.webhook_deliveries: list[tuple[int, int]] = []
        self.webhook_failures = 0
        self.webhook_max_connections = WEBHOOK_MAX_CONNECTIONS
        # Updates waiting for delivery, in order, per chat; a chat is in `_webhook_busy` while
        # one task delivers its queue one update after another.
        self._webhook_queues: dict[int, deque[dict[str, Any]]] = {}
        self._webhook_busy: set[int] = set()
        self._webhook_slots: asyncio.Semaphore | None = None
        self._webhook_session: aiohttp.ClientSession | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._update_ids = itertools.count(1)
        self._last_update_id = 0
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._state_file = StateFile(state_path) if state_path is not None else None
        self._save_handle: asyncio.TimerHandle | None = None
        self._dirty = False
        self._callbacks: dict[str, _Callback] = {}
        self._injections: list[_Injection] = []
        self._seq = 0
        self._changed = asyncio.Event()
        self._updates_changed = asyncio.Event()
        self._polled = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[..., Any]] = {
            name.lower(): getattr(self, f"_m_{name}")
            for name in (
                "getMe",
                "getUpdates",
                "deleteWebhook",
                "setWebhook",
                "getWebhookInfo",
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "editMessageCaption",
                "deleteMessage",
                "answerCallbackQuery",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "setMyDescription",
                "getMyDescription",
                "setMyShortDescription",
                "getMyShortDescription",
                "sendPhoto",
                "sendDocument",
                "sendMediaGroup",
                "copyMessage",
                "forwardMessage",
                "getChat",
                "getChatMember",
                "getFile",
                "sendChatAction",
                "close",
                "logOut",
                "editMessageMedia",
                "setChatMenuButton",
            )
        }
        if self._state_file is not None:
            state = self._state_file.load()
            try:
                self._restore(state)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                self._state_file.set_aside(f"unexpected content: {error!r}")
                self._forget_state()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the base URL for TELEGRAM_API_URL."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.base_url = f"http://127.0.0.1:{port}"
        if self._dirty:  # changes made before the loop ran (groups created at start-up)
            self._state_changed()
        return self.base_url

    async def stop(self) -> None:
        self.save_now()
        self._closing = True
        self._wake_pollers()
        for task in list(self._deliveries):
            task.cancel()
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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
            _Injection(
                method.lower(), ApiError(error_code, description, parameters), times, chat_id
            )
        )

    def set_limits(self, limits: SendLimits | None) -> None:
        """Turn the limits mode on (counting starts afresh) or off (None)."""
        self.limit_stats = LimitStats()
        self._limiter = None if limits is None else _Limiter(limits, self.limit_stats)

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

    # ------------------------------------------------------------------ live client (sandbox)

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        """A queue of change events (see `_emit`); bounded: a client that falls behind gets one
        `{"type": "resync"}` instead of the backlog and should refetch."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=EVENT_QUEUE_SIZE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)

    def _emit(self, event: dict[str, Any]) -> None:
        """Tell live clients what changed: message, edit, delete, callback_answer, violation,
        commands, reply_keyboard or reset (every event has `type`); the state file follows."""
        for queue in self._subscribers:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # Coalesce the backlog into one "refetch everything" so memory stays bounded.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait({"type": "resync"})
        self._state_changed()

    def _emit_message(self, kind: str, chat: FakeChat, message: dict[str, Any]) -> None:
        if not self._subscribers:  # a test or benchmark without a page: no view to build
            self._state_changed()
            return
        self._emit(
            {
                "type": kind,
                "chat_id": chat.id,
                "message_id": message["message_id"],
                "message": self.message_view(chat.id, message),
            }
        )

    def _set_reply_keyboard(self, chat: FakeChat, markup: dict[str, Any] | None) -> None:
        if chat.reply_keyboard == markup:
            return
        chat.reply_keyboard = markup
        self._emit({"type": "reply_keyboard", "chat_id": chat.id, "keyboard": markup})

    def message_view(self, chat_id: int, message: dict[str, Any]) -> dict[str, Any]:
        """A message as the page shows it: the Bot API object plus `deleted` and the
        violations of the bot's calls on it."""
        view: dict[str, Any] = json.loads(json.dumps(_public(message)))
        view["deleted"] = bool(message.get("deleted"))
        view["violations"] = [
            dict(entry)
            for entry in self.violation_log
            if entry["chat_id"] == chat_id and entry["message_id"] == message["message_id"]
        ]
        return view

    def chat_messages(self, chat_id: int, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The chat's messages (deleted ones too, marked) as the page shows them, oldest first."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        messages = list(chat.messages.values())
        if limit is not None:
            messages = messages[-limit:]
        return [self.message_view(chat_id, m) for m in messages]

    def chat_notes(self, chat_id: int) -> list[dict[str, Any]]:
        """Rejected calls aimed at the chat but at no message (a refused send, for example)."""
        return [
            dict(entry)
            for entry in self.violation_log
            if entry["chat_id"] == chat_id and entry["message_id"] is None
        ]

    def commands_for(
        self, chat_id: int, user_id: int, language_code: str | None
    ) -> list[dict[str, str]]:
        """The command menu a Telegram client shows this user in this chat: the narrowest scope
        that has commands, each scope tried in the user's language first, then without one."""
        chat = self.chats.get(chat_id)
        private = chat.type == "private" if chat is not None else chat_id > 0
        if private:
            scopes = [f"chat:{chat_id}", "all_private_chats", "default"]
        else:
            status = self.member_status.get((chat_id, user_id), "member")
            admin = status in ("administrator", "creator")
            scopes = [f"chat_member:{chat_id}:{user_id}"]
            if admin:
                scopes.append(f"chat_administrators:{chat_id}")
            scopes.append(f"chat:{chat_id}")
            if admin:
                scopes.append("all_chat_administrators")
            scopes += ["all_group_chats", "default"]
        languages = [language_code, ""] if language_code else [""]
        for scope in scopes:
            for language in languages:
                commands = self.commands.get((scope, language))
                if commands:
                    return [dict(c) for c in commands]
        return []

    def reset(self) -> None:
        """Forget every chat, message, file, command, description, pending update, callback
        and violation; live clients get a `reset` event; the state file is deleted.
        Update ids go on growing, so a bot that keeps polling misses nothing new."""
        last_update_id = self._last_update_id
        self._forget_state()
        self._last_update_id = last_update_id
        self._update_ids = itertools.count(last_update_id + 1)
        self.blocked.clear()
        self._updates.clear()
        self._callbacks.clear()
        self.violations.clear()
        self.errors.clear()
        self.requests.clear()
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        self._dirty = False
        if self._state_file is not None:
            self._state_file.delete()
        self._notify()
        self._emit({"type": "reset"})
        self._dirty = False  # nothing to write: an empty state is no state file

    # ------------------------------------------------------------------ internals: state file

    def _forget_state(self) -> None:
        """Empty what the state file holds."""
        self.chats.clear()
        self.files.clear()
        self.commands.clear()
        self.descriptions.clear()
        self.short_descriptions.clear()
        self.member_status.clear()
        self.violation_log.clear()
        self._last_update_id = 0
        self._update_ids = itertools.count(1)

    def _state_changed(self) -> None:
        """Schedule one write of the state file shortly (changes in a burst share it)."""
        if self._state_file is None:
            return
        self._dirty = True
        if self._save_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: written by the next change or by stop()
        self._save_handle = loop.call_later(SAVE_DELAY, self.save_now)

    def save_now(self) -> None:
        """Write the state file now if anything changed since the last write."""
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        if self._state_file is None or not self._dirty:
            return
        self._dirty = False
        try:
            self._state_file.save(self._snapshot(), self.files)
        except OSError as error:
            path = self._state_file.path
            _log.warning("could not save the emulator state to %s: %s", path, error)

    def _snapshot(self) -> dict[str, Any]:
        return {
            "chats": [
                {
                    **chat.info,
                    "last_message_id": chat.last_message_id,
                    "messages": list(chat.messages.values()),
                    "reply_keyboard": chat.reply_keyboard,
                }
                for chat in self.chats.values()
            ],
            "commands": [
                {"scope": scope, "language": language, "commands": commands}
                for (scope, language), commands in self.commands.items()
            ],
            "descriptions": self.descriptions,
            "short_descriptions": self.short_descriptions,
            "member_status": [
                [chat_id, user_id, status]
                for (chat_id, user_id), status in self.member_status.items()
            ],
            "violation_log": list(self.violation_log),
            "last_update_id": self._last_update_id,
        }

    def _restore(self, state: dict[str, Any] | None) -> None:
        if state is None:
            return
        for item in state.get("chats", []):
            chat = FakeChat(
                id=int(item["id"]),
                type=str(item["type"]),
                title=item.get("title"),
                first_name=item.get("first_name"),
                last_name=item.get("last_name"),
                username=item.get("username"),
                reply_keyboard=item.get("reply_keyboard"),
            )
            for message in item.get("messages", []):
                chat.messages[int(message["message_id"])] = message
            chat.continue_ids_after(int(item.get("last_message_id", 0)))
            self.chats[chat.id] = chat
        for item in state.get("commands", []):
            self.commands[(str(item["scope"]), str(item["language"]))] = list(item["commands"])
        self.descriptions.update(state.get("descriptions", {}))
        self.short_descriptions.update(state.get("short_descriptions", {}))
        for chat_id, user_id, status in state.get("member_status", []):
            self.member_status[(int(chat_id), int(user_id))] = str(status)
        self.violation_log.extend(state.get("violation_log", []))
        self.files.update(state.get("files", {}))
        self._last_update_id = int(state.get("last_update_id", 0))
        self._update_ids = itertools.count(self._last_update_id + 1)

    # ------------------------------------------------------------------ internals: waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _wake_pollers(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    async def _wait_until(self, predicate: Callable[[], Any], timeout: float) -> Any:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            result = predicate()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update_id = next(self._update_ids)
        self._last_update_id = max(self._last_update_id, update_id)
        update = {"update_id": update_id, kind: payload}
        self._updates.append(update)
        self._wake_pollers()
        if self.webhook is not None and self.webhook_target is not None:
            self._deliver_pending()
        return update

    def deliver_webhooks_to(self, url: str) -> None:
        """Where the bot's webhook URL really listens (its public https URL is not reachable).
        Updates queued meanwhile are delivered now."""
        self.webhook_target = url
        if self.webhook is not None and self._updates:
            self._deliver_pending()

    async def wait_webhook(self, timeout: float = 10) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait until the bot has called setWebhook; returns its url and secret_token."""
        return await self._wait_until(lambda: self.webhook, timeout)  # type: ignore[no-any-return]

    @property
    def webhook_queued(self) -> int:
        """Updates accepted by the fake and not yet delivered to the webhook."""
        return sum(len(queue) for queue in self._webhook_queues.values())

    async def wait_webhook_idle(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until every update pushed so far has been delivered (answered 2xx)."""
        try:
            await self._wait_until(
                lambda: True if not self._webhook_busy and not self._updates else None, timeout
            )
        except TimeoutError:
            raise AssertionError(
                f"webhook deliveries still pending after {timeout}s: {self.webhook_queued} "
                f"queued, {len(self._updates)} not handed over; failures {self.webhook_failures}"
            ) from None

    def _deliver_pending(self) -> None:
        """Hand queued updates to the webhook as Telegram does: POSTs with the secret-token
        header, concurrent across chats (at most `max_connections` at once) and one at a time,
        in order, within a chat; a delivery that fails (no answer or not 2xx) is retried."""
        if self.webhook_target is None:
            return
        updates, self._updates = self._updates, []
        for update in updates:
            key = _update_chat(update)
            self._webhook_queues.setdefault(key, deque()).append(update)
            if key not in self._webhook_busy:
                self._webhook_busy.add(key)
                task = asyncio.get_running_loop().create_task(self._drain_chat(key))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)

    async def _drain_chat(self, key: int) -> None:
        queue = self._webhook_queues[key]
        try:
            while queue:
                if self.webhook is None or self.webhook_target is None:
                    # deleteWebhook: what was not delivered waits for getUpdates again.
                    self._updates = sorted(
                        [*self._updates, *queue], key=lambda u: int(u["update_id"])
                    )
                    queue.clear()
                    self._wake_pollers()
                    break
                if await self._post_update(queue[0]):
                    queue.popleft()
                    self._notify()
        finally:
            self._webhook_busy.discard(key)
            if not queue:
                self._webhook_queues.pop(key, None)
            self._notify()

    async def _post_update(self, update: dict[str, Any]) -> bool:
        """POST one update until the webhook answers 2xx (backing off between tries); False
        when the webhook was deleted first."""
        delay = 0.05
        while True:
            webhook, target = self.webhook, self.webhook_target
            if webhook is None or target is None:
                return False
            headers = {}
            if webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(webhook["secret_token"])
            if self._webhook_slots is None:
                self._webhook_slots = asyncio.Semaphore(self.webhook_max_connections)
            if self._webhook_session is None or self._webhook_session.closed:
                self._webhook_session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=0)
                )
            async with self._webhook_slots:
                try:
                    async with self._webhook_session.post(
                        target, json=update, headers=headers
                    ) as answer:
                        status = answer.status
                        await answer.read()
                except (aiohttp.ClientError, OSError):
                    status = 0
            if status:
                self.webhook_answers.append(status)
                self.webhook_deliveries.append((int(update["update_id"]), status))
            else:
                self.webhook_failures += 1
            if 200 <= status < 300:
                return True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    # ------------------------------------------------------------------ internals: HTTP

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        raw: dict[str, Any] = {}
        files: dict[str, dict[str, Any]] = {}
        if request.method == "GET":
            raw.update(request.query)
        elif request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                body = await request.json()
                raw.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = {
                            "filename": value.filename,
                            "content_type": value.content_type,
                            "content": value.file.read(),
                        }
                    else:
                        raw[key] = value
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key in _JSON_FIELDS:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    raise _bad(f"can't parse {key} JSON object") from None
            elif key in _BOOL_FIELDS:
                params[key] = str(value).lower() in ("true", "1")
            elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", str(value)):
                params[key] = int(value)
            else:
                params[key] = value
        return params, files

    @staticmethod
    def _json(data: dict[str, Any], status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(data, ensure_ascii=False),
            status=status,
            content_type="application/json",
        )

    def _error(
        self,
        method: str,
        error: ApiError,
        *,
        violation: bool,
        params: dict[str, Any] | None = None,
    ) -> web.Response:
        self.errors.append((method, error.error_code, error.description))
        if violation:
            self.violations.append((method, error.description))
            self._log_violation(method, error.description, params or {})
        return self._json(error.payload(), status=error.error_code)

    def _log_violation(self, method: str, description: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        message_id = params.get("message_id") if method.lower() in _MESSAGE_METHODS else None
        if method.lower() == "answercallbackquery":
            query = self._callbacks.get(str(params.get("callback_query_id", "")))
            if query is not None:
                chat_id, message_id = query.chat_id, query.message_id
        entry = {
            "method": method,
            "description": description,
            "chat_id": chat_id if isinstance(chat_id, int) else None,
            "message_id": message_id if isinstance(message_id, int) else None,
            "time": time.time(),
        }
        self.violation_log.append(entry)
        self._emit({"type": "violation", **entry})

    def _take_injection(self, method: str, params: dict[str, Any]) -> ApiError | None:
        for injection in self._injections:
            if injection.method != method.lower():
                continue
            if injection.chat_id is not None and str(injection.chat_id) != str(
                params.get("chat_id")
            ):
                continue
            injection.times -= 1
            if injection.times <= 0:
                self._injections.remove(injection)
            return injection.error
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        token_match = _TOKEN_RE.match(token)
        if token_match is None:
            return self._error(method, ApiError(401, "Unauthorized"), violation=True)
        self.bot_id = int(token_match.group(1))
        try:
            params, files = await self._read_params(request)
        except ApiError as error:
            return self._error(method, error, violation=True)
        if self.keep_requests:
            self.requests.append((method, params))
        handler = self._handlers.get(method.lower())
        if handler is None:
            return self._error(
                method, ApiError(404, "Not Found: method not found"), violation=True, params=params
            )
        injected = self._take_injection(method, params)
        if injected is not None:
            return self._error(method, injected, violation=False)
        if method.lower() in _DELIVERY_METHODS:
            chat_id = params.get("chat_id")
            if isinstance(chat_id, int) and chat_id in self.blocked:
                return self._error(method, ApiError(403, BLOCKED), violation=False)
        limited = self._limiter is not None and method.lower() in _SEND_METHODS
        if self._limiter is not None and limited:
            refused = self._limiter.check(params.get("chat_id"))
            if refused is not None:
                return self._error(method, refused, violation=False)
        try:
            result = await handler(token, params, files)
        except ApiError as error:
            return self._error(method, error, violation=error.error_code != 409, params=params)
        if self._limiter is not None and limited:
            self._limiter.accepted(params.get("chat_id"))
        return self._json({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for record in self.files.values():
            if record["file_path"] == path:
                return web.Response(body=record["content"])
        return web.Response(status=404, text="Not Found")

    # ------------------------------------------------------------------ internals: helpers

    def _bot_user(self, token: str) -> dict[str, Any]:
        match = _TOKEN_RE.match(token)
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
            raise _bad("chat_id is empty")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _message(self, chat: FakeChat, message_id: Any, what: str) -> dict[str, Any]:
        if not isinstance(message_id, int):
            raise _bad(f"message to {what} not found" if message_id else "message_id is empty")
        message = chat.messages.get(message_id)
        if message is None or message.get("deleted"):
            raise _bad(f"message to {what} not found")
        return message

    def _editable_message(self, params: dict[str, Any]) -> tuple[FakeChat, dict[str, Any]]:
        """The chat and the bot's own message an edit method names (inline messages: none)."""
        if params.get("inline_message_id"):
            raise _bad("message to edit not found")
        chat = self._target_chat(params)
        message = self._message(chat, params.get("message_id"), "edit")
        if not message.get("from", {}).get("is_bot"):
            raise _bad("message can't be edited")
        return chat, message

    def _text_content(
        self, params: dict[str, Any], text_key: str, entities_key: str, limit: int
    ) -> tuple[str, list[dict[str, Any]]]:
        source = params.get(text_key) or ""
        visible, entities = parse_text(source, params.get("parse_mode"), params.get(entities_key))
        if text_key == "text" and not visible.strip():
            raise _bad("message text is empty")
        if len(visible) > limit:
            raise _bad(
                "message is too long" if text_key == "text" else "message caption is too long"
            )
        return visible, entities

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            total = sum(len(row) for row in rows)
            if total > INLINE_BUTTONS_LIMIT:
                raise _bad("reply markup is too long")
            for row in rows:
                if len(row) > INLINE_ROW_LIMIT:
                    raise _bad("too many inline keyboard buttons in a row")
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise _bad(
                            "can't parse inline keyboard button: Text buttons are "
                            "unallowed in the inline keyboard"
                        )
                    if "callback_data" in button:
                        size = len(str(button["callback_data"]).encode())
                        if size == 0 or size > CALLBACK_DATA_LIMIT:
                            raise _bad("BUTTON_DATA_INVALID")
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
                        raise _bad(
                            "can't parse inline keyboard button: "
                            "InlineKeyboardButton must have exactly one optional field"
                        )
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse reply keyboard markup JSON object")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not text:
                        raise _bad("keyboard button text must be non-empty")
        return markup

    def _apply_reply_markup(self, chat: FakeChat, markup: dict[str, Any] | None) -> Any:
        """Reply keyboards change the chat; inline keyboards stay on the message."""
        if markup is None:
            return None
        if "keyboard" in markup:
            self._set_reply_keyboard(chat, markup)
        elif markup.get("remove_keyboard"):
            self._set_reply_keyboard(chat, None)
        if "inline_keyboard" in markup:
            return markup
        return None

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
            raise _bad("message to be replied not found")
        return {k: v for k, v in _public(message).items() if k != "reply_to_message"}

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

    def _record_edit(self, chat: FakeChat, message: dict[str, Any]) -> None:
        message["edit_date"] = int(time.time())
        chat.events.append((self._next_seq(), json.loads(json.dumps(message))))
        self._notify()
        self._emit_message("edit", chat, message)

    def _store_file(
        self,
        kind: str,
        content: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_id: str | None = None,
    ) -> dict[str, Any]:
        prefix = {"photo": "AgACAgIAAxk", "sticker": "CAACAgIAAxk", "voice": "AwACAgIAAxk"}.get(
            kind, "BQACAgIAAxk"
        )
        file_id = file_id or prefix + secrets.token_urlsafe(24)
        unique = "AQAD" + secrets.token_urlsafe(8)
        record = {
            "kind": kind,
            "file_id": file_id,
            "file_unique_id": unique,
            "file_size": len(content),
            "file_path": f"{kind}s/file_{len(self.files)}"
            + ("." + file_name.rsplit(".", 1)[1] if file_name and "." in file_name else ""),
            "file_name": file_name,
            "mime_type": mime_type,
            "content": content,
        }
        self.files[file_id] = record
        self._state_changed()
        return record

    def _file_object(self, record: dict[str, Any]) -> dict[str, Any]:
        kind = record["kind"]
        base = {
            "file_id": record["file_id"],
            "file_unique_id": record["file_unique_id"],
            "file_size": record["file_size"],
        }
        if kind == "photo":
            return {**base, "width": 1280, "height": 960}
        if kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        if kind == "voice":
            return {**base, "duration": 3, "mime_type": "audio/ogg"}
        document = dict(base)
        if record.get("file_name"):
            document["file_name"] = record["file_name"]
        if record.get("mime_type"):
            document["mime_type"] = record["mime_type"]
        return document

    def _input_file(
        self, value: Any, files: dict[str, dict[str, Any]], kind: str, field_name: str
    ) -> dict[str, Any]:
        """A file parameter: an upload ('attach://key'), a known file_id, or an HTTP URL."""
        if not value:
            raise _bad(f"there is no {field_name} in the request")
        value = str(value)
        if value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad(f"there is no {field_name} in the request")
            if kind == "photo" and len(upload["content"]) > 10 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            return self._store_file(
                kind, upload["content"], upload["filename"], upload["content_type"]
            )
        if value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or None
            return self._store_file(kind, b"", name, None)
        record = self.files.get(value)
        if record is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        return record

    def _media_content(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        obj = self._file_object(record)
        if kind == "photo":
            small = {
                **obj,
                "width": 90,
                "height": 67,
                "file_id": obj["file_id"] + "_s",
                "file_unique_id": obj["file_unique_id"] + "s",
            }
            return {"photo": [small, obj]}
        return {kind: obj}

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

    # ------------------------------------------------------------------ Bot API methods

    async def _m_getMe(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return {
            **self._bot_user(token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, token: str, params: dict[str, Any], files: Any) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._polled.set()
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll is terminated with 409, like Telegram does
        offset = params.get("offset")
        limit = params.get("limit", 100)
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            limit = 100 if not isinstance(limit, int) or limit > 100 else 1
        timeout = params.get("timeout", 0)
        timeout = timeout if isinstance(timeout, int) and timeout > 0 else 0
        if isinstance(offset, int) and offset != 0:
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            else:
                self._updates = self._updates[offset:]
        allowed = params.get("allowed_updates")

        def ready() -> list[dict[str, Any]]:
            updates = self._updates
            if allowed:
                updates = [u for u in updates if any(k in u for k in allowed)]
            return updates[:limit]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._updates_changed
            if generation != self._poll_generation:
                self.conflicts += 1
                raise ApiError(409, CONFLICT)
            result = ready()
            if result or self._closing:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return ready()

    async def _m_deleteWebhook(self, token: str, params: dict[str, Any], files: Any) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    async def _m_setWebhook(self, token: str, params: dict[str, Any], files: Any) -> Any:
        url = str(params.get("url") or "")
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(
                400, "Bad Request: bad webhook: secret token contains unallowed characters"
            )
        connections = params.get("max_connections", WEBHOOK_MAX_CONNECTIONS)
        if not isinstance(connections, int) or not 1 <= connections <= 100:
            raise _bad("bad webhook: max_connections must be 1 to 100")
        self.webhook = {"url": url, "secret_token": secret}
        if connections != self.webhook_max_connections or self._webhook_slots is None:
            self.webhook_max_connections = connections
            self._webhook_slots = asyncio.Semaphore(connections)
        self._notify()
        if self._updates:
            self._deliver_pending()
        return True

    async def _m_getWebhookInfo(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_sendMessage(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        text, entities = self._text_content(params, "text", "entities", TEXT_LIMIT)
        markup = self._check_markup(params.get("reply_markup"))
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        content["parse_mode"] = params.get("parse_mode")
        content["source_text"] = params.get("text")
        inline = self._apply_reply_markup(chat, markup)
        if inline is not None:
            content["reply_markup"] = inline
        return _public(self._record_bot_message(token, chat, content, params))

    async def _m_editMessageText(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat, message = self._editable_message(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, entities = self._text_content(params, "text", "entities", TEXT_LIMIT)
        markup = self._check_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        if (
            text == message.get("text")
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        message["parse_mode"] = params.get("parse_mode")
        message["source_text"] = params.get("text")
        message.pop("reply_markup", None)  # an edit without reply_markup drops the keyboard
        if markup is not None:
            message["reply_markup"] = markup
        self._record_edit(chat, message)
        return _public(message)

    async def _m_editMessageCaption(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat, message = self._editable_message(params)
        if "text" in message:
            raise _bad("there is no caption in the message to edit")
        caption_content = self._caption_content(params)
        markup = self._check_markup(params.get("reply_markup"))
        if (
            caption_content.get("caption") == message.get("caption")
            and caption_content.get("caption_entities") == message.get("caption_entities")
            and markup == message.get("reply_markup")
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        for key in ("caption", "caption_entities", "reply_markup"):
            message.pop(key, None)
        message.update(caption_content)
        if markup is not None:
            message["reply_markup"] = markup
        self._record_edit(chat, message)
        return _public(message)

    async def _m_editMessageReplyMarkup(
        self, token: str, params: dict[str, Any], files: Any
    ) -> Any:
        chat, message = self._editable_message(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        if markup == {"inline_keyboard": []}:
            markup = None
        if markup == message.get("reply_markup"):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        self._record_edit(chat, message)
        return _public(message)

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
            raise _bad(QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.get("text") or ""
        if len(text) > CALLBACK_ANSWER_LIMIT:
            raise _bad("MESSAGE_TOO_LONG")
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

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in (
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        ):
            raise _bad("can't parse BotCommandScope: wrong type")
        kind = scope["type"]
        if kind in ("chat", "chat_administrators", "chat_member"):
            # like Telegram: a chat scope needs a chat the bot knows (the user wrote first)
            chat_id = scope.get("chat_id")
            if not isinstance(chat_id, int) or chat_id not in self.chats:
                raise _bad("chat not found")
            kind = f"{kind}:{scope.get('chat_id')}"
            if scope["type"] == "chat_member":
                kind += f":{scope.get('user_id')}"
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return kind, language

    async def _m_setMyCommands(self, token: str, params: dict[str, Any], files: Any) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > COMMANDS_LIMIT:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        self._emit({"type": "commands"})
        return True

    async def _m_getMyCommands(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def _m_deleteMyCommands(self, token: str, params: dict[str, Any], files: Any) -> Any:
        self.commands.pop(self._scope_key(params), None)
        self._emit({"type": "commands"})
        return True

    def _set_description(
        self, store: dict[str, str], params: dict[str, Any], key: str, limit: int
    ) -> bool:
        text = params.get(key) or ""
        if len(text) > limit:
            raise _bad(f"{key.replace('_', ' ')} is too long")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        if text:
            store[language] = text
        else:
            store.pop(language, None)
        self._state_changed()
        return True

    async def _m_setMyDescription(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return self._set_description(self.descriptions, params, "description", DESCRIPTION_LIMIT)

    async def _m_getMyDescription(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return {"description": self.descriptions.get(params.get("language_code") or "", "")}

    async def _m_setMyShortDescription(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return self._set_description(
            self.short_descriptions, params, "short_description", SHORT_DESCRIPTION_LIMIT
        )

    async def _m_getMyShortDescription(self, token: str, params: dict[str, Any], files: Any) -> Any:
        language = params.get("language_code") or ""
        return {"short_description": self.short_descriptions.get(language, "")}

    async def _send_media(
        self, token: str, params: dict[str, Any], files: dict[str, Any], kind: str
    ) -> Any:
        chat = self._target_chat(params)
        caption = self._caption_content(params)
        markup = self._check_markup(params.get("reply_markup"))
        record = self._input_file(params.get(kind), files, kind, kind)
        content = {**self._media_content(kind, record), **caption}
        inline = self._apply_reply_markup(chat, markup)
        if inline is not None:
            content["reply_markup"] = inline
        return _public(self._record_bot_message(token, chat, content, params))

    async def _m_sendPhoto(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return await self._send_media(token, params, files, "photo")

    async def _m_sendDocument(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return await self._send_media(token, params, files, "document")

    async def _m_sendMediaGroup(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        media = params.get("media")
        if not isinstance(media, list):
            raise _bad("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise _bad("wrong number of media in the album: must be 2-10")
        prepared = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "document", "video", "audio"):
                raise _bad("can't parse InputMedia: media type is not specified")
            caption = self._caption_content(item)
            record = self._input_file(item.get("media"), files, kind, "media")
            prepared.append({**self._media_content(kind, record), **caption})
        group_id = str(secrets.randbelow(10**18))
        return [
            _public(
                self._record_bot_message(
                    token, chat, {**content, "media_group_id": group_id}, params
                )
            )
            for content in prepared
        ]

    def _copy_content(self, source: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "text",
            "entities",
            "caption",
            "caption_entities",
            "photo",
            "document",
            "sticker",
            "voice",
            "contact",
            "parse_mode",
            "source_text",
        )
        return {k: json.loads(json.dumps(source[k])) for k in keys if k in source}

    async def _m_copyMessage(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        source_chat = self._target_chat(params, "from_chat_id")
        source = self._message(source_chat, params.get("message_id"), "copy")
        content = self._copy_content(source)
        if params.get("caption") is not None and "text" not in content:
            for key in ("caption", "caption_entities"):
                content.pop(key, None)
            content.update(self._caption_content(params))
        markup = self._check_markup(params.get("reply_markup"))
        inline = self._apply_reply_markup(chat, markup)
        if inline is not None:
            content["reply_markup"] = inline
        message = self._record_bot_message(token, chat, content, params)
        return {"message_id": message["message_id"]}

    async def _m_forwardMessage(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        source_chat = self._target_chat(params, "from_chat_id")
        source = self._message(source_chat, params.get("message_id"), "forward")
        content = self._copy_content(source)
        sender = source.get("from", {})
        content["forward_origin"] = {"type": "user", "sender_user": sender, "date": source["date"]}
        return _public(self._record_bot_message(token, chat, content, params))

    async def _m_getChat(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        return {
            **chat.info,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_getChatMember(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise _bad("invalid user_id specified")
        if self.bot_id is not None and user_id == self.bot_id:
            user = self._bot_user(token)
        elif user_id in self.users:
            user = self.users[user_id].info
        else:
            raise _bad("user not found")
        status = self.member_status.get((chat.id, user_id), "member")
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        elif status == "restricted":
            member.update(
                {"is_member": True, "until_date": 0}
                | {
                    key: False
                    for key in (
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                    )
                }
            )
        return member

    async def _m_getFile(self, token: str, params: dict[str, Any], files: Any) -> Any:
        record = self.files.get(str(params.get("file_id", "")))
        if record is None:
            raise _bad("invalid file_id")
        return {
            "file_id": record["file_id"],
            "file_unique_id": record["file_unique_id"],
            "file_size": record["file_size"],
            "file_path": record["file_path"],
        }

    async def _m_sendChatAction(self, token: str, params: dict[str, Any], files: Any) -> Any:
        self._target_chat(params)
        if not params.get("action"):
            raise _bad("action is empty")
        return True

    async def _m_close(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _m_logOut(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _m_setChatMenuButton(self, token: str, params: dict[str, Any], files: Any) -> Any:
        if params.get("chat_id") is not None:
            self._target_chat(params)
        return True

    async def _m_editMessageMedia(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat, message = self._editable_message(params)
        if "text" in message:
            raise _bad("there is no media in the message to edit")
        media = params.get("media")
        kind = media.get("type") if isinstance(media, dict) else None
        if not isinstance(media, dict) or kind not in (
            "photo",
            "document",
            "video",
            "audio",
            "animation",
        ):
            raise _bad("can't parse InputMedia: media type is not specified")
        caption = self._caption_content(media)
        record = self._input_file(media.get("media"), files, kind, "media")
        markup = self._check_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        content = {**self._media_content(kind, record), **caption}
        for key in (
            "photo",
            "document",
            "video",
            "audio",
            "animation",
            "caption",
            "caption_entities",
            "parse_mode",
            "source_text",
            "reply_markup",
        ):
            message.pop(key, None)
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self._record_edit(chat, message)
        return _public(message)

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
        self._push_update("message", _public(message))
        self._emit_message("message", chat, message)
        return message

    def _callback(self, user: FakeUser, chat: FakeChat, message: dict[str, Any], data: str) -> str:
        query_id = str(secrets.randbelow(10**18) + 10**17)
        self._callbacks[query_id] = _Callback(
            query_id, chat.id, message["message_id"], data, user_id=user.id
        )
        self._push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.info,
                "message": _public(message),
                "chat_instance": str(abs(hash((chat.id, "instance"))) % 10**18),
                "data": data,
            },
        )
        return query_id


def _update_chat(update: dict[str, Any]) -> int:
    """The chat an update belongs to (its sender for updates without one): Telegram keeps
    the updates of one chat in order."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if chat:
            return int(chat["id"])
        sender = payload.get("from")
        if sender:
            return int(sender["id"])
    return 0


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


class FakeUser:
    """A simulated Telegram user talking to the bot; private chat id == user id."""

    def __init__(
        self,
        server: FakeTelegram,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        phone_number: str,
    ) -> None:
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.phone_number = phone_number
        self._mark = 0

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
        match = _USER_COMMAND_RE.match(text)
        if match:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}
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
                k: v for k, v in _public(original).items() if k != "reply_to_message"
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
        if _utf16_len(text) > TEXT_LIMIT:
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
        if caption and _utf16_len(caption) > CAPTION_LIMIT:
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
                k: v for k, v in _public(original).items() if k != "reply_to_message"
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

        try:
            found: dict[str, Any] = await self.server._wait_until(find, timeout)
        except TimeoutError:
            raise AssertionError(
                f"no bot message matching {pattern!r} within {timeout}s in chat {target.id}"
                + self._describe(target)
            ) from None
        return found

    async def wait_answer(self, callback_id: str, timeout: float = 10) -> dict[str, Any]:  # noqa: ASYNC109
        """What the bot answered to that callback query: {'text', 'show_alert', ...}."""
        query = self.server._callbacks[callback_id]

        def answered() -> dict[str, Any] | None:
            return query.answer if query.answered else None

        try:
            result: dict[str, Any] = await self.server._wait_until(answered, timeout)
        except TimeoutError:
            raise AssertionError(
                f"callback query {callback_id} (data {query.data!r}) was not answered within "
                f"{timeout}s" + self._describe(self._chat(query.chat_id))
            ) from None
        return result
