"""Shutdown waits for the updates in flight by the dispatcher's count (bot/runner.py): that count
must cover the member's lock, which aiogram's FSM middleware holds until the update is done. With
Redis the lock's release is a command of its own; counted out before it (the update log's count
ends inside that middleware), a shutdown closed the storage under it: the release failed, and the
outage handler answered the press a second time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey

from storage.db import Database
from tests.flows.harness import build_app


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
    isolation = HeldRelease()
    app = await build_app(db, events_isolation=isolation)
    dp = app.dp
    feeding = asyncio.create_task(app.member(7001, language_code="uk").send("/start"))
    await asyncio.wait_for(isolation.handled.wait(), 30)
    # Handled, the lock not yet let go: still in flight, so a shutdown keeps waiting.
    assert dp.in_flight.count == 1
    assert not await dp.in_flight.wait_idle(0.05)
    isolation.release.set()
    await asyncio.wait_for(feeding, 30)
    assert dp.in_flight.count == 0
    assert await dp.in_flight.wait_idle(0.05)
