"""The progress message's buttons: ⏸ / ▶️ / ✖️ and the cancel confirmation, a handler per
action from the BUTTONS table. Every press re-checks that the presser is the author or an admin
(in BroadcastService); refusals and stale presses get an alert, and the pressed message shows the
broadcast as it now stands. The texts and buttons are `dialogs/progress_texts.py`'s; the sender
edits the message through `delivery/progress.py`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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

# ------------------------------------------------------------------------------ the buttons

# A BroadcastService method a button calls: (service, actor, broadcast id) -> the broadcast after.
Change = Callable[[BroadcastService, int, int], Awaitable[BroadcastProgress]]


@dataclass(frozen=True)
class Button:
    """What one progress button does: the change made as the presser, the notice answered (an
    alert when it asks to confirm), and whether the message then asks to confirm cancelling."""

    change: Change
    notice_id: str
    confirm_cancel: bool = False


BUTTONS = {
    # ⏸: the sender claims nothing more of the broadcast until it is resumed.
    ProgressAction.PAUSE: Button(BroadcastService.pause, "announcement-paused"),
    # ▶️: sending goes on where it stopped.
    ProgressAction.RESUME: Button(BroadcastService.resume, "announcement-resumed"),
    # ✖️: nothing is cancelled yet; the message asks for confirmation.
    ProgressAction.CANCEL: Button(
        BroadcastService.check_manage, "announcement-cancel-question", confirm_cancel=True
    ),
    # The confirmation's yes: the rows not yet sent are cancelled.
    ProgressAction.CANCEL_YES: Button(BroadcastService.cancel, "announcement-cancelled"),
    # The confirmation's no: the broadcast goes on, the usual buttons come back.
    ProgressAction.CANCEL_NO: Button(BroadcastService.check_manage, "announcement-cancel-kept"),
}


def progress_button_handler(button: Button) -> Callable[..., Awaitable[None]]:
    """The handler of one progress button: the change as the presser, its notice or the
    refusal, and the pressed message showing the broadcast as it now stands."""

    async def on_progress_button(
        callback: CallbackQuery,
        callback_data: ProgressCb,
        bot: Bot,
        i18n: Translator,
        broadcasts: BroadcastService,
        translations: Translations,
    ) -> None:
        actor, broadcast_id = callback.from_user.id, callback_data.broadcast_id
        action = callback_data.action.value
        try:
            progress = await button.change(broadcasts, actor, broadcast_id)
        except BroadcastError as error:
            logger.info(
                "broadcast %s: %s refused to %s (%s)", broadcast_id, action, actor, error.code
            )
            await callback.answer(i18n(error.message_id)[:ALERT_MAX], show_alert=True)
            if error.code == "finished":
                await _refresh(callback, bot, broadcasts, translations, broadcast_id)
            return
        logger.info("broadcast %s: %s by %s", broadcast_id, action, actor)
        notice = i18n(button.notice_id)[:ALERT_MAX]
        await callback.answer(notice, show_alert=button.confirm_cancel)
        await _show(
            callback, bot, broadcasts, translations, progress, confirm_cancel=button.confirm_cancel
        )

    return on_progress_button


async def _refresh(
    callback: CallbackQuery,
    bot: Bot,
    broadcasts: BroadcastService,
    translations: Translations,
    broadcast_id: int,
) -> None:
    try:
        progress = await broadcasts.progress(broadcast_id)
    except BroadcastError:
        return
    await _show(callback, bot, broadcasts, translations, progress, confirm_cancel=False)


async def _show(
    callback: CallbackQuery,
    bot: Bot,
    broadcasts: BroadcastService,
    translations: Translations,
    progress: BroadcastProgress,
    *,
    confirm_cancel: bool,
) -> None:
    """The pressed message shows the broadcast as it now stands, in the author's language."""
    message = callback.message
    if message is None:
        return
    t = translations.get(progress.progress_locale)
    text = progress_text(t, progress)
    keyboard = progress_keyboard(t, progress, confirm_cancel=confirm_cancel)
    shown = fingerprint(text, keyboard)
    if shown == progress.progress_shown:
        return
    try:
        await bot.edit_message_text(
            text=text, chat_id=message.chat.id, message_id=message.message_id, reply_markup=keyboard
        )
        await broadcasts.record_progress_shown(progress.broadcast_id, shown)
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message.lower():
            logger.warning("broadcast %s: progress not shown: %s", progress.broadcast_id, error)


def create_progress_router() -> Router:
    """The progress message's buttons, one handler per action."""
    router = Router(name="broadcast_progress")
    for action, button in BUTTONS.items():
        handler = progress_button_handler(button)
        router.callback_query.register(handler, ProgressCb.filter(F.action == action))
    return router
