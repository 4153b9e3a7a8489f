"""The SQL FSM storage's update scope: an update's dialog state is read in one transaction,
later reads come from the scope, unchanged values are not written again, and a write made
elsewhere in the process is never hidden by a scope; and the storage's locks, which hold an
update's writes back and send them in one statement before they are let go (storage/fsm.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event, text

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


# --- writes held under the storage's locks -------------------------------------------------------


@pytest.fixture
async def elsewhere(db: Database) -> AsyncIterator[SqlStorage]:
    """A storage on an engine of its own, as another process would read the same database."""
    other_db = Database.from_url(db.engine.url.render_as_string(hide_password=False))
    yield SqlStorage(other_db)
    await other_db.close()


def context_with(n: int) -> dict[str, Any]:
    return {"id": "abc", "state": "Menu:main", "dialog_data": {"n": n}}


async def test_an_updates_writes_reach_the_database_in_one_statement_when_its_lock_goes(
    storage: SqlStorage, db: Database, elsewhere: SqlStorage
) -> None:
    isolation = storage.create_isolation()
    statements = Statements(db)
    with storage.update_scope(), statements.counting() as update:
        async with isolation.lock(STATE):
            assert await storage.get_state(STATE) is None
            await storage.set_state(STATE, "Menu:main")
            await storage.set_data(CONTEXT, context_with(2))
            await storage.set_data(STACK, {"_id": "", "intents": ["abc"], "last_message_id": 8})
            # the update reads what it wrote; nobody else does yet
            assert await storage.get_state(STATE) == "Menu:main"
            assert (await storage.get_data(CONTEXT))["dialog_data"] == {"n": 2}
            assert await elsewhere.get_state(STATE) is None
            assert (await elsewhere.get_data(STACK))["last_message_id"] == 7
            before_release = update.value
    assert (before_release, update.value) == (1, 2)  # the first read; then one write
    assert await elsewhere.get_state(STATE) == "Menu:main"
    assert await elsewhere.get_data(CONTEXT) == context_with(2)
    assert (await elsewhere.get_data(STACK))["last_message_id"] == 8


async def test_unchanged_and_rewritten_values_are_not_written(
    storage: SqlStorage, db: Database
) -> None:
    isolation = storage.create_isolation()
    statements = Statements(db)
    with storage.update_scope():
        async with isolation.lock(STATE):
            await storage.get_state(STATE)
            with statements.counting() as writes:
                await storage.set_data(CONTEXT, context_with(5))
                await storage.set_data(CONTEXT, context_with(1))  # back to what was read
                await storage.set_state(STATE, None)
    assert writes.value == 0


async def test_the_next_holder_of_the_lock_reads_the_writes_from_the_database(
    storage: SqlStorage, elsewhere: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each lock sends its holder's writes before it is let go, the inner one (aiogram-dialog's
    lock of the stack) as well as the member's: whoever takes it next, in this process or in
    another one on the same database, reads them."""
    isolation = storage.create_isolation()
    flush = storage._flush
    held_while_sending: list[tuple[bool, bool]] = []

    async def watched_flush(batch: Any) -> None:
        if batch.pending:
            locks = isolation._locks
            held_while_sending.append((locks[STATE].locked(), locks[STACK].locked()))
        await flush(batch)

    monkeypatch.setattr(storage, "_flush", watched_flush)
    written = asyncio.Event()
    seen: dict[str, Any] = {}

    async def update() -> None:
        with storage.update_scope():
            async with isolation.lock(STATE):
                async with isolation.lock(STACK):
                    await storage.get_data(STACK)
                    await storage.set_data(STACK, {"_id": "", "intents": [], "last_message_id": 9})
                    written.set()
                    await asyncio.sleep(0.01)  # the next update is waiting for this lock
                seen["stack after its lock"] = await elsewhere.get_data(STACK)
                await storage.set_data(CONTEXT, context_with(3))
                await asyncio.sleep(0.01)

    async def next_update() -> None:
        await written.wait()
        async with isolation.lock(STATE):
            seen["context"] = await elsewhere.get_data(CONTEXT)
            with storage.update_scope():
                seen["stack"] = await storage.get_data(STACK)

    await asyncio.gather(update(), next_update())
    assert held_while_sending == [(True, True), (True, False)]
    assert seen["stack after its lock"]["last_message_id"] == 9
    assert seen["context"] == context_with(3)
    assert seen["stack"]["last_message_id"] == 9


async def test_emptied_rows_are_deleted_in_the_same_transaction(
    storage: SqlStorage, db: Database, elsewhere: SqlStorage
) -> None:
    """A row this update read and emptied goes in one delete; a half emptied in a row the update
    has not read is cleared, and the row deleted only if nothing is left of it."""
    pending = key("pending:request")
    await storage.set_state(pending, "Wait:reply")
    await storage.set_data(pending, {"at": 1})
    old_context = key("aiogd:context:old")
    await storage.set_data(old_context, {"id": "old"})
    isolation = storage.create_isolation()
    statements = Statements(db)
    with storage.update_scope(), statements.counting() as update:
        async with isolation.lock(STATE):
            await storage.get_state(STATE)  # reads the stack and its top context
            await storage.set_data(CONTEXT, {})
            await storage.set_data(STACK, {})
            await storage.set_data(pending, {})  # its state stays
            await storage.set_data(old_context, {})  # nothing stays
            assert await storage.get_data(CONTEXT) == {}
            before_release = update.value
    assert await elsewhere.get_data(CONTEXT) == {}
    # the read; then, in one transaction, the unread rows' clear and delete if empty and the
    # read rows' delete
    assert (before_release, update.value) == (1, 4)
    assert await elsewhere.get_data(STACK) == {}
    assert await elsewhere.get_data(CONTEXT) == {}
    assert (await elsewhere.get_state(pending), await elsewhere.get_data(pending)) == (
        "Wait:reply",
        {},
    )
    assert await elsewhere.get_data(old_context) == {}
    async with db.reading() as connection:
        left = (await connection.execute(text("SELECT key FROM fsm_records"))).scalars().all()
    assert left == [storage._key(pending)]


async def test_a_state_and_data_of_rows_not_read_go_in_one_statement_keeping_the_other_half(
    storage: SqlStorage, db: Database, elsewhere: SqlStorage
) -> None:
    first, second = key("a"), key("b")
    for k, state, data in ((first, "S:one", {"a": 1}), (second, "T:one", {"b": 1})):
        await storage.set_state(k, state)
        await storage.set_data(k, data)
    isolation = storage.create_isolation()
    statements = Statements(db)
    with statements.counting() as update:
        async with isolation.lock(STATE):
            await storage.set_data(first, {"a": 2})
            await storage.set_state(second, "T:two")
            await storage.set_state(STATE, "Menu:main")  # a new row
            assert await storage.get_state(first) == "S:one"
    assert update.value == 2  # the read above; then one upsert of the three rows
    assert (await elsewhere.get_state(first), await elsewhere.get_data(first)) == (
        "S:one",
        {"a": 2},
    )
    assert (await elsewhere.get_state(second), await elsewhere.get_data(second)) == (
        "T:two",
        {"b": 1},
    )
    assert (await elsewhere.get_state(STATE), await elsewhere.get_data(STATE)) == ("Menu:main", {})


async def test_a_state_cleared_in_a_row_not_read_is_cleared(
    storage: SqlStorage, elsewhere: SqlStorage
) -> None:
    await storage.set_state(STATE, "S:one")
    await storage.set_data(STATE, {"a": 1})
    async with storage.create_isolation().lock(STATE):
        await storage.set_state(STATE, None)
        await storage.set_data(STATE, {"a": 2})
    assert (await elsewhere.get_state(STATE), await elsewhere.get_data(STATE)) == (None, {"a": 2})
    async with storage.create_isolation().lock(STATE):
        await storage.set_data(STATE, {})
    async with storage.db.reading() as connection:
        rows = await connection.execute(text("SELECT key FROM fsm_records"))
        assert storage._key(STATE) not in rows.scalars().all()


async def test_writes_before_an_error_still_reach_the_database(
    storage: SqlStorage, elsewhere: SqlStorage
) -> None:
    with pytest.raises(LookupError), storage.update_scope():
        async with storage.create_isolation().lock(STATE):
            await storage.set_data(CONTEXT, context_with(4))
            raise LookupError
    assert await elsewhere.get_data(CONTEXT) == context_with(4)


async def test_a_failed_write_fails_the_update_and_lets_the_lock_go(
    storage: SqlStorage, elsewhere: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolation = storage.create_isolation()

    @contextlib.asynccontextmanager
    async def broken() -> AsyncIterator[None]:
        raise ConnectionError("the database went away")
        yield

    monkeypatch.setattr(storage.db, "single_statement", broken)
    with pytest.raises(ConnectionError), storage.update_scope():
        async with isolation.lock(STATE):
            await storage.get_state(STATE)
            await storage.set_data(CONTEXT, context_with(6))
    monkeypatch.undo()
    async with asyncio.timeout(1), isolation.lock(STATE):
        assert await storage.get_data(CONTEXT) == context_with(1)  # nothing half-kept
    assert await elsewhere.get_data(CONTEXT) == context_with(1)


async def test_outside_a_lock_and_in_a_task_started_under_one_writes_are_immediate(
    storage: SqlStorage, db: Database, elsewhere: SqlStorage
) -> None:
    other_member = key(chat=7, user=7)
    statements = Statements(db)
    with statements.counting() as immediate:
        await storage.set_data(other_member, {"n": 1})
    assert immediate.value == 1
    async with storage.create_isolation().lock(STATE):
        await storage.set_data(CONTEXT, context_with(2))
        # aiogram-dialog's background updates run as tasks started in the update's context
        await asyncio.create_task(storage.set_data(other_member, {"n": 2}))
        assert await elsewhere.get_data(other_member) == {"n": 2}
        assert await elsewhere.get_data(CONTEXT) == context_with(1)


async def test_an_erase_drops_the_held_writes_and_the_retention_job_does_not(
    storage: SqlStorage, db: Database, elsewhere: SqlStorage
) -> None:
    """Held writes are writes made before the delete: an erased member's are gone with the rows;
    the retention job's delete, of rows idle for weeks, is no reason to lose an update's."""
    isolation = storage.create_isolation()
    async with isolation.lock(STATE):
        await storage.set_data(CONTEXT, context_with(2))
        async with db.transaction() as session:
            assert await delete_user_records(session, USER) == 2
    assert await elsewhere.get_data(CONTEXT) == {}

    await storage.set_data(STACK, {"_id": "", "intents": [], "last_message_id": 3})
    async with isolation.lock(STATE):
        await storage.set_data(STACK, {"_id": "", "intents": [], "last_message_id": 4})
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM fsm_records"))
        forget_cached([storage._key(STACK)])
    assert (await elsewhere.get_data(STACK))["last_message_id"] == 4


async def test_an_erase_that_fails_keeps_the_held_writes(
    storage: SqlStorage, db: Database, elsewhere: SqlStorage
) -> None:
    """The rows stay when the erase's transaction rolls back, and so does what the update wrote:
    the held writes go only once the delete is committed."""
    await storage.set_data(CONTEXT, context_with(1))
    async with storage.create_isolation().lock(STATE):
        await storage.set_data(CONTEXT, context_with(2))
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                assert await delete_user_records(session, USER) >= 1
                raise RuntimeError("the erase failed after the delete")
        assert await storage.get_data(CONTEXT) == context_with(2)
    assert await elsewhere.get_data(CONTEXT) == context_with(2)
