"""The report service's shared core: the database, the rules, rights, retries on a concurrent
change, recording history entries (with their audit-log twins), request keys, and the index of
open reports for finding similar ones. The use cases build on it (report_filing,
report_actions, report_queries) and meet in ReportService (bot/services/reports.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from bot.services.filing_limits import UNLIMITED, FilingLimits
from bot.services.hromadas import HromadaDirectory, Oblast
from bot.services.members import InvalidInput
from bot.services.report_rules import ReportRules
from bot.services.report_types import (
    OPEN,
    Actor,
    ConcurrentChange,
    HistoryEntry,
    UnknownReport,
    _entry,
    _may_act,
)
from bot.services.staff import PermissionDenied, Rights, StaffGuarded
from bot.services.staff_chats import StaffChatService
from bot.services.text_search import FieldIndex
from storage.db import Database
from storage.models import Member, Report, ReportEvent, ReportEventKind, utcnow
from storage.repositories import members as members_repo
from storage.repositories import reports as repo
from storage.repositories.audit import add_event as add_audit_event

# Similar open reports: title words count double. A match must cover a fifth of what the query
# says (by word weight: scores alone mean little while only a few reports are open), and matches
# far below the best are noise.
SIMILAR_WEIGHTS = {"title": 2.0, "description": 1.0}
SIMILAR_MIN_COVERAGE = 0.2
SIMILAR_RELATIVE_CUTOFF = 0.35
# Each process keeps its own index; one older than this is refreshed from the rows changed
# since, so reports submitted or closed by another process show up (or drop out) within it.
INDEX_MAX_AGE = 30.0
# Rows changed this long before the last refresh are read again, in case of clock skew between
# processes or a transaction that committed late.
INDEX_OVERLAP_SECONDS = 120
RETRIES = 3

T = TypeVar("T")


# ----------------------------------------------------------------------------- similar index


class _SimilarIndex:
    """Open reports' titles and descriptions, kept in this process and refreshed from the
    database when older than `max_age` seconds (other processes submit and close reports too)."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self.index: FieldIndex | None = None
        self.refreshed_at = 0.0  # time.monotonic() of the last refresh
        self.synced_to: datetime | None = None  # database rows read up to this time
        self.lock = asyncio.Lock()

    def put(self, report_id: int, title: str, description: str) -> None:
        if self.index is not None:
            self.index.add(str(report_id), {"title": title, "description": description})

    def drop(self, report_id: int) -> None:
        if self.index is not None:
            self.index.remove(str(report_id))

    async def fresh(self, db: Database) -> FieldIndex:
        async with self.lock:
            if self.index is not None and time.monotonic() - self.refreshed_at < self.max_age:
                return self.index
            started = utcnow()
            since = None
            if self.index is not None and self.synced_to is not None:
                since = self.synced_to - timedelta(seconds=INDEX_OVERLAP_SECONDS)
            async with db.transaction() as session:
                rows = await repo.changed_since(session, since)
            index = self.index if self.index is not None else FieldIndex(SIMILAR_WEIGHTS)
            for report_id, status, title, description in rows:
                if status in OPEN:
                    index.add(str(report_id), {"title": title, "description": description})
                else:
                    index.remove(str(report_id))
            self.index, self.synced_to, self.refreshed_at = index, started, time.monotonic()
            return index


async def existing_report(session: AsyncSession, report_id: int) -> Report:
    """The report; UnknownReport when there is none."""
    report = await repo.get_report(session, report_id)
    if report is None:
        raise UnknownReport(report_id)
    return report


# ----------------------------------------------------------------------------- the core


class ReportBase(StaffGuarded):
    """What every report use case shares; see ReportService for the use cases."""

    def __init__(
        self,
        db: Database,
        rules: ReportRules,
        admin_ids: frozenset[int] = frozenset(),
        *,
        timezone: str = "Europe/Kyiv",
        index_max_age: float = INDEX_MAX_AGE,
        limits: FilingLimits = UNLIMITED,
        oblasts: Sequence[Oblast] = (),
        staff_chats: StaffChatService | None = None,
    ) -> None:
        super().__init__(db, admin_ids)
        self.rules = rules
        self.oblasts = {oblast.code: oblast for oblast in oblasts}  # named on cards
        self.places = HromadaDirectory(db, list(oblasts))  # members' places, named on cards
        # The groups its cards go to: a migrated group's binding follows through it.
        self.staff_chats = staff_chats or StaffChatService(db, admin_ids)
        self.limits = limits  # reports per member in 24 hours
        self.timezone = ZoneInfo(timezone)  # the year of a reference number is the local one
        self._similar = _SimilarIndex(index_max_age)

    async def _retrying(self, operation: Callable[[], Awaitable[T]]) -> T:
        for _ in range(RETRIES):
            try:
                return await operation()
            except StaleDataError:
                continue
        raise ConcurrentChange

    async def _record(
        self,
        session: AsyncSession,
        report: Report,
        actor: Actor,
        kind: ReportEventKind,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        *,
        text: str | None = None,
        request_key: str | None = None,
    ) -> HistoryEntry:
        """A history entry of the report, public or not as its kind says, and its audit-log twin
        (which never holds the text)."""
        event = await repo.add_event(
            session,
            ReportEvent(
                report_id=report.id,
                at=utcnow(),
                actor_telegram_id=actor.telegram_id,
                actor_name=actor.name,
                kind=kind,
                public=kind.public,
                before=before,
                after=after,
                text=text,
                request_key=request_key,
            ),
        )
        await add_audit_event(
            session,
            kind.action,
            report.id,
            actor_id=actor.telegram_id,
            before=before,
            after={**(after or {}), "event_id": event.id},
        )
        return _entry(event)

    async def _keyed_event(
        self, session: AsyncSession, request_key: str | None, actor_telegram_id: int
    ) -> ReportEvent | None:
        """The history entry this person recorded with this key, if any."""
        if request_key is None:
            return None
        event = await repo.event_by_request_key(session, request_key)
        if event is None or event.actor_telegram_id != actor_telegram_id:
            return None  # a key is its author's own; someone else's never shows theirs
        return event

    async def _message_result(
        self, session: AsyncSession, request_key: str, telegram_id: int
    ) -> HistoryEntry | None:
        event = await self._keyed_event(session, request_key, telegram_id)
        return None if event is None else _entry(event, repeated=True)

    async def _report_and_member(
        self, session: AsyncSession, report_id: int, telegram_id: int
    ) -> tuple[Report, Member]:
        report = await existing_report(session, report_id)
        member = await members_repo.get_by_telegram_id(session, telegram_id)
        if member is None or member.registered_at is None:
            raise InvalidInput("not-registered")
        return report, member

    async def _staff_report(
        self, session: AsyncSession, report_id: int, rights: Rights
    ) -> tuple[Report, list[str]]:
        report = await existing_report(session, report_id)
        codes = await repo.route_codes(session, report.id)
        if not _may_act(rights, codes, report.joint):
            raise PermissionDenied
        return report, codes
