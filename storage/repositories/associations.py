"""Associations repository."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Association


async def lock_for_sync(session: AsyncSession) -> None:
    """Replicas starting together sync one at a time: each sees the rows the one before it wrote."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Blocks other writers of the table until the transaction ends; readers go on.
        await session.execute(text("LOCK TABLE associations IN SHARE ROW EXCLUSIVE MODE"))
    elif dialect == "sqlite":
        # A write that changes nothing takes SQLite's write lock until the transaction ends.
        await session.execute(update(Association).where(text("0")).values(code=Association.code))


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
