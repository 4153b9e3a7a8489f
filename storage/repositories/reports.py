"""Urgent-issue reports: reference counters, routing, drafts, attachments, co-signers, history,
staff cards, positions and the staff queue. Adds and flushes; the service commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from storage.models import (
    OPEN_REPORT_STATUSES,
    Association,
    Member,
    Report,
    ReportAssociation,
    ReportAttachment,
    ReportCard,
    ReportCounter,
    ReportDraft,
    ReportEvent,
    ReportPosition,
    ReportSupporter,
)


def _insert(session: AsyncSession) -> Any:
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


# ------------------------------------------------------------------------------ reports


async def next_number(session: AsyncSession, year: int) -> int:
    """The next reference number of `year`. The row update locks the counter until commit, so
    concurrent submissions wait for each other and never share a number."""
    insert = _insert(session)
    await session.execute(
        insert(ReportCounter)
        .values(year=year, last=0)
        .on_conflict_do_nothing(index_elements=[ReportCounter.year])
    )
    result = await session.execute(
        update(ReportCounter)
        .where(ReportCounter.year == year)
        .values(last=ReportCounter.last + 1)
        .returning(ReportCounter.last)
    )
    return int(result.scalar_one())


async def add_report(session: AsyncSession, report: Report) -> Report:
    session.add(report)
    await session.flush()
    return report


async def report_by_request_key(session: AsyncSession, request_key: str) -> Report | None:
    """The report a submission with this key filed, if any."""
    return await session.scalar(select(Report).where(Report.request_key == request_key))


async def get_report(session: AsyncSession, report_id: int) -> Report | None:
    return await session.get(Report, report_id, populate_existing=True)


async def open_by_ids(
    session: AsyncSession, ids: Sequence[int], *, exclude_member_id: int | None = None
) -> list[Report]:
    """The open ones of these reports, without those filed by `exclude_member_id`."""
    if not ids:
        return []
    query = select(Report).where(Report.id.in_(ids), Report.status.in_(OPEN_REPORT_STATUSES))
    if exclude_member_id is not None:
        query = query.where(Report.member_id != exclude_member_id)
    return list(await session.scalars(query))


async def id_by_reference(session: AsyncSession, reference: str) -> int | None:
    return await session.scalar(select(Report.id).where(Report.reference == reference))


async def references(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    rows = await session.execute(select(Report.id, Report.reference).where(Report.id.in_(ids)))
    return {report_id: reference for report_id, reference in rows.all()}


async def claim(
    session: AsyncSession, report_id: int, telegram_id: int, name: str, now: datetime
) -> bool:
    """Assign an open report to this staff member unless someone else has it (one statement,
    so of two claims at once exactly one wins)."""
    result = await session.execute(
        update(Report)
        .where(
            Report.id == report_id,
            Report.status.in_(OPEN_REPORT_STATUSES),
            or_(
                Report.assignee_telegram_id.is_(None),
                Report.assignee_telegram_id == telegram_id,
            ),
        )
        .values(
            assignee_telegram_id=telegram_id,
            assignee_name=name,
            version=Report.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ routing


async def add_routes(session: AsyncSession, report_id: int, association_ids: Sequence[int]) -> None:
    for position, association_id in enumerate(association_ids):
        session.add(
            ReportAssociation(report_id=report_id, association_id=association_id, position=position)
        )
    await session.flush()


async def route_codes(session: AsyncSession, report_id: int) -> list[str]:
    """Codes of the associations the report was routed to, the lead first."""
    rows = await session.scalars(
        select(Association.code)
        .join(ReportAssociation, ReportAssociation.association_id == Association.id)
        .where(ReportAssociation.report_id == report_id)
        .order_by(ReportAssociation.position)
    )
    return list(rows)


# ------------------------------------------------------------------------------ drafts


async def draft_of(session: AsyncSession, member_id: int) -> ReportDraft | None:
    return await session.scalar(select(ReportDraft).where(ReportDraft.member_id == member_id))


async def upsert_draft(
    session: AsyncSession, member_id: int, data: dict[str, Any], now: datetime
) -> None:
    """The member's one draft, replaced (safe against two saves at once)."""
    stmt = _insert(session)(ReportDraft).values(member_id=member_id, data=data, updated_at=now)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ReportDraft.member_id],
            set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
        )
    )


async def delete_draft(session: AsyncSession, member_id: int) -> bool:
    draft = await draft_of(session, member_id)
    if draft is None:
        return False
    await session.delete(draft)
    await session.flush()
    return True


# ------------------------------------------------------------------------------ attachments


async def add_attachments(session: AsyncSession, attachments: Iterable[ReportAttachment]) -> None:
    session.add_all(list(attachments))
    await session.flush()


async def attachments_of(session: AsyncSession, report_id: int) -> list[ReportAttachment]:
    rows = await session.scalars(
        select(ReportAttachment)
        .where(ReportAttachment.report_id == report_id)
        .order_by(ReportAttachment.id)
    )
    return list(rows)


# ------------------------------------------------------------------------------ co-signers


async def supporter(
    session: AsyncSession, report_id: int, member_id: int
) -> ReportSupporter | None:
    return await session.scalar(
        select(ReportSupporter).where(
            ReportSupporter.report_id == report_id, ReportSupporter.member_id == member_id
        )
    )


async def add_supporter(session: AsyncSession, row: ReportSupporter) -> ReportSupporter:
    session.add(row)
    await session.flush()
    return row


async def active_supporters(
    session: AsyncSession, report_id: int
) -> list[tuple[ReportSupporter, Member]]:
    rows = await session.execute(
        select(ReportSupporter, Member)
        .join(Member, Member.id == ReportSupporter.member_id)
        .where(ReportSupporter.report_id == report_id, ReportSupporter.withdrawn_at.is_(None))
        .order_by(ReportSupporter.joined_at, ReportSupporter.id)
        # their associations are not needed here: one statement less than the eager load
        .options(raiseload(Member.associations))
    )
    return [(row, member) for row, member in rows.all()]


async def hromada_keys(session: AsyncSession, report_ids: Sequence[int]) -> dict[int, set[str]]:
    """For each report, the hromadas of its reporter and active co-signers (code, or the name
    typed when there is no code)."""
    result: dict[int, set[str]] = {report_id: set() for report_id in report_ids}
    if not report_ids:
        return result
    own = await session.execute(
        select(Report.id, Report.hromada_code, Report.hromada_text).where(Report.id.in_(report_ids))
    )
    joined = await session.execute(
        select(
            ReportSupporter.report_id, ReportSupporter.hromada_code, ReportSupporter.hromada_text
        ).where(ReportSupporter.report_id.in_(report_ids), ReportSupporter.withdrawn_at.is_(None))
    )
    for report_id, code, text in [*own.all(), *joined.all()]:
        key = code or (" ".join(text.lower().split()) if text else None)
        if key:
            result[report_id].add(key)
    return result


async def cosigned_by(session: AsyncSession, member_id: int) -> list[Report]:
    rows = await session.scalars(
        select(Report)
        .join(ReportSupporter, ReportSupporter.report_id == Report.id)
        .where(ReportSupporter.member_id == member_id, ReportSupporter.withdrawn_at.is_(None))
    )
    return list(rows)


async def reported_by(session: AsyncSession, member_id: int) -> list[Report]:
    rows = await session.scalars(select(Report).where(Report.member_id == member_id))
    return list(rows)


# ------------------------------------------------------------------------------ history


async def add_event(session: AsyncSession, event: ReportEvent) -> ReportEvent:
    session.add(event)
    await session.flush()
    return event


async def event_by_request_key(session: AsyncSession, request_key: str) -> ReportEvent | None:
    """The history entry an action with this key recorded (a co-signature, a reply...), if any."""
    return await session.scalar(select(ReportEvent).where(ReportEvent.request_key == request_key))


async def events_of(
    session: AsyncSession, report_id: int, *, public_only: bool
) -> list[ReportEvent]:
    query = select(ReportEvent).where(ReportEvent.report_id == report_id)
    if public_only:
        query = query.where(ReportEvent.public.is_(True))
    rows = await session.scalars(query.order_by(ReportEvent.at, ReportEvent.id))
    return list(rows)


# ------------------------------------------------------------------------------ cards


async def add_card(session: AsyncSession, card: ReportCard) -> None:
    session.add(card)
    await session.flush()


async def cards_of(session: AsyncSession, report_id: int) -> list[ReportCard]:
    rows = await session.scalars(
        select(ReportCard).where(ReportCard.report_id == report_id).order_by(ReportCard.id)
    )
    return list(rows)


async def report_id_for_card(session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    return await session.scalar(
        select(ReportCard.report_id).where(
            ReportCard.chat_id == chat_id, ReportCard.message_id == message_id
        )
    )


# ------------------------------------------------------------------------------ positions


async def upsert_position(
    session: AsyncSession,
    report_id: int,
    association_id: int,
    position: str,
    comment: str | None,
    by_telegram_id: int,
    by_name: str,
    now: datetime,
) -> None:
    stmt = _insert(session)(ReportPosition).values(
        report_id=report_id,
        association_id=association_id,
        position=position,
        comment=comment,
        by_telegram_id=by_telegram_id,
        by_name=by_name,
        at=now,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ReportPosition.report_id, ReportPosition.association_id],
            set_={
                name: getattr(stmt.excluded, name)
                for name in ("position", "comment", "by_telegram_id", "by_name", "at")
            },
        )
    )


async def position_of(
    session: AsyncSession, report_id: int, association_id: int
) -> ReportPosition | None:
    return await session.scalar(
        select(ReportPosition).where(
            ReportPosition.report_id == report_id, ReportPosition.association_id == association_id
        )
    )


async def positions_of(session: AsyncSession, report_id: int) -> list[tuple[ReportPosition, str]]:
    rows = await session.execute(
        select(ReportPosition, Association.code)
        .join(Association, Association.id == ReportPosition.association_id)
        .where(ReportPosition.report_id == report_id)
        .order_by(Association.position)
    )
    return [(row, code) for row, code in rows.all()]


# ------------------------------------------------------------------------------ queue


@dataclass(frozen=True)
class QueueQuery:
    """The queue's conditions: `association_codes` None for everything (admins)."""

    association_codes: frozenset[str] | None
    statuses: tuple[str, ...]
    category: str | None
    oblast_code: str | None
    urgency: str | None
    overdue_at: datetime | None  # only reports past their deadline without a response by then
    urgency_order: tuple[str, ...]  # most urgent first


def _conditions(query: QueueQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Report.status.in_(query.statuses)]
    if query.association_codes is not None:
        routed = exists().where(
            ReportAssociation.report_id == Report.id,
            ReportAssociation.association_id.in_(
                select(Association.id).where(Association.code.in_(query.association_codes))
            ),
        )
        conditions.append(or_(Report.joint.is_(True), routed))
    if query.category:
        conditions.append(Report.category == query.category)
    if query.oblast_code:
        conditions.append(Report.oblast_code == query.oblast_code)
    if query.urgency:
        conditions.append(Report.urgency == query.urgency)
    if query.overdue_at is not None:
        conditions.append(
            and_(
                Report.status.in_(OPEN_REPORT_STATUSES),
                Report.first_response_at.is_(None),
                Report.deadline_at < query.overdue_at,
            )
        )
    return conditions


async def queue_page(
    session: AsyncSession, query: QueueQuery, offset: int, limit: int
) -> tuple[list[tuple[Report, int]], int]:
    """One page of matching reports with their active co-signer counts, most urgent first and
    then by deadline; and how many match in all."""
    conditions = _conditions(query)
    total = await session.scalar(select(func.count()).select_from(Report).where(*conditions))
    supporters = (
        select(func.count())
        .select_from(ReportSupporter)
        .where(ReportSupporter.report_id == Report.id, ReportSupporter.withdrawn_at.is_(None))
        .correlate(Report)
        .scalar_subquery()
    )
    rank = case(
        {code: index for index, code in enumerate(query.urgency_order)},
        value=Report.urgency,
        else_=len(query.urgency_order),
    )
    rows = await session.execute(
        select(Report, supporters)
        .where(*conditions)
        .order_by(rank, Report.deadline_at, Report.id)
        .offset(offset)
        .limit(limit)
    )
    return [(report, int(count)) for report, count in rows.all()], int(total or 0)


# ------------------------------------------------------------------ similar-report index


async def changed_since(
    session: AsyncSession, since: datetime | None
) -> list[tuple[int, str, str, str]]:
    """(id, status, title, description) of reports changed since `since` (every open one when
    None)."""
    query = select(Report.id, Report.status, Report.title, Report.description)
    if since is None:
        query = query.where(Report.status.in_(OPEN_REPORT_STATUSES))
    else:
        query = query.where(Report.updated_at >= since)
    rows = await session.execute(query)
    return [(i, status, title, text) for i, status, title, text in rows.all()]
