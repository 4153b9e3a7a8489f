"""The SQLite driver (storage/sqlite_driver.py): one call on aiosqlite's thread per statement,
none for a commit or rollback with nothing to end, and the DB-API behaviour SQLAlchemy needs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import Database


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def thread_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the functions aiosqlite ran on its connection threads."""
    calls: list[str] = []
    run = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await run(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    yield calls


async def test_a_read_takes_one_call_and_a_write_two(
    sqlite: Database, thread_calls: list[str]
) -> None:
    async with sqlite.transaction() as session:
        await session.execute(text("SELECT 1"))  # the pool's connection is open now
    thread_calls.clear()
    async with sqlite.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    assert thread_calls == ["_run"]
    thread_calls.clear()
    async with sqlite.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
    assert thread_calls == ["_run", "commit"]


async def test_rows_counts_and_last_row_id(sqlite: Database) -> None:
    async with sqlite.transaction() as session:
        inserted = await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1
        many = await session.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}]
        )
        assert many.rowcount == 2
        updated = await session.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        rows = await session.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert list(rows.keys()) == ["id", "name"]
        assert [tuple(row) for row in rows] == [(1, "a"), (2, "b!"), (3, "c!")]


async def test_a_failed_statement_raises_the_dbapi_error_and_rolls_back(sqlite: Database) -> None:
    with pytest.raises(IntegrityError):
        async with sqlite.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('same')"))
            await session.execute(text("INSERT INTO t (name) VALUES ('same')"))
    async with sqlite.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0


async def test_a_single_statement_is_committed_in_its_own_call(
    sqlite: Database, thread_calls: list[str]
) -> None:
    async with sqlite.transaction() as session:
        await session.execute(text("SELECT 1"))
    thread_calls.clear()
    async with sqlite.single_statement() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('one')"))
    assert thread_calls == ["_run"]
    async with sqlite.reading() as connection:
        names = (await connection.execute(text("SELECT name FROM t"))).scalars().all()
    assert names == ["one"]


async def test_a_single_statement_that_fails_leaves_nothing(sqlite: Database) -> None:
    async with sqlite.single_statement() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('same')"))
    with pytest.raises(IntegrityError):
        async with sqlite.single_statement() as connection:
            await connection.execute(text("INSERT INTO t (name) VALUES ('same')"))
    async with sqlite.transaction() as session:  # the connection is usable, nothing half-done
        await session.execute(text("INSERT INTO t (name) VALUES ('other')"))
    async with sqlite.reading() as connection:
        names = (await connection.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all()
    assert names == ["same", "other"]
