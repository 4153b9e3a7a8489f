"""The FSM storage contract, on the database (SQLite or PostgreSQL) and on Redis.

Every contract test runs twice: `sql` uses `SqlStorage` on the `db` fixture; `redis` uses aiogram's
`RedisStorage` on `TEST_REDIS_URL` (flushed first) and skips without it, or fails under
`TEST_REQUIRE_SERVICES=1`. A "restart" closes the storage (and the database engine) and builds new
ones from the same URL.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.filters import CommandStart
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import Message
from aiogram_dialog import Dialog, DialogManager, StartMode, Window, setup_dialogs
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Const, Format
from sqlalchemy import Text, cast, event, func, select

from storage.db import Database
from storage.fsm import (
    SqlEventIsolation,
    SqlStorage,
    create_fsm_storage,
    default_key_builder,
    update_scope,
)
from storage.models import FsmRecord

BOT_ID = 1  # the id of aiogram_dialog.test_tools' FakeBot


def make_key(user_id: int = 42, chat_id: int = 42, destiny: str = "default") -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=chat_id, user_id=user_id, destiny=destiny)


@dataclass
class Backend:
    """A storage under test plus what a test needs to count its records and to restart it."""

    name: str
    storage: BaseStorage
    count_records: Callable[[], Awaitable[int]]
    restart: Callable[[], Awaitable[BaseStorage]]
    cleanup: list[Callable[[], Awaitable[None]]]


async def _sql_backend(database_url: str) -> Backend:
    holder: dict[str, Database] = {"db": Database.from_url(database_url)}

    async def count_records() -> int:
        async with holder["db"].transaction() as session:
            return int((await session.execute(select(func.count(FsmRecord.key)))).scalar_one())

    async def restart() -> BaseStorage:
        await backend.storage.close()
        await holder["db"].close()
        holder["db"] = Database.from_url(database_url)
        backend.storage = SqlStorage(holder["db"])
        return backend.storage

    async def close_db() -> None:
        await holder["db"].close()

    backend = Backend("sql", SqlStorage(holder["db"]), count_records, restart, [close_db])
    return backend


async def _redis_backend(redis_url: str) -> Backend:
    storage = RedisStorage.from_url(redis_url, key_builder=default_key_builder())
    await storage.redis.flushdb()

    async def count_records() -> int:
        assert isinstance(backend.storage, RedisStorage)
        return int(await backend.storage.redis.dbsize())

    async def restart() -> BaseStorage:
        await backend.storage.close()
        backend.storage = RedisStorage.from_url(redis_url, key_builder=default_key_builder())
        return backend.storage

    async def flush() -> None:
        assert isinstance(backend.storage, RedisStorage)
        await backend.storage.redis.flushdb()

    backend = Backend("redis", storage, count_records, restart, [flush])
    return backend


@pytest.fixture(params=["sql", "redis"])
def backend_url(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(kind, URL): a migrated empty database, or Redis (skips or fails without TEST_REDIS_URL)."""
    fixture = "database_url" if request.param == "sql" else "redis_url"
    return request.param, str(request.getfixturevalue(fixture))


@pytest.fixture
async def backend(backend_url: tuple[str, str]) -> AsyncIterator[Backend]:
    kind, url = backend_url
    made = await (_sql_backend(url) if kind == "sql" else _redis_backend(url))
    try:
        yield made
    finally:
        for step in made.cleanup:
            await step()
        await made.storage.close()


class Form(StatesGroup):
    name = State()
    oblast = State()


async def test_round_trip_state_and_data_with_cyrillic(backend: Backend) -> None:
    storage, key = backend.storage, make_key()
    assert await storage.get_state(key) is None
    assert await storage.get_data(key) == {}

    await storage.set_state(key, Form.name)
    assert await storage.get_state(key) == "Form:name"
    await storage.set_state(key, "Form:oblast")
    assert await storage.get_state(key) == "Form:oblast"

    data = {
        "full_name": "Олена Ґонтар-Їжакевич",
        "hromada": "Бучанська міська громада",
        "codes": ["UA32080070000050441", 7],
        "nested": {"підтверджено": True, "бал": 1.5, "nothing": None},
    }
    await storage.set_data(key, data)
    assert await storage.get_data(key) == data
    assert await storage.get_state(key) == "Form:oblast"  # data writes keep the state

    merged = await storage.update_data(key, {"role": "голова"})
    assert merged == {**data, "role": "голова"}
    assert await storage.get_data(key) == merged
    assert await storage.get_value(key, "role") == "голова"

    returned = await storage.get_data(key)
    returned["full_name"] = "змінено"
    assert (await storage.get_data(key))["full_name"] == "Олена Ґонтар-Їжакевич"


async def test_keys_are_separated_by_destiny_user_and_chat(backend: Backend) -> None:
    storage = backend.storage
    default, dialog = make_key(), make_key(destiny="aiogd:stack")
    other_user, other_chat = make_key(user_id=43), make_key(chat_id=-100500)

    await storage.set_state(default, "A:one")
    await storage.set_data(default, {"who": "default"})
    await storage.set_state(dialog, "B:two")
    await storage.set_data(dialog, {"who": "dialog"})

    assert await storage.get_state(default) == "A:one"
    assert await storage.get_state(dialog) == "B:two"
    assert await storage.get_data(default) == {"who": "default"}
    assert await storage.get_data(dialog) == {"who": "dialog"}
    for untouched in (other_user, other_chat, make_key(destiny="aiogd:context:x")):
        assert await storage.get_state(untouched) is None
        assert await storage.get_data(untouched) == {}

    await storage.set_state(dialog, None)
    await storage.set_data(dialog, {})
    assert await storage.get_state(default) == "A:one"
    assert await storage.get_data(default) == {"who": "default"}


async def test_clearing_state_and_data_deletes_the_record(backend: Backend) -> None:
    storage, key = backend.storage, make_key()
    assert await backend.count_records() == 0

    await storage.set_state(key, Form.name)
    await storage.set_data(key, {"a": 1})
    assert await backend.count_records() >= 1

    await storage.set_state(key, None)  # data still there: the record stays
    assert await storage.get_data(key) == {"a": 1}
    assert await storage.get_state(key) is None
    assert await backend.count_records() >= 1

    await storage.set_data(key, {})
    assert await backend.count_records() == 0

    # The other order, and clearing something that never existed.
    await storage.set_data(key, {"b": 2})
    await storage.set_state(key, "Form:oblast")
    await storage.set_data(key, {})
    assert await storage.get_state(key) == "Form:oblast"
    await storage.set_state(key, None)
    assert await backend.count_records() == 0
    await storage.set_state(make_key(user_id=7), None)
    await storage.set_data(make_key(user_id=7), {})
    assert await backend.count_records() == 0


async def test_state_and_data_survive_a_restart(backend: Backend) -> None:
    key = make_key(destiny="aiogd:context:abc")
    await backend.storage.set_state(key, Form.oblast)
    await backend.storage.set_data(key, {"oblast": "Київська", "step": 2})

    storage = await backend.restart()
    assert await storage.get_state(key) == "Form:oblast"
    assert await storage.get_data(key) == {"oblast": "Київська", "step": 2}


async def test_concurrent_writes_to_different_keys(backend: Backend) -> None:
    storage = backend.storage
    keys = [make_key(user_id=1000 + n, chat_id=1000 + n) for n in range(50)]

    await asyncio.gather(
        *(storage.set_data(key, {"n": n, "імʼя": f"Користувач {n}"}) for n, key in enumerate(keys))
    )
    await asyncio.gather(*(storage.set_state(key, Form.name) for key in keys))

    results = await asyncio.gather(*(storage.get_data(key) for key in keys))
    assert results == [{"n": n, "імʼя": f"Користувач {n}"} for n in range(50)]
    assert set(await asyncio.gather(*(storage.get_state(key) for key in keys))) == {"Form:name"}


async def test_sql_rejects_data_that_is_not_json(db: Database) -> None:
    storage, key = SqlStorage(db), make_key(user_id=77)
    with pytest.raises(TypeError, match=r"fsm:42:77:default.*JSON"):
        await storage.set_data(key, {"when": object()})
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        await storage.set_data(key, {"ratio": math.nan})
    with pytest.raises(TypeError, match="State"):
        await storage.set_state(key, 5)  # type: ignore[arg-type]
    assert await storage.get_data(key) == {}


async def test_sql_storage_stores_one_row_per_key_with_destiny(db: Database) -> None:
    storage = SqlStorage(db)
    await storage.set_state(make_key(destiny="aiogd:stack"), "S:one")
    await storage.set_data(make_key(destiny="aiogd:stack"), {"x": 1})
    async with db.transaction() as session:
        rows = (await session.execute(select(FsmRecord))).scalars().all()
    assert [(row.key, row.state, row.data) for row in rows] == [
        ("fsm:42:42:aiogd:stack", "S:one", {"x": 1})
    ]
    assert rows[0].updated_at.tzinfo is not None


# Keys in sorted order, so the text the JSON column wrote before the storage bound its own text
# (`json.dumps(data)`) is the text to expect, byte for byte.
NESTED = {
    "answers": [{"бал": 1.5, "так": True}, None, ["ї", 7, -0.25]],
    "emoji": "🇺🇦 Слава",
    "full_name": "Олена Ґонтар-Їжакевич",
    "nested": {"deeper": {"empty": {}, "list": []}, "ціле": 10**18},
}


async def _stored_text(db: Database, key: str) -> str | None:
    async with db.transaction() as session:
        query = select(cast(FsmRecord.data, Text)).where(FsmRecord.key == key)
        return (await session.execute(query)).scalar_one_or_none()


async def test_sql_stores_the_text_the_json_column_wrote(db: Database) -> None:
    """The text stored is the JSON column's own (ASCII escapes, `json.dumps` separators) with the
    keys sorted, whether written at once or held by a lock and sent with the update's batch; the
    ORM, SQL and a restarted storage read the same data back."""
    storage = SqlStorage(db)
    at_once, batched = make_key(user_id=1, chat_id=1), make_key(user_id=2, chat_id=2)
    await storage.set_data(at_once, NESTED)
    async with storage.create_isolation().lock(batched):
        await storage.set_data(batched, NESTED)
        assert await storage.get_data(batched) == NESTED
    for key in (at_once, batched):
        assert await _stored_text(db, default_key_builder().build(key)) == json.dumps(NESTED)
    unsorted = {"b": "ї", "a": {"d": 1, "c": 2}}
    await storage.set_data(at_once, unsorted)
    assert await _stored_text(db, "fsm:1:1:default") == '{"a": {"c": 2, "d": 1}, "b": "\\u0457"}'
    async with db.transaction() as session:
        rows = (await session.execute(select(FsmRecord).order_by(FsmRecord.key))).scalars().all()
    assert [row.data for row in rows] == [unsorted, NESTED]
    restarted = SqlStorage(db)
    assert await restarted.get_data(at_once) == unsorted
    assert await restarted.get_data(batched) == NESTED


async def test_sql_data_reads_back_as_json_made_it(db: Database) -> None:
    """Tuples come back as lists and keys that are not strings as strings, as they always did
    (mixed key types included, which sorted encoding alone cannot compare)."""
    storage = SqlStorage(db)
    key = make_key(user_id=3)
    with storage.update_scope():
        await storage.set_data(key, {"pair": (1, "ї"), 2: {None: True, "x": 1.0}, "2b": "k"})
        expected = {"pair": [1, "ї"], "2": {"null": True, "x": 1.0}, "2b": "k"}
        assert await storage.get_data(key) == expected
    assert await storage.get_data(key) == expected
    await storage.set_data(key, {10: "ten", 9: "nine"})
    assert await storage.get_data(key) == {"10": "ten", "9": "nine"}


async def test_sql_reads_rows_written_by_others(db: Database) -> None:
    """A row the storage did not write (keys in another order, JSON null) reads as its data, and
    a write of the same data over it leaves the same data."""
    storage = SqlStorage(db)
    async with db.transaction() as session:
        session.add(FsmRecord(key="fsm:4:4:default", state="S:one", data={"b": 1, "a": "ї"}))
        session.add(FsmRecord(key="fsm:5:5:default", state="S:two", data=None))
    with storage.update_scope():
        assert await storage.get_data(make_key(user_id=4, chat_id=4)) == {"b": 1, "a": "ї"}
        assert await storage.get_data(make_key(user_id=5, chat_id=5)) == {}
        await storage.set_data(make_key(user_id=4, chat_id=4), {"a": "ї", "b": 1})
        await storage.set_data(make_key(user_id=5, chat_id=5), {})
    assert await storage.get_data(make_key(user_id=4, chat_id=4)) == {"a": "ї", "b": 1}
    assert await _stored_text(db, "fsm:4:4:default") == '{"a": "\\u0457", "b": 1}'
    assert await storage.get_state(make_key(user_id=5, chat_id=5)) == "S:two"


async def test_create_fsm_storage_picks_the_backend(db: Database) -> None:
    storage, isolation = create_fsm_storage(db, None)
    assert isinstance(storage, SqlStorage)
    assert isinstance(isolation, SqlEventIsolation)
    assert isinstance(isolation, SimpleEventIsolation)

    # Building a Redis storage does not connect, so this needs no server.
    storage, isolation = create_fsm_storage(db, "redis://127.0.0.1:6379/15")
    try:
        assert isinstance(storage, RedisStorage)
        assert isinstance(isolation, RedisEventIsolation)
        assert storage.key_builder.build(make_key(destiny="aiogd:stack")).endswith(":aiogd:stack")
    finally:
        await storage.close()


# --- aiogram-dialog across a restart -------------------------------------------------------------


class Survey(StatesGroup):
    first = State()
    second = State()


async def _pick(_callback: Any, _button: Any, manager: DialogManager) -> None:
    manager.dialog_data["oblast"] = "Львівська"
    await manager.next()


async def _bump(_callback: Any, _button: Any, manager: DialogManager) -> None:
    manager.dialog_data["clicks"] = manager.dialog_data.get("clicks", 0) + 1


async def _finish(_callback: Any, _button: Any, manager: DialogManager) -> None:
    await manager.done()


async def _survey_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "oblast": dialog_manager.dialog_data.get("oblast", "—"),
        "clicks": dialog_manager.dialog_data.get("clicks", 0),
        "name": (dialog_manager.start_data or {}).get("name", "?"),
    }


class ScopedDispatcher(Dispatcher):
    """As `bot.app.Dispatcher`: each update in the storage's update scope."""

    async def feed_update(self, bot: Any, update: Any, **kwargs: Any) -> Any:
        with update_scope(self.storage):
            return await super().feed_update(bot, update, **kwargs)


def build_dispatcher(
    storage: BaseStorage, isolation: BaseEventIsolation | None = None
) -> tuple[Dispatcher, MockMessageManager]:
    """A fresh dispatcher and dialog, as a newly started bot process would build them; with
    `isolation`, in the storage's update scope and with its locks, as the bot builds them."""
    dialog = Dialog(
        Window(
            Format("Вітаємо, {name}! Оберіть область."),
            Button(Const("Львівська"), id="pick", on_click=_pick),
            state=Survey.first,
        ),
        Window(
            Format("Область: {oblast}. Натискань: {clicks}"),
            Button(Const("Ще раз"), id="bump", on_click=_bump),
            Button(Const("Готово"), id="finish", on_click=_finish),
            state=Survey.second,
        ),
        getter=_survey_getter,
    )

    async def start(_message: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(Survey.first, mode=StartMode.RESET_STACK, data={"name": "Олена"})

    dp = (
        Dispatcher(storage=storage)
        if isolation is None
        else ScopedDispatcher(storage=storage, events_isolation=isolation)
    )
    dp.message.register(start, CommandStart())
    dp.include_router(dialog)
    message_manager = MockMessageManager()
    setup_dialogs(dp, message_manager=message_manager, events_isolation=isolation)
    return dp, message_manager


async def test_dialog_continues_after_a_restart(backend: Backend) -> None:
    dp, messages = build_dispatcher(backend.storage)
    client = BotClient(dp, user_id=501, chat_id=501)

    await client.send("/start")
    assert messages.one_message().text == "Вітаємо, Олена! Оберіть область."
    first = messages.last_message()
    messages.reset_history()
    callback_id = await client.click(first, InlineButtonTextLocator("Львівська"))
    messages.assert_answered(callback_id)
    second = messages.last_message()
    assert second.text == "Область: Львівська. Натискань: 0"
    assert await backend.count_records() > 0

    # "Restart": a new storage on the same database/Redis, a new dispatcher and dialog objects.
    storage = await backend.restart()
    dp, messages = build_dispatcher(storage)
    client = BotClient(dp, user_id=501, chat_id=501)

    callback_id = await client.click(second, InlineButtonTextLocator("Ще раз"))
    messages.assert_answered(callback_id)
    assert messages.last_message().text == "Область: Львівська. Натискань: 1"
    messages.reset_history()
    callback_id = await client.click(second, InlineButtonTextLocator("Ще раз"))
    assert messages.last_message().text == "Область: Львівська. Натискань: 2"

    await client.click(second, InlineButtonTextLocator("Готово"))
    assert await backend.count_records() == 0  # a closed dialog leaves nothing behind


async def test_a_dialog_update_on_the_database_reads_once_and_writes_once(db: Database) -> None:
    """With the storage's own locks and update scope, as the bot runs it: each update of a dialog
    reads its state in one statement and writes its context and stack in one; a restart right
    after an update finds them."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split()[0])

    event.listen(db.engine.sync_engine, "after_cursor_execute", seen)
    storage = SqlStorage(db)
    dp, messages = build_dispatcher(storage, storage.create_isolation())
    client = BotClient(dp, user_id=502, chat_id=502)

    await client.send("/start")
    first = messages.last_message()
    statements.clear()
    await client.click(first, InlineButtonTextLocator("Львівська"))
    assert statements == ["SELECT", "INSERT"]
    second = messages.last_message()
    statements.clear()
    await client.click(second, InlineButtonTextLocator("Ще раз"))
    assert statements == ["SELECT", "INSERT"]
    assert second.text == "Область: Львівська. Натискань: 0"

    other_db = Database.from_url(db.engine.url.render_as_string(hide_password=False))
    try:
        restarted = SqlStorage(other_db)
        dp, messages = build_dispatcher(restarted, restarted.create_isolation())
        client = BotClient(dp, user_id=502, chat_id=502)
        await client.click(second, InlineButtonTextLocator("Ще раз"))
        assert messages.last_message().text == "Область: Львівська. Натискань: 2"
        await client.click(second, InlineButtonTextLocator("Готово"))
    finally:
        await other_db.close()
    async with db.transaction() as session:
        assert (await session.execute(select(func.count(FsmRecord.key)))).scalar_one() == 0
