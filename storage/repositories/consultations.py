"""Consultations and their answers: who was asked, one answer per member with its snapshot,
the claims that make reminders, closing and the summary happen once, and the results counted
by GROUP BY. Adds and flushes; the service commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    distinct,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    BroadcastDelivery,
    Consultation,
    ConsultationAnswer,
    ConsultationAnswerAssociation,
    ConsultationChoice,
    ConsultationStatus,
    ConsultationSummary,
    Member,
)

# What the breakdowns group by.
GROUPS = ("association", "oblast", "role")

# One hromada: the codifier's code, or the oblast and the name typed at registration.
_HROMADA = func.coalesce(
    ConsultationAnswer.hromada_code,
    ConsultationAnswer.oblast_code + literal(":") + ConsultationAnswer.hromada_text,
)


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# ------------------------------------------------------------------------------ consultations


async def add_consultation(session: AsyncSession, consultation: Consultation) -> Consultation:
    session.add(consultation)
    await session.flush()
    return consultation


async def get(
    session: AsyncSession, consultation_id: int, *, for_update: bool = False
) -> Consultation | None:
    query = select(Consultation).where(Consultation.id == consultation_id)
    if for_update and _is_postgresql(session):
        query = query.with_for_update()
    return (await session.scalars(query.execution_options(populate_existing=True))).one_or_none()


async def by_request_key(
    session: AsyncSession, author_telegram_id: int, request_key: str
) -> Consultation | None:
    return await session.scalar(
        select(Consultation).where(
            Consultation.request_key == request_key,
            Consultation.author_telegram_id == author_telegram_id,
        )
    )


async def recent(session: AsyncSession, limit: int) -> list[Consultation]:
    rows = await session.scalars(select(Consultation).order_by(Consultation.id.desc()).limit(limit))
    return list(rows)


def _asked(broadcast_id: Any, member_id: Any) -> ColumnElement[bool]:
    """The member had a delivery row of this broadcast (was in the audience)."""
    return exists(
        select(BroadcastDelivery.id).where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.member_id == member_id,
        )
    )


def asked_filter(consultation: Consultation, *, unanswered: bool = False) -> ColumnElement[bool]:
    """Members this consultation was sent to who can still be reached; with `unanswered`, only
    those who have not answered it. A condition on `Member` for the outbox."""
    conditions = [
        _asked(consultation.broadcast_id, Member.id),
        Member.reachable.is_(True),
        Member.erased_at.is_(None),
    ]
    if unanswered:
        conditions.append(
            ~exists(
                select(ConsultationAnswer.id).where(
                    ConsultationAnswer.consultation_id == consultation.id,
                    ConsultationAnswer.member_id == Member.id,
                )
            )
        )
    return and_(*conditions)


async def was_asked(session: AsyncSession, consultation: Consultation, member_id: int) -> bool:
    return bool(await session.scalar(select(_asked(consultation.broadcast_id, member_id))))


def _with_buttons(broadcast_ids: Sequence[int | None], member_id: Any) -> ColumnElement[bool]:
    """A delivery row of those broadcasts (None: not written), to this member, that reached
    them (a message id)."""
    return and_(
        BroadcastDelivery.broadcast_id.in_([i for i in broadcast_ids if i is not None]),
        BroadcastDelivery.member_id == member_id,
        BroadcastDelivery.message_id.is_not(None),
    )


def shown_buttons_filter(consultation: Consultation) -> ColumnElement[bool]:
    """Members the question or the reminder reached who can still be reached: those whose
    answer buttons the closing replaces. A condition on `Member` for the outbox."""
    return and_(
        exists(
            select(BroadcastDelivery.id).where(
                _with_buttons(
                    (consultation.broadcast_id, consultation.reminder_broadcast_id), Member.id
                )
            )
        ),
        Member.reachable.is_(True),
        Member.erased_at.is_(None),
    )


async def button_messages(
    session: AsyncSession, broadcast_ids: Sequence[int | None], delivery_id: int
) -> list[tuple[int, int]]:
    """The (chat, message) pairs of these broadcasts (a consultation's question and reminder)
    that reached the member of the outbox row `delivery_id`, the question's first."""
    member_id = (
        select(BroadcastDelivery.member_id)
        .where(BroadcastDelivery.id == delivery_id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(BroadcastDelivery.chat_id, BroadcastDelivery.message_id)
        .where(_with_buttons(broadcast_ids, member_id))
        .order_by(BroadcastDelivery.id)
    )
    return [(int(chat), int(message)) for chat, message in rows if message is not None]


async def open_for_member(
    session: AsyncSession, member_id: int, now: datetime
) -> list[Consultation]:
    """Open consultations sent to this member, closing soonest first."""
    rows = await session.scalars(
        select(Consultation)
        .where(
            Consultation.status == ConsultationStatus.OPEN,
            Consultation.closes_at > now,
            _asked(Consultation.broadcast_id, member_id),
        )
        .order_by(Consultation.closes_at, Consultation.id)
    )
    return list(rows)


async def audience_size(session: AsyncSession, broadcast_id: int | None) -> tuple[int, int]:
    """How many were asked (outbox rows), and how many of those the question reached."""
    row = (
        await session.execute(
            select(
                func.count(BroadcastDelivery.id),
                func.count(BroadcastDelivery.id).filter(BroadcastDelivery.status == "sent"),
            ).where(BroadcastDelivery.broadcast_id == broadcast_id)
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


# ------------------------------------------------------------------------------ claims


async def due_reminders(session: AsyncSession, remind_from: datetime, now: datetime) -> list[int]:
    """Open consultations closing by `remind_from` (and not yet closed) with no reminder yet."""
    rows = await session.scalars(
        select(Consultation.id)
        .where(
            Consultation.status == ConsultationStatus.OPEN,
            Consultation.reminder_broadcast_id.is_(None),
            Consultation.closes_at <= remind_from,
            Consultation.closes_at > now,
        )
        .order_by(Consultation.closes_at)
    )
    return list(rows)


async def due_closing(session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.scalars(
        select(Consultation.id)
        .where(Consultation.status == ConsultationStatus.OPEN, Consultation.closes_at <= now)
        .order_by(Consultation.closes_at)
    )
    return list(rows)


async def due_summaries(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Consultation.id)
        .where(
            Consultation.status == ConsultationStatus.CLOSED,
            Consultation.summary_posted_at.is_(None),
        )
        .order_by(Consultation.id)
    )
    return list(rows)


async def _claim(
    session: AsyncSession, consultation_id: int, *conditions: Any, **values: Any
) -> bool:
    """Set `values` when every condition still holds: whoever does it first (the row lock on
    PostgreSQL, the write lock on SQLite) is the only one."""
    result = await session.execute(
        update(Consultation)
        .where(Consultation.id == consultation_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_reminder(session: AsyncSession, consultation_id: int, broadcast_id: int) -> bool:
    return await _claim(
        session,
        consultation_id,
        Consultation.reminder_broadcast_id.is_(None),
        reminder_broadcast_id=broadcast_id,
    )


async def claim_outcome(session: AsyncSession, consultation_id: int, broadcast_id: int) -> bool:
    return await _claim(
        session,
        consultation_id,
        Consultation.outcome_broadcast_id.is_(None),
        outcome_broadcast_id=broadcast_id,
    )


async def close(session: AsyncSession, consultation_id: int, now: datetime) -> bool:
    return await _claim(
        session,
        consultation_id,
        Consultation.status == ConsultationStatus.OPEN,
        status=ConsultationStatus.CLOSED,
        closed_at=now,
    )


async def claim_summary(session: AsyncSession, consultation_id: int, now: datetime) -> bool:
    return await _claim(
        session,
        consultation_id,
        Consultation.status == ConsultationStatus.CLOSED,
        Consultation.summary_posted_at.is_(None),
        summary_posted_at=now,
    )


# ------------------------------------------------------------------------------ answers


async def answer_of(
    session: AsyncSession, consultation_id: int, member_id: int
) -> ConsultationAnswer | None:
    return await session.scalar(
        select(ConsultationAnswer)
        .where(
            ConsultationAnswer.consultation_id == consultation_id,
            ConsultationAnswer.member_id == member_id,
        )
        .execution_options(populate_existing=True)
    )


async def answer_by_request_key(
    session: AsyncSession, request_key: str
) -> ConsultationAnswer | None:
    return await session.scalar(
        select(ConsultationAnswer).where(ConsultationAnswer.request_key == request_key)
    )


async def save_answer(
    session: AsyncSession, answer: ConsultationAnswer, options: Sequence[str]
) -> ConsultationAnswer:
    """The answer and the rows the results count (its options and its associations),
    rewritten from the answer's snapshot."""
    session.add(answer)
    await session.flush()
    for table in (ConsultationChoice, ConsultationAnswerAssociation):
        await session.execute(delete(table).where(table.answer_id == answer.id))
    if options:
        await session.execute(
            insert(ConsultationChoice),
            [
                {
                    "answer_id": answer.id,
                    "option": option,
                    "consultation_id": answer.consultation_id,
                }
                for option in options
            ],
        )
    if answer.association_codes:
        await session.execute(
            insert(ConsultationAnswerAssociation),
            [
                {
                    "answer_id": answer.id,
                    "association_code": code,
                    "consultation_id": answer.consultation_id,
                }
                for code in answer.association_codes
            ],
        )
    return answer


async def answers_of_member(
    session: AsyncSession, member_id: int
) -> list[tuple[ConsultationAnswer, Consultation]]:
    rows = await session.execute(
        select(ConsultationAnswer, Consultation)
        .join(Consultation, Consultation.id == ConsultationAnswer.consultation_id)
        .where(ConsultationAnswer.member_id == member_id)
        .order_by(ConsultationAnswer.id)
    )
    return [(answer, consultation) for answer, consultation in rows.all()]


async def anonymise_answers(session: AsyncSession, member_id: int) -> int:
    """The member's answers stay in the counts (choice, associations, oblast, role,
    verification) without the person: no member, comment, hromada or request key."""
    result = await session.execute(
        update(ConsultationAnswer)
        .where(ConsultationAnswer.member_id == member_id)
        .values(
            member_id=None, comment=None, hromada_code=None, hromada_text=None, request_key=None
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class TallyRow:
    """Answers counted for one group (None: no grouping) and one option (None: any)."""

    group: str | None
    option: str | None
    verified: bool
    members: int
    hromadas: int


async def tally(
    session: AsyncSession, consultation_id: int, group: str | None, *, by_option: bool
) -> list[TallyRow]:
    """Answers counted by verification, and by `group` (one of GROUPS) and option when asked:
    members, and distinct hromadas."""
    keys: list[Any] = []
    query: Select[Any] = select(ConsultationAnswer.verified).where(
        ConsultationAnswer.consultation_id == consultation_id
    )
    if group == "association":
        query = query.join(
            ConsultationAnswerAssociation,
            ConsultationAnswerAssociation.answer_id == ConsultationAnswer.id,
        )
        keys.append(ConsultationAnswerAssociation.association_code)
    elif group == "oblast":
        keys.append(ConsultationAnswer.oblast_code)
    elif group == "role":
        keys.append(ConsultationAnswer.role)
    elif group is not None:
        raise ValueError(f"no such group {group!r}")
    if by_option:
        query = query.join(
            ConsultationChoice, ConsultationChoice.answer_id == ConsultationAnswer.id
        )
        keys.append(ConsultationChoice.option)
    query = query.add_columns(
        *keys, func.count(ConsultationAnswer.id), func.count(distinct(_HROMADA))
    ).group_by(ConsultationAnswer.verified, *keys)
    found = []
    for row in await session.execute(query):
        verified, *rest = row
        members, hromadas = rest[-2], rest[-1]
        values = rest[:-2]
        found.append(
            TallyRow(
                group=values[0] if group is not None else None,
                option=values[-1] if by_option else None,
                verified=bool(verified),
                members=int(members),
                hromadas=int(hromadas),
            )
        )
    return found


class AnswerData(NamedTuple):
    """An answer's columns as the results read them: plain rows, not ORM objects (the results
    read thousands of answers, and loading them as objects was a quarter of their time)."""

    choice: Any
    comment: str | None
    association_codes: list[str] | None
    oblast_code: str | None
    role: str | None
    hromada_code: str | None
    hromada_text: str | None
    verified: bool
    created_at: datetime
    updated_at: datetime
    member_name: str | None  # None once erased (and in `commented`, which does not read it)


_ANSWER_DATA = (
    ConsultationAnswer.choice,
    ConsultationAnswer.comment,
    ConsultationAnswer.association_codes,
    ConsultationAnswer.oblast_code,
    ConsultationAnswer.role,
    ConsultationAnswer.hromada_code,
    ConsultationAnswer.hromada_text,
    ConsultationAnswer.verified,
    ConsultationAnswer.created_at,
    ConsultationAnswer.updated_at,
)


async def commented(session: AsyncSession, consultation_id: int) -> list[AnswerData]:
    rows = await session.execute(
        select(*_ANSWER_DATA, null())
        .where(
            ConsultationAnswer.consultation_id == consultation_id,
            ConsultationAnswer.comment.is_not(None),
        )
        .order_by(ConsultationAnswer.updated_at, ConsultationAnswer.id)
    )
    return [AnswerData(*row) for row in rows]


async def answer_rows(
    session: AsyncSession, consultation_id: int, associations: Sequence[str] | None
) -> list[AnswerData]:
    """Every answer with the member's name (None once erased); with `associations`, only
    answers of members who belonged to one of them when answering."""
    query = (
        select(*_ANSWER_DATA, Member.full_name)
        .outerjoin(Member, Member.id == ConsultationAnswer.member_id)
        .where(ConsultationAnswer.consultation_id == consultation_id)
        .order_by(ConsultationAnswer.id)
    )
    if associations is not None:
        query = query.where(
            exists(
                select(ConsultationAnswerAssociation.answer_id).where(
                    ConsultationAnswerAssociation.answer_id == ConsultationAnswer.id,
                    ConsultationAnswerAssociation.association_code.in_(list(associations)),
                )
            )
        )
    return [AnswerData(*row) for row in await session.execute(query)]


# ------------------------------------------------------------------------------ final summaries


async def add_summary_run(session: AsyncSession, run: ConsultationSummary) -> ConsultationSummary:
    """Insert a group's summary as claimed: IntegrityError when another process has it."""
    session.add(run)
    await session.flush()
    return run


async def summary_runs(session: AsyncSession, consultation_id: int) -> list[ConsultationSummary]:
    rows = await session.scalars(
        select(ConsultationSummary)
        .where(ConsultationSummary.consultation_id == consultation_id)
        .order_by(ConsultationSummary.id)
    )
    return list(rows)


async def stale_summary_claims(
    session: AsyncSession, claimed_before: datetime
) -> list[ConsultationSummary]:
    rows = await session.scalars(
        select(ConsultationSummary)
        .where(
            ConsultationSummary.status == "claimed",
            ConsultationSummary.claimed_at < claimed_before,
        )
        .order_by(ConsultationSummary.id)
    )
    return list(rows)


async def take_over_summary(
    session: AsyncSession, run_id: int, claimed_at: datetime, holder: str, now: datetime
) -> bool:
    """Compare-and-set on the claim time: of several processes taking it over, one does."""
    result = await session.execute(
        update(ConsultationSummary)
        .where(
            ConsultationSummary.id == run_id,
            ConsultationSummary.status == "claimed",
            ConsultationSummary.claimed_at == claimed_at,
        )
        .values(claimed_by=holder, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish_summary(
    session: AsyncSession,
    run_id: int,
    *,
    status: str,
    sent_chat_id: int | None,
    error: str | None,
    sent_at: datetime | None,
) -> None:
    await session.execute(
        update(ConsultationSummary)
        .where(ConsultationSummary.id == run_id)
        .values(status=status, sent_chat_id=sent_chat_id, error=error, sent_at=sent_at)
        .execution_options(synchronize_session=False)
    )
