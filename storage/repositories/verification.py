"""Verification cards repository: where each member's verification card was posted."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, Member, VerificationCard


async def add_cards(
    session: AsyncSession, member_id: int, cards: Iterable[tuple[int, int, str]]
) -> list[VerificationCard]:
    """Record cards posted for a member: (chat_id, message_id, locale) each."""
    rows = [
        VerificationCard(member_id=member_id, chat_id=chat_id, message_id=message_id, locale=locale)
        for chat_id, message_id, locale in cards
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def card_owner(session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    """The Telegram id of the member whose card this message is; None when it is no card."""
    return await session.scalar(
        select(Member.telegram_id)
        .join(VerificationCard, VerificationCard.member_id == Member.id)
        .where(VerificationCard.chat_id == chat_id, VerificationCard.message_id == message_id)
    )


async def cards_of(session: AsyncSession, member_id: int) -> list[VerificationCard]:
    """Every card posted for a member (members.id), oldest first."""
    rows = await session.scalars(
        select(VerificationCard)
        .where(VerificationCard.member_id == member_id)
        .order_by(VerificationCard.id)
    )
    return list(rows)


async def decision_by_request_key(session: AsyncSession, request_key: str) -> AuditEvent | None:
    """The decision's audit entry a press with this key recorded, if any."""
    return await session.scalar(select(AuditEvent).where(AuditEvent.request_key == request_key))
