"""The database or Redis unreachable: which errors mean that, one log line per outage, a static
notice for the member, and backoff for the background workers.

The guarantee: while PostgreSQL (or SQLite's file) or Redis cannot be reached, every update
that fails for that reason gets the notice "the service is temporarily unavailable" in the
sender's Telegram language, made from the Fluent texts already in memory (no database needed);
a staff group gets it at most once per outage. The outage is logged once, with its cause (the
exception's type and message: connection errors carry no personal data), further failures are
only counted, and a "recovered" line follows the first success. Nothing needs a restart: the
engine's pool checks connections before use (`pool_pre_ping`), redis-py reconnects by itself,
and the workers back off from BACKOFF_FIRST to BACKOFF_CAP seconds and carry on.

Honest limit: a bare connection error (`OSError` with a network errno, `TimeoutError`) is taken
for the database's, as asyncpg raises them unwrapped on connect; redis-py and aiogram wrap their
own (`redis.exceptions.ConnectionError`, `TelegramNetworkError`), so those never land here.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import secrets
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import asyncpg
import sqlalchemy.exc
from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, TelegramObject, Update, User

from bot.i18n import Translations, resolve_locale
from bot.metrics import DEPENDENCY_UP, UPDATES

logger = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0  # seconds a worker waits after the first failure of an outage
BACKOFF_CAP = 60.0  # ... doubling up to this
NOTICE_ID = "outage-notice"
_CHAIN_DEPTH = 8  # how far __cause__/__context__ are followed to find the real error
_CAUSE_LENGTH = 300


class Dependency(StrEnum):
    """What is unreachable; also the `dependency` label of DEPENDENCY_UP."""

    DATABASE = "database"
    REDIS = "redis"


_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.EHOSTDOWN,
        errno.ENETUNREACH,
        errno.ENETDOWN,
    }
)
_ASYNCPG_CONNECTION_ERRORS = (
    asyncpg.PostgresConnectionError,  # 08xxx: connection failure, does not exist, rejected
    asyncpg.CannotConnectNowError,  # the server is starting up or shutting down
    asyncpg.AdminShutdownError,  # terminated by a restart
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


def classify(error: BaseException) -> Dependency | None:
    """The dependency this one exception says is unreachable, or None for any other error."""
    # A deployment without Redis never imports its client (start-up time): no error is its then.
    redis_errors = sys.modules.get("redis.exceptions")
    if redis_errors is not None and isinstance(
        error, redis_errors.ConnectionError | redis_errors.TimeoutError
    ):
        return Dependency.REDIS
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        if error.connection_invalidated:
            return Dependency.DATABASE
        return classify(error.orig) if error.orig is not None else None
    if isinstance(error, sqlalchemy.exc.DisconnectionError | sqlalchemy.exc.TimeoutError):
        return Dependency.DATABASE  # a pool that cannot get a live connection
    if isinstance(error, _ASYNCPG_CONNECTION_ERRORS):
        return Dependency.DATABASE
    if isinstance(error, TimeoutError | ConnectionError | socket.gaierror):
        return Dependency.DATABASE
    if isinstance(error, OSError) and (error.errno is None or error.errno in _NETWORK_ERRNOS):
        # errno None: asyncio's "Multiple exceptions: Connect call failed ..." of a host with
        # several addresses. A file's error always has its errno.
        return Dependency.DATABASE
    return None


def outage_cause(error: BaseException) -> tuple[Dependency, BaseException] | None:
    """The outage behind `error`, following its cause and context: aiogram-dialog's error path
    turns a storage failure into `KeyError: 'aiogd_context'` raised while handling it."""
    seen: set[int] = set()
    current: BaseException | None = error
    for _ in range(_CHAIN_DEPTH):
        if current is None or id(current) in seen:
            return None
        seen.add(id(current))
        dependency = classify(current)
        if dependency is not None:
            return dependency, current
        current = current.__cause__ or current.__context__
    return None


def is_outage(error: BaseException) -> bool:
    """Whether `error` (or what it was raised from) means the database or Redis is unreachable."""
    return outage_cause(error) is not None


def describe(error: BaseException) -> str:
    """One line naming the real cause: the driver's exception for a SQLAlchemy one (whose text
    would add the statement), type and message, shortened."""
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.orig is not None:
        error = error.orig
    text = " ".join(str(error).split())
    line = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return line[:_CAUSE_LENGTH]


# ---------------------------------------------------------------------------------- the monitor


@dataclass
class _Outage:
    started: float
    failures: int = 1
    refused: int = 0


@dataclass
class OutageMonitor:
    """The process's record of unreachable dependencies: logs an outage's start once, counts
    what follows, logs its end; sets DEPENDENCY_UP."""

    clock: Callable[[], float] = time.monotonic
    _down: dict[Dependency, _Outage] = field(default_factory=dict)
    _noticed_chats: set[int] = field(default_factory=set)

    def is_down(self, dependency: Dependency) -> bool:
        return dependency in self._down

    def failed(self, dependency: Dependency, error: BaseException, *, where: str) -> bool:
        """Record a failure; True (and one ERROR line) when it starts an outage."""
        outage = self._down.get(dependency)
        if outage is not None:
            outage.failures += 1
            logger.debug("%s still unavailable (%s)", dependency.value, where)
            return False
        self._down[dependency] = _Outage(started=self.clock())
        DEPENDENCY_UP.labels(dependency=dependency.value).set(0)
        logger.error(
            "%s unavailable, first seen by %s: %s; further failures are counted until it answers",
            dependency.value,
            where,
            describe(error),
        )
        return True

    def refused(self, dependency: Dependency, update_type: str) -> None:
        """An update answered with the notice instead of being handled."""
        UPDATES.labels(type=update_type, outcome="unavailable").inc()
        outage = self._down.get(dependency)
        if outage is not None:
            outage.refused += 1

    def answered(self, dependency: Dependency) -> None:
        """The dependency just did real work: if it was down, the outage is over."""
        outage = self._down.pop(dependency, None)
        if outage is None:
            return
        DEPENDENCY_UP.labels(dependency=dependency.value).set(1)
        logger.warning(
            "%s recovered after %.0f s: %d updates refused, %d failures in all",
            dependency.value,
            self.clock() - outage.started,
            outage.refused,
            outage.failures,
        )
        if not self._down:
            self._noticed_chats.clear()

    def first_notice(self, chat_id: int) -> bool:
        """True once per chat per outage: a group is told, not flooded."""
        if chat_id in self._noticed_chats:
            return False
        self._noticed_chats.add(chat_id)
        return True

    def reset(self) -> None:
        """Forget every outage (tests)."""
        self._down.clear()
        self._noticed_chats.clear()


# An outage is a fact about the process (as DEPENDENCY_UP is), seen by updates and workers alike.
monitor = OutageMonitor()


# ---------------------------------------------------------------------------------- workers


def worker_holder() -> str:
    """Who a background worker's claims name: this machine, this process, a random part (two
    workers of one process tell themselves apart)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class WorkerBackoff:
    """A background loop's pauses through an outage: `failed(error)` gives the next pause
    (BACKOFF_FIRST doubling to BACKOFF_CAP) for an outage error, None for any other error
    (the loop handles it as before); `succeeded()` after a step that worked. `repeat` is the
    whole loop, for a worker that needs nothing else of it (the card sweeper and the broadcast
    sender, which stop on request, write their own with `failed` and `succeeded`).
    """

    def __init__(
        self,
        worker: str,
        *,
        first: float | None = None,
        cap: float | None = None,
        outages: OutageMonitor | None = None,
    ) -> None:
        self.worker = worker
        self.first = BACKOFF_FIRST if first is None else first
        self.cap = BACKOFF_CAP if cap is None else cap
        self.outages = outages or monitor
        self.failures = 0  # consecutive outage failures
        self._seen: set[Dependency] = set()

    def failed(self, error: BaseException) -> float | None:
        found = outage_cause(error)
        if found is None:
            return None
        dependency, cause = found
        self.outages.failed(dependency, cause, where=self.worker)
        self._seen.add(dependency)
        pause: float = min(self.cap, self.first * 2.0**self.failures)
        self.failures += 1
        return pause

    async def waited_out(self, error: BaseException) -> bool:
        """For an outage error: the next pause slept, True (the loop tries again at once);
        for any other error False, nothing slept."""
        pause = self.failed(error)
        if pause is None:
            return False
        await asyncio.sleep(pause)
        return True

    def succeeded(self) -> None:
        """After a step that reached what failed before: the outage it saw is over."""
        for dependency in self._seen:
            self.outages.answered(dependency)
        self._seen.clear()
        self.failures = 0

    async def repeat(
        self,
        step: Callable[[], Awaitable[object]],
        interval: float,
        on_error: Callable[[Exception], None],
        *,
        proves_recovery: Callable[[], bool] = lambda: True,
    ) -> None:
        """A worker's loop until cancelled: `step` now, then every `interval` seconds. An outage
        error is waited out and the step tried again; any other goes to `on_error` (which logs
        it) and the loop goes on. `proves_recovery`, asked before each step, says whether its
        success ends an outage (a step that does not touch the database proves nothing)."""
        while True:
            reaches_database = proves_recovery()
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The database unreachable: logged once, retried from a second to a minute.
                if await self.waited_out(error):
                    continue
                on_error(error)
            else:
                if reaches_database:
                    self.succeeded()
            await asyncio.sleep(interval)


# ---------------------------------------------------------------------------------- updates

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class OutageNoticeMiddleware(BaseMiddleware):
    """On `dp.errors`, outside every error handler and aiogram-dialog's error middleware (which
    reloads the dialog from the storage and, the storage down, hides the error behind
    `KeyError: 'aiogd_context'`): an update that failed for an outage gets the static notice."""

    def __init__(self, outages: OutageMonitor | None = None) -> None:
        self.outages = outages or monitor

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, ErrorEvent):
            return await handler(event, data)
        found = outage_cause(event.exception)
        if found is None:
            try:
                return await handler(event, data)
            except Exception as error:
                # The error path itself met the outage; the first error is then its symptom.
                found = outage_cause(error)
                if found is None:
                    raise
        dependency, cause = found
        self.outages.failed(dependency, cause, where="update handling")
        self.outages.refused(dependency, event.update.event_type)
        await self._notify(event.update, data)
        return True  # handled: aiogram neither re-raises nor logs the update as failed

    async def _notify(self, update: Update, data: dict[str, Any]) -> None:
        translations: Translations | None = data.get("translations")
        user: User | None = data.get("event_from_user")
        if translations is None:
            return
        locale = resolve_locale(None, user.language_code if user else None)
        text = translations.get(locale)(NOTICE_ID)
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif update.message is not None:
                message = update.message
                if message.chat.type == "private":
                    await message.answer(text)
                elif self.outages.first_notice(message.chat.id):
                    await message.reply(text)
        except TelegramAPIError as error:
            logger.warning("could not send the outage notice: %s", type(error).__name__)
