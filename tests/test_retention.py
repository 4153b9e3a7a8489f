"""Retention against a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): each rule
deletes or scrubs what is just past its period and keeps what is just within it and what must
be kept; the daily job runs once a day whichever process gets there first; the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.members import MemberService
from bot.services.retention import (
    RetentionJob,
    RetentionPeriods,
    RetentionService,
    SweepCounts,
)
from bot.services.staff import StaffService
from storage.db import Database
from storage.models import (
    AuditAction,
    AuditEvent,
    Broadcast,
    BroadcastDelivery,
    FsmRecord,
    KbFeedback,
    MaintenanceRun,
    Member,
    MemberAssociation,
    Question,
    ReportDraft,
    StaffRole,
)
from tests.forms import head_form

DELIVERIES_REMOVED = AuditAction.BROADCAST_DELIVERIES_REMOVED
NOW = datetime(2027, 3, 10, 2, 0, tzinfo=UTC)  # 04:00 in Kyiv
KYIV = ZoneInfo("Europe/Kyiv")
PERIODS = RetentionPeriods()  # 30, 90, 180, 365, 1095 days
JUST = timedelta(minutes=5)
ADMIN = 7
STAFF = 8


def past(days: int, *, inside: bool) -> datetime:
    """A moment just within `days` before NOW (inside), or just beyond it."""
    return NOW - timedelta(days=days) + (JUST if inside else -JUST)


@pytest.fixture
async def service(db: Database) -> RetentionService:
    await sync_associations(db, load_associations())
    # A small batch, so every rule walks several batches in these tests.
    return RetentionService(db, PERIODS, keep_telegram_ids=frozenset({ADMIN}), batch=2)


async def add(db: Database, *rows: Any) -> None:
    async with db.transaction() as session:
        session.add_all(rows)


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return int((await session.execute(query)).scalar_one())


async def telegram_ids(db: Database) -> set[int]:
    async with db.transaction() as session:
        return set(await session.scalars(select(Member.telegram_id)))


async def register(db: Database, telegram_id: int) -> int:
    await MemberService(db).register(
        telegram_id,
        head_form(phone="+380501234567"),
    )
    async with db.transaction() as session:
        member_id = await session.scalar(select(Member.id).where(Member.telegram_id == telegram_id))
    assert member_id is not None
    return member_id


def started(telegram_id: int, at: datetime, **fields: Any) -> Member:
    """Someone who chose a language and stopped: no registration."""
    return Member(telegram_id=telegram_id, locale="uk", created_at=at, updated_at=at, **fields)


def state(user_id: int, destiny: str, at: datetime, chat_id: int | None = None) -> FsmRecord:
    chat = user_id if chat_id is None else chat_id
    return FsmRecord(key=f"fsm:{chat}:{user_id}:{destiny}", state="S:s", data={}, updated_at=at)


# ------------------------------------------------------------------------------ registrations


async def test_unfinished_registrations_past_the_period_go_with_what_only_they_own(
    db: Database, service: RetentionService
) -> None:
    old, recent = past(30, inside=False), past(30, inside=True)
    await add(
        db,
        started(2001, old),  # goes
        started(2002, old),  # goes, with its vote, association and dialog state
        started(2003, recent),  # within the period
        started(ADMIN, old),  # ADMIN_IDS: kept
        started(STAFF, old),  # holds a staff right: kept
        started(2004, old),  # still in the dialog: its state was written lately
        started(2005, old),  # asked a question: kept
        started(2006, old, erased_at=old),  # deleted their profile: the row keeps its place
        started(2007, old),  # goes
        state(2002, "aiogd:stack:", old),
        state(2004, "aiogd:stack:", recent),
        state(2003, "aiogd:stack:", old),
    )
    await StaffService(db).grant(STAFF, StaffRole.STAFF, "vag")
    async with db.transaction() as session:
        ids = {
            telegram_id: member_id
            for member_id, telegram_id in (
                await session.execute(select(Member.id, Member.telegram_id))
            )
        }
        session.add(KbFeedback(member_id=ids[2002], slug="dream", helpful=True))
        session.add(MemberAssociation(member_id=ids[2002], association_id=1))
        session.add(Question(member_id=ids[2005], text="?", locale="uk", association_codes=["vag"]))
    registered = await register(db, 2010)
    async with db.transaction() as session:  # registered long ago, never touched since
        member = await session.get(Member, registered)
        assert member is not None
        member.created_at = member.updated_at = old

    assert await service.unfinished_registrations(NOW, dry_run=True) == 3
    assert await telegram_ids(db) >= {2001, 2002, 2007}  # a dry run changes nothing

    assert await service.unfinished_registrations(NOW) == 3
    assert await telegram_ids(db) == {2003, ADMIN, STAFF, 2004, 2005, 2006, 2010}
    assert await count(db, KbFeedback) == 0
    assert await count(db, MemberAssociation, MemberAssociation.member_id == ids[2002]) == 0
    assert await count(db, FsmRecord, FsmRecord.key.like("fsm:2002:%")) == 0
    assert await count(db, FsmRecord) == 2  # 2003's (within its own period) and 2004's
    assert await service.unfinished_registrations(NOW) == 0


# ------------------------------------------------------------------------------ drafts


async def test_report_drafts_untouched_past_the_period_go(
    db: Database, service: RetentionService
) -> None:
    members = [await register(db, 3000 + n) for n in range(4)]
    await add(
        db,
        ReportDraft(member_id=members[0], data={"title": "a"}, updated_at=past(90, inside=False)),
        ReportDraft(member_id=members[1], data={"title": "b"}, updated_at=past(90, inside=False)),
        ReportDraft(member_id=members[2], data={"title": "c"}, updated_at=past(400, inside=False)),
        ReportDraft(member_id=members[3], data={"title": "d"}, updated_at=past(90, inside=True)),
    )
    assert await service.report_drafts(NOW, dry_run=True) == 3
    assert await count(db, ReportDraft) == 4
    assert await service.report_drafts(NOW) == 3
    async with db.transaction() as session:
        assert list(await session.scalars(select(ReportDraft.member_id))) == [members[3]]
    assert await count(db, Member, Member.registered_at.is_not(None)) == 4  # members stay


# ------------------------------------------------------------------------------ dialog state


async def test_dialog_state_of_people_idle_past_the_period_goes(
    db: Database, service: RetentionService
) -> None:
    old, recent = past(180, inside=False), past(180, inside=True)
    await add(
        db,
        state(4001, "aiogd:stack:", old),  # all of 4001's state is old: goes
        state(4001, "aiogd:context:abc", old),
        state(4001, "default", old),
        state(4002, "aiogd:stack:", recent),  # 4002 is active: the old context stays with it
        state(4002, "aiogd:context:menu", old),
        state(4003, "default", recent),
        state(4001, "report_desk", old, chat_id=-100500),  # 4001 in a group, idle too: goes
        state(4004, "report_desk", old, chat_id=-100500),
        state(4004, "report_desk", recent, chat_id=-100700),  # another chat: its own
    )
    assert await service.dialog_states(NOW, dry_run=True) == 5
    assert await count(db, FsmRecord) == 9
    assert await service.dialog_states(NOW) == 5
    async with db.transaction() as session:
        keys = set(await session.scalars(select(FsmRecord.key)))
    assert keys == {
        "fsm:4002:4002:aiogd:stack:",
        "fsm:4002:4002:aiogd:context:menu",
        "fsm:4003:4003:default",
        "fsm:-100700:4004:report_desk",
    }


# ------------------------------------------------------------------------------ deliveries


def broadcast(status: str, finished_at: datetime | None, recipients: int) -> Broadcast:
    return Broadcast(
        author_telegram_id=STAFF,
        text_uk="Оголошення",
        audience={"associations": [], "oblasts": [], "roles": []},
        status=status,
        recipients=recipients,
        created_at=NOW - timedelta(days=800),
        finished_at=finished_at,
    )


async def deliveries(db: Database, broadcast_id: int, members: list[int], *statuses: str) -> None:
    await add(
        db,
        *(
            BroadcastDelivery(
                broadcast_id=broadcast_id,
                member_id=member_id,
                chat_id=member_id,
                locale="uk",
                status=status,
                next_attempt_at=NOW,
            )
            for member_id, status in zip(members, statuses, strict=True)
        ),
    )


async def test_delivery_rows_of_announcements_finished_past_the_period_go_counts_kept(
    db: Database, service: RetentionService
) -> None:
    members = [await register(db, 5000 + n) for n in range(3)]
    old = broadcast("done", past(365, inside=False), 3)
    cancelled = broadcast("cancelled", past(365, inside=False), 3)
    recent = broadcast("done", past(365, inside=True), 3)
    unfinished = broadcast("sending", None, 3)  # created 800 days ago, still sending
    await add(db, old, cancelled, recent, unfinished)
    await deliveries(db, old.id, members, "sent", "sent", "unreachable")
    await deliveries(db, cancelled.id, members, "sent", "cancelled", "cancelled")
    await deliveries(db, recent.id, members, "sent", "sent", "sent")
    await deliveries(db, unfinished.id, members, "sent", "uncertain", "pending")

    assert await service.delivery_rows(NOW, dry_run=True) == 6
    assert await count(db, AuditEvent, AuditEvent.action == DELIVERIES_REMOVED) == 0
    assert await service.delivery_rows(NOW) == 6

    async with db.transaction() as session:
        left = await session.execute(
            select(BroadcastDelivery.broadcast_id, BroadcastDelivery.status).order_by(
                BroadcastDelivery.id
            )
        )
        assert [(b, s) for b, s in left if b not in (recent.id, unfinished.id)] == []
        kept = await session.scalars(
            select(BroadcastDelivery.status).where(BroadcastDelivery.broadcast_id == unfinished.id)
        )
        assert sorted(kept) == ["pending", "sent", "uncertain"]
        events = {
            event.subject_id: event.after
            for event in await session.scalars(
                select(AuditEvent).where(AuditEvent.action == DELIVERIES_REMOVED)
            )
        }
    assert events == {
        str(old.id): {"counts": {"sent": 2, "unreachable": 1}, "retention_days": 365},
        str(cancelled.id): {"counts": {"sent": 1, "cancelled": 2}, "retention_days": 365},
    }
    assert await count(db, Broadcast) == 4  # every announcement stays
    assert await count(db, BroadcastDelivery, BroadcastDelivery.broadcast_id == recent.id) == 3

    # Nothing left to do: no second record of the counts (which would now be empty).
    assert await service.delivery_rows(NOW) == 0
    assert await count(db, AuditEvent, AuditEvent.action == DELIVERIES_REMOVED) == 2


async def test_a_run_stopped_midway_keeps_the_first_full_counts(
    db: Database, service: RetentionService
) -> None:
    members = [await register(db, 5100 + n) for n in range(3)]
    old = broadcast("done", past(365, inside=False), 3)
    await add(db, old)
    await deliveries(db, old.id, members, "sent", "sent", "failed")

    class Stopped(Exception):
        pass

    async def stop() -> None:
        raise Stopped

    with pytest.raises(Stopped):  # stopped after the first batch of two rows
        await service.delivery_rows(NOW, progress=stop)
    assert await count(db, BroadcastDelivery) == 1
    assert await service.delivery_rows(NOW) == 1
    async with db.transaction() as session:
        records = list(
            await session.scalars(
                select(AuditEvent.after).where(AuditEvent.action == DELIVERIES_REMOVED)
            )
        )
    assert records == [{"counts": {"sent": 2, "failed": 1}, "retention_days": 365}]


# ------------------------------------------------------------------------------ audit


def event(
    at: datetime,
    subject_id: str,
    after: dict[str, Any] | None,
    *,
    subject_type: str = "member",
    before: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent(
        at=at,
        actor_id=None,
        action="member.updated",
        subject_type=subject_type,
        subject_id=subject_id,
        before=before,
        after=after,
    )


PROFILE = {
    "full_name": "Олена Петренко",
    "role": "hromada_head",
    "hromada_text": "Іллінецька",
    "hromada_code": None,
    "oblast_code": "UA05000000000010236",
    "phone": "set",
    "associations": ["vag"],
    "locale": "uk",
}
SCRUBBED = PROFILE | {
    "full_name": None,
    "role": None,
    "hromada_text": None,
    "phone": None,
    "associations": None,
}


async def test_personal_values_of_old_audit_entries_and_of_erased_members_are_removed(
    db: Database, service: RetentionService
) -> None:
    await register(db, 6001)
    old, recent = past(1095, inside=False), past(1095, inside=True)
    decision = {"verification": "verified", "by_name": "Іван Коваль"}
    await add(
        db,
        event(old, "6001", PROFILE, before={"full_name": "Олена"}),  # 1: old: scrubbed
        event(recent, "6001", PROFILE),  # 2: within the period, member present: kept
        event(NOW, "-17", PROFILE),  # 3: a member who deleted their profile: scrubbed
        event(NOW, "6999", PROFILE),  # 4: a member no longer in the database: scrubbed
        event(old, "vag", {"chat_id": -100500}, subject_type="association"),  # 5: nothing personal
        event(old, "6001", decision),  # 6: the deciding officer's name goes too
        event(recent, "6001", decision),  # 7: kept
        event(old, "6001", None),  # 8: nothing to scrub
    )
    assert await service.audit_values(NOW, dry_run=True) == 4
    assert await service.audit_values(NOW) == 4
    async with db.transaction() as session:
        rows = [
            (e.before, e.after)
            for e in await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "member.updated")
                .order_by(AuditEvent.id)
            )
        ]
    assert rows == [
        ({"full_name": None}, SCRUBBED),
        (None, PROFILE),
        (None, SCRUBBED),
        (None, SCRUBBED),
        (None, {"chat_id": -100500}),
        (None, {"verification": "verified", "by_name": None}),
        (None, decision),
        (None, None),
    ]
    assert await service.audit_values(NOW) == 0  # already scrubbed: nothing to change


# ------------------------------------------------------------------------------ sweep


async def test_a_sweep_applies_every_rule_and_keeps_registered_members(
    db: Database, service: RetentionService
) -> None:
    member = await register(db, 7001)
    await add(
        db,
        started(7002, past(30, inside=False)),
        ReportDraft(member_id=member, data={}, updated_at=past(90, inside=False)),
        state(7003, "default", past(180, inside=False)),
        event(past(1095, inside=False), "7001", {"full_name": "Олена"}),
    )
    counts = await service.sweep(NOW)
    assert counts == SweepCounts(
        unfinished_registrations=1,
        report_drafts=1,
        dialog_states=1,
        delivery_rows=0,
        audit_entries=1,
    )
    assert await telegram_ids(db) == {7001}
    assert await service.sweep(NOW) == SweepCounts()


# ------------------------------------------------------------------------------ the daily job


def job(db: Database, service: RetentionService, holder: str, now: datetime) -> RetentionJob:
    return RetentionJob(db, service, KYIV, at=time(3, 30), holder=holder, clock=lambda: now)


async def runs(db: Database) -> list[MaintenanceRun]:
    async with db.transaction() as session:
        return list(await session.scalars(select(MaintenanceRun).order_by(MaintenanceRun.id)))


async def test_two_processes_racing_sweep_once_a_day(
    db: Database, service: RetentionService
) -> None:
    await add(db, started(8001, past(30, inside=False)), started(8002, past(30, inside=False)))
    first, second = job(db, service, "a:1", NOW), job(db, service, "b:2", NOW)

    results = await asyncio.gather(first.check(), second.check())

    swept = [result for result in results if result is not None]
    assert swept == [SweepCounts(unfinished_registrations=2)]
    [run] = await runs(db)
    assert (run.job, run.day, run.status) == ("retention", "2027-03-10", "done")
    assert run.claimed_by == ("a:1" if results[0] is not None else "b:2")
    assert run.counts == swept[0].as_dict()
    assert run.finished_at is not None and run.error is None
    # Later the same day, nobody sweeps again.
    assert await first.check() is None and await second.check() is None
    assert len(await runs(db)) == 1


async def test_no_sweep_before_its_hour_and_the_next_day_sweeps_again(
    db: Database, service: RetentionService
) -> None:
    early = datetime(2027, 3, 10, 1, 0, tzinfo=UTC)  # 03:00 in Kyiv
    assert await job(db, service, "a:1", early).check() is None
    assert await runs(db) == []
    assert await job(db, service, "a:1", NOW).check() == SweepCounts()
    next_day = NOW + timedelta(days=1)
    assert await job(db, service, "b:2", next_day).check() == SweepCounts()
    assert [run.day for run in await runs(db)] == ["2027-03-10", "2027-03-11"]


async def test_a_claim_left_by_a_dead_process_is_taken_over_after_an_hour(
    db: Database, service: RetentionService
) -> None:
    await add(
        db,
        MaintenanceRun(
            job="retention",
            day="2027-03-10",
            status="claimed",
            claimed_by="dead:1",
            claimed_at=NOW - timedelta(minutes=50),
        ),
    )
    assert await job(db, service, "b:2", NOW).check() is None  # it may still be working
    later = NOW + timedelta(minutes=15)
    assert await job(db, service, "b:2", later).check() == SweepCounts()
    [run] = await runs(db)
    assert (run.status, run.claimed_by) == ("done", "b:2")


async def test_a_failed_run_records_the_error_and_is_retried_an_hour_later(
    db: Database,
    service: RetentionService,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*_: Any, **__: Any) -> int:
        # An SQL error's text may carry the values it was given: never logged or stored.
        raise RuntimeError("[parameters: ('Олена Петренко',)]")

    monkeypatch.setattr(service, "report_drafts", broken)
    with caplog.at_level("DEBUG"):
        assert await job(db, service, "a:1", NOW).check() is None
    [run] = await runs(db)
    assert (run.status, run.error, run.counts) == ("failed", "RuntimeError", None)
    assert "retention run 1 failed: RuntimeError" in caplog.text
    assert "Олена" not in caplog.text

    monkeypatch.undo()
    assert await job(db, service, "b:2", NOW + timedelta(minutes=30)).check() is None
    assert await job(db, service, "b:2", NOW + timedelta(minutes=61)).check() == SweepCounts()
    [run] = await runs(db)
    assert (run.status, run.error, run.claimed_by) == ("done", None, "b:2")


# ------------------------------------------------------------------------------ command line


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return code if isinstance(code, int) else 1


async def test_retention_run_from_the_command_line(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("REDIS_URL", "ADMIN_IDS", "RETENTION_UNFINISHED_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_DRAFT_DAYS", "10")
    db = Database.from_url(database_url)
    try:
        await sync_associations(db, load_associations())
        member = await register(db, 9001)
        a_while_ago = datetime.now(UTC) - timedelta(days=40)
        await add(
            db,
            started(9002, datetime.now(UTC) - timedelta(days=20)),  # within 30 days: kept
            ReportDraft(member_id=member, data={}, updated_at=a_while_ago),  # past 10 days
        )

        # The command runs its own event loop: off this test's loop.
        assert await asyncio.to_thread(run_cli, "retention", "run", "--dry-run") == 0
        out = capsys.readouterr().out
        assert "Dry run, nothing was changed. A run now would remove:" in out
        assert "  report drafts (older than 10 days): 1" in out
        assert "  unfinished registrations (older than 30 days): 0" in out
        assert await count(db, ReportDraft) == 1

        assert await asyncio.to_thread(run_cli, "retention", "run") == 0
        out = capsys.readouterr().out
        assert out.startswith("Removed:")
        assert "  report drafts (older than 10 days): 1" in out
        assert await count(db, ReportDraft) == 0
        assert await telegram_ids(db) == {9001, 9002}
    finally:
        await db.close()


def test_retention_settings_are_bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETENTION_DIALOG_DAYS", "0")
    with pytest.raises(SystemExit) as exit_info:
        main(["retention", "run", "--dry-run"])
    message = str(exit_info.value.code)
    assert "RETENTION_DIALOG_DAYS: Input should be greater than or equal to 7" in message


async def test_with_redis_dialog_state_expires_after_the_same_period(db: Database) -> None:
    from aiogram.fsm.storage.redis import RedisStorage

    from storage.fsm import create_fsm_storage

    period = timedelta(days=PERIODS.dialog_days)
    # Nothing connects until the storage is used: no Redis server is needed to build it.
    storage, isolation = create_fsm_storage(db, "redis://127.0.0.1:1/0", state_ttl=period)
    try:
        assert isinstance(storage, RedisStorage)
        assert storage.state_ttl == period and storage.data_ttl == period
    finally:
        await isolation.close()
        await storage.close()


async def test_an_unfinished_registration_leaves_no_dialog_state_in_redis(db: Database) -> None:
    """With Redis, the dialog state of a registration that goes is deleted there too; the
    database's storage needs nothing more than the rows deleted with the member."""
    from aiogram.fsm.storage.redis import RedisStorage

    from storage.fsm import default_key_builder
    from tests.test_privacy import _Redis

    old = past(30, inside=False)
    await add(db, started(2001, old), started(2003, past(30, inside=True)))
    values = {
        "fsm:2001:2001:aiogd:stack::data": "{}",
        "fsm:2001:2001:default:state": "Registration:name",
        "fsm:2003:2003:aiogd:stack::data": "{}",
    }
    redis = RedisStorage(redis=_Redis(values), key_builder=default_key_builder())  # type: ignore[arg-type]
    service = RetentionService(db, PERIODS, storage=redis)

    assert await service.unfinished_registrations(NOW, dry_run=True) == 1
    assert len(values) == 3  # a dry run changes nothing
    assert await service.unfinished_registrations(NOW) == 1
    assert set(values) == {"fsm:2003:2003:aiogd:stack::data"}
