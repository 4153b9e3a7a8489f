"""Members repository."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import AdminUnit, Member


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


async def get_with_associations(session: AsyncSession, telegram_id: int) -> Member | None:
    """The member with their associations in one statement (a join), for reading only."""
    result = await session.execute(
        select(Member)
        .options(joinedload(Member.associations))
        .where(Member.telegram_id == telegram_id)
    )
    return result.unique().scalar_one_or_none()


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


async def people(session: AsyncSession) -> list[tuple[Member, str | None]]:
    """Every member who was not erased, with their codifier hromada's name (if any), to search
    by name or phone in Python: SQLite's lower() knows no Cyrillic."""
    rows = await session.execute(
        select(Member, AdminUnit.name)
        .outerjoin(AdminUnit, AdminUnit.code == Member.hromada_code)
        .where(Member.erased_at.is_(None), Member.telegram_id > 0)
        .order_by(Member.id)
    )
    return [(member, name) for member, name in rows.all()]
