"""Errors: a press on a finished or covered dialog gets a polite answer and the current step (or
home); anything else is logged."""

from __future__ import annotations

import logging

from aiogram import Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, User
from aiogram_dialog import DialogManager
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState

from bot.i18n import Translations, Translator, resolve_locale
from bot.outage import OutageNoticeMiddleware
from bot.services.members import MemberService
from dialogs.common import BotMessageManager
from dialogs.entry import show_current_step

logger = logging.getLogger(__name__)


async def on_stale_dialog(
    event: ErrorEvent,
    dialog_manager: DialogManager,
    i18n: Translator,
    members: MemberService,
    translations: Translations,
    message_manager: BotMessageManager | None = None,
    event_from_user: User | None = None,
) -> None:
    logger.info(
        "stale dialog event in update %s: %s",
        event.update.update_id,
        type(event.exception).__name__,
    )
    query = event.update.callback_query
    # A handler may have answered the press before the dialog turned out stale: once only.
    if query is not None and not (message_manager and message_manager.was_answered(query.id)):
        await query.answer(i18n("error-stale-button"))
    # The handler may have changed the member (their language, say) before failing: reread.
    member = await members.get(event_from_user.id) if event_from_user else None
    language_code = event_from_user.language_code if event_from_user else None
    locale = resolve_locale(member.locale if member else None, language_code)
    dialog_manager.middleware_data["i18n"] = translations.get(locale)
    await show_current_step(dialog_manager, member)


async def on_unexpected(event: ErrorEvent, i18n: Translator | None = None) -> None:
    logger.exception(
        "update %s failed: %s",
        event.update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    if i18n is None:
        return
    text = i18n("error-unexpected")
    try:
        if event.update.callback_query is not None:
            await event.update.callback_query.answer(text, show_alert=True)
        elif event.update.message is not None:
            await event.update.message.answer(text)
    except TelegramAPIError as error:
        logger.warning("could not tell the user about the failure: %s", type(error).__name__)


def register_error_handlers(dp: Dispatcher) -> None:
    """On the dispatcher itself: errors bubble up to it from every router and middleware."""
    dp.error.outer_middleware(OutageNoticeMiddleware())  # before aiogram-dialog's, see there
    dp.error.register(
        on_stale_dialog, ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState)
    )
    dp.error.register(on_unexpected)
