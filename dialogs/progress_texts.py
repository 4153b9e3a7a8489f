"""The author's progress message of a broadcast: sent / failed / remaining, the rate and the
time left; its ⏸ / ▶️ / ✖️ buttons; the final report. `delivery/progress.py` posts and edits
it, `dialogs/broadcast_progress.py` answers its buttons."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services.broadcasts import BroadcastProgress
from dialogs.common import RowId
from storage.models import BroadcastStatus


class ProgressAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"  # asks for confirmation
    CANCEL_YES = "cancel-yes"
    CANCEL_NO = "cancel-no"


class ProgressCb(CallbackData, prefix="bcp"):
    """A progress button (`bcp:<action>:<broadcast id>`)."""

    action: ProgressAction
    broadcast_id: RowId


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
    # What both the running counts and the final report say.
    done = {"sent": progress.sent, "unreachable": progress.unreachable, "failed": progress.failed}
    if progress.is_final:
        lines.append(
            t(
                "announcement-progress-final",
                **done,
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
            **done,
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
            _button(t("announcement-button-cancel-confirm"), ProgressAction.CANCEL_YES, b),
            _button(t("announcement-button-cancel-back"), ProgressAction.CANCEL_NO, b),
        ]
    elif progress.status == BroadcastStatus.SENDING:
        row = [
            _button(t("announcement-button-pause"), ProgressAction.PAUSE, b),
            _button(t("announcement-button-cancel"), ProgressAction.CANCEL, b),
        ]
    else:
        row = [
            _button(t("announcement-button-resume"), ProgressAction.RESUME, b),
            _button(t("announcement-button-cancel"), ProgressAction.CANCEL, b),
        ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


def _button(text: str, action: ProgressAction, broadcast_id: int) -> InlineKeyboardButton:
    data = ProgressCb(action=action, broadcast_id=broadcast_id).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def fingerprint(text: str, keyboard: InlineKeyboardMarkup | None) -> str:
    """A short digest of a progress message's text and buttons."""
    markup = "" if keyboard is None else keyboard.model_dump_json(exclude_none=True)
    return hashlib.sha1(f"{text}\n{markup}".encode(), usedforsecurity=False).hexdigest()
