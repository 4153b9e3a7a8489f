"""Announcements and their delivery outbox: audience selection, claiming rows to send, settling
them, the sender's lease. Adds and flushes; the service (or the sender) commits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Association,
    Broadcast,
    BroadcastDelivery,
    BroadcastPurpose,
    BroadcastStatus,
    DeliveryStatus,
    Member,
    MemberAssociation,
    UtcDateTime,
    Verification,
    WorkerLease,
)

# Statuses after which a row is settled for good.
SETTLED = (
    DeliveryStatus.SENT,
    DeliveryStatus.UNREACHABLE,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCERTAIN,
    DeliveryStatus.CANCELLED,
)


def _insert(session: AsyncSession) -> Any:
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# Rows not settled yet: waiting, reserved for a sender's next slot, or in flight.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)


# ------------------------------------------------------------------------------ audience


def recipients_filter(
    *,
    associations: Sequence[str],
    oblasts: Sequence[str],
    roles: Sequence[str],
    urgent: bool,
    unverified: bool = False,
) -> ColumnElement[bool]:
    """Registered, verified, reachable members matching every non-empty filter; members who
    muted announcements only when the announcement is urgent; with `unverified`, those not yet
    verified too (a consultation asks them; rejected members never)."""
    conditions: list[ColumnElement[bool]] = [
        Member.registered_at.is_not(None),
        (
            Member.verification != Verification.REJECTED
            if unverified
            else Member.verification == Verification.VERIFIED
        ),
        Member.reachable.is_(True),
    ]
    if not urgent:
        conditions.append(Member.announcements_muted.is_(False))
    if oblasts:
        conditions.append(Member.oblast_code.in_(list(oblasts)))
    if roles:
        conditions.append(Member.role.in_(list(roles)))
    if associations:
        conditions.append(
            exists(
                select(MemberAssociation.member_id)
                .join(Association, Association.id == MemberAssociation.association_id)
                .where(
                    MemberAssociation.member_id == Member.id,
                    Association.code.in_(list(associations)),
                )
            )
        )
    return and_(*conditions)


async def count_recipients(session: AsyncSession, condition: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count(Member.id)).where(condition)) or 0)


async def add_broadcast(session: AsyncSession, broadcast: Broadcast) -> Broadcast:
    session.add(broadcast)
    await session.flush()
    return broadcast


async def add_deliveries(
    session: AsyncSession, broadcast_id: int, condition: ColumnElement[bool], now: datetime
) -> int:
    """One PENDING outbox row per matching member, written by one INSERT ... SELECT; returns
    how many rows it wrote."""
    locale = case((Member.locale == "en", "en"), else_="uk")
    source = select(
        literal(broadcast_id),
        Member.id,
        Member.telegram_id,
        locale,
        literal(DeliveryStatus.PENDING.value),
        literal(0),
        literal(now, UtcDateTime()),
    ).where(condition)
    result = await session.execute(
        insert(BroadcastDelivery).from_select(
            [
                BroadcastDelivery.broadcast_id,
                BroadcastDelivery.member_id,
                BroadcastDelivery.chat_id,
                BroadcastDelivery.locale,
                BroadcastDelivery.status,
                BroadcastDelivery.attempts,
                BroadcastDelivery.next_attempt_at,
            ],
            source,
        )
    )
    count = result.rowcount  # type: ignore[attr-defined]
    if count is None or count < 0:
        count = int(
            await session.scalar(
                select(func.count(BroadcastDelivery.id)).where(
                    BroadcastDelivery.broadcast_id == broadcast_id
                )
            )
            or 0
        )
    return int(count)


# ------------------------------------------------------------------------------ broadcasts


async def broadcast_by_request_key(
    session: AsyncSession, author_telegram_id: int, request_key: str
) -> Broadcast | None:
    return await session.scalar(
        select(Broadcast).where(
            Broadcast.request_key == request_key,
            Broadcast.author_telegram_id == author_telegram_id,
        )
    )


async def get_broadcast(
    session: AsyncSession, broadcast_id: int, *, for_update: bool = False
) -> Broadcast | None:
    query = select(Broadcast).where(Broadcast.id == broadcast_id)
    if for_update and _is_postgresql(session):
        query = query.with_for_update()
    return (await session.scalars(query.execution_options(populate_existing=True))).one_or_none()


async def status_counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(BroadcastDelivery.status, func.count(BroadcastDelivery.id))
        .where(BroadcastDelivery.broadcast_id == broadcast_id)
        .group_by(BroadcastDelivery.status)
    )
    return {str(status): int(count) for status, count in rows}


@dataclass(frozen=True)
class RecentPace:
    """Rows of one broadcast settled since `since`: how many, and the earliest of them."""

    count: int
    earliest: datetime | None


async def recent_pace(session: AsyncSession, broadcast_id: int, since: datetime) -> RecentPace:
    row = (
        await session.execute(
            select(
                func.count(BroadcastDelivery.id),
                type_coerce(func.min(BroadcastDelivery.finished_at), UtcDateTime()),
            ).where(
                BroadcastDelivery.broadcast_id == broadcast_id,
                BroadcastDelivery.finished_at >= since,
                BroadcastDelivery.status.in_(
                    [DeliveryStatus.SENT, DeliveryStatus.UNREACHABLE, DeliveryStatus.FAILED]
                ),
            )
        )
    ).one()
    return RecentPace(int(row[0] or 0), row[1])


async def cancel_pending(session: AsyncSession, broadcast_id: int, now: datetime) -> int:
    """Rows not yet sent (pending, or reserved for a slot) become CANCELLED; rows in flight
    finish as they will."""
    result = await session.execute(
        update(BroadcastDelivery)
        .where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]),
        )
        .values(status=DeliveryStatus.CANCELLED, finished_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def unfinished_broadcasts(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts whose final report is not out yet: sending, paused, or cancelled but not
    yet settled (`finished_at` is set once the final report is)."""
    rows = await session.scalars(
        select(Broadcast)
        .where(
            Broadcast.finished_at.is_(None),
            Broadcast.status.in_(
                [BroadcastStatus.SENDING, BroadcastStatus.PAUSED, BroadcastStatus.CANCELLED]
            ),
        )
        .order_by(Broadcast.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def open_rows(session: AsyncSession, broadcast_id: int) -> int:
    """Rows not settled yet: pending, reserved or in flight."""
    return int(
        await session.scalar(
            select(func.count(BroadcastDelivery.id)).where(
                BroadcastDelivery.broadcast_id == broadcast_id,
                BroadcastDelivery.status.in_(OPEN_STATUSES),
            )
        )
        or 0
    )


# What News lists: announcements and consultations' outcomes (a question and its reminder are
# in the consultations menu; a closing is no message at all).
NEWS_PURPOSES = (BroadcastPurpose.ANNOUNCEMENT, BroadcastPurpose.OUTCOME)


async def recent_broadcasts(session: AsyncSession, limit: int) -> list[Broadcast]:
    """The latest announcements that were not cancelled, newest first (a consultation's
    outcome among them; its question and reminder are found in the consultations menu)."""
    rows = await session.scalars(
        select(Broadcast)
        .where(
            Broadcast.status != BroadcastStatus.CANCELLED,
            Broadcast.purpose.in_(NEWS_PURPOSES),
        )
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    return list(rows)


async def broadcasts_with_delivery(
    session: AsyncSession, member_id: int, broadcast_ids: Sequence[int]
) -> set[int]:
    """Which of these announcements had this member in their outbox."""
    if not broadcast_ids:
        return set()
    rows = await session.scalars(
        select(BroadcastDelivery.broadcast_id).where(
            BroadcastDelivery.member_id == member_id,
            BroadcastDelivery.broadcast_id.in_(list(broadcast_ids)),
        )
    )
    return set(rows)


# ------------------------------------------------------------------------------ the sender


async def acquire_lease(
    session: AsyncSession,
    name: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
    *,
    holder_is_gone: Callable[[str], bool] | None = None,
) -> str | None:
    """Take or renew the lease `name` for `holder` when free, expired, already ours, or held
    by a holder `holder_is_gone` knows to be dead.

    Returns the previous holder when the lease changed hands (or "" when it was new), the
    holder itself when it was renewed, None when someone else holds it."""
    insert = _insert(session)
    await session.execute(
        insert(WorkerLease)
        .values(name=name, holder="", expires_at=now)
        .on_conflict_do_nothing(index_elements=[WorkerLease.name])
    )
    query = select(WorkerLease).where(WorkerLease.name == name)
    if _is_postgresql(session):
        query = query.with_for_update()
    lease = (await session.scalars(query.execution_options(populate_existing=True))).one()
    if (
        lease.holder != holder
        and lease.expires_at > now
        and not (holder_is_gone is not None and lease.holder and holder_is_gone(lease.holder))
    ):
        return None
    previous = lease.holder
    lease.holder = holder
    lease.expires_at = now + ttl
    await session.flush()
    return previous


async def renew_lease(
    session: AsyncSession, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Extend our unexpired lease; False when it is no longer ours (or it expired)."""
    result = await session.execute(
        update(WorkerLease)
        .where(WorkerLease.name == name, WorkerLease.holder == holder, WorkerLease.expires_at > now)
        .values(expires_at=now + ttl)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_lease(session: AsyncSession, name: str, holder: str, now: datetime) -> None:
    await session.execute(
        update(WorkerLease)
        .where(WorkerLease.name == name, WorkerLease.holder == holder)
        .values(expires_at=now)
    )


async def orphans_to_uncertain(session: AsyncSession, holder: str, now: datetime) -> int:
    """Rows left by any holder but `holder` (who holds the lease, so theirs is gone): those
    only reserved go back to PENDING (nothing was sent); those SENDING become UNCERTAIN (the
    send may or may not have reached Telegram), never to be sent again. Returns how many
    became uncertain."""
    not_ours = or_(BroadcastDelivery.claimed_by.is_(None), BroadcastDelivery.claimed_by != holder)
    await session.execute(
        update(BroadcastDelivery)
        .where(BroadcastDelivery.status == DeliveryStatus.CLAIMED, not_ours)
        .values(status=DeliveryStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    result = await session.execute(
        update(BroadcastDelivery)
        .where(
            BroadcastDelivery.status == DeliveryStatus.SENDING,
            or_(BroadcastDelivery.claimed_by.is_(None), BroadcastDelivery.claimed_by != holder),
        )
        .values(status=DeliveryStatus.UNCERTAIN, finished_at=now, error="in flight at a stop")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ClaimedRow:
    id: int
    broadcast_id: int
    chat_id: int
    locale: str
    attempts: int


async def due_rows(
    session: AsyncSession, now: datetime, limit: int, skip_chats: Iterable[int]
) -> list[ClaimedRow]:
    """Up to `limit` PENDING rows that are due, of broadcasts that are sending, oldest first,
    locked on PostgreSQL with SKIP LOCKED so that another sender's claim passes them by."""
    skip = list(skip_chats)
    query = (
        select(
            BroadcastDelivery.id,
            BroadcastDelivery.broadcast_id,
            BroadcastDelivery.chat_id,
            BroadcastDelivery.locale,
            BroadcastDelivery.attempts,
        )
        .join(Broadcast, Broadcast.id == BroadcastDelivery.broadcast_id)
        .where(
            BroadcastDelivery.status == DeliveryStatus.PENDING,
            BroadcastDelivery.next_attempt_at <= now,
            Broadcast.status == BroadcastStatus.SENDING,
        )
        .order_by(BroadcastDelivery.next_attempt_at, BroadcastDelivery.id)
        .limit(limit)
    )
    if skip:
        query = query.where(BroadcastDelivery.chat_id.not_in(skip))
    if _is_postgresql(session):
        query = query.with_for_update(of=BroadcastDelivery, skip_locked=True)
    rows = await session.execute(query)
    return [ClaimedRow(*row) for row in rows]


async def reserve(
    session: AsyncSession, ids: Sequence[int], holder: str, now: datetime
) -> set[int]:
    """These rows are `holder`'s for its next slots (CLAIMED); nothing is sent yet, so a row
    left reserved by a dead sender simply goes back to PENDING. Returns the ids reserved (a row
    cancelled meanwhile is not)."""
    if not ids:
        return set()
    result = await session.execute(
        update(BroadcastDelivery)
        .where(
            BroadcastDelivery.id.in_(list(ids)),
            BroadcastDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CLAIMED, claimed_by=holder, claimed_at=now)
        .returning(BroadcastDelivery.id)
    )
    return set(result.scalars())


def _held(row_id: int, holder: str, *statuses: DeliveryStatus) -> ColumnElement[bool]:
    """This row, claimed by `holder`, in one of these states."""
    return and_(
        BroadcastDelivery.id == row_id,
        BroadcastDelivery.claimed_by == holder,
        BroadcastDelivery.status.in_(statuses),
    )


async def mark_sending(session: AsyncSession, row_id: int, holder: str, now: datetime) -> bool:
    """The intent, committed right before the HTTP call: this reserved row is being sent now.
    False when it is no longer ours to send (cancelled meanwhile)."""
    result = await session.execute(
        update(BroadcastDelivery)
        .where(_held(row_id, holder, DeliveryStatus.CLAIMED))
        .values(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            attempts=BroadcastDelivery.attempts + 1,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, row_id: int, holder: str) -> None:
    """A reserved row this sender will not send after all goes back to PENDING."""
    await session.execute(
        update(BroadcastDelivery)
        .where(_held(row_id, holder, DeliveryStatus.CLAIMED))
        .values(status=DeliveryStatus.PENDING, claimed_by=None, claimed_at=None)
    )


async def settle(
    session: AsyncSession,
    row_id: int,
    holder: str,
    status: DeliveryStatus,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> bool:
    result = await session.execute(
        update(BroadcastDelivery)
        # A late result of ours still settles a row another sender has meanwhile marked
        # UNCERTAIN: then we know what happened to it.
        .where(_held(row_id, holder, DeliveryStatus.SENDING, DeliveryStatus.UNCERTAIN))
        .values(status=status, finished_at=now, message_id=message_id, error=error)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def postpone(
    session: AsyncSession,
    row_id: int,
    holder: str,
    next_attempt_at: datetime,
    *,
    error: str | None,
    refund_attempt: bool = False,
) -> bool:
    """Back to PENDING for another try at `next_attempt_at` (a 429 does not use up a try);
    False when the row is no longer ours to send."""
    values: dict[str, Any] = {
        "status": DeliveryStatus.PENDING,
        "next_attempt_at": next_attempt_at,
        "claimed_by": None,
        "claimed_at": None,
        "error": error,
    }
    if refund_attempt:
        values["attempts"] = BroadcastDelivery.attempts - 1
    result = await session.execute(
        update(BroadcastDelivery)
        .where(_held(row_id, holder, DeliveryStatus.SENDING))
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_member_unreachable(session: AsyncSession, member_id: int) -> None:
    await session.execute(update(Member).where(Member.id == member_id).values(reachable=False))


async def member_of_row(session: AsyncSession, row_id: int) -> int | None:
    return await session.scalar(
        select(BroadcastDelivery.member_id).where(BroadcastDelivery.id == row_id)
    )


async def broadcasts_by_ids(session: AsyncSession, ids: Iterable[int]) -> list[Broadcast]:
    wanted = list(ids)
    if not wanted:
        return []
    rows = await session.scalars(select(Broadcast).where(Broadcast.id.in_(wanted)))
    return list(rows)


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest PENDING row of a sending broadcast is due, None when there is none."""
    return await session.scalar(
        select(type_coerce(func.min(BroadcastDelivery.next_attempt_at), UtcDateTime()))
        .join(Broadcast, Broadcast.id == BroadcastDelivery.broadcast_id)
        .where(
            BroadcastDelivery.status == DeliveryStatus.PENDING,
            Broadcast.status == BroadcastStatus.SENDING,
        )
    )


async def close_broadcast(
    session: AsyncSession, broadcast_id: int, status: BroadcastStatus, now: datetime
) -> bool:
    """Done (or cancelled) for good, once its final report is out; False when someone paused
    it meanwhile."""
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.finished_at.is_(None),
            Broadcast.status.in_([BroadcastStatus.SENDING, BroadcastStatus.CANCELLED]),
        )
        .values(status=status, finished_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
