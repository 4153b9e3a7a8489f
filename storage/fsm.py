"""aiogram FSM storage in the project's own database, and the choice between it and Redis.

`SqlStorage` keeps one `fsm_records` row per storage key (user, chat, bot, destiny): the state in
`state`, the data in the JSON column `data`. A key whose state is None and whose data is empty has
no row at all, so the table only holds live dialogs. Every call is one short transaction; writes
are dialect upserts (`INSERT ... ON CONFLICT (key) DO UPDATE`), so concurrent writers of different
keys never block each other and writers of the same key never fail on a duplicate key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import delete, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import FsmRecord, utcnow

SUPPORTED_DIALECTS = ("sqlite", "postgresql")
KEY_MAX_LENGTH = 255
STATE_MAX_LENGTH = 255


def default_key_builder() -> DefaultKeyBuilder:
    """Keys with the destiny part: aiogram-dialog refuses a key builder without it."""
    return DefaultKeyBuilder(with_destiny=True)


def _state_name(state: StateType) -> str | None:
    if state is None:
        return None
    if isinstance(state, State):
        return state.state
    if isinstance(state, str):
        return state
    raise TypeError(f"FSM state must be a State, a str or None, not {type(state).__name__}")


class SqlStorage(BaseStorage):
    """FSM state and data in the `fsm_records` table of the project's database.

    The storage does not own `db`: `close()` leaves the engine to whoever created it.
    """

    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        if db.dialect not in SUPPORTED_DIALECTS:
            raise ValueError(
                f"SqlStorage supports {', '.join(SUPPORTED_DIALECTS)}, not {db.dialect!r}"
            )
        self.db = db
        self.key_builder = key_builder or default_key_builder()

    def _key(self, key: StorageKey) -> str:
        built = self.key_builder.build(key)
        if len(built) > KEY_MAX_LENGTH:
            raise ValueError(f"FSM storage key is longer than {KEY_MAX_LENGTH}: {built!r}")
        return built

    def _insert(self, values: dict[str, Any], update_columns: tuple[str, ...]) -> Any:
        """`INSERT ... ON CONFLICT (key) DO UPDATE SET <update_columns>, updated_at`."""
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        stmt = dialect.insert(FsmRecord).values(**values)
        assignments = {name: stmt.excluded[name] for name in update_columns}
        assignments["updated_at"] = stmt.excluded.updated_at
        return stmt.on_conflict_do_update(index_elements=[FsmRecord.key], set_=assignments)

    @staticmethod
    async def _delete_if_empty(session: AsyncSession, key: str) -> None:
        await session.execute(
            delete(FsmRecord).where(
                FsmRecord.key == key,
                FsmRecord.state.is_(None),
                FsmRecord.data.is_(None),
            )
        )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = _state_name(state)
        if name is not None and len(name) > STATE_MAX_LENGTH:
            raise ValueError(f"FSM state is longer than {STATE_MAX_LENGTH}: {name!r}")
        record_key = self._key(key)
        async with self.db.transaction() as session:
            if name is None:
                await session.execute(
                    update(FsmRecord)
                    .where(FsmRecord.key == record_key)
                    .values(state=None, updated_at=utcnow())
                )
                await self._delete_if_empty(session, record_key)
            else:
                values = {"key": record_key, "state": name, "data": null(), "updated_at": utcnow()}
                await session.execute(self._insert(values, ("state",)))

    async def get_state(self, key: StorageKey) -> str | None:
        record_key = self._key(key)
        async with self.db.transaction() as session:
            result = await session.execute(
                select(FsmRecord.state).where(FsmRecord.key == record_key)
            )
            return result.scalar_one_or_none()

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        record_key = self._key(key)
        payload = dict(data)
        try:
            # Round-trip now, so a bad value fails here with the key named, not deep in a driver.
            payload = json.loads(json.dumps(payload, allow_nan=False))
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"FSM data for key {record_key!r} is not JSON-serialisable: {error}"
            ) from error
        async with self.db.transaction() as session:
            if not payload:
                await session.execute(
                    update(FsmRecord)
                    .where(FsmRecord.key == record_key)
                    .values(data=null(), updated_at=utcnow())
                )
                await self._delete_if_empty(session, record_key)
            else:
                values = {
                    "key": record_key,
                    "state": None,
                    "data": payload,
                    "updated_at": utcnow(),
                }
                await session.execute(self._insert(values, ("data",)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record_key = self._key(key)
        async with self.db.transaction() as session:
            result = await session.execute(
                select(FsmRecord.data).where(FsmRecord.key == record_key)
            )
            data = result.scalar_one_or_none()
        return dict(data) if data else {}

    async def close(self) -> None:
        """Nothing to release: the `Database` belongs to the application."""


def create_fsm_storage(
    db: Database, redis_url: str | None
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis storage and cross-process locks when `redis_url` is set, else the database."""
    if redis_url:
        redis_storage = RedisStorage.from_url(redis_url, key_builder=default_key_builder())
        return redis_storage, redis_storage.create_isolation()
    return SqlStorage(db), SimpleEventIsolation()


__all__ = ["SqlStorage", "create_fsm_storage", "default_key_builder"]
