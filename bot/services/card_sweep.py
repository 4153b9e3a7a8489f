"""The cards sweep: posts the staff-group cards of reports, questions and verifications that the
normal path did not (the process died after the commit, Telegram was down longer than the
retries, the group was unreachable), and records each in the card table and in the record's
history ("posted by the sweep").

Once: a card is due only when the normal path would have posted it more than `grace` ago (five
minutes: longer than the normal path's own send with its retries, so it is never raced), and is
looked for again right before it is sent. One sweeper at a time holds the "card-sweeper" lease
(the broadcast sender's mechanism), renewed before each card, so two processes never post the
same card. Honest limit: a card Telegram accepted whose row was not recorded (the process died
between the two, or the lease expired while a send hung for longer than `lease_ttl`) is posted
again by the next sweep; the Bot API cannot tell whether a message reached a group.

Pace: at most `per_chat` cards per group per sweep (Telegram allows a bot about 20 messages a
minute in one group); a group that refuses a card is left alone for a while, doubling up to an
hour, so an unreachable group is not hammered. This module knows nothing of Telegram: the
`CardPoster` it is given renders and sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.metrics import CARDS_PENDING, CARDS_SWEPT
from bot.outage import WorkerBackoff, worker_holder
from storage.db import Database
from storage.models import utcnow
from storage.repositories import broadcasts as leases
from storage.repositories import card_sweep as repo
from storage.repositories.card_sweep import CardKind, MissingCard

logger = logging.getLogger(__name__)

LEASE_NAME = "card-sweeper"
INTERVAL = 60.0  # seconds between sweeps
GRACE = timedelta(minutes=5)
# Longer than one card's send can take (aiogram's 60 s timeout, three attempts, backoff).
LEASE_TTL = timedelta(minutes=5)
PER_CHAT = 10
CHAT_PAUSE_MAX = timedelta(hours=1)

__all__ = ["CardKind", "CardPoster", "CardSweeper", "MissingCard", "PostedCard", "SweepResult"]


@dataclass(frozen=True)
class PostedCard:
    """Where a card went: the group's chat id (a supergroup's new id after a migration)."""

    chat_id: int
    message_id: int


class CardPoster(Protocol):
    """Renders and sends one card the way the normal path does."""

    async def post(self, card: MissingCard) -> PostedCard | None:
        """The card as sent; None when the group refused it or the record is gone."""
        ...


@dataclass(frozen=True)
class SweepResult:
    """What one sweep found due and posted, by kind."""

    found: dict[str, int]
    posted: dict[str, int]

    @property
    def posted_total(self) -> int:
        return sum(self.posted.values())


@dataclass(eq=False)
class CardSweeper:
    """Sweeps for missing cards every `interval` seconds. `sweep()` is one pass (None when
    another process holds the lease); `run()` loops until `stop()` or cancelled."""

    db: Database
    poster: CardPoster
    _: KW_ONLY
    interval: float = INTERVAL
    grace: timedelta = GRACE
    lease_ttl: timedelta = LEASE_TTL
    per_chat: int = PER_CHAT
    holder: str = field(default_factory=worker_holder)
    holder_is_gone: Callable[[str], bool] | None = None
    clock: Callable[[], datetime] = utcnow
    _stopping: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    # A group that refused a card: when to try it again, and how many refusals in a row.
    _chat_paused: dict[int, tuple[datetime, int]] = field(
        default_factory=dict, init=False, repr=False
    )

    async def run(self) -> None:
        """Sweep until stopped; a failed sweep is logged and the next one comes as usual."""
        logger.info("card sweeper %s started, every %.0fs", self.holder, self.interval)
        # The database out of reach: logged once per outage (bot/outage.py), sooner retries.
        backoff = WorkerBackoff("card sweeper")
        while not self._stopping.is_set():
            pause = self.interval
            try:
                await self.sweep()
                backoff.succeeded()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                outage_pause = backoff.failed(error)
                if outage_pause is None:
                    # Only the type: an SQL error's text may carry the values it was given.
                    logger.error("card sweep failed: %s", type(error).__name__)
                else:
                    pause = min(self.interval, outage_pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=pause)
        logger.info("card sweeper %s stopped", self.holder)

    def stop(self) -> None:
        """Post no further card; `run()` returns after the one in flight is recorded."""
        self._stopping.set()

    async def sweep(self) -> SweepResult | None:
        """Post every missing card that is due, within the per-group pace."""
        if not await self._lease(acquire=True):
            return None
        try:
            return await self._sweep()
        finally:
            with contextlib.suppress(Exception):
                async with self.db.transaction() as session:
                    await leases.release_lease(session, LEASE_NAME, self.holder, self.clock())

    async def _sweep(self) -> SweepResult:
        async with self.db.transaction() as session:
            due = await repo.missing_cards(session, self.clock() - self.grace)
        found = Counter(card.kind.value for card in due)
        posted: Counter[str] = Counter()
        self._show_pending(found, posted)
        sent_to: Counter[int] = Counter()
        for card in due:
            if self._stopping.is_set():
                break
            if sent_to[card.chat_id] >= self.per_chat or self._paused(card.chat_id):
                continue
            if not await self._lease(acquire=False):
                logger.warning("card sweeper %s lost its lease mid-sweep", self.holder)
                break
            if await self._post(card):
                posted[card.kind.value] += 1
                sent_to[card.chat_id] += 1
                self._show_pending(found, posted)
        if due:
            logger.info(
                "card sweep: %d due, %d posted (%s)",
                len(due),
                sum(posted.values()),
                ", ".join(f"{kind} {count}" for kind, count in sorted(posted.items())) or "none",
            )
        return SweepResult(dict(found), dict(posted))

    async def _post(self, card: MissingCard) -> bool:
        # Looked for again just before sending: the normal path (or a staff action) may have
        # posted it since the sweep began, or the record may no longer need one.
        async with self.db.transaction() as session:
            still = await repo.missing_cards(
                session, self.clock() - self.grace, kind=card.kind, record_id=card.record_id
            )
        if not any(other.chat_id == card.chat_id for other in still):
            return False
        try:
            sent = await self.poster.post(card)
        except Exception:
            logger.exception("%s %s: sweep card for chat %s failed", *_names(card))
            sent = None
        if sent is None:
            self._pause(card.chat_id)
            return False
        self._chat_paused.pop(card.chat_id, None)
        async with self.db.transaction() as session:
            await repo.record_swept(session, card, sent.chat_id, sent.message_id)
        CARDS_SWEPT.labels(kind=card.kind.value).inc()
        logger.info("%s %s: card posted to chat %s by the sweep", *_names(card))
        return True

    def _show_pending(self, found: Counter[str], posted: Counter[str]) -> None:
        for kind in CardKind:
            CARDS_PENDING.labels(kind=kind.value).set(found[kind.value] - posted[kind.value])

    def _paused(self, chat_id: int) -> bool:
        paused = self._chat_paused.get(chat_id)
        return paused is not None and paused[0] > self.clock()

    def _pause(self, chat_id: int) -> None:
        _, refusals = self._chat_paused.get(chat_id, (self.clock(), 0))
        wait = min(timedelta(seconds=self.interval) * 2**refusals, CHAT_PAUSE_MAX)
        self._chat_paused[chat_id] = (self.clock() + wait, refusals + 1)

    async def _lease(self, *, acquire: bool) -> bool:
        now = self.clock()
        async with self.db.transaction() as session:
            if acquire:
                previous = await leases.acquire_lease(
                    session,
                    LEASE_NAME,
                    self.holder,
                    now,
                    self.lease_ttl,
                    holder_is_gone=self.holder_is_gone,
                )
                if previous and previous != self.holder:
                    logger.info("card sweeper %s took the lease from %r", self.holder, previous)
                return previous is not None
            return await leases.renew_lease(session, LEASE_NAME, self.holder, now, self.lease_ttl)


def _names(card: MissingCard) -> tuple[str, int, int]:
    return card.kind.value, card.record_id, card.chat_id
