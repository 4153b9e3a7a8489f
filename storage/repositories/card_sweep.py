"""Cards sweep repository: which staff-group cards the normal path should have posted and did
not, and recording the ones the sweep posts. Adds and flushes; the sweep service commits.

The rules mirror the normal path's (delivery/report_cards.py, question_cards.py and
verification_cards.py):
- a report still open gets a card in the active group of every association it is routed to;
  once it is joint, in every active group (what "joint" posts at once);
- a question still open, of a member who has not deleted their profile, in the active group of
  every association it is addressed to;
- a registered member still waiting for verification (not erased), in the active group of each
  of their associations (every association's when they are not sure); since the last time the
  profile went back for review, as a corrected profile posts a new card.
A group counts only if it was bound when the card would have been posted (a group bound later
never got the earlier records, and does not now); a card in a group counts for the supergroup
it migrated to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    OPEN_REPORT_STATUSES,
    Association,
    AuditAction,
    AuditEvent,
    AuditSubject,
    Member,
    Question,
    QuestionCard,
    QuestionStatus,
    Report,
    ReportAssociation,
    ReportCard,
    ReportEvent,
    ReportEventKind,
    StaffChat,
    Verification,
    VerificationCard,
)
from storage.repositories.audit import add_event


class CardKind(StrEnum):
    REPORT = "report"
    QUESTION = "question"
    VERIFICATION = "verification"


@dataclass(frozen=True)
class MissingCard:
    """A card the normal path should have posted: `record_id` is reports.id, questions.id or
    members.id by `kind`; `due_since` is when it should have been posted."""

    kind: CardKind
    record_id: int
    chat_id: int
    locale: str
    member_telegram_id: int
    due_since: datetime


@dataclass(frozen=True)
class _Binding:
    chat_id: int
    locale: str
    code: str
    bound_at: datetime


async def missing_cards(
    session: AsyncSession,
    cutoff: datetime,
    *,
    kind: CardKind | None = None,
    record_id: int | None = None,
) -> list[MissingCard]:
    """The cards due by `cutoff` and not posted, oldest first (only of one record when `kind`
    and `record_id` are given)."""
    bindings = await _active_bindings(session)
    if not bindings:
        return []
    aliases = await _migrated_from(session)
    found: list[MissingCard] = []
    if kind in (None, CardKind.REPORT):
        found += await _reports(session, cutoff, bindings, aliases, record_id)
    if kind in (None, CardKind.QUESTION):
        found += await _questions(session, cutoff, bindings, aliases, record_id)
    if kind in (None, CardKind.VERIFICATION):
        found += await _verifications(session, cutoff, bindings, aliases, record_id)
    found.sort(key=lambda card: (card.due_since, card.kind, card.record_id, card.chat_id))
    return found


async def _active_bindings(session: AsyncSession) -> list[_Binding]:
    rows = await session.execute(
        select(StaffChat.chat_id, StaffChat.locale, Association.code, StaffChat.bound_at)
        .join(Association, Association.id == StaffChat.association_id)
        .where(StaffChat.active.is_(True), Association.active.is_(True))
        .order_by(Association.position)
    )
    return [_Binding(*row) for row in rows.all()]


async def _migrated_from(session: AsyncSession) -> dict[int, set[int]]:
    """Each group's earlier chat ids (a group that became a supergroup keeps its old cards
    under the old id)."""
    events = await session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.STAFF_CHAT_MIGRATED)
    )
    earlier: dict[int, set[int]] = defaultdict(set)
    for event in events:
        old, new = (event.before or {}).get("chat_id"), (event.after or {}).get("chat_id")
        if isinstance(old, int) and isinstance(new, int):
            earlier[new].add(old)
    # A group migrated twice: its first id counts for the last one too.
    for chat_id in list(earlier):
        pending = list(earlier[chat_id])
        while pending:
            for older in earlier.get(pending.pop(), ()):
                if older not in earlier[chat_id]:
                    earlier[chat_id].add(older)
                    pending.append(older)
    return earlier


def _missing_in(
    kind: CardKind,
    record_id: int,
    member_telegram_id: int,
    due: Iterable[tuple[_Binding, datetime]],
    posted: set[int],
    aliases: dict[int, set[int]],
    cutoff: datetime,
) -> list[MissingCard]:
    """One card per distinct group due by `cutoff` with no card in it (or its earlier ids)."""
    cards: dict[int, MissingCard] = {}
    for binding, since in due:
        chat_id = binding.chat_id
        if since > cutoff or chat_id in cards:
            continue
        if chat_id in posted or posted & aliases.get(chat_id, set()):
            continue
        cards[chat_id] = MissingCard(
            kind, record_id, chat_id, binding.locale, member_telegram_id, since
        )
    return list(cards.values())


async def _reports(
    session: AsyncSession,
    cutoff: datetime,
    bindings: list[_Binding],
    aliases: dict[int, set[int]],
    record_id: int | None,
) -> list[MissingCard]:
    query = (
        select(Report.id, Report.created_at, Report.joint, Member.telegram_id)
        .join(Member, Member.id == Report.member_id)
        .where(Report.status.in_([str(s) for s in OPEN_REPORT_STATUSES]))
        .where(Report.created_at <= cutoff)
        .order_by(Report.id)
    )
    if record_id is not None:
        query = query.where(Report.id == record_id)
    reports = (await session.execute(query)).all()
    if not reports:
        return []
    open_ids = select(Report.id).where(Report.status.in_([str(s) for s in OPEN_REPORT_STATUSES]))
    if record_id is not None:
        open_ids = open_ids.where(Report.id == record_id)
    routes: dict[int, set[str]] = defaultdict(set)
    for report_id, code in await session.execute(
        select(ReportAssociation.report_id, Association.code)
        .join(Association, Association.id == ReportAssociation.association_id)
        .where(ReportAssociation.report_id.in_(open_ids))
    ):
        routes[report_id].add(code)
    joint_at: dict[int, datetime] = {
        report_id: at
        for report_id, at in await session.execute(
            select(ReportEvent.report_id, func.max(ReportEvent.at))
            .where(ReportEvent.kind == "joint", ReportEvent.report_id.in_(open_ids))
            .group_by(ReportEvent.report_id)
        )
    }
    posted: dict[int, set[int]] = defaultdict(set)
    for report_id, chat_id in await session.execute(
        select(ReportCard.report_id, ReportCard.chat_id).where(ReportCard.report_id.in_(open_ids))
    ):
        posted[report_id].add(chat_id)
    found: list[MissingCard] = []
    for report_id, created_at, joint, telegram_id in reports:
        due: list[tuple[_Binding, datetime]] = []
        marked = joint_at.get(report_id) if joint else None
        for binding in bindings:
            if binding.code in routes[report_id] and binding.bound_at <= created_at:
                due.append((binding, created_at))
            elif marked is not None and binding.bound_at <= marked:
                due.append((binding, marked))
        found += _missing_in(
            CardKind.REPORT, report_id, telegram_id, due, posted[report_id], aliases, cutoff
        )
    return found


async def _questions(
    session: AsyncSession,
    cutoff: datetime,
    bindings: list[_Binding],
    aliases: dict[int, set[int]],
    record_id: int | None,
) -> list[MissingCard]:
    query = (
        select(Question.id, Question.created_at, Question.association_codes, Member.telegram_id)
        .join(Member, Member.id == Question.member_id)
        .where(
            Question.status == QuestionStatus.OPEN,
            Question.created_at <= cutoff,
            # An answer could no longer reach a member who deleted their profile.
            Member.erased_at.is_(None),
        )
        .order_by(Question.id)
    )
    if record_id is not None:
        query = query.where(Question.id == record_id)
    questions = (await session.execute(query)).all()
    if not questions:
        return []
    open_ids = select(Question.id).where(Question.status == QuestionStatus.OPEN)
    if record_id is not None:
        open_ids = open_ids.where(Question.id == record_id)
    posted: dict[int, set[int]] = defaultdict(set)
    for question_id, chat_id in await session.execute(
        select(QuestionCard.question_id, QuestionCard.chat_id).where(
            QuestionCard.question_id.in_(open_ids)
        )
    ):
        posted[question_id].add(chat_id)
    found: list[MissingCard] = []
    for question_id, created_at, codes, telegram_id in questions:
        due = [
            (binding, created_at)
            for binding in bindings
            if binding.code in (codes or []) and binding.bound_at <= created_at
        ]
        found += _missing_in(
            CardKind.QUESTION, question_id, telegram_id, due, posted[question_id], aliases, cutoff
        )
    return found


async def _verifications(
    session: AsyncSession,
    cutoff: datetime,
    bindings: list[_Binding],
    aliases: dict[int, set[int]],
    record_id: int | None,
) -> list[MissingCard]:
    pending = (
        Member.registered_at.is_not(None),
        Member.erased_at.is_(None),
        Member.verification == Verification.UNVERIFIED,
    )
    query = select(Member).where(*pending).order_by(Member.id)
    if record_id is not None:
        query = query.where(Member.id == record_id)
    members = list(await session.scalars(query))
    if not members:
        return []
    reopened: dict[int, datetime] = {
        row_id: at
        for row_id, at in await session.execute(
            select(Member.id, func.max(AuditEvent.at))
            .join(
                AuditEvent,
                (AuditEvent.subject_type == AuditSubject.MEMBER)
                & (AuditEvent.subject_id == cast(Member.telegram_id, String)),
            )
            .where(AuditEvent.action == AuditAction.MEMBER_VERIFICATION_REOPENED, *pending)
            .group_by(Member.id)
        )
    }
    cards = await session.execute(
        select(VerificationCard.member_id, VerificationCard.chat_id, VerificationCard.posted_at)
        .join(Member, Member.id == VerificationCard.member_id)
        .where(*pending)
    )
    posted_at: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for member_id, chat_id, at in cards:
        posted_at[member_id].append((chat_id, at))
    found: list[MissingCard] = []
    for member in members:
        assert member.registered_at is not None
        since = max(member.registered_at, reopened.get(member.id) or member.registered_at)
        codes = {a.code for a in member.associations}
        everyone = member.associations_unsure or not codes
        due = [
            (binding, since)
            for binding in bindings
            if (everyone or binding.code in codes) and binding.bound_at <= since
        ]
        # A card of an earlier review shows the earlier decision: only this review's count.
        posted = {chat_id for chat_id, at in posted_at[member.id] if at >= since}
        found += _missing_in(
            CardKind.VERIFICATION, member.id, member.telegram_id, due, posted, aliases, cutoff
        )
    return found


async def record_swept(
    session: AsyncSession, card: MissingCard, chat_id: int, message_id: int
) -> None:
    """The card the sweep posted (`chat_id` may be the supergroup the group became), in the
    card table and in the record's history, as posted by the sweep."""
    after = {"chat_id": chat_id, "message_id": message_id, "by": "card_sweep"}
    if card.kind == CardKind.REPORT:
        session.add(ReportCard(report_id=card.record_id, chat_id=chat_id, message_id=message_id))
        swept = ReportEventKind.CARD_SWEPT
        event = ReportEvent(report_id=card.record_id, kind=swept, public=swept.public, after=after)
        session.add(event)
        await session.flush()
        # The audit-log twin every report history entry has.
        await add_event(
            session,
            swept.action,
            card.record_id,
            actor_id=None,
            after={**after, "event_id": event.id},
        )
    elif card.kind == CardKind.QUESTION:
        session.add(
            QuestionCard(question_id=card.record_id, chat_id=chat_id, message_id=message_id)
        )
        await add_event(
            session, AuditAction.QUESTION_CARD_SWEPT, card.record_id, actor_id=None, after=after
        )
    else:
        session.add(
            VerificationCard(
                member_id=card.record_id, chat_id=chat_id, message_id=message_id, locale=card.locale
            )
        )
        await add_event(
            session,
            AuditAction.MEMBER_VERIFICATION_CARD_SWEPT,
            card.member_telegram_id,
            actor_id=None,
            after=after,
        )
    await session.flush()
