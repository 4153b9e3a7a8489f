"""What a member filed lately, for the limits on reports and questions to the experts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Question, Report


async def lock_member(session: AsyncSession, member_id: int) -> None:
    """Hold the member's row until commit (PostgreSQL), so their submissions count one at a
    time. SQLite has no row locks: there the transaction's first write serialises instead."""
    await session.execute(select(Member.id).where(Member.id == member_id).with_for_update())


async def reports_filed_since(
    session: AsyncSession, member_id: int, since: datetime
) -> list[datetime]:
    rows = await session.scalars(
        select(Report.created_at).where(Report.member_id == member_id, Report.created_at > since)
    )
    return list(rows)


async def questions_asked_since(
    session: AsyncSession, member_id: int, since: datetime, *, besides: int | None = None
) -> list[datetime]:
    """When the member asked questions after `since`; `besides` one (just added) left out."""
    query = select(Question.created_at).where(
        Question.member_id == member_id, Question.created_at > since
    )
    if besides is not None:
        query = query.where(Question.id != besides)
    return list(await session.scalars(query))
