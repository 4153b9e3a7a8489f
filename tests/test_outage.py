"""The database or Redis unreachable: the member gets the static notice, the outage is logged
once with its cause, workers back off, and all recovers with no restart.

On SQLite the database is made unreachable by an engine whose connect raises (its pooled
connections dropped first); on PostgreSQL and Redis by a TCP proxy in front of the server
that drops every connection and refuses new ones, then forwards again.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import redis.exceptions
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Chat, Message, Update, User
from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import IntegrityError, OperationalError

import storage.db
from bot import outage
from bot.metrics import DEPENDENCY_UP, UPDATES
from bot.outage import Dependency, OutageMonitor, WorkerBackoff, classify, outage_cause
from bot.services.card_sweep import CardSweeper
from bot.services.retention import RetentionJob, RetentionPeriods, RetentionService
from storage.db import Database
from storage.models import MaintenanceRun
from tests.conftest import require_service
from tests.flows.harness import App, build_app
from tests.tcp_proxy import TcpProxy

UK_NOTICE = "Сервіс тимчасово недоступний. Будь ласка, спробуйте ще раз за кілька хвилин."
EN_NOTICE = "The service is temporarily unavailable. Please try again in a few minutes."
WELCOME = "Вітаємо"
KYIV = ZoneInfo("Europe/Kyiv")


@pytest.fixture(autouse=True)
def fresh_monitor() -> None:
    """The monitor is the process's: each test starts with no outage known."""
    outage.monitor.reset()


def outage_lines(caplog: pytest.LogCaptureFixture, level: int = logging.ERROR) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.outage" and r.levelno == level]


def refused_count(update_type: str) -> float:
    return UPDATES.labels(type=update_type, outcome="unavailable")._value.get()


def dependency_up(name: str) -> float:
    return DEPENDENCY_UP.labels(dependency=name)._value.get()


def answers(app: App) -> list[AnswerCallbackQuery]:
    return [call for call in app.session.calls if isinstance(call, AnswerCallbackQuery)]


# ------------------------------------------------------------------------------ classification


def invalidated(orig: Exception) -> OperationalError:
    return OperationalError("SELECT 1", {}, orig, connection_invalidated=True)


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (invalidated(ConnectionResetError(errno.ECONNRESET, "reset")), Dependency.DATABASE),
        (OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "refused")), "database"),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"), Dependency.DATABASE),
        (OSError("Multiple exceptions: [Errno 111] Connect call failed"), Dependency.DATABASE),
        (TimeoutError(), Dependency.DATABASE),
        (asyncpg.CannotConnectNowError("the database system is starting up"), "database"),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), "database"),
        (redis.exceptions.ConnectionError("Error 111 connecting"), Dependency.REDIS),
        (redis.exceptions.TimeoutError("Timeout reading from socket"), Dependency.REDIS),
        (ValueError("bad input"), None),
        (KeyError("aiogd_context"), None),
        (FileNotFoundError(errno.ENOENT, "no such file"), None),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), None),
        (OperationalError("SELECT", {}, Exception("database is locked")), None),
    ],
)
def test_classify_names_the_unreachable_dependency(error: Exception, dependency: str) -> None:
    assert classify(error) == dependency


def test_the_real_cause_is_found_behind_aiogram_dialogs_key_error() -> None:
    cause = ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed")
    try:
        try:
            raise cause
        except OSError:
            raise KeyError("aiogd_context") from None  # what IntentErrorMiddleware raises
    except KeyError as error:
        # `from None` keeps the context: Python only hides it in tracebacks.
        assert outage_cause(error) == (Dependency.DATABASE, cause)
    assert outage_cause(KeyError("aiogd_context")) is None


def test_an_outage_is_logged_once_and_its_end_with_the_counts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    monitor = OutageMonitor(clock=lambda: now[0])
    caplog.set_level(logging.DEBUG, logger="bot.outage")
    refused_before = refused_count("message")

    assert monitor.failed(
        Dependency.DATABASE, invalidated(ConnectionRefusedError(111, "x")), where="a"
    )
    for _ in range(5):
        assert not monitor.failed(Dependency.DATABASE, TimeoutError(), where="worker")
        monitor.refused(Dependency.DATABASE, "message")
    assert dependency_up("database") == 0
    now[0] = 142.0
    monitor.answered(Dependency.DATABASE)
    monitor.answered(Dependency.DATABASE)  # already over: nothing more

    assert outage_lines(caplog) == [
        "database unavailable, first seen by a: ConnectionRefusedError: [Errno 111] x; "
        "further failures are counted until it answers"
    ]
    assert outage_lines(caplog, logging.WARNING) == [
        "database recovered after 42 s: 5 updates refused, 6 failures in all"
    ]
    assert dependency_up("database") == 1
    assert refused_count("message") == refused_before + 5


def test_worker_backoff_doubles_up_to_the_cap_and_starts_again_after_success() -> None:
    backoff = WorkerBackoff("test worker", first=1.0, cap=8.0, outages=OutageMonitor())
    pauses = [backoff.failed(ConnectionRefusedError(111, "refused")) for _ in range(6)]
    assert pauses == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert backoff.failed(ValueError("a bug, not an outage")) is None
    backoff.succeeded()
    assert not backoff.outages.is_down(Dependency.DATABASE)
    assert backoff.failed(ConnectionRefusedError(111, "refused")) == 1.0


# ------------------------------------------------------------------------------ SQLite


class Switch:
    """Makes the engine's new connections fail while `down`, as a server that is gone."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.down = False

        @event.listens_for(db.engine.sync_engine, "do_connect")
        def _connect(*_: Any) -> None:
            if self.down:
                raise ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed")

    async def cut(self) -> None:
        self.down = True
        await self.db.engine.dispose()  # the pooled connections go with the server

    def restore(self) -> None:
        self.down = False


def group_message(app: App, chat_id: int, user: User, text: str) -> Update:
    return Update(
        update_id=next(app.update_ids),
        message=Message(
            message_id=next(app.update_ids),
            date=datetime.now(),
            chat=Chat(id=chat_id, type="supergroup", title="Секретаріат"),
            from_user=user,
            text=text,
        ),
    )


@pytest.fixture
async def sqlite_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    from storage.migrate import upgrade

    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'outage.sqlite3'}")
    await upgrade(db.engine)
    app = await build_app(db)
    try:
        yield app
    finally:
        await db.close()


async def test_sqlite_outage_member_gets_the_notice_and_service_resumes(
    sqlite_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app = sqlite_app
    switch = Switch(app.db)
    member = app.member(1001, language_code="uk")
    english = app.member(1002, language_code="en")
    await member.send("/start")
    assert WELCOME in member.window()
    refused_before = refused_count("message") + refused_count("callback_query")

    await switch.cut()
    with caplog.at_level(logging.INFO):
        await member.send("/start")
        await english.send("/start")
        await member.click("Українська")  # a button of the window shown before the outage
        staff = User(id=2001, is_bot=False, first_name="Іван", language_code="uk")
        for _ in range(3):
            await app.dp.feed_update(app.bot, group_message(app, -100500, staff, "/queue"))

    replies = member.replies()
    assert replies.count("⚠️ " + UK_NOTICE) == 2  # the member's /start and the group, once
    assert "⚠️ " + EN_NOTICE in replies
    assert [a.text for a in answers(app)][-1] == "⚠️ " + UK_NOTICE
    assert answers(app)[-1].show_alert
    assert len(outage_lines(caplog)) == 1
    assert "database unavailable" in outage_lines(caplog)[0]
    assert "ConnectionRefusedError: [Errno 111] Connect call failed" in outage_lines(caplog)[0]
    assert not [r for r in caplog.records if "aiogd_context" in r.getMessage()]
    assert refused_count("message") + refused_count("callback_query") == refused_before + 6
    assert dependency_up("database") == 0

    switch.restore()
    with caplog.at_level(logging.INFO):
        await member.send("/start")
    assert WELCOME in member.window()
    recovered = outage_lines(caplog, logging.WARNING)
    assert len(recovered) == 1 and "6 updates refused" in recovered[0]
    assert dependency_up("database") == 1


async def test_sqlite_outage_retention_job_backs_off_and_runs_when_back(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    switch = Switch(db)
    service = RetentionService(db, RetentionPeriods(), keep_telegram_ids=frozenset())
    backoff = WorkerBackoff("retention job", first=0.01, cap=0.08)
    job = RetentionJob(
        db,
        service,
        KYIV,
        at=time(3, 30),
        interval=0.01,
        clock=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        outage_backoff=backoff,
    )
    await switch.cut()
    with caplog.at_level(logging.INFO):
        task = asyncio.create_task(job.run())
        try:
            await failures_counted(backoff, 5)  # still trying: 10 + 20 + 40 + 80 ms...
            assert not task.done()
            assert backoff.failed(TimeoutError()) == 0.08  # at the cap, not faster
            switch.restore()
            async with asyncio.timeout(5):
                while not await done_runs(db):  # noqa: ASYNC110 - a database row, no event
                    await asyncio.sleep(0.02)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert len(outage_lines(caplog)) == 1
    assert "first seen by retention job" in outage_lines(caplog)[0]
    assert not [r for r in caplog.records if "retention check failed" in r.getMessage()]
    assert len(outage_lines(caplog, logging.WARNING)) == 1


async def failures_counted(backoff: WorkerBackoff, count: int) -> None:
    """Until the worker's backoff has counted `count` failures in a row (at most 5 s: on a loaded
    machine a fixed half second saw only four)."""
    async with asyncio.timeout(5):
        while backoff.failures < count:  # noqa: ASYNC110 - a counter, no event to await
            await asyncio.sleep(0.01)


async def done_runs(db: Database) -> list[MaintenanceRun]:
    try:
        async with db.transaction() as session:
            rows = await session.scalars(
                select(MaintenanceRun).where(MaintenanceRun.status == "done")
            )
            return list(rows)
    except ConnectionRefusedError:
        return []


# ------------------------------------------------------------------------------ PostgreSQL


@pytest.fixture
async def postgres_proxy(database_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """A proxy in front of the (reset) test PostgreSQL; yields it and the URL through it."""
    url = require_service("TEST_DATABASE_URL", "PostgreSQL")
    assert database_url == url
    proxy = await TcpProxy.in_front_of(url, 5432).start()
    try:
        yield proxy, proxy.url_through(url)
    finally:
        await proxy.stop()


async def test_postgres_outage_through_a_proxy(
    postgres_proxy: tuple[TcpProxy, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    proxy, url = postgres_proxy
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)  # dialog state in PostgreSQL too
    db = Database.from_url(url)
    app = await build_app(db)
    member = app.member(1001, language_code="uk")
    service = RetentionService(db, RetentionPeriods(), keep_telegram_ids=frozenset())
    backoff = WorkerBackoff("retention job", first=0.01, cap=0.1)
    job = RetentionJob(
        db,
        service,
        KYIV,
        interval=0.05,
        clock=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        outage_backoff=backoff,
    )
    try:
        await member.send("/start")
        assert WELCOME in member.window()

        proxy.cut()
        with caplog.at_level(logging.INFO):
            worker = asyncio.create_task(job.run())
            await member.send("/start")
            await member.click("Українська")
            await failures_counted(backoff, 3)
            assert not worker.done()

        assert member.replies().count("⚠️ " + UK_NOTICE) == 1
        assert answers(app)[-1].text == "⚠️ " + UK_NOTICE
        lines = outage_lines(caplog)
        assert len(lines) == 1 and lines[0].startswith("database unavailable"), lines
        assert not [r for r in caplog.records if "aiogd_context" in r.getMessage()]

        proxy.restore()
        with caplog.at_level(logging.INFO):
            await member.send("/start")
            assert WELCOME in member.window()
            await member.click("Українська")
            assert "Згода" in member.window()
            async with asyncio.timeout(10):
                while not await done_runs(db):  # noqa: ASYNC110 - a database row, no event
                    await asyncio.sleep(0.05)
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        assert len(outage_lines(caplog, logging.WARNING)) == 1
    finally:
        await app.dp.storage.close()
        await db.close()


async def test_postgres_pings_only_connections_that_sat_idle(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection given back moments ago is taken without a ping (one round trip less per
    transaction under traffic); one idle longer than PING_AFTER_IDLE is pinged first."""
    url = require_service("TEST_DATABASE_URL", "PostgreSQL")
    assert database_url == url
    pings: list[Any] = []
    ping = PGDialect_asyncpg.do_ping

    def counted(self: Any, dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return bool(ping(self, dbapi_connection))

    monkeypatch.setattr(PGDialect_asyncpg, "do_ping", counted)
    monkeypatch.setattr(storage.db, "PING_AFTER_IDLE", 0.3)
    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        for _ in range(5):
            async with db.transaction() as session:
                await session.execute(select(1))
        assert len(pings) == 0  # a new connection, then one given back moments before
        await asyncio.sleep(0.4)
        async with db.transaction() as session:
            await session.execute(select(1))
        assert len(pings) == 1
    finally:
        await db.close()


# ------------------------------------------------------------------------------ Redis


async def test_redis_outage_through_a_proxy(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    redis_url = require_service("TEST_REDIS_URL", "Redis")
    proxy = await TcpProxy.in_front_of(redis_url, 6379).start()
    monkeypatch.setenv("TEST_REDIS_URL", proxy.url_through(redis_url))
    app = await build_app(db)
    await app.dp.storage.redis.flushdb()  # type: ignore[attr-defined]
    member = app.member(1001, language_code="en")
    try:
        await member.send("/start")
        assert WELCOME in member.window()

        proxy.cut()
        with caplog.at_level(logging.INFO):
            await member.send("/start")
            await member.send("/start")
        assert member.replies().count("⚠️ " + EN_NOTICE) == 2
        lines = outage_lines(caplog)
        assert len(lines) == 1 and lines[0].startswith("redis unavailable"), lines
        assert "ConnectionError" in lines[0]
        assert dependency_up("redis") == 0

        proxy.restore()
        with caplog.at_level(logging.INFO):
            await member.send("/start")
        assert WELCOME in member.window()
        recovered = outage_lines(caplog, logging.WARNING)
        assert len(recovered) == 1 and recovered[0].startswith("redis recovered"), recovered
        assert dependency_up("redis") == 1
    finally:
        await app.dp.storage.close()
        await proxy.stop()


async def test_sqlite_outage_card_sweeper_logs_once_and_sweeps_when_back(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    switch = Switch(db)

    class NoCards:
        async def post(self, card: object) -> None:
            raise AssertionError("nothing is missing")

    sweeper = CardSweeper(db, NoCards(), interval=0.02, holder="sweeper")  # type: ignore[arg-type]
    await switch.cut()
    with caplog.at_level(logging.INFO):
        task = asyncio.create_task(sweeper.run())
        try:
            await asyncio.sleep(0.3)
            assert not task.done()  # still trying
            switch.restore()
            async with asyncio.timeout(5):
                while not outage_lines(caplog, logging.WARNING):  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
        finally:
            sweeper.stop()
            await asyncio.wait_for(task, 5)
    assert len(outage_lines(caplog)) == 1
    assert "first seen by card sweeper" in outage_lines(caplog)[0]
    assert not [r for r in caplog.records if "card sweep failed" in r.getMessage()]
    assert "database recovered after" in outage_lines(caplog, logging.WARNING)[0]
