"""Announcements from staff to members: who may send to whom, the outbox written at confirmation,
progress, pause / resume / cancel, and the News list. Knows nothing of Telegram; the
`BroadcastSender` (delivery/broadcast_sender.py) works through the outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.message_limits import CAPTION_LIMIT, TEXT_LIMIT, visible_length, visible_text
from bot.services.request_keys import once_per_key
from bot.services.row_views import view_of
from bot.services.staff import Rights, StaffGuarded
from bot.services.text_input import has_words
from storage.db import Database
from storage.models import (
    AuditAction,
    Broadcast,
    BroadcastStatus,
    DeliveryStatus,
    Verification,
    utcnow,
)
from storage.repositories import broadcasts as repo
from storage.repositories import consultations as consultations_repo
from storage.repositories import members as members_repo
from storage.repositories.audit import add_event

ATTACHMENT_KINDS = ("photo", "document")
DOCUMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "txt", "csv", "zip")
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# The window over which the progress message's rate is measured.
RATE_WINDOW = timedelta(seconds=30)

# How many of the latest announcements News looks through for a member.
NEWS_WINDOW = 200
# The audit action of a status change, by the status it goes to.
STATUS_ACTIONS = {
    BroadcastStatus.PAUSED: AuditAction.BROADCAST_PAUSED,
    BroadcastStatus.SENDING: AuditAction.BROADCAST_SENDING,
    BroadcastStatus.CANCELLED: AuditAction.BROADCAST_CANCELLED,
}


@dataclass(frozen=True)
class Audience:
    """Who gets an announcement; filters are ANDed, each is "any of"; empty: no restriction."""

    associations: tuple[str, ...] = ()
    oblasts: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def as_json(self) -> dict[str, list[str]]:
        return {
            "associations": list(self.associations),
            "oblasts": list(self.oblasts),
            "roles": list(self.roles),
        }

    def includes(self, associations: set[str], oblast: str | None, role: str | None) -> bool:
        """Whether a member with this profile is in the audience."""
        return (
            (not self.associations or bool(associations.intersection(self.associations)))
            and (not self.oblasts or oblast in self.oblasts)
            and (not self.roles or role in self.roles)
        )

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Audience:
        data = data or {}
        return cls(
            associations=tuple(data.get("associations") or ()),
            oblasts=tuple(data.get("oblasts") or ()),
            roles=tuple(data.get("roles") or ()),
        )


@dataclass(frozen=True)
class Announcement:
    """An announcement as composed: HTML texts, an optional photo or document, the audience."""

    text_uk: str
    text_en: str | None
    attachment_kind: str | None  # "photo" | "document" | None
    attachment_file_id: str | None
    attachment_name: str | None
    urgent: bool
    audience: Audience
    # The file size as Telegram reports it, when known (checked against ATTACHMENT_MAX_BYTES).
    attachment_size: int | None = None


class BroadcastError(Exception):
    """A refusal; `code` is the suffix of its Fluent id `announcement-error-<code>`.

    Codes: not-allowed, empty-audience, empty-text, too-long, unsupported-attachment,
    file-too-large, not-found, finished. For too-long: `locale`, `length` and `limit` are set."""

    def __init__(
        self,
        code: str,
        *,
        locale: str | None = None,
        length: int | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.locale = locale
        self.length = length
        self.limit = limit

    @property
    def message_id(self) -> str:
        return f"announcement-error-{self.code}"

    @property
    def excess(self) -> int:
        return (self.length or 0) - (self.limit or 0)


@dataclass(frozen=True)
class BroadcastProgress:
    """Where one broadcast stands: for the progress message and the final report."""

    broadcast_id: int
    status: str
    total: int
    sent: int
    unreachable: int
    failed: int
    uncertain: int
    cancelled: int
    remaining: int
    rate_per_second: float | None
    eta_seconds: float | None
    created_at: datetime
    finished_at: datetime | None
    author_telegram_id: int = 0
    progress_chat_id: int | None = None
    progress_message_id: int | None = None
    progress_locale: str = "uk"
    progress_shown: str | None = None  # fingerprint of what the progress message shows

    @property
    def is_final(self) -> bool:
        """Nothing more will happen: done, or cancelled with nothing left in flight."""
        return self.status in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED) and (
            self.remaining == 0
        )


@dataclass(frozen=True)
class NewsItem:
    """A past announcement as a member sees it in News."""

    broadcast_id: int
    created_at: datetime
    urgent: bool
    text_uk: str
    text_en: str | None
    attachment_kind: str | None
    attachment_file_id: str | None
    attachment_name: str | None
    audience: Audience
    # What the broadcast carried (BroadcastPurpose); an outcome names its consultation.
    purpose: str = "announcement"
    consultation_id: int | None = None
    consultation_title: str | None = None


# (announcement, locale) -> the HTML a member of that locale receives (header included).
Renderer = Callable[[Announcement, str], str]


def announcement_problems(
    announcement: Announcement, render: Renderer | None = None
) -> list[BroadcastError]:
    """What stops this announcement from going out, empty when nothing does.

    Lengths are measured on the rendered message (header included) of each locale: Ukrainian
    always, English too since English-speaking members get the English header (and `text_en`
    when present). With an attachment the limit is the caption's, else the message's."""
    problems: list[BroadcastError] = []
    if not has_words(visible_text(announcement.text_uk)):
        problems.append(BroadcastError("empty-text"))
    kind = announcement.attachment_kind
    if kind is not None:
        unsupported = kind not in ATTACHMENT_KINDS or not announcement.attachment_file_id
        if kind == "document" and not _accepted_document(announcement.attachment_name):
            unsupported = True
        if unsupported:
            problems.append(BroadcastError("unsupported-attachment"))
        if (
            announcement.attachment_size is not None
            and announcement.attachment_size > ATTACHMENT_MAX_BYTES
        ):
            problems.append(BroadcastError("file-too-large"))
    limit = CAPTION_LIMIT if kind is not None else TEXT_LIMIT
    for locale in ("uk", "en"):
        if render is not None:
            rendered = render(announcement, locale)
        else:
            rendered = (announcement.text_en if locale == "en" else None) or announcement.text_uk
        length = visible_length(rendered)
        if length > limit:
            problems.append(BroadcastError("too-long", locale=locale, length=length, limit=limit))
    return problems


def _accepted_document(name: str | None) -> bool:
    if not name:
        return False
    return PurePath(name).suffix.lower().lstrip(".") in DOCUMENT_EXTENSIONS


class BroadcastService(StaffGuarded):
    """Use cases on announcements; each method is one transaction."""

    def __init__(
        self,
        db: Database,
        admin_ids: frozenset[int] = frozenset(),
        *,
        render: Renderer | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(db, admin_ids)
        self.render = render
        self.clock = clock

    # ------------------------------------------------------------------ rights and audience

    async def allowed_associations(self, telegram_id: int) -> tuple[str, ...] | None:
        """None: may not broadcast; (): an admin, any audience; else the associations whose
        members this staff member may address."""
        return addressable(await self.staff.rights(telegram_id))

    async def _required(self, telegram_id: int) -> tuple[str, ...]:
        """`allowed_associations`, refusing those who may not broadcast."""
        allowed = await self.allowed_associations(telegram_id)
        if allowed is None:
            raise BroadcastError("not-allowed")
        return allowed

    async def count_recipients(
        self, actor_telegram_id: int, audience: Audience, urgent: bool
    ) -> int:
        """How many outbox rows confirming now would create."""
        effective = audience_within(audience, await self._required(actor_telegram_id))
        async with self.db.transaction() as session:
            return await repo.count_recipients(
                session, audience_condition(effective, urgent=urgent)
            )

    async def effective_audience(self, actor_telegram_id: int, audience: Audience) -> Audience:
        """The audience as it will be stored (staff: restricted to their associations)."""
        return audience_within(audience, await self._required(actor_telegram_id))

    # ------------------------------------------------------------------ confirmation

    async def create(
        self,
        actor_telegram_id: int,
        actor_name: str | None,
        announcement: Announcement,
        *,
        progress_chat_id: int,
        progress_locale: str,
        request_key: str | None = None,
    ) -> BroadcastProgress:
        """Confirm an announcement: the broadcast and one outbox row per recipient, in one
        transaction. Raises BroadcastError when refused (nothing is written then). With a
        `request_key` already used by this author, the broadcast made then is returned."""
        now = self.clock()
        if request_key is not None:
            async with self.db.transaction() as session:
                earlier = await self._confirmed(session, actor_telegram_id, request_key, now)
            if earlier is not None:
                return earlier
        audience = audience_within(announcement.audience, await self._required(actor_telegram_id))
        effective = replace(announcement, audience=audience)
        problems = announcement_problems(effective, self.render)
        if problems:
            raise problems[0]
        row = Broadcast(
            author_telegram_id=actor_telegram_id,
            author_name=actor_name,
            text_uk=effective.text_uk,
            text_en=effective.text_en or None,
            attachment_kind=effective.attachment_kind,
            attachment_file_id=effective.attachment_file_id,
            attachment_name=effective.attachment_name,
            urgent=effective.urgent,
            audience=audience.as_json(),
            status=BroadcastStatus.SENDING,
            created_at=now,
            progress_chat_id=progress_chat_id,
            progress_locale=progress_locale,
            request_key=request_key,
        )
        return await once_per_key(
            self.db,
            request_key,
            lambda: self._write(row, effective, now),
            lambda session, key: self._confirmed(session, actor_telegram_id, key, now),
        )

    async def _confirmed(
        self, session: AsyncSession, actor_telegram_id: int, request_key: str, now: datetime
    ) -> BroadcastProgress | None:
        """The broadcast this author already confirmed with this key, if any."""
        earlier = await repo.broadcast_by_request_key(session, actor_telegram_id, request_key)
        return None if earlier is None else await self._progress(session, earlier, now)

    async def _write(
        self, row: Broadcast, announcement: Announcement, now: datetime
    ) -> BroadcastProgress:
        """The broadcast, one outbox row per recipient and the audit entry, in one transaction."""
        async with self.db.transaction() as session:
            broadcast = await write_outbox(
                session,
                row,
                audience_condition(announcement.audience, urgent=announcement.urgent),
                now,
            )
            await add_event(
                session,
                AuditAction.BROADCAST_CREATED,
                broadcast.id,
                actor_id=row.author_telegram_id,
                after={
                    "recipients": broadcast.recipients,
                    "urgent": announcement.urgent,
                    "audience": announcement.audience.as_json(),
                    "attachment": announcement.attachment_kind,
                },
            )
            return await self._progress(session, broadcast, now)

    async def set_progress_message(
        self, broadcast_id: int, message_id: int, shown: str | None = None
    ) -> None:
        async with self.db.transaction() as session:
            broadcast = await _existing_broadcast(session, broadcast_id)
            broadcast.progress_message_id = message_id
            broadcast.progress_shown = shown

    async def record_progress_shown(self, broadcast_id: int, shown: str) -> None:
        """What the progress message shows now (a fingerprint), so nobody repeats the edit."""
        async with self.db.transaction() as session:
            broadcast = await repo.get_broadcast(session, broadcast_id)
            if broadcast is not None:
                broadcast.progress_shown = shown

    # ------------------------------------------------------------------ progress

    async def progress(self, broadcast_id: int) -> BroadcastProgress:
        async with self.db.transaction() as session:
            broadcast = await _existing_broadcast(session, broadcast_id)
            return await self._progress(session, broadcast, self.clock())

    async def _progress(
        self, session: Any, broadcast: Broadcast, now: datetime
    ) -> BroadcastProgress:
        counts = await repo.status_counts(session, broadcast.id)
        remaining = sum(counts.get(status, 0) for status in repo.OPEN_STATUSES)
        rate: float | None = None
        eta: float | None = None
        if broadcast.status == BroadcastStatus.SENDING:
            pace = await repo.recent_pace(session, broadcast.id, now - RATE_WINDOW)
            if pace.count >= 2 and pace.earliest is not None:
                span = max((now - pace.earliest).total_seconds(), 1.0)
                rate = pace.count / span
                eta = remaining / rate if rate > 0 else None
        return view_of(
            BroadcastProgress,
            broadcast,
            broadcast_id=broadcast.id,
            status=str(broadcast.status),
            total=broadcast.recipients,
            sent=counts.get(DeliveryStatus.SENT, 0),
            unreachable=counts.get(DeliveryStatus.UNREACHABLE, 0),
            failed=counts.get(DeliveryStatus.FAILED, 0),
            uncertain=counts.get(DeliveryStatus.UNCERTAIN, 0),
            cancelled=counts.get(DeliveryStatus.CANCELLED, 0),
            remaining=remaining,
            rate_per_second=rate,
            eta_seconds=eta,
        )

    # ------------------------------------------------------------------ pause, resume, cancel

    async def pause(self, actor_telegram_id: int, broadcast_id: int) -> BroadcastProgress:
        """Nothing more is claimed until resumed (rows already in flight finish)."""
        return await self._change(
            actor_telegram_id, broadcast_id, BroadcastStatus.SENDING, BroadcastStatus.PAUSED
        )

    async def resume(self, actor_telegram_id: int, broadcast_id: int) -> BroadcastProgress:
        return await self._change(
            actor_telegram_id, broadcast_id, BroadcastStatus.PAUSED, BroadcastStatus.SENDING
        )

    async def cancel(self, actor_telegram_id: int, broadcast_id: int) -> BroadcastProgress:
        """Rows not yet sent are cancelled; the sender posts the final report once the rows
        in flight have settled."""
        return await self._change(actor_telegram_id, broadcast_id, None, BroadcastStatus.CANCELLED)

    async def check_manage(self, actor_telegram_id: int, broadcast_id: int) -> BroadcastProgress:
        """The broadcast as it stands, when this user may still pause, resume or cancel it."""
        rights = await self.staff.rights(actor_telegram_id)
        async with self.db.transaction() as session:
            broadcast = await _existing_broadcast(session, broadcast_id)
            _check_manage(rights, broadcast)
            return await self._progress(session, broadcast, self.clock())

    async def _change(
        self,
        actor_telegram_id: int,
        broadcast_id: int,
        expected: BroadcastStatus | None,
        target: BroadcastStatus,
    ) -> BroadcastProgress:
        now = self.clock()
        rights = await self.staff.rights(actor_telegram_id)
        async with self.db.transaction() as session:
            broadcast = await _existing_broadcast(session, broadcast_id, for_update=True)
            _check_manage(rights, broadcast)
            if expected is not None and broadcast.status != expected:
                # Already in the wanted state (a double press): report it as it stands.
                return await self._progress(session, broadcast, now)
            before = str(broadcast.status)
            broadcast.status = target
            if target == BroadcastStatus.CANCELLED:
                await repo.cancel_pending(session, broadcast.id, now)
            await add_event(
                session,
                STATUS_ACTIONS[target],
                broadcast.id,
                actor_id=actor_telegram_id,
                before={"status": before},
                after={"status": str(target)},
            )
            await session.flush()
            return await self._progress(session, broadcast, now)

    # ------------------------------------------------------------------ News

    async def news_for(self, telegram_id: int, limit: int = 10) -> list[NewsItem]:
        """Announcements addressed to this verified member, newest first: those that reached
        them and those whose audience covers them now (muted ones too), cancelled ones out."""
        async with self.db.transaction() as session:
            rows = await repo.recent_broadcasts(session, NEWS_WINDOW)
            return (await self._addressed(session, telegram_id, rows))[:limit]

    async def news_item(self, telegram_id: int, broadcast_id: int) -> NewsItem | None:
        """One announcement of this member's News; None when it is not theirs."""
        async with self.db.transaction() as session:
            broadcast = await repo.get_broadcast(session, broadcast_id)
            if (
                broadcast is None
                or broadcast.status == BroadcastStatus.CANCELLED
                or broadcast.purpose not in repo.NEWS_PURPOSES
            ):
                return None
            items = await self._addressed(session, telegram_id, [broadcast])
        return items[0] if items else None

    async def _addressed(
        self, session: AsyncSession, telegram_id: int, rows: Sequence[Broadcast]
    ) -> list[NewsItem]:
        """Those of `rows` addressed to this member, when verified."""
        member = await members_repo.get_by_telegram_id(session, telegram_id)
        if member is None or member.verification != Verification.VERIFIED:
            return []
        delivered = await repo.broadcasts_with_delivery(session, member.id, [r.id for r in rows])
        codes = {association.code for association in member.associations}
        return [
            news_item_from_row(row, await consultation_title(session, row))
            for row in rows
            if row.id in delivered
            or Audience.from_json(row.audience).includes(codes, member.oblast_code, member.role)
        ]


def audience_condition(audience: Audience, *, urgent: bool, unverified: bool = False) -> Any:
    """The members `audience` covers (those who muted announcements only when `urgent`; the
    unverified too when `unverified`), as a condition on `Member`."""
    return repo.recipients_filter(
        associations=audience.associations,
        oblasts=audience.oblasts,
        roles=audience.roles,
        urgent=urgent,
        unverified=unverified,
    )


def addressable(rights: Rights) -> tuple[str, ...] | None:
    """None: may not address members; (): an admin, any audience; else the associations whose
    members this staff member may address."""
    if rights.is_admin:
        return ()
    return tuple(sorted(rights.staff_of)) or None


def audience_within(audience: Audience, allowed: tuple[str, ...]) -> Audience:
    """The audience as the actor may address it: staff picking "all" get their own
    associations; picking others' is refused."""
    if not allowed:
        return audience
    if not audience.associations:
        return Audience(allowed, audience.oblasts, audience.roles)
    if not set(audience.associations) <= set(allowed):
        raise BroadcastError("not-allowed")
    return audience


async def write_outbox(
    session: AsyncSession,
    broadcast: Broadcast,
    condition: Any,
    now: datetime,
    *,
    allow_empty: bool = False,
) -> Broadcast:
    """The broadcast and one PENDING outbox row per member matching `condition`, in the
    caller's transaction. When nobody matches: BroadcastError("empty-audience"), which rolls
    the broadcast back too; with `allow_empty` the broadcast is kept, done at once (a record
    that there was nobody left to send it to)."""
    broadcast = await repo.add_broadcast(session, broadcast)
    total = await repo.add_deliveries(session, broadcast.id, condition, now)
    if total == 0:
        if not allow_empty:
            raise BroadcastError("empty-audience")
        broadcast.status = BroadcastStatus.DONE
        broadcast.finished_at = now
    broadcast.recipients = total
    return broadcast


async def _existing_broadcast(
    session: AsyncSession, broadcast_id: int, *, for_update: bool = False
) -> Broadcast:
    """The broadcast; BroadcastError "not-found" when there is none."""
    broadcast = await repo.get_broadcast(session, broadcast_id, for_update=for_update)
    if broadcast is None:
        raise BroadcastError("not-found")
    return broadcast


def _check_manage(rights: Rights, broadcast: Broadcast) -> None:
    """The author (still staff) or an admin, and the broadcast not over yet."""
    if not rights.is_admin and (
        not rights.is_staff or broadcast.author_telegram_id != rights.telegram_id
    ):
        raise BroadcastError("not-allowed")
    if broadcast.status not in (BroadcastStatus.SENDING, BroadcastStatus.PAUSED):
        raise BroadcastError("finished")


def news_item_from_row(row: Broadcast, consultation_title: str | None = None) -> NewsItem:
    return view_of(
        NewsItem,
        row,
        broadcast_id=row.id,
        audience=Audience.from_json(row.audience),
        consultation_title=consultation_title,
    )


async def consultation_title(session: AsyncSession, row: Broadcast) -> str | None:
    """The title of the consultation a broadcast carries (its question, reminder or outcome)."""
    if row.consultation_id is None:
        return None
    consultation = await consultations_repo.get(session, row.consultation_id)
    return None if consultation is None else consultation.title
