"""The outbox's pace: the global send rate with its slowdown on Telegram's 429s (Pacer), and
the clock it runs on (wall time for the database, monotonic time for pacing, sleeping), which
tests replace with a fake one."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable
from datetime import datetime
from typing import Protocol

from storage.models import utcnow


class Clock(Protocol):
    """Wall time for the database, monotonic time for pacing, and sleeping."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> Awaitable[None]: ...


class RealClock:
    def now(self) -> datetime:
        return utcnow()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> Awaitable[None]:
        return asyncio.sleep(seconds)


class Pacer:
    """The global rate: each send takes the next slot, 1/rate apart. On 429s from several
    chats at once (Telegram's limit for the whole bot, not one chat's) the rate is lowered
    and everything waits out the `retry_after`; it climbs back while no such 429 comes."""

    GLOBAL_CHATS = 3  # 429s from this many chats ...
    GLOBAL_WINDOW = 2.0  # ... within these seconds are taken as the bot's global limit
    SLOWDOWN = 0.8
    FLOOR = 0.25  # never below this share of the configured rate
    RECOVERY_AFTER = 10.0  # seconds without a global 429 before the rate climbs back a step
    BURST = 2.0

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.factor = 1.0
        self.next_slot = 0.0
        self.hold_until = 0.0
        self._recent_429: list[tuple[float, int]] = []
        self._last_global = -math.inf
        self._last_recovery = 0.0
        self.global_slowdowns = 0

    @property
    def current_rate(self) -> float:
        return self.rate * self.factor

    def _start(self, now: float) -> float:
        # A loop that woke late may catch up by BURST sends at once, no more: at most
        # rate + BURST sends fall in any one second.
        return max(self.next_slot, now - self.BURST / self.current_rate, self.hold_until)

    def take(self, now: float) -> float:
        """The moment the next send may go out (reserving it)."""
        self._recover(now)
        slot = self._start(now)
        self.next_slot = slot + 1.0 / self.current_rate
        return max(slot, now)

    def free_slots(self, now: float, lookahead: float) -> int:
        """How many sends could start between now and now + lookahead."""
        start = self._start(now)
        if start > now + lookahead:
            return 0
        return int((now + lookahead - start) * self.current_rate) + 1

    def too_many(self, now: float, chat_id: int, retry_after: float) -> bool:
        """Record a 429; True when it looks like the bot's global limit."""
        self._recent_429 = [
            (at, chat) for at, chat in self._recent_429 if at > now - self.GLOBAL_WINDOW
        ]
        self._recent_429.append((now, chat_id))
        if len({chat for _, chat in self._recent_429}) < self.GLOBAL_CHATS:
            return False
        self._recent_429.clear()
        self.factor = max(self.FLOOR, self.factor * self.SLOWDOWN)
        self.hold_until = max(self.hold_until, now + retry_after)
        self._last_global = now
        self._last_recovery = now
        self.global_slowdowns += 1
        return True

    def _recover(self, now: float) -> None:
        if self.factor < 1.0 and now - max(self._last_global, self._last_recovery) >= (
            self.RECOVERY_AFTER
        ):
            self.factor = min(1.0, self.factor + 0.1)
            self._last_recovery = now
