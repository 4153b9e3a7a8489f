"""Digests: schedules, one run per period, and the aggregate reads a digest is built from.

Every figure is one set-based query (COUNT / SUM / GROUP BY, a sorted LIMIT for lists and
medians): the work grows with the number of groups shown, never with the number of reports
read back into Python. Adds and flushes; the service commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    OPEN_REPORT_STATUSES,
    Association,
    DigestRun,
    DigestSchedule,
    Member,
    Question,
    QuestionStatus,
    Report,
    ReportAssociation,
    ReportStatus,
    ReportSupporter,
    StaffChat,
    Verification,
)

OPEN = tuple(str(status) for status in OPEN_REPORT_STATUSES)

# ------------------------------------------------------------------------------ schedules


async def schedule(session: AsyncSession, key: str) -> DigestSchedule | None:
    return await session.get(DigestSchedule, key)


async def schedules(session: AsyncSession) -> dict[str, DigestSchedule]:
    rows = await session.scalars(select(DigestSchedule))
    return {row.key: row for row in rows}


async def add_schedule(session: AsyncSession, row: DigestSchedule) -> DigestSchedule:
    session.add(row)
    await session.flush()
    return row


async def set_chat_locale(session: AsyncSession, chat_id: int, locale: str) -> int:
    """Every binding of this group speaks `locale`; returns the bindings changed."""
    result = await session.execute(
        update(StaffChat).where(StaffChat.chat_id == chat_id).values(locale=locale)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def active_bindings(session: AsyncSession) -> list[tuple[StaffChat, str]]:
    """(binding, association code) of every active group of an active association."""
    rows = await session.execute(
        select(StaffChat, Association.code)
        .join(Association, Association.id == StaffChat.association_id)
        .where(StaffChat.active.is_(True), Association.active.is_(True))
        .order_by(Association.position)
    )
    return [(binding, code) for binding, code in rows.all()]


# ------------------------------------------------------------------------------ runs


async def add_run(session: AsyncSession, run: DigestRun) -> DigestRun:
    """Insert a run; raises IntegrityError when its period is taken (flushed here, so the
    caller's savepoint sees it)."""
    session.add(run)
    await session.flush()
    return run


async def run_at_or_after(
    session: AsyncSession, schedule_key: str, association_code: str, period_end: datetime
) -> DigestRun | None:
    """A run of this digest whose period ends at `period_end` or later, if any."""
    return await session.scalar(
        select(DigestRun)
        .where(
            DigestRun.schedule_key == schedule_key,
            DigestRun.association_code == association_code,
            DigestRun.period_end >= period_end,
        )
        .limit(1)
    )


async def last_sent_end(
    session: AsyncSession, schedule_key: str, association_code: str, before: datetime
) -> datetime | None:
    """Where the last digest that reached its group ended, before `before`."""
    value = await session.scalar(
        select(func.max(DigestRun.period_end)).where(
            DigestRun.schedule_key == schedule_key,
            DigestRun.association_code == association_code,
            DigestRun.status == "sent",
            DigestRun.period_end < before,
        )
    )
    return _aware(value)


async def stale_claims(session: AsyncSession, claimed_before: datetime) -> list[DigestRun]:
    rows = await session.scalars(
        select(DigestRun)
        .where(DigestRun.status == "claimed", DigestRun.claimed_at < claimed_before)
        .order_by(DigestRun.id)
    )
    return list(rows)


async def take_over(
    session: AsyncSession, run_id: int, old_claimed_at: datetime, holder: str, now: datetime
) -> bool:
    """Claim a run another process left claimed: a compare-and-set on `claimed_at`, so of two
    processes taking it over at once exactly one succeeds."""
    result = await session.execute(
        update(DigestRun)
        .where(
            DigestRun.id == run_id,
            DigestRun.status == "claimed",
            DigestRun.claimed_at == old_claimed_at,
        )
        .values(claimed_by=holder, claimed_at=now)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def finish_run(
    session: AsyncSession,
    run_id: int,
    *,
    status: str,
    chat_id: int | None,
    error: str | None,
    sent_at: datetime | None,
) -> None:
    await session.execute(
        update(DigestRun)
        .where(DigestRun.id == run_id)
        .values(status=status, chat_id=chat_id, error=error, sent_at=sent_at)
    )


async def runs(session: AsyncSession) -> list[DigestRun]:
    rows = await session.scalars(select(DigestRun).order_by(DigestRun.id))
    return list(rows)


# ------------------------------------------------------------------------------ aggregates


@dataclass(frozen=True)
class Scope:
    """The reports a digest covers: `association_code` None is every report (the joint digest);
    otherwise those routed to it and the joint ones, as in the queue and the spreadsheet."""

    association_code: str | None


def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    if scope.association_code is None:
        return []
    # An IN over the association's routes: PostgreSQL hashes it once (EXISTS per report was
    # twice as slow on 100,000 reports).
    routed = Report.id.in_(
        select(ReportAssociation.report_id).where(
            ReportAssociation.association_id
            == select(Association.id)
            .where(Association.code == scope.association_code)
            .scalar_subquery()
        )
    )
    return [or_(Report.joint.is_(True), routed)]


def _between(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def period_counts(
    session: AsyncSession,
    scope: Scope,
    start: datetime,
    end: datetime,
    now: datetime,
    days: Sequence[tuple[datetime, datetime]],
) -> dict[str, Any]:
    """In one pass over the scope: new and resolved in the period, open, overdue, and new and
    resolved in each of `days` (UTC bounds of local days). Keys: new, resolved, open, overdue,
    new_<i>, resolved_<i>."""
    is_open = Report.status.in_(OPEN)
    resolved = Report.status == ReportStatus.RESOLVED
    columns = [
        _count_if(_between(Report.created_at, start, end)).label("new"),
        _count_if(and_(resolved, _between(Report.resolved_at, start, end))).label("resolved"),
        _count_if(is_open).label("open"),
        _count_if(
            and_(is_open, Report.first_response_at.is_(None), Report.deadline_at < now)
        ).label("overdue"),
    ]
    for i, (day_start, day_end) in enumerate(days):
        columns.append(_count_if(_between(Report.created_at, day_start, day_end)).label(f"new_{i}"))
        columns.append(
            _count_if(and_(resolved, _between(Report.resolved_at, day_start, day_end))).label(
                f"resolved_{i}"
            )
        )
    row = (await session.execute(select(*columns).where(*_in_scope(scope)))).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


async def count_by(
    session: AsyncSession,
    scope: Scope,
    column: Any,
    *conditions: ColumnElement[bool],
) -> list[tuple[str | None, int]]:
    """(value, reports) of `column` among the scope's reports meeting `conditions`, most first."""
    count = func.count().label("n")
    rows = await session.execute(
        select(column, count)
        .where(*_in_scope(scope), *conditions)
        .group_by(column)
        .order_by(count.desc(), column)
    )
    return [(value, int(n)) for value, n in rows.all()]


def created_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    return _between(Report.created_at, start, end)


def is_open() -> ColumnElement[bool]:
    return Report.status.in_(OPEN)


async def groups_count(
    session: AsyncSession, scope: Scope, groups: Sequence[str], start: datetime, end: datetime
) -> dict[str, int]:
    """New reports of the period naming each affected group. The groups are a JSON list: its
    text is matched for the quoted code, which reads the same in SQLite and PostgreSQL."""
    if not groups:
        return {}
    text = cast(Report.affected_groups, String)
    columns = [_count_if(text.like(f'%"{group}"%')).label(group) for group in groups]
    row = (
        await session.execute(
            select(*columns).where(*_in_scope(scope), created_between(start, end))
        )
    ).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


async def overdue_reports(
    session: AsyncSession, scope: Scope, now: datetime, limit: int
) -> list[Any]:
    """The oldest-deadline open reports without a first response past their deadline."""
    rows = await session.execute(
        select(Report.id, Report.reference, Report.title, Report.urgency, Report.deadline_at)
        .where(
            *_in_scope(scope),
            is_open(),
            Report.first_response_at.is_(None),
            Report.deadline_at < now,
        )
        .order_by(Report.deadline_at, Report.id)
        .limit(limit)
    )
    return list(rows.all())


async def most_cosigned(session: AsyncSession, scope: Scope, limit: int) -> list[Any]:
    """Open reports with the most active co-signers verified now (as on the card), most first."""
    count = func.count(ReportSupporter.id).label("cosigners")
    rows = await session.execute(
        select(Report.id, Report.reference, Report.title, count)
        .join(ReportSupporter, ReportSupporter.report_id == Report.id)
        .join(Member, Member.id == ReportSupporter.member_id)
        .where(
            *_in_scope(scope),
            is_open(),
            ReportSupporter.withdrawn_at.is_(None),
            Member.verification == Verification.VERIFIED,
        )
        .group_by(Report.id, Report.reference, Report.title)
        .order_by(count.desc(), Report.id)
        .limit(limit)
    )
    return list(rows.all())


def seconds_between(session: AsyncSession, end: Any, start: Any) -> Any:
    """`end - start` in seconds, as SQL for the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * literal(86400.0)


async def duration_stats(
    session: AsyncSession, scope: Scope, end_column: Any, start: datetime, end: datetime
) -> tuple[int, float | None, float | None]:
    """(reports, median seconds, average seconds) of `end_column - submitted_at` over the
    scope's reports whose `end_column` falls in the period. The median is the middle of the
    sorted durations: percentile_cont on PostgreSQL; on SQLite a second query that brings
    back only the middle one or two."""
    duration = cast(seconds_between(session, end_column, Report.submitted_at), Float)
    conditions = [*_in_scope(scope), _between(end_column, start, end)]
    if end_column is Report.resolved_at:
        conditions.append(Report.status == ReportStatus.RESOLVED)
    if session.get_bind().dialect.name == "postgresql":
        # One pass: PostgreSQL has the median as an ordered-set aggregate.
        median = func.percentile_cont(0.5).within_group(duration)
        count, average, middle_value = (
            await session.execute(
                select(func.count(), func.avg(duration), median).where(*conditions)
            )
        ).one()
        if not count:
            return 0, None, None
        return int(count), float(middle_value), float(average)
    count, average = (
        await session.execute(select(func.count(), func.avg(duration)).where(*conditions))
    ).one()
    count = int(count or 0)
    if count == 0:
        return 0, None, None
    middle = await session.scalars(
        select(duration)
        .where(*conditions)
        .order_by(duration)
        .offset((count - 1) // 2)
        .limit(2 if count % 2 == 0 else 1)
    )
    values = [float(v) for v in middle]
    return count, sum(values) / len(values), float(average)


async def open_questions(
    session: AsyncSession, association_code: str | None, limit: int
) -> tuple[int, list[Any]]:
    """Open expert questions (to this association, when given): how many, and the oldest."""
    conditions: list[ColumnElement[bool]] = [Question.status == QuestionStatus.OPEN]
    if association_code is not None:
        conditions.append(cast(Question.association_codes, String).like(f'%"{association_code}"%'))
    total = int(await session.scalar(select(func.count()).where(*conditions)) or 0)
    rows = await session.execute(
        select(Question.id, Question.text, Question.created_at)
        .where(*conditions)
        .order_by(Question.created_at, Question.id)
        .limit(limit)
    )
    return total, list(rows.all())


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
