"""aiogram FSM storage in the project's own database, and the choice between it and Redis.

`SqlStorage` keeps one `fsm_records` row per storage key (user, chat, bot, destiny): the state in
`state`, the data in the JSON column `data`. A key whose state is None and whose data is empty has
no row at all, so the table only holds live dialogs. The data is encoded to JSON once per write
(`_encode`, keys sorted): that text is bound to the column as it is, and read back as text, which
the update scope compares with a write's and `get_data` decodes. Writes are dialect upserts
(`INSERT ... ON CONFLICT (key) DO UPDATE`), so concurrent writers of different keys never block
each other and writers of the same key never fail on a duplicate key.

The storage's own event isolation (`SqlStorage.create_isolation()`, the members' locks aiogram and
aiogram-dialog take around each update) holds back the writes a task makes while it holds one of
its locks, and sends them as it lets that lock go, before another update can take it: all in
one transaction, the rows given a value in one multi-row upsert, the rows known to be emptied in
one delete (a half emptied in a row the update has not read is cleared, and the row deleted if
nothing is left). An update of the bot thus writes its dialog context, its stack and a state
change in one statement, and they are in the database before the update is done, as when each
write went at once. Reads of that task see its held writes; a failed write fails the update, as
an immediate one did. Outside such a lock every call is one short transaction of its own.

Inside an update scope (`SqlStorage.update_scope()`, opened by the dispatcher around each update)
the storage reads a member's dialog state once and writes only what changed: the first read of
the update fetches, in one statement, the aiogram state row, the member's aiogram-dialog stack in
that chat and the stack's top dialog context (the three rows every update reads; the database
finds the context's key in the stack row); later reads in the update are served from the scope,
and a write of a value equal to the one read is skipped.
A write by any other update or worker of the process evicts the key from every other open scope,
so a scope never serves a value older than the last write this process made. Several processes
share dialog state through Redis (REDIS_URL), not through this table.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import sys
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager, nullcontext
from contextvars import ContextVar
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeGuard

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    DEFAULT_DESTINY,
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.memory import SimpleEventIsolation
from sqlalchemy import Table, Text, bindparam, cast, delete, event, null, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.db import Database
from storage.models import FsmRecord, utcnow

if TYPE_CHECKING:
    from aiogram.fsm.storage.redis import RedisStorage

SUPPORTED_DIALECTS = ("sqlite", "postgresql")
KEY_MAX_LENGTH = 255
STATE_MAX_LENGTH = 255
REDIS_TIMEOUT = 5  # seconds a Redis connect or call may take
REDIS_LOCK_TIMEOUT = 60  # seconds a chat's lock lives when its holder died (aiogram's default)
REDIS_LOCK_POLL = 0.005  # seconds between tries for a chat's lock held by another update


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


# The storage's statements, built once (SQLAlchemy then reuses their compiled form), on the
# bare table: no ORM on the path every update takes.
_RECORDS: Table = FsmRecord.__table__  # type: ignore[assignment]
# The data as the text the database holds, not decoded by the driver: a row this storage wrote
# holds `_encode`'s text, which the scope compares with a write's as it is (a row written
# otherwise compares unequal, and costs one write that was not needed).
_DATA_TEXT = cast(_RECORDS.c.data, Text).label("data")
_FETCH = select(_RECORDS.c.key, _RECORDS.c.state, _DATA_TEXT).where(
    _RECORDS.c.key.in_(bindparam("keys", expanding=True))
)
# A write's statements besides its upsert (`_upsert_rows`), each for all of its keys at once.
_KEYS: Any = bindparam("keys", expanding=True)
_CLEAR_STATES = (
    update(_RECORDS)
    .where(_RECORDS.c.key.in_(_KEYS))
    .values(state=None, updated_at=bindparam("now"))
)
_CLEAR_DATAS = (
    update(_RECORDS)
    .where(_RECORDS.c.key.in_(_KEYS))
    .values(data=null(), updated_at=bindparam("now"))
)
_DELETE = delete(_RECORDS).where(_RECORDS.c.key.in_(_KEYS))
_DELETE_EMPTY = delete(_RECORDS).where(
    _RECORDS.c.key.in_(_KEYS), _RECORDS.c.state.is_(None), _RECORDS.c.data.is_(None)
)
# An update's first read in one statement: the rows of `first` and `stack` (aiogram's state key
# and the member's aiogram-dialog stack; the same key twice when the stack is read first), and
# the dialog context on top of that stack, whose key is `prefix` followed by the last intent id
# of the stack's `intents` (read from the stack row by the database, in the same snapshot).
_TOP_INTENT = {
    "postgresql": "(s.data -> 'intents' ->> -1)",
    "sqlite": "json_extract(s.data, '$.intents[#-1]')",
}
_FETCH_WITH_CONTEXT_SQL = """
SELECT key, state, CAST(data AS TEXT) FROM fsm_records WHERE key IN (:first, :stack)
UNION ALL
SELECT key, state, CAST(data AS TEXT) FROM fsm_records WHERE key = (
    SELECT CAST(:prefix AS VARCHAR(255)) || {top_intent} FROM fsm_records s WHERE s.key = :stack
)
"""


def _fetch_with_context_statement(dialect: str) -> Any:
    """The first read of an update (`_FETCH_WITH_CONTEXT_SQL`) in a dialect."""
    return text(_FETCH_WITH_CONTEXT_SQL.format(top_intent=_TOP_INTENT[dialect])).columns(
        _RECORDS.c.key, _RECORDS.c.state, _DATA_TEXT
    )


_UPSERT_ROWS_SQL = """
INSERT INTO fsm_records (key, state, data, updated_at) VALUES {rows}
ON CONFLICT (key) DO UPDATE SET state = coalesce(excluded.state, fsm_records.state),
    data = coalesce(excluded.data, fsm_records.data), updated_at = excluded.updated_at
"""


@functools.lru_cache(maxsize=64)
def _upsert_rows(dialect: str, count: int) -> Any:
    """One statement upserting `count` rows (`key_<i>`, `state_<i>`, `data_<i>` as JSON text;
    `updated_at`): a half given as NULL keeps what the row holds (a new row gets NULL there), so
    rows that write only their data and rows that write only their state go in the same
    statement. Text, as the first read: SQLAlchemy compiles a multi-row `insert().values()` anew
    at every call."""
    data = "CAST(:data_{i} AS JSON)" if dialect == "postgresql" else ":data_{i}"
    rows = ", ".join(
        f"(:key_{i}, :state_{i}, {data.format(i=i)}, :updated_at)" for i in range(count)
    )
    binds = [bindparam("updated_at", type_=_RECORDS.c.updated_at.type)]
    for i in range(count):
        binds += [
            bindparam(f"key_{i}", type_=_RECORDS.c.key.type),
            bindparam(f"state_{i}", type_=_RECORDS.c.state.type),
            bindparam(f"data_{i}", type_=Text),
        ]
    return text(_UPSERT_ROWS_SQL.format(rows=rows)).bindparams(*binds)


# A row as the scope keeps it: (state, data as the JSON text stored); (None, None) = no row.
_Row = tuple[str | None, str | None]
_NO_ROW: _Row = (None, None)
_EMPTY_TEXTS = frozenset({"null", "{}"})  # data stored by another writer that holds nothing


def _encode(record_key: str, data: dict[str, Any]) -> str | None:
    """The data's JSON text, as it is stored and as a scope compares it (None for no data):
    keys sorted, so equal data written twice is the same text; escaped to ASCII, with the
    separators of `json.dumps`, as the JSON column's own encoding wrote it. Encoding with sorted
    keys and no NaN is the check that the data can be stored, done here so that a bad value fails
    with the key named, not deep in a driver. Keys of mixed types (which JSON turns into strings,
    and sorting cannot compare) are encoded, decoded and encoded again, as they always were."""
    if not data:
        return None
    try:
        return json.dumps(data, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        pass
    try:
        return json.dumps(json.loads(json.dumps(data, allow_nan=False)), sort_keys=True)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"FSM data for key {record_key!r} is not JSON-serialisable: {error}"
        ) from error


def _stored(text: str | None) -> str | None:
    return None if text is None or text in _EMPTY_TEXTS else text


class _Scope:
    """What one update has read and written of one storage."""

    __slots__ = ("__weakref__", "active", "evicted", "rows", "storage", "watched")

    def __init__(self, storage: SqlStorage) -> None:
        self.storage = storage
        self.active = True
        self.rows: dict[str, _Row] = {}
        # key → the storage's write count when another writer changed it during this update
        self.evicted: dict[str, int] = {}
        self.watched: set[str] = set()  # the keys of `rows`, ever: in the storage's index

    def evict(self, key: str, write_count: int) -> None:
        self.rows.pop(key, None)
        self.evicted[key] = write_count


_UNSET: Any = object()  # a half of a row a batch does not write


class _Pending:
    """A key's writes held by a batch: the state, and the data (its JSON text)."""

    __slots__ = ("state", "text")

    def __init__(self) -> None:
        self.state: Any = _UNSET  # str | None (cleared) | _UNSET
        self.text: Any = _UNSET  # str | None (emptied) | _UNSET


class _Batch:
    """The writes one task makes while it holds locks of the storage's isolation."""

    __slots__ = ("depth", "owner", "pending", "storage")

    def __init__(self, storage: SqlStorage, owner: asyncio.Task[Any] | None) -> None:
        self.storage = storage
        # The task, not the context: a task started inside the lock copies the context
        # variable, yet its writes are its own (it takes the lock, or none, for itself).
        self.owner = owner
        self.depth = 0  # the locks the task holds
        self.pending: dict[str, _Pending] = {}


_SCOPE: ContextVar[_Scope | None] = ContextVar("fsm_update_scope", default=None)
_BATCH: ContextVar[_Batch | None] = ContextVar("fsm_write_batch", default=None)
_STORAGES: weakref.WeakSet[SqlStorage] = weakref.WeakSet()


def forget_cached(keys: Iterable[str]) -> None:
    """Rows changed behind the storages' backs (deleted by the privacy erase or the retention
    job): every open update scope of this process forgets them. A write an update holds back
    for one of them still reaches the database, as it would have a moment after the delete."""
    doomed = list(keys)
    for storage in list(_STORAGES):
        storage._written(doomed, None)


def _forget_erased(keys: Iterable[str]) -> None:
    """Rows of an erased member: forgotten like `forget_cached`, and the writes held back for
    them dropped, as if they had reached the database before the erase deleted them."""
    doomed = list(keys)
    for storage in list(_STORAGES):
        storage._drop_pending(doomed)
    forget_cached(doomed)


def _forget_erased_on_commit(session: AsyncSession, keys: Iterable[str]) -> None:
    """`_forget_erased` once `session`'s transaction commits the delete: if it rolls back, the
    rows stay, and so do the writes an update holds back for them."""
    doomed = list(keys)
    event.listen(session.sync_session, "after_commit", lambda _: _forget_erased(doomed), once=True)


def update_scope(storage: BaseStorage) -> AbstractContextManager[None]:
    """`storage.update_scope()` for a `SqlStorage`; nothing for another storage (Redis)."""
    return storage.update_scope() if isinstance(storage, SqlStorage) else nullcontext()


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
        self._fetch_with_context_statement = _fetch_with_context_statement(db.dialect)
        # Which open scopes keep a row of a key, and which are reading right now (they may be
        # about to keep any key): a write evicts the key from these alone, not from every
        # scope open (a hundred updates at once made that a hundred calls per write).
        self._watchers: dict[str, set[_Scope]] = {}
        self._reading: dict[_Scope, int] = {}  # scope → its reads in progress
        self._writes = 0  # writes this storage has finished, for the scopes' bookkeeping
        self._batches: set[_Batch] = set()  # the open ones, for `_forget_erased`
        _STORAGES.add(self)

    def create_isolation(self) -> BaseEventIsolation:
        """The members' locks for the dispatcher and aiogram-dialog: each holds back the writes
        made under it until it is let go (see the module's docstring)."""
        return SqlEventIsolation(self)

    # ------------------------------------------------------------------ the update scope

    @contextmanager
    def update_scope(self) -> Iterator[None]:
        """Reads and writes of the enclosed update share one view of its dialog state (see the
        module's docstring). Nested scopes of the same task share the outer one."""
        current = _SCOPE.get()
        if current is not None and current.active and current.storage is self:
            yield
            return
        scope = _Scope(self)
        token = _SCOPE.set(scope)
        try:
            yield
        finally:
            _SCOPE.reset(token)
            scope.active = False
            scope.rows.clear()
            for key in scope.watched:
                watchers = self._watchers.get(key)
                if watchers is not None:
                    watchers.discard(scope)
                    if not watchers:
                        del self._watchers[key]
            scope.watched.clear()

    def _scope(self) -> _Scope | None:
        scope = _SCOPE.get()
        if scope is not None and scope.active and scope.storage is self:
            return scope
        return None

    def _written(self, keys: Iterable[str], writer: _Scope | None) -> None:
        """After a write reached the database: every other open scope forgets these keys (the
        ones keeping them, and the ones reading now, whose read may be older than the write)."""
        self._writes += 1
        for key in keys:
            for scope in (*self._watchers.get(key, ()), *self._reading):
                if scope is not writer:
                    scope.evict(key, self._writes)

    def _keep(self, scope: _Scope, key: str, row: _Row) -> None:
        scope.rows[key] = row
        if key not in scope.watched:
            scope.watched.add(key)
            self._watchers.setdefault(key, set()).add(scope)

    @staticmethod
    def _stack_of(key: StorageKey) -> StorageKey | None:
        """The aiogram-dialog stack read with `key`: the key itself when it is a stack; for
        aiogram's own state key (every update's first read), the member's stack in the same chat,
        which the update reads next (aiogram-dialog keys it by chat, with the member's id in the
        destiny outside a private chat)."""
        if key.destiny.startswith("aiogd:stack:"):
            return key
        if key.destiny != DEFAULT_DESTINY:
            return None
        private = key.user_id == key.chat_id and key.business_connection_id is None
        stack_id = "" if private else f"<{key.user_id}>"
        return dataclasses.replace(key, user_id=key.chat_id, destiny=f"aiogd:stack:{stack_id}")

    def _top_context(self, stack: StorageKey, row: _Row | None) -> str | None:
        """The key of the dialog context on top of this stack row, if it has one."""
        data = json.loads(row[1]) if row is not None and row[1] else None
        intents = data.get("intents") if isinstance(data, dict) else None
        if not intents or not isinstance(intents[-1], str):
            return None
        return self._key(dataclasses.replace(stack, destiny=f"aiogd:context:{intents[-1]}"))

    async def _read(self, key: StorageKey) -> _Row:
        """The row of `key` as this task's held writes leave it, over `_read_stored`."""
        record_key = self._key(key)
        row = await self._read_stored(key, record_key)
        batch = self._batch()
        held = batch.pending.get(record_key) if batch else None
        if held is None:
            return row
        return (
            row[0] if held.state is _UNSET else held.state,
            row[1] if held.text is _UNSET else held.text,
        )

    async def _read_stored(self, key: StorageKey, record_key: str) -> _Row:
        """The row of `key`: from the update's scope, else from the database (in a scope, with
        the member's dialog stack and its top context, which the update reads next)."""
        scope = self._scope()
        if scope is None:
            async with self.db.reading() as connection:
                rows = await self._fetch(connection, [record_key])
            return rows.get(record_key, _NO_ROW)
        row = scope.rows.get(record_key)
        if row is not None:
            return row
        started = self._writes
        wanted = [record_key]
        stack = self._stack_of(key)
        if stack is not None and stack is not key:
            wanted.append(self._key(stack))
        prefix = self._context_prefix(stack) if stack is not None else None
        self._reading[scope] = self._reading.get(scope, 0) + 1
        try:
            async with self.db.reading() as connection:
                if prefix is None:
                    rows = await self._fetch(connection, wanted)
                else:
                    rows = await self._fetch_with_context(connection, wanted[0], wanted[-1], prefix)
                context = self._top_context(stack, rows.get(wanted[-1])) if stack else None
                if context is not None:
                    if prefix is None:
                        rows.update(await self._fetch(connection, [context]))
                    wanted.append(context)
        finally:
            if self._reading[scope] > 1:
                self._reading[scope] -= 1
            else:
                del self._reading[scope]
        for wanted_key in wanted:
            # Not kept when another writer changed the row while it was being read.
            if scope.evicted.get(wanted_key, -1) <= started:
                self._keep(scope, wanted_key, rows.get(wanted_key, _NO_ROW))
        return rows.get(record_key, _NO_ROW)

    @staticmethod
    async def _fetch(connection: AsyncConnection, keys: list[str]) -> dict[str, _Row]:
        result = await connection.execute(_FETCH, {"keys": keys})
        return {key: (state, _stored(data)) for key, state, data in result.all()}

    async def _fetch_with_context(
        self, connection: AsyncConnection, first: str, stack: str, prefix: str
    ) -> dict[str, _Row]:
        """`first`, `stack` and the context on top of the stack, in one statement."""
        result = await connection.execute(
            self._fetch_with_context_statement,
            {"first": first, "stack": stack, "prefix": prefix},
        )
        return {key: (state, _stored(data)) for key, state, data in result.all()}

    def _context_prefix(self, stack: StorageKey) -> str | None:
        """What the key of a dialog context of this stack is before its intent id, when the key
        builder writes the destiny last (the default one does); else None, and the context is
        read by a second statement."""
        prefix = self._key(dataclasses.replace(stack, destiny="aiogd:context:"))
        probe = self._key(dataclasses.replace(stack, destiny="aiogd:context:x"))
        return prefix if probe == prefix + "x" else None

    # ------------------------------------------------------------------ the write batch

    @asynccontextmanager
    async def _batching(self) -> AsyncIterator[None]:
        """Writes of this task in the enclosed block are held back and sent at its end, whether
        it ends well or by an error (an immediate write would have been made by then too). A
        nested block sends what is held at its own end as well: each lock covers its writes."""
        batch = self._batch()
        outer = _BATCH.get()
        if batch is None:
            batch = _Batch(self, asyncio.current_task())
            _BATCH.set(batch)
            self._batches.add(batch)
        batch.depth += 1
        try:
            yield
        finally:
            batch.depth -= 1
            try:
                await self._flush(batch)
            finally:
                if batch.depth == 0:
                    self._batches.discard(batch)
                    _BATCH.set(outer)

    def _batch(self) -> _Batch | None:
        batch = _BATCH.get()
        if (
            batch is not None
            and batch.depth > 0
            and batch.storage is self
            and batch.owner is asyncio.current_task()
        ):
            return batch
        return None

    def _hold(
        self,
        batch: _Batch,
        scope: _Scope | None,
        key: str,
        state: Any,
        text: Any,
    ) -> None:
        """Hold back a write of the state or the data (the other half `_UNSET`); a half equal
        to the row this update read is no write at all."""
        pending = batch.pending.get(key) or _Pending()
        if state is not _UNSET:
            pending.state = state
        if text is not _UNSET:
            pending.text = text
        row = scope.rows.get(key) if scope else None
        if row is not None:
            if pending.state is not _UNSET and pending.state == row[0]:
                pending.state = _UNSET
            if pending.text is not _UNSET and pending.text == row[1]:
                pending.text = _UNSET
        if pending.state is _UNSET and pending.text is _UNSET:
            batch.pending.pop(key, None)
        else:
            batch.pending[key] = pending

    def _drop_pending(self, keys: list[str]) -> None:
        for batch in self._batches:
            for key in keys:
                batch.pending.pop(key, None)

    async def _flush(self, batch: _Batch) -> None:
        """Send the batch's held writes in one transaction: one upsert of the rows with a value,
        one delete of the rows known to be empty now; a half emptied in a row whose other half
        this update has not read is cleared, and the row deleted if nothing is left of it."""
        pending, batch.pending = batch.pending, {}
        if not pending:
            return
        scope = self._scope()
        upserts: list[tuple[str, str | None, str | None]] = []
        deletes: list[str] = []
        clear_states: list[str] = []
        clear_datas: list[str] = []
        rows: dict[str, _Row | None] = {}  # the row each key holds after the flush, if known
        for key, held in pending.items():
            row = scope.rows.get(key) if scope else None
            state = held.state if held.state is not _UNSET else (row[0] if row else _UNSET)
            text = held.text if held.text is not _UNSET else (row[1] if row else _UNSET)
            if state is None and text is None:
                deletes.append(key)
                rows[key] = _NO_ROW
                continue
            rows[key] = None if state is _UNSET or text is _UNSET else (state, text)
            if held.state is None:
                clear_states.append(key)
            if held.text is None:
                clear_datas.append(key)
            if isinstance(held.state, str) or isinstance(held.text, str):
                upserts.append(
                    (
                        key,
                        held.state if isinstance(held.state, str) else None,
                        held.text if isinstance(held.text, str) else None,
                    )
                )
        now = utcnow()
        statements: list[tuple[Any, dict[str, Any]]] = []
        if upserts:
            # in the order of the keys: two batches of rows in common lock them in one order
            upserts.sort(key=lambda upsert: upsert[0])
            values: dict[str, Any] = {"updated_at": now}
            for i, (key, state, data) in enumerate(upserts):
                values |= {f"key_{i}": key, f"state_{i}": state, f"data_{i}": data}
            statements.append((_upsert_rows(self.db.dialect, len(upserts)), values))
        if clear_states:
            statements.append((_CLEAR_STATES, {"keys": clear_states, "now": now}))
        if clear_datas:
            statements.append((_CLEAR_DATAS, {"keys": clear_datas, "now": now}))
        if clear_states or clear_datas:
            statements.append((_DELETE_EMPTY, {"keys": [*clear_states, *clear_datas]}))
        if deletes:
            statements.append((_DELETE, {"keys": deletes}))
        if len(statements) == 1:
            async with self.db.single_statement() as connection:
                await connection.execute(*statements[0])
        else:
            async with self.db.engine.begin() as connection:
                for statement, params in statements:
                    await connection.execute(statement, params)
        if scope is not None:
            for key, kept in rows.items():
                if kept is None:
                    scope.rows.pop(key, None)
                else:
                    self._keep(scope, key, kept)
        self._written(rows, scope)

    # ------------------------------------------------------------------ the storage

    def _key(self, key: StorageKey) -> str:
        built = self.key_builder.build(key)
        if len(built) > KEY_MAX_LENGTH:
            raise ValueError(f"FSM storage key is longer than {KEY_MAX_LENGTH}: {built!r}")
        return built

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = _state_name(state)
        if name is not None and len(name) > STATE_MAX_LENGTH:
            raise ValueError(f"FSM state is longer than {STATE_MAX_LENGTH}: {name!r}")
        await self._write(self._key(key), name, _UNSET)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        record_key = self._key(key)
        await self._write(record_key, _UNSET, _encode(record_key, dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        text = (await self._read(key))[1]
        if text is None:
            return {}
        data = json.loads(text)
        return dict(data) if data else {}

    async def _write(self, key: str, state: Any, text: Any) -> None:
        """Write the state or the data (the other half `_UNSET`): held back while this task
        holds a lock of the storage's isolation, else sent at once, as a batch of one."""
        scope = self._scope()
        batch = self._batch()
        if batch is not None:
            self._hold(batch, scope, key, state, text)
            return
        once = _Batch(self, None)
        self._hold(once, scope, key, state, text)
        await self._flush(once)

    async def close(self) -> None:
        """Nothing to release: the `Database` belongs to the application."""


class SqlEventIsolation(SimpleEventIsolation):
    """The members' locks of this process (aiogram's `SimpleEventIsolation`), each sending the
    writes its holder made to `storage` before it is let go: the next update that takes it reads
    them from the database."""

    def __init__(self, storage: SqlStorage) -> None:
        super().__init__()
        self.storage = storage

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        async with super().lock(key), self.storage._batching():
            yield


# ------------------------------------------------------------------------------ one user's state

# A key's parts that hold state; never `lock`: the update that erases holds the user's lock,
# and a lock deleted under it fails its release (LockNotOwnedError). Locks expire by themselves.
_PARTS = ("data", "state")


def _key_parts(key: str) -> tuple[list[int], str]:
    """The numbers of a key built by `default_key_builder()` (chat, thread if any, user) and
    what follows them (the destiny, and for Redis the part)."""
    pieces = key.split(":")
    if pieces[0] != "fsm":
        return [], ""
    numbers: list[int] = []
    index = 1
    while index < len(pieces) and pieces[index].lstrip("-").isdigit():
        numbers.append(int(pieces[index]))
        index += 1
    return numbers, ":".join(pieces[index:])


def key_owner(key: str) -> str:
    """The start of a `default_key_builder()` key that names its chat and user
    (`fsm:<chat>:<user>:`, a forum topic's thread between them): every key of one person in one
    chat starts with it. A key of another shape is its own owner."""
    numbers, _ = _key_parts(key)
    if not numbers:
        return key
    return "fsm:" + "".join(f"{number}:" for number in numbers)


def _group_stack_prefix(key: str, user_id: int) -> str | None:
    """For the user's own dialog stack in a group (`aiogd:stack:<id>`), the key up to the
    destiny: the stack's dialogs are stored under it with `aiogd:context:<intent>`."""
    marker = f"aiogd:stack:<{user_id}>"
    at = key.find(marker)
    return key[:at] if at > 0 else None


def belongs_to(key: str, user_id: int) -> bool:
    """Whether this FSM storage key holds state of `user_id`: their private chat, their state
    in a group, or their dialog stack in a group."""
    numbers, rest = _key_parts(key)
    if not numbers:
        return False
    return user_id in (numbers[0], numbers[-1]) or rest.startswith(f"aiogd:stack:<{user_id}>")


def _context_keys(prefix: str, data: Any, suffix: str = "") -> set[str]:
    intents = data.get("intents") if isinstance(data, dict) else None
    return {
        f"{prefix}aiogd:context:{intent}{suffix}"
        for intent in intents or ()
        if isinstance(intent, str)
    }


async def delete_user_records(session: AsyncSession, user_id: int) -> int:
    """Delete every `fsm_records` row of `user_id` in the caller's transaction (the member
    erased their profile); returns how many went."""
    rows = await session.execute(
        select(FsmRecord.key, FsmRecord.data).where(FsmRecord.key.like(f"%{user_id}%"))
    )
    doomed: set[str] = set()
    for key, data in rows.all():
        if belongs_to(key, user_id):
            doomed.add(key)
            prefix = _group_stack_prefix(key, user_id)
            if prefix is not None:
                doomed |= _context_keys(prefix, data)
    if not doomed:
        return 0
    result = await session.execute(delete(FsmRecord).where(FsmRecord.key.in_(doomed)))
    _forget_erased_on_commit(session, doomed)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_user(storage: object, user_id: int) -> int:
    """Delete every state and dialog of `user_id` from `storage` (the database or Redis; any
    other storage holds nothing to delete); returns how many records went."""
    if isinstance(storage, SqlStorage):
        async with storage.db.transaction() as session:
            return await delete_user_records(session, user_id)
    if not is_redis(storage):
        return 0
    doomed: set[str] = set()
    async for raw in storage.redis.scan_iter(match=f"fsm:*{user_id}*", count=500):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        base, _, part = key.rpartition(":")
        if part not in _PARTS or not belongs_to(base, user_id):
            continue
        doomed.add(key)
        prefix = _group_stack_prefix(base, user_id)
        if prefix is not None and part == "data":
            value = await storage.redis.get(key)
            data = storage.json_loads(value) if value else None
            doomed |= _context_keys(prefix, data, ":data") | _context_keys(prefix, data, ":state")
    if not doomed:
        return 0
    return int(await storage.redis.delete(*doomed))


def is_redis(storage: object) -> TypeGuard[RedisStorage]:
    """Whether `storage` is aiogram's Redis storage. A SQLite or single-process deployment
    never imports the Redis client (a tenth of a second of start-up): no storage is Redis then."""
    module = sys.modules.get("aiogram.fsm.storage.redis")
    return module is not None and isinstance(storage, module.RedisStorage)


def create_fsm_storage(
    db: Database, redis_url: str | None, *, state_ttl: timedelta | None = None
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis storage and cross-process locks when `redis_url` is set, else the database.
    `state_ttl`: Redis forgets a record not written for that long (RETENTION_DIALOG_DAYS; in
    the database the daily retention job deletes such rows)."""
    if redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        redis_storage = RedisStorage.from_url(
            redis_url,
            # Redis gone: a call fails within seconds (and the member gets the outage notice)
            # rather than hanging; redis-py reconnects by itself when it is back.
            connection_kwargs={
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
                "health_check_interval": 30,
            },
            key_builder=default_key_builder(),
            state_ttl=state_ttl,
            data_ttl=state_ttl,
        )
        # A member's next update waits for the lock of the one before; redis-py's lock polls
        # every 0.1 s by default, which a quick answer or a double tap felt as 100 ms more.
        isolation = redis_storage.create_isolation(
            lock_kwargs={"timeout": REDIS_LOCK_TIMEOUT, "sleep": REDIS_LOCK_POLL}
        )
        return redis_storage, isolation
    storage = SqlStorage(db)
    return storage, storage.create_isolation()


__all__ = [
    "SqlEventIsolation",
    "SqlStorage",
    "belongs_to",
    "create_fsm_storage",
    "default_key_builder",
    "delete_user_records",
    "forget_cached",
    "forget_user",
    "is_redis",
    "key_owner",
    "update_scope",
]
