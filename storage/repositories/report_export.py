"""The export's reads: every matching report with its routing and the verified people behind it,
in a fixed number of set-based queries whatever the number of reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AdminUnit,
    Association,
    Member,
    Report,
    ReportAssociation,
    ReportSupporter,
    Verification,
)


@dataclass(frozen=True)
class ExportQuery:
    """`association_codes` None: every report; otherwise those routed to one of them, and the
    joint ones (every association works on those). `since`: created at or after it."""

    association_codes: frozenset[str] | None
    since: datetime | None


def _conditions(query: ExportQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.association_codes is not None:
        routed = exists().where(
            ReportAssociation.report_id == Report.id,
            ReportAssociation.association_id.in_(
                select(Association.id).where(Association.code.in_(query.association_codes))
            ),
        )
        conditions.append(or_(Report.joint.is_(True), routed))
    if query.since is not None:
        conditions.append(Report.created_at >= query.since)
    return conditions


def _ids(query: ExportQuery) -> Select[int]:
    return select(Report.id).where(*_conditions(query))


# The columns the spreadsheet shows: plain rows load several times faster than ORM objects.
REPORT_COLUMNS = (
    Report.id,
    Report.reference,
    Report.title,
    Report.status,
    Report.category,
    Report.urgency,
    Report.affected_groups,
    Report.dream_id,
    Report.hromada_code,
    Report.hromada_text,
    Report.oblast_code,
    Report.joint,
    Report.assignee_name,
    Report.created_at,
    Report.submitted_at,
    Report.deadline_at,
    Report.first_response_at,
    Report.resolved_at,
)


async def reports(session: AsyncSession, query: ExportQuery) -> list[Any]:
    """The matching reports' REPORT_COLUMNS, oldest first, with `unit_name`: the codifier's
    name of the report's hromada (rows with named columns)."""
    result = await session.execute(
        select(*REPORT_COLUMNS, AdminUnit.name.label("unit_name"))
        .outerjoin(AdminUnit, AdminUnit.code == Report.hromada_code)
        .where(*_conditions(query))
        .order_by(Report.id)
    )
    return list(result.all())


async def routes(session: AsyncSession, query: ExportQuery) -> list[tuple[int, str]]:
    """(report id, association code) of the matching reports, in routing order."""
    rows = await session.execute(
        select(ReportAssociation.report_id, Association.code)
        .join(Association, Association.id == ReportAssociation.association_id)
        .where(ReportAssociation.report_id.in_(_ids(query)))
        .order_by(ReportAssociation.report_id, ReportAssociation.position)
    )
    return [(report_id, code) for report_id, code in rows.all()]


async def verified_places(
    session: AsyncSession, query: ExportQuery
) -> list[tuple[int, str | None, str | None, str | None, int | None]]:
    """(report id, hromada code, hromada text, oblast code, largest residents figure) of the
    reporters and active co-signers whose membership is verified now, one row per distinct
    place of each matching report."""
    verified = Member.verification == Verification.VERIFIED
    ids = _ids(query)
    reporters = (
        select(
            Report.id.label("report_id"),
            Report.hromada_code.label("hromada_code"),
            Report.hromada_text.label("hromada_text"),
            Report.oblast_code.label("oblast_code"),
            Report.residents.label("residents"),
        )
        .join(Member, Member.id == Report.member_id)
        .where(verified, Report.id.in_(ids))
    )
    cosigners = (
        select(
            ReportSupporter.report_id,
            ReportSupporter.hromada_code,
            ReportSupporter.hromada_text,
            ReportSupporter.oblast_code,
            ReportSupporter.residents,
        )
        .join(Member, Member.id == ReportSupporter.member_id)
        .where(verified, ReportSupporter.withdrawn_at.is_(None), ReportSupporter.report_id.in_(ids))
    )
    people = union_all(reporters, cosigners).subquery()
    rows = await session.execute(
        select(
            people.c.report_id,
            people.c.hromada_code,
            people.c.hromada_text,
            people.c.oblast_code,
            func.max(people.c.residents),
        ).group_by(
            people.c.report_id,
            people.c.hromada_code,
            people.c.hromada_text,
            people.c.oblast_code,
        )
    )
    return [(r, code, text, oblast, residents) for r, code, text, oblast, residents in rows.all()]


async def verified_cosigners(session: AsyncSession, query: ExportQuery) -> dict[int, int]:
    """Active co-signers whose membership is verified now, counted per matching report."""
    rows = await session.execute(
        select(ReportSupporter.report_id, func.count())
        .join(Member, Member.id == ReportSupporter.member_id)
        .where(
            Member.verification == Verification.VERIFIED,
            ReportSupporter.withdrawn_at.is_(None),
            ReportSupporter.report_id.in_(_ids(query)),
        )
        .group_by(ReportSupporter.report_id)
    )
    return {report_id: int(count) for report_id, count in rows.all()}
