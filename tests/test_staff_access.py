"""Taking staff rights and invite links back (StaffService) on a real database: the roster,
revokes from the command line and from the bot, withdrawn invites, and the audit log."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.members import MemberService, RegistrationForm
from bot.services.staff import (
    InviteGone,
    NotHeld,
    OwnAdminRight,
    PermissionDenied,
    RedeemStatus,
    SettingsAdmin,
    StaffService,
    UnknownAssociation,
)
from storage.db import Database
from storage.models import AuditEvent, StaffInvite, StaffRight, StaffRole, utcnow

SETTINGS_ADMIN = 1  # in ADMIN_IDS
DB_ADMIN = 2
OFFICER = 501
OTHER_OFFICER = 502
STRANGER = 900


@pytest.fixture
async def staff(db: Database) -> StaffService:
    await sync_associations(db, load_associations())
    service = StaffService(db, frozenset({SETTINGS_ADMIN}))
    await service.grant(DB_ADMIN, StaffRole.ADMIN, granted_by=SETTINGS_ADMIN)
    await service.grant(OFFICER, StaffRole.STAFF, "vag", granted_by=SETTINGS_ADMIN)
    await service.grant(OFFICER, StaffRole.STAFF, "uaror")  # the command line
    await service.grant(OTHER_OFFICER, StaffRole.STAFF, "aotg", granted_by=DB_ADMIN)
    members = MemberService(db)
    await members.register(
        OFFICER,
        RegistrationForm(
            full_name="Ірина Коваль",
            role="hromada_head",
            oblast_code="UA05000000000010236",
            hromada_code=None,
            hromada_text="Іллінецька",
            association_codes=["vag"],
        ),
    )
    return service


async def audit(db: Database, action: str) -> list[AuditEvent]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return list(rows)


async def rows(db: Database) -> set[tuple[int, str, int | None]]:
    async with db.transaction() as session:
        found = await session.execute(
            select(StaffRight.telegram_id, StaffRight.role, StaffRight.association_id)
        )
        return {(t, r, a) for t, r, a in found.all()}


async def test_roster_lists_every_right_with_its_origin_and_the_working_invites(
    staff: StaffService, db: Database
) -> None:
    used = await staff.create_invite(SETTINGS_ADMIN, "vag")
    await staff.redeem_invite(used.token, 777)
    expired = await staff.create_invite(SETTINGS_ADMIN, "vag")
    async with db.transaction() as session:
        await session.execute(
            update(StaffInvite)
            .where(StaffInvite.token == expired.token)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    withdrawn = await staff.create_invite(DB_ADMIN, "uaror")
    pending = await staff.create_invite(DB_ADMIN, "aotg")
    async with db.transaction() as session:
        withdrawn_id = await session.scalar(
            select(StaffInvite.id).where(StaffInvite.token == withdrawn.token)
        )
    assert withdrawn_id is not None
    await staff.revoke_invite(SETTINGS_ADMIN, withdrawn_id)

    roster = await staff.roster()
    held = [(r.telegram_id, r.role, r.association_code, r.from_settings) for r in roster.rights]
    assert held == [
        (SETTINGS_ADMIN, StaffRole.ADMIN, None, True),
        (DB_ADMIN, StaffRole.ADMIN, None, False),
        (OFFICER, StaffRole.STAFF, "vag", False),
        (777, StaffRole.STAFF, "vag", False),
        (OTHER_OFFICER, StaffRole.STAFF, "aotg", False),
        (OFFICER, StaffRole.STAFF, "uaror", False),
    ]
    by_key = {(r.telegram_id, r.association_code): r for r in roster.rights}
    officer = by_key[(OFFICER, "vag")]
    assert officer.name == "Ірина Коваль" and officer.granted_by == SETTINGS_ADMIN
    assert officer.granted_at is not None and officer.revocable
    assert by_key[(OFFICER, "uaror")].granted_by is None  # the command line
    assert by_key[(777, "vag")].granted_by == SETTINGS_ADMIN  # who created the invite
    assert not by_key[(SETTINGS_ADMIN, None)].revocable
    assert by_key[(OTHER_OFFICER, "aotg")].name is None  # not a registered member
    assert [(i.association_code, i.created_by) for i in roster.invites] == [("aotg", DB_ADMIN)]
    assert roster.invites[0].expires_at > utcnow()
    assert pending.association_code == "aotg"


async def test_only_admins_see_the_roster(staff: StaffService) -> None:
    assert (await staff.roster(DB_ADMIN)).rights
    for outsider in (OFFICER, STRANGER):
        with pytest.raises(PermissionDenied):
            await staff.roster(outsider)


async def test_command_line_revoke_deletes_the_row_and_logs_it(
    staff: StaffService, db: Database
) -> None:
    revoked = await staff.revoke(OFFICER, StaffRole.STAFF, "vag")
    assert revoked.right.association_code == "vag" and revoked.right.name == "Ірина Коваль"
    assert revoked.rights.staff_of == frozenset({"uaror"})  # still staff of UAROR
    assert (await staff.rights(OFFICER)).staff_of == frozenset({"uaror"})
    event = (await audit(db, "staff.revoked"))[-1]
    assert event.actor_id is None and event.subject_id == str(OFFICER)
    assert event.before is not None
    assert event.before["role"] == "staff" and event.before["association"] == "vag"
    assert event.before["granted_by"] == SETTINGS_ADMIN

    with pytest.raises(NotHeld):
        await staff.revoke(OFFICER, StaffRole.STAFF, "vag")
    with pytest.raises(NotHeld):
        await staff.revoke(STRANGER, StaffRole.ADMIN)
    with pytest.raises(UnknownAssociation):
        await staff.revoke(OFFICER, StaffRole.STAFF, "nope")
    with pytest.raises(SettingsAdmin):
        await staff.revoke(SETTINGS_ADMIN, StaffRole.ADMIN)
    assert (await staff.rights(SETTINGS_ADMIN)).is_admin

    last = await staff.revoke(OFFICER, StaffRole.STAFF, "uaror")
    assert not last.rights.is_staff and not (await staff.rights(OFFICER)).is_staff


async def test_grants_are_logged_with_actor_role_and_association(
    staff: StaffService, db: Database
) -> None:
    granted = {
        (e.actor_id, e.subject_id, tuple(sorted((e.after or {}).items())))
        for e in await audit(db, "staff.granted")
    }
    assert (SETTINGS_ADMIN, str(DB_ADMIN), (("association", None), ("role", "admin"))) in granted
    assert (None, str(OFFICER), (("association", "uaror"), ("role", "staff"))) in granted

    invite = await staff.create_invite(DB_ADMIN, "vag")
    await staff.redeem_invite(invite.token, 600)
    redeemed = (await audit(db, "staff.invite_redeemed"))[-1]
    assert redeemed.actor_id == 600 and redeemed.after is not None
    assert redeemed.after["role"] == "staff" and redeemed.after["association"] == "vag"
    assert redeemed.after["granted_by"] == DB_ADMIN


async def right_id(db: Database, telegram_id: int, role: StaffRole) -> int:
    async with db.transaction() as session:
        found = await session.scalar(
            select(StaffRight.id).where(
                StaffRight.telegram_id == telegram_id, StaffRight.role == role
            )
        )
    assert found is not None
    return found


async def test_bot_revoke_needs_an_admin_and_spares_their_own_admin_right(
    staff: StaffService, db: Database
) -> None:
    officer_vag = await right_id(db, OTHER_OFFICER, StaffRole.STAFF)
    before = await rows(db)
    for outsider in (OFFICER, STRANGER):
        with pytest.raises(PermissionDenied):
            await staff.revoke_right(outsider, officer_vag)
    assert await rows(db) == before

    own = await right_id(db, DB_ADMIN, StaffRole.ADMIN)
    with pytest.raises(OwnAdminRight):
        await staff.revoke_right(DB_ADMIN, own)
    assert (await staff.rights(DB_ADMIN)).is_admin

    revoked = await staff.revoke_right(DB_ADMIN, officer_vag)
    assert revoked.right.telegram_id == OTHER_OFFICER and not revoked.rights.is_staff
    assert not (await staff.rights(OTHER_OFFICER)).is_staff
    event = (await audit(db, "staff.revoked"))[-1]
    assert event.actor_id == DB_ADMIN and event.before is not None
    assert event.before["association"] == "aotg"
    with pytest.raises(NotHeld):
        await staff.revoke_right(DB_ADMIN, officer_vag)


async def test_an_admin_ids_admin_keeps_a_database_admin_row_too(
    staff: StaffService, db: Database
) -> None:
    await staff.grant(SETTINGS_ADMIN, StaffRole.ADMIN)
    row = await right_id(db, SETTINGS_ADMIN, StaffRole.ADMIN)
    with pytest.raises(SettingsAdmin):
        await staff.revoke_right(DB_ADMIN, row)
    listed = [r for r in (await staff.roster()).rights if r.telegram_id == SETTINGS_ADMIN]
    assert len(listed) == 1 and listed[0].from_settings and not listed[0].revocable


async def test_revoking_an_admin_withdraws_their_working_invites(
    staff: StaffService, db: Database
) -> None:
    theirs = await staff.create_invite(DB_ADMIN, "vag")
    used = await staff.create_invite(DB_ADMIN, "aotg")
    await staff.redeem_invite(used.token, 610)
    others = await staff.create_invite(SETTINGS_ADMIN, "uaror")

    revoked = await staff.revoke_right(
        SETTINGS_ADMIN, await right_id(db, DB_ADMIN, StaffRole.ADMIN)
    )
    assert not revoked.rights.is_admin and revoked.invites_withdrawn == 1
    assert (await staff.redeem_invite(theirs.token, 611)).status == RedeemStatus.REVOKED
    assert not (await staff.rights(611)).is_staff
    # The invitee who used one keeps the right; another admin's invite still works.
    assert (await staff.rights(610)).staff_of == frozenset({"aotg"})
    assert (await staff.redeem_invite(others.token, 612)).status == RedeemStatus.GRANTED
    withdrawn = await audit(db, "staff.invite_revoked")
    assert [e.actor_id for e in withdrawn] == [SETTINGS_ADMIN]


async def invite_id(db: Database, token: str) -> int:
    async with db.transaction() as session:
        found = await session.scalar(select(StaffInvite.id).where(StaffInvite.token == token))
    assert found is not None
    return found


async def test_a_withdrawn_invite_answers_as_withdrawn(staff: StaffService, db: Database) -> None:
    invite = await staff.create_invite(DB_ADMIN, "vag")
    number = await invite_id(db, invite.token)
    with pytest.raises(PermissionDenied):
        await staff.revoke_invite(OFFICER, number)

    withdrawn = await staff.revoke_invite(SETTINGS_ADMIN, number)
    assert withdrawn.association_code == "vag" and withdrawn.created_by == DB_ADMIN
    result = await staff.redeem_invite(invite.token, 620)
    assert result.status == RedeemStatus.REVOKED and result.association_code == "vag"
    assert not (await staff.rights(620)).is_staff
    with pytest.raises(InviteGone):
        await staff.revoke_invite(SETTINGS_ADMIN, number)
    async with db.transaction() as session:
        row = await session.get(StaffInvite, number)
    assert row is not None and row.revoked_by == SETTINGS_ADMIN and row.used_at is None

    used = await staff.create_invite(DB_ADMIN, "vag")
    await staff.redeem_invite(used.token, 621)
    with pytest.raises(InviteGone):
        await staff.revoke_invite(SETTINGS_ADMIN, await invite_id(db, used.token))


async def test_withdrawing_and_redeeming_at_once_never_both_win(
    staff: StaffService, db: Database
) -> None:
    for attempt in range(5):
        invite = await staff.create_invite(DB_ADMIN, "vag")
        number = await invite_id(db, invite.token)
        user = 700 + attempt
        redeemed, withdrawn = await asyncio.gather(
            staff.redeem_invite(invite.token, user),
            staff.revoke_invite(SETTINGS_ADMIN, number),
            return_exceptions=True,
        )
        assert not isinstance(redeemed, BaseException)
        is_staff = (await staff.rights(user)).is_staff
        if isinstance(withdrawn, InviteGone):
            assert redeemed.status == RedeemStatus.GRANTED and is_staff
        else:
            assert not isinstance(withdrawn, BaseException)
            assert redeemed.status == RedeemStatus.REVOKED and not is_staff


async def test_two_admins_revoking_each_other_at_once_leave_one(db: Database) -> None:
    await sync_associations(db, load_associations())
    staff = StaffService(db)  # no ADMIN_IDS: the database admins are all there are
    for attempt in range(5):
        first, second = 10 + 2 * attempt, 11 + 2 * attempt
        await staff.grant(first, StaffRole.ADMIN)
        await staff.grant(second, StaffRole.ADMIN)
        outcomes = await asyncio.gather(
            staff.revoke_right(first, await right_id(db, second, StaffRole.ADMIN)),
            staff.revoke_right(second, await right_id(db, first, StaffRole.ADMIN)),
            return_exceptions=True,
        )
        assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
        assert any(isinstance(o, PermissionDenied) for o in outcomes)
        admins = [(await staff.rights(u)).is_admin for u in (first, second)]
        assert admins.count(True) == 1
        await staff.revoke(first if admins[0] else second, StaffRole.ADMIN)
