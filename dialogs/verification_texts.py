"""A verification card as staff see it in their group: who registered, where from, which
associations, and the decision once there is one; its approve / reject buttons and the button
that shows the phone in private chat. `delivery/verification_cards.py` posts the cards,
`dialogs/verification.py` answers their buttons."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.content import AssociationInfo
from bot.i18n import Translator
from bot.names import short_names
from bot.services.hromadas import HromadaDirectory, place_key
from bot.services.members import MemberProfile
from bot.services.verification import Decision
from dialogs.common import TelegramId, esc
from dialogs.presenters import local_time, place_text

PHONE_LINK_PREFIX = "vp"  # deep link `?start=vp<telegram id>`: the member's phone, for staff


class VerifyAction(StrEnum):
    APPROVE = "ok"
    REJECT = "no"


class VerifyCallback(CallbackData, prefix="vrf"):
    """A verification card's buttons."""

    action: VerifyAction
    member_id: TelegramId


def _time(moment: datetime | None, tz: ZoneInfo) -> str:
    return local_time(moment, tz) if moment else "—"


async def _place(t: Translator, member: MemberProfile, hromadas: HromadaDirectory) -> str:
    return place_text(t, await hromadas.place(place_key(member)))


async def render_card(
    t: Translator,
    member: MemberProfile,
    *,
    hromadas: HromadaDirectory,
    associations: list[AssociationInfo],
    tz: ZoneInfo,
    decision: Decision | None = None,
) -> str:
    """The card in one language: who registered, and the decision once there is one."""
    lines = [
        t("verify-card-title"),
        t(
            "verify-card-member",
            name=esc(member.full_name) or t("verify-no-name"),
            role=t(f"role-{member.role}") if member.role else "—",
        ),
    ]
    place = await _place(t, member, hromadas)
    if place:
        lines.append(t("verify-card-place", place=place))
    if member.associations_unsure or not member.association_codes:
        lines.append(t("verify-card-unsure"))
    else:
        names = short_names(associations, member.association_codes, t.locale)
        lines.append(t("verify-card-associations", associations=esc(names)))
    # The card is read in a group, where not everyone is staff: the number only in private.
    lines.append(t("verify-card-phone-shared" if member.phone else "verify-card-no-phone"))
    lines.append(t("verify-card-registered", time=_time(member.registered_at, tz)))
    if decision is None:
        footer = t("verify-card-pending")
    else:
        key = "verify-card-approved" if decision.approved else "verify-card-rejected"
        footer = t(key, name=_decider(t, decision), time=_time(decision.decided_at, tz))
    return "\n".join(lines) + "\n\n" + footer


def _decider(t: Translator, decision: Decision) -> str:
    return esc(decision.decided_by_name) or t("verify-someone")


def card_keyboard(
    t: Translator, member_id: int, *, phone_link: str | None = None
) -> InlineKeyboardMarkup:
    """Approve and reject; with `phone_link`, the button that shows the phone in private chat."""

    def button(key: str, action: VerifyAction) -> InlineKeyboardButton:
        data = VerifyCallback(action=action, member_id=member_id).pack()
        return InlineKeyboardButton(text=t(key), callback_data=data)

    rows = [
        [
            button("verify-button-approve", VerifyAction.APPROVE),
            button("verify-button-reject", VerifyAction.REJECT),
        ]
    ]
    if phone_link:
        rows.append([InlineKeyboardButton(text=t("verify-button-phone"), url=phone_link)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def decided_keyboard(t: Translator, phone_link: str | None) -> InlineKeyboardMarkup | None:
    """A decided card keeps only the phone button, when the member shared a number."""
    if not phone_link:
        return None
    button = InlineKeyboardButton(text=t("verify-button-phone"), url=phone_link)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def phone_link(bot: Bot, member: MemberProfile) -> str | None:
    """The deep link that shows staff the member's phone in private chat; None without one."""
    if not member.phone:
        return None
    username = (await bot.me()).username
    if not username:
        return None
    return f"https://t.me/{username}?start={PHONE_LINK_PREFIX}{member.telegram_id}"


def is_card_of(message: Message, member_id: int) -> bool:
    """Whether the message carries this member's verification buttons and no others: how a
    card posted before cards were recorded is told from any other message."""
    markup = message.reply_markup
    if markup is None:
        return False
    pressed = {
        button.callback_data
        for row in markup.inline_keyboard
        for button in row
        if button.callback_data is not None
    }
    expected = {
        VerifyCallback(action=action, member_id=member_id).pack() for action in VerifyAction
    }
    return pressed == expected
