"""The progress message's buttons: ⏸ / ▶️ / ✖️ and the cancel confirmation, one handler per
action. Every press re-checks that the presser is the author or an admin (in BroadcastService);
refusals and stale presses get an alert, and the pressed message shows the broadcast as it now
stands. The texts and buttons are `dialogs/progress_texts.py`'s; the sender edits the message
through `delivery/progress.py`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery

from bot.i18n import Translations, Translator
from bot.services.broadcasts import BroadcastError, BroadcastProgress, BroadcastService
from dialogs.progress_texts import (
    ProgressAction,
    ProgressCb,
    fingerprint,
    progress_keyboard,
    progress_text,
)

logger = logging.getLogger(__name__)

ALERT_MAX = 200

# A BroadcastService method a button calls: (actor, broadcast id) -> the broadcast after it.
Change = Callable[[int, int], Awaitable[BroadcastProgress]]


# ------------------------------------------------------------------------------ the buttons


async def on_pause(
    callback: CallbackQuery,
    callback_data: ProgressCb,
    bot: Bot,
    i18n: Translator,
    broadcasts: BroadcastService,
    translations: Translations,
) -> None:
    """⏸: the sender claims nothing more of the broadcast until it is resumed."""
    press = _Press(callback, callback_data, bot, i18n, broadcasts, translations)
    await press.apply(broadcasts.pause, "announcement-paused")


async def on_resume(
    callback: CallbackQuery,
    callback_data: ProgressCb,
    bot: Bot,
    i18n: Translator,
    broadcasts: BroadcastService,
    translations: Translations,
) -> None:
    """▶️: sending goes on where it stopped."""
    press = _Press(callback, callback_data, bot, i18n, broadcasts, translations)
    await press.apply(broadcasts.resume, "announcement-resumed")


async def on_cancel(
    callback: CallbackQuery,
    callback_data: ProgressCb,
    bot: Bot,
    i18n: Translator,
    broadcasts: BroadcastService,
    translations: Translations,
) -> None:
    """✖️: nothing is cancelled yet; the message asks for confirmation."""
    press = _Press(callback, callback_data, bot, i18n, broadcasts, translations)
    await press.apply(broadcasts.check_manage, "announcement-cancel-question", confirm_cancel=True)


async def on_cancel_confirmed(
    callback: CallbackQuery,
    callback_data: ProgressCb,
    bot: Bot,
    i18n: Translator,
    broadcasts: BroadcastService,
    translations: Translations,
) -> None:
    """The confirmation's yes: the rows not yet sent are cancelled."""
    press = _Press(callback, callback_data, bot, i18n, broadcasts, translations)
    await press.apply(broadcasts.cancel, "announcement-cancelled")


async def on_cancel_withdrawn(
    callback: CallbackQuery,
    callback_data: ProgressCb,
    bot: Bot,
    i18n: Translator,
    broadcasts: BroadcastService,
    translations: Translations,
) -> None:
    """The confirmation's no: the broadcast goes on, the usual buttons come back."""
    press = _Press(callback, callback_data, bot, i18n, broadcasts, translations)
    await press.apply(broadcasts.check_manage, "announcement-cancel-kept")


class _Press:
    """One press of a progress button and what answering it needs."""

    def __init__(
        self,
        callback: CallbackQuery,
        callback_data: ProgressCb,
        bot: Bot,
        i18n: Translator,
        broadcasts: BroadcastService,
        translations: Translations,
    ) -> None:
        self.callback = callback
        self.action = callback_data.action
        self.broadcast_id = callback_data.broadcast_id
        self.bot = bot
        self.t = i18n
        self.broadcasts = broadcasts
        self.translations = translations

    async def apply(self, change: Change, notice_id: str, *, confirm_cancel: bool = False) -> None:
        """Make the change as the presser; answer with `notice_id` (an alert when asking to
        confirm) or with the refusal, and show the broadcast as it now stands."""
        actor = self.callback.from_user.id
        try:
            progress = await change(actor, self.broadcast_id)
        except BroadcastError as error:
            logger.info(
                "broadcast %s: %s refused to %s (%s)",
                self.broadcast_id,
                self.action.value,
                actor,
                error.code,
            )
            await self.callback.answer(self.t(error.message_id)[:ALERT_MAX], show_alert=True)
            if error.code == "finished":
                await self._refresh()
            return
        logger.info("broadcast %s: %s by %s", self.broadcast_id, self.action.value, actor)
        await self.callback.answer(self.t(notice_id)[:ALERT_MAX], show_alert=confirm_cancel)
        await self._show(progress, confirm_cancel=confirm_cancel)

    async def _refresh(self) -> None:
        try:
            progress = await self.broadcasts.progress(self.broadcast_id)
        except BroadcastError:
            return
        await self._show(progress, confirm_cancel=False)

    async def _show(self, progress: BroadcastProgress, *, confirm_cancel: bool) -> None:
        """The pressed message shows the broadcast as it now stands, in the author's language."""
        message = self.callback.message
        if message is None:
            return
        t = self.translations.get(progress.progress_locale)
        text = progress_text(t, progress)
        keyboard = progress_keyboard(t, progress, confirm_cancel=confirm_cancel)
        shown = fingerprint(text, keyboard)
        if shown == progress.progress_shown:
            return
        try:
            await self.bot.edit_message_text(
                text=text,
                chat_id=message.chat.id,
                message_id=message.message_id,
                reply_markup=keyboard,
            )
            await self.broadcasts.record_progress_shown(progress.broadcast_id, shown)
        except TelegramBadRequest as error:
            if "message is not modified" not in error.message.lower():
                logger.warning("broadcast %s: progress not shown: %s", progress.broadcast_id, error)


def create_progress_router() -> Router:
    """The progress message's buttons, one handler per action."""
    router = Router(name="broadcast_progress")
    handlers = {
        ProgressAction.PAUSE: on_pause,
        ProgressAction.RESUME: on_resume,
        ProgressAction.CANCEL: on_cancel,
        ProgressAction.CANCEL_YES: on_cancel_confirmed,
        ProgressAction.CANCEL_NO: on_cancel_withdrawn,
    }
    for action, handler in handlers.items():
        router.callback_query.register(handler, ProgressCb.filter(F.action == action))
    return router
