"""Members repository."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    CompoundSelect,
    RowMapping,
    Table,
    bindparam,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import AdminUnit, Association, Member, MemberAssociation, StaffRight


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


_MEMBERS: Table = Member.__table__  # type: ignore[assignment]
_LINKS: Table = MemberAssociation.__table__  # type: ignore[assignment]
_ASSOCIATIONS: Table = Association.__table__  # type: ignore[assignment]
# Built once, on the bare tables: the read every update makes.
_PROFILE = (
    select(*_MEMBERS.c, _ASSOCIATIONS.c.code.label("association_code"))
    .select_from(
        _MEMBERS.outerjoin(_LINKS, _LINKS.c.member_id == _MEMBERS.c.id).outerjoin(
            _ASSOCIATIONS, _ASSOCIATIONS.c.id == _LINKS.c.association_id
        )
    )
    .where(_MEMBERS.c.telegram_id == bindparam("telegram_id"))
    .order_by(_ASSOCIATIONS.c.position)
)


async def profile_rows(
    connection: AsyncConnection | AsyncSession, telegram_id: int
) -> list[RowMapping]:
    """The member's columns with one association code per row (`association_code`, None
    without any), in one statement; no row when there is no such member."""
    result = await connection.execute(_PROFILE, {"telegram_id": telegram_id})
    return list(result.mappings())


_RIGHTS: Table = StaffRight.__table__  # type: ignore[assignment]
_RIGHT_ASSOCIATIONS = _ASSOCIATIONS.alias("right_associations")
# The profile's rows (part 0), then the user's staff rights (part 1, `right_role` and
# `right_code` set, every member column NULL): what every update reads, in one statement.
_PROFILE_AND_RIGHTS: CompoundSelect[*tuple[Any, ...]] = union_all(
    select(
        literal_column("0").label("part"),
        *_MEMBERS.c,
        _ASSOCIATIONS.c.code.label("association_code"),
        _ASSOCIATIONS.c.position.label("association_position"),
        null().label("right_role"),
        null().label("right_code"),
    )
    .select_from(
        _MEMBERS.outerjoin(_LINKS, _LINKS.c.member_id == _MEMBERS.c.id).outerjoin(
            _ASSOCIATIONS, _ASSOCIATIONS.c.id == _LINKS.c.association_id
        )
    )
    .where(_MEMBERS.c.telegram_id == bindparam("telegram_id")),
    select(
        literal_column("1").label("part"),
        *(null().label(column.name) for column in _MEMBERS.c),
        null().label("association_code"),
        null().label("association_position"),
        _RIGHTS.c.role.label("right_role"),
        _RIGHT_ASSOCIATIONS.c.code.label("right_code"),
    )
    .select_from(
        _RIGHTS.outerjoin(_RIGHT_ASSOCIATIONS, _RIGHT_ASSOCIATIONS.c.id == _RIGHTS.c.association_id)
    )
    .where(_RIGHTS.c.telegram_id == bindparam("telegram_id")),
).order_by(text("part"), text("association_position"))


async def profile_and_rights(
    connection: AsyncConnection, telegram_id: int
) -> tuple[list[RowMapping], list[tuple[str, str | None]]]:
    """`profile_rows` and `staff.rights_of` of one user in one statement (one round trip)."""
    result = await connection.execute(_PROFILE_AND_RIGHTS, {"telegram_id": telegram_id})
    profile: list[RowMapping] = []
    held: list[tuple[str, str | None]] = []
    for row in result.mappings():
        if row["part"] == 0:
            profile.append(row)
        else:
            held.append((row["right_role"], row["right_code"]))
    return profile, held


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
