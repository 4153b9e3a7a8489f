"""Consultations after they go out: the reminder a day before closing, closing (with the
closing broadcast that puts the "closed" marker in place of every answer button members got),
the final summary's claim, and the outcome published to everyone asked. Each is exactly once
across processes: see `consultations.py`'s opening. The worker (`consultation_worker.py`)
drives the first three."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcasts import (
    Audience,
    write_outbox,
)
from bot.services.consultation_results import ConsultationViews, existing_consultation, may_view
from bot.services.consultation_types import (
    REMINDER_LEAD,
    ConsultationError,
    Document,
    attachment_fields,
    outcome_problems,
    view_of,
)
from storage.models import (
    AuditAction,
    Broadcast,
    BroadcastPurpose,
    BroadcastStatus,
    Consultation,
    ConsultationStatus,
)
from storage.repositories import consultations as repo
from storage.repositories.audit import add_event


class ConsultationFollowUps(ConsultationViews):
    """The reminder, closing, the summary's claim and the outcome: each one transaction."""

    # ------------------------------------------------------------------ the worker

    async def due_reminders(self, now: datetime | None = None) -> list[int]:
        """Open consultations closing within REMINDER_LEAD that have had no reminder."""
        now = now or self.clock()
        async with self.db.transaction() as session:
            return await repo.due_reminders(session, now + REMINDER_LEAD, now)

    async def mark_reminder(self, consultation_id: int) -> int | None:
        """Write the reminder: a broadcast to those asked who have not answered (none may be
        left: then it is done at once). Returns its id; None when a reminder was written
        already (by this or another process) or the consultation closed."""
        now = self.clock()
        try:
            async with self.db.transaction() as session:
                consultation = await repo.get(session, consultation_id, for_update=True)
                if (
                    consultation is None
                    or consultation.reminder_broadcast_id is not None
                    or not view_of(consultation).is_open(now)
                ):
                    return None
                broadcast = await self._write_broadcast(
                    session,
                    consultation,
                    BroadcastPurpose.REMINDER,
                    repo.asked_filter(consultation, unanswered=True),
                    now,
                )
                if not await repo.claim_reminder(session, consultation.id, broadcast.id):
                    raise _Lost
                await _broadcast_written(
                    session, consultation, AuditAction.CONSULTATION_REMINDED, broadcast
                )
                return broadcast.id
        except (_Lost, IntegrityError):
            return None  # another process wrote it; theirs stands, ours rolled back

    async def due_closing(self, now: datetime | None = None) -> list[int]:
        """Open consultations whose closing time has come."""
        async with self.db.transaction() as session:
            return await repo.due_closing(session, now or self.clock())

    async def due_summaries(self) -> list[int]:
        """Closed consultations whose summary nobody has claimed yet (after a restart too)."""
        async with self.db.transaction() as session:
            return await repo.due_summaries(session)

    async def close(self, consultation_id: int, *, actor_telegram_id: int | None = None) -> bool:
        """Close it (the worker at `closes_at`, or staff early); True for the one call that
        did. Staff: the author, an admin, or staff of its associations. The same transaction
        writes the closing broadcast: one outbox row per member the question or the reminder
        reached, whose answer buttons the sender then replaces by the "closed" marker."""
        now = self.clock()
        async with self.db.transaction() as session:
            consultation = await existing_consultation(session, consultation_id)
            if actor_telegram_id is not None:
                rights = await self.staff.rights_in(session, actor_telegram_id)
                if not may_view(rights, consultation):
                    raise ConsultationError("not-allowed")
            closed = await repo.close(session, consultation.id, now)
            if closed:
                # Read again under our write: a reminder written meanwhile is in it now.
                consultation = await repo.get(session, consultation.id) or consultation
                closing = await self._write_broadcast(
                    session,
                    consultation,
                    BroadcastPurpose.CLOSING,
                    repo.shown_buttons_filter(consultation),
                    now,
                )
                await add_event(
                    session,
                    AuditAction.CONSULTATION_CLOSED,
                    consultation.id,
                    actor_id=actor_telegram_id,
                    after={
                        "early": now < consultation.closes_at,
                        "closing_broadcast_id": closing.id,
                        "buttons_closed": closing.recipients,
                    },
                )
            return closed

    async def claim_summary(self, consultation_id: int) -> bool:
        """Mark the final summary done (every staff group's post settled): True for the one
        caller, across processes and restarts, that did; it leaves `due_summaries` then."""
        async with self.db.transaction() as session:
            return await repo.claim_summary(session, consultation_id, self.clock())

    # ------------------------------------------------------------------ the outcome

    async def publish_outcome(
        self,
        actor_telegram_id: int,
        actor_name: str | None,
        consultation_id: int,
        text_uk: str,
        text_en: str | None = None,
        document: Document | None = None,
        *,
        request_key: str | None = None,
        progress_chat_id: int | None = None,
        progress_locale: str = "uk",
    ) -> int:
        """Send the consolidated position to everyone asked, once the consultation closed; the
        outcome broadcast's id. One outcome per consultation: a repeat (the same key, or a
        second outcome) returns the first one's id."""
        now = self.clock()
        async with self.db.transaction() as session:
            consultation = await existing_consultation(session, consultation_id, for_update=True)
            rights = await self.staff.rights_in(session, actor_telegram_id)
            if not may_view(rights, consultation):
                raise ConsultationError("not-allowed")
            if consultation.outcome_broadcast_id is not None:
                return consultation.outcome_broadcast_id
            if consultation.status != ConsultationStatus.CLOSED:
                raise ConsultationError("still-open")
            problems = outcome_problems(
                text_uk,
                text_en,
                document,
                Audience.from_json(consultation.audience),
                title=consultation.title,
            )
            if problems:
                raise problems[0]
            broadcast = await self._write_broadcast(
                session,
                consultation,
                BroadcastPurpose.OUTCOME,
                repo.asked_filter(consultation),
                now,
                author=(actor_telegram_id, actor_name),
                texts=(text_uk, text_en or None),
                document=document,
                progress=(progress_chat_id, progress_locale),
                request_key=request_key,
            )
            if not await repo.claim_outcome(session, consultation.id, broadcast.id):
                raise ConsultationError("finished")
            await _broadcast_written(
                session,
                consultation,
                AuditAction.CONSULTATION_OUTCOME,
                broadcast,
                actor_telegram_id,
            )
            return broadcast.id

    async def _write_broadcast(
        self,
        session: AsyncSession,
        consultation: Consultation,
        purpose: BroadcastPurpose,
        condition: Any,
        now: datetime,
        *,
        author: tuple[int, str | None] | None = None,
        texts: tuple[str, str | None] | None = None,
        document: Document | None = None,
        progress: tuple[int | None, str] = (None, "uk"),
        request_key: str | None = None,
        allow_empty: bool = True,
    ) -> Broadcast:
        """A broadcast of this consultation (the question itself, a reminder, the closing or the
        outcome), to those `condition` picks; a follow-up to nobody is kept, done at once (the
        question to nobody: BroadcastError("empty-audience"))."""
        author_id, author_name = author or (
            consultation.author_telegram_id,
            consultation.author_name,
        )
        text_uk, text_en = texts or (consultation.question_uk, consultation.question_en)
        return await write_outbox(
            session,
            Broadcast(
                author_telegram_id=author_id,
                author_name=author_name,
                text_uk=text_uk,
                text_en=text_en,
                **attachment_fields(document),
                urgent=False,
                audience=consultation.audience,
                status=BroadcastStatus.SENDING,
                created_at=now,
                progress_chat_id=progress[0],
                progress_locale=progress[1],
                purpose=purpose,
                consultation_id=consultation.id,
                request_key=request_key,
            ),
            condition,
            now,
            allow_empty=allow_empty,
        )


async def _broadcast_written(
    session: AsyncSession,
    consultation: Consultation,
    action: AuditAction,
    broadcast: Broadcast,
    actor_id: int | None = None,
) -> None:
    """The audit entry of a reminder or outcome: its broadcast and how many it goes to."""
    await add_event(
        session,
        action,
        consultation.id,
        actor_id=actor_id,
        after={"broadcast_id": broadcast.id, "recipients": broadcast.recipients},
    )


class _Lost(Exception):
    """Another process claimed the reminder first: this transaction rolls back."""
