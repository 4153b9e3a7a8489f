"""Engine, session factory and the unit of work that owns each transaction."""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import TableClause, event, text, update
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_driver

SQLITE_PREFIX = "sqlite+aiosqlite:///"
CONNECT_TIMEOUT = 10  # seconds a PostgreSQL connect may take


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# Connections the pool keeps open, and how many more it opens under a burst (closed again as
# soon as they are given back). SQLAlchemy's 5 + 10 meant that with a hundred updates in flight
# the pool opened and closed a connection every ten updates or so (PostgreSQL: a connect,
# authentication and every statement prepared again; SQLite: a thread and its pragmas):
# `benchmarks/registration.py` counted some 100 sessions in its 1,000 updates. The same 15 at
# most, all kept: an update finding them all busy waits for one, as it did at 15 before.
POOL_SIZE = 15
POOL_OVERFLOW = 0
# SQLite: one connection. The database takes one writer at a time whatever the pool holds, and
# each aiosqlite connection is a thread of its own that the event loop's thread waits behind for
# the GIL at every hand-off: with 15, a sixth of the loop's time went to that wait and a
# registration rush ran at 128-138 updates/s; with one, 167-180 (benchmarks/README.md). No
# caller holds a transaction while it opens another (the whole suite runs this way), so one
# connection serves every caller in turn.
SQLITE_POOL_SIZE = 1


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Build an engine; SQLite gets WAL, a busy timeout and enforced foreign keys. A database
    error never carries the statement's parameters (members' names, phones, texts) into a log."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith(("postgresql", SQLITE_PREFIX)) and ":memory:" not in url:
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE if is_sqlite(url) else POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    if is_sqlite(url):
        path = url[len(SQLITE_PREFIX) :] if url.startswith(SQLITE_PREFIX) else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        if url.startswith(SQLITE_PREFIX):
            kwargs.setdefault("module", sqlite_driver.dbapi())
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # A connection broken by an outage is found before use and replaced, so the bot recovers
    # by itself when the server is back; a server that does not answer at all fails a connect
    # within CONNECT_TIMEOUT instead of asyncpg's minute.
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql+asyncpg"):
        kwargs.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT})
    engine = create_async_engine(url, **kwargs)
    _discard_on_network_error(engine)
    return engine


# A connection given back to the pool this recently, after a transaction that went through, is
# taken again without a ping: under traffic the pool's connections are in constant use, and a
# ping per checkout was one round trip more for each of the several transactions of an update.
# A server lost within this window fails the next statement instead, which `handle_error` below
# takes for a disconnect: the pool is discarded, as after a failed ping.
PING_AFTER_IDLE = 2.0  # seconds


def _discard_on_network_error(engine: AsyncEngine) -> None:
    """asyncpg raises a reset socket's error unwrapped (`ConnectionResetError`), which
    SQLAlchemy does not take for a disconnect: the dead connection would go back to the pool and
    fail again after the server is back. Here such an error discards it (and the pool).
    Pings are skipped for connections used within PING_AFTER_IDLE seconds."""
    dialect = engine.sync_engine.dialect
    ping = dialect.do_ping
    returned_at: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def driver_connection(dbapi_connection: Any) -> Any:
        # SQLAlchemy's asyncpg adapter takes no weak reference; the asyncpg connection does.
        return getattr(dbapi_connection, "_connection", dbapi_connection)

    def do_ping(dbapi_connection: Any) -> bool:
        last = returned_at.pop(driver_connection(dbapi_connection), None)
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE:
            return True
        try:
            return ping(dbapi_connection)
        except OSError:  # ConnectionResetError, TimeoutError...: the connection is gone
            return False

    dialect.do_ping = do_ping  # type: ignore[method-assign]

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            with contextlib.suppress(TypeError):  # a driver without weak references: always ping
                returned_at[driver_connection(dbapi_connection)] = time.monotonic()

    @event.listens_for(engine.sync_engine, "handle_error")
    def _network_error_is_disconnect(context: ExceptionContext) -> None:
        if isinstance(context.original_exception, OSError):
            context.is_disconnect = True


async def take_turns_writing(session: AsyncSession, table: TableClause) -> None:
    """Writers of `table` (processes starting at once, imports) take turns until this
    transaction ends, each seeing what the one before it committed; readers go on."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        name = bind.dialect.identifier_preparer.format_table(table)
        await session.execute(text(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE"))
    elif bind.dialect.name == "sqlite":
        # A write that changes nothing takes SQLite's write lock until the transaction ends.
        column = next(iter(table.columns))
        await session.execute(update(table).where(text("0")).values({column.name: column}))


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    """Holds the engine and hands out one transaction per use case."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = create_session_factory(engine)
        # PostgreSQL reads outside a transaction: no BEGIN and COMMIT round trips around them.
        # SQLite opens no transaction for a read anyway (and switching its mode costs a call).
        self._reads = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads that need no transaction of their own (each statement sees
        what was committed when it ran): the reads every update makes."""
        async with self._reads.connect() as connection:
            yield connection

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one write statement, atomic by itself: on PostgreSQL in autocommit
        (no BEGIN and COMMIT round trips); on SQLite committed in the same call to the
        connection's thread as the statement (`sqlite_driver.OneCallConnection.commit_each`)."""
        if self._reads is not self.engine:
            async with self._reads.connect() as connection:
                yield connection
            return
        async with self.engine.begin() as connection:
            raw = (await connection.get_raw_connection()).dbapi_connection
            if not isinstance(raw, sqlite_driver.OneCallConnection):
                yield connection
                return
            raw.commit_each = True
            try:
                yield connection
            finally:
                raw.commit_each = False

    async def close(self) -> None:
        await self.engine.dispose()
