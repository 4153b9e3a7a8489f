"""Shared fixtures: a migrated empty database per test, on SQLite or on PostgreSQL.

Backends are chosen by the environment:
- `TEST_DATABASE_URL` (a `postgresql+asyncpg://` URL): every database test runs there; otherwise
  each test gets its own SQLite file, a copy of one migrated per session (Alembic once, not per
  test).
- `TEST_REDIS_URL`: dialog state in Redis for the tests that use a state storage; its database is
  flushed by the tests, so point it at a spare one (`redis://127.0.0.1:6379/15`).
- `TEST_REQUIRE_SERVICES=1` (CI): a test that would skip for a missing service fails instead.

Parallel workers (pytest-xdist, `-n 4`): each worker gets services of its own, so no test sees
another worker's rows or keys. Worker `gwK` rewrites, for itself and the bot processes it
starts, `TEST_DATABASE_URL` to the database `<name>_gwK` on the same server (created when
missing) and `TEST_REDIS_URL`'s database number N to N - K: with /15 and four workers, 15, 14,
13 and 12 are flushed, so keep those spare. A run without workers uses the URLs as given.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

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


def worker_number() -> int | None:
    """This pytest-xdist worker's number (`gw3` -> 3); None when the tests run in one process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else None


def worker_database_url(url: str, worker: int) -> str:
    """The worker's own database on the same server: `<name>_gw<worker>`."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_gw{worker}").render_as_string(
        hide_password=False
    )


def worker_redis_url(url: str, worker: int) -> str:
    """The worker's own Redis database: the URL's number less the worker's (15, 14, 13...)."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) - worker
    if number < 0:
        raise pytest.UsageError(
            f"TEST_REDIS_URL {url!r} leaves no Redis database for worker gw{worker}: "
            "give a higher database number (/15) or fewer workers"
        )
    return urlunsplit(parts._replace(path=f"/{number}"))


async def _create_database(server_url: str, url: str) -> None:
    """CREATE DATABASE for `url` unless it exists, through a connection to `server_url`."""
    import asyncpg

    server, name = make_url(server_url), make_url(url).database
    admin = await asyncpg.connect(
        user=server.username,
        password=server.password,
        host=server.host,
        port=server.port,
        database=server.database,
    )
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def pytest_configure(config: pytest.Config) -> None:
    """In a pytest-xdist worker: point the service URLs at the worker's own database and Redis
    database, in the environment, so the tests and the bot processes they start all see them."""
    worker = worker_number()
    if worker is None:
        return
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        os.environ["TEST_REDIS_URL"] = worker_redis_url(redis_url, worker)
    database_url = os.environ.get("TEST_DATABASE_URL")
    if database_url:
        own_url = worker_database_url(database_url, worker)
        asyncio.run(_create_database(database_url, own_url))
        os.environ["TEST_DATABASE_URL"] = own_url


_migrated_postgres = False
_migrated_sqlite: Path | None = None


async def _migrate(url: str) -> None:
    database = Database.from_url(url)
    try:
        await upgrade(database.engine)
    finally:
        await database.close()


def _empty_postgres_statement() -> str:
    """One statement that leaves the tables as TRUNCATE ... RESTART IDENTITY would: rows deleted
    (dependent tables first) and the used sequences restarted. On the few rows a test leaves it
    takes 2 ms where TRUNCATE, which makes new files for every table and index, takes 50."""
    tables = reversed(Base.metadata.sorted_tables)
    deletes = " ".join(f"DELETE FROM {table.name};" for table in tables)
    return (
        "DO $$DECLARE used record; BEGIN "
        + deletes
        + " FOR used IN SELECT schemaname, sequencename FROM pg_sequences"
        " WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP"
        " EXECUTE format('ALTER SEQUENCE %I.%I RESTART', used.schemaname, used.sequencename);"
        " END LOOP; END$$"
    )


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
        async with database.engine.begin() as connection:
            await connection.execute(text(_empty_postgres_statement()))
    finally:
        await database.close()


async def _new_sqlite(path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A migrated SQLite file at `path`: a copy of one migrated once per session (with WAL, the
    closed engine leaves everything in the main file)."""
    global _migrated_sqlite
    if _migrated_sqlite is None:
        template = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
        await _migrate(f"sqlite+aiosqlite:///{template}")
        _migrated_sqlite = template
    shutil.copyfile(_migrated_sqlite, path)


@pytest.fixture
async def database_url(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a migrated, empty database for this test."""
    url = postgres_url()
    if url:
        await _reset_postgres(url)
        return url
    path = tmp_path / "test.sqlite3"
    await _new_sqlite(path, tmp_path_factory)
    return f"sqlite+aiosqlite:///{path}"


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
