"""The SQL FSM storage's update scope: an update's dialog state is read in one transaction,
later reads come from the scope, unchanged values are not written again, and a write made
elsewhere in the process is never hidden by a scope (storage/fsm.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event

from storage.db import Database
from storage.fsm import SqlStorage, delete_user_records, forget_cached

BOT_ID = 1
USER = 42


def key(destiny: str = "default", *, chat: int = USER, user: int = USER) -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=chat, user_id=user, destiny=destiny)


STATE = key()
STACK = key("aiogd:stack:")
CONTEXT = key("aiogd:context:abc")


class Count:
    value = 0


class Statements:
    """Counts the statements `db` sends within each `counting()` block."""

    def __init__(self, db: Database) -> None:
        self._open: Count | None = None
        event.listen(db.engine.sync_engine, "after_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        if self._open is not None:
            self._open.value += 1

    @contextmanager
    def counting(self) -> Iterator[Count]:
        self._open = Count()
        try:
            yield self._open
        finally:
            self._open = None


@pytest.fixture
async def storage(db: Database) -> AsyncIterator[SqlStorage]:
    storage = SqlStorage(db)
    # a member in the middle of a dialog: a stack with one intent and its context
    await storage.set_data(STACK, {"_id": "", "intents": ["abc"], "last_message_id": 7})
    await storage.set_data(CONTEXT, {"id": "abc", "state": "Menu:main", "dialog_data": {"n": 1}})
    yield storage


async def test_the_first_read_of_an_update_fetches_the_stack_and_its_context(
    storage: SqlStorage, db: Database
) -> None:
    statements = Statements(db)
    with storage.update_scope():
        with statements.counting() as first:
            assert await storage.get_state(STATE) is None
        with statements.counting() as later:
            stack = await storage.get_data(STACK)
            context = await storage.get_data(CONTEXT)
    assert first.value == 1  # the state, the stack and the stack's top context at once
    assert later.value == 0
    assert stack["intents"] == ["abc"]
    assert context["dialog_data"] == {"n": 1}


async def test_without_a_scope_every_read_goes_to_the_database(
    storage: SqlStorage, db: Database
) -> None:
    statements = Statements(db)
    with statements.counting() as reads:
        await storage.get_state(STATE)
        await storage.get_data(STACK)
        await storage.get_data(STACK)
    assert reads.value == 3


async def test_an_unchanged_value_is_not_written_and_a_changed_one_is(
    storage: SqlStorage, db: Database
) -> None:
    statements = Statements(db)
    with storage.update_scope():
        assert await storage.get_state(STATE) is None
        stack = await storage.get_data(STACK)
        context = await storage.get_data(CONTEXT)
        with statements.counting() as unchanged:
            # the same data in another key order, as aiogram-dialog may build it
            await storage.set_data(STACK, dict(reversed(list(stack.items()))))
            await storage.set_state(STATE, None)
        context["dialog_data"]["n"] = 2
        with statements.counting() as changed:
            await storage.set_data(CONTEXT, context)
        # written once: the scope now holds the new value
        with statements.counting() as again:
            await storage.set_data(CONTEXT, context)
            assert (await storage.get_data(CONTEXT))["dialog_data"] == {"n": 2}
    assert unchanged.value == 0
    assert changed.value == 1
    assert again.value == 0
    assert (await SqlStorage(db).get_data(CONTEXT))["dialog_data"] == {"n": 2}


async def test_data_handed_out_is_a_copy(storage: SqlStorage) -> None:
    with storage.update_scope():
        context = await storage.get_data(CONTEXT)
        context["dialog_data"]["n"] = 99
        assert (await storage.get_data(CONTEXT))["dialog_data"] == {"n": 1}


async def test_a_write_elsewhere_in_the_process_is_seen_by_an_open_scope(
    storage: SqlStorage,
) -> None:
    seen: list[dict[str, Any]] = []
    written = asyncio.Event()
    read_once = asyncio.Event()

    async def member_update() -> None:
        with storage.update_scope():
            await storage.get_data(CONTEXT)
            read_once.set()
            await written.wait()
            seen.append(await storage.get_data(CONTEXT))

    async def background_update() -> None:
        await read_once.wait()
        with storage.update_scope():  # e.g. a progress window refreshed by a worker
            await storage.set_data(CONTEXT, {"id": "abc", "state": "Menu:main", "dialog_data": {}})
        written.set()

    await asyncio.gather(member_update(), background_update())
    assert seen == [{"id": "abc", "state": "Menu:main", "dialog_data": {}}]


async def test_a_row_written_while_it_was_being_read_is_not_kept(
    storage: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scope's read may see the row before another writer's change: it must not keep it."""
    fetch = storage._fetch_with_context
    # Another writer with a connection of its own (SQLite's pool holds one: a second engine).
    other_db = Database.from_url(storage.db.engine.url.render_as_string(hide_password=False))
    other = SqlStorage(other_db)

    async def fetch_then_someone_writes(session: Any, first: str, stack: str, prefix: str) -> Any:
        rows = await fetch(session, first, stack, prefix)
        if storage._key(STACK) == stack:
            await other.set_data(STACK, {"_id": "", "intents": [], "last_message_id": 8})
            storage._written([storage._key(STACK)], None)  # as the other process-wide write does
        return rows

    monkeypatch.setattr(storage, "_fetch_with_context", fetch_then_someone_writes)
    try:
        with storage.update_scope():
            await storage.get_state(STATE)
            monkeypatch.setattr(storage, "_fetch_with_context", fetch)
            assert (await storage.get_data(STACK))["last_message_id"] == 8
    finally:
        await other_db.close()


async def test_erasing_a_member_empties_the_open_scopes(storage: SqlStorage, db: Database) -> None:
    with storage.update_scope():
        assert await storage.get_data(STACK)
        async with db.transaction() as session:
            assert await delete_user_records(session, USER) == 2
        assert await storage.get_data(STACK) == {}
        assert await storage.get_data(CONTEXT) == {}


async def test_forget_cached_evicts_keys_deleted_behind_the_storage(storage: SqlStorage) -> None:
    with storage.update_scope():
        assert await storage.get_data(STACK)
        await SqlStorage(storage.db).set_data(STACK, {})
        forget_cached([storage._key(STACK)])
        assert await storage.get_data(STACK) == {}


async def test_after_the_scope_reads_go_to_the_database_again(
    storage: SqlStorage, db: Database
) -> None:
    statements = Statements(db)
    with storage.update_scope():
        await storage.get_data(STACK)
    with statements.counting() as after:
        await storage.get_data(STACK)
    assert after.value == 1


async def test_a_group_member_reads_their_own_stack_with_their_state(
    storage: SqlStorage, db: Database
) -> None:
    group = -100123
    own_stack = key(f"aiogd:stack:<{USER}>", chat=group, user=group)
    await storage.set_data(own_stack, {"_id": f"<{USER}>", "intents": [], "last_message_id": 3})
    statements = Statements(db)
    with storage.update_scope():
        with statements.counting() as first:
            await storage.get_state(key(chat=group, user=USER))
        with statements.counting() as later:
            assert (await storage.get_data(own_stack))["last_message_id"] == 3
    assert (first.value, later.value) == (1, 0)
