"""Shared fixtures: a migrated empty database per test, on SQLite or on PostgreSQL.

Backends are chosen by the environment:
- `TEST_DATABASE_URL` (a `postgresql+asyncpg://` URL): every database test runs there; otherwise
  each test gets its own SQLite file.
- `TEST_REDIS_URL`: dialog state in Redis for the tests that use a state storage; its database is
  flushed by the tests, so point it at a spare one (`redis://127.0.0.1:6379/15`).
- `TEST_REQUIRE_SERVICES=1` (CI): a test that would skip for a missing service fails instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def require_service(env_name: str, what: str) -> str:
    """The service URL from `env_name`; skip (or fail under TEST_REQUIRE_SERVICES) without it."""
    value = os.environ.get(env_name)
    if value:
        return value
    message = f"{what} not configured: set {env_name} to run this test"
    if os.environ.get("TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (TEST_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


_migrated_postgres = False


async def _reset_postgres(url: str) -> None:
    """Migrate once per session, then empty every table before each test."""
    global _migrated_postgres
    database = Database.from_url(url)
    try:
        if not _migrated_postgres:
            async with database.engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
            await upgrade(database.engine)
            _migrated_postgres = True
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        async with database.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await database.close()


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    """The URL of a migrated, empty database for this test."""
    url = postgres_url()
    if url:
        await _reset_postgres(url)
        return url
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    database = Database.from_url(url)
    try:
        await upgrade(database.engine)
    finally:
        await database.close()
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(database_url)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def redis_url() -> str:
    return require_service("TEST_REDIS_URL", "Redis")
