"""Consultations' rules and data objects: the answers a position takes, the limits, the errors a
dialog shows, the draft, what members and staff are shown (a consultation, an answer, the
results and their breakdowns), and the checks on a draft and an outcome. Knows nothing of
Telegram; `consultations.py` holds the service."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.services import row_views
from bot.services.broadcasts import (
    Announcement,
    Audience,
    BroadcastError,
    announcement_problems,
)
from bot.services.message_limits import visible_text
from bot.services.text_input import InvalidInput, clean_block, has_words
from storage.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    ConsultationStatus,
)


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


def attachment_fields(document: Document | None) -> dict[str, Any]:
    """A broadcast's (or an announcement's) attachment columns for the document, or for none."""
    return {
        "attachment_kind": document.kind if document else None,
        "attachment_file_id": document.file_id if document else None,
        "attachment_name": document.name if document else None,
    }


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
        **attachment_fields(document),
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
        **attachment_fields(document),
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


@dataclass(frozen=True)
class DeskRow:
    """A consultation in the staff's list: how many were asked, how many answered (verified
    or not)."""

    consultation: ConsultationView
    asked: int
    answered: int


def comment_text(comment: str | None) -> str | None:
    if comment is None or not comment.strip():
        return None
    try:
        return clean_block(comment, maximum=COMMENT_LIMIT)
    except InvalidInput as error:
        if error.code == "too-long":
            raise ConsultationError("comment-too-long", limit=COMMENT_LIMIT) from None
        return None


def checked_choice(
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


def stored_choice(stored: Any) -> str | tuple[int, ...]:
    return stored if isinstance(stored, str) else tuple(int(i) for i in stored)


def view_of(row: Consultation) -> ConsultationView:
    return row_views.view_of(
        ConsultationView,
        row,
        kind=ConsultationKind(row.kind),
        options=tuple(Option(o["uk"], o.get("en")) for o in row.options or ()),
        audience=Audience.from_json(row.audience),
        status=ConsultationStatus(row.status),
        document=(
            Document(row.document_kind, row.document_file_id, row.document_name)
            if row.document_kind and row.document_file_id
            else None
        ),
    )


def answer_of(row: ConsultationAnswer) -> MyAnswer:
    return row_views.view_of(MyAnswer, row, choice=stored_choice(row.choice))
