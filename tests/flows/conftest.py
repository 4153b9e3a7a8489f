"""Fixtures for dialog tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from storage.db import Database
from tests.flows.harness import App, build_app


@pytest.fixture
async def app(db: Database) -> AsyncIterator[App]:
    if os.environ.get("TEST_REDIS_URL"):
        import redis.asyncio as redis

        client = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
        await client.flushdb()
        await client.aclose()
    application = await build_app(db, admin_ids="1")
    yield application
    await application.dp.storage.close()
