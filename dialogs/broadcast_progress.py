"""The author's progress message of a broadcast: sent / failed / remaining, the rate and the
time left, edited by the sender every few seconds; its ⏸ / ▶️ / ✖️ buttons; the final report.
Every press re-checks that the presser is the author or an admin (in BroadcastService)."""

from __future__ import annotations

import hashlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translations, Translator
from bot.services.broadcasts import BroadcastError, BroadcastProgress, BroadcastService
from dialogs.common import RowId
from storage.models import BroadcastStatus

logger = logging.getLogger(__name__)

ALERT_MAX = 200


class ProgressCb(CallbackData, prefix="bcp"):
    """A progress button: `a` the action, `b` the broadcast id."""

    a: str  # pause | resume | cancel | cancel-yes | cancel-no
    b: RowId


# ------------------------------------------------------------------------------ texts


def _number(value: float, locale: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if locale == "uk" else text


def _duration(t: Translator, seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return t("announcement-eta-seconds", seconds=seconds)
    if seconds < 3600:
        return t("announcement-eta-minutes", minutes=seconds // 60, seconds=seconds % 60)
    return t("announcement-eta-hours", hours=seconds // 3600, minutes=seconds % 3600 // 60)


def progress_text(t: Translator, progress: BroadcastProgress) -> str:
    """The progress message, or the final report once nothing is left to happen."""
    lines = [
        t("announcement-progress-title", id=str(progress.broadcast_id)),
        t("announcement-progress-status", status=progress.status),
    ]
    if progress.is_final:
        lines.append(
            t(
                "announcement-progress-final",
                sent=progress.sent,
                unreachable=progress.unreachable,
                failed=progress.failed,
                uncertain=progress.uncertain,
                cancelled=progress.cancelled,
            )
        )
        if progress.finished_at is not None:
            took = (progress.finished_at - progress.created_at).total_seconds()
            lines.append(t("announcement-progress-duration", duration=_duration(t, took)))
        return "\n".join(lines)
    if progress.status == BroadcastStatus.CANCELLED:
        lines.append(t("announcement-progress-cancelling"))
    lines.append(
        t(
            "announcement-progress-counts",
            total=progress.total,
            sent=progress.sent,
            unreachable=progress.unreachable,
            failed=progress.failed,
            remaining=progress.remaining,
        )
    )
    if progress.status == BroadcastStatus.SENDING and progress.remaining:
        if progress.rate_per_second is not None and progress.eta_seconds is not None:
            lines.append(
                t(
                    "announcement-progress-rate",
                    rate=_number(progress.rate_per_second, t.locale),
                    eta=_duration(t, progress.eta_seconds),
                )
            )
        else:
            lines.append(t("announcement-progress-rate-unknown"))
    return "\n".join(lines)


def progress_keyboard(
    t: Translator, progress: BroadcastProgress, *, confirm_cancel: bool = False
) -> InlineKeyboardMarkup | None:
    """⏸ or ▶️ and ✖️ while the broadcast runs; the cancel confirmation; nothing at the end."""
    if progress.status not in (BroadcastStatus.SENDING, BroadcastStatus.PAUSED):
        return None
    b = progress.broadcast_id
    if confirm_cancel:
        row = [
            _button(t("announcement-button-cancel-confirm"), "cancel-yes", b),
            _button(t("announcement-button-cancel-back"), "cancel-no", b),
        ]
    elif progress.status == BroadcastStatus.SENDING:
        row = [
            _button(t("announcement-button-pause"), "pause", b),
            _button(t("announcement-button-cancel"), "cancel", b),
        ]
    else:
        row = [
            _button(t("announcement-button-resume"), "resume", b),
            _button(t("announcement-button-cancel"), "cancel", b),
        ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


def _button(text: str, action: str, broadcast_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=ProgressCb(a=action, b=broadcast_id).pack()
    )


# ------------------------------------------------------------------------------ sending, editing


async def post_progress_message(
    bot: Bot,
    broadcasts: BroadcastService,
    translations: Translations,
    broadcast_id: int,
    chat_id: int,
    locale: str,
) -> None:
    """Send the author the progress message with its buttons and record it for the sender."""
    progress = await broadcasts.progress(broadcast_id)
    t = translations.get(locale)
    text, keyboard = progress_text(t, progress), progress_keyboard(t, progress)
    message = await bot.send_message(chat_id, text, reply_markup=keyboard)
    await broadcasts.set_progress_message(
        broadcast_id, message.message_id, fingerprint(text, keyboard)
    )


def fingerprint(text: str, keyboard: InlineKeyboardMarkup | None) -> str:
    """A short digest of a progress message's text and buttons."""
    markup = "" if keyboard is None else keyboard.model_dump_json(exclude_none=True)
    return hashlib.sha1(f"{text}\n{markup}".encode(), usedforsecurity=False).hexdigest()


async def edit_progress_message(
    bot: Bot,
    translations: Translations,
    progress: BroadcastProgress,
    *,
    previous: str | None = None,
    request_timeout: int | None = None,
    broadcasts: BroadcastService | None = None,
) -> str | None:
    """Edit the progress message to `progress`; returns the text shown, or None when the edit
    was skipped (nothing changed, here or as last recorded) or refused."""
    if progress.progress_chat_id is None or progress.progress_message_id is None:
        return None
    t = translations.get(progress.progress_locale)
    text, keyboard = progress_text(t, progress), progress_keyboard(t, progress)
    shown = fingerprint(text, keyboard)
    if text == previous or shown == progress.progress_shown:
        return None
    try:
        await bot.edit_message_text(
            text=text,
            chat_id=progress.progress_chat_id,
            message_id=progress.progress_message_id,
            reply_markup=keyboard,
            request_timeout=request_timeout,
        )
        if broadcasts is not None:
            await broadcasts.record_progress_shown(progress.broadcast_id, shown)
    except TelegramBadRequest as error:
        if "message is not modified" in error.message.lower():
            return text
        logger.warning(
            "broadcast %s: progress message not edited: %s", progress.broadcast_id, error
        )
        return None
    except TelegramAPIError as error:
        logger.warning(
            "broadcast %s: progress message not edited: %s", progress.broadcast_id, error
        )
        return None
    return text


# ------------------------------------------------------------------------------ the buttons


async def on_progress_button(
    callback: CallbackQuery,
    callback_data: ProgressCb,
    bot: Bot,
    i18n: Translator,
    broadcasts: BroadcastService,
    translations: Translations,
) -> None:
    """⏸ / ▶️ / ✖️ and the cancel confirmation; refusals and stale presses get an alert."""
    t = i18n
    actor = callback.from_user.id
    broadcast_id = callback_data.b
    confirm_cancel = False
    try:
        match callback_data.a:
            case "pause":
                progress = await broadcasts.pause(actor, broadcast_id)
                notice = t("announcement-paused")
            case "resume":
                progress = await broadcasts.resume(actor, broadcast_id)
                notice = t("announcement-resumed")
            case "cancel":
                progress = await broadcasts.check_manage(actor, broadcast_id)
                notice = t("announcement-cancel-question")
                confirm_cancel = True
            case "cancel-yes":
                progress = await broadcasts.cancel(actor, broadcast_id)
                notice = t("announcement-cancelled")
            case "cancel-no":
                progress = await broadcasts.check_manage(actor, broadcast_id)
                notice = t("announcement-cancel-kept")
            case _:
                await callback.answer(t("error-stale-button")[:ALERT_MAX], show_alert=True)
                return
    except BroadcastError as error:
        logger.info(
            "broadcast %s: %s refused to %s (%s)", broadcast_id, callback_data.a, actor, error.code
        )
        await callback.answer(t(error.message_id)[:ALERT_MAX], show_alert=True)
        if error.code == "finished":
            await _refresh(callback, bot, broadcasts, translations, broadcast_id)
        return
    logger.info("broadcast %s: %s by %s", broadcast_id, callback_data.a, actor)
    await callback.answer(notice[:ALERT_MAX], show_alert=confirm_cancel)
    await _show(callback, bot, broadcasts, translations, progress, confirm_cancel=confirm_cancel)


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
    """The progress message's buttons."""
    router = Router(name="broadcast_progress")
    router.callback_query.register(on_progress_button, ProgressCb.filter())
    return router
