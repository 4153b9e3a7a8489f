"""The broadcast sender: works through the delivery outbox at a global rate, one message per
second per chat, and settles each row exactly once.

Exactly once: a row is reserved for one of this sender's next slots (PENDING -> CLAIMED, a
tenth of a second ahead), marked SENDING and committed right before its own HTTP call, and
settled right after. A row found CLAIMED under a holder whose lease is gone was never sent and
goes back to PENDING; one found SENDING may or may not have reached Telegram, and the Bot API
cannot tell which (no call looks up a message in a user's chat), so it becomes UNCERTAIN and is
never sent again.

Several processes: one sender at a time holds the "broadcast-sender" lease (renewed every few
seconds, taken over once it expires); claims lock rows with FOR UPDATE SKIP LOCKED on
PostgreSQL, so even two senders working at once never claim the same row."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.content import AssociationInfo
from bot.i18n import Translations
from bot.metrics import OUTBOX_SENT
from bot.observability import BotApiMetrics
from bot.outage import WorkerBackoff, worker_holder
from bot.response_models import KeepResponseModels
from bot.services.broadcasts import (
    BroadcastService,
    NewsItem,
)
from bot.services.consultations import ConsultationView
from delivery.announcements import send_announcement
from delivery.broadcast_contents import BroadcastContents
from delivery.consultations import mark_closed, send_consultation
from delivery.leases import holder_is_gone
from delivery.pacing import Clock, Pacer, RealClock
from delivery.progress import ProgressReporter
from storage.db import Database
from storage.models import BroadcastPurpose, DeliveryStatus
from storage.repositories import broadcasts as repo
from storage.repositories import consultations as consultations_repo

logger = logging.getLogger(__name__)

LEASE_NAME = "broadcast-sender"
UNAUTHORIZED_PAUSE = 60.0  # seconds everything waits after a 401

# The `result` label of hromada_outbox_sent for each way a delivery is settled.
_SETTLED_AS = {
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.UNREACHABLE: "blocked",
    DeliveryStatus.FAILED: "failed",
}


def create_sender_bot(token: str, api_url: str) -> Bot:
    """A Bot of its own for the sender, without the app's RetryMiddleware: the outbox decides
    about retries, and a hidden retry inside one send would break the exactly-once record."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url), limit=200)
    session.middleware(KeepResponseModels())
    session.middleware(BotApiMetrics())
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


@dataclass
class SenderStats:
    """What this sender did, for logs, tests and the benchmark."""

    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    retried: int = 0
    too_many: int = 0
    uncertain_marked: int = 0
    ambiguous: int = 0
    claims: int = 0
    progress_edits: int = 0
    # (monotonic time, chat id) of the latest sends started, for tests and the benchmark
    send_started: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=20_000))


@dataclass(frozen=True)
class _Outcome:
    status: DeliveryStatus | None  # None: back to PENDING
    message_id: int | None = None
    error: str | None = None
    retry_at: float | None = None  # monotonic, when status is None
    refund: bool = False
    unreachable: bool = False


class BroadcastSender:
    """Sends the outbox; `run()` until `stop()`, or `run_once()` step by step in tests."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        translations: Translations,
        associations: Sequence[AssociationInfo],
        *,
        rate: float = 25.0,
        per_chat_interval: float = 1.0,
        max_in_flight: int | None = None,
        max_attempts: int = 5,
        backoff: float = 2.0,
        backoff_cap: float = 300.0,
        lease_ttl: float = 30.0,
        lease_renew: float = 5.0,
        progress_interval: float = 4.0,
        request_timeout: int = 20,
        lookahead: float = 0.1,
        idle_poll: float = 0.5,
        use_lease: bool = True,
        holder: str | None = None,
        clock: Clock | None = None,
        admin_ids: frozenset[int] = frozenset(),
        outage_backoff: WorkerBackoff | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("the broadcast rate must be positive")
        self.bot = bot
        self.db = db
        self.translations = translations
        self.associations = list(associations)
        self.rate = rate
        self.per_chat_interval = per_chat_interval
        self.max_in_flight = max_in_flight or max(8, math.ceil(rate * 2))
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.lease_ttl = timedelta(seconds=lease_ttl)
        self.lease_renew = lease_renew
        self.request_timeout = request_timeout
        self.lookahead = lookahead
        self.use_lease = use_lease
        self.holder = holder or worker_holder()
        self.clock: Clock = clock or RealClock()
        self.service = BroadcastService(db, admin_ids, clock=self.clock.now)
        self.progress = ProgressReporter(
            bot,
            db,
            translations,
            self.service,
            self.clock,
            interval=progress_interval,
            request_timeout=request_timeout,
            on_edit=self._progress_edited,
        )
        self.pacer = Pacer(rate)
        self.stats = SenderStats()
        self._started: collections.deque[float] = collections.deque()  # last second's sends
        self._chat_free_at: dict[int, float] = {}
        self.contents = BroadcastContents()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._has_lease = False
        self._lease_checked = -math.inf
        self._stopping = asyncio.Event()
        self.idle_poll = idle_poll
        self.outage_backoff = outage_backoff or WorkerBackoff("broadcast sender")
        # When nothing was due, the outbox is looked at again only after `idle_poll`.
        self._quiet_until = -math.inf

    # ------------------------------------------------------------------ running

    async def run(self) -> None:
        """Send until `stop()`; errors of one step are logged and the loop goes on."""
        logger.info("broadcast sender %s started at %.1f/s", self.holder, self.rate)
        try:
            while not self._stopping.is_set():
                try:
                    await self.run_once()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    # The database unreachable: logged once, retried less and less often.
                    pause = self.outage_backoff.failed(error)
                    if pause is None:
                        logger.exception("broadcast sender step failed")
                    await self._pause(pause or 1.0)
                    continue
                self.outage_backoff.succeeded()
                await self._pause(self._idle_delay())
        finally:
            await self.drain()
            await self._release()
            logger.info("broadcast sender %s stopped", self.holder)

    async def stop(self) -> None:
        """Claim nothing more; `run()` returns once the sends in flight are settled."""
        self._stopping.set()

    async def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def _idle_delay(self) -> float:
        if not self._has_lease:
            return min(self.lease_renew, self.lease_ttl.total_seconds() / 3)
        now = self.clock.monotonic()
        if len(self._in_flight) >= self.max_in_flight:
            return 0.05
        start = max(self.pacer.next_slot, self.pacer.hold_until, self._quiet_until)
        return min(max(start - now - self.lookahead / 2, 0.02), self.idle_poll)

    async def run_once(self) -> int:
        """One step: hold the lease, resolve orphans, claim what the rate allows and start
        sending it, post progress. Returns how many rows were claimed."""
        if not await self._ensure_lease():
            return 0
        claimed = await self._claim_and_send()
        await self.progress.step()
        return claimed

    async def drain(self) -> None:
        """Wait for every send in flight to be settled."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def run_until_idle(self, *, max_steps: int = 100_000) -> None:
        """Tests and benchmarks: step and drain until no row is due (rows waiting for a later
        attempt are waited for on the clock)."""
        for _ in range(max_steps):
            self._quiet_until = -math.inf
            claimed = await self.run_once()
            await self.drain()
            if claimed:
                continue
            await self.progress.step(force=True)
            due = await self._next_due()
            if due is None:
                return
            wait = max(
                (due - self.clock.now()).total_seconds(),
                self.pacer.hold_until - self.clock.monotonic(),
                0.01,
            )
            await self.clock.sleep(wait)
        raise RuntimeError("the outbox did not empty")

    # ------------------------------------------------------------------ the lease

    async def _ensure_lease(self) -> bool:
        if not self.use_lease:
            return True
        mono = self.clock.monotonic()
        if self._has_lease and mono - self._lease_checked < self.lease_renew:
            return True
        now = self.clock.now()
        async with self.db.transaction() as session:
            previous = await repo.acquire_lease(
                session, LEASE_NAME, self.holder, now, self.lease_ttl, holder_is_gone=holder_is_gone
            )
            taken_over = previous is not None and previous != self.holder
            orphans = 0
            if taken_over:
                orphans = await repo.orphans_to_uncertain(session, self.holder, now)
        had = self._has_lease
        self._has_lease = previous is not None
        self._lease_checked = mono
        if taken_over:
            self.stats.uncertain_marked += orphans
            logger.info(
                "broadcast sender %s took the lease from %r; %d rows in flight marked uncertain",
                self.holder,
                previous or None,
                orphans,
            )
        elif had and not self._has_lease:
            logger.warning("broadcast sender %s lost its lease", self.holder)
        return self._has_lease

    async def _release(self) -> None:
        if not (self.use_lease and self._has_lease):
            return
        try:
            async with self.db.transaction() as session:
                await repo.release_lease(session, LEASE_NAME, self.holder, self.clock.now())
        except Exception:
            logger.exception("broadcast sender could not release its lease")
        self._has_lease = False

    # ------------------------------------------------------------------ claiming and sending

    async def _claim_and_send(self) -> int:
        mono = self.clock.monotonic()
        room = self.max_in_flight - len(self._in_flight)
        wanted = min(room, self.pacer.free_slots(mono, self.lookahead))
        if wanted <= 0 or mono < self._quiet_until:
            return 0
        chosen = await self._claim(wanted)
        if not chosen:
            self._quiet_until = mono + self.idle_poll
        # Reserved: each send starts at its slot of the global rate, recording its intent first.
        for row in chosen:
            slot = self.pacer.take(self.clock.monotonic())
            self._chat_free_at[row.chat_id] = slot + self.per_chat_interval
            task = asyncio.create_task(self._deliver(row, slot))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(chosen)

    async def _claim(self, wanted: int) -> list[repo.ClaimedRow]:
        """Reserve up to `wanted` due rows under our id (CLAIMED) and commit."""
        mono = self.clock.monotonic()
        now = self.clock.now()
        self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > mono}
        busy = list(self._chat_free_at)
        async with self.db.transaction() as session:
            if self.use_lease and not await repo.renew_lease(
                session, LEASE_NAME, self.holder, now, self.lease_ttl
            ):
                self._has_lease = False
                return []
            rows = await repo.due_rows(session, now, wanted * 2, busy)
            chosen: list[repo.ClaimedRow] = []
            chats: set[int] = set()
            for row in rows:
                # Two announcements to one member in one batch: the second waits its turn.
                if row.chat_id in chats:
                    continue
                chats.add(row.chat_id)
                chosen.append(row)
                if len(chosen) >= wanted:
                    break
            marked = await repo.reserve(session, [row.id for row in chosen], self.holder, now)
            chosen = [row for row in chosen if row.id in marked]
            await self.contents.load(session, {row.broadcast_id for row in chosen})
        self._lease_checked = mono
        self.stats.claims += len(chosen)
        return chosen

    async def _deliver(self, row: repo.ClaimedRow, slot: float) -> None:
        delay = slot - self.clock.monotonic()
        if delay > 0:
            await self.clock.sleep(delay)
        if not await self._record_intent(row):
            return
        await self._admit()
        outcome = await self._send(row)
        try:
            await self._settle(row, outcome)
        except Exception:
            # The row stays SENDING under our id; if this process dies it becomes UNCERTAIN.
            logger.exception("broadcast delivery %s: the result could not be recorded", row.id)

    async def _admit(self) -> None:
        """However late the slots came due (a loop starved of CPU, intents waiting for the
        database), no more sends start within any one second than the rate and its burst
        allow: sends held up together would otherwise leave together and meet Telegram's
        global limit."""
        limit = max(1, int(self.pacer.current_rate + Pacer.BURST))
        while True:
            now = self.clock.monotonic()
            while self._started and self._started[0] <= now - 1.0:
                self._started.popleft()
            if len(self._started) < limit:
                self._started.append(now)
                return
            await self.clock.sleep(self._started[0] + 1.0 - now)

    async def _record_intent(self, row: repo.ClaimedRow) -> bool:
        """Commit SENDING right before the HTTP call; False when the row is not to be sent
        (cancelled meanwhile, or the database failed: then it goes back to PENDING)."""
        try:
            async with self.db.transaction() as session:
                return await repo.mark_sending(session, row.id, self.holder, self.clock.now())
        except Exception:
            logger.exception("broadcast delivery %s: the intent could not be recorded", row.id)
            with contextlib.suppress(Exception):
                async with self.db.transaction() as session:
                    await repo.release(session, row.id, self.holder)
            return False

    async def _send(self, row: repo.ClaimedRow) -> _Outcome:
        item = self.contents.items[row.broadcast_id]
        self.stats.send_started.append((self.clock.monotonic(), row.chat_id))
        try:
            message_id = await self._send_item(row, item)
        except TelegramRetryAfter as error:
            return self._too_many(row, float(error.retry_after))
        except TelegramForbiddenError as error:
            return _Outcome(DeliveryStatus.UNREACHABLE, error=_short(error), unreachable=True)
        except TelegramBadRequest as error:
            if "chat not found" in error.message.lower():
                return _Outcome(DeliveryStatus.UNREACHABLE, error=_short(error), unreachable=True)
            # Any other 400 (a file id Telegram no longer knows, say) fails the same way again.
            return _Outcome(DeliveryStatus.FAILED, error=_short(error))
        except TelegramNetworkError as error:
            if (
                isinstance(error.__cause__, aiohttp.ClientConnectorError)
                or item.purpose == BroadcastPurpose.CLOSING
            ):
                # Nothing reached Telegram, or only the "closed" marker, which put twice is
                # still put once: safe to try again.
                return self._retry(row, error)
            # A timeout or a dropped connection after the request went out: Telegram may have
            # delivered it, and trying again could deliver it twice.
            self.stats.ambiguous += 1
            return _Outcome(DeliveryStatus.UNCERTAIN, error=_short(error))
        except TelegramUnauthorizedError as error:
            # The token was revoked: no row is at fault. Everything waits; nothing is used up.
            logger.error("broadcast sender: the Bot API refuses the token; waiting a minute")
            hold = self.clock.monotonic() + UNAUTHORIZED_PAUSE
            self.pacer.hold_until = max(self.pacer.hold_until, hold)
            return _Outcome(None, error=_short(error), retry_at=hold, refund=True)
        except (TelegramServerError, TelegramNotFound) as error:
            return self._retry(row, error)
        except TelegramAPIError as error:
            return self._retry(row, error)
        return _Outcome(DeliveryStatus.SENT, message_id=message_id)

    async def _send_item(self, row: repo.ClaimedRow, item: NewsItem) -> int | None:
        """A consultation's question or reminder with its answer buttons, its closing as the
        "closed" marker put on them; anything else (an announcement, a consultation's outcome)
        as an announcement. The id of the message sent (or of the first one marked)."""
        consultation = self.contents.consultations.get(row.broadcast_id)
        if item.purpose == BroadcastPurpose.CLOSING:
            return None if consultation is None else await self._mark_closed(row, consultation)
        if consultation is not None:
            now = self.clock.now()
            reminder = item.purpose == BroadcastPurpose.REMINDER
            message = await send_consultation(
                self.bot,
                row.chat_id,
                consultation,
                row.locale,
                self.translations,
                reminder_at=now if reminder else None,
                now=now,
                request_timeout=self.request_timeout,
            )
        else:
            message = await send_announcement(
                self.bot,
                row.chat_id,
                item,
                row.locale,
                self.translations,
                self.associations,
                request_timeout=self.request_timeout,
            )
        return message.message_id

    async def _mark_closed(
        self, row: repo.ClaimedRow, consultation: ConsultationView
    ) -> int | None:
        """The "closed" marker on each message that carried the answer buttons to this member
        (the question, the reminder), in their language; the first one's id. Messages with
        nothing left to edit count as done. A second message waits for a slot of its own, of
        the global pace and of the chat's."""
        async with self.db.transaction() as session:
            shown = await consultations_repo.button_messages(
                session, (consultation.broadcast_id, consultation.reminder_broadcast_id), row.id
            )
        for index, (chat_id, message_id) in enumerate(shown):
            if index:
                await self._another_slot(chat_id)
            await mark_closed(
                self.bot,
                chat_id,
                message_id,
                consultation.id,
                row.locale,
                self.translations,
                request_timeout=self.request_timeout,
            )
        return shown[0][1] if shown else None

    async def _another_slot(self, chat_id: int) -> None:
        """Wait for one more call's slot within a send: the global pace's and the chat's."""
        mono = self.clock.monotonic()
        slot = max(self.pacer.take(mono), self._chat_free_at.get(chat_id, mono))
        self._chat_free_at[chat_id] = slot + self.per_chat_interval
        if slot > mono:
            await self.clock.sleep(slot - mono)
        await self._admit()

    def _too_many(self, row: repo.ClaimedRow, retry_after: float) -> _Outcome:
        mono = self.clock.monotonic()
        self.stats.too_many += 1
        if self.pacer.too_many(mono, row.chat_id, retry_after):
            logger.warning(
                "broadcast sender: 429s from several chats, global rate lowered to %.1f/s",
                self.pacer.current_rate,
            )
        self._chat_free_at[row.chat_id] = max(
            self._chat_free_at.get(row.chat_id, 0.0), mono + retry_after
        )
        return _Outcome(None, error="429", retry_at=mono + retry_after, refund=True)

    def _retry(self, row: repo.ClaimedRow, error: Exception) -> _Outcome:
        if row.attempts + 1 >= self.max_attempts:
            return _Outcome(DeliveryStatus.FAILED, error=_short(error))
        delay = min(self.backoff * 2**row.attempts, self.backoff_cap)
        return _Outcome(None, error=_short(error), retry_at=self.clock.monotonic() + delay)

    async def _settle(self, row: repo.ClaimedRow, outcome: _Outcome) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            if outcome.status is None:
                assert outcome.retry_at is not None
                wait = max(outcome.retry_at - self.clock.monotonic(), 0.0)
                postponed = await repo.postpone(
                    session,
                    row.id,
                    self.holder,
                    now + timedelta(seconds=wait),
                    error=outcome.error,
                    refund_attempt=outcome.refund,
                )
                if not postponed:
                    # We lost the lease while waiting and the row was marked UNCERTAIN; its
                    # broadcast may be closed already. It certainly did not go out: FAILED.
                    await repo.settle(
                        session,
                        row.id,
                        self.holder,
                        DeliveryStatus.FAILED,
                        now,
                        error=outcome.error,
                    )
            else:
                await repo.settle(
                    session,
                    row.id,
                    self.holder,
                    outcome.status,
                    now,
                    message_id=outcome.message_id,
                    error=outcome.error,
                )
                if outcome.unreachable:
                    member_id = await repo.member_of_row(session, row.id)
                    if member_id is not None:
                        await repo.mark_member_unreachable(session, member_id)
        if outcome.status is not None:
            OUTBOX_SENT.labels(result=_SETTLED_AS.get(outcome.status, "failed")).inc()
        if outcome.status is None:
            if not outcome.refund:
                self.stats.retried += 1
        elif outcome.status == DeliveryStatus.SENT:
            self.stats.sent += 1
        elif outcome.status == DeliveryStatus.UNREACHABLE:
            self.stats.unreachable += 1
        elif outcome.status == DeliveryStatus.FAILED:
            self.stats.failed += 1

    async def _next_due(self) -> datetime | None:
        async with self.db.transaction() as session:
            return await repo.next_due(session)

    # ------------------------------------------------------------------ progress

    def _progress_edited(self, chat_id: int, mono: float) -> None:
        """The author's chat had a message just now; it takes part in the global pace too."""
        self.stats.progress_edits += 1
        self.pacer.take(mono)
        self._chat_free_at[chat_id] = max(
            self._chat_free_at.get(chat_id, 0.0), mono + self.per_chat_interval
        )


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:200]
