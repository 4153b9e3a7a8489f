"""Retention repository: the rows the daily retention job may delete or scrub, a batch at a time.

Every `*_batch` query takes a cursor (the last id or key of the previous batch) and a limit, so
a caller walks a large table in short transactions; every delete repeats the condition that
chose the rows, so a row that changed in between is left alone.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, exists, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditAction,
    AuditEvent,
    AuditSubject,
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    DeliveryStatus,
    FsmRecord,
    KbFeedback,
    Member,
    MemberAssociation,
    Question,
    Report,
    ReportDraft,
    ReportSupporter,
    StaffRight,
    VerificationCard,
)

# Delivery rows a sender may still act on; never deleted, whatever the broadcast says.
_OPEN_DELIVERIES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)
_FINISHED_BROADCASTS = (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


# ------------------------------------------------------------------------------ registrations


def _unfinished(cutoff: datetime, keep: Collection[int]) -> list[Any]:
    """Members who started registering and stopped before `cutoff`, with nothing to keep: no
    report, co-signature, question or announcement, no staff right, no dialog state since."""
    private_keys = (
        literal("fsm:")
        + cast(Member.telegram_id, String)
        + literal(":")
        + cast(Member.telegram_id, String)
        + literal(":%")
    )
    conditions = [
        Member.registered_at.is_(None),
        Member.erased_at.is_(None),
        Member.telegram_id > 0,
        Member.created_at < cutoff,
        Member.updated_at < cutoff,
        ~exists().where(Report.member_id == Member.id),
        ~exists().where(ReportSupporter.member_id == Member.id),
        ~exists().where(Question.member_id == Member.id),
        ~exists().where(BroadcastDelivery.member_id == Member.id),
        ~exists().where(StaffRight.telegram_id == Member.telegram_id),
        ~exists().where(FsmRecord.key.like(private_keys), FsmRecord.updated_at >= cutoff),
    ]
    if keep:
        conditions.append(Member.telegram_id.not_in(list(keep)))
    return conditions


async def unfinished_batch(
    session: AsyncSession, cutoff: datetime, keep: Collection[int], after_id: int, limit: int
) -> list[tuple[int, int]]:
    """(members.id, telegram_id) of unfinished registrations past `cutoff`, by id."""
    rows = await session.execute(
        select(Member.id, Member.telegram_id)
        .where(Member.id > after_id, *_unfinished(cutoff, keep))
        .order_by(Member.id)
        .limit(limit)
    )
    return [(int(member_id), int(telegram_id)) for member_id, telegram_id in rows]


async def delete_unfinished(
    session: AsyncSession, ids: Sequence[int], cutoff: datetime, keep: Collection[int]
) -> list[int]:
    """Delete these members, if still unfinished past `cutoff`, with the rows that only
    belong to them; returns the Telegram ids of those deleted."""
    still = list(
        await session.scalars(
            select(Member.id).where(Member.id.in_(list(ids)), *_unfinished(cutoff, keep))
        )
    )
    if not still:
        return []
    telegram_ids = list(
        await session.scalars(select(Member.telegram_id).where(Member.id.in_(still)))
    )
    for table in (KbFeedback, MemberAssociation, VerificationCard, ReportDraft):
        await session.execute(delete(table).where(table.member_id.in_(still)))
    await session.execute(delete(Member).where(Member.id.in_(still)))
    return [int(telegram_id) for telegram_id in telegram_ids]


# ------------------------------------------------------------------------------ drafts


async def drafts_batch(
    session: AsyncSession, cutoff: datetime, after_id: int, limit: int
) -> list[int]:
    rows = await session.scalars(
        select(ReportDraft.id)
        .where(ReportDraft.id > after_id, ReportDraft.updated_at < cutoff)
        .order_by(ReportDraft.id)
        .limit(limit)
    )
    return list(rows)


async def delete_drafts(session: AsyncSession, ids: Sequence[int], cutoff: datetime) -> int:
    result = await session.execute(
        delete(ReportDraft).where(ReportDraft.id.in_(list(ids)), ReportDraft.updated_at < cutoff)
    )
    return _rowcount(result)


# ------------------------------------------------------------------------------ dialog state


async def fsm_batch(
    session: AsyncSession, cutoff: datetime, after_key: str, limit: int
) -> list[str]:
    """Keys of `fsm_records` rows not written since `cutoff`, in key order."""
    rows = await session.scalars(
        select(FsmRecord.key)
        .where(FsmRecord.key > after_key, FsmRecord.updated_at < cutoff)
        .order_by(FsmRecord.key)
        .limit(limit)
    )
    return list(rows)


async def fsm_written_since(
    session: AsyncSession, prefixes: Collection[str], since: datetime
) -> list[str]:
    """Keys starting with one of `prefixes` written at or after `since`."""
    if not prefixes:
        return []
    rows = await session.scalars(
        select(FsmRecord.key).where(
            FsmRecord.updated_at >= since,
            or_(*(FsmRecord.key.startswith(prefix, autoescape=True) for prefix in prefixes)),
        )
    )
    return list(rows)


async def delete_fsm(session: AsyncSession, keys: Sequence[str], cutoff: datetime) -> int:
    result = await session.execute(
        delete(FsmRecord).where(FsmRecord.key.in_(list(keys)), FsmRecord.updated_at < cutoff)
    )
    return _rowcount(result)


# ------------------------------------------------------------------------------ deliveries


async def broadcasts_finished_before(session: AsyncSession, cutoff: datetime) -> list[int]:
    """Broadcasts settled before `cutoff` that still have delivery rows to remove."""
    rows = await session.scalars(
        select(Broadcast.id)
        .where(
            Broadcast.status.in_(_FINISHED_BROADCASTS),
            Broadcast.finished_at.is_not(None),
            Broadcast.finished_at < cutoff,
            exists().where(
                BroadcastDelivery.broadcast_id == Broadcast.id,
                BroadcastDelivery.status.not_in(_OPEN_DELIVERIES),
            ),
        )
        .order_by(Broadcast.id)
    )
    return list(rows)


async def deliveries_batch(
    session: AsyncSession, broadcast_id: int, after_id: int, limit: int
) -> list[int]:
    rows = await session.scalars(
        select(BroadcastDelivery.id)
        .where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.id > after_id,
            BroadcastDelivery.status.not_in(_OPEN_DELIVERIES),
        )
        .order_by(BroadcastDelivery.id)
        .limit(limit)
    )
    return list(rows)


async def delete_deliveries(
    session: AsyncSession, broadcast_id: int, ids: Sequence[int], cutoff: datetime
) -> int:
    """Delete these rows, if their broadcast is still one settled before `cutoff`."""
    settled = (
        select(Broadcast.id)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status.in_(_FINISHED_BROADCASTS),
            Broadcast.finished_at < cutoff,
        )
        .scalar_subquery()
    )
    result = await session.execute(
        delete(BroadcastDelivery).where(
            BroadcastDelivery.id.in_(list(ids)),
            BroadcastDelivery.broadcast_id == settled,
            BroadcastDelivery.status.not_in(_OPEN_DELIVERIES),
        )
    )
    return _rowcount(result)


async def has_event(session: AsyncSession, action: AuditAction, subject_id: str) -> bool:
    found = await session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.action == action,
            AuditEvent.subject_type == action.subject,
            AuditEvent.subject_id == subject_id,
        )
        .limit(1)
    )
    return found is not None


# ------------------------------------------------------------------------------ audit


async def audit_batch(
    session: AsyncSession, cutoff: datetime, after_id: int, limit: int
) -> list[AuditEvent]:
    """Audit entries older than `cutoff`, and entries about members of any age (an erased
    member's are scrubbed whatever their age), by id."""
    rows = await session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.id > after_id,
            or_(AuditEvent.at < cutoff, AuditEvent.subject_type == AuditSubject.MEMBER),
        )
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    return list(rows)


async def set_audit_values(
    session: AsyncSession, event_id: int, values: dict[str, dict[str, Any]]
) -> None:
    """Replace `before` and/or `after` of one entry (only the columns given)."""
    await session.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(**values))
