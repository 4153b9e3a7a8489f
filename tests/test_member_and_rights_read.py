"""The member, their associations and their staff rights read in one statement
(`members.profile_and_rights`) give what the two reads gave (`profile_rows`, `rights_of`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.members import MemberService
from bot.services.staff import StaffRole, StaffService
from storage.db import Database
from storage.repositories import members as members_repo
from storage.repositories import staff as staff_repo
from tests.forms import head_form

MEMBER = 3001
STAFF_ONLY = 3002  # staff rights, never registered
NOBODY = 3003

Read = tuple[list[dict[str, Any]], list[tuple[str, str | None]]]


async def two_reads(db: Database, telegram_id: int) -> Read:
    async with db.reading() as connection:
        rows = await members_repo.profile_rows(connection, telegram_id)
        held = await staff_repo.rights_of(connection, telegram_id)
    return [dict(row) for row in rows], sorted(held, key=str)


async def one_read(db: Database, telegram_id: int) -> Read:
    async with db.reading() as connection:
        rows, held = await members_repo.profile_and_rights(connection, telegram_id)
    extra = {"part", "association_position", "right_role", "right_code"}
    return [
        {name: value for name, value in row.items() if name not in extra} for row in rows
    ], sorted(held, key=str)


async def test_one_statement_reads_what_the_two_did(db: Database) -> None:
    await sync_associations(db, load_associations())
    members = MemberService(db)
    await members.register(
        MEMBER,
        head_form(association_codes=["uaror", "vag"], consent_at=datetime.now(UTC)),
    )
    staff = StaffService(db)
    await staff.grant(MEMBER, StaffRole.STAFF, "vag")
    await staff.grant(MEMBER, StaffRole.ADMIN)
    await staff.grant(STAFF_ONLY, StaffRole.STAFF, "aotg")

    for telegram_id in (MEMBER, STAFF_ONLY, NOBODY):
        assert await one_read(db, telegram_id) == await two_reads(db, telegram_id)
    rows, held = await one_read(db, MEMBER)
    assert len(rows) == 2 and len(held) == 2  # in the associations' order, as before

    member, rights = await members.get_with_rights(MEMBER, staff)
    assert member is not None and set(member.association_codes) == {"uaror", "vag"}
    assert rights.is_admin and rights.staff_of == frozenset({"vag"})
    member, rights = await members.get_with_rights(STAFF_ONLY, staff)
    assert member is None and not rights.is_admin and rights.staff_of == frozenset({"aotg"})
    assert await members.get_with_rights(NOBODY, staff) == (None, await staff.rights(NOBODY))
