"""The fake Telegram's state: chats, files, commands and descriptions, the state file that
keeps them across restarts, the events live clients (the sandbox page) follow, and waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from .api import (
    EVENT_QUEUE_SIZE,
    SAVE_DELAY,
    VIOLATION_LOG_SIZE,
    WEBHOOK_MAX_CONNECTIONS,
)
from .chats import CallbackQuery, FakeChat
from .entities import public_message
from .limits import Injection, Limiter, LimitStats, SendLimits
from .state_file import StateFile

if TYPE_CHECKING:
    from .users import FakeUser

_log = logging.getLogger(__name__)


class EmulatorState:
    """What the fake Telegram holds; the layers above add the Bot API's methods."""

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
        self._limiter: Limiter | None = None
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
        self._callbacks: dict[str, CallbackQuery] = {}
        self._injections: list[Injection] = []
        self._seq = 0
        self._changed = asyncio.Event()
        self._updates_changed = asyncio.Event()
        self._polled = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        if self._state_file is not None:
            state = self._state_file.load()
            try:
                self._restore(state)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                self._state_file.set_aside(f"unexpected content: {error!r}")
                self._forget_state()

    def set_limits(self, limits: SendLimits | None) -> None:
        """Turn the limits mode on (counting starts afresh) or off (None)."""
        self.limit_stats = LimitStats()
        self._limiter = None if limits is None else Limiter(limits, self.limit_stats)

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
        view: dict[str, Any] = json.loads(json.dumps(public_message(message)))
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

    async def _wait_or_fail(
        self,
        predicate: Callable[[], Any],
        timeout: float,  # noqa: ASYNC109
        failure: Callable[[], str],
    ) -> Any:
        """`_wait_until` for a test: when the time is up, an AssertionError saying `failure()`."""
        try:
            return await self._wait_until(predicate, timeout)
        except TimeoutError:
            raise AssertionError(failure()) from None

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq
