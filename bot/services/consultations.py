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

import html
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcasts import (
    Announcement,
    Audience,
    BroadcastError,
    addressable,
    announcement_problems,
    audience_condition,
    audience_within,
    write_outbox,
)
from bot.services.members import ROLES
from bot.services.message_limits import visible_text
from bot.services.request_keys import once_per_key
from bot.services.staff import Rights, StaffService
from bot.services.text_input import InvalidInput, clean_block, clean_line, has_words
from storage.db import Database
from storage.models import (
    Broadcast,
    BroadcastPurpose,
    BroadcastStatus,
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    ConsultationStatus,
    Member,
    Verification,
    utcnow,
)
from storage.repositories import broadcasts as broadcasts_repo
from storage.repositories import consultations as repo
from storage.repositories import members as members_repo
from storage.repositories.audit import add_event

T = TypeVar("T")


class Position(StrEnum):
    """The answers to a position consultation, in the order the buttons show them."""

    SUPPORT = "support"
    AMEND = "amend"  # support with amendments: a comment says which
    OPPOSE = "oppose"
    NONE = "none"  # no opinion


TITLE_LIMIT = 120
OPTION_LIMIT = 60  # an option is a button's text too
MAX_OPTIONS = 10
COMMENT_LIMIT = 2000
MAX_AHEAD = timedelta(days=90)
REMINDER_LEAD = timedelta(hours=24)
# An outcome's header beside the consultation's title: «📌 Підсумки консультації «…» · ВАГ,
# Асоціація ОТГ, УАРОР» and its English twin.
OUTCOME_HEADER_ROOM = 80
RECENT_LIMIT = 20
DESK_LIMIT = 10  # the staff's list: each row's counts are two small queries


class ConsultationError(BroadcastError):
    """A refusal; `code` is the suffix of its Fluent id `consultation-error-<code>`.

    Codes: not-allowed, not-found, empty-title, title-too-long, empty-question, too-long
    (`locale`, `length`, `limit`), unsupported-attachment, file-too-large, too-few-options,
    too-many-options, empty-option, option-too-long, bad-max-choices, closes-in-past,
    closes-too-late, empty-audience, not-in-audience, closed, still-open, bad-choice,
    comment-required, comment-too-long, no-answer, empty-text."""

    @property
    def message_id(self) -> str:
        return f"consultation-error-{self.code}"


class ConsultationClosed(ConsultationError):
    """The consultation closed: answers can no longer be given or changed."""

    def __init__(self) -> None:
        super().__init__("closed")


@dataclass(frozen=True)
class Option:
    """One priority to choose, in Ukrainian and (optionally) English."""

    uk: str
    en: str | None = None

    def text(self, locale: str) -> str:
        return (self.en if locale == "en" else None) or self.uk


@dataclass(frozen=True)
class Document:
    """The draft law or other file sent with the question (or the outcome): Telegram's ids."""

    kind: str  # "document" | "photo"
    file_id: str
    name: str | None = None
    size: int | None = None  # as Telegram reports it, when known


@dataclass(frozen=True)
class ConsultationDraft:
    """A consultation as composed; `question_*` are HTML like announcements' texts."""

    title: str
    question_uk: str
    kind: ConsultationKind
    closes_at: datetime
    question_en: str | None = None
    options: tuple[Option, ...] = ()  # priorities only
    max_choices: int = 1  # priorities: at most this many of the options
    audience: Audience = field(default_factory=Audience)
    answers_visible_to_staff: bool = True
    document: Document | None = None


@dataclass(frozen=True)
class ConsultationView:
    """A consultation as stored."""

    id: int
    title: str
    question_uk: str
    question_en: str | None
    kind: ConsultationKind
    options: tuple[Option, ...]
    max_choices: int
    audience: Audience
    closes_at: datetime
    answers_visible_to_staff: bool
    status: ConsultationStatus
    created_at: datetime
    closed_at: datetime | None
    author_telegram_id: int
    author_name: str | None
    document: Document | None
    broadcast_id: int | None
    reminder_broadcast_id: int | None
    outcome_broadcast_id: int | None
    summary_posted_at: datetime | None

    @property
    def option_keys(self) -> tuple[str, ...]:
        """What the results count by: the position codes, or the options' indices as text."""
        if self.kind == ConsultationKind.POSITION:
            return tuple(p.value for p in Position)
        return tuple(str(index) for index in range(len(self.options)))

    def is_open(self, now: datetime) -> bool:
        return self.status == ConsultationStatus.OPEN and now < self.closes_at


@dataclass(frozen=True)
class MyAnswer:
    """A member's current answer: a position code, or the chosen options' indices."""

    consultation_id: int
    choice: str | tuple[int, ...]
    comment: str | None
    created_at: datetime
    updated_at: datetime
    verified: bool


@dataclass(frozen=True)
class Count:
    """Answers counted: verified members, their distinct hromadas, and unverified members
    (shown apart, never in the first two)."""

    members: int = 0
    hromadas: int = 0
    unverified: int = 0


@dataclass(frozen=True)
class Breakdown:
    """One association, oblast or role ("" when unknown): who answered, and by option."""

    key: str
    respondents: Count
    options: dict[str, Count]


@dataclass(frozen=True)
class CommentRow:
    """A comment as staff read it: what was chosen and where from, not who."""

    choice: str | tuple[int, ...]
    comment: str
    association_codes: tuple[str, ...]
    oblast_code: str | None
    role: str | None
    verified: bool
    updated_at: datetime


@dataclass(frozen=True)
class AnswerRow:
    """One answer with the person (`member_name` None once they deleted their data)."""

    member_name: str | None
    choice: str | tuple[int, ...]
    comment: str | None
    association_codes: tuple[str, ...]
    oblast_code: str | None
    role: str | None
    hromada_code: str | None
    hromada_text: str | None
    verified: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Results:
    """Where a consultation stands. `options` and each breakdown's options hold every option
    key; `by_oblast` every oblast given to the service, `by_role` every role, zero rows kept.
    `rows` is None when the viewer may not see individual answers."""

    consultation: ConsultationView
    asked: int  # outbox rows: the audience
    reached: int  # of those, sent
    respondents: Count
    options: dict[str, Count]
    by_association: tuple[Breakdown, ...]
    by_oblast: tuple[Breakdown, ...]
    by_role: tuple[Breakdown, ...]
    comments: tuple[CommentRow, ...]
    rows: tuple[AnswerRow, ...] | None

    @property
    def answered(self) -> int:
        return self.respondents.members + self.respondents.unverified

    @property
    def response_rate(self) -> float:
        """Answers (verified or not) per member asked, 0..1."""
        return self.answered / self.asked if self.asked else 0.0


# (draft, locale) -> the HTML a member of that locale receives, buttons aside.
Renderer = Callable[[ConsultationDraft, str], str]


def plain_render(draft: ConsultationDraft, locale: str) -> str:
    """The title, the question and the numbered options: what the limits are measured on
    when the bot gives no renderer of its own."""
    question = (draft.question_en if locale == "en" else None) or draft.question_uk
    lines = [f"<b>{html.escape(draft.title)}</b>", "", question]
    if draft.options:
        lines.append("")
        lines += [
            f"{number}. {html.escape(option.text(locale))}"
            for number, option in enumerate(draft.options, 1)
        ]
    return "\n".join(lines)


def consultation_problems(
    draft: ConsultationDraft, now: datetime, render: Renderer = plain_render
) -> list[ConsultationError]:
    """What stops this draft from going out, empty when nothing does. Lengths are measured on
    the rendered message of each locale against the message's limit: a document goes first on
    its own (`delivery.consultations.send_consultation`), the text with the buttons after it."""
    problems: list[ConsultationError] = []
    title = " ".join(draft.title.split())
    if not title:
        problems.append(ConsultationError("empty-title"))
    elif len(title) > TITLE_LIMIT:
        problems.append(ConsultationError("title-too-long", length=len(title), limit=TITLE_LIMIT))
    document = draft.document
    as_announcement = Announcement(
        text_uk=render(draft, "uk"),
        text_en=render(draft, "en"),
        attachment_kind=document.kind if document else None,
        attachment_file_id=document.file_id if document else None,
        attachment_name=document.name if document else None,
        urgent=False,
        audience=draft.audience,
        attachment_size=document.size if document else None,
    )
    if not _has_text(draft.question_uk):
        problems.append(ConsultationError("empty-question"))
    text_only = replace(as_announcement, attachment_kind=None, attachment_file_id=None)
    problems += _as_consultation_errors(
        announcement_problems(as_announcement), drop=("empty-text", "too-long")
    ) + _as_consultation_errors(announcement_problems(text_only), keep=("too-long",))
    if draft.kind == ConsultationKind.PRIORITIES:
        count = len(draft.options)
        if count < 2:
            problems.append(ConsultationError("too-few-options"))
        if count > MAX_OPTIONS:
            problems.append(ConsultationError("too-many-options", length=count, limit=MAX_OPTIONS))
        for option in draft.options:
            texts = [option.uk] + ([option.en] if option.en else [])
            if not all(" ".join(text.split()) for text in texts):
                problems.append(ConsultationError("empty-option"))
            elif any(len(text) > OPTION_LIMIT for text in texts):
                problems.append(ConsultationError("option-too-long", limit=OPTION_LIMIT))
        if not 1 <= draft.max_choices <= max(count, 1):
            problems.append(ConsultationError("bad-max-choices", limit=count))
    elif draft.options:
        problems.append(ConsultationError("bad-choice"))
    if draft.closes_at <= now:
        problems.append(ConsultationError("closes-in-past"))
    elif draft.closes_at > now + MAX_AHEAD:
        problems.append(ConsultationError("closes-too-late"))
    return problems


def outcome_problems(
    text_uk: str,
    text_en: str | None = None,
    document: Document | None = None,
    audience: Audience | None = None,
    title: str = "",
) -> list[ConsultationError]:
    """What stops this outcome from going out (an announcement's rules), empty when nothing.
    Its header names the consultation: the length is measured with the `title` and room for
    the header's own words and the associations' names."""
    announcement = Announcement(
        text_uk=text_uk,
        text_en=text_en,
        attachment_kind=document.kind if document else None,
        attachment_file_id=document.file_id if document else None,
        attachment_name=document.name if document else None,
        urgent=False,
        audience=audience or Audience(),
        attachment_size=document.size if document else None,
    )
    room = "x" * (len(title) + OUTCOME_HEADER_ROOM) + "\n\n"
    headed = replace(
        announcement, text_uk=room + text_uk, text_en=room + text_en if text_en else None
    )
    return _as_consultation_errors(
        announcement_problems(announcement), drop=("too-long",)
    ) + _as_consultation_errors(announcement_problems(headed), keep=("too-long",))


def _as_consultation_errors(
    problems: list[BroadcastError],
    *,
    keep: tuple[str, ...] | None = None,
    drop: tuple[str, ...] = (),
) -> list[ConsultationError]:
    """An announcement's problems as a consultation's, those of the codes kept (all when None)
    and not dropped."""
    return [
        ConsultationError(p.code, locale=p.locale, length=p.length, limit=p.limit)
        for p in problems
        if (keep is None or p.code in keep) and p.code not in drop
    ]


def _has_text(html_text: str) -> bool:
    return has_words(visible_text(html_text))


class ConsultationService:
    """Use cases on consultations; each public method is one transaction (answering is tried
    again once when a second press of the same member wrote first)."""

    def __init__(
        self,
        db: Database,
        admin_ids: frozenset[int] = frozenset(),
        *,
        oblast_codes: Sequence[str] = (),
        render: Renderer = plain_render,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.staff = StaffService(db, admin_ids)
        self.oblast_codes = tuple(oblast_codes)
        self.render = render
        self.clock = clock

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
                document = draft.document
                try:
                    broadcast = await write_outbox(
                        session,
                        Broadcast(
                            author_telegram_id=actor_telegram_id,
                            author_name=actor_name,
                            text_uk=draft.question_uk,
                            text_en=draft.question_en or None,
                            attachment_kind=document.kind if document else None,
                            attachment_file_id=document.file_id if document else None,
                            attachment_name=document.name if document else None,
                            urgent=False,
                            audience=audience.as_json(),
                            status=BroadcastStatus.SENDING,
                            created_at=now,
                            progress_chat_id=progress_chat_id,
                            progress_locale=progress_locale,
                            purpose=BroadcastPurpose.CONSULTATION,
                            consultation_id=consultation.id,
                        ),
                        _condition(audience),
                        now,
                    )
                except BroadcastError as error:
                    raise ConsultationError(error.code) from None
                consultation.broadcast_id = broadcast.id
                await add_event(
                    session,
                    actor_id=actor_telegram_id,
                    action="consultation.created",
                    subject_type="consultation",
                    subject_id=consultation.id,
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

    # ------------------------------------------------------------------ staff views

    async def view(self, consultation_id: int, viewer_telegram_id: int) -> ConsultationView:
        """The consultation, for staff who may see its results."""
        async with self.db.transaction() as session:
            consultation, _ = await self._viewable(session, consultation_id, viewer_telegram_id)
            return view_of(consultation)

    async def recent(
        self, viewer_telegram_id: int, limit: int = RECENT_LIMIT
    ) -> list[ConsultationView]:
        """The latest consultations this staff member may see, newest first."""
        async with self.db.transaction() as session:
            rights = await self.staff.rights_in(session, viewer_telegram_id)
            if not rights.is_staff:
                raise ConsultationError("not-allowed")
            rows = await repo.recent(session, limit * 5)
            return [view_of(row) for row in rows if _may_view(rights, row)][:limit]

    async def desk(self, viewer_telegram_id: int, limit: int = DESK_LIMIT) -> list[DeskRow]:
        """The latest consultations this staff member may see, newest first, each with how
        many were asked and how many answered (the staff's list)."""
        views = await self.recent(viewer_telegram_id, limit)
        async with self.db.transaction() as session:
            return [await _desk_row(session, view) for view in views]

    async def desk_row(self, consultation_id: int, viewer_telegram_id: int) -> DeskRow:
        """One consultation as the staff's list shows it, for staff who may see it."""
        async with self.db.transaction() as session:
            consultation, _ = await self._viewable(session, consultation_id, viewer_telegram_id)
            return await _desk_row(session, view_of(consultation))

    async def _viewable(
        self, session: AsyncSession, consultation_id: int, viewer_telegram_id: int
    ) -> tuple[Consultation, Rights]:
        rights = await self.staff.rights_in(session, viewer_telegram_id)
        consultation = await repo.get(session, consultation_id)
        if consultation is None:
            raise ConsultationError("not-found")
        if not _may_view(rights, consultation):
            raise ConsultationError("not-allowed")
        return consultation, rights

    async def results(
        self, consultation_id: int, viewer_telegram_id: int, *, with_rows: bool = True
    ) -> Results:
        """Live results for staff who may see them; `rows` only as `answers_visible_to_staff`
        and the viewer's associations allow (admins: all), and only `with_rows` (the window's
        text needs none of the thousands of answers; the spreadsheet does)."""
        async with self.db.transaction() as session:
            consultation, rights = await self._viewable(
                session, consultation_id, viewer_telegram_id
            )
            return await self._results(session, consultation, rights if with_rows else None)

    async def summary(self, consultation_id: int) -> Results:
        """The aggregate results for the final summary in the staff groups: no individual
        answers (each group's staff may see different ones)."""
        async with self.db.transaction() as session:
            consultation = await repo.get(session, consultation_id)
            if consultation is None:
                raise ConsultationError("not-found")
            return await self._results(session, consultation, None)

    async def summary_for(self, consultation_id: int, association_codes: Sequence[str]) -> Results:
        """The final summary for the staff group of these associations: the aggregate, and the
        answers their staff may see (none when answers are hidden from staff)."""
        async with self.db.transaction() as session:
            consultation = await repo.get(session, consultation_id)
            if consultation is None:
                raise ConsultationError("not-found")
            rights = Rights(telegram_id=0, is_admin=False, staff_of=frozenset(association_codes))
            return await self._results(session, consultation, rights)

    async def _results(
        self, session: AsyncSession, consultation: Consultation, rights: Rights | None
    ) -> Results:
        view = view_of(consultation)
        keys = view.option_keys
        asked, reached = await repo.audience_size(session, consultation.broadcast_id)
        total = _counts(await repo.tally(session, consultation.id, None, by_option=False))
        options = _counts(await repo.tally(session, consultation.id, None, by_option=True))
        breakdowns = {}
        for group in repo.GROUPS:
            respondents = _counts(
                await repo.tally(session, consultation.id, group, by_option=False)
            )
            chosen = _counts(await repo.tally(session, consultation.id, group, by_option=True))
            breakdowns[group] = tuple(
                Breakdown(
                    key,
                    respondents.get((key, None), Count()),
                    {option: chosen.get((key, option), Count()) for option in keys},
                )
                for key in self._group_keys(group, view, respondents)
            )
        comments = tuple(
            CommentRow(
                _choice(row.choice),
                row.comment or "",
                tuple(row.association_codes or ()),
                row.oblast_code,
                row.role,
                row.verified,
                row.updated_at,
            )
            for row in await repo.commented(session, consultation.id)
        )
        return Results(
            consultation=view,
            asked=asked,
            reached=reached,
            respondents=total.get((None, None), Count()),
            options={option: options.get((None, option), Count()) for option in keys},
            by_association=breakdowns["association"],
            by_oblast=breakdowns["oblast"],
            by_role=breakdowns["role"],
            comments=comments,
            rows=await self._rows(session, consultation, rights),
        )

    def _group_keys(
        self, group: str, view: ConsultationView, found: dict[tuple[str | None, str | None], Count]
    ) -> list[str]:
        """Every key a breakdown shows: those expected (zero rows kept), then any others met."""
        expected: tuple[str, ...]
        if group == "association":
            expected = view.audience.associations
        elif group == "oblast":
            expected = view.audience.oblasts or self.oblast_codes
        else:
            expected = view.audience.roles or ROLES
        met = sorted({key or "" for key, _ in found} - set(expected))
        return [*expected, *met]

    async def _rows(
        self, session: AsyncSession, consultation: Consultation, rights: Rights | None
    ) -> tuple[AnswerRow, ...] | None:
        if rights is None or not (rights.is_admin or consultation.answers_visible_to_staff):
            return None
        scope = None if rights.is_admin else sorted(rights.staff_of)
        return tuple(
            AnswerRow(
                member_name=row.member_name,
                choice=_choice(row.choice),
                comment=row.comment,
                association_codes=tuple(row.association_codes or ()),
                oblast_code=row.oblast_code,
                role=row.role,
                hromada_code=row.hromada_code,
                hromada_text=row.hromada_text,
                verified=row.verified,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in await repo.answer_rows(session, consultation.id, scope)
        )

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
            text = row.comment if row is not None and comment is None else _comment(comment)
            stored, options = _checked_choice(consultation, choice, text)
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
            text = _comment(comment)
            _, options = _checked_choice(consultation, _choice(row.choice), text)
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
            row = await repo.answer_by_request_key(session, key)
            if row is None or row.member_id is None:
                return None
            member = await members_repo.get_by_telegram_id(session, member_telegram_id)
            return answer_of(row) if member is not None and member.id == row.member_id else None

        async def keyed_once() -> MyAnswer:
            return await once_per_key(self.db, request_key, attempt, keyed)

        # Two presses of one member at once: the second one's insert meets the unique
        # (consultation, member) and, tried again, changes the row the first one wrote.
        return await _again_on_conflict(keyed_once)

    async def _asked(
        self, session: AsyncSession, member_telegram_id: int, consultation_id: int
    ) -> tuple[Consultation, Member]:
        consultation = await repo.get(session, consultation_id)
        if consultation is None:
            raise ConsultationError("not-found")
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
            actor_id=member.telegram_id,
            action="consultation.answered",
            subject_type="consultation",
            subject_id=row.consultation_id,
            before=None if before is None else {"choice": before},
            after={"choice": row.choice, "comment": row.comment is not None},
        )
        return answer_of(row)

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
                broadcast = await self._follow_up(
                    session,
                    consultation,
                    BroadcastPurpose.REMINDER,
                    repo.asked_filter(consultation, unanswered=True),
                    now,
                )
                if not await repo.claim_reminder(session, consultation.id, broadcast.id):
                    raise _Lost
                await add_event(
                    session,
                    actor_id=None,
                    action="consultation.reminded",
                    subject_type="consultation",
                    subject_id=consultation.id,
                    after={"broadcast_id": broadcast.id, "recipients": broadcast.recipients},
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
            consultation = await repo.get(session, consultation_id)
            if consultation is None:
                raise ConsultationError("not-found")
            if actor_telegram_id is not None:
                rights = await self.staff.rights_in(session, actor_telegram_id)
                if not _may_view(rights, consultation):
                    raise ConsultationError("not-allowed")
            closed = await repo.close(session, consultation.id, now)
            if closed:
                # Read again under our write: a reminder written meanwhile is in it now.
                consultation = await repo.get(session, consultation.id) or consultation
                closing = await self._follow_up(
                    session,
                    consultation,
                    BroadcastPurpose.CLOSING,
                    repo.shown_buttons_filter(consultation),
                    now,
                )
                await add_event(
                    session,
                    actor_id=actor_telegram_id,
                    action="consultation.closed",
                    subject_type="consultation",
                    subject_id=consultation.id,
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
            consultation = await repo.get(session, consultation_id, for_update=True)
            if consultation is None:
                raise ConsultationError("not-found")
            rights = await self.staff.rights_in(session, actor_telegram_id)
            if not _may_view(rights, consultation):
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
            broadcast = await self._follow_up(
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
            await add_event(
                session,
                actor_id=actor_telegram_id,
                action="consultation.outcome",
                subject_type="consultation",
                subject_id=consultation.id,
                after={"broadcast_id": broadcast.id, "recipients": broadcast.recipients},
            )
            return broadcast.id

    async def _follow_up(
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
    ) -> Broadcast:
        """A reminder, outcome or closing broadcast of this consultation, to those `condition`
        picks (kept, done at once, when nobody is left)."""
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
                attachment_kind=document.kind if document else None,
                attachment_file_id=document.file_id if document else None,
                attachment_name=document.name if document else None,
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
            allow_empty=True,
        )


@dataclass(frozen=True)
class DeskRow:
    """A consultation in the staff's list: how many were asked, how many answered (verified
    or not)."""

    consultation: ConsultationView
    asked: int
    answered: int


async def _desk_row(session: AsyncSession, view: ConsultationView) -> DeskRow:
    asked, _ = await repo.audience_size(session, view.broadcast_id)
    total = _counts(await repo.tally(session, view.id, None, by_option=False))
    respondents = total.get((None, None), Count())
    return DeskRow(view, asked, respondents.members + respondents.unverified)


class _Lost(Exception):
    """Another process claimed the reminder first: this transaction rolls back."""


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


def _may_view(rights: Rights, consultation: Consultation) -> bool:
    """Admins; staff of an association it asked (any staff when it asked every association)."""
    if rights.is_admin:
        return True
    if not rights.is_staff:
        return False
    associations = Audience.from_json(consultation.audience).associations
    return not associations or bool(rights.staff_of.intersection(associations))


def _comment(comment: str | None) -> str | None:
    if comment is None or not comment.strip():
        return None
    try:
        return clean_block(comment, maximum=COMMENT_LIMIT)
    except InvalidInput as error:
        if error.code == "too-long":
            raise ConsultationError("comment-too-long", limit=COMMENT_LIMIT) from None
        return None


def _checked_choice(
    consultation: Consultation, choice: str | Sequence[int], comment: str | None
) -> tuple[Any, list[str]]:
    """The choice as stored, and the option keys the results count it under."""
    if consultation.kind == ConsultationKind.POSITION:
        if not isinstance(choice, str) or choice not in {p.value for p in Position}:
            raise ConsultationError("bad-choice")
        if choice == Position.AMEND and comment is None:
            raise ConsultationError("comment-required")
        return choice, [choice]
    if isinstance(choice, str):
        raise ConsultationError("bad-choice")
    indices = list(choice)
    if (
        not 1 <= len(indices) <= consultation.max_choices
        or len(set(indices)) != len(indices)
        or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(consultation.options)
            for i in indices
        )
    ):
        raise ConsultationError("bad-choice", limit=consultation.max_choices)
    ordered = sorted(indices)
    return ordered, [str(i) for i in ordered]


def _choice(stored: Any) -> str | tuple[int, ...]:
    return stored if isinstance(stored, str) else tuple(int(i) for i in stored)


def _counts(rows: Sequence[repo.TallyRow]) -> dict[tuple[str | None, str | None], Count]:
    """Tally rows folded into Counts by (group, option): verified and unverified apart."""
    found: dict[tuple[str | None, str | None], Count] = {}
    for row in rows:
        key = (None if row.group is None else row.group or "", row.option)
        count = found.get(key, Count())
        if row.verified:
            count = Count(
                count.members + row.members, count.hromadas + row.hromadas, count.unverified
            )
        else:
            count = Count(count.members, count.hromadas, count.unverified + row.members)
        found[key] = count
    return found


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


def view_of(row: Consultation) -> ConsultationView:
    return ConsultationView(
        id=row.id,
        title=row.title,
        question_uk=row.question_uk,
        question_en=row.question_en,
        kind=ConsultationKind(row.kind),
        options=tuple(Option(o["uk"], o.get("en")) for o in row.options or ()),
        max_choices=row.max_choices,
        audience=Audience.from_json(row.audience),
        closes_at=row.closes_at,
        answers_visible_to_staff=row.answers_visible_to_staff,
        status=ConsultationStatus(row.status),
        created_at=row.created_at,
        closed_at=row.closed_at,
        author_telegram_id=row.author_telegram_id,
        author_name=row.author_name,
        document=(
            Document(row.document_kind, row.document_file_id, row.document_name)
            if row.document_kind and row.document_file_id
            else None
        ),
        broadcast_id=row.broadcast_id,
        reminder_broadcast_id=row.reminder_broadcast_id,
        outcome_broadcast_id=row.outcome_broadcast_id,
        summary_posted_at=row.summary_posted_at,
    )


def answer_of(row: ConsultationAnswer) -> MyAnswer:
    return MyAnswer(
        consultation_id=row.consultation_id,
        choice=_choice(row.choice),
        comment=row.comment,
        created_at=row.created_at,
        updated_at=row.updated_at,
        verified=row.verified,
    )
