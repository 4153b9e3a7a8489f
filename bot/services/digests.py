"""Secretariat digests: what one says (DigestBuilder), when one is due (schedule math), and
sending each exactly once per period (DigestScheduler).

Schedules (`digest_schedule.py`): each association's digest goes to its bound staff group, the
weekly joint digest to every bound group, once per group.

Periods. A digest due at T covers [start, T): start is where the last digest of the same
schedule that reached its group ended, or, for the first one, the schedule's previous slot
(24 hours for a daily digest, 7 days for a weekly one, Friday to Monday on working days); never
more than MAX_PERIOD back.

Exactly once. Before anything is sent, a `digest_runs` row (schedule, association, period end)
is inserted as `claimed`; the unique key lets exactly one process or restart have it, the
others' INSERT fails and they move on. After sending, the row says `sent` or `failed` (with the
error). A row left `claimed` by a process that died is taken over after CLAIM_TIMEOUT by a
compare-and-set on its claim time, so it never blocks the period; the price is one honest
window: a process killed between Telegram accepting the digest and the row saying `sent` makes
the digest go out a second time after the timeout.

Missed digests. A slot passed while no process ran (the bot was down at 09:00) is sent on the
next check, which runs as soon as the bot starts: only the latest missed slot, covering
everything since the last digest. A slot from before the group was bound or the schedule last
changed is not "missed": changing the time to one already past today sends nothing until the
next slot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot.metrics import DIGEST_RUNS
from bot.outage import WorkerBackoff, worker_holder
from bot.services.digest_schedule import (
    JOINT,
    Schedule,
    default_schedule,
    default_window,
    latest_slot,
    local_days,
    previous_slot,
    schedule_of,
)
from bot.services.reports import AFFECTED_GROUPS
from bot.services.run_outcome import NO_BOUND_GROUP, outcome_of
from bot.services.run_outcome import SendOutcome as SendOutcome  # long imported from here
from bot.services.staff import PermissionDenied, StaffGuarded
from storage.db import Database
from storage.models import (
    OPEN_REPORT_STATUSES,
    AuditAction,
    DigestRun,
    DigestSchedule,
    Report,
    utcnow,
)
from storage.repositories import digests as repo
from storage.repositories.audit import add_event

logger = logging.getLogger(__name__)

MAX_PERIOD = timedelta(days=31)
CHART_MIN_DAYS = 7  # a daily digest's chart still shows a week, so it has a trend
CLAIM_TIMEOUT = timedelta(minutes=10)
CHECK_INTERVAL = 30.0  # seconds between checks: a digest goes out within this after its slot
LIST_LIMIT = 10  # overdue and oblasts shown; the texts cut further to fit a message
TOP_COSIGNED = 5
QUESTIONS_SHOWN = 5


# ------------------------------------------------------------------------------ the digest


@dataclass(frozen=True)
class ListedReport:
    id: int
    reference: str
    title: str
    urgency: str | None = None
    deadline_at: datetime | None = None
    cosigners: int = 0


@dataclass(frozen=True)
class Durations:
    """Times from submission, in hours, over the reports that reached the step in the period:
    the median (half took longer) and the average."""

    reports: int
    median_hours: float | None
    average_hours: float | None


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class DayFigures:
    day: date
    new: int
    resolved: int


@dataclass(frozen=True)
class Digest:
    """Everything one digest says; codes stay codes, the texts name them."""

    key: str  # an association's code or `joint`
    association_code: str | None  # the reports covered: None is every report
    period_start: datetime
    period_end: datetime
    built_at: datetime
    new: int
    resolved: int
    open_total: int
    open_by_status: tuple[tuple[str, int], ...]
    overdue_total: int
    overdue: tuple[ListedReport, ...]  # oldest deadline first
    most_cosigned: tuple[ListedReport, ...]
    new_by_category: tuple[tuple[str, int], ...]
    new_by_oblast: tuple[tuple[str | None, int], ...]
    new_by_group: tuple[tuple[str, int], ...]
    first_response: Durations
    resolution: Durations
    open_questions_total: int
    open_questions: tuple[OpenQuestion, ...]
    days: tuple[DayFigures, ...]  # the chart's days: the period, at least CHART_MIN_DAYS
    open_by_category: tuple[tuple[str, int], ...]


_STATUS_ORDER = {str(status): rank for rank, status in enumerate(OPEN_REPORT_STATUSES)}


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


class DigestBuilder:
    """Builds a Digest with aggregate queries: a fixed number of them, whatever the reports."""

    def __init__(self, db: Database, tz: ZoneInfo) -> None:
        self.db = db
        self.tz = tz

    async def build(
        self,
        key: str,
        period_start: datetime,
        period_end: datetime,
        now: datetime | None = None,
    ) -> Digest:
        now = now or utcnow()
        association = None if key == JOINT else key
        scope = repo.Scope(association)
        chart_start = min(period_start, period_end - timedelta(days=CHART_MIN_DAYS))
        days = local_days(chart_start, period_end, self.tz)
        start, end = period_start, period_end
        async with self.db.transaction() as session:
            counts = await repo.period_counts(
                session, scope, start, end, now, [(s, e) for _, s, e in days]
            )
            by_status = await repo.count_by(session, scope, Report.status, repo.is_open())
            overdue = await repo.overdue_reports(session, scope, now, LIST_LIMIT)
            cosigned = await repo.most_cosigned(session, scope, TOP_COSIGNED)
            by_category = await repo.count_by(
                session, scope, Report.category, repo.created_between(start, end)
            )
            by_oblast = await repo.count_by(
                session, scope, Report.oblast_code, repo.created_between(start, end)
            )
            groups = await repo.groups_count(session, scope, AFFECTED_GROUPS, start, end)
            first = await repo.duration_stats(session, scope, Report.first_response_at, start, end)
            resolution = await repo.duration_stats(session, scope, Report.resolved_at, start, end)
            questions_total, questions = await repo.open_questions(
                session, association, QUESTIONS_SHOWN
            )
            open_by_category = await repo.count_by(session, scope, Report.category, repo.is_open())
        return Digest(
            key=key,
            association_code=association,
            period_start=start,
            period_end=end,
            built_at=now,
            new=counts["new"],
            resolved=counts["resolved"],
            open_total=counts["open"],
            # In the order reports move through: new, in progress, escalated.
            open_by_status=tuple(
                sorted(((str(s), n) for s, n in by_status), key=lambda i: _STATUS_ORDER[i[0]])
            ),
            overdue_total=counts["overdue"],
            overdue=tuple(
                ListedReport(r.id, r.reference, r.title, r.urgency, _utc(r.deadline_at))
                for r in overdue
            ),
            most_cosigned=tuple(
                ListedReport(r.id, r.reference, r.title, cosigners=int(r.cosigners))
                for r in cosigned
            ),
            new_by_category=tuple((str(c), n) for c, n in by_category),
            new_by_oblast=tuple(by_oblast),
            new_by_group=tuple(
                sorted(((g, n) for g, n in groups.items() if n), key=lambda item: -item[1])
            ),
            first_response=Durations(first[0], _hours(first[1]), _hours(first[2])),
            resolution=Durations(resolution[0], _hours(resolution[1]), _hours(resolution[2])),
            open_questions_total=questions_total,
            open_questions=tuple(OpenQuestion(q.id, q.text, _utc(q.created_at)) for q in questions),
            days=tuple(
                DayFigures(day, counts[f"new_{i}"], counts[f"resolved_{i}"])
                for i, (day, _, _) in enumerate(days)
            ),
            open_by_category=tuple((str(c), n) for c, n in open_by_category),
        )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class Target:
    """One digest for one group: `association_code` is the run's key part (for the joint
    digest, the first association the group serves)."""

    key: str
    association_code: str
    chat_id: int
    locale: str
    active_since: datetime  # when the group was bound: earlier slots are not "missed"
    association_codes: tuple[str, ...] = ()  # every association the group serves


class DigestService(StaffGuarded):
    """Schedules and group languages as staff change them; each method is one transaction."""

    async def schedule(self, key: str) -> Schedule:
        async with self.db.transaction() as session:
            return schedule_of(await repo.schedule(session, key), key)

    async def may_change(self, key: str, actor: int) -> bool:
        """Staff of the association or admins; only admins change the joint digest."""
        rights = await self.staff.rights(actor)
        return rights.is_admin if key == JOINT else rights.may_act_for(key)

    async def set_schedule(
        self,
        key: str,
        actor: int,
        *,
        weekdays: Sequence[int] | None = None,
        at: time | None = None,
        enabled: bool | None = None,
    ) -> Schedule:
        """Change what is given; PermissionDenied without the right."""
        if not await self.may_change(key, actor):
            raise PermissionDenied
        async with self.db.transaction() as session:
            row = await repo.schedule(session, key)
            before = schedule_of(row, key)
            if row is None:
                row = await repo.add_schedule(
                    session,
                    DigestSchedule(
                        key=key,
                        weekdays=",".join(str(d) for d in before.weekdays),
                        time_of_day=before.at.strftime("%H:%M"),
                        enabled=before.enabled,
                    ),
                )
            if weekdays is not None:
                days = sorted({int(d) for d in weekdays})
                if not days or not all(1 <= d <= 7 for d in days):
                    raise ValueError(f"weekdays {weekdays!r}")
                row.weekdays = ",".join(str(d) for d in days)
            if at is not None:
                row.time_of_day = at.strftime("%H:%M")
            if enabled is not None:
                row.enabled = enabled
            row.updated_by = actor
            row.updated_at = utcnow()
            await session.flush()
            after = schedule_of(row, key)
            await add_event(
                session,
                AuditAction.DIGEST_SCHEDULE,
                key,
                actor_id=actor,
                before=_schedule_json(before),
                after=_schedule_json(after),
            )
            return after

    async def set_group_locale(
        self, chat_id: int, association_codes: Iterable[str], locale: str, actor: int
    ) -> None:
        """The group's language for cards and digests; staff of an association it serves, or
        admins. PermissionDenied without the right."""
        rights = await self.staff.rights(actor)
        if not (rights.is_admin or any(rights.may_act_for(c) for c in association_codes)):
            raise PermissionDenied
        async with self.db.transaction() as session:
            await repo.set_chat_locale(session, chat_id, locale)
            await add_event(
                session,
                AuditAction.STAFF_CHAT_LOCALE,
                chat_id,
                actor_id=actor,
                after={"locale": locale},
            )

    async def targets(
        self, keys: Iterable[str] | None = None, chat_id: int | None = None
    ) -> list[Target]:
        """Every digest of every bound group (of these schedule keys, to this group, when
        given)."""
        wanted = None if keys is None else set(keys)
        async with self.db.transaction() as session:
            bindings = await repo.active_bindings(session)
        targets: list[Target] = []
        chats: dict[int, list[tuple[str, datetime, str]]] = {}
        for binding, code in bindings:
            chats.setdefault(binding.chat_id, []).append((code, binding.bound_at, binding.locale))
        for chat, served in chats.items():
            if chat_id is not None and chat != chat_id:
                continue
            codes = tuple(code for code, _, _ in served)
            for code, bound_at, locale in served:
                if wanted is None or code in wanted:
                    targets.append(Target(code, code, chat, locale, bound_at, codes))
            if wanted is None or JOINT in wanted:
                code, bound_at, locale = served[0]
                targets.append(Target(JOINT, code, chat, locale, bound_at, codes))
        return targets


def _schedule_json(schedule: Schedule) -> dict[str, object]:
    return {
        "weekdays": list(schedule.weekdays),
        "time": schedule.at.strftime("%H:%M"),
        "enabled": schedule.enabled,
    }


# ------------------------------------------------------------------------------ sending


class DigestSender(Protocol):
    """Posts one digest to its group (text, chart, spreadsheet); never raises for Telegram."""

    async def __call__(self, target: Target, digest: Digest) -> SendOutcome: ...


@dataclass(frozen=True)
class RunResult:
    target: Target
    run_id: int
    outcome: SendOutcome


@dataclass
class DigestScheduler:
    """Sends due digests, each once per period. `check()` does one pass; `run()` loops."""

    db: Database
    tz: ZoneInfo
    send: DigestSender
    admin_ids: frozenset[int] = frozenset()
    interval: float = CHECK_INTERVAL
    holder: str = field(default_factory=worker_holder)
    clock: Callable[[], datetime] = utcnow
    outage_backoff: WorkerBackoff = field(default_factory=lambda: WorkerBackoff("digests"))

    def __post_init__(self) -> None:
        self.builder = DigestBuilder(self.db, self.tz)
        self.service = DigestService(self.db, self.admin_ids)

    async def _schedules(self) -> dict[str, Schedule]:
        async with self.db.transaction() as session:
            rows = await repo.schedules(session)
        return {key: schedule_of(row, key) for key, row in rows.items()}

    async def due(self, now: datetime | None = None) -> list[tuple[Target, datetime]]:
        """(target, slot) of every digest whose latest slot has no run yet."""
        now = now or self.clock()
        rows = await self._schedules()
        found = []
        for target in await self.service.targets():
            schedule = rows.get(target.key) or default_schedule(target.key)
            slot = latest_slot(schedule, now, self.tz)
            if slot is None or slot < target.active_since:
                continue
            if schedule.changed_at is not None and slot < schedule.changed_at:
                continue
            async with self.db.transaction() as session:
                done = await repo.run_at_or_after(
                    session, target.key, target.association_code, slot
                )
            if done is None:
                found.append((target, slot))
        return found

    async def check(self) -> list[RunResult]:
        """One pass: take over runs a dead process left claimed, then send what is due."""
        now = self.clock()
        results = []
        for run_id, target, start, end in await self._stale(now):
            results.append(await self._deliver(run_id, target, start, end))
        schedules = await self._schedules()
        for target, slot in await self.due(now):
            schedule = schedules.get(target.key) or default_schedule(target.key)
            start = await self._period_start(target, slot, schedule, on_slot=True)
            claimed = await self._claim(target, start, slot)
            if claimed is None:
                continue  # another process has this period
            results.append(await self._deliver(claimed, target, start, slot))
        return results

    async def send_now(
        self, keys: Iterable[str] | None = None, *, chat_id: int | None = None
    ) -> list[RunResult]:
        """Digests sent now (`hromada-bot digest send`, `/digest now`): each covers the time
        since its last one, and the next scheduled one starts where it ends."""
        now = self.clock()
        results = []
        schedules = await self._schedules()
        for target in await self.service.targets(keys, chat_id):
            schedule = schedules.get(target.key) or default_schedule(target.key)
            start = await self._period_start(target, now, schedule, on_slot=False)
            run_id = await self._claim(target, start, now)
            if run_id is not None:
                results.append(await self._deliver(run_id, target, start, now))
        return results

    async def run(self) -> None:
        """Check at once (missed digests go out on start), then every `interval` seconds."""
        logger.info("digest scheduler started as %s", self.holder)
        first = True

        async def step() -> None:
            nonlocal first
            results = await self.check()
            if first or results:
                logger.info(
                    "digest check done: %d sent, %d failed",
                    sum(r.outcome.sent for r in results),
                    sum(not r.outcome.sent for r in results),
                )
            first = False

        await self.outage_backoff.repeat(
            step, self.interval, lambda error: logger.exception("digest check failed")
        )

    async def _period_start(
        self, target: Target, end: datetime, schedule: Schedule, *, on_slot: bool
    ) -> datetime:
        """Where the last digest that reached the group ended; for the first one, the
        schedule's previous slot (on a slot) or its usual length back (sent off schedule)."""
        async with self.db.transaction() as session:
            last = await repo.last_sent_end(session, target.key, target.association_code, end)
        if last is None:
            last = (
                previous_slot(schedule, end, self.tz) if on_slot else end - default_window(schedule)
            )
        return max(last, end - MAX_PERIOD)

    async def _claim(self, target: Target, start: datetime, end: datetime) -> int | None:
        """Insert the run as claimed; None when another process inserted it first."""
        run = DigestRun(
            schedule_key=target.key,
            association_code=target.association_code,
            period_start=start,
            period_end=end,
            status="claimed",
            claimed_by=self.holder,
            claimed_at=self.clock(),
            chat_id=target.chat_id,
        )
        try:
            async with self.db.transaction() as session:
                await repo.add_run(session, run)
                return run.id
        except IntegrityError:
            logger.info(
                "digest %s/%s for %s already claimed",
                target.key,
                target.association_code,
                end.isoformat(),
            )
            return None

    async def _stale(self, now: datetime) -> list[tuple[int, Target, datetime, datetime]]:
        """Runs claimed by a process that did not finish them in CLAIM_TIMEOUT, now ours."""
        async with self.db.transaction() as session:
            stale = await repo.stale_claims(session, now - CLAIM_TIMEOUT)
        if not stale:
            return []
        targets = {(t.key, t.association_code): t for t in await self.service.targets()}
        taken = []
        for run in stale:
            target = targets.get((run.schedule_key, run.association_code))
            async with self.db.transaction() as session:
                if target is None:  # the group was unbound meanwhile
                    if await repo.take_over(session, run.id, run.claimed_at, self.holder, now):
                        unbound = SendOutcome(False, run.chat_id, NO_BOUND_GROUP)
                        await repo.finish_run(
                            session, run.id, chat_id=run.chat_id, **unbound.finished(now)
                        )
                    continue
                if not await repo.take_over(session, run.id, run.claimed_at, self.holder, now):
                    continue
            logger.warning("digest run %s taken over from %s", run.id, run.claimed_by)
            taken.append((run.id, target, _utc(run.period_start), _utc(run.period_end)))
        return taken

    async def _deliver(
        self, run_id: int, target: Target, start: datetime, end: datetime
    ) -> RunResult:
        async def build_and_send() -> SendOutcome:
            digest = await self.builder.build(target.key, start, end, now=self.clock())
            return await self.send(target, digest)

        outcome = await outcome_of(
            build_and_send, target.chat_id, "digest run %s not built or sent", run_id, log=logger
        )
        async with self.db.transaction() as session:
            await repo.finish_run(
                session, run_id, chat_id=outcome.chat_id, **outcome.finished(self.clock())
            )
        DIGEST_RUNS.labels(result=outcome.status).inc()
        logger.info(
            "digest run %s (%s/%s) to chat %s: %s",
            run_id,
            target.key,
            target.association_code,
            outcome.chat_id,
            outcome.described(),
        )
        return RunResult(target, run_id, outcome)
