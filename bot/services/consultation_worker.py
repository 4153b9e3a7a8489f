"""The consultations' clock: every minute, in every process, the reminder a day before closing,
closing at `closes_at`, and the final summary posted to the staff group of each association
asked (the text, the chart and that group's spreadsheet).

Exactly once comes from the database, not from a single process. The reminder is a broadcast
whose id the consultation takes only while it has none, and closing a conditional update
(`ConsultationService.mark_reminder`, `close`): a second process's attempt changes nothing.
The summary, as digests are (`digests.py`): before it is posted to a group, a
`consultation_summaries` row (consultation, chat) is inserted as `claimed`; the unique key lets
one process or restart have it. After posting the row says `sent` or `failed`. A row left
`claimed` by a process that died is taken over after CLAIM_TIMEOUT by a compare-and-set on its
claim time, so a crash after the claim delays the summary, never loses it. Once every group's
row is settled the consultation is marked done (`claim_summary`) and leaves the list.

The honest limit: a process killed between Telegram accepting the summary and the row saying
`sent` makes that group get it a second time after the timeout (the Bot API cannot say whether
a message reached a chat). A group bound after the summary was settled does not get it; one
that refused it (the bot removed) is recorded `failed` with the error, not tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from bot.outage import WorkerBackoff, worker_holder
from bot.services.consultations import ConsultationService
from bot.services.run_outcome import NO_BOUND_GROUP, SendOutcome, outcome_of
from bot.services.staff_chats import BoundChat, StaffChatService
from storage.db import Database
from storage.models import ConsultationSummary, utcnow
from storage.repositories import consultations as repo

logger = logging.getLogger(__name__)

CHECK_INTERVAL = 60.0  # seconds between checks
CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this was left by a dead process


class SummaryPoster(Protocol):
    """Posts one consultation's final summary to one staff group (for the associations it
    serves that were asked); never raises for Telegram."""

    async def __call__(self, consultation_id: int, chat: BoundChat) -> SendOutcome: ...


@dataclass(frozen=True)
class SummaryResult:
    consultation_id: int
    chat_id: int
    run_id: int
    outcome: SendOutcome


@dataclass
class ConsultationWorker:
    """Reminders, closing and final summaries. `check()` does one pass; `run()` loops."""

    service: ConsultationService
    staff_chats: StaffChatService
    post: SummaryPoster
    association_codes: Sequence[str]  # every association: a consultation that asked them all
    interval: float = CHECK_INTERVAL
    holder: str = field(default_factory=worker_holder)
    clock: Callable[[], datetime] = utcnow
    outage_backoff: WorkerBackoff = field(
        default_factory=lambda: WorkerBackoff("consultation worker")
    )

    @property
    def db(self) -> Database:
        return self.service.db

    async def check(self) -> list[SummaryResult]:
        """One pass: summaries a dead process left claimed, reminders due, consultations due
        to close, then the summaries of every closed consultation not yet done."""
        now = self.clock()
        results = [await self._post(*taken) for taken in await self._stale(now)]
        for consultation_id in await self.service.due_reminders(now):
            reminder = await self.service.mark_reminder(consultation_id)
            if reminder is not None:
                logger.info("consultation %s: reminder %s written", consultation_id, reminder)
        for consultation_id in await self.service.due_closing(now):
            if await self.service.close(consultation_id):
                logger.info("consultation %s closed", consultation_id)
        for consultation_id in await self.service.due_summaries():
            results += await self._summaries(consultation_id)
        return results

    async def run(self) -> None:
        """Check at once (what came due while no process ran goes out on start), then every
        `interval` seconds."""
        logger.info("consultation worker started as %s", self.holder)
        await self.outage_backoff.repeat(
            self.check,
            self.interval,
            lambda error: logger.exception("consultation check failed"),
        )

    async def _summaries(self, consultation_id: int) -> list[SummaryResult]:
        """Post to every group not yet claimed; mark the summary done once all are settled."""
        consultation = await self.service.summary(consultation_id)
        asked = consultation.consultation.audience.associations or tuple(self.association_codes)
        chats = await self.staff_chats.chats_for(asked)
        results = []
        for chat in chats:
            run_id = await self._claim(consultation_id, chat.chat_id)
            if run_id is not None:
                results.append(await self._post(run_id, consultation_id, chat))
        async with self.db.transaction() as session:
            runs = await repo.summary_runs(session, consultation_id)
        settled = {run.chat_id for run in runs if run.status != "claimed"}
        if all(chat.chat_id in settled for chat in chats):
            if not chats:
                logger.warning(
                    "consultation %s: no staff group bound for %s, no summary posted",
                    consultation_id,
                    ", ".join(asked),
                )
            await self.service.claim_summary(consultation_id)
        return results

    async def _claim(self, consultation_id: int, chat_id: int) -> int | None:
        """Insert the group's summary as claimed; None when another process has it."""
        run = ConsultationSummary(
            consultation_id=consultation_id,
            chat_id=chat_id,
            status="claimed",
            claimed_by=self.holder,
            claimed_at=self.clock(),
        )
        try:
            async with self.db.transaction() as session:
                await repo.add_summary_run(session, run)
                return run.id
        except IntegrityError:
            return None

    async def _stale(self, now: datetime) -> list[tuple[int, int, BoundChat]]:
        """Summaries claimed by a process that did not finish them in CLAIM_TIMEOUT, now ours
        (a group no longer bound: recorded failed)."""
        async with self.db.transaction() as session:
            stale = await repo.stale_summary_claims(session, now - CLAIM_TIMEOUT)
        taken = []
        for run in stale:
            chat = await self.staff_chats.chat(run.chat_id)
            async with self.db.transaction() as session:
                if not await repo.take_over_summary(
                    session, run.id, run.claimed_at, self.holder, now
                ):
                    continue
                if chat is None:
                    unbound = SendOutcome(False, None, NO_BOUND_GROUP)
                    await repo.finish_summary(
                        session, run.id, sent_chat_id=None, **unbound.finished(now)
                    )
                    continue
            logger.warning("consultation summary %s taken over from %s", run.id, run.claimed_by)
            taken.append((run.id, run.consultation_id, chat))
        return taken

    async def _post(self, run_id: int, consultation_id: int, chat: BoundChat) -> SummaryResult:
        outcome = await outcome_of(
            lambda: self.post(consultation_id, chat),
            chat.chat_id,
            "consultation summary %s not made or posted",
            run_id,
            log=logger,
        )
        async with self.db.transaction() as session:
            await repo.finish_summary(
                session, run_id, sent_chat_id=outcome.chat_id, **outcome.finished(self.clock())
            )
        logger.info(
            "consultation %s summary to chat %s: %s",
            consultation_id,
            outcome.chat_id,
            outcome.described(),
        )
        return SummaryResult(consultation_id, chat.chat_id, run_id, outcome)
