"""Staff rights and invites repository."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Association, Member, StaffInvite, StaffRight, StaffRole

_RIGHTS: Table = StaffRight.__table__  # type: ignore[assignment]
_ASSOCIATIONS: Table = Association.__table__  # type: ignore[assignment]
# Built once, on the bare tables: every update reads the rights.
_RIGHTS_OF = (
    select(_RIGHTS.c.role, _ASSOCIATIONS.c.code)
    .select_from(_RIGHTS.outerjoin(_ASSOCIATIONS, _ASSOCIATIONS.c.id == _RIGHTS.c.association_id))
    .where(_RIGHTS.c.telegram_id == bindparam("telegram_id"))
)


async def rights_of(
    session: AsyncSession | AsyncConnection, telegram_id: int
) -> list[tuple[str, str | None]]:
    """(role, association code or None) pairs held by a user."""
    rows = await session.execute(_RIGHTS_OF, {"telegram_id": telegram_id})
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
        .where(
            StaffInvite.id == invite_id,
            StaffInvite.used_at.is_(None),
            StaffInvite.revoked_at.is_(None),
        )
        .values(used_by=telegram_id, used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def admin_telegram_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(select(StaffRight.telegram_id).where(StaffRight.role == "admin"))
    return list(rows)


async def all_rights(session: AsyncSession) -> list[tuple[StaffRight, str | None]]:
    """Every right held, with its association code (None for admins), admins first."""
    rows = await session.execute(
        select(StaffRight, Association.code)
        .outerjoin(Association, Association.id == StaffRight.association_id)
        .order_by(
            StaffRight.association_id.is_not(None),
            Association.position,
            StaffRight.granted_at,
            StaffRight.id,
        )
    )
    return [(right, code) for right, code in rows.all()]


async def lock_admin_rights(session: AsyncSession) -> None:
    """Hold every admin row until commit, always in the same order (PostgreSQL; SQLite has no
    row locks), so revokes among admins run one at a time."""
    await session.execute(
        select(StaffRight.id)
        .where(StaffRight.role == StaffRole.ADMIN)
        .order_by(StaffRight.id)
        .with_for_update()
    )


async def get_right(session: AsyncSession, right_id: int) -> StaffRight | None:
    return await session.get(StaffRight, right_id, populate_existing=True)


async def delete_right(session: AsyncSession, right_id: int) -> bool:
    """Delete one right; False when another revoke got there first."""
    result = await session.execute(delete(StaffRight).where(StaffRight.id == right_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def pending_invites(
    session: AsyncSession, now: datetime, *, created_by: int | None = None
) -> list[tuple[StaffInvite, str]]:
    """Invites that still work (unused, not revoked, not expired), oldest first, with their
    association code; only those `created_by` someone when given."""
    query = (
        select(StaffInvite, Association.code)
        .join(Association, Association.id == StaffInvite.association_id)
        .where(
            StaffInvite.used_at.is_(None),
            StaffInvite.revoked_at.is_(None),
            StaffInvite.expires_at > now,
        )
        .order_by(StaffInvite.created_at, StaffInvite.id)
    )
    if created_by is not None:
        query = query.where(StaffInvite.created_by == created_by)
    rows = await session.execute(query)
    return [(invite, code) for invite, code in rows.all()]


async def revoke_invites(
    session: AsyncSession, invite_ids: list[int], revoked_by: int | None, now: datetime
) -> list[int]:
    """Withdraw those of the invites that still work; returns the ids withdrawn now."""
    if not invite_ids:
        return []
    result = await session.execute(
        update(StaffInvite)
        .where(
            StaffInvite.id.in_(invite_ids),
            StaffInvite.used_at.is_(None),
            StaffInvite.revoked_at.is_(None),
            StaffInvite.expires_at > now,
        )
        .values(revoked_by=revoked_by, revoked_at=now)
        .returning(StaffInvite.id)
    )
    return sorted(result.scalars())


async def names_of(session: AsyncSession, telegram_ids: set[int]) -> dict[int, str]:
    """The names of those of `telegram_ids` who registered as members."""
    if not telegram_ids:
        return {}
    rows = await session.execute(
        select(Member.telegram_id, Member.full_name).where(
            Member.telegram_id.in_(telegram_ids), Member.full_name.is_not(None)
        )
    )
    return {telegram_id: name for telegram_id, name in rows.all() if name}
