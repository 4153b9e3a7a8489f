"""Shutdown waits for the updates in flight by the dispatcher's count (bot/runner.py): that count
must cover the member's lock, which aiogram's FSM middleware holds until the update is done. With
Redis the lock's release is a command of its own; counted out before it (the update log's count
ends inside that middleware), a shutdown closed the storage under it: the release failed, and the
outage handler answered the press a second time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.types import Chat, Message, Update, User

from bot.app import create_dispatcher
from bot.settings import Settings
from storage.db import Database
from storage.fsm import create_fsm_storage
from tests.flows.harness import RecordingSession, WindowRecorder, loaded_content


class HeldRelease(BaseEventIsolation):
    """An isolation whose outermost lock (aiogram-dialog takes it again inside), once the update
    is handled, is let go only when the test says."""

    def __init__(self) -> None:
        self.held = 0
        self.handled = asyncio.Event()
        self.release = asyncio.Event()

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1
        if self.held == 0:
            self.handled.set()
            await self.release.wait()

    async def close(self) -> None:
        pass


async def test_an_update_is_in_flight_until_its_lock_is_released(db: Database) -> None:
    settings = Settings(_env_file=None, bot_token=None, database_url="sqlite+aiosqlite:///:memory:")  # type: ignore[call-arg]
    storage, _ = create_fsm_storage(db, None)
    isolation = HeldRelease()
    dp = create_dispatcher(
        settings=settings,
        db=db,
        content=loaded_content(),
        storage=storage,
        events_isolation=isolation,
        message_manager=WindowRecorder(),
    )
    bot = Bot("42:TEST", session=RecordingSession())
    user = User(id=7001, is_bot=False, first_name="Олена", language_code="uk")
    message = Message(
        message_id=1,
        date=datetime.now(),
        chat=Chat(id=user.id, type="private"),
        from_user=user,
        text="/start",
    )
    feeding: asyncio.Task[Any] = asyncio.create_task(
        dp.feed_update(bot, Update(update_id=1, message=message))
    )
    await asyncio.wait_for(isolation.handled.wait(), 30)
    # Handled, the lock not yet let go: still in flight, so a shutdown keeps waiting.
    assert dp.in_flight.count == 1
    assert not await dp.in_flight.wait_idle(0.05)
    isolation.release.set()
    await asyncio.wait_for(feeding, 30)
    assert dp.in_flight.count == 0
    assert await dp.in_flight.wait_idle(0.05)
