"""Exactly-once submissions on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
a request key makes a repeated press, a resent update or a twin process find the record the
first one made. Each case also races: the key check misses a twin that has not committed yet,
so the unique key refuses the second insert and the earlier record is read instead."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.members import MemberService, RegistrationForm
from bot.services.questions import QuestionService
from bot.services.report_rules import load_report_rules
from bot.services.reports import Actor, ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.verification import VerificationService
from storage.db import Database
from storage.models import (
    Association,
    AuditEvent,
    Member,
    Question,
    QuestionAnswer,
    Report,
    ReportCounter,
    ReportEvent,
    StaffRole,
)
from storage.repositories import questions as questions_repo
from storage.repositories import reports as reports_repo
from storage.repositories import verification as verification_repo

ADMIN = 1
VAG = Actor(501, "Ірина з ВАГ")
MEMBER = 11
NEIGHBOUR = 12
KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"

WATER = ReportForm(
    category="energy_utilities",
    urgency="critical",
    title="Зупинилась водопровідна насосна станція після обстрілу",
    description="Після обстрілу пошкоджено насосну станцію, громада без водопостачання.",
)


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    await StaffService(db).grant(VAG.telegram_id, StaffRole.STAFF, "vag")
    for telegram_id in (MEMBER, NEIGHBOUR):
        await MemberService(db).register(
            telegram_id,
            RegistrationForm(
                full_name=f"Голова {telegram_id}",
                role="hromada_head",
                oblast_code="UA05000000000010236",
                hromada_code=None,
                hromada_text=f"Громада {telegram_id}",
                association_codes=["vag"],
                associations_unsure=False,
            ),
        )
    return db


def reports(db: Database) -> ReportService:
    return ReportService(db, load_report_rules(), frozenset({ADMIN}))


def questions(db: Database) -> QuestionService:
    return QuestionService(db, frozenset({ADMIN}))


async def count(db: Database, column: Any, *where: Any) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count(column)).where(*where)) or 0)


def missing_once(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
    """The key lookup misses once, as when a twin process has inserted but not yet committed:
    the insert that follows meets the unique key."""
    real: Callable[..., Awaitable[Any]] = getattr(module, name)
    calls = {"n": 0}

    async def lookup(*args: Any) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else await real(*args)

    monkeypatch.setattr(module, name, lookup)


# ------------------------------------------------------------------------------ reports


async def test_a_repeated_submission_files_one_report(synced: Database) -> None:
    service = reports(synced)
    first = await service.submit(MEMBER, WATER, request_key=KEY)
    again = await service.submit(MEMBER, WATER, request_key=KEY)

    assert not first.repeated and again.repeated
    assert again.id == first.id and again.reference == first.reference
    assert again.deadline_at == first.deadline_at and again.association_codes == ("vag",)
    assert await count(synced, Report.id) == 1
    # The repeat spent no reference number: the next report is the second.
    async with synced.transaction() as session:
        assert await session.scalar(select(ReportCounter.last)) == 1
    other = await service.submit(MEMBER, WATER, request_key=OTHER_KEY)
    assert other.reference.endswith("-00002") and not other.repeated


async def test_a_submission_racing_its_twin_reads_the_twins_report(
    synced: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = reports(synced)
    first = await service.submit(MEMBER, WATER, request_key=KEY)
    missing_once(monkeypatch, reports_repo, "report_by_request_key")

    again = await service.submit(MEMBER, WATER, request_key=KEY)

    assert again.repeated and again.reference == first.reference
    assert await count(synced, Report.id) == 1


async def test_concurrent_submissions_with_one_key_file_one_report(synced: Database) -> None:
    """Two processes handling the same update at once."""
    twins = [reports(synced), reports(synced)]
    results = await asyncio.gather(*(s.submit(MEMBER, WATER, request_key=KEY) for s in twins))

    assert len({r.reference for r in results}) == 1
    assert sorted(r.repeated for r in results) == [False, True]
    assert await count(synced, Report.id) == 1
    assert await count(synced, AuditEvent.id, AuditEvent.action == "report.status") == 1


async def test_another_members_key_never_shows_their_report(synced: Database) -> None:
    service = reports(synced)
    await service.submit(MEMBER, WATER, request_key=KEY)
    with pytest.raises(IntegrityError):
        await service.submit(NEIGHBOUR, WATER, request_key=KEY)
    assert await count(synced, Report.id) == 1


async def test_cosigning_and_withdrawing_once_per_key(synced: Database) -> None:
    service = reports(synced)
    report = await service.submit(MEMBER, WATER)
    joined = await service.cosign(report.id, NEIGHBOUR, 900, request_key=KEY)
    left = await service.withdraw(report.id, NEIGHBOUR, request_key=OTHER_KEY)
    assert joined.changed and joined.supporters == 1 and left.supporters == 0

    # The join's update again, after the withdrawal: it must not sign them up a second time.
    again = await service.cosign(report.id, NEIGHBOUR, 900, request_key=KEY)
    left_again = await service.withdraw(report.id, NEIGHBOUR, request_key=OTHER_KEY)

    assert again.repeated and again.reference == report.reference and again.supporters == 0
    assert left_again.repeated
    kinds = ReportEvent.kind.in_(["cosign", "withdraw"])
    assert await count(synced, ReportEvent.id, kinds) == 2


async def test_a_cosigning_racing_its_twin_reads_the_twins(
    synced: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = reports(synced)
    report = await service.submit(MEMBER, WATER)
    await service.cosign(report.id, NEIGHBOUR, request_key=KEY)
    await service.withdraw(report.id, NEIGHBOUR)
    missing_once(monkeypatch, reports_repo, "event_by_request_key")

    again = await service.cosign(report.id, NEIGHBOUR, request_key=KEY)

    assert again.repeated and again.supporters == 0
    assert await count(synced, ReportEvent.id, ReportEvent.kind == "cosign") == 1


async def test_a_staff_reply_is_recorded_once(
    synced: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = reports(synced)
    report = await service.submit(MEMBER, WATER)
    first = await service.reply(report.id, VAG, "Бригаду направлено.", request_key=KEY)
    again = await service.reply(report.id, VAG, "Бригаду направлено.", request_key=KEY)
    missing_once(monkeypatch, reports_repo, "event_by_request_key")
    raced = await service.reply(report.id, VAG, "Бригаду направлено.", request_key=KEY)

    assert not first.repeated and again.repeated and raced.repeated
    assert again.id == first.id == raced.id and again.text == "Бригаду направлено."
    assert await count(synced, ReportEvent.id, ReportEvent.kind == "reply") == 1
    assert await count(synced, AuditEvent.id, AuditEvent.action == "report.reply") == 1
    # A note keyed by its message is kept once as well.
    await service.note(report.id, VAG, "Телефонував голові", request_key="msg:-1001:77")
    await service.note(report.id, VAG, "Телефонував голові", request_key="msg:-1001:77")
    assert await count(synced, ReportEvent.id, ReportEvent.kind == "note") == 1


# ------------------------------------------------------------------------------ questions


async def test_a_repeated_question_is_stored_once(
    synced: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = questions(synced)
    first = await service.ask(MEMBER, "Як подати проєкт у ДРІМ?", "uk", request_key=KEY)
    again = await service.ask(MEMBER, "Як подати проєкт у ДРІМ?", "uk", request_key=KEY)
    missing_once(monkeypatch, questions_repo, "question_by_request_key")
    raced = await service.ask(MEMBER, "Як подати проєкт у ДРІМ?", "uk", request_key=KEY)

    assert not first.repeated and again.repeated and raced.repeated
    assert first.question_id == again.question_id == raced.question_id
    assert again.association_codes == ("vag",)
    assert await count(synced, Question.id) == 1
    assert await count(synced, AuditEvent.id, AuditEvent.action == "question.asked") == 1


async def test_concurrent_questions_with_one_key_store_one(synced: Database) -> None:
    twins = [questions(synced), questions(synced)]
    results = await asyncio.gather(
        *(s.ask(MEMBER, "Як подати проєкт у ДРІМ?", "uk", request_key=KEY) for s in twins)
    )
    assert len({r.question_id for r in results}) == 1
    assert sorted(r.repeated for r in results) == [False, True]
    assert await count(synced, Question.id) == 1


async def test_an_answer_is_stored_once_and_not_delivered_again(
    synced: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = questions(synced)
    asked = await service.ask(MEMBER, "Як подати проєкт у ДРІМ?", "uk")
    first = await service.answer(asked.question_id, 501, "Ірина", "Через портал.", request_key=KEY)
    again = await service.answer(asked.question_id, 501, "Ірина", "Через портал.", request_key=KEY)
    missing_once(monkeypatch, questions_repo, "answer_by_request_key")
    raced = await service.answer(asked.question_id, 501, "Ірина", "Через портал.", request_key=KEY)

    assert not first.repeated and first.first
    assert again.repeated and raced.repeated and again.first
    assert first.answer_id == again.answer_id == raced.answer_id
    assert again.member_telegram_id == MEMBER and again.text == "Через портал."
    assert await count(synced, QuestionAnswer.id) == 1
    assert await count(synced, AuditEvent.id, AuditEvent.action == "question.answered") == 1


async def test_concurrent_answers_with_one_key_store_one(synced: Database) -> None:
    asked = await questions(synced).ask(MEMBER, "Як подати проєкт у ДРІМ?", "uk")
    twins = [questions(synced), questions(synced)]
    results = await asyncio.gather(
        *(
            s.answer(asked.question_id, 501, "Ірина", "Через портал.", request_key=KEY)
            for s in twins
        )
    )
    assert len({r.answer_id for r in results}) == 1
    assert sorted(r.repeated for r in results) == [False, True]
    assert await count(synced, QuestionAnswer.id) == 1


# ------------------------------------------------------------------------------ verification


async def decisions(db: Database) -> int:
    return await count(db, AuditEvent.id, AuditEvent.action == "member.verification")


async def test_a_card_press_handled_again_decides_nothing_more(
    synced: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rejected from card A, the member corrects their profile and is unverified again; the
    reject press of card A delivered again must not reject the new round."""
    service = VerificationService(synced, frozenset({ADMIN}))
    card = "vrf:-100111:42"
    first = await service.decide(MEMBER, 501, False, staff_name="Ірина", request_key=card)
    async with synced.transaction() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == MEMBER).values(verification="unverified")
        )

    again = await service.decide(MEMBER, 501, False, staff_name="Ірина", request_key=card)

    assert first.changed and not again.changed
    assert again.verification == "rejected" and again.decided_by == 501
    assert again.decided_by_name == "Ірина"
    assert (await MemberService(synced).get(MEMBER)).verification == "unverified"  # type: ignore[union-attr]
    assert await decisions(synced) == 1
    # The new round's own card decides it.
    fresh = await service.decide(
        MEMBER, 501, True, staff_name="Ірина", request_key="vrf:-100111:43"
    )
    assert fresh.changed and fresh.approved and await decisions(synced) == 2

    missing_once(monkeypatch, verification_repo, "decision_by_request_key")
    async with synced.transaction() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == MEMBER).values(verification="unverified")
        )
    raced = await service.decide(
        MEMBER, 501, True, staff_name="Ірина", request_key="vrf:-100111:43"
    )
    assert not raced.changed and raced.approved and await decisions(synced) == 2


async def test_concurrent_presses_of_one_card_decide_once(synced: Database) -> None:
    twins = [VerificationService(synced, frozenset({ADMIN})) for _ in range(2)]
    results = await asyncio.gather(
        *(s.decide(MEMBER, 501, True, staff_name="Ірина", request_key="vrf:1:2") for s in twins)
    )
    assert sorted(r.changed for r in results) == [False, True]
    assert await decisions(synced) == 1


async def test_replicas_starting_together_sync_the_associations_once(database_url: str) -> None:
    """Two processes starting at once on a new database: both sync, neither fails, and each
    association is there once."""
    replicas = [Database.from_url(database_url) for _ in range(2)]
    try:
        await asyncio.gather(*(sync_associations(r, load_associations()) for r in replicas))
    finally:
        for replica in replicas:
            await replica.close()
    db = Database.from_url(database_url)
    try:
        async with db.transaction() as session:
            codes = list(await session.scalars(select(Association.code)))
    finally:
        await db.close()
    assert sorted(codes) == sorted(info.code for info in load_associations())
