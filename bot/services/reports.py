"""Urgent-issue reports: drafts, submission with a reference number, similar open reports,
co-signing, the staff actions on a report, the staff queue and the members' view.

Status rules: new → in progress → escalated (to the national level) → resolved; in progress may
also be resolved directly; any open report may be declined, with a reason; merging closes a
report into another open one. Resolved, declined and merged reports are closed: nothing changes
their status again, and `resolved_at` records when they were closed. A report's response
deadline is met by its first public answer from staff (a reply or a status change); an open
report without one past its deadline is overdue.

Rights: staff of any association the report was routed to, staff of any association once the
report is joint, and admins; every staff action checks them again.

Nothing is deleted but the member's unfinished draft: co-signers withdraw by a date, reports
close by status, and every change is a row of the report's history and of the audit log.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload
from sqlalchemy.orm.exc import StaleDataError

from bot.services.filing_limits import UNLIMITED, WINDOW, FilingLimits
from bot.services.members import InvalidInput
from bot.services.report_rules import ReportRules
from bot.services.staff import PermissionDenied, Rights, StaffService
from bot.services.staff_chats import BoundChat, group_bindings
from bot.services.text_input import (
    ascii_digits,
    clean_block,
    clean_line,
    parse_int,
    strip_format,
)
from bot.services.text_search import FieldIndex
from storage.db import Database
from storage.models import (
    OPEN_REPORT_STATUSES,
    Member,
    Report,
    ReportAttachment,
    ReportCard,
    ReportEvent,
    ReportStatus,
    ReportSupporter,
    Verification,
    utcnow,
)
from storage.repositories import associations as associations_repo
from storage.repositories import filing as filing_repo
from storage.repositories import members as members_repo
from storage.repositories import questions as questions_repo
from storage.repositories import reports as repo
from storage.repositories.audit import add_event as add_audit_event

TITLE_MAX = 120
DESCRIPTION_MAX = 3000
ATTACHMENTS_MAX = 10
MESSAGE_MAX = 4000  # a reply, a note, a reporter's answer
COMMENT_MAX = 1000  # a decline reason, a position comment
RESIDENTS_MAX = 10_000_000
NAME_MAX = 200
AFFECTED_GROUPS = ("women", "men", "children", "older", "disabled", "idp", "veterans")
ATTACHMENT_KINDS = ("photo", "document")
POSITIONS = ("supports", "neutral", "opposes")
# A member read for their name, state or locale: their associations stay unread (and reading
# them by mistake raises instead of costing a query).
_NO_ASSOCIATIONS = (raiseload(Member.associations),)
DREAM_ID_RE = re.compile(r"^DREAM-UA-[0-9]{6}-[0-9A-F]{8}$")
_REFERENCE_RE = re.compile(r"^R\s*-?\s*([0-9]{4})\s*-?\s*([0-9]{1,7})$")

# Status changes staff may make with set_status; merging has its own action.
TRANSITIONS: dict[str, frozenset[str]] = {
    ReportStatus.NEW: frozenset({ReportStatus.IN_PROGRESS, ReportStatus.DECLINED}),
    ReportStatus.IN_PROGRESS: frozenset(
        {ReportStatus.ESCALATED, ReportStatus.RESOLVED, ReportStatus.DECLINED}
    ),
    ReportStatus.ESCALATED: frozenset({ReportStatus.RESOLVED, ReportStatus.DECLINED}),
}
OPEN = frozenset(str(status) for status in OPEN_REPORT_STATUSES)

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


# ----------------------------------------------------------------------------- errors


class UnknownReport(LookupError):
    """No report has this id or reference."""

    def __init__(self, report: int | str) -> None:
        super().__init__(f"no report {report}")
        self.report = report


class ReportClosed(Exception):
    """The report is resolved, declined or merged: this action needs an open one."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class AlreadyTaken(Exception):
    """Another staff member has taken the report."""

    def __init__(self, by_name: str | None, by_telegram_id: int | None) -> None:
        super().__init__(by_name or "")
        self.by_name = by_name
        self.by_telegram_id = by_telegram_id


class TransitionRefused(Exception):
    """This status change is not one the rules allow."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"{current} → {target}")
        self.current = current
        self.target = target


class ConcurrentChange(Exception):
    """The report kept changing under this action; try again."""


class _Repeated(Exception):
    """A submission already filed: rolls back what this transaction wrote (the reference
    counter) and carries the earlier report. Never leaves the service."""

    def __init__(self, result: SubmittedReport) -> None:
        super().__init__("repeated")
        self.result = result


# ----------------------------------------------------------------------------- input


def _one_line(text: str) -> str:
    return " ".join(text.split())


def clean_title(text: str) -> str:
    """The title on one line; InvalidInput `empty`, `no-letters` or `too-long` (the limit)."""
    return clean_line(text, maximum=TITLE_MAX)


def clean_text(text: str, limit: int) -> str:
    """A multi-line text, trimmed; InvalidInput `empty`, `no-letters` or `too-long`."""
    return clean_block(text, maximum=limit)


def clean_description(text: str) -> str:
    return clean_text(text, DESCRIPTION_MAX)


def clean_residents(value: int | str | None) -> int | None:
    """Residents affected: a whole number from 0 (spaces and separators allowed), or none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        digits = re.sub(r"[\s_.,'’]", "", strip_format(value))
        if not ascii_digits(digits):
            raise InvalidInput("not-a-number")
        parsed = parse_int(digits, RESIDENTS_MAX)
        if parsed is None:
            raise InvalidInput("too-large", limit=RESIDENTS_MAX)
        value = parsed
    if isinstance(value, bool) or value < 0:
        raise InvalidInput("negative")
    if value > RESIDENTS_MAX:
        raise InvalidInput("too-large", limit=RESIDENTS_MAX)
    return value


def clean_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """Affected groups from AFFECTED_GROUPS, in that order, each once."""
    chosen = set(groups)
    unknown = chosen - set(AFFECTED_GROUPS)
    if unknown:
        raise InvalidInput("unknown-group")
    return tuple(group for group in AFFECTED_GROUPS if group in chosen)


def clean_dream_id(text: str | None) -> str | None:
    """A DREAM project id like DREAM-UA-070825-07BFF93A (any letter case), or none."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip().upper()
    if not DREAM_ID_RE.match(cleaned):
        raise InvalidInput("bad-dream-id")
    return cleaned


def normalise_reference(text: str) -> str | None:
    """`R-2026-00042` from what someone typed or read out (`r 2026 42`), or None."""
    match = _REFERENCE_RE.match(text.strip().upper())
    if match is None:
        return None
    return f"R-{match.group(1)}-{int(match.group(2)):05d}"


@dataclass(frozen=True)
class AttachmentIn:
    """A photo or document the member sent: Telegram's ids, nothing downloaded."""

    kind: str
    file_id: str
    file_unique_id: str
    file_name: str | None = None


@dataclass
class ReportForm:
    """The answers of the report dialog."""

    category: str
    urgency: str
    title: str
    description: str
    attachments: list[AttachmentIn] = field(default_factory=list)
    residents: int | None = None
    affected_groups: list[str] = field(default_factory=list)
    dream_id: str | None = None


@dataclass(frozen=True)
class Actor:
    """A staff member acting on a report: who, and the name shown in its history."""

    telegram_id: int
    name: str


# ----------------------------------------------------------------------------- data objects


@dataclass(frozen=True)
class SavedDraft:
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class SubmittedReport:
    id: int
    reference: str
    deadline_at: datetime
    association_codes: tuple[str, ...]  # routed to, the lead first
    chats: tuple[BoundChat, ...]  # the staff groups to post its card to
    repeated: bool = False  # filed by an earlier press with the same key: nothing new


@dataclass(frozen=True)
class SimilarReport:
    id: int
    reference: str
    title: str
    hromada_count: int
    score: float


@dataclass(frozen=True)
class ReportFigures:
    """Who a report affects: its reporter and active co-signers, only those verified now when
    `verified_only` (the figures staff see); residents are summed over hromadas, taking the
    largest figure given for each."""

    hromadas: int
    oblasts: int
    residents: int
    members: int
    unverified_members: int  # not counted above when verified_only
    verified_only: bool


@dataclass(frozen=True)
class CosignResult:
    report_id: int
    reference: str
    changed: bool  # False: they had co-signed (or withdrawn) already
    supporters: int  # active co-signers now, verified or not
    repeated: bool = False  # done by an earlier press with the same key: nothing new


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    kind: str
    public: bool
    actor_telegram_id: int | None
    actor_name: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    text: str | None
    repeated: bool = False  # recorded by an earlier press with the same key: nothing new


@dataclass(frozen=True)
class AttachmentView:
    kind: str
    file_id: str
    file_unique_id: str
    file_name: str | None


@dataclass(frozen=True)
class PositionView:
    association_code: str
    position: str
    comment: str | None
    by_name: str | None
    at: datetime


@dataclass(frozen=True)
class CardRef:
    chat_id: int
    message_id: int
    locale: str


@dataclass(frozen=True)
class SupporterView:
    telegram_id: int
    full_name: str | None
    hromada_code: str | None
    hromada_text: str | None
    oblast_code: str | None
    residents: int | None
    verified: bool
    joined_at: datetime
    erased: bool = False  # the co-signer deleted their profile: no name, the place stays


@dataclass(frozen=True)
class ReportView:
    """Everything a card, the queue or the member's view shows about one report."""

    id: int
    reference: str
    status: str
    category: str
    urgency: str
    title: str
    description: str
    residents: int | None
    affected_groups: tuple[str, ...]
    dream_id: str | None
    hromada_code: str | None
    hromada_text: str | None
    oblast_code: str | None
    locale: str
    reporter_telegram_id: int
    reporter_name: str | None
    reporter_verified: bool
    joint: bool
    merged_into_id: int | None
    merged_into_reference: str | None
    assignee_telegram_id: int | None
    assignee_name: str | None
    created_at: datetime
    submitted_at: datetime
    deadline_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    updated_at: datetime
    version: int
    association_codes: tuple[str, ...]
    attachments: tuple[AttachmentView, ...]
    supporters: tuple[SupporterView, ...]
    figures: ReportFigures
    positions: tuple[PositionView, ...]
    cards: tuple[CardRef, ...]
    reporter_erased: bool = False  # the reporter deleted their profile: "deleted member"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, now: datetime) -> bool:
        return self.is_open and self.first_response_at is None and self.deadline_at < now

    def actionable_by(self, rights: Rights) -> bool:
        return _may_act(rights, self.association_codes, self.joint)


@dataclass(frozen=True)
class QueueFilter:
    """`status` None: every open report; `overdue`: open, unanswered and past the deadline."""

    status: str | None = None
    category: str | None = None
    oblast_code: str | None = None
    urgency: str | None = None
    overdue: bool = False


@dataclass(frozen=True)
class QueueItem:
    id: int
    reference: str
    title: str
    status: str
    category: str
    urgency: str
    oblast_code: str | None
    hromada_text: str | None
    deadline_at: datetime
    first_response_at: datetime | None
    assignee_name: str | None
    joint: bool
    supporters: int


@dataclass(frozen=True)
class QueuePage:
    items: tuple[QueueItem, ...]
    total: int
    page: int  # from 1
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class MemberReport:
    id: int
    reference: str
    title: str
    status: str
    own: bool  # False: co-signed
    created_at: datetime
    deadline_at: datetime


@dataclass(frozen=True)
class JointResult:
    entry: HistoryEntry | None  # None: it was joint already
    chats: tuple[BoundChat, ...]  # groups without a card of it yet, to post one to


def _may_act(rights: Rights, codes: Iterable[str], joint: bool) -> bool:
    if rights.is_admin:
        return True
    if joint and rights.staff_of:
        return True
    return any(rights.may_act_for(code) for code in codes)


def _entry(row: ReportEvent, repeated: bool = False) -> HistoryEntry:
    return HistoryEntry(
        id=row.id,
        at=row.at,
        kind=row.kind,
        public=row.public,
        actor_telegram_id=row.actor_telegram_id,
        actor_name=row.actor_name,
        before=row.before,
        after=row.after,
        text=row.text,
        repeated=repeated,
    )


def _hromada_key(code: str | None, text: str | None) -> str | None:
    return code or (" ".join(text.lower().split()) if text else None)


def _staff_name(name: str) -> str:
    return _one_line(name)[:NAME_MAX] or "—"


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


# ----------------------------------------------------------------------------- the service


class ReportService:
    """Use cases on urgent-issue reports; each method is one transaction (retried when another
    change to the same report got there first)."""

    def __init__(
        self,
        db: Database,
        rules: ReportRules,
        admin_ids: frozenset[int] = frozenset(),
        *,
        timezone: str = "Europe/Kyiv",
        index_max_age: float = INDEX_MAX_AGE,
        limits: FilingLimits = UNLIMITED,
    ) -> None:
        self.db = db
        self.rules = rules
        self.staff = StaffService(db, admin_ids)
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

    # ------------------------------------------------------------------------- drafts

    async def save_draft(self, telegram_id: int, data: dict[str, Any]) -> None:
        """Keep the member's unfinished form (any JSON data), replacing the previous one."""
        async with self.db.transaction() as session:
            member = await members_repo.get_or_create(session, telegram_id)
            await repo.upsert_draft(session, member.id, data, utcnow())

    async def draft(self, telegram_id: int) -> SavedDraft | None:
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            row = None if member is None else await repo.draft_of(session, member.id)
            return None if row is None else SavedDraft(dict(row.data), row.updated_at)

    async def discard_draft(self, telegram_id: int) -> bool:
        """Forget the member's draft; False when there was none."""
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            return member is not None and await repo.delete_draft(session, member.id)

    # ------------------------------------------------------------------------- submitting

    def clean_form(self, form: ReportForm) -> ReportForm:
        """The form with every field checked and normalised; InvalidInput names the rule
        (`unknown-category`, `too-long` with the limit, `bad-dream-id`...)."""
        if self.rules.category(form.category) is None:
            raise InvalidInput("unknown-category")
        if self.rules.urgency(form.urgency) is None:
            raise InvalidInput("unknown-urgency")
        if len(form.attachments) > ATTACHMENTS_MAX:
            raise InvalidInput("too-many-attachments", limit=ATTACHMENTS_MAX)
        for attachment in form.attachments:
            if attachment.kind not in ATTACHMENT_KINDS or not attachment.file_id:
                raise InvalidInput("bad-attachment")
        return ReportForm(
            category=form.category,
            urgency=form.urgency,
            title=clean_title(form.title),
            description=clean_description(form.description),
            attachments=list(form.attachments),
            residents=clean_residents(form.residents),
            affected_groups=list(clean_groups(form.affected_groups)),
            dream_id=clean_dream_id(form.dream_id),
        )

    async def submit(
        self, telegram_id: int, form: ReportForm, *, request_key: str | None = None
    ) -> SubmittedReport:
        """File a registered member's report: a reference number, the deadline of its urgency,
        routed by the rules; the member's draft is deleted. InvalidInput on a bad form or an
        unregistered member; MemberRejected, or LimitReached (the draft stays). With a
        `request_key` this member filed with already, that report (`repeated`), nothing new."""
        try:
            return await self._submit(telegram_id, form, request_key)
        except _Repeated as repeated:
            return repeated.result
        except IntegrityError:
            # The same press handled at once by another process: theirs stands.
            if request_key is None:
                raise
            async with self.db.transaction() as session:
                earlier = await self._submitted(session, telegram_id, request_key)
            if earlier is None:
                raise
            return earlier

    async def _submitted(
        self, session: AsyncSession, telegram_id: int, request_key: str
    ) -> SubmittedReport | None:
        """The report this member filed with this key, if any."""
        report = await repo.report_by_request_key(session, request_key)
        if report is None:
            return None
        member = await members_repo.get_by_telegram_id(session, telegram_id)
        if member is None or member.id != report.member_id:
            return None  # a key is the member's own; someone else's never shows theirs
        codes = await repo.route_codes(session, report.id)
        chats = group_bindings(await questions_repo.active_bindings(session, codes))
        return SubmittedReport(
            report.id,
            report.reference,
            report.deadline_at,
            tuple(codes),
            tuple(chats),
            repeated=True,
        )

    async def _submit(
        self, telegram_id: int, form: ReportForm, request_key: str | None
    ) -> SubmittedReport:
        form = self.clean_form(form)
        urgency = self.rules.urgency(form.urgency)
        assert urgency is not None
        now = utcnow()
        async with self.db.transaction() as session:
            # First statement: on SQLite it takes the write lock, so submissions queue here.
            number = await repo.next_number(session, now.astimezone(self.timezone).year)
            if request_key is not None:
                # Behind the counter's lock: a press handled already is found here, and
                # _Repeated rolls the counter back so no number is spent on the repeat.
                filed = await self._submitted(session, telegram_id, request_key)
                if filed is not None:
                    raise _Repeated(filed)
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None or member.registered_at is None:
                raise InvalidInput("not-registered")
            # Behind the counter's lock (and the member's on PostgreSQL): counted one at a time.
            await filing_repo.lock_member(session, member.id)
            earlier = await filing_repo.reports_filed_since(session, member.id, now - WINDOW)
            self.limits.check(member.verification, earlier, now)
            active = [a for a in await associations_repo.all_associations(session) if a.active]
            codes = self.rules.route(
                form.category,
                [a.code for a in member.associations],
                member.associations_unsure,
                [a.code for a in active],
            )
            report = await repo.add_report(
                session,
                Report(
                    reference=f"R-{now.astimezone(self.timezone).year}-{number:05d}",
                    member_id=member.id,
                    status=ReportStatus.NEW,
                    category=form.category,
                    urgency=form.urgency,
                    title=form.title,
                    description=form.description,
                    residents=form.residents,
                    affected_groups=list(form.affected_groups),
                    dream_id=form.dream_id,
                    hromada_code=member.hromada_code,
                    hromada_text=member.hromada_text,
                    oblast_code=member.oblast_code,
                    locale=member.locale or "uk",
                    reporter_verified=member.verification == Verification.VERIFIED,
                    joint=False,
                    created_at=now,
                    submitted_at=now,
                    deadline_at=now + urgency.deadline,
                    updated_at=now,
                    request_key=request_key,
                ),
            )
            by_code = {a.code: a.id for a in active}
            await repo.add_routes(session, report.id, [by_code[code] for code in codes])
            await repo.add_attachments(
                session,
                (
                    ReportAttachment(
                        report_id=report.id,
                        kind=a.kind,
                        file_id=a.file_id,
                        file_unique_id=a.file_unique_id,
                        file_name=a.file_name,
                    )
                    for a in form.attachments
                ),
            )
            await repo.delete_draft(session, member.id)
            after = {
                "status": str(ReportStatus.NEW),
                "reference": report.reference,
                "category": form.category,
                "urgency": form.urgency,
                "associations": list(codes),
                "attachments": len(form.attachments),
            }
            await self._record(
                session, report, telegram_id, member.full_name, "status", True, None, after
            )
            chats = group_bindings(await questions_repo.active_bindings(session, codes))
            result = SubmittedReport(
                report.id, report.reference, report.deadline_at, tuple(codes), tuple(chats)
            )
        self._similar.put(result.id, form.title, form.description)
        return result

    async def _record(
        self,
        session: AsyncSession,
        report: Report,
        actor_id: int | None,
        actor_name: str | None,
        kind: str,
        public: bool,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        text: str | None = None,
        request_key: str | None = None,
    ) -> HistoryEntry:
        """A history entry of the report and its audit-log twin (which never holds the text)."""
        event = await repo.add_event(
            session,
            ReportEvent(
                report_id=report.id,
                at=utcnow(),
                actor_telegram_id=actor_id,
                actor_name=actor_name,
                kind=kind,
                public=public,
                before=before,
                after=after,
                text=text,
                request_key=request_key,
            ),
        )
        await add_audit_event(
            session,
            actor_id=actor_id,
            action=f"report.{kind}",
            subject_type="report",
            subject_id=report.id,
            before=before,
            after={**(after or {}), "event_id": event.id},
        )
        return _entry(event)

    async def _keyed(
        self,
        request_key: str | None,
        attempt: Callable[[], Awaitable[T]],
        earlier: Callable[[AsyncSession, str], Awaitable[T | None]],
    ) -> T:
        """Run `attempt` (which checks the key in its own transaction); when another process
        recorded the same key at the same moment, the unique key refuses this one and the
        earlier result is read instead."""
        try:
            return await attempt()
        except IntegrityError:
            if request_key is None:
                raise
            async with self.db.transaction() as session:
                found = await earlier(session, request_key)
            if found is None:
                raise
            return found

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

    async def _cosign_result(
        self, session: AsyncSession, request_key: str, telegram_id: int
    ) -> CosignResult | None:
        """What an earlier co-signing or withdrawal with this key did."""
        event = await self._keyed_event(session, request_key, telegram_id)
        if event is None:
            return None
        report = await repo.get_report(session, event.report_id)
        assert report is not None
        count = len(await repo.active_supporters(session, report.id))
        return CosignResult(report.id, report.reference, True, count, repeated=True)

    async def _message_result(
        self, session: AsyncSession, request_key: str, telegram_id: int
    ) -> HistoryEntry | None:
        event = await self._keyed_event(session, request_key, telegram_id)
        return None if event is None else _entry(event, repeated=True)

    # ------------------------------------------------------------------------- similar reports

    async def similar_open(
        self, text: str, limit: int = 3, exclude_member: int | None = None
    ) -> list[SimilarReport]:
        """Open reports most like `text` (a draft's title and description), best first; none of
        the reports filed by the member with Telegram id `exclude_member`."""
        index = await self._similar.fresh(self.db)
        matches = index.search(text, limit=max(limit, 1) * 4 + 5)
        if not matches:
            return []
        best = matches[0].score
        scores = {
            int(m.key): m.score
            for m in matches
            if m.coverage >= SIMILAR_MIN_COVERAGE and m.score >= best * SIMILAR_RELATIVE_CUTOFF
        }
        if not scores:
            return []
        async with self.db.transaction() as session:
            rows = await _open_reports(session, list(scores), exclude_member)
            hromadas = await repo.hromada_keys(session, [row.id for row in rows])
        found = [
            SimilarReport(
                row.id, row.reference, row.title, len(hromadas[row.id]), round(scores[row.id], 4)
            )
            for row in rows
        ]
        found.sort(key=lambda item: (-item.score, item.id))
        return found[:limit]

    # ------------------------------------------------------------------------- co-signing

    async def cosign(
        self,
        report_id: int,
        telegram_id: int,
        residents: int | None = None,
        *,
        request_key: str | None = None,
    ) -> CosignResult:
        """ "This affects us too": the member's hromada, oblast and residents join an open report.
        InvalidInput `own-report` for the reporter, `not-registered`; ReportClosed. With a
        `request_key` used before, what that press did (`repeated`), nothing new."""
        residents = clean_residents(residents)
        return await self._keyed(
            request_key,
            lambda: self._cosign(report_id, telegram_id, residents, request_key),
            lambda session, key: self._cosign_result(session, key, telegram_id),
        )

    async def _cosign(
        self, report_id: int, telegram_id: int, residents: int | None, request_key: str | None
    ) -> CosignResult:
        async with self.db.transaction() as session:
            if request_key is not None:
                earlier = await self._cosign_result(session, request_key, telegram_id)
                if earlier is not None:
                    return earlier
            report, member = await self._report_and_member(session, report_id, telegram_id)
            if report.member_id == member.id:
                raise InvalidInput("own-report")
            if report.status not in OPEN:
                raise ReportClosed(report.status)
            row = await repo.supporter(session, report.id, member.id)
            changed = row is None or row.withdrawn_at is not None
            if row is None:
                row = await repo.add_supporter(
                    session,
                    ReportSupporter(
                        report_id=report.id,
                        member_id=member.id,
                        joined_at=utcnow(),
                    ),
                )
            if changed:
                row.hromada_code, row.hromada_text = member.hromada_code, member.hromada_text
                row.oblast_code, row.residents = member.oblast_code, residents
                row.verified = member.verification == Verification.VERIFIED
                row.joined_at, row.withdrawn_at = utcnow(), None
                await session.flush()
                await self._record(
                    session,
                    report,
                    telegram_id,
                    member.full_name,
                    "cosign",
                    False,
                    None,
                    {"member_id": member.id, "residents": residents},
                    request_key=request_key,
                )
            count = len(await repo.active_supporters(session, report.id))
            return CosignResult(report.id, report.reference, changed, count)

    async def withdraw(
        self, report_id: int, telegram_id: int, *, request_key: str | None = None
    ) -> CosignResult:
        """The member takes back their co-signature (the row stays, dated). With a
        `request_key` used before, what that press did (`repeated`), nothing new."""
        return await self._keyed(
            request_key,
            lambda: self._withdraw(report_id, telegram_id, request_key),
            lambda session, key: self._cosign_result(session, key, telegram_id),
        )

    async def _withdraw(
        self, report_id: int, telegram_id: int, request_key: str | None
    ) -> CosignResult:
        async with self.db.transaction() as session:
            if request_key is not None:
                earlier = await self._cosign_result(session, request_key, telegram_id)
                if earlier is not None:
                    return earlier
            report, member = await self._report_and_member(session, report_id, telegram_id)
            row = await repo.supporter(session, report.id, member.id)
            changed = row is not None and row.withdrawn_at is None
            if row is not None and changed:
                row.withdrawn_at = utcnow()
                await session.flush()
                await self._record(
                    session,
                    report,
                    telegram_id,
                    member.full_name,
                    "withdraw",
                    False,
                    {"member_id": member.id},
                    None,
                    request_key=request_key,
                )
            count = len(await repo.active_supporters(session, report.id))
            return CosignResult(report.id, report.reference, changed, count)

    async def _report_and_member(
        self, session: AsyncSession, report_id: int, telegram_id: int
    ) -> tuple[Report, Member]:
        report = await repo.get_report(session, report_id)
        if report is None:
            raise UnknownReport(report_id)
        member = await members_repo.get_by_telegram_id(session, telegram_id)
        if member is None or member.registered_at is None:
            raise InvalidInput("not-registered")
        return report, member

    async def figures(self, report_id: int, verified_only: bool = True) -> ReportFigures:
        """Hromadas, oblasts, residents and members behind a report (see ReportFigures)."""
        async with self.db.transaction() as session:
            report = await repo.get_report(session, report_id)
            if report is None:
                raise UnknownReport(report_id)
            return await _figures(session, report, verified_only)

    # ------------------------------------------------------------------------- staff actions

    async def _staff_report(
        self, session: AsyncSession, report_id: int, rights: Rights
    ) -> tuple[Report, list[str]]:
        report = await repo.get_report(session, report_id)
        if report is None:
            raise UnknownReport(report_id)
        codes = await repo.route_codes(session, report.id)
        if not _may_act(rights, codes, report.joint):
            raise PermissionDenied
        return report, codes

    async def take(self, report_id: int, staff: Actor) -> HistoryEntry | None:
        """Assign an open report to this staff member; None when it was theirs already.
        AlreadyTaken (with who has it) when someone else was first."""
        rights = await self.staff.rights(staff.telegram_id)
        name = _staff_name(staff.name)
        async with self.db.transaction() as session:
            report, _ = await self._staff_report(session, report_id, rights)
            if report.status not in OPEN:
                raise ReportClosed(report.status)
            before = {"assignee": report.assignee_name}
            if report.assignee_telegram_id == staff.telegram_id:
                return None
            claimed = await repo.claim(session, report.id, staff.telegram_id, name, utcnow())
            await session.refresh(report)
            if not claimed:
                if report.status not in OPEN:
                    raise ReportClosed(report.status)
                raise AlreadyTaken(report.assignee_name, report.assignee_telegram_id)
            return await self._record(
                session,
                report,
                staff.telegram_id,
                name,
                "assign",
                False,
                before,
                {"assignee": name, "assignee_telegram_id": staff.telegram_id},
            )

    async def set_status(
        self, report_id: int, staff: Actor, status: str, reason: str | None = None
    ) -> HistoryEntry:
        """Move the report along TRANSITIONS; declining needs a reason (InvalidInput
        `reason-required`). TransitionRefused, ReportClosed, PermissionDenied."""
        cleaned = clean_text(reason, COMMENT_MAX) if reason and reason.strip() else None
        if status == ReportStatus.DECLINED and cleaned is None:
            raise InvalidInput("reason-required")
        rights = await self.staff.rights(staff.telegram_id)

        async def operation() -> HistoryEntry:
            async with self.db.transaction() as session:
                report, _ = await self._staff_report(session, report_id, rights)
                if report.status not in OPEN:
                    raise ReportClosed(report.status)
                if status not in TRANSITIONS.get(report.status, frozenset()):
                    raise TransitionRefused(report.status, status)
                now = utcnow()
                before = {"status": report.status}
                report.status = status
                report.first_response_at = report.first_response_at or now
                if status not in OPEN:
                    report.resolved_at = now
                await session.flush()
                entry = await self._record(
                    session,
                    report,
                    staff.telegram_id,
                    _staff_name(staff.name),
                    "status",
                    True,
                    before,
                    {"status": status},
                    cleaned,
                )
            if status not in OPEN:
                self._similar.drop(report_id)
            return entry

        return await self._retrying(operation)

    async def reply(
        self, report_id: int, staff: Actor, text: str, *, request_key: str | None = None
    ) -> HistoryEntry:
        """A public answer, for the reporter and co-signers; the first one meets the deadline.
        With a `request_key` used before, that answer (`repeated`): nothing new to send."""
        return await self._message(report_id, staff, text, "reply", request_key)

    async def note(
        self, report_id: int, staff: Actor, text: str, *, request_key: str | None = None
    ) -> HistoryEntry:
        """An internal note: staff only, never in a member's history."""
        return await self._message(report_id, staff, text, "note", request_key)

    async def _message(
        self, report_id: int, staff: Actor, text: str, kind: str, request_key: str | None
    ) -> HistoryEntry:
        cleaned = clean_text(text, MESSAGE_MAX)
        rights = await self.staff.rights(staff.telegram_id)

        async def operation() -> HistoryEntry:
            async with self.db.transaction() as session:
                if request_key is not None:
                    earlier = await self._message_result(session, request_key, staff.telegram_id)
                    if earlier is not None:
                        return earlier
                report, _ = await self._staff_report(session, report_id, rights)
                public = kind == "reply"
                if public and report.status == ReportStatus.MERGED:
                    raise ReportClosed(report.status)
                if public and report.first_response_at is None:
                    report.first_response_at = utcnow()
                    await session.flush()
                return await self._record(
                    session,
                    report,
                    staff.telegram_id,
                    _staff_name(staff.name),
                    kind,
                    public,
                    None,
                    None,
                    cleaned,
                    request_key,
                )

        return await self._keyed(
            request_key,
            lambda: self._retrying(operation),
            lambda session, key: self._message_result(session, key, staff.telegram_id),
        )

    async def reporter_reply(self, report_id: int, telegram_id: int, text: str) -> HistoryEntry:
        """The reporter answers back; it reaches the card. PermissionDenied for anyone else."""
        cleaned = clean_text(text, MESSAGE_MAX)
        async with self.db.transaction() as session:
            report = await repo.get_report(session, report_id)
            if report is None:
                raise UnknownReport(report_id)
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None or member.id != report.member_id:
                raise PermissionDenied
            if report.status == ReportStatus.MERGED:
                raise ReportClosed(report.status)
            return await self._record(
                session,
                report,
                telegram_id,
                member.full_name,
                "reporter_reply",
                True,
                None,
                None,
                cleaned,
            )

    async def mark_joint(self, report_id: int, staff: Actor) -> JointResult:
        """Make it a joint issue of all associations: every association's staff may act on it
        and state a position; returns the groups that have no card of it yet."""
        rights = await self.staff.rights(staff.telegram_id)

        async def operation() -> JointResult:
            async with self.db.transaction() as session:
                report, _ = await self._staff_report(session, report_id, rights)
                if report.status not in OPEN:
                    raise ReportClosed(report.status)
                entry = None
                if not report.joint:
                    report.joint = True
                    await session.flush()
                    entry = await self._record(
                        session,
                        report,
                        staff.telegram_id,
                        _staff_name(staff.name),
                        "joint",
                        True,
                        {"joint": False},
                        {"joint": True},
                    )
                posted = {card.chat_id for card in await repo.cards_of(session, report.id)}
                chats = [
                    chat
                    for chat in group_bindings(await questions_repo.active_bindings(session))
                    if chat.chat_id not in posted
                ]
                return JointResult(entry, tuple(chats))

        return await self._retrying(operation)

    async def set_position(
        self,
        report_id: int,
        staff: Actor,
        association_code: str,
        position: str,
        comment: str | None = None,
    ) -> HistoryEntry:
        """An association's position on a joint report (a later one replaces it), stated by its
        staff or an admin. InvalidInput `not-joint`, `bad-position`."""
        if position not in POSITIONS:
            raise InvalidInput("bad-position")
        cleaned = clean_text(comment, COMMENT_MAX) if comment and comment.strip() else None
        rights = await self.staff.rights(staff.telegram_id)
        if not rights.may_act_for(association_code):
            raise PermissionDenied
        name = _staff_name(staff.name)
        async with self.db.transaction() as session:
            report, _ = await self._staff_report(session, report_id, rights)
            if not report.joint:
                raise InvalidInput("not-joint")
            association = await associations_repo.by_code(session, association_code)
            if association is None or not association.active:
                raise PermissionDenied
            old = await repo.position_of(session, report.id, association.id)
            before = None if old is None else {"position": old.position, "comment": old.comment}
            await repo.upsert_position(
                session,
                report.id,
                association.id,
                position,
                cleaned,
                staff.telegram_id,
                name,
                utcnow(),
            )
            return await self._record(
                session,
                report,
                staff.telegram_id,
                name,
                "position",
                False,
                before,
                {"association": association_code, "position": position, "comment": cleaned},
            )

    async def merge(self, report_id: int, into_id: int, staff: Actor) -> HistoryEntry:
        """Close a duplicate into another open report: its reporter and co-signers become
        co-signers of the target. Staff must be able to act on both. InvalidInput `merge-self`,
        ReportClosed (either one closed)."""
        if report_id == into_id:
            raise InvalidInput("merge-self")
        rights = await self.staff.rights(staff.telegram_id)
        name = _staff_name(staff.name)

        async def operation() -> HistoryEntry:
            async with self.db.transaction() as session:
                source, _ = await self._staff_report(session, report_id, rights)
                target, _ = await self._staff_report(session, into_id, rights)
                for report in (source, target):
                    if report.status not in OPEN:
                        raise ReportClosed(report.status)
                moving = [
                    (
                        source.member_id,
                        source.hromada_code,
                        source.hromada_text,
                        source.oblast_code,
                        source.residents,
                        source.reporter_verified,
                    )
                ] + [
                    (
                        row.member_id,
                        row.hromada_code,
                        row.hromada_text,
                        row.oblast_code,
                        row.residents,
                        member.verification == Verification.VERIFIED,
                    )
                    for row, member in await repo.active_supporters(session, source.id)
                ]
                moved = 0
                now = utcnow()
                for member_id, code, text, oblast, residents, verified in moving:
                    if member_id == target.member_id:
                        continue
                    row = await repo.supporter(session, target.id, member_id)
                    if row is not None and row.withdrawn_at is None:
                        continue
                    if row is None:
                        row = await repo.add_supporter(
                            session,
                            ReportSupporter(
                                report_id=target.id, member_id=member_id, joined_at=now
                            ),
                        )
                    row.hromada_code, row.hromada_text, row.oblast_code = code, text, oblast
                    row.residents, row.verified = residents, verified
                    row.joined_at, row.withdrawn_at = now, None
                    moved += 1
                before = {"status": source.status}
                source.status = ReportStatus.MERGED
                source.merged_into_id = target.id
                source.resolved_at = now
                source.first_response_at = source.first_response_at or now
                target.updated_at = now
                await session.flush()
                await self._record(
                    session,
                    target,
                    staff.telegram_id,
                    name,
                    "merge",
                    True,
                    None,
                    {"merged_from": source.reference, "moved": moved},
                )
                entry = await self._record(
                    session,
                    source,
                    staff.telegram_id,
                    name,
                    "merge",
                    True,
                    before,
                    {"status": str(ReportStatus.MERGED), "into": target.reference, "moved": moved},
                )
            self._similar.drop(report_id)
            return entry

        return await self._retrying(operation)

    # ------------------------------------------------------------------------- cards

    async def add_cards(self, report_id: int, cards: Sequence[tuple[int, int]]) -> None:
        """Remember the (chat id, message id) of cards posted, to edit them and to find the
        report from a reply or a button."""
        if not cards:
            return
        async with self.db.transaction() as session:
            report = await repo.get_report(session, report_id)
            if report is None:
                raise UnknownReport(report_id)
            for chat_id, message_id in cards:
                await repo.add_card(
                    session, ReportCard(report_id=report_id, chat_id=chat_id, message_id=message_id)
                )

    async def report_for_card(self, chat_id: int, message_id: int) -> int | None:
        async with self.db.transaction() as session:
            return await repo.report_id_for_card(session, chat_id, message_id)

    # ------------------------------------------------------------------------- reading

    async def recipients(self, report_id: int) -> list[tuple[int, str]]:
        """(Telegram id, language) of the reporter and active co-signers who can be reached."""
        async with self.db.transaction() as session:
            report = await repo.get_report(session, report_id)
            if report is None:
                raise UnknownReport(report_id)
            reporter = await session.get(Member, report.member_id, options=_NO_ASSOCIATIONS)
            members = [reporter] if reporter is not None else []
            members += [member for _, member in await repo.active_supporters(session, report.id)]
        result: dict[int, str] = {}
        for member in members:
            if member.reachable and member.telegram_id not in result:
                result[member.telegram_id] = member.locale or report.locale
        return list(result.items())

    async def queue(
        self,
        rights: Rights,
        filters: QueueFilter = QueueFilter(),
        page: int = 1,
        per_page: int = 10,
    ) -> QueuePage:
        """Reports of the associations `rights` may act for (joint ones for all staff, every
        one for admins), filtered, most urgent first and then by deadline; `page` from 1."""
        if not rights.is_staff:
            raise PermissionDenied
        page, per_page = max(1, page), max(1, min(per_page, 100))
        query = repo.QueueQuery(
            association_codes=None if rights.is_admin else rights.staff_of,
            statuses=(filters.status,) if filters.status else tuple(OPEN),
            category=filters.category,
            oblast_code=filters.oblast_code,
            urgency=filters.urgency,
            overdue_at=utcnow() if filters.overdue else None,
            urgency_order=tuple(u.code for u in self.rules.urgencies),
        )
        async with self.db.transaction() as session:
            rows, total = await repo.queue_page(session, query, (page - 1) * per_page, per_page)
        items = tuple(
            QueueItem(
                id=row.id,
                reference=row.reference,
                title=row.title,
                status=row.status,
                category=row.category,
                urgency=row.urgency,
                oblast_code=row.oblast_code,
                hromada_text=row.hromada_text,
                deadline_at=row.deadline_at,
                first_response_at=row.first_response_at,
                assignee_name=row.assignee_name,
                joint=row.joint,
                supporters=count,
            )
            for row, count in rows
        )
        return QueuePage(items, total, page, per_page)

    async def history(self, report_id: int, include_internal: bool = False) -> list[HistoryEntry]:
        """The report's history, oldest first; members see public entries only."""
        async with self.db.transaction() as session:
            if await repo.get_report(session, report_id) is None:
                raise UnknownReport(report_id)
            rows = await repo.events_of(session, report_id, public_only=not include_internal)
            return [_entry(row) for row in rows]

    async def member_reports(self, telegram_id: int) -> list[MemberReport]:
        """The member's own and co-signed reports, newest first."""
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None:
                return []
            own = await repo.reported_by(session, member.id)
            cosigned = await repo.cosigned_by(session, member.id)
        items = [
            MemberReport(r.id, r.reference, r.title, r.status, True, r.created_at, r.deadline_at)
            for r in own
        ] + [
            MemberReport(r.id, r.reference, r.title, r.status, False, r.created_at, r.deadline_at)
            for r in cosigned
        ]
        items.sort(key=lambda item: (item.created_at, item.id), reverse=True)
        return items

    async def member_report(self, report_id: int, telegram_id: int) -> ReportView | None:
        """The report when this member filed or co-signs it, else None."""
        view = await self.report(report_id)
        if view is None:
            return None
        if view.reporter_telegram_id == telegram_id:
            return view
        if any(s.telegram_id == telegram_id for s in view.supporters):
            return view
        return None

    async def by_reference(self, reference: str) -> ReportView | None:
        """The report with this reference, as typed or read out (`r 2026 42`)."""
        canonical = normalise_reference(reference)
        if canonical is None:
            return None
        async with self.db.transaction() as session:
            report_id = await repo.id_by_reference(session, canonical)
        return None if report_id is None else await self.report(report_id)

    async def report(self, report_id: int) -> ReportView | None:
        async with self.db.transaction() as session:
            report = await repo.get_report(session, report_id)
            if report is None:
                return None
            reporter = await session.get(Member, report.member_id, options=_NO_ASSOCIATIONS)
            assert reporter is not None
            codes = await repo.route_codes(session, report.id)
            attachments = await repo.attachments_of(session, report.id)
            supporters = await repo.active_supporters(session, report.id)
            positions = await repo.positions_of(session, report.id)
            cards = await repo.cards_of(session, report.id)
            locales = await questions_repo.chat_locales(session, {c.chat_id for c in cards})
            merged_into = (
                await repo.references(session, [report.merged_into_id])
                if report.merged_into_id
                else {}
            )
            figures = await _figures(session, report, supporters=supporters)
            return ReportView(
                id=report.id,
                reference=report.reference,
                status=report.status,
                category=report.category,
                urgency=report.urgency,
                title=report.title,
                description=report.description,
                residents=report.residents,
                affected_groups=tuple(report.affected_groups or ()),
                dream_id=report.dream_id,
                hromada_code=report.hromada_code,
                hromada_text=report.hromada_text,
                oblast_code=report.oblast_code,
                locale=report.locale,
                reporter_telegram_id=reporter.telegram_id,
                reporter_name=reporter.full_name,
                reporter_verified=report.reporter_verified,
                joint=report.joint,
                merged_into_id=report.merged_into_id,
                merged_into_reference=merged_into.get(report.merged_into_id or 0),
                assignee_telegram_id=report.assignee_telegram_id,
                assignee_name=report.assignee_name,
                created_at=report.created_at,
                submitted_at=report.submitted_at,
                deadline_at=report.deadline_at,
                first_response_at=report.first_response_at,
                resolved_at=report.resolved_at,
                updated_at=report.updated_at,
                version=report.version,
                association_codes=tuple(codes),
                attachments=tuple(
                    AttachmentView(a.kind, a.file_id, a.file_unique_id, a.file_name)
                    for a in attachments
                ),
                supporters=tuple(
                    SupporterView(
                        telegram_id=member.telegram_id,
                        full_name=member.full_name,
                        hromada_code=row.hromada_code,
                        hromada_text=row.hromada_text,
                        oblast_code=row.oblast_code,
                        residents=row.residents,
                        verified=member.verification == Verification.VERIFIED,
                        joined_at=row.joined_at,
                        erased=member.erased_at is not None,
                    )
                    for row, member in supporters
                ),
                figures=figures,
                positions=tuple(
                    PositionView(code, p.position, p.comment, p.by_name, p.at)
                    for p, code in positions
                ),
                cards=tuple(
                    CardRef(c.chat_id, c.message_id, locales.get(c.chat_id, "uk")) for c in cards
                ),
                reporter_erased=reporter.erased_at is not None,
            )


async def _open_reports(
    session: AsyncSession, ids: list[int], exclude_member: int | None
) -> list[Report]:
    """These reports that are still open, without those filed by `exclude_member`."""
    excluded = None
    if exclude_member is not None:
        member = await members_repo.get_by_telegram_id(session, exclude_member)
        excluded = member.id if member is not None else None
    return await repo.open_by_ids(session, ids, exclude_member_id=excluded)


async def _figures(
    session: AsyncSession,
    report: Report,
    verified_only: bool = True,
    *,
    supporters: Sequence[tuple[ReportSupporter, Member]] | None = None,
) -> ReportFigures:
    """Counts over the reporter and active co-signers (whose membership is verified now, when
    `verified_only`); `supporters`: the active co-signers when the caller has read them."""
    reporter = await session.get(Member, report.member_id, options=_NO_ASSOCIATIONS)
    people: list[tuple[str | None, str | None, int | None, bool]] = []
    if reporter is not None:
        people.append(
            (
                _hromada_key(report.hromada_code, report.hromada_text),
                report.oblast_code,
                report.residents,
                reporter.verification == Verification.VERIFIED,
            )
        )
    if supporters is None:
        supporters = await repo.active_supporters(session, report.id)
    for row, member in supporters:
        people.append(
            (
                _hromada_key(row.hromada_code, row.hromada_text),
                row.oblast_code,
                row.residents,
                member.verification == Verification.VERIFIED,
            )
        )
    verified = [person for person in people if person[3] or not verified_only]
    residents: dict[str, int] = {}
    for hromada, _, count, _ in verified:
        if hromada and count:
            residents[hromada] = max(residents.get(hromada, 0), count)
    return ReportFigures(
        hromadas=len({hromada for hromada, *_ in verified if hromada}),
        oblasts=len({oblast for _, oblast, *_ in verified if oblast}),
        residents=sum(residents.values()),
        members=len(verified),
        unverified_members=len(people) - len(verified),
        verified_only=verified_only,
    )
