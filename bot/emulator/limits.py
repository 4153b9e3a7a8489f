"""The limits mode: Telegram's bulk-sending limits and faults, and errors a test injects."""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .api import (
    BLOCKED,
    DEACTIVATED,
    SERVER_ERRORS,
    ApiError,
)


@dataclass(frozen=True)
class SendLimits:
    """Telegram's bulk-sending limits and faults, for `FakeTelegram(limits=...)`.

    Only sends (`SEND_METHODS`) are limited. Beyond `global_per_second` accepted sends in the
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


# The limiter's clock, a module attribute so that a test can stop it (every send in one instant).
clock = time.monotonic


class Limiter:
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
        return max(1, math.ceil(oldest + Limiter.WINDOW - now))

    def check(self, chat_id: Any) -> ApiError | None:
        """None when the send may go ahead (its slot is taken), else the error to answer."""
        now = clock()
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
        self.stats.deliveries.append((clock(), chat_id))


@dataclass
class Injection:
    method: str
    error: ApiError
    times: int
    chat_id: int | str | None
