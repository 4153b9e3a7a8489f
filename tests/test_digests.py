"""Digests on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): the figures against
seeded reports, periods, schedule math over weekends and DST, exactly once with two processes,
missed digests, stale claims, the message's length and plural forms, the chart."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.content import CONTENT_DIR, load_associations
from bot.i18n import Translations
from bot.names import Names
from bot.services.associations import sync_associations
from bot.services.digest_chart import render_chart
from bot.services.digest_schedule import (
    JOINT,
    Schedule,
    default_schedule,
    latest_slot,
    next_slot,
    previous_slot,
)
from bot.services.digests import (
    CLAIM_TIMEOUT,
    Digest,
    DigestBuilder,
    DigestScheduler,
    DigestService,
    SendOutcome,
    Target,
)
from bot.services.hromadas import load_oblasts
from bot.services.report_rules import load_report_rules
from bot.services.staff import PermissionDenied, StaffService
from bot.services.staff_chats import StaffChatService
from dialogs.digest_texts import chart_data, render_digest
from storage.db import Database
from storage.models import (
    Association,
    DigestRun,
    DigestSchedule,
    Member,
    Question,
    Report,
    ReportAssociation,
    ReportSupporter,
    StaffChat,
    StaffRole,
)
from tests.conftest import ROOT

KYIV = ZoneInfo("Europe/Kyiv")
ADMIN = 1
VAG_STAFF = 501
VAG_GROUP = -100500
AOTG_GROUP = -100700
VINNYTSIA = "UA05000000000010236"
VOLYN = "UA07000000000024379"
# Wednesday 2026-11-25 12:00 Kyiv (10:00 UTC): the digests' "now" in these tests.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV).astimezone(UTC)  # type: ignore[misc]


# ------------------------------------------------------------------------------ seeding


@dataclass
class Seeder:
    db: Database
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    member_id: int = 0

    async def setup(self) -> None:
        await sync_associations(self.db, load_associations())
        async with self.db.transaction() as session:
            member = Member(telegram_id=9000, full_name="Голова", verification="verified")
            session.add(member)
            await session.flush()
            self.member_id = member.id

    async def member(self, telegram_id: int, verified: bool = True) -> int:
        async with self.db.transaction() as session:
            member = Member(
                telegram_id=telegram_id,
                full_name="Підписант",
                verification="verified" if verified else "unverified",
            )
            session.add(member)
            await session.flush()
            return member.id

    async def report(
        self,
        codes: tuple[str, ...] = ("vag",),
        *,
        created: datetime,
        status: str = "new",
        category: str = "education",
        oblast: str | None = VINNYTSIA,
        groups: tuple[str, ...] = (),
        deadline_hours: float = 24,
        first_response: datetime | None = None,
        resolved: datetime | None = None,
        joint: bool = False,
        title: str = "Школа без опалення",
    ) -> int:
        number = next(self.numbers)
        async with self.db.transaction() as session:
            report = Report(
                reference=f"R-2026-{number:05d}",
                member_id=self.member_id,
                status=status,
                category=category,
                urgency="high",
                title=title,
                description="Опис",
                affected_groups=list(groups),
                oblast_code=oblast,
                joint=joint,
                created_at=created,
                submitted_at=created,
                deadline_at=created + timedelta(hours=deadline_hours),
                first_response_at=first_response,
                resolved_at=resolved,
                updated_at=created,
            )
            session.add(report)
            await session.flush()
            ids = await session.execute(
                select(Association.id, Association.code).where(Association.code.in_(codes))
            )
            by_code = {code: id_ for id_, code in ids.all()}
            for position, code in enumerate(codes):
                session.add(
                    ReportAssociation(
                        report_id=report.id, association_id=by_code[code], position=position
                    )
                )
            return report.id

    async def cosign(self, report_id: int, member_id: int, withdrawn: bool = False) -> None:
        async with self.db.transaction() as session:
            session.add(
                ReportSupporter(
                    report_id=report_id,
                    member_id=member_id,
                    withdrawn_at=NOW if withdrawn else None,
                )
            )

    async def question(self, codes: list[str], created: datetime, status: str = "open") -> None:
        async with self.db.transaction() as session:
            session.add(
                Question(
                    member_id=self.member_id,
                    text="Як отримати субвенцію на укриття?",
                    locale="uk",
                    association_codes=codes,
                    status=status,
                    created_at=created,
                )
            )


@pytest.fixture
async def seeder(db: Database) -> Seeder:
    seeder = Seeder(db)
    await seeder.setup()
    return seeder


@dataclass
class RecordingSender:
    """The Telegram side replaced: remembers each digest, can be slow or fail."""

    sent: list[tuple[Target, Digest]] = field(default_factory=list)
    delay: float = 0.0
    fail: bool = False

    async def __call__(self, target: Target, digest: Digest) -> SendOutcome:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            return SendOutcome(False, target.chat_id, "forbidden: bot was kicked")
        self.sent.append((target, digest))
        return SendOutcome(True, target.chat_id)


async def bind(db: Database, chat_id: int, code: str, bound_at: datetime, locale: str = "uk"):
    await StaffChatService(db, frozenset({ADMIN})).bind(chat_id, "Група", code, ADMIN, locale)
    async with db.transaction() as session:
        await session.execute(
            update(StaffChat).where(StaffChat.chat_id == chat_id).values(bound_at=bound_at)
        )


def scheduler(db: Database, sender: RecordingSender, now: datetime = NOW) -> DigestScheduler:
    return DigestScheduler(db, KYIV, sender, frozenset({ADMIN}), clock=lambda: now)


async def runs(db: Database) -> list[DigestRun]:
    async with db.transaction() as session:
        return list(await session.scalars(select(DigestRun).order_by(DigestRun.id)))


# ------------------------------------------------------------------------------ the figures


async def test_figures_match_the_seeded_reports(db: Database, seeder: Seeder) -> None:
    start, end = NOW - timedelta(days=1), NOW
    inside = NOW - timedelta(hours=5)
    # In the period, routed to ВАГ: three new, one of them already resolved.
    a = await seeder.report(created=inside, groups=("children", "older"), deadline_hours=2)
    b = await seeder.report(
        created=inside + timedelta(hours=1),
        category="budget",
        oblast=VOLYN,
        groups=("children",),
        status="in_progress",
        first_response=inside + timedelta(hours=3),
    )
    await seeder.report(
        created=inside,
        status="resolved",
        first_response=inside + timedelta(hours=1),
        resolved=inside + timedelta(hours=4),
    )
    # Joint, routed elsewhere: ВАГ sees it too.
    await seeder.report(("aotg",), created=inside, joint=True, category="budget", oblast=None)
    # Another association's, in the period: not in ВАГ's digest, in the joint one.
    await seeder.report(("aotg",), created=inside, category="security")
    # Before the period, open and long overdue; and one resolved in the period.
    old = await seeder.report(created=NOW - timedelta(days=10), status="escalated")
    await seeder.report(
        created=NOW - timedelta(days=3),
        status="resolved",
        first_response=NOW - timedelta(days=2),
        resolved=NOW - timedelta(hours=2),
    )
    # Declined in the period: closed, but not "resolved".
    await seeder.report(
        created=NOW - timedelta(days=4), status="declined", resolved=NOW - timedelta(hours=1)
    )
    first, second, third = [await seeder.member(t) for t in (9101, 9102, 9103)]
    unverified = await seeder.member(9104, verified=False)
    for member in (first, second, third):
        await seeder.cosign(b, member)
    await seeder.cosign(a, first)
    await seeder.cosign(a, second, withdrawn=True)
    await seeder.cosign(a, unverified)
    await seeder.question(["vag", "uaror"], NOW - timedelta(days=2))
    await seeder.question(["aotg"], NOW - timedelta(days=1))
    await seeder.question(["vag"], NOW - timedelta(days=1), status="answered")

    digest = await DigestBuilder(db, KYIV).build("vag", start, end, now=NOW)

    assert digest.new == 4  # a, b, the resolved one, the joint one
    assert digest.resolved == 2  # resolved in the period; the declined one is not
    assert digest.open_total == 4  # a, b, joint, old
    assert digest.open_by_status == (("new", 2), ("in_progress", 1), ("escalated", 1))
    # Overdue: no first response and past the deadline; the oldest deadline first.
    assert digest.overdue_total == 2  # b has a first response, the joint one has time left
    assert [r.id for r in digest.overdue] == [old, a]
    assert [(r.id, r.cosigners) for r in digest.most_cosigned] == [(b, 3), (a, 1)]
    assert dict(digest.new_by_category) == {"education": 2, "budget": 2}
    assert dict(digest.new_by_oblast) == {VINNYTSIA: 2, VOLYN: 1, None: 1}
    assert dict(digest.new_by_group) == {"children": 2, "older": 1}
    # First responses in the period: 2 h (b) and 1 h; the median of two is their mean.
    assert digest.first_response.reports == 2
    assert digest.first_response.median_hours == pytest.approx(1.5)
    assert digest.first_response.average_hours == pytest.approx(1.5)
    # Resolved in the period: 4 h, and 70 h (3 days minus 2 hours).
    assert digest.resolution.reports == 2
    assert digest.resolution.median_hours == pytest.approx(37.0)
    assert digest.open_questions_total == 1
    # The chart: at least a week of days, the period's new reports on the last ones.
    assert len(digest.days) >= 7
    assert sum(day.new for day in digest.days) >= 4
    assert digest.days[-1].day == NOW.astimezone(KYIV).date()
    assert dict(digest.open_by_category) == {"education": 2, "budget": 2}

    joint = await DigestBuilder(db, KYIV).build(JOINT, start, end, now=NOW)
    assert joint.new == 5
    assert joint.open_questions_total == 2
    assert dict(joint.new_by_category)["security"] == 1


async def test_median_of_an_odd_number_is_the_middle(db: Database, seeder: Seeder) -> None:
    for hours in (1, 2, 30):
        created = NOW - timedelta(hours=40)
        await seeder.report(
            created=created, status="in_progress", first_response=created + timedelta(hours=hours)
        )
    digest = await DigestBuilder(db, KYIV).build("vag", NOW - timedelta(days=3), NOW, now=NOW)
    assert digest.first_response.reports == 3
    assert digest.first_response.median_hours == pytest.approx(2.0)
    assert digest.first_response.average_hours == pytest.approx(11.0)


# ------------------------------------------------------------------------------ schedule math


def test_slots_on_working_days_skip_the_weekend() -> None:
    schedule = default_schedule("vag")
    saturday = kyiv(2026, 11, 28, 15, 0)
    assert latest_slot(schedule, saturday, KYIV) == kyiv(2026, 11, 27, 9, 0)  # Friday
    assert next_slot(schedule, saturday, KYIV) == kyiv(2026, 11, 30, 9, 0)  # Monday
    monday_early = kyiv(2026, 11, 30, 8, 59)
    assert latest_slot(schedule, monday_early, KYIV) == kyiv(2026, 11, 27, 9, 0)
    # Monday's digest covers the weekend: its previous slot is Friday's.
    assert previous_slot(schedule, kyiv(2026, 11, 30, 9, 0), KYIV) == kyiv(2026, 11, 27, 9, 0)
    assert latest_slot(schedule, kyiv(2026, 11, 30, 9, 0), KYIV) == kyiv(2026, 11, 30, 9, 0)


def test_weekly_joint_and_off() -> None:
    joint = default_schedule(JOINT)
    wednesday = kyiv(2026, 11, 25, 12, 0)
    assert latest_slot(joint, wednesday, KYIV) == kyiv(2026, 11, 23, 9, 0)
    assert next_slot(joint, wednesday, KYIV) == kyiv(2026, 11, 30, 9, 0)
    assert previous_slot(joint, kyiv(2026, 11, 30, 9, 0), KYIV) == kyiv(2026, 11, 23, 9, 0)
    off = Schedule("vag", (1, 2, 3, 4, 5), time(9), enabled=False)
    assert latest_slot(off, wednesday, KYIV) is None and next_slot(off, wednesday, KYIV) is None


def test_local_time_holds_across_dst() -> None:
    """Kyiv moves its clocks on the last Sundays of March and October: 09:00 stays 09:00."""
    daily = Schedule("vag", (1, 2, 3, 4, 5, 6, 7), time(9))
    before = latest_slot(daily, datetime(2026, 3, 28, 12, 0, tzinfo=UTC), KYIV)
    after = latest_slot(daily, datetime(2026, 3, 29, 12, 0, tzinfo=UTC), KYIV)
    assert before == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)  # UTC+2
    assert after == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # UTC+3
    assert after - before == timedelta(hours=23)  # the period over the change is 23 hours
    autumn = latest_slot(daily, datetime(2026, 10, 25, 12, 0, tzinfo=UTC), KYIV)
    assert autumn == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    assert previous_slot(daily, autumn, KYIV) == datetime(2026, 10, 24, 6, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------ sending


async def test_missed_digest_is_sent_on_start_and_once(db: Database, seeder: Seeder) -> None:
    """The bot was down at 09:00: the first check sends it; later checks do not again."""
    await bind(db, VAG_GROUP, "vag", NOW - timedelta(days=10))
    await seeder.report(created=kyiv(2026, 11, 24, 15, 0))  # Tuesday, in the period
    await seeder.report(created=kyiv(2026, 11, 25, 10, 0))  # after 09:00: the next one's
    sender = RecordingSender()
    first = await scheduler(db, sender).check()
    # ВАГ's Wednesday 09:00 digest; the joint one (Monday 09:00) was missed too.
    assert sorted(r.target.key for r in first) == [JOINT, "vag"]
    by_key = {target.key: digest for target, digest in sender.sent}
    vag = by_key["vag"]
    assert (vag.period_start, vag.period_end) == (kyiv(2026, 11, 24, 9, 0), kyiv(2026, 11, 25, 9))
    assert vag.new == 1
    assert by_key[JOINT].period_end == kyiv(2026, 11, 23, 9, 0)
    assert by_key[JOINT].period_start == kyiv(2026, 11, 16, 9, 0)
    assert await scheduler(db, sender, NOW + timedelta(minutes=5)).check() == []
    assert len(sender.sent) == 2
    assert [r.status for r in await runs(db)] == ["sent", "sent"]
    # Thursday 09:00: the next one starts where Wednesday's ended.
    await scheduler(db, sender, kyiv(2026, 11, 26, 9, 0, 30)).check()
    thursday = sender.sent[-1][1]
    assert thursday.period_start == kyiv(2026, 11, 25, 9, 0)
    assert thursday.new == 1


async def test_no_digest_for_a_slot_before_binding(db: Database, seeder: Seeder) -> None:
    await bind(db, VAG_GROUP, "vag", NOW - timedelta(hours=1))
    sender = RecordingSender()
    assert await scheduler(db, sender).check() == []
    # A changed schedule does not make an earlier slot "missed" either.
    await bind(db, AOTG_GROUP, "aotg", NOW - timedelta(days=10))
    await StaffService(db, frozenset({ADMIN})).grant(ADMIN, StaffRole.ADMIN)
    service = DigestService(db, frozenset({ADMIN}))
    await service.set_schedule("aotg", ADMIN, at=time(8))
    await service.set_schedule(JOINT, ADMIN, weekdays=(3,))
    async with db.transaction() as session:  # changed at the tests' "now"
        await session.execute(update(DigestSchedule).values(updated_at=NOW))
    assert await scheduler(db, sender).check() == []
    assert await scheduler(db, sender, kyiv(2026, 11, 26, 8, 0)).check() != []


async def test_two_processes_send_each_digest_once(db: Database, seeder: Seeder) -> None:
    """Two schedulers check at the same moment: the unique run row lets one have each period."""
    await bind(db, VAG_GROUP, "vag", NOW - timedelta(days=10))
    await bind(db, AOTG_GROUP, "aotg", NOW - timedelta(days=10), locale="en")
    first, second = RecordingSender(delay=0.05), RecordingSender(delay=0.05)
    results = await asyncio.gather(scheduler(db, first).check(), scheduler(db, second).check())
    sent = [(t.key, t.chat_id) for t, _ in first.sent + second.sent]
    assert sorted(sent) == sorted(
        [("vag", VAG_GROUP), (JOINT, VAG_GROUP), ("aotg", AOTG_GROUP), (JOINT, AOTG_GROUP)]
    )
    assert sum(len(r) for r in results) == 4
    assert len(await runs(db)) == 4


async def test_a_claim_left_by_a_dead_process_is_taken_over(db: Database, seeder: Seeder) -> None:
    await bind(db, VAG_GROUP, "vag", NOW - timedelta(days=10))
    slot = kyiv(2026, 11, 25, 9, 0)
    async with db.transaction() as session:
        for claimed_at in (NOW - CLAIM_TIMEOUT - timedelta(minutes=1), NOW - timedelta(minutes=1)):
            session.add(
                DigestRun(
                    schedule_key="vag" if claimed_at < NOW - CLAIM_TIMEOUT else JOINT,
                    association_code="vag",
                    period_start=slot - timedelta(days=1),
                    period_end=slot if claimed_at < NOW - CLAIM_TIMEOUT else kyiv(2026, 11, 23, 9),
                    status="claimed",
                    claimed_by="dead:1:ab",
                    claimed_at=claimed_at,
                )
            )
    sender = RecordingSender()
    results = await scheduler(db, sender).check()
    # The stale one is sent by this process; the fresh claim is left to its live holder.
    assert [(r.target.key, r.outcome.sent) for r in results] == [("vag", True)]
    stored = {r.schedule_key: r for r in await runs(db)}
    assert stored["vag"].status == "sent" and stored["vag"].claimed_by != "dead:1:ab"
    assert stored[JOINT].status == "claimed" and stored[JOINT].claimed_by == "dead:1:ab"


async def test_a_failed_send_is_recorded_and_not_repeated(db: Database, seeder: Seeder) -> None:
    await bind(db, VAG_GROUP, "vag", NOW - timedelta(days=10))
    sender = RecordingSender(fail=True)
    results = await scheduler(db, sender).check()
    assert results and not any(r.outcome.sent for r in results)
    stored = await runs(db)
    assert {r.status for r in stored} == {"failed"}
    assert all(r.error == "forbidden: bot was kicked" for r in stored)
    assert await scheduler(db, sender, NOW + timedelta(minutes=1)).check() == []


async def test_send_now_covers_the_time_since_the_last_digest(db: Database, seeder: Seeder) -> None:
    await bind(db, VAG_GROUP, "vag", NOW - timedelta(days=10))
    sender = RecordingSender()
    await scheduler(db, sender).check()
    later = NOW + timedelta(hours=3)
    results = await scheduler(db, sender, later).send_now(["vag"])
    assert len(results) == 1
    digest = sender.sent[-1][1]
    assert (digest.period_start, digest.period_end) == (kyiv(2026, 11, 25, 9, 0), later)
    # Without history: a day back for a daily digest, a week for the joint one.
    await bind(db, AOTG_GROUP, "aotg", NOW)
    await scheduler(db, sender, later).send_now(["aotg", JOINT], chat_id=AOTG_GROUP)
    periods = {t.key: d.period_end - d.period_start for t, d in sender.sent[-2:]}
    assert periods == {"aotg": timedelta(days=1), JOINT: timedelta(days=7)}


async def test_schedules_change_only_with_the_right(db: Database, seeder: Seeder) -> None:
    await StaffService(db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    service = DigestService(db, frozenset({ADMIN}))
    assert (await service.schedule("vag")).is_default
    changed = await service.set_schedule("vag", VAG_STAFF, weekdays=(1, 2, 3, 4, 5, 6, 7))
    assert changed.preset == "daily" and not changed.is_default
    with pytest.raises(PermissionDenied):
        await service.set_schedule("aotg", VAG_STAFF, enabled=False)
    with pytest.raises(PermissionDenied):
        await service.set_schedule(JOINT, VAG_STAFF, enabled=False)
    assert (await service.set_schedule(JOINT, ADMIN, at=time(10))).at == time(10)
    assert (await service.schedule("vag")).weekdays == (1, 2, 3, 4, 5, 6, 7)


# ------------------------------------------------------------------------------ the texts


@pytest.fixture(scope="module")
def names() -> Names:
    return Names.of(
        load_report_rules(), load_oblasts(CONTENT_DIR / "oblasts.yaml"), load_associations()
    )


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 звернення"), (2, "2 звернення"), (5, "5 звернень"), (21, "21 звернення"),
     (11, "11 звернень"), (22, "22 звернення"), (0, "0 звернень")],
)  # fmt: skip
def test_ukrainian_plural_forms(count: int, expected: str) -> None:
    assert Translations().get("uk")("digest-reports", count=count) == expected


def test_other_plurals() -> None:
    uk, en = Translations().get("uk"), Translations().get("en")
    assert [uk("digest-cosigners", count=n) for n in (1, 3, 5)] == [
        "підтримав 1 член",
        "підтримали 3 члени",
        "підтримали 5 членів",
    ]
    assert [uk("digest-questions", count=n) for n in (1, 4, 11)] == [
        "1 запитання",
        "4 запитання",
        "11 запитань",
    ]
    assert [en("digest-reports", count=n) for n in (1, 2)] == ["1 report", "2 reports"]


async def test_the_message_fits_telegram_and_says_how_many_more(
    db: Database, seeder: Seeder, names: Names
) -> None:
    for i in range(40):
        await seeder.report(
            created=NOW - timedelta(days=3, hours=i),
            title=(f"Дуже довга назва звернення номер {i} " + "про відновлення <школи> " * 5)[:120],
        )
    digest = await DigestBuilder(db, KYIV).build("vag", NOW - timedelta(days=1), NOW, now=NOW)
    assert digest.overdue_total == 40 and len(digest.overdue) == 10
    for locale in ("uk", "en"):
        text = render_digest(Translations().get(locale), digest, names, KYIV)
        assert len(text.encode("utf-16-le")) // 2 <= 4096
        assert "&lt;школи&gt;" in text
    uk = render_digest(Translations().get("uk"), digest, names, KYIV)
    assert "40 звернень" in uk and "…і ще 30" in uk
    tight = render_digest(Translations().get("uk"), digest, names, KYIV, limit=1200)
    assert len(tight) <= 1200 and "…і ще" in tight
    assert "Дайджест звернень: ВАГ" in uk or "Дайджест звернень:" in uk


async def test_chart_is_a_png(db: Database, seeder: Seeder, names: Names) -> None:
    await seeder.report(created=NOW - timedelta(hours=3))
    digest = await DigestBuilder(db, KYIV).build("vag", NOW - timedelta(days=1), NOW, now=NOW)
    png = render_chart(chart_data(Translations().get("uk"), digest, names))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width == 1200


@pytest.mark.process
def test_bot_start_does_not_import_matplotlib() -> None:
    code = "import sys, bot.app, dialogs.digest_settings; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.process
def test_digest_send_without_token_explains(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "digest", "send", "--association", "vag"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "BOT_TOKEN is not set" in result.stderr and "Traceback" not in result.stderr


def test_handling_times_read_in_hours_then_days() -> None:
    from dialogs.digest_texts import _hours

    uk, en = Translations().get("uk"), Translations().get("en")
    assert [_hours(uk, value) for value in (1.5, 5.0, 47.9, 48.0, 324.0)] == [
        "1,5\u00a0год",
        "5\u00a0год",
        "47,9\u00a0год",
        "2\u00a0дн.",
        "13,5\u00a0дн.",
    ]
    assert [_hours(en, value) for value in (1.5, 324.0)] == ["1.5\u00a0h", "13.5\u00a0days"]
    assert _hours(uk, None) == "—"
