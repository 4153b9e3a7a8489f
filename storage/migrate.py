"""Run Alembic migrations from code (on start and from `hromada-bot db upgrade`).

A database already at the newest revision is recognised with one query and without Alembic,
whose import and set-up were a good part of the bot's start-up."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION = re.compile(r'^(down_)?revision\b[^=]*=\s*"([^"]+)"', re.MULTILINE)

# An arbitrary constant naming this application's migration lock in PostgreSQL.
_LOCK_KEY = 7_301_202_511


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    return config


@cache
def head_revision() -> str | None:
    """The newest revision, read from the migration files' `revision` and `down_revision`
    lines; None unless there is exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        for down, revision in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(revision)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def stored_revisions(connection: AsyncConnection) -> set[str]:
    """The revisions the database says it is at; none when it has no schema yet."""
    try:
        rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:  # no alembic_version table: a new database
        return set()
    return {str(row[0]) for row in rows}


async def is_up_to_date(engine: AsyncEngine) -> bool:
    """Whether the database is at the newest revision (False when it has no schema yet)."""
    head = head_revision()
    if head is None:
        return False
    async with engine.connect() as connection:
        return await stored_revisions(connection) == {head}


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision`, inside one transaction where the dialect allows."""
    if revision == "head" and await is_up_to_date(engine):
        return
    from alembic import command

    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    from alembic import command

    await _run(engine, command.downgrade, revision)


async def _run(engine: AsyncEngine, action: Callable[[Config, str], None], revision: str) -> None:
    def _on(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        action(config, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several bot processes may start at once: one migrates, the others wait, then
            # find nothing left to do. The lock ends with this transaction.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        await connection.run_sync(_on)
