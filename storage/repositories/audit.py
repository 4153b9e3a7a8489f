"""Audit log repository: append-only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditAction, AuditEvent, AuditSubject


async def add_event(
    session: AsyncSession,
    action: AuditAction,
    subject_id: str | int,
    *,
    actor_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record `action` on `subject_id`; the action says what kind of thing that is."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action.value,
        subject_type=action.subject.value,
        subject_id=str(subject_id),
        before=before,
        after=after,
    )
    session.add(event)
    await session.flush()
    return event


async def events_for(
    session: AsyncSession, subject: AuditSubject, subject_id: str | int
) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject, AuditEvent.subject_id == str(subject_id))
        .order_by(AuditEvent.id)
    )
    return list(rows)
