"""Consultations: staff ask the members of their associations for a position on a draft (support,
support with amendments, oppose, no opinion) or for their priorities (up to K of N options),
and get the answers counted by association, oblast and role, by members and by hromadas.

The question reaches members through the announcement outbox: `create` writes the consultation,
its broadcast (`purpose` "consultation", `consultation_id` set) and one delivery row per member
in one transaction, and `BroadcastSender` sends them. The audience is the announcements' one,
limited by the author's rights, with unverified members included (they may answer; the results
count them apart) and members who muted announcements too (a question is not news).

Exactly once: the reminder and the outcome are each a broadcast whose id is written into the
consultation only while still empty, in the transaction that writes the broadcast, so a second
process's attempt rolls back whole; closing and the summary claim are conditional updates that
only one caller wins, and the one that closes writes the closing broadcast (the answer buttons
members got replaced by the "closed" marker) in the same transaction. The final summary is
posted per staff group by `consultation_worker.py` (a claim per group, taken over when its
process died); `claim_summary` then marks the consultation done. Knows nothing of Telegram."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcasts import (
    Audience,
    BroadcastError,
    addressable,
    audience_condition,
    audience_within,
)
from bot.services.consultation_followups import ConsultationFollowUps
from bot.services.consultation_results import ConsultationViews, existing_consultation
from bot.services.consultation_types import (
    COMMENT_LIMIT,
    MAX_OPTIONS,
    TITLE_LIMIT,
    AnswerRow,
    Breakdown,
    CommentRow,
    ConsultationClosed,
    ConsultationDraft,
    ConsultationError,
    ConsultationView,
    Count,
    DeskRow,
    Document,
    MyAnswer,
    Option,
    Position,
    Renderer,
    Results,
    answer_of,
    checked_choice,
    comment_text,
    consultation_problems,
    outcome_problems,
    stored_choice,
    view_of,
)
from bot.services.request_keys import members_own, once_per_key
from bot.services.text_input import clean_line
from storage.models import (
    AuditAction,
    BroadcastPurpose,
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    ConsultationStatus,
    Member,
    Verification,
)
from storage.repositories import broadcasts as broadcasts_repo
from storage.repositories import consultations as repo
from storage.repositories import members as members_repo
from storage.repositories.audit import add_event

T = TypeVar("T")


class ConsultationService(ConsultationFollowUps):
    """Use cases on consultations; each public method is one transaction (answering is tried
    again once when a second press of the same member wrote first). Composing and answering are
    here; the reminder, closing and the outcome in `ConsultationFollowUps`
    (consultation_followups.py); staff's reading in `ConsultationViews` (consultation_results.py);
    the rules and data objects in consultation_types.py."""

    # ------------------------------------------------------------------ composing

    def problems(self, draft: ConsultationDraft) -> list[ConsultationError]:
        """What stops this draft from going out (for the dialog to show), empty when nothing."""
        return consultation_problems(draft, self.clock(), self.render)

    async def count_audience(self, actor_telegram_id: int, audience: Audience) -> int:
        """How many members confirming now would ask (staff: within their associations)."""
        async with self.db.transaction() as session:
            effective = await self._effective(session, actor_telegram_id, audience)
            return await _count(session, effective)

    async def effective_audience(self, actor_telegram_id: int, audience: Audience) -> Audience:
        """The audience as it will be stored (staff: restricted to their associations)."""
        async with self.db.transaction() as session:
            return await self._effective(session, actor_telegram_id, audience)

    async def _effective(
        self, session: AsyncSession, actor_telegram_id: int, audience: Audience
    ) -> Audience:
        allowed = addressable(await self.staff.rights_in(session, actor_telegram_id))
        if allowed is None:
            raise ConsultationError("not-allowed")
        try:
            return audience_within(audience, allowed)
        except BroadcastError as error:
            raise ConsultationError(error.code) from None

    async def create(
        self,
        actor_telegram_id: int,
        actor_name: str | None,
        draft: ConsultationDraft,
        *,
        request_key: str | None = None,
        progress_chat_id: int | None = None,
        progress_locale: str = "uk",
    ) -> ConsultationView:
        """Confirm a consultation: it, its broadcast and one outbox row per member asked, in one
        transaction. ConsultationError when refused (nothing written). With a `request_key`
        this author used already, the consultation made then."""
        now = self.clock()

        async def attempt() -> ConsultationView:
            async with self.db.transaction() as session:
                if request_key is not None:
                    earlier = await repo.by_request_key(session, actor_telegram_id, request_key)
                    if earlier is not None:
                        return view_of(earlier)
                audience = await self._effective(session, actor_telegram_id, draft.audience)
                problems = consultation_problems(draft, now, self.render)
                if problems:
                    raise problems[0]
                consultation = await repo.add_consultation(
                    session, _new_consultation(draft, audience, actor_telegram_id, actor_name)
                )
                consultation.created_at = now
                consultation.request_key = request_key
                try:
                    broadcast = await self._write_broadcast(
                        session,
                        consultation,
                        BroadcastPurpose.CONSULTATION,
                        _condition(audience),
                        now,
                        texts=(draft.question_uk, draft.question_en or None),
                        document=draft.document,
                        progress=(progress_chat_id, progress_locale),
                        allow_empty=False,
                    )
                except BroadcastError as error:
                    raise ConsultationError(error.code) from None
                consultation.broadcast_id = broadcast.id
                await add_event(
                    session,
                    AuditAction.CONSULTATION_CREATED,
                    consultation.id,
                    actor_id=actor_telegram_id,
                    after={
                        "title": consultation.title,
                        "kind": consultation.kind,
                        "options": len(consultation.options),
                        "max_choices": consultation.max_choices,
                        "audience": audience.as_json(),
                        "recipients": broadcast.recipients,
                        "closes_at": consultation.closes_at.isoformat(),
                        "answers_visible_to_staff": consultation.answers_visible_to_staff,
                        "broadcast_id": broadcast.id,
                    },
                )
                await session.flush()
                return view_of(consultation)

        async def earlier(session: AsyncSession, key: str) -> ConsultationView | None:
            found = await repo.by_request_key(session, actor_telegram_id, key)
            return None if found is None else view_of(found)

        return await once_per_key(self.db, request_key, attempt, earlier)

    # ------------------------------------------------------------------ members

    async def open_for(self, member_telegram_id: int) -> list[ConsultationView]:
        """Open consultations sent to this member, closing soonest first (the menu)."""
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, member_telegram_id)
            if member is None:
                return []
            rows = await repo.open_for_member(session, member.id, self.clock())
            return [view_of(row) for row in rows]

    async def for_member(
        self, member_telegram_id: int, consultation_id: int
    ) -> ConsultationView | None:
        """The consultation as its buttons need it, None unless it was sent to this member."""
        try:
            async with self.db.transaction() as session:
                consultation, _ = await self._asked(session, member_telegram_id, consultation_id)
                return view_of(consultation)
        except ConsultationError:
            return None

    async def my_answer(self, member_telegram_id: int, consultation_id: int) -> MyAnswer | None:
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, member_telegram_id)
            if member is None:
                return None
            row = await repo.answer_of(session, consultation_id, member.id)
            return None if row is None else answer_of(row)

    async def answer(
        self,
        member_telegram_id: int,
        consultation_id: int,
        choice: str | Sequence[int],
        comment: str | None = None,
        *,
        request_key: str | None = None,
    ) -> MyAnswer:
        """Record or change the member's answer until closing: a Position code, or 1..K distinct
        option indices. `comment` None keeps the comment given before; "amend" needs one.
        ConsultationClosed after closing; ConsultationError otherwise (not-in-audience...)."""
        now = self.clock()

        async def change(
            session: AsyncSession, consultation: Consultation, member: Member
        ) -> MyAnswer:
            row = await repo.answer_of(session, consultation.id, member.id)
            before = None if row is None else row.choice
            text = row.comment if row is not None and comment is None else comment_text(comment)
            stored, options = checked_choice(consultation, choice, text)
            if row is None:
                row = ConsultationAnswer(
                    consultation_id=consultation.id, member_id=member.id, created_at=now
                )
            row.choice = stored
            row.comment = text
            return await self._save(session, row, member, options, before, request_key, now)

        return await self._answering(member_telegram_id, consultation_id, request_key, now, change)

    async def set_comment(
        self,
        member_telegram_id: int,
        consultation_id: int,
        comment: str | None,
        *,
        request_key: str | None = None,
    ) -> MyAnswer:
        """A comment sent after the answer (a reply, or the dialog); empty or None removes it,
        unless the answer is "amend". ConsultationError "no-answer" before any answer."""
        now = self.clock()

        async def change(
            session: AsyncSession, consultation: Consultation, member: Member
        ) -> MyAnswer:
            row = await repo.answer_of(session, consultation.id, member.id)
            if row is None:
                raise ConsultationError("no-answer")
            text = comment_text(comment)
            _, options = checked_choice(consultation, stored_choice(row.choice), text)
            row.comment = text
            return await self._save(session, row, member, options, row.choice, request_key, now)

        return await self._answering(member_telegram_id, consultation_id, request_key, now, change)

    async def _answering(
        self,
        member_telegram_id: int,
        consultation_id: int,
        request_key: str | None,
        now: datetime,
        change: Callable[[AsyncSession, Consultation, Member], Awaitable[MyAnswer]],
    ) -> MyAnswer:
        """One transaction: a press handled already answers as it stood; otherwise the
        consultation must be open and sent to this member, and `change` writes."""

        async def attempt() -> MyAnswer:
            async with self.db.transaction() as session:
                if request_key is not None:
                    earlier = await keyed(session, request_key)
                    if earlier is not None:
                        return earlier
                consultation, member = await self._asked(
                    session, member_telegram_id, consultation_id
                )
                if not view_of(consultation).is_open(now):
                    raise ConsultationClosed
                return await change(session, consultation, member)

        async def keyed(session: AsyncSession, key: str) -> MyAnswer | None:
            """What this member's press with this key did (someone else's key shows nothing)."""
            row = await members_own(session, repo.answer_by_request_key, key, member_telegram_id)
            return None if row is None else answer_of(row)

        async def keyed_once() -> MyAnswer:
            return await once_per_key(self.db, request_key, attempt, keyed)

        # Two presses of one member at once: the second one's insert meets the unique
        # (consultation, member) and, tried again, changes the row the first one wrote.
        return await _again_on_conflict(keyed_once)

    async def _asked(
        self, session: AsyncSession, member_telegram_id: int, consultation_id: int
    ) -> tuple[Consultation, Member]:
        consultation = await existing_consultation(session, consultation_id)
        member = await members_repo.get_by_telegram_id(session, member_telegram_id)
        if (
            member is None
            or member.registered_at is None
            or member.verification == Verification.REJECTED
            or not await repo.was_asked(session, consultation, member.id)
        ):
            raise ConsultationError("not-in-audience")
        return consultation, member

    async def _save(
        self,
        session: AsyncSession,
        row: ConsultationAnswer,
        member: Member,
        options: Sequence[str],
        before: Any,
        request_key: str | None,
        now: datetime,
    ) -> MyAnswer:
        """Refresh the snapshot of who answered, write the answer and its audit entry."""
        row.association_codes = [a.code for a in member.associations]
        row.oblast_code = member.oblast_code
        row.role = member.role
        row.hromada_code = member.hromada_code
        row.hromada_text = member.hromada_text
        row.verified = member.verification == Verification.VERIFIED
        row.updated_at = now
        if request_key is not None:
            row.request_key = request_key
        await repo.save_answer(session, row, options)
        await add_event(
            session,
            AuditAction.CONSULTATION_ANSWERED,
            row.consultation_id,
            actor_id=member.telegram_id,
            before=None if before is None else {"choice": before},
            after={"choice": row.choice, "comment": row.comment is not None},
        )
        return answer_of(row)


async def _again_on_conflict(operation: Callable[[], Awaitable[T]]) -> T:
    try:
        return await operation()
    except IntegrityError:
        return await operation()


async def _count(session: AsyncSession, audience: Audience) -> int:
    return await broadcasts_repo.count_recipients(session, _condition(audience))


def _condition(audience: Audience) -> Any:
    """Who a consultation asks: the audience, unverified members and muted ones included."""
    return audience_condition(audience, urgent=True, unverified=True)


def _new_consultation(
    draft: ConsultationDraft, audience: Audience, author_telegram_id: int, author_name: str | None
) -> Consultation:
    document = draft.document
    return Consultation(
        author_telegram_id=author_telegram_id,
        author_name=author_name,
        title=clean_line(draft.title, maximum=TITLE_LIMIT),
        question_uk=draft.question_uk.strip(),
        question_en=(draft.question_en or "").strip() or None,
        document_kind=document.kind if document else None,
        document_file_id=document.file_id if document else None,
        document_name=document.name if document else None,
        kind=draft.kind,
        options=[{"uk": o.uk.strip(), "en": (o.en or "").strip() or None} for o in draft.options],
        max_choices=draft.max_choices if draft.kind == ConsultationKind.PRIORITIES else 1,
        audience=audience.as_json(),
        closes_at=draft.closes_at,
        answers_visible_to_staff=draft.answers_visible_to_staff,
        status=ConsultationStatus.OPEN,
    )


# The service and, for its callers, the rules and data objects it speaks in.
__all__ = [
    "COMMENT_LIMIT",
    "MAX_OPTIONS",
    "AnswerRow",
    "Breakdown",
    "CommentRow",
    "ConsultationClosed",
    "ConsultationDraft",
    "ConsultationError",
    "ConsultationService",
    "ConsultationView",
    "ConsultationViews",
    "Count",
    "DeskRow",
    "Document",
    "MyAnswer",
    "Option",
    "Position",
    "Renderer",
    "Results",
    "outcome_problems",
    "view_of",
]
