"""Run Alembic migrations from code (on start and from `hromada-bot db upgrade`)."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# An arbitrary constant naming this application's migration lock in PostgreSQL.
_LOCK_KEY = 7_301_202_511


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision`, inside one transaction where the dialect allows."""
    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
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
