"""Member and staff services against a real database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.members import InvalidInput, MemberService, RegistrationForm, clean_name
from bot.services.staff import PermissionDenied, RedeemStatus, StaffService, UnknownAssociation
from storage.db import Database
from storage.models import Association, AuditEvent, Member, StaffInvite, StaffRole, utcnow


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    return db


def _form(**overrides: object) -> RegistrationForm:
    values: dict[str, object] = {
        "full_name": "  Олена   Петренко ",
        "role": "hromada_head",
        "oblast_code": "UA05000000000010236",
        "hromada_code": "UA05020010000052968",
        "hromada_text": None,
        "association_codes": ["vag", "uaror"],
        "phone": "380 50 123 45 67",
    }
    values.update(overrides)
    return RegistrationForm(**values)  # type: ignore[arg-type]


async def test_registration_is_stored_with_associations_and_audit(synced: Database) -> None:
    members = MemberService(synced)
    await members.set_locale(111, "uk")
    profile = await members.register(111, _form())

    assert profile.registered
    assert profile.full_name == "Олена Петренко"
    assert profile.association_codes == ("vag", "uaror")
    assert profile.verification == "unverified"
    assert profile.phone == "+380501234567"
    assert profile.locale == "uk"
    async with synced.transaction() as session:
        actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        registered = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "member.registered")
        )
    assert actions == ["member.locale", "member.registered"]
    assert registered is not None and registered.after is not None
    # The audit log never carries the phone number itself.
    assert registered.after["phone"] == "set"


async def test_unsure_members_have_no_associations(synced: Database) -> None:
    profile = await MemberService(synced).register(
        5, _form(association_codes=[], associations_unsure=True, phone=None)
    )
    assert profile.association_codes == ()
    assert profile.associations_unsure
    assert profile.phone is None


async def test_profile_update_changes_only_given_fields_and_is_audited(synced: Database) -> None:
    members = MemberService(synced)
    await members.register(7, _form())
    updated = await members.update_profile(7, role="council_secretary", association_codes=["aotg"])
    assert updated.role == "council_secretary"
    assert updated.association_codes == ("aotg",)
    assert updated.full_name == "Олена Петренко"
    async with synced.transaction() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "member.updated")
        )
    assert event is not None
    assert event.before == {"role": "hromada_head", "associations": ["vag", "uaror"]}
    assert event.after == {"role": "council_secretary", "associations": ["aotg"]}


async def test_update_before_registration_is_refused(synced: Database) -> None:
    with pytest.raises(InvalidInput, match="not-registered"):
        await MemberService(synced).update_profile(8, full_name="Іван")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("x" * 101, "too-long"),
        ("Я" * 5000, "too-long"),
        ("", "too-short"),
        ("1", "too-short"),
        ("42 42", "too-short"),
    ],
)
def test_name_rules(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as error:
        clean_name(text)
    assert error.value.code == code


async def test_associations_sync_is_idempotent_and_deactivates_removed(synced: Database) -> None:
    infos = load_associations()
    await sync_associations(synced, infos)
    await sync_associations(synced, infos[:2])
    async with synced.transaction() as session:
        rows = {a.code: a.active for a in await session.scalars(select(Association))}
    assert rows == {"vag": True, "aotg": True, "uaror": False}


async def test_admin_ids_and_granted_rights(synced: Database) -> None:
    staff = StaffService(synced, admin_ids=frozenset({1}))
    assert (await staff.rights(1)).is_admin
    assert not (await staff.rights(2)).is_staff
    assert await staff.grant(2, StaffRole.STAFF, "vag", granted_by=1)
    assert not await staff.grant(2, StaffRole.STAFF, "vag", granted_by=1)
    rights = await staff.rights(2)
    assert rights.may_act_for("vag") and not rights.may_act_for("aotg") and not rights.is_admin
    assert await staff.grant(3, StaffRole.ADMIN, granted_by=1)
    assert (await staff.rights(3)).may_act_for("uaror")
    with pytest.raises(UnknownAssociation):
        await staff.grant(4, StaffRole.STAFF, "nope")


async def test_invite_is_admin_only_and_works_once(synced: Database) -> None:
    staff = StaffService(synced, admin_ids=frozenset({1}))
    with pytest.raises(PermissionDenied):
        await staff.create_invite(2, "vag")
    invite = await staff.create_invite(1, "aotg")
    assert invite.payload.startswith("inv_") and len(invite.payload) <= 64

    first = await staff.redeem_invite(invite.token, 20)
    assert first.status == RedeemStatus.GRANTED and first.association_code == "aotg"
    assert (await staff.rights(20)).staff_of == frozenset({"aotg"})
    assert (await staff.redeem_invite(invite.token, 20)).status == RedeemStatus.ALREADY_STAFF
    assert (await staff.redeem_invite(invite.token, 21)).status == RedeemStatus.USED
    assert not (await staff.rights(21)).is_staff
    assert (await staff.redeem_invite("nonsense", 21)).status == RedeemStatus.UNKNOWN


async def test_two_people_racing_for_one_invite_get_one_right(synced: Database) -> None:
    staff = StaffService(synced, admin_ids=frozenset({1}))
    invite = await staff.create_invite(1, "vag")
    results = await asyncio.gather(
        *(staff.redeem_invite(invite.token, uid) for uid in (31, 32, 33)), return_exceptions=True
    )
    statuses = [r.status for r in results if not isinstance(r, BaseException)]
    assert statuses.count(RedeemStatus.GRANTED) == 1
    granted = [uid for uid in (31, 32, 33) if (await staff.rights(uid)).is_staff]
    assert len(granted) == 1


async def test_expired_invite_is_refused(synced: Database) -> None:
    staff = StaffService(synced, admin_ids=frozenset({1}))
    invite = await staff.create_invite(1, "vag")
    async with synced.transaction() as session:
        await session.execute(
            update(StaffInvite).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    assert (await staff.redeem_invite(invite.token, 9)).status == RedeemStatus.EXPIRED
    assert not (await staff.rights(9)).is_staff


async def test_member_rows_are_unique_per_telegram_user(synced: Database) -> None:
    members = MemberService(synced)
    await asyncio.gather(*(members.set_locale(77, "en") for _ in range(3)), return_exceptions=True)
    async with synced.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Member))
    assert count == 1
