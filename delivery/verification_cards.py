"""Posting a new member's verification cards: one to every bound group of their associations
(of all associations when they are not sure), in the group's language, recorded so the buttons
can be checked against it. Sends go through `send_to_staff_chat`: a group that became a
supergroup gets the card at its new id, one that removed the bot stops receiving cards."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.content import AssociationInfo
from bot.i18n import Translations
from bot.services.hromadas import HromadaDirectory
from bot.services.members import MemberProfile
from bot.services.staff_chats import StaffChatService
from bot.services.verification import PostedCard, VerificationService
from bot.settings import Settings
from delivery.staff_chats import send_to_staff_chat
from dialogs.verification_texts import card_keyboard, phone_link, render_card

logger = logging.getLogger(__name__)


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
            sent = await send_to_staff_chat(
                bot, staff_chats, chat.chat_id, card, reply_markup=markup
            )
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
