"""How a consultation reads in a member's chat: the message (title, question, closing time,
how to answer, the member's current answer) and its answer buttons, whose callback data carries
everything a press needs (the priorities chosen so far as a bitmask: no state on the server).
`delivery/consultations.py` sends it, `dialogs/consultation_answer.py` answers the buttons."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.i18n import Translations, Translator
from bot.services.consultations import (
    MAX_OPTIONS,
    ConsultationDraft,
    ConsultationView,
    MyAnswer,
    Position,
    Renderer,
)
from bot.services.questions import shorten
from dialogs.common import RowId, esc
from storage.models import ConsultationKind

KYIV = ZoneInfo("Europe/Kyiv")
DATE_FORMAT = "%d.%m.%Y"
TIME_FORMAT = "%H:%M"
COMMENT_SHOWN = 300  # characters of the member's comment repeated in the message
TEXT_LIMIT = 4096
POSITIONS = tuple(Position)
POSITION_ICONS = {
    Position.SUPPORT: "👍",
    Position.AMEND: "✍️",
    Position.OPPOSE: "👎",
    Position.NONE: "🤷",
}
MASK_MAX = (1 << MAX_OPTIONS) - 1


class ConsultAction(StrEnum):
    POSITION = "p"  # `option`: the index of the position in POSITIONS
    TOGGLE = "t"  # `option`: the priority ticked or unticked; `mask`: those ticked before
    SUBMIT = "s"  # `mask`: the priorities chosen
    COMMENT = "c"  # write or change the comment
    CLOSED = "x"  # the marker left once the consultation closed


class ConsultCb(CallbackData, prefix="cns"):
    """An answer button (`cns:<action>:<consultation id>:<option>:<mask>`)."""

    action: ConsultAction
    consultation_id: RowId
    option: Annotated[int, Field(ge=0, lt=MAX_OPTIONS)] = 0
    mask: Annotated[int, Field(ge=0, le=MASK_MAX)] = 0


def mask_of(indices: tuple[int, ...] | list[int]) -> int:
    return sum(1 << index for index in set(indices))


def indices_of(mask: int) -> list[int]:
    return [index for index in range(MAX_OPTIONS) if mask >> index & 1]


def question_of(view: ConsultationView | ConsultationDraft, locale: str) -> str:
    return (view.question_en if locale == "en" else None) or view.question_uk


def choice_text(
    t: Translator, view: ConsultationView | ConsultationDraft, choice: str | tuple[int, ...]
) -> str:
    """The answer in words: the position, or the chosen priorities joined."""
    if isinstance(choice, str):
        return t(f"consult-member-position-{choice}")
    options = view.options
    return "; ".join(esc(options[i].text(t.locale)) for i in choice if 0 <= i < len(options))


def _closing(t: Translator, closes_at: datetime, tz: ZoneInfo) -> str:
    local = closes_at.astimezone(tz)
    return t(
        "consult-member-closes",
        date=local.strftime(DATE_FORMAT),
        time=local.strftime(TIME_FORMAT),
    )


def _time_left(t: Translator, closes_at: datetime, now: datetime) -> str:
    hours = int((closes_at - now) / timedelta(hours=1))
    return t("consult-member-reminder", hours=max(hours, 0))


def consultation_text(
    t: Translator,
    view: ConsultationView | ConsultationDraft,
    *,
    my_answer: MyAnswer | None = None,
    reminder_at: datetime | None = None,
    closed: bool = False,
    tz: ZoneInfo = KYIV,
) -> str:
    """The HTML a member of `t.locale` receives (uk question when there is no English one)."""
    lines = []
    if reminder_at is not None:
        lines += [_time_left(t, view.closes_at, reminder_at), ""]
    lines += [t("consult-member-title", title=esc(view.title)), "", question_of(view, t.locale)]
    if view.kind == ConsultationKind.PRIORITIES and view.options:
        lines.append("")
        lines += [
            f"{number}. {esc(option.text(t.locale))}"
            for number, option in enumerate(view.options, 1)
        ]
    lines.append("")
    lines.append(t("consult-member-closed-note") if closed else _closing(t, view.closes_at, tz))
    comment: list[str] = []
    if my_answer is not None:
        lines += ["", t("consult-member-yours", choice=choice_text(t, view, my_answer.choice))]
        if my_answer.comment:
            shown = esc(shorten(my_answer.comment, COMMENT_SHOWN))
            comment = [t("consult-member-your-comment", comment=shown)]
    hint: list[str] = []
    if not closed:
        if view.kind == ConsultationKind.POSITION:
            hint = ["", t("consult-member-how-position")]
        else:
            hint = ["", t("consult-member-how-priorities", max=view.max_choices)]
        if my_answer is not None:
            hint.append(t("consult-member-change-hint"))
    text = "\n".join(lines + comment + hint)
    if len(text) > TEXT_LIMIT:
        # A question near the limit: the repeated comment gives way (it is stored whole).
        text = "\n".join(lines + hint)
    return text


def _button(text: str, cb: ConsultCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=cb.pack())


def answer_keyboard(
    t: Translator,
    view: ConsultationView | ConsultationDraft,
    consultation_id: int,
    *,
    my_answer: MyAnswer | None = None,
    mask: int | None = None,
) -> InlineKeyboardMarkup:
    """The answer buttons: the positions (the current one ticked), or the priorities ticked as
    `mask` (by default: as answered) with "Submit"; "Comment" once there is an answer."""
    cid = consultation_id
    rows: list[list[InlineKeyboardButton]] = []
    chosen = my_answer.choice if my_answer is not None else None
    if view.kind == ConsultationKind.POSITION:
        for index, position in enumerate(POSITIONS):
            mark = "✅ " if chosen == position.value else POSITION_ICONS[position] + " "
            label = mark + t(f"consult-member-position-{position.value}")
            rows.append(
                [
                    _button(
                        label,
                        ConsultCb(action=ConsultAction.POSITION, consultation_id=cid, option=index),
                    )
                ]
            )
    else:
        if mask is None:
            mask = mask_of(list(chosen)) if isinstance(chosen, tuple) else 0
        for index, option in enumerate(view.options):
            mark = "✅" if mask >> index & 1 else "▫️"
            cb = ConsultCb(
                action=ConsultAction.TOGGLE, consultation_id=cid, option=index, mask=mask
            )
            rows.append([_button(f"{mark} {option.text(t.locale)}", cb)])
        submit = t("consult-member-submit", count=len(indices_of(mask)), max=view.max_choices)
        rows.append(
            [
                _button(
                    submit, ConsultCb(action=ConsultAction.SUBMIT, consultation_id=cid, mask=mask)
                )
            ]
        )
    if my_answer is not None:
        comment = ConsultCb(action=ConsultAction.COMMENT, consultation_id=cid)
        rows.append([_button(t("consult-member-comment-button"), comment)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def closed_keyboard(t: Translator, consultation_id: int) -> InlineKeyboardMarkup:
    """What replaces the answer buttons once the consultation closed."""
    cb = ConsultCb(action=ConsultAction.CLOSED, consultation_id=consultation_id)
    return InlineKeyboardMarkup(inline_keyboard=[[_button(t("consult-member-closed-button"), cb)]])


def consultation_renderer(translations: Translations, tz: ZoneInfo = KYIV) -> Renderer:
    """The member's message text for ConsultationService's length checks."""

    def render(draft: ConsultationDraft, locale: str) -> str:
        return consultation_text(translations.get(locale), draft, tz=tz)

    return render
