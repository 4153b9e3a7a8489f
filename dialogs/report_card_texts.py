"""A report's card and what goes with it, as texts and keyboards: the card in one language,
its buttons, the choices shown on it (statuses, positions, a comment), and a public history
entry as a member reads it. Pure: everything shown comes in (ReportService.card), nothing is
read or sent here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.content import AssociationInfo
from bot.i18n import Translator
from bot.names import short_name
from bot.services.members import InvalidInput
from bot.services.message_limits import TEXT_LIMIT, utf16_len
from bot.services.questions import split_message
from bot.services.reports import (
    POSITIONS,
    TRANSITIONS,
    HistoryEntry,
    ReportCardData,
    ReportView,
)
from dialogs.common import RowId, esc
from dialogs.presenters import is_kyiv, local_time, place_text

DEFAULT_TZ = ZoneInfo("Europe/Kyiv")
REPORT_LINK_PREFIX = "r"  # deep link `?start=r<id>` opens the private reply dialog
DIALOG_CARD_LIMIT = 3500  # the card inside the reply dialog leaves room for the prompt
CARD_MARK = "🚨"  # every card starts with it, in every language
POSITION_CODES = {position[0]: position for position in POSITIONS}  # s, n, o


class ReportAction(StrEnum):
    """A card button's action; the values are what travels in the callback data (short: it
    must stay within Telegram's 64 bytes)."""

    TAKE = "tk"
    STATUS = "st"  # show the statuses to choose from
    SET_STATUS = "ss"
    JOINT = "jn"
    POSITION = "po"  # show the positions to choose from
    SET_POSITION = "pv"
    COMMENT = "pc"  # ask for a comment on the position just stated
    MERGE = "mg"
    BACK = "bk"


class ReportCb(CallbackData, prefix="rd"):
    """A card button: `a` the action, `r` the report id, `v` a value (a status, a position).
    An action this version does not know (a card from another one) stays a string, answered as
    a stale button."""

    a: Annotated[ReportAction | str, Field(union_mode="left_to_right")]
    r: RowId
    v: str = ""


def position_value(value: str) -> tuple[str, str]:
    """(association code, position) from a position button's `code.s` value."""
    code, _, short = value.partition(".")
    position = POSITION_CODES.get(short)
    if not code or position is None:
        raise InvalidInput("bad-position")
    return code, position


# ------------------------------------------------------------------------------ the card


def render_report_card(
    t: Translator,
    view: ReportView,
    tz: ZoneInfo = DEFAULT_TZ,
    *,
    card: ReportCardData | None = None,
    now: datetime | None = None,
    limit: int = TEXT_LIMIT,
) -> str:
    """The report's card in one language; the description is shortened to keep within `limit`.
    `card` (ReportService.card) brings what the card shows beyond the view: the reporter's
    role and whether they are verified now (the report keeps whether they were verified when
    they filed it), the phone (the number only for a private staff view; a group card says
    whether one was shared), the place, the names; without it, codes stand for names."""
    locale = t.locale
    associations = card.associations if card else ()
    category, urgency = (card.category, card.urgency) if card else (None, None)
    now = now or datetime.now(tz)
    head = [
        t(
            "rdesk-card-title",
            reference=view.reference,
            associations=esc(
                ", ".join(short_name(associations, c, locale) for c in view.association_codes)
            ),
        ),
        t(
            "rdesk-card-urgency",
            urgency=urgency.name(locale) if urgency else view.urgency,
            deadline=local_time(view.deadline_at, tz),
        ),
    ]
    if view.overdue(now):
        head.append(t("rdesk-card-overdue"))
    head.append(
        t("rdesk-card-category", category=category.name(locale) if category else view.category)
    )
    head.append(t("rdesk-card-status", status=t(f"rdesk-status-{view.status}")))
    decline_reason = card.decline_reason if card else None
    if decline_reason and view.status == "declined":
        head.append(t("rdesk-card-reason", reason=esc(decline_reason)))
    if view.merged_into_reference:
        head.append(t("rdesk-card-merged-into", reference=view.merged_into_reference))
    if view.assignee_name:
        head.append(t("rdesk-card-assignee", name=esc(view.assignee_name)))
    else:
        head.append(t("rdesk-card-no-assignee"))
    tail = _joint_lines(t, view, associations)
    if view.attachments:
        tail.append(t("rdesk-card-attachments", count=len(view.attachments)))
    if view.is_open:
        tail.append(t("rdesk-card-hint"))
    people = _people_lines(t, view, card)

    def compose(description: str, extra: list[str]) -> str:
        body = f"<b>{esc(view.title)}</b>\n<blockquote expandable>{esc(description)}</blockquote>"
        return "\n\n".join(
            part
            for part in ("\n".join(head), body, "\n".join(people), "\n".join(extra + tail))
            if part
        )

    full = compose(view.description, [])
    if utf16_len(full) <= limit:
        return full
    note = [t("rdesk-card-truncated")]
    room = limit - utf16_len(compose("", note)) - 1  # for the escaped description
    budget = room
    while True:
        shown = split_message(view.description, max(budget, 1))[0].rstrip(" ,.;:") + "…"
        escaped = utf16_len(esc(shown))
        if escaped <= room or budget <= 1:
            return compose(shown, note)
        budget = min(budget - 1, budget * room // escaped)  # escaping lengthened it


def _people_lines(t: Translator, view: ReportView, card: ReportCardData | None) -> list[str]:
    """The reporter, the place, the phone, verification, and who the report affects."""
    if card is not None:
        place = place_text(t, card.place)
    else:
        place = "" if is_kyiv(view.oblast_code) else esc(view.hromada_text)
    role = card.reporter_role if card else None
    people = [
        t(
            "rdesk-card-reporter",
            name=(
                t("privacy-deleted-member")
                if view.reporter_erased
                else esc(view.reporter_name) or t("rdesk-no-name")
            ),
            role=t(f"role-{role}") if role else "—",
        ),
    ]
    if place:
        people.append(t("rdesk-card-place", place=place))
    if card is not None and card.reporter_phone:
        people.append(t("rdesk-card-phone", phone=esc(card.reporter_phone)))
    else:
        shared = card is not None and card.reporter_shared_phone
        people.append(t("rdesk-card-phone-shared" if shared else "rdesk-card-no-phone"))
    verified = card.reporter_verified if card else view.reporter_verified
    people.append(t("rdesk-card-verified", verified="yes" if verified else "no"))
    if view.dream_id:
        people.append(t("rdesk-card-dream", dream=esc(view.dream_id)))
    if view.residents is not None:
        people.append(t("rdesk-card-residents", residents=str(view.residents)))
    if view.affected_groups:
        groups = ", ".join(t(f"rdesk-group-{g}") for g in view.affected_groups)
        people.append(t("rdesk-card-groups", groups=groups))
    figures = view.figures
    people.append(
        t(
            "rdesk-card-figures",
            hromadas=str(figures.hromadas),
            oblasts=str(figures.oblasts),
            residents=str(figures.residents),
            cosigners=str(len(view.supporters)),
        )
    )
    return people


def _joint_lines(
    t: Translator, view: ReportView, associations: Sequence[AssociationInfo]
) -> list[str]:
    """A joint issue: every association's position, in the associations' display order."""
    if not view.joint:
        return []
    lines = [t("rdesk-card-joint")]
    stated = {p.association_code: p for p in view.positions}
    for info in associations:
        position = stated.get(info.code)
        line = t(
            "rdesk-card-position",
            association=esc(info.short(t.locale)),
            position=position.position if position else "none",
        )
        if position and position.comment:
            line += f" — {esc(position.comment)}"
        lines.append(line)
    return lines


def card_text(t: Translator, card: ReportCardData, tz: ZoneInfo, *, limit: int = TEXT_LIMIT) -> str:
    """The card as ReportService.card read it."""
    return render_report_card(t, card.view, tz, card=card, limit=limit)


# ------------------------------------------------------------------------------ keyboards


def _button(
    t: Translator, key: str, report_id: int, action: ReportAction, value: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t(key), callback_data=ReportCb(a=action, r=report_id, v=value).pack()
    )


def report_card_keyboard(
    t: Translator, view: ReportView, bot_username: str = ""
) -> InlineKeyboardMarkup:
    """The card's buttons; a closed report keeps none."""
    if not view.is_open:
        return InlineKeyboardMarkup(inline_keyboard=[])
    rows = [
        [
            _button(t, "rdesk-button-take", view.id, ReportAction.TAKE),
            _button(t, "rdesk-button-status", view.id, ReportAction.STATUS),
        ],
    ]
    if bot_username:
        link = f"https://t.me/{bot_username}?start={REPORT_LINK_PREFIX}{view.id}"
        rows.append([InlineKeyboardButton(text=t("rdesk-button-reply"), url=link)])
    if view.joint:
        rows.append([_button(t, "rdesk-button-position", view.id, ReportAction.POSITION)])
    else:
        rows.append([_button(t, "rdesk-button-joint", view.id, ReportAction.JOINT)])
    rows.append([_button(t, "rdesk-button-merge", view.id, ReportAction.MERGE)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def allowed_statuses(view: ReportView) -> list[str]:
    return sorted(TRANSITIONS.get(view.status, frozenset()))


def status_keyboard(t: Translator, view: ReportView) -> InlineKeyboardMarkup:
    rows = [
        [_button(t, f"rdesk-set-{status}", view.id, ReportAction.SET_STATUS, status)]
        for status in allowed_statuses(view)
    ]
    rows.append([_button(t, "rdesk-button-back", view.id, ReportAction.BACK)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def position_keyboard(
    t: Translator, view: ReportView, codes: list[str], associations: Sequence[AssociationInfo]
) -> InlineKeyboardMarkup:
    """A row of positions for each association in `codes` (named when there are several)."""
    rows = []
    for code in codes:
        prefix = f"{short_name(associations, code, t.locale)}: " if len(codes) > 1 else ""
        rows.append(
            [
                InlineKeyboardButton(
                    text=prefix + t(f"rdesk-position-{position}"),
                    callback_data=ReportCb(
                        a=ReportAction.SET_POSITION, r=view.id, v=f"{code}.{position[0]}"
                    ).pack(),
                )
                for position in POSITIONS
            ]
        )
    rows.append([_button(t, "rdesk-button-back", view.id, ReportAction.BACK)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def comment_keyboard(t: Translator, view: ReportView, value: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t, "rdesk-button-comment", view.id, ReportAction.COMMENT, value)],
            [_button(t, "rdesk-button-back", view.id, ReportAction.BACK)],
        ]
    )


# ------------------------------------------------------------------------------ members' messages


def escaped_pieces(text: str, limit: int, first_taken: int) -> list[str]:
    """`text` HTML-escaped in pieces of at most `limit` UTF-16 units, the first one leaving
    `first_taken` for what comes before it. Escaping lengthens a text (`&` becomes `&amp;`), so
    the raw text is cut shorter by as much."""
    raw = text.strip()
    if not raw:
        return []
    ratio = utf16_len(esc(raw)) / utf16_len(raw)
    budget = max(1, int(limit / ratio))
    while True:
        first = max(1, budget - int(first_taken * budget / limit) - 1)
        pieces = [esc(piece) for piece in split_message(raw, budget, first_limit=first)]
        fits = utf16_len(pieces[0]) + first_taken <= limit
        if (fits and all(utf16_len(piece) <= limit for piece in pieces)) or budget == 1:
            return pieces
        budget = max(1, budget * 9 // 10)


def link_text(t: Translator, entry: HistoryEntry, texts: str) -> str | None:
    """A merge or a joint filing in a report's history as members read it (`{texts}-merged-into`,
    `-merged-from`, `-joint`); None for any other entry."""
    after = entry.after or {}
    if entry.kind == "merge" and after.get("into"):
        return t(f"{texts}-merged-into", reference=str(after["into"]))
    if entry.kind == "merge":
        return t(f"{texts}-merged-from", reference=str(after.get("merged_from", "")))
    if entry.kind == "joint":
        return t(f"{texts}-joint")
    return None


def member_messages(t: Translator, view: ReportView, entry: HistoryEntry) -> list[str]:
    """A public history entry as a member reads it (a long reply takes several messages); none
    for entries members are not told about."""
    head = t("rdesk-member-head", reference=view.reference, title=esc(view.title))
    after = entry.after or {}
    if entry.kind == "reply":
        intro = f"{head}\n\n{t('rdesk-member-reply')}"
        pieces = escaped_pieces(entry.text or "", TEXT_LIMIT, utf16_len(intro) + 2)
        if not pieces:
            return []
        return [f"{intro}\n\n{pieces[0]}", *pieces[1:]]
    if entry.kind == "status":
        status = str(after.get("status", view.status))
        body = t("rdesk-member-status", status=t(f"rdesk-status-{status}"))
        if entry.text:
            body += "\n" + t("rdesk-member-reason", reason=esc(entry.text))
        return [f"{head}\n\n{body}"]
    linked = link_text(t, entry, "rdesk-member")
    return [] if linked is None else [f"{head}\n\n{linked}"]


def reporter_reply_messages(t: Translator, view: ReportView, entry: HistoryEntry) -> list[str]:
    """The reporter's answer as staff read it under a card (a long one in several messages)."""
    intro = t(
        "rdesk-reporter-reply",
        reference=view.reference,
        name=esc(entry.actor_name or view.reporter_name) or t("rdesk-no-name"),
    )
    pieces = escaped_pieces(entry.text or "", TEXT_LIMIT, utf16_len(intro) + 2) or [""]
    return [f"{intro}\n\n{pieces[0]}", *pieces[1:]]
