"""What an operator watches: `/healthz`, `/readyz`, Prometheus `/metrics`, and what feeds them.

- `/healthz` says the process lives and its event loop turns: a heartbeat task ticks every
  second, and a tick older than `Heartbeat.STALE` seconds means the loop is stuck.
- `/readyz` says the process can serve: the database answers, its schema is at the latest
  migration, Redis answers (when configured), Telegram was reached at start, and the process
  is not shutting down. A balancer sends updates only to a ready process.
- `/metrics` is the registry of `bot.metrics`; the figures that live in the database (outbox
  rows, open and overdue reports) are counted by `GaugeRefresher` every `interval` seconds,
  in every process alike (take `max` across instances, not `sum`).

The endpoints answer without a database transaction of their own beyond one short check, and
never show a member's id or text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods.base import Response, TelegramMethod, TelegramType
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bot.metrics import (
    BOT_API_CALLS,
    DEPENDENCY_UP,
    OUTBOX_OLDEST_DUE,
    OUTBOX_ROWS,
    REGISTRY,
    REPORTS_OPEN,
    REPORTS_OVERDUE,
)
from storage.migrate import alembic_config, head_revision, stored_revisions
from storage.models import (
    OPEN_REPORT_STATUSES,
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    DeliveryStatus,
    Report,
)

if TYPE_CHECKING:
    from aiogram import Bot

    from storage.db import Database

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds one readiness check may take before it counts as down


# ------------------------------------------------------------------------------ Bot API calls


def call_result(error: BaseException | None) -> str:
    """The bounded result label of one Bot API call: ok, 429, 403, 4xx, 5xx or network."""
    if error is None:
        return "ok"
    if isinstance(error, TelegramRetryAfter):
        return "429"
    if isinstance(error, TelegramForbiddenError):
        return "403"
    if isinstance(error, TelegramServerError | ClientDecodeError):
        return "5xx"  # Telegram (or a proxy before it) failed or answered garbage
    if isinstance(error, TelegramEntityTooLarge):  # a subclass of the network error
        return "4xx"
    if isinstance(error, TelegramNetworkError):
        return "network"
    if isinstance(error, TelegramAPIError):
        return "4xx"
    return "network"


class BotApiMetrics(BaseRequestMiddleware):
    """Counts every Bot API call by method and result. Registered last on a session, so each
    retry is a call of its own, as Telegram sees it."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        try:
            response = await make_request(bot, method)
        except Exception as error:
            BOT_API_CALLS.labels(method=name, result=call_result(error)).inc()
            raise
        BOT_API_CALLS.labels(method=name, result="ok").inc()
        return response


# ------------------------------------------------------------------------------ liveness


class Heartbeat:
    """Ticks every `period` seconds; `/healthz` fails when the last tick is `STALE` old."""

    STALE = 5.0

    def __init__(self, period: float = 1.0) -> None:
        self.period = period
        self.last_tick = time.monotonic()

    async def run(self) -> None:
        while True:
            self.last_tick = time.monotonic()
            await asyncio.sleep(self.period)

    def lag(self) -> float:
        return max(0.0, time.monotonic() - self.last_tick - self.period)

    def alive(self) -> bool:
        return time.monotonic() - self.last_tick < self.STALE


# ------------------------------------------------------------------------------ readiness


class Readiness:
    """The checks behind `/readyz`. `telegram` turns true once start-up reached the Bot API;
    `stopping` once shutdown began."""

    def __init__(self, db: Database, redis_url: str | None) -> None:
        self.db = db
        self.redis_url = redis_url
        head = head_revision()
        if head is not None:
            self.heads = frozenset({head})
        else:  # several heads: Alembic's own reading (it imports slowly, hence not first)
            from alembic.script import ScriptDirectory

            self.heads = frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
        self.telegram = False
        self.stopping = False
        self._redis: Any = None
        self._reported: dict[str, str | None] = {}

    async def check(self) -> dict[str, bool]:
        """Each dependency's state now; also sets the `hromada_dependency_up` gauges."""
        database, migrations = await self._database()
        checks = {"database": database, "migrations": migrations}
        if self.redis_url is not None:
            checks["redis"] = await self._redis_up()
        checks["telegram"] = self.telegram
        for name in ("database", "redis", "telegram"):
            if name in checks:
                DEPENDENCY_UP.labels(dependency=name).set(1 if checks[name] else 0)
        return checks

    async def _database(self) -> tuple[bool, bool]:
        async def probe() -> set[str]:
            async with self.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                # none when the database has no schema yet: reachable, not migrated
                return await stored_revisions(connection)

        try:
            versions = await asyncio.wait_for(probe(), CHECK_TIMEOUT)
        except Exception as error:
            self._report("database", error)
            return False, False
        self._report("database", None)
        return True, versions == self.heads

    async def _redis_up(self) -> bool:
        import redis.asyncio as redis

        assert self.redis_url is not None
        if self._redis is None:
            self._redis = redis.from_url(
                self.redis_url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
            )
        try:
            await asyncio.wait_for(self._redis.ping(), CHECK_TIMEOUT)
        except Exception as error:
            self._report("redis", error)
            return False
        self._report("redis", None)
        return True

    def _report(self, name: str, error: BaseException | None) -> None:
        """A check that fails is logged when it starts failing and when it recovers, not on
        every probe."""
        cause = None if error is None else f"{type(error).__name__}: {error}"[:300]
        before = self._reported.get(name)
        if cause is not None and before is None:
            logger.warning("readiness: %s is not reachable (%s)", name, cause)
        elif cause is None and before is not None:
            logger.info("readiness: %s is reachable again", name)
        self._reported[name] = cause

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


# ------------------------------------------------------------------------------ gauges


class GaugeRefresher:
    """Counts what lives in the database for the gauges, every `interval` seconds."""

    def __init__(self, db: Database, readiness: Readiness, interval: float = 15.0) -> None:
        self.db = db
        self.readiness = readiness
        self.interval = interval
        self._failing = False

    async def run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.interval)

    async def refresh(self, now: datetime | None = None) -> None:
        """One pass; a database that does not answer leaves the gauges as they were."""
        now = now or datetime.now(UTC)
        checks = await self.readiness.check()
        if not (checks["database"] and checks["migrations"]):
            return
        try:
            await asyncio.wait_for(self._count(now), self.interval)
        except Exception as error:
            if not self._failing:
                logger.warning("metrics: counting outbox and reports failed (%s)", error)
            self._failing = True
            return
        if self._failing:
            logger.info("metrics: counting outbox and reports works again")
        self._failing = False

    async def _count(self, now: datetime) -> None:
        async with self.db.transaction() as session:
            outbox = dict(
                (
                    await session.execute(
                        select(BroadcastDelivery.status, func.count()).group_by(
                            BroadcastDelivery.status
                        )
                    )
                ).all()
            )
            oldest_due = await session.scalar(
                select(func.min(BroadcastDelivery.next_attempt_at))
                .join(Broadcast, Broadcast.id == BroadcastDelivery.broadcast_id)
                .where(
                    BroadcastDelivery.status == DeliveryStatus.PENDING,
                    BroadcastDelivery.next_attempt_at <= now,
                    Broadcast.status == BroadcastStatus.SENDING,
                )
            )
            open_reports = dict(
                (
                    await session.execute(
                        select(Report.status, func.count())
                        .where(Report.status.in_(OPEN_REPORT_STATUSES))
                        .group_by(Report.status)
                    )
                ).all()
            )
            overdue = await session.scalar(
                select(func.count()).where(
                    Report.status.in_(OPEN_REPORT_STATUSES), Report.deadline_at < now
                )
            )
        for state in DeliveryStatus:
            OUTBOX_ROWS.labels(state=str(state)).set(outbox.get(str(state), 0))
        if oldest_due is not None and oldest_due.tzinfo is None:
            oldest_due = oldest_due.replace(tzinfo=UTC)
        OUTBOX_OLDEST_DUE.set(
            0 if oldest_due is None else max(0.0, (now - oldest_due).total_seconds())
        )
        for status in OPEN_REPORT_STATUSES:
            REPORTS_OPEN.labels(status=str(status)).set(open_reports.get(str(status), 0))
        REPORTS_OVERDUE.set(overdue or 0)


# ------------------------------------------------------------------------------ HTTP


def add_routes(app: web.Application, heartbeat: Heartbeat, readiness: Readiness) -> None:
    """`/healthz`, `/readyz` and `/metrics` on `app` (the webhook server or a server of its own)."""

    async def healthz(_request: web.Request) -> web.Response:
        alive = heartbeat.alive()
        return web.json_response(
            {"alive": alive, "loop_lag_seconds": round(heartbeat.lag(), 3)},
            status=200 if alive else 503,
        )

    async def readyz(_request: web.Request) -> web.Response:
        checks: dict[str, bool] = await readiness.check()
        ready = all(checks.values()) and not readiness.stopping
        body = {"ready": ready, "stopping": readiness.stopping, "checks": checks}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


async def start_server(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve `app` on host:port; the caller cleans the runner up."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


# ------------------------------------------------------------------------------ in flight


class InFlightUpdates:
    """How many updates are being handled; shutdown waits for none (bounded)."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.count = 0
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:  # noqa: ASYNC109
        """True when every update finished within `timeout` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


# ------------------------------------------------------------------------------ JSON logs

# Attributes an update's log record carries (set by UpdateLogMiddleware through `extra`).
UPDATE_FIELDS = ("update_id", "update_type", "outcome", "duration_ms")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and an update's fields. An
    update's line says "update handled" with its fields, not the text line's user id."""

    def format(self, record: logging.LogRecord) -> str:
        is_update = getattr(record, "update_type", None) is not None
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": "update handled" if is_update else record.getMessage(),
        }
        for name in UPDATE_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
