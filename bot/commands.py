"""The command lists shown in Telegram's menu, per language and per scope."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import Translations, Translator

logger = logging.getLogger(__name__)

MEMBER_COMMANDS = ("start", "menu", "profile", "language", "help", "cancel")
ADMIN_COMMANDS = ("invite",)


def member_commands(t: Translator) -> list[BotCommand]:
    return [BotCommand(command=c, description=t(f"command-{c}")) for c in MEMBER_COMMANDS]


def admin_commands(t: Translator) -> list[BotCommand]:
    return member_commands(t) + [
        BotCommand(command=c, description=t(f"command-{c}")) for c in ADMIN_COMMANDS
    ]


async def register_commands(bot: Bot, translations: Translations, admin_ids: set[int]) -> None:
    """Ukrainian for Ukrainian clients, English as the default; admins also see admin commands."""
    uk, en = translations.get("uk"), translations.get("en")
    await bot.set_my_commands(
        member_commands(uk), scope=BotCommandScopeDefault(), language_code="uk"
    )
    await bot.set_my_commands(member_commands(en), scope=BotCommandScopeDefault())
    for admin_id in sorted(admin_ids):
        try:
            await bot.set_my_commands(
                admin_commands(uk), scope=BotCommandScopeChat(chat_id=admin_id), language_code="uk"
            )
            await bot.set_my_commands(
                admin_commands(en), scope=BotCommandScopeChat(chat_id=admin_id)
            )
        except TelegramAPIError as error:
            # An admin who never opened the bot has no chat yet; they get the list later.
            logger.info("admin commands not set for %s: %s", admin_id, type(error).__name__)
