"""What the database holds about one member, for their data export and their erasure.
Reads, updates and deletes; flushes, never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AdminUnit,
    Association,
    AuditEvent,
    AuditSubject,
    Broadcast,
    BroadcastDelivery,
    DeliveryStatus,
    KbFeedback,
    Question,
    QuestionAnswer,
    QuestionCard,
    Report,
    ReportAssociation,
    ReportAttachment,
    ReportCard,
    ReportEvent,
    ReportSupporter,
    StaffRight,
    VerificationCard,
)

# Delivery rows no sender has sent yet: an erased member's are deleted, never sent.
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)

# ------------------------------------------------------------------------------ reading


async def reports_filed(session: AsyncSession, member_id: int) -> list[Report]:
    rows = await session.scalars(
        select(Report).where(Report.member_id == member_id).order_by(Report.id)
    )
    return list(rows)


async def cosignatures(
    session: AsyncSession, member_id: int
) -> list[tuple[ReportSupporter, Report]]:
    """Every co-signature of the member, withdrawn ones too, with its report."""
    rows = await session.execute(
        select(ReportSupporter, Report)
        .join(Report, Report.id == ReportSupporter.report_id)
        .where(ReportSupporter.member_id == member_id)
        .order_by(ReportSupporter.id)
    )
    return [(supporter, report) for supporter, report in rows.all()]


async def public_events(
    session: AsyncSession, report_ids: Sequence[int]
) -> dict[int, list[ReportEvent]]:
    """The public history of these reports (what reporters and co-signers are told)."""
    found: dict[int, list[ReportEvent]] = defaultdict(list)
    if report_ids:
        rows = await session.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id.in_(report_ids), ReportEvent.public.is_(True))
            .order_by(ReportEvent.at, ReportEvent.id)
        )
        for row in rows:
            found[row.report_id].append(row)
    return found


async def route_codes(session: AsyncSession, report_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if report_ids:
        rows = await session.execute(
            select(ReportAssociation.report_id, Association.code)
            .join(Association, Association.id == ReportAssociation.association_id)
            .where(ReportAssociation.report_id.in_(report_ids))
            .order_by(ReportAssociation.report_id, ReportAssociation.position)
        )
        for report_id, code in rows.all():
            found[report_id].append(code)
    return found


async def attachments(
    session: AsyncSession, report_ids: Sequence[int]
) -> dict[int, list[ReportAttachment]]:
    found: dict[int, list[ReportAttachment]] = defaultdict(list)
    if report_ids:
        rows = await session.scalars(
            select(ReportAttachment)
            .where(ReportAttachment.report_id.in_(report_ids))
            .order_by(ReportAttachment.id)
        )
        for row in rows:
            found[row.report_id].append(row)
    return found


async def questions_asked(session: AsyncSession, member_id: int) -> list[Question]:
    rows = await session.scalars(
        select(Question).where(Question.member_id == member_id).order_by(Question.id)
    )
    return list(rows)


async def answers(
    session: AsyncSession, question_ids: Sequence[int]
) -> dict[int, list[QuestionAnswer]]:
    found: dict[int, list[QuestionAnswer]] = defaultdict(list)
    if question_ids:
        rows = await session.scalars(
            select(QuestionAnswer)
            .where(QuestionAnswer.question_id.in_(question_ids))
            .order_by(QuestionAnswer.id)
        )
        for row in rows:
            found[row.question_id].append(row)
    return found


async def deliveries(
    session: AsyncSession, member_id: int
) -> list[tuple[BroadcastDelivery, Broadcast]]:
    rows = await session.execute(
        select(BroadcastDelivery, Broadcast)
        .join(Broadcast, Broadcast.id == BroadcastDelivery.broadcast_id)
        .where(BroadcastDelivery.member_id == member_id)
        .order_by(BroadcastDelivery.id)
    )
    return [(delivery, broadcast) for delivery, broadcast in rows.all()]


async def kb_feedback(session: AsyncSession, member_id: int) -> list[KbFeedback]:
    rows = await session.scalars(
        select(KbFeedback).where(KbFeedback.member_id == member_id).order_by(KbFeedback.id)
    )
    return list(rows)


async def staff_rights(
    session: AsyncSession, telegram_id: int
) -> list[tuple[StaffRight, str | None]]:
    rows = await session.execute(
        select(StaffRight, Association.code)
        .outerjoin(Association, Association.id == StaffRight.association_id)
        .where(StaffRight.telegram_id == telegram_id)
        .order_by(StaffRight.id)
    )
    return [(right, code) for right, code in rows.all()]


async def audit_about(session: AsyncSession, telegram_id: int) -> list[AuditEvent]:
    """Audit entries whose subject is the member, or that the member did, oldest first."""
    rows = await session.scalars(
        select(AuditEvent)
        .where(
            or_(
                (AuditEvent.subject_type == AuditSubject.MEMBER)
                & (AuditEvent.subject_id == str(telegram_id)),
                AuditEvent.actor_id == telegram_id,
            )
        )
        .order_by(AuditEvent.id)
    )
    return list(rows)


# ------------------------------------------------------------------------------ the cards


async def verification_cards(session: AsyncSession, member_id: int) -> list[VerificationCard]:
    rows = await session.scalars(
        select(VerificationCard)
        .where(VerificationCard.member_id == member_id)
        .order_by(VerificationCard.id)
    )
    return list(rows)


async def reports_with_cards(session: AsyncSession, member_id: int) -> list[int]:
    """The member's reports that have a card in a staff group."""
    rows = await session.scalars(
        select(Report.id)
        .where(
            Report.member_id == member_id,
            select(ReportCard.id).where(ReportCard.report_id == Report.id).exists(),
        )
        .order_by(Report.id)
    )
    return list(rows)


async def questions_with_cards(session: AsyncSession, member_id: int) -> list[int]:
    """The member's questions that have a card in a staff group."""
    rows = await session.scalars(
        select(Question.id)
        .where(
            Question.member_id == member_id,
            select(QuestionCard.id).where(QuestionCard.question_id == Question.id).exists(),
        )
        .order_by(Question.id)
    )
    return list(rows)


# ------------------------------------------------------------------------------ erasing


async def delete_kb_feedback(session: AsyncSession, member_id: int) -> int:
    result = await session.execute(delete(KbFeedback).where(KbFeedback.member_id == member_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_unsent_deliveries(session: AsyncSession, member_id: int) -> int:
    """Pending and reserved delivery rows: a sender's `mark_sending` then finds no row and
    sends nothing."""
    result = await session.execute(
        delete(BroadcastDelivery).where(
            BroadcastDelivery.member_id == member_id, BroadcastDelivery.status.in_(UNSENT)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def readdress_deliveries(session: AsyncSession, member_id: int, chat_id: int) -> int:
    """The delivery rows kept (sent, failed...) no longer name the member's chat."""
    result = await session.execute(
        update(BroadcastDelivery)
        .where(BroadcastDelivery.member_id == member_id)
        .values(chat_id=chat_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def anonymise_report_events(session: AsyncSession, telegram_id: int, new_id: int) -> int:
    """History entries the member made keep what happened, not who they are."""
    result = await session.execute(
        update(ReportEvent)
        .where(ReportEvent.actor_telegram_id == telegram_id)
        .values(actor_telegram_id=new_id, actor_name=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def unit_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    """Codifier names of these hromadas (and other units)."""
    if not codes:
        return {}
    rows = await session.execute(
        select(AdminUnit.code, AdminUnit.name).where(AdminUnit.code.in_(codes))
    )
    return dict(rows.all())
