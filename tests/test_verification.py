"""Member verification against a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.members import MemberProfile, MemberService
from bot.services.staff import PermissionDenied, StaffService
from bot.services.verification import UnknownMember, VerificationService
from storage.db import Database
from storage.models import AuditEvent, StaffRole
from tests.forms import head_form

ADMIN = 1
VAG_STAFF = 501
UAROR_STAFF = 502
AOTG_STAFF = 503
MEMBER = 1001


@pytest.fixture
async def service(db: Database) -> VerificationService:
    await sync_associations(db, load_associations())
    staff = StaffService(db)
    await staff.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.grant(UAROR_STAFF, StaffRole.STAFF, "uaror")
    await staff.grant(AOTG_STAFF, StaffRole.STAFF, "aotg")
    return VerificationService(db, frozenset({ADMIN}))


async def register(
    db: Database, telegram_id: int = MEMBER, codes: tuple[str, ...] = ("vag",)
) -> MemberProfile:
    return await MemberService(db).register(
        telegram_id,
        head_form(association_codes=list(codes), associations_unsure=not codes),
    )


async def verification_events(db: Database, telegram_id: int = MEMBER) -> list[AuditEvent]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == "member.verification",
                AuditEvent.subject_id == str(telegram_id),
            )
            .order_by(AuditEvent.id)
        )
        return list(rows)


async def verification_of(db: Database, telegram_id: int = MEMBER) -> str:
    profile = await MemberService(db).get(telegram_id)
    assert profile is not None
    return profile.verification


async def test_staff_of_the_members_association_approve(
    service: VerificationService, db: Database
) -> None:
    await register(db, codes=("vag", "uaror"))
    decision = await service.decide(MEMBER, UAROR_STAFF, True, staff_name="Іван Коваль")

    assert decision.changed and decision.approved
    assert decision.verification == "verified"
    assert decision.decided_by == UAROR_STAFF and decision.decided_by_name == "Іван Коваль"
    assert decision.decided_at is not None and decision.decided_at.tzinfo is not None
    assert decision.member.verification == "verified"
    assert await verification_of(db) == "verified"
    [event] = await verification_events(db)
    assert event.actor_id == UAROR_STAFF and event.subject_type == "member"
    assert event.before == {"verification": "unverified"}
    assert event.after == {"verification": "verified", "by_name": "Іван Коваль"}


async def test_reject(service: VerificationService, db: Database) -> None:
    await register(db)
    decision = await service.decide(MEMBER, VAG_STAFF, False)
    assert decision.changed and not decision.approved
    assert await verification_of(db) == "rejected"
    [event] = await verification_events(db)
    assert event.after == {"verification": "rejected", "by_name": None}


async def test_staff_of_another_association_may_not_decide(
    service: VerificationService, db: Database
) -> None:
    await register(db, codes=("vag",))
    for outsider in (AOTG_STAFF, 777):
        with pytest.raises(PermissionDenied):
            await service.decide(MEMBER, outsider, True)
    assert await verification_of(db) == "unverified"
    assert await verification_events(db) == []


async def test_any_staff_decides_for_a_member_not_sure_of_their_association(
    service: VerificationService, db: Database
) -> None:
    await register(db, codes=())
    with pytest.raises(PermissionDenied):
        await service.decide(MEMBER, 777, True)  # not staff at all
    decision = await service.decide(MEMBER, AOTG_STAFF, True)
    assert decision.changed and decision.member.associations_unsure


async def test_an_admin_decides_for_anyone(service: VerificationService, db: Database) -> None:
    await register(db, codes=("aotg",))
    decision = await service.decide(MEMBER, ADMIN, False)
    assert decision.changed and decision.verification == "rejected"


async def test_unknown_or_unregistered_member(service: VerificationService, db: Database) -> None:
    with pytest.raises(UnknownMember):
        await service.decide(4242, ADMIN, True)
    await MemberService(db).set_locale(4243, "uk")  # started the bot, never registered
    with pytest.raises(UnknownMember):
        await service.decide(4243, ADMIN, True)


async def test_a_second_decision_changes_nothing_and_names_the_first(
    service: VerificationService, db: Database
) -> None:
    await register(db, codes=("vag", "uaror"))
    first = await service.decide(MEMBER, VAG_STAFF, False, staff_name="Іван Коваль")
    second = await service.decide(MEMBER, UAROR_STAFF, True, staff_name="Ірина Шевчук")

    assert not second.changed
    assert second.verification == "rejected"
    assert second.decided_by == VAG_STAFF and second.decided_by_name == "Іван Коваль"
    assert second.decided_at == first.decided_at
    assert await verification_of(db) == "rejected"
    assert len(await verification_events(db)) == 1
    # Rights are checked before anything is told: an outsider learns nothing.
    with pytest.raises(PermissionDenied):
        await service.decide(MEMBER, AOTG_STAFF, True)


async def test_two_staff_pressing_at_once_exactly_one_wins(
    service: VerificationService, db: Database
) -> None:
    for round_ in range(5):
        telegram_id = MEMBER + round_
        await register(db, telegram_id, codes=("vag", "uaror"))
        decisions = await asyncio.gather(
            service.decide(telegram_id, VAG_STAFF, True, staff_name="VAG"),
            service.decide(telegram_id, UAROR_STAFF, False, staff_name="UAROR"),
        )
        winners = [d for d in decisions if d.changed]
        assert len(winners) == 1, decisions
        [winner] = winners
        [loser] = [d for d in decisions if not d.changed]
        assert loser.verification == winner.verification
        assert loser.decided_by == winner.decided_by
        assert await verification_of(db, telegram_id) == winner.verification
        [event] = await verification_events(db, telegram_id)
        assert event.actor_id == winner.decided_by
