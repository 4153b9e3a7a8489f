"""The command lists shown in Telegram's menu, per language and per scope."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)

from bot.i18n import Translations, Translator, resolve_locale
from bot.services.members import MemberService
from bot.services.staff import Rights

logger = logging.getLogger(__name__)

MEMBER_COMMANDS = ("start", "menu", "profile", "language", "privacy", "help", "cancel")
STAFF_COMMANDS = ("questions", "queue", "export", "broadcast", "consult", "digest")
ADMIN_COMMANDS = (
    "questions",
    "queue",
    "export",
    "broadcast",
    "consult",
    "digest",
    "invite",
    "staff",
)
# In groups, for their administrators: binding the group is for bot admins, who are usually
# among them; the bot checks the right itself.
GROUP_ADMIN_COMMANDS = ("bind", "unbind", "digest")
# Commands whose descriptions live with their feature, not under `command-`.
_DESCRIPTIONS = {
    "questions": "desk-command-questions",
    "queue": "queue-command-queue",
    "export": "queue-command-export",
    "broadcast": "broadcast-command",
    "consult": "consult-staff-command",
    "digest": "digest-command",
    "staff": "staff-command",
    "bind": "desk-command-bind",
    "unbind": "desk-command-unbind",
}


def _commands(t: Translator, names: tuple[str, ...]) -> list[BotCommand]:
    return [
        BotCommand(command=c, description=t(_DESCRIPTIONS.get(c, f"command-{c}"))) for c in names
    ]


def member_commands(t: Translator) -> list[BotCommand]:
    return _commands(t, MEMBER_COMMANDS)


def staff_commands(t: Translator) -> list[BotCommand]:
    return member_commands(t) + _commands(t, STAFF_COMMANDS)


def admin_commands(t: Translator) -> list[BotCommand]:
    return member_commands(t) + _commands(t, ADMIN_COMMANDS)


async def register_commands(bot: Bot, translations: Translations, admin_chats: set[int]) -> None:
    """Ukrainian for Ukrainian clients, English as the default; admins also see admin commands.

    `admin_chats` are admins who have opened the bot: Telegram knows no chat with the others
    yet, and they get their list when they first send /start.
    """
    uk, en = translations.get("uk"), translations.get("en")
    await bot.set_my_commands(
        member_commands(uk), scope=BotCommandScopeDefault(), language_code="uk"
    )
    await bot.set_my_commands(member_commands(en), scope=BotCommandScopeDefault())
    group_scope = BotCommandScopeAllChatAdministrators()
    await bot.set_my_commands(
        _commands(uk, GROUP_ADMIN_COMMANDS), scope=group_scope, language_code="uk"
    )
    await bot.set_my_commands(_commands(en, GROUP_ADMIN_COMMANDS), scope=group_scope)
    for admin_id in sorted(admin_chats):
        await set_chat_commands(bot, admin_id, en, admin=True)


async def set_chat_commands(
    bot: Bot, chat_id: int, t: Translator, *, admin: bool, staff: bool = False
) -> bool:
    """The command list of one private chat, in the language its member chose; False when
    Telegram refused it (no such chat: the user never opened the bot)."""
    if admin:
        commands = admin_commands(t)
    elif staff:
        commands = staff_commands(t)
    else:
        commands = member_commands(t)
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as error:
        logger.info("commands not set for chat %s: %s", chat_id, type(error).__name__)
        return False
    return True


async def refresh_chat_commands(
    bot: Bot, members: MemberService, translations: Translations, rights: Rights
) -> bool:
    """After a user's rights changed: their private chat's command list matches what they
    still hold, in their language. False when they have no private chat with the bot."""
    member = await members.get(rights.telegram_id)
    t = translations.get(resolve_locale(member.locale if member else None, None))
    return await set_chat_commands(
        bot, rights.telegram_id, t, admin=rights.is_admin, staff=rights.is_staff
    )
