"""Staff groups: `/bind` and `/unbind` a group to an association, and keeping the binding true
when the group becomes a supergroup or removes the bot.

Every feature's staff cards (questions, reports, verification, digests) go to the groups bound
here, so this router is its own, not the expert desk's.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import ChatMemberRestricted, ChatMemberUpdated, Message

from bot.content import AssociationInfo
from bot.i18n import DEFAULT_LOCALE, LOCALES, Translations, Translator
from bot.names import short_names
from bot.services.staff import PermissionDenied, Rights, UnknownAssociation
from bot.services.staff_chats import BoundChat, StaffChatService
from dialogs.common import esc

logger = logging.getLogger(__name__)

GROUP_TYPES = frozenset({"group", "supergroup"})


async def group_translator(
    chat_id: int, staff_chats: StaffChatService, translations: Translations
) -> tuple[Translator, BoundChat | None]:
    """The group's language when it is bound; Ukrainian otherwise."""
    bound = await staff_chats.chat(chat_id)
    return translations.get(bound.locale if bound else DEFAULT_LOCALE), bound


async def bot_can_post(bot: Bot, chat_id: int) -> bool:
    """Whether the bot is in the group and allowed to send messages there."""
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramAPIError as error:
        logger.info("chat %s: bot membership unknown: %s", chat_id, type(error).__name__)
        return False
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        return False
    return not (isinstance(member, ChatMemberRestricted) and not member.can_send_messages)


def _codes_list(associations: list[AssociationInfo], locale: str) -> str:
    return "\n".join(f"• {a.code} — {esc(a.short(locale))}" for a in associations)


async def _refused(message: Message, rights: Rights, t: Translator) -> bool:
    """Only admins bind and unbind groups: anyone else is told so."""
    if rights.is_admin:
        return False
    await message.reply(t("desk-bind-admins-only"))
    return True


async def on_bind(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    staff_chats: StaffChatService,
    translations: Translations,
    associations: list[AssociationInfo],
) -> None:
    assert message.from_user is not None
    t, bound = await group_translator(message.chat.id, staff_chats, translations)
    if await _refused(message, rights, t):
        return
    args = (command.args or "").lower().split()
    codes = {a.code for a in associations}
    locale = args[1] if len(args) > 1 else None
    if not args or args[0] not in codes or (locale is not None and locale not in LOCALES):
        text = t("desk-bind-usage", codes=_codes_list(associations, t.locale))
        if bound is not None:
            current = esc(short_names(associations, bound.association_codes, t.locale))
            text += "\n\n" + t("desk-bind-current", associations=current)
        await message.reply(text)
        return
    if not await bot_can_post(bot, message.chat.id):
        # The group cannot hear the bot: tell the admin in private chat, if they have one.
        logger.info("bind refused: bot cannot post in chat %s", message.chat.id)
        try:
            await bot.send_message(
                message.from_user.id,
                t("desk-bind-cannot-post", title=esc(message.chat.title or str(message.chat.id))),
            )
        except TelegramAPIError as error:
            logger.info("admin %s not told: %s", message.from_user.id, type(error).__name__)
        return
    try:
        result = await staff_chats.bind(
            message.chat.id, message.chat.title, args[0], message.from_user.id, locale
        )
    except PermissionDenied:
        await message.reply(t("desk-bind-admins-only"))
        return
    except UnknownAssociation:
        await message.reply(t("desk-bind-usage", codes=_codes_list(associations, t.locale)))
        return
    logger.info("chat %s bound to %s: %s", message.chat.id, args[0], result.status)
    t = translations.get(result.chat.locale)
    await message.reply(
        t(
            f"desk-bind-{result.status}",
            association=esc(short_names(associations, (args[0],), t.locale)),
            associations=esc(short_names(associations, result.chat.association_codes, t.locale)),
            language=t(f"desk-language-{result.chat.locale}"),
        )
    )


async def on_unbind(
    message: Message,
    command: CommandObject,
    rights: Rights,
    staff_chats: StaffChatService,
    translations: Translations,
    associations: list[AssociationInfo],
) -> None:
    assert message.from_user is not None
    t, _ = await group_translator(message.chat.id, staff_chats, translations)
    if await _refused(message, rights, t):
        return
    code = (command.args or "").strip().lower() or None
    try:
        unbound = await staff_chats.unbind(message.chat.id, message.from_user.id, code)
    except PermissionDenied:
        await message.reply(t("desk-bind-admins-only"))
        return
    if not unbound:
        await message.reply(t("desk-unbind-none"))
        return
    logger.info("chat %s unbound from %s", message.chat.id, ",".join(unbound))
    await message.reply(
        t("desk-unbind-done", associations=esc(short_names(associations, unbound, t.locale)))
    )


async def on_bot_membership(event: ChatMemberUpdated, staff_chats: StaffChatService) -> None:
    """The bot was removed from a group: the group stops receiving cards."""
    if event.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        codes = await staff_chats.deactivate_chat(event.chat.id)
        if codes:
            logger.warning("bot removed from staff chat %s (%s)", event.chat.id, ",".join(codes))


async def on_migrate(message: Message, staff_chats: StaffChatService) -> None:
    """A group became a supergroup: Telegram says so in both the old and the new chat."""
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    else:
        assert message.migrate_from_chat_id is not None
        old, new = message.migrate_from_chat_id, message.chat.id
    if await staff_chats.migrate(old, new):
        logger.info("staff chat %s is now %s", old, new)


def create_staff_groups_router() -> Router:
    """`/bind`, `/unbind`, a group's migration and the bot's membership in groups.

    Included just before the expert desk's router: a `/bind` sent as a reply to a card is a
    command, not an answer."""
    router = Router(name="staff_groups")
    in_group = F.chat.type.in_(GROUP_TYPES)
    router.message.register(on_bind, Command("bind"), in_group)
    router.message.register(on_unbind, Command("unbind"), in_group)
    router.message.register(on_migrate, in_group, F.migrate_to_chat_id | F.migrate_from_chat_id)
    router.my_chat_member.register(on_bot_membership, in_group)
    return router
