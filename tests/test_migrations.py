"""Migrations: up, down and up again on both databases; concurrent starts on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import storage.migrate
from storage.db import Database
from storage.migrate import alembic_config, downgrade, head_revision, is_up_to_date, upgrade
from storage.models import Base
from tests.conftest import postgres_url


@pytest.fixture
async def empty_url(tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    url = postgres_url()
    if not url:
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    parsed = make_url(url)
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(
        user=parsed.username, host=parsed.host, port=parsed.port, database=parsed.database
    )
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    db = Database.from_url(empty_url)
    try:
        await upgrade(db.engine)
        expected = {table.name for table in Base.metadata.sorted_tables}
        assert expected <= await _tables(db)
        await downgrade(db.engine)
        assert await _tables(db) <= {"alembic_version"}
        await upgrade(db.engine)
        assert expected <= await _tables(db)
    finally:
        await db.close()


async def test_the_schema_matches_the_models(empty_url: str) -> None:
    """A model change without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = Database.from_url(empty_url)
    try:
        await upgrade(db.engine)
        async with db.engine.connect() as connection:
            diff = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
    finally:
        await db.close()
    assert diff == []


async def test_processes_starting_together_migrate_once(empty_url: str) -> None:
    if not empty_url.startswith("postgresql"):
        pytest.skip("SQLite runs one bot process; concurrent starts concern PostgreSQL")
    databases = [Database.from_url(empty_url) for _ in range(3)]
    try:
        async with asyncio.timeout(60):  # without the lock they deadlock on each other's DDL
            await asyncio.gather(*(upgrade(db.engine) for db in databases))
        async with databases[0].engine.connect() as connection:
            versions = (
                await connection.execute(text("SELECT count(*) FROM alembic_version"))
            ).scalar()
        assert versions == 1
    finally:
        for db in databases:
            await db.close()


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_an_up_to_date_database_is_not_handed_to_alembic(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await is_up_to_date(db.engine)
    with monkeypatch.context() as patch:

        async def no_alembic(*_args: object) -> None:
            raise AssertionError("Alembic was run on an up-to-date database")

        patch.setattr(storage.migrate, "_run", no_alembic)
        await upgrade(db.engine)

    # one revision down it is not up to date, and upgrade() runs Alembic again
    await downgrade(db.engine, "-1")
    assert not await is_up_to_date(db.engine)
    await upgrade(db.engine)
    assert await is_up_to_date(db.engine)
