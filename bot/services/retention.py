"""Retention: personal data the bot no longer needs, deleted or scrubbed by a daily job.

The rules, each a period in days (settings RETENTION_*_DAYS):
- an unfinished registration (never completed) untouched that long: the member row, its dialog
  state, and whatever only it owned (knowledge-base votes, a draft); never a row with a report,
  co-signature, question or announcement, nor anyone holding staff rights or in ADMIN_IDS;
- a report draft untouched that long;
- dialog state (`fsm_records`) of a person in a chat whose records were all written longer ago
  than that (with Redis, the same period is Redis's own expiry of each record);
- the per-member delivery rows of an announcement finished (done or cancelled) that long ago;
  the announcement stays, and its counts by status are kept in the audit log first
  (`broadcast.deliveries_removed`);
- personal values (names, role, hromada text, phone marker, associations) in the before/after of
  audit entries older than that are replaced by null, the event kept; so are those of entries
  about a member who deleted their profile or no longer exists, whatever their age.
Registered members, reports, questions and open delivery rows are never touched.

Every rule walks its table in batches of `batch` rows, one short transaction each: a large
table is never locked for long, and a run stopped midway loses nothing (the next one goes on).

Once a day. RetentionJob inserts a `maintenance_runs` row (job, day in the bot's TIMEZONE) as
`claimed` before sweeping; the unique key lets exactly one process have the day, the others'
INSERT fails. The holder refreshes its claim after every batch and finally records `done` with
the counts, or `failed` with the error's type. A claim not refreshed for CLAIM_TIMEOUT (its
process died) or a failed run is taken over by a compare-and-set on its claim time. Honest limit:
a holder stalled (not dead) for longer than CLAIM_TIMEOUT sweeps at the same time as the one that
took over; every rule is idempotent, so the only cost is counts split between the two runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outage import WorkerBackoff, worker_holder
from bot.services import privacy
from bot.settings import Settings
from storage.db import Database
from storage.fsm import SqlStorage, delete_user_records, forget_cached, forget_user, key_owner
from storage.models import AuditAction, AuditSubject, MaintenanceRun, utcnow
from storage.repositories import broadcasts as broadcasts_repo
from storage.repositories import maintenance as runs_repo
from storage.repositories import members as members_repo
from storage.repositories import retention as repo
from storage.repositories.audit import add_event

logger = logging.getLogger(__name__)

JOB = "retention"
BATCH = 500
RUN_AT = time(3, 30)  # local time of the daily sweep: the bot's quietest hour
CHECK_INTERVAL = 60.0  # seconds between checks for the day's run
CLAIM_TIMEOUT = timedelta(hours=1)
# Values in audit entries that say who someone is (the member, or the officer who decided).
PERSONAL_AUDIT_FIELDS = privacy.PERSONAL_AUDIT_FIELDS + privacy.THIRD_PARTY_AUDIT_FIELDS

Progress = Callable[[], Awaitable[None]]
Key = TypeVar("Key", int, str)  # where a rule's walk through its table has got to


@dataclass(frozen=True)
class RetentionPeriods:
    """How many days each kind of data is kept."""

    unfinished_days: int = 30
    draft_days: int = 90
    dialog_days: int = 180
    delivery_days: int = 365
    audit_days: int = 1095

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPeriods:
        return cls(
            unfinished_days=settings.retention_unfinished_days,
            draft_days=settings.retention_draft_days,
            dialog_days=settings.retention_dialog_days,
            delivery_days=settings.retention_delivery_days,
            audit_days=settings.retention_audit_days,
        )


@dataclass(frozen=True)
class SweepCounts:
    """What one sweep removed (or, dry, would remove), by rule."""

    unfinished_registrations: int = 0
    report_drafts: int = 0
    dialog_states: int = 0
    delivery_rows: int = 0
    audit_entries: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def summary(self) -> str:
        return ", ".join(f"{name} {count}" for name, count in self.as_dict().items())


def scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """`values` with every personal value replaced by null; the keys stay."""
    if not isinstance(values, dict):
        return values
    return {key: None if key in PERSONAL_AUDIT_FIELDS else value for key, value in values.items()}


async def _nothing() -> None:
    return None


class DialogStateStorage(Protocol):
    """The app's storage of dialog state (`storage/fsm.py`'s, aiogram's kind): the database's,
    whose rows this job deletes itself, or Redis, which keeps records the database sweep does
    not reach."""

    async def close(self) -> None: ...


class RetentionService:
    """The retention rules: one method per rule, each walking its table in short transactions,
    and `sweep` applying them all. `dry_run` counts what would go and changes nothing."""

    def __init__(
        self,
        db: Database,
        periods: RetentionPeriods,
        *,
        keep_telegram_ids: frozenset[int] = frozenset(),
        storage: DialogStateStorage | None = None,
        batch: int = BATCH,
    ) -> None:
        self.db = db
        self.periods = periods
        self.keep = keep_telegram_ids  # ADMIN_IDS: never deleted, even unregistered
        self.storage = storage  # for dialog state kept in Redis
        self.batch = batch

    @staticmethod
    async def _forget_kept_elsewhere(storage: DialogStateStorage, telegram_ids: list[int]) -> None:
        """The dialog state these people left in a storage outside the database (Redis); the
        database's own rows went with the members."""
        if isinstance(storage, SqlStorage):
            return
        for telegram_id in telegram_ids:
            await forget_user(storage, telegram_id)

    async def sweep(
        self, now: datetime | None = None, *, dry_run: bool = False, progress: Progress = _nothing
    ) -> SweepCounts:
        """Apply every rule as of `now`; `progress` is awaited after each batch."""
        now = now or utcnow()
        return SweepCounts(
            unfinished_registrations=await self.unfinished_registrations(
                now, dry_run=dry_run, progress=progress
            ),
            report_drafts=await self.report_drafts(now, dry_run=dry_run, progress=progress),
            dialog_states=await self.dialog_states(now, dry_run=dry_run, progress=progress),
            delivery_rows=await self.delivery_rows(now, dry_run=dry_run, progress=progress),
            audit_entries=await self.audit_values(now, dry_run=dry_run, progress=progress),
        )

    async def unfinished_registrations(
        self, now: datetime, *, dry_run: bool = False, progress: Progress = _nothing
    ) -> int:
        """Registrations never finished and untouched for RETENTION_UNFINISHED_DAYS."""
        cutoff = now - timedelta(days=self.periods.unfinished_days)
        total, after = 0, 0
        while True:
            async with self.db.transaction() as session:
                found = await repo.unfinished_batch(session, cutoff, self.keep, after, self.batch)
                if not found:
                    return total
                after = found[-1][0]
                if dry_run:
                    gone = [telegram_id for _, telegram_id in found]
                else:
                    ids = [member_id for member_id, _ in found]
                    gone = await repo.delete_unfinished(session, ids, cutoff, self.keep)
                    for telegram_id in gone:
                        await delete_user_records(session, telegram_id)
            if not dry_run and self.storage is not None:
                await self._forget_kept_elsewhere(self.storage, gone)
            total += len(gone)
            await progress()

    async def report_drafts(
        self, now: datetime, *, dry_run: bool = False, progress: Progress = _nothing
    ) -> int:
        """Report drafts untouched for RETENTION_DRAFT_DAYS."""
        cutoff = now - timedelta(days=self.periods.draft_days)

        async def step(session: AsyncSession, after: int) -> tuple[int, int] | None:
            ids = await repo.drafts_batch(session, cutoff, after, self.batch)
            if not ids:
                return None
            return ids[-1], len(ids) if dry_run else await repo.delete_drafts(session, ids, cutoff)

        return await self._in_batches(0, step, progress)

    async def dialog_states(
        self, now: datetime, *, dry_run: bool = False, progress: Progress = _nothing
    ) -> int:
        """Dialog state of a person in a chat whose every record is older than
        RETENTION_DIALOG_DAYS: one record left behind would be a dialog cut in half."""
        cutoff = now - timedelta(days=self.periods.dialog_days)

        async def step(session: AsyncSession, after: str) -> tuple[str, int] | None:
            keys = await repo.fsm_batch(session, cutoff, after, self.batch)
            if not keys:
                return None
            owners = {key: key_owner(key) for key in keys}
            active = {
                key_owner(key)
                for key in await repo.fsm_written_since(session, set(owners.values()), cutoff)
            }
            idle = [key for key in keys if owners[key] not in active]
            if dry_run or not idle:
                return keys[-1], len(idle)
            removed = await repo.delete_fsm(session, idle, cutoff)
            forget_cached(idle)
            return keys[-1], removed

        return await self._in_batches("", step, progress)

    async def delivery_rows(
        self, now: datetime, *, dry_run: bool = False, progress: Progress = _nothing
    ) -> int:
        """Delivery rows of announcements finished more than RETENTION_DELIVERY_DAYS ago; each
        announcement's counts by status go to the audit log before its first row does."""
        cutoff = now - timedelta(days=self.periods.delivery_days)
        async with self.db.transaction() as session:
            broadcast_ids = await repo.broadcasts_finished_before(session, cutoff)
        total = 0
        for broadcast_id in broadcast_ids:
            if not dry_run:
                await self._keep_counts(broadcast_id)
            total += await self._deliveries_of(broadcast_id, cutoff, dry_run, progress)
        return total

    async def _deliveries_of(
        self, broadcast_id: int, cutoff: datetime, dry_run: bool, progress: Progress
    ) -> int:
        async def step(session: AsyncSession, after: int) -> tuple[int, int] | None:
            ids = await repo.deliveries_batch(session, broadcast_id, after, self.batch)
            if not ids:
                return None
            if dry_run:
                return ids[-1], len(ids)
            return ids[-1], await repo.delete_deliveries(session, broadcast_id, ids, cutoff)

        return await self._in_batches(0, step, progress)

    async def _keep_counts(self, broadcast_id: int) -> None:
        """Once per announcement, before any of its rows goes: a run stopped midway must not
        leave a second, partial record."""
        async with self.db.transaction() as session:
            subject = str(broadcast_id)
            if await repo.has_event(session, AuditAction.BROADCAST_DELIVERIES_REMOVED, subject):
                return
            counts = await broadcasts_repo.status_counts(session, broadcast_id)
            await add_event(
                session,
                AuditAction.BROADCAST_DELIVERIES_REMOVED,
                subject,
                actor_id=None,
                after={"counts": counts, "retention_days": self.periods.delivery_days},
            )

    async def audit_values(
        self, now: datetime, *, dry_run: bool = False, progress: Progress = _nothing
    ) -> int:
        """Personal values in audit entries older than RETENTION_AUDIT_DAYS, and in entries
        about a member who deleted their profile or is gone, replaced by null."""
        cutoff = now - timedelta(days=self.periods.audit_days)

        async def step(session: AsyncSession, after: int) -> tuple[int, int] | None:
            events = await repo.audit_batch(session, cutoff, after, self.batch)
            if not events:
                return None
            subjects = {
                int(event.subject_id)
                for event in events
                if event.subject_type == AuditSubject.MEMBER and _telegram_id(event.subject_id)
            }
            present = await members_repo.existing_ids(session, subjects) if subjects else set()
            scrubbed_count = 0
            for event in events:
                expired = event.at < cutoff or (
                    event.subject_type == AuditSubject.MEMBER
                    and _telegram_id(event.subject_id) not in present
                )
                if not expired:
                    continue
                changed = {
                    column: scrubbed
                    for column, value in (("before", event.before), ("after", event.after))
                    if (scrubbed := scrub(value)) != value and scrubbed is not None
                }
                if not changed:
                    continue
                scrubbed_count += 1
                if not dry_run:
                    await repo.set_audit_values(session, event.id, changed)
            return events[-1].id, scrubbed_count

        return await self._in_batches(0, step, progress)

    async def _in_batches(
        self,
        after: Key,
        step: Callable[[AsyncSession, Key], Awaitable[tuple[Key, int] | None]],
        progress: Progress,
    ) -> int:
        """A rule's walk: `step` on the batch after key `after`, one short transaction each,
        until it finds nothing; each step gives its batch's last key and what it counted."""
        total = 0
        while True:
            async with self.db.transaction() as session:
                found = await step(session, after)
                if found is None:
                    return total
                after, counted = found
            total += counted
            await progress()


def _telegram_id(subject_id: str) -> int | None:
    """A member subject's Telegram id; None for an erased member's `-members.id` (or junk)."""
    if subject_id.isascii() and subject_id.isdigit() and len(subject_id) <= 18:
        return int(subject_id)
    return None


# ------------------------------------------------------------------------------ the daily job


@dataclass
class RetentionJob:
    """Runs the sweep once a day at `at` local time (or as soon as a process is up after it).
    `check()` does one pass; `run()` loops until cancelled."""

    db: Database
    service: RetentionService
    tz: ZoneInfo
    at: time = RUN_AT
    interval: float = CHECK_INTERVAL
    claim_timeout: timedelta = CLAIM_TIMEOUT
    holder: str = field(default_factory=worker_holder)
    clock: Callable[[], datetime] = utcnow
    outage_backoff: WorkerBackoff = field(default_factory=lambda: WorkerBackoff("retention job"))

    async def check(self) -> SweepCounts | None:
        """Today's sweep when its hour has come and no other process has it; the counts when
        this pass swept, else None."""
        now = self.clock()
        if not self._due(now):
            return None
        run_id = await self._claim(now.astimezone(self.tz).date().isoformat(), now)
        if run_id is None:
            return None
        return await self._sweep(run_id)

    async def run(self) -> None:
        logger.info("retention job started as %s, daily at %s", self.holder, self.at)

        def failed(error: Exception) -> None:
            # Only the type: an SQL error's text may carry the values it was given.
            logger.error("retention check failed: %s", type(error).__name__)

        # Before the hour a check does not touch the database: it proves no recovery.
        await self.outage_backoff.repeat(
            self.check, self.interval, failed, proves_recovery=lambda: self._due(self.clock())
        )

    def _due(self, now: datetime) -> bool:
        return now.astimezone(self.tz).time() >= self.at

    async def _claim(self, day: str, now: datetime) -> int | None:
        async with self.db.transaction() as session:
            existing = await runs_repo.run_for(session, JOB, day)
        if existing is None:
            run = MaintenanceRun(
                job=JOB, day=day, status="claimed", claimed_by=self.holder, claimed_at=now
            )
            try:
                async with self.db.transaction() as session:
                    await runs_repo.add_run(session, run)
                    return run.id
            except IntegrityError:
                logger.info("retention run of %s already claimed", day)
                return None
        stale = existing.claimed_at < now - self.claim_timeout
        if existing.status not in ("claimed", "failed") or not stale:
            return None
        async with self.db.transaction() as session:
            won = await runs_repo.take_over(
                session, existing.id, existing.claimed_at, self.holder, now
            )
        if won:
            logger.warning(
                "retention run %s (%s, %s) taken over from %s",
                existing.id,
                day,
                existing.status,
                existing.claimed_by,
            )
            return existing.id
        return None

    async def _sweep(self, run_id: int) -> SweepCounts | None:
        async def touch() -> None:
            async with self.db.transaction() as session:
                await runs_repo.touch(session, run_id, self.holder, self.clock())

        try:
            counts = await self.service.sweep(self.clock(), progress=touch)
        except asyncio.CancelledError:
            raise  # the claim stays; another process (or this one restarted) takes it over
        except Exception as error:
            logger.error("retention run %s failed: %s", run_id, type(error).__name__)
            async with self.db.transaction() as session:
                await runs_repo.finish_run(
                    session,
                    run_id,
                    self.holder,
                    status="failed",
                    counts=None,
                    error=type(error).__name__[:200],
                    finished_at=self.clock(),
                )
            return None
        async with self.db.transaction() as session:
            await runs_repo.finish_run(
                session,
                run_id,
                self.holder,
                status="done",
                counts=counts.as_dict(),
                error=None,
                finished_at=self.clock(),
            )
        logger.info("retention run %s done: %s", run_id, counts.summary())
        return counts
