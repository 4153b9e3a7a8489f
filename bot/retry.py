"""Bot API calls that meet 429 or a Telegram-side failure are retried, within bounds; a 409
Conflict to long polling (another process polls with this token) is said once and waited out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramConflictError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates
from aiogram.methods.base import Response, TelegramMethod, TelegramType

from bot.metrics import POLLING_CONFLICTS

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)

# Set while the caller runs its own backoff (the start-up connection to Telegram): each call
# is then tried once, so one attempt is one line in the log rather than three.
_single_attempt: ContextVar[bool] = ContextVar("single_attempt", default=False)


@contextlib.contextmanager
def single_attempt() -> Iterator[None]:
    """Within this block RetryMiddleware sends each call once."""
    token = _single_attempt.set(True)
    try:
        yield
    finally:
        _single_attempt.reset(token)


class RetryMiddleware(BaseRequestMiddleware):
    """On 429 wait `retry_after` and send again; on 5xx or a network error back off and retry.

    A member waits at most `max_wait` seconds for one answer; past that the error reaches the
    handler. Long polling has its own backoff and is left alone, except for 409 Conflict.
    """

    def __init__(
        self,
        *,
        attempts: int = 3,
        max_wait: float = 30,
        backoff: float = 0.5,
        conflicts: PollingConflicts | None = None,
    ) -> None:
        self.attempts = attempts
        self.max_wait = max_wait
        self.backoff = backoff
        self.conflicts = conflicts or PollingConflicts()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            return await self.conflicts.poll(make_request, bot, method)
        if _single_attempt.get():
            return await make_request(bot, method)
        waited = 0.0
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                delay = float(error.retry_after)
                if attempt >= self.attempts or waited + delay > self.max_wait:
                    raise
            except (TelegramServerError, TelegramNetworkError):
                delay = self.backoff * 2 ** (attempt - 1)
                if attempt >= self.attempts or waited + delay > self.max_wait:
                    raise
            logger.warning("retry %d of %s in %.1fs", attempt, type(method).__name__, delay)
            waited += delay
            attempt += 1
            await asyncio.sleep(delay)


class PollingConflicts:
    """getUpdates answered 409: another process polls with this token (a second deployment,
    a leftover instance), or a webhook is set for it. Each conflict is counted; the error is
    logged once per `window` seconds, not once per retry; polling goes on with a growing pause,
    so in a rolling deploy the old process gives way once it stops."""

    def __init__(self, *, first_delay: float = 1.0, max_delay: float = 30.0, window: float = 60.0):
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.window = window
        self._delay = first_delay
        self._logged_at: float | None = None
        self._unlogged = 0
        self._in_conflict = False

    async def poll(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        while True:
            try:
                response = await make_request(bot, method)
            except TelegramConflictError as error:
                self._seen(error.message)
                await asyncio.sleep(self._delay)
                self._delay = min(self._delay * 2, self.max_delay)
                continue
            if self._in_conflict:
                logger.info("polling resumed: no other process took the updates this time")
                self._in_conflict = False
                self._delay = self.first_delay
                self._logged_at = None
            return response

    def _seen(self, description: str) -> None:
        POLLING_CONFLICTS.inc()
        self._in_conflict = True
        self._unlogged += 1
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < self.window:
            return
        if "webhook" in description.lower():
            meaning = (
                "a webhook is set for this bot's token (a deployment in webhook mode, "
                "WEBHOOK_URL); Telegram gives it the updates"
            )
        else:
            meaning = (
                "another process is polling with this bot's token (a second deployment or a "
                "leftover instance); Telegram gives each update to one of them only"
            )
        logger.error(
            "409 Conflict from Telegram on getUpdates, %d time(s) since the last report: %s. "
            "This process keeps retrying (in %.0fs); stop the other one.",
            self._unlogged,
            meaning,
            self._delay,
        )
        self._logged_at = now
        self._unlogged = 0
