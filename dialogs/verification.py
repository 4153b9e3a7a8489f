"""Member verification, staff side: approve or reject with a new member's card.

When a member registers, a card goes to every bound group of their associations
(`delivery/verification_cards.py`; the card itself is `dialogs/verification_texts.py`'s). Staff
of those associations approve or reject with the card's buttons; the first decision stands, the
card shows it, and the member is told in their language.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message

from bot.content import AssociationInfo
from bot.i18n import DEFAULT_LOCALE, Translations, Translator, resolve_locale
from bot.services.hromadas import HromadaDirectory
from bot.services.members import MemberService
from bot.services.staff import PermissionDenied
from bot.services.staff_chats import StaffChatService
from bot.services.text_input import TELEGRAM_ID_MAX
from bot.services.verification import Decision, UnknownMember, VerificationService
from bot.settings import Settings
from dialogs.common import deep_link, deep_link_id, esc
from dialogs.verification_texts import (
    PHONE_LINK_PREFIX,
    VerifyAction,
    VerifyCallback,
    decided_keyboard,
    is_card_of,
    phone_link,
    render_card,
)

logger = logging.getLogger(__name__)


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
