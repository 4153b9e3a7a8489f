"""once_per_key: a press handled at once by two processes answers with the one that was first."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.request_keys import once_per_key
from storage.db import Database


async def _refused() -> str:
    raise IntegrityError("INSERT …", {}, Exception("unique request_key"))


async def _done() -> str:
    return "new"


async def test_a_refused_write_answers_with_the_earlier_result(db: Database) -> None:
    asked: list[str] = []

    async def earlier(session: AsyncSession, key: str) -> str | None:
        asked.append(key)
        return "theirs"

    assert await once_per_key(db, "k1", _refused, earlier) == "theirs"
    assert asked == ["k1"]


async def test_a_write_that_goes_through_reads_nothing_earlier(db: Database) -> None:
    async def earlier(session: AsyncSession, key: str) -> str | None:
        raise AssertionError("not read")

    assert await once_per_key(db, "k1", _done, earlier) == "new"


async def test_without_a_key_or_an_earlier_result_the_refusal_stands(db: Database) -> None:
    async def nothing(session: AsyncSession, key: str) -> str | None:
        return None

    with pytest.raises(IntegrityError):
        await once_per_key(db, None, _refused, nothing)
    with pytest.raises(IntegrityError):
        await once_per_key(db, "k1", _refused, nothing)
