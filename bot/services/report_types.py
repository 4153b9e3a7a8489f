"""Urgent-issue reports: the rules and limits, the errors, checking what members type, and the
data objects the report service returns (a report's view, its card, the queue, history)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import raiseload

from bot.content import AssociationInfo
from bot.services.hromadas import Oblast, Place
from bot.services.members import InvalidInput
from bot.services.report_rules import Category, Urgency
from bot.services.request_keys import KeyedResult
from bot.services.row_views import view_of
from bot.services.staff import Rights
from bot.services.staff_chats import BoundChat, CardRef
from bot.services.text_input import (
    ascii_digits,
    clean_block,
    clean_line,
    parse_int,
    strip_format,
)
from storage.models import (
    OPEN_REPORT_STATUSES,
    Member,
    ReportEvent,
    ReportStatus,
)

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
    """Someone acting on a report: who, and the name shown in its history (one line, at most
    NAME_MAX characters, "—" for none)."""

    telegram_id: int
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _actor_name(self.name))


# ----------------------------------------------------------------------------- data objects


@dataclass(frozen=True)
class SavedDraft:
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class SubmittedReport(KeyedResult):
    id: int
    reference: str
    deadline_at: datetime
    association_codes: tuple[str, ...]  # routed to, the lead first
    chats: tuple[BoundChat, ...]  # the staff groups to post its card to


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
class CosignResult(KeyedResult):
    report_id: int
    reference: str
    changed: bool  # False: they had co-signed (or withdrawn) already
    supporters: int  # active co-signers now, verified or not


@dataclass(frozen=True)
class HistoryEntry(KeyedResult):
    id: int
    at: datetime
    kind: str
    public: bool
    actor_telegram_id: int | None
    actor_name: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    text: str | None


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
    place: Place  # the reporter's hromada and oblast, named


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
    return view_of(HistoryEntry, row, repeated=repeated)


def _hromada_key(code: str | None, text: str | None) -> str | None:
    return code or (" ".join(text.lower().split()) if text else None)


def _actor_name(name: str) -> str:
    return _one_line(name)[:NAME_MAX] or "—"


# ----------------------------------------------------------------------------- a card


class CardViewer(StrEnum):
    """Who reads a report's card: a staff group, or a staff member in private chat (who sees
    the reporter's phone number itself, not only whether one was shared)."""

    GROUP = "group"
    STAFF = "staff"


@dataclass(frozen=True)
class ReportCardData:
    """Everything a report's card shows, read in one transaction (ReportService.card): the
    report, the reporter's role and verification now, whether they shared a phone (the number
    for a private staff viewer), where the reporter is (their hromada named as the codifier names
    it, and the oblast), the reason a declined report was declined, and the names of its
    category, urgency and associations."""

    view: ReportView
    reporter_role: str | None
    reporter_verified: bool
    reporter_shared_phone: bool
    reporter_phone: str | None
    place: Place
    decline_reason: str | None
    category: Category | None
    urgency: Urgency | None
    associations: tuple[AssociationInfo, ...]  # every active one, in display order

    @property
    def oblast(self) -> Oblast | None:
        return self.place.oblast

    @property
    def hromada(self) -> str | None:
        """The codifier unit's name when the reporter picked one from it, else None."""
        return self.place.hromada if self.place.from_codifier else None
