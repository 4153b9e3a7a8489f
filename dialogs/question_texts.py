"""A question's texts: its card in a staff group or the reply dialog, the card's buttons, and
the answer as the member receives it. Pure: no sending here (`delivery/question_cards.py` sends)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import AssociationInfo
from bot.i18n import Translator
from bot.names import short_names
from bot.services.message_limits import TEXT_LIMIT, utf16_len
from bot.services.question_views import QuestionView
from bot.services.questions import shorten, split_message
from bot.services.staff import Rights
from dialogs.common import RowId, esc
from dialogs.presenters import local_time, place_text

QUESTION_LINK_PREFIX = "q"  # deep link `?start=q<id>` opens the reply dialog
QUOTE_MAX = 150  # characters of the question quoted above the answer


class DraftCallback(CallbackData, prefix="qdraft"):
    """The card's "knowledge-base draft" button."""

    question_id: RowId


def member_place(t: Translator, view: QuestionView) -> str:
    """Hromada and oblast of the member who asked (HTML-escaped where they typed it)."""
    if view.place is None:
        return esc(view.member.hromada_text)
    return place_text(t, view.place)


def render_card(
    t: Translator,
    view: QuestionView,
    tz: ZoneInfo,
    *,
    limit: int = TEXT_LIMIT,
    in_group: bool = True,
) -> str:
    """The question's card in one language; the question is shortened to keep within `limit`.
    The member's phone only out of a group (the private reply dialog); a group card says
    whether one was shared."""
    member = view.member
    head = [
        t(
            "desk-card-title",
            id=str(view.id),
            associations=esc(short_names(view.associations, view.association_codes, t.locale)),
        ),
        t(
            "desk-card-member",
            name=(
                t("privacy-deleted-member")
                if member.erased
                else esc(member.full_name) or t("desk-no-name")
            ),
            role=t(f"role-{member.role}") if member.role else "—",
        ),
    ]
    place = member_place(t, view)
    if place:
        head.append(t("desk-card-place", place=place))
    if member.phone and not in_group:
        head.append(t("desk-card-phone", phone=esc(member.phone)))
    else:
        head.append(t("desk-card-phone-shared" if member.phone else "desk-card-no-phone"))
    head.append(t("desk-card-status", status=member.verification))
    head.append(t("desk-card-language", language=t(f"desk-language-{view.locale}")))
    tail = [
        t("desk-card-answered", name=esc(a.staff_name), time=local_time(a.created_at, tz))
        for a in view.answers
    ]
    if view.draft_id is not None:
        tail.append(t("desk-card-draft", draft=str(view.draft_id)))
    if in_group and view.status == "open":
        tail.append(t("desk-card-open"))

    def compose(question: str, extra: list[str]) -> str:
        quote = f"<blockquote expandable>{esc(question)}</blockquote>"
        return "\n\n".join(
            part for part in ("\n".join(head), quote, "\n".join(extra + tail)) if part
        )

    full = compose(view.text, [])
    if utf16_len(full) <= limit:
        return full
    # The source with its tags is longer than what Telegram counts, so this budget is safe.
    note = [t("desk-card-truncated")] if in_group else []
    budget = limit - utf16_len(compose("", note)) - 1
    shown = split_message(view.text, max(budget, 1))[0].rstrip(" ,.;:") + "…"
    return compose(shown, note)


def card_keyboard(t: Translator, view: QuestionView, bot_username: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=t("desk-button-reply"),
                url=f"https://t.me/{bot_username}?start={QUESTION_LINK_PREFIX}{view.id}",
            )
        ]
    ]
    if view.answers:
        rows.append(
            [
                InlineKeyboardButton(
                    text=t("desk-button-draft"),
                    callback_data=DraftCallback(question_id=view.id).pack(),
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def member_messages(
    t: Translator, associations: tuple[AssociationInfo, ...], question: str, text: str
) -> list[str]:
    """The answer as the member receives it: a header naming the associations and quoting the
    question, then the answer, split into as many messages as Telegram needs."""
    header = t(
        "questions-answer-header",
        associations=esc(short_names(associations, None, t.locale)),
        question=esc(shorten(question, QUOTE_MAX)),
    )
    pieces = split_message(text, TEXT_LIMIT, first_limit=TEXT_LIMIT - utf16_len(header) - 2)
    if not pieces:
        return [header]
    return [f"{header}\n\n{esc(pieces[0])}", *(esc(piece) for piece in pieces[1:])]


def answering_for(view: QuestionView, rights: Rights) -> tuple[AssociationInfo, ...]:
    """The question's associations this staff member speaks for (all of them for an admin)."""
    return tuple(a for a in view.associations if rights.is_admin or a.code in rights.staff_of)
