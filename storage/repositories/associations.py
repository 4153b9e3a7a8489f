"""Associations repository."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import take_turns_writing
from storage.models import Association

_ASSOCIATIONS: Table = Association.__table__  # type: ignore[assignment]


async def take_turns_syncing(session: AsyncSession) -> None:
    """Processes syncing at once (replicas starting together) go one at a time: each sees the
    rows the one before it wrote."""
    await take_turns_writing(session, _ASSOCIATIONS)


async def all_associations(session: AsyncSession) -> list[Association]:
    rows = await session.scalars(select(Association).order_by(Association.position))
    return list(rows)


async def by_codes(session: AsyncSession, codes: Iterable[str]) -> list[Association]:
    codes = list(codes)
    if not codes:
        return []
    rows = await session.scalars(
        select(Association).where(Association.code.in_(codes)).order_by(Association.position)
    )
    return list(rows)


async def by_code(session: AsyncSession, code: str) -> Association | None:
    return await session.scalar(select(Association).where(Association.code == code))
