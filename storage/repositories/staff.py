"""Staff rights and invites repository."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Association, StaffInvite, StaffRight


async def rights_of(session: AsyncSession, telegram_id: int) -> list[tuple[str, str | None]]:
    """(role, association code or None) pairs held by a user."""
    rows = await session.execute(
        select(StaffRight.role, Association.code)
        .outerjoin(Association, Association.id == StaffRight.association_id)
        .where(StaffRight.telegram_id == telegram_id)
    )
    return [(role, code) for role, code in rows.all()]


async def find_right(
    session: AsyncSession, telegram_id: int, role: str, association_id: int | None
) -> StaffRight | None:
    return await session.scalar(
        select(StaffRight).where(
            StaffRight.telegram_id == telegram_id,
            StaffRight.role == role,
            StaffRight.association_id.is_(None)
            if association_id is None
            else StaffRight.association_id == association_id,
        )
    )


async def add_right(session: AsyncSession, right: StaffRight) -> StaffRight:
    session.add(right)
    await session.flush()
    return right


async def add_invite(session: AsyncSession, invite: StaffInvite) -> StaffInvite:
    session.add(invite)
    await session.flush()
    return invite


async def get_invite(session: AsyncSession, token: str) -> StaffInvite | None:
    return await session.scalar(select(StaffInvite).where(StaffInvite.token == token))


async def claim_invite(
    session: AsyncSession, invite_id: int, telegram_id: int, now: datetime
) -> bool:
    """Mark an invite used, only if nobody used it before (safe against two taps at once)."""
    result = await session.execute(
        update(StaffInvite)
        .where(StaffInvite.id == invite_id, StaffInvite.used_at.is_(None))
        .values(used_by=telegram_id, used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def admin_telegram_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(select(StaffRight.telegram_id).where(StaffRight.role == "admin"))
    return list(rows)
