"""Member verification, staff side: a card per new member in the staff groups, approve or reject.

When a member registers, a card goes to every bound group of their associations (of all
associations when they are not sure), in the group's language. Staff of those associations
approve or reject with the card's buttons; the first decision stands, the card shows it, and the
member is told in their language.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
)
from aiogram.filters import CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.content import AssociationInfo
from bot.i18n import DEFAULT_LOCALE, Translations, Translator, resolve_locale
from bot.services.hromadas import HromadaDirectory
from bot.services.members import MemberProfile, MemberService
from bot.services.staff import PermissionDenied
from bot.services.staff_chats import StaffChatService
from bot.services.text_input import TELEGRAM_ID_MAX
from bot.services.verification import Decision, PostedCard, UnknownMember, VerificationService
from bot.settings import Settings
from dialogs.common import TelegramId, deep_link, deep_link_id, esc
from dialogs.presenters import is_kyiv, local_time, member_hromada, oblast_name

logger = logging.getLogger(__name__)

PHONE_LINK_PREFIX = "vp"  # deep link `?start=vp<telegram id>`: the member's phone, for staff


class VerifyAction(StrEnum):
    APPROVE = "ok"
    REJECT = "no"


class VerifyCallback(CallbackData, prefix="vrf"):
    """A verification card's buttons."""

    action: VerifyAction
    member_id: TelegramId


# ------------------------------------------------------------------------------ rendering


def _time(moment: datetime | None, tz: ZoneInfo) -> str:
    return local_time(moment, tz) if moment else "—"


async def _place(t: Translator, member: MemberProfile, hromadas: HromadaDirectory) -> str:
    oblast = oblast_name(hromadas.oblast(member.oblast_code or ""), t.locale)
    if is_kyiv(member.oblast_code):
        return oblast
    hromada = await member_hromada(t, hromadas, member)
    return ", ".join(part for part in (hromada, oblast) if part)


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
    by_code = {a.code: a for a in associations}
    names = [by_code[c].short(t.locale) for c in member.association_codes if c in by_code]
    if member.associations_unsure or not names:
        lines.append(t("verify-card-unsure"))
    else:
        lines.append(t("verify-card-associations", associations=esc(", ".join(names))))
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


# ------------------------------------------------------------------------------ posting


async def post_verification_cards(
    bot: Bot,
    staff_chats: StaffChatService,
    verification: VerificationService,
    translations: Translations,
    member: MemberProfile,
    *,
    hromadas: HromadaDirectory,
    associations: list[AssociationInfo],
    tz: ZoneInfo,
) -> int:
    """Post the member's card to the bound groups of their associations (of all associations
    when they are not sure), and record where each went. A group that cannot be posted to is
    logged and skipped. Returns the number of cards posted."""
    if member.associations_unsure or not member.association_codes:
        codes: list[str] | tuple[str, ...] = [a.code for a in associations]
    else:
        codes = member.association_codes
    posted: list[PostedCard] = []
    link = await phone_link(bot, member)
    for chat in await staff_chats.chats_for(codes):
        t = translations.get(chat.locale)
        card = await render_card(t, member, hromadas=hromadas, associations=associations, tz=tz)
        markup = card_keyboard(t, member.telegram_id, phone_link=link)
        try:
            try:
                sent = await bot.send_message(chat.chat_id, card, reply_markup=markup)
            except TelegramMigrateToChat as error:
                # The group became a supergroup: its binding follows, and the card goes there.
                new_id = error.migrate_to_chat_id
                await staff_chats.migrate(chat.chat_id, new_id)
                sent = await bot.send_message(new_id, card, reply_markup=markup)
        except TelegramAPIError as error:
            logger.warning(
                "member %s: verification card not posted to chat %s: %s",
                member.telegram_id,
                chat.chat_id,
                type(error).__name__,
            )
            continue
        posted.append(PostedCard(sent.chat.id, sent.message_id, chat.locale))
    await verification.record_cards(member.telegram_id, posted)
    logger.info(
        "member %s: verification card posted to %s group(s)", member.telegram_id, len(posted)
    )
    return len(posted)


async def announce_new_member(data: Mapping[str, Any], member: MemberProfile) -> None:
    """Post the cards of a member who has just registered, from a handler's middleware data.
    Never raises: registration is complete whatever happens to the cards."""
    settings: Settings = data["settings"]
    try:
        await post_verification_cards(
            data["bot"],
            data["staff_chats"],
            data["verification"],
            data["translations"],
            member,
            hromadas=data["hromadas"],
            associations=data["associations"],
            tz=settings.tz,
        )
    except Exception:
        logger.exception("member %s: verification cards not posted", member.telegram_id)


# ------------------------------------------------------------------------------ decisions


async def _tell_member(
    bot: Bot, members: MemberService, translations: Translations, decision: Decision
) -> bool:
    """The decision in the member's language, in private chat; False when it did not arrive."""
    member = decision.member
    t = translations.get(resolve_locale(member.locale, None))
    key = "verify-member-approved" if decision.approved else "verify-member-rejected"
    try:
        await bot.send_message(member.telegram_id, t(key))
    except TelegramForbiddenError:
        await members.set_reachable(member.telegram_id, False)
        logger.info("member %s: verification not delivered, bot blocked", member.telegram_id)
        return False
    except TelegramAPIError as error:
        logger.warning(
            "member %s: verification not delivered: %s",
            member.telegram_id,
            type(error).__name__,
        )
        return False
    return True


async def _show_decision(
    bot: Bot,
    message: Message,
    t: Translator,
    decision: Decision,
    *,
    hromadas: HromadaDirectory,
    associations: list[AssociationInfo],
    tz: ZoneInfo,
) -> None:
    """Edit the pressed card in place: the decision, and no buttons but the phone's."""
    text = await render_card(
        t, decision.member, hromadas=hromadas, associations=associations, tz=tz, decision=decision
    )
    markup = decided_keyboard(t, await phone_link(bot, decision.member))
    try:
        await bot.edit_message_text(
            text=text, chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
        )
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            logger.info(
                "verification card %s/%s not edited: %s",
                message.chat.id,
                message.message_id,
                error.message,
            )
    except TelegramAPIError as error:
        logger.info(
            "verification card in chat %s not edited: %s", message.chat.id, type(error).__name__
        )


async def on_verify(
    callback: CallbackQuery,
    callback_data: VerifyCallback,
    bot: Bot,
    i18n: Translator,
    verification: VerificationService,
    members: MemberService,
    staff_chats: StaffChatService,
    translations: Translations,
    hromadas: HromadaDirectory,
    associations: list[AssociationInfo],
    settings: Settings,
) -> None:
    """A card's approve or reject button: rights are checked on every press, and the pressed
    message must be that member's card (a forged button on another message changes nothing)."""
    staff = callback.from_user
    member_id = callback_data.member_id
    message = callback.message
    if not isinstance(message, Message) or not await _is_verification_card(
        verification, message, member_id
    ):
        logger.info("verification press by %s on a message that is no card of its member", staff.id)
        await callback.answer(i18n("verify-stale-button")[:200], show_alert=True)
        return
    try:
        decision = await verification.decide(
            member_id,
            staff.id,
            callback_data.action == VerifyAction.APPROVE,
            staff_name=staff.full_name,
            # One decision per card: the same press handled again (a resent update, a twin
            # process) finds it and neither records nor tells the member a second time.
            request_key=f"vrf:{message.chat.id}:{message.message_id}",
        )
    except PermissionDenied:
        logger.info("verification of member %s refused to %s", member_id, staff.id)
        await callback.answer(i18n("verify-not-staff")[:200], show_alert=True)
        return
    except UnknownMember:
        await callback.answer(i18n("verify-member-not-found")[:200], show_alert=True)
        return
    if decision.changed:
        delivered = await _tell_member(bot, members, translations, decision)
        logger.info(
            "member %s %s by %s (told=%s)", member_id, decision.verification, staff.id, delivered
        )
        key = "verify-done-approved" if decision.approved else "verify-done-rejected"
        await callback.answer(i18n(key if delivered else "verify-done-undelivered")[:200])
    else:
        key = "verify-already-approved" if decision.approved else "verify-already-rejected"
        name = decision.decided_by_name or i18n("verify-someone")
        await callback.answer(i18n(key, name=name)[:200], show_alert=True)
    bound = await staff_chats.chat(message.chat.id)
    t = translations.get(bound.locale if bound else DEFAULT_LOCALE)
    await _show_decision(
        bot,
        message,
        t,
        decision,
        hromadas=hromadas,
        associations=associations,
        tz=settings.tz,
    )


async def _is_verification_card(
    verification: VerificationService, message: Message, member_id: int
) -> bool:
    """A recorded card of this member; for a card posted before cards were recorded, a message
    whose keyboard is this member's verification keyboard."""
    owner = await verification.card_owner(message.chat.id, message.message_id)
    if owner is not None:
        return owner == member_id
    return is_card_of(message, member_id)


# ------------------------------------------------------------------------------ the phone


async def start_with_phone(
    message: Message,
    command: CommandObject,
    i18n: Translator,
    verification: VerificationService,
) -> None:
    """`/start vp<id>`: a card's phone button. The number is shown only here, in private chat,
    to staff who may decide on the member."""
    assert message.from_user is not None
    member_id = deep_link_id(command, PHONE_LINK_PREFIX, TELEGRAM_ID_MAX)
    if member_id is None:
        await message.answer(i18n("verify-member-not-found"))
        return
    try:
        member = await verification.contact(member_id, message.from_user.id)
    except PermissionDenied:
        logger.info("phone of member %s refused to %s", member_id, message.from_user.id)
        await message.answer(i18n("verify-not-staff"))
        return
    except UnknownMember:
        await message.answer(i18n("verify-member-not-found"))
        return
    if not member.phone:
        await message.answer(i18n("verify-phone-none"))
        return
    logger.info("phone of member %s shown to %s", member_id, message.from_user.id)
    await message.answer(
        i18n(
            "verify-phone",
            name=esc(member.full_name) or i18n("verify-no-name"),
            role=i18n(f"role-{member.role}") if member.role else "—",
            phone=esc(member.phone),
        )
    )


def create_verification_router() -> Router:
    """The verification cards' buttons (in staff groups, or wherever a card was forwarded) and
    their phone link in private chat.

    Included before the expert desk router, which answers every other button in groups, and
    before the command router, which would take the deep link for a plain /start."""
    router = Router(name="verification")
    router.callback_query.register(on_verify, VerifyCallback.filter())
    router.message.register(
        start_with_phone, deep_link(PHONE_LINK_PREFIX), F.chat.type == "private"
    )
    return router
