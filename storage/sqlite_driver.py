"""SQLAlchemy's aiosqlite adapter with one thread hand-off per statement instead of four, and
none for a commit or rollback when no transaction is open.

aiosqlite runs every sqlite3 call on the connection's own thread, one hand-off per call, and
SQLAlchemy's adapter makes four per statement (create a cursor, execute, fetch the rows, close
the cursor), then one for the commit and one for the pool's rollback when the connection goes
back, even after a transaction that only read. On the bot's short statements the hand-offs cost
more CPU than the statements (the profile in `benchmarks/README.md`). Here a statement runs
whole (cursor, execute, fetch, close) in one call on the connection's thread, and a commit or
rollback is skipped when sqlite3 says no transaction is open (`in_transaction`): sqlite3's own
`commit()` and `rollback()` then do nothing either. A single-statement write
(`Database.single_statement`) is committed in the statement's own call. Statements still run off
the event loop.

Built on SQLAlchemy's `AsyncAdapt_aiosqlite_*` classes and aiosqlite's `Connection._execute`
(SQLAlchemy's own adapter uses the same aiosqlite internals); `tests/test_sqlite_driver.py`
checks the behaviour the engine relies on, for when either package is upgraded.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, commit: bool = False
) -> _Outcome:
    """One statement on the connection's thread, from cursor to closed cursor; with `commit`,
    its transaction committed in the same call."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        outcome = description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()
    if commit and connection.in_transaction:
        connection.commit()
    return outcome


def _run_many(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return cursor.description, cursor.rowcount, cursor.lastrowid, []
    finally:
        cursor.close()


class OneCallCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statements each take one call on the connection's thread; it holds the
    outcome (rows, description, counts) rather than an open sqlite3 cursor."""

    __slots__ = ("_outcome",)

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._outcome: _Outcome = (None, -1, None, [])

    @property
    def description(self) -> Any:
        return self._outcome[0]

    @property
    def rowcount(self) -> int:
        return self._outcome[1]

    @property
    def lastrowid(self) -> Any:
        return self._outcome[2]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        """Rows are fetched whole: there is nothing to size."""

    async def _async_soft_close(self) -> None:
        """Nothing is open between calls."""

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        adapted = self._adapt_connection
        commit = getattr(adapted, "commit_each", False)
        async with adapted._execute_mutex:
            self._outcome = await self._connection._execute(
                _run, self._connection._conn, operation, parameters, commit
            )
        self._rows = collections.deque(self._outcome[3])
        return self

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        async with self._adapt_connection._execute_mutex:
            self._outcome = await self._connection._execute(
                _run_many, self._connection._conn, operation, seq_of_parameters
            )
        self._rows = collections.deque()
        return self


class OneCallConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with `OneCallCursor`; commit and rollback only when a
    transaction is open. With `commit_each` (see `Database.single_statement`) each statement
    is committed in its own call, and the transaction's commit then finds nothing to do."""

    __slots__ = ("commit_each",)

    _cursor_cls = OneCallCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.commit_each = False

    def commit(self) -> None:
        if self._connection._connection is not None and self._connection.in_transaction:
            super().commit()

    def rollback(self) -> None:
        if self._connection._connection is not None and self._connection.in_transaction:
            super().rollback()


class OneCallDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module for `create_async_engine(..., module=...)`: connects as SQLAlchemy's
    aiosqlite adapter does and hands out `OneCallConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> OneCallConnection:
        adapted = super().connect(*arg, **kw)
        return OneCallConnection(self, adapted._connection)


def dbapi() -> OneCallDbapi:
    return OneCallDbapi(aiosqlite, sqlite3)
