"""Members repository."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


async def existing_ids(session: AsyncSession, telegram_ids: set[int]) -> set[int]:
    rows = await session.scalars(
        select(Member.telegram_id).where(Member.telegram_id.in_(telegram_ids))
    )
    return set(rows)


async def get_or_create(session: AsyncSession, telegram_id: int) -> Member:
    member = await get_by_telegram_id(session, telegram_id)
    if member is None:
        member = Member(telegram_id=telegram_id, associations=[])
        session.add(member)
        await session.flush()
    return member
