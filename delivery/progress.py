"""The author's progress message of a broadcast, sent and edited: posted once when the
broadcast starts, then edited by the broadcast sender every few seconds and for the final report
(the texts and buttons are `dialogs/progress_texts.py`'s); the sender's side is
`ProgressReporter`, which also closes a broadcast with nothing left to send."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.i18n import Translations
from bot.services.broadcasts import BroadcastProgress, BroadcastService
from delivery.pacing import Clock
from dialogs.progress_texts import fingerprint, progress_keyboard, progress_text
from storage.db import Database
from storage.models import BroadcastStatus
from storage.repositories import broadcasts as repo

logger = logging.getLogger(__name__)


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


class ProgressReporter:
    """The broadcast sender's progress step: each unfinished broadcast's progress message
    edited at most every `interval` seconds, and a broadcast with nothing left to send given
    its final report and closed. `on_edit(chat_id, monotonic)` is told of each edit made, so
    the sender counts it and paces the author's chat with its own sends."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        translations: Translations,
        service: BroadcastService,
        clock: Clock,
        *,
        interval: float,
        request_timeout: int,
        on_edit: Callable[[int, float], None],
    ) -> None:
        self.bot = bot
        self.db = db
        self.translations = translations
        self.service = service
        self.clock = clock
        self.interval = interval
        self.request_timeout = request_timeout
        self.on_edit = on_edit
        self._last_step = -math.inf
        self._last_edit: dict[int, tuple[float, str]] = {}

    async def step(self, *, force: bool = False) -> None:
        """At most once a second (unless `force`): every unfinished broadcast edited or closed."""
        mono = self.clock.monotonic()
        if not force and mono - self._last_step < 1.0:
            return
        self._last_step = mono
        async with self.db.transaction() as session:
            broadcasts = await repo.unfinished_broadcasts(session)
        for broadcast in broadcasts:
            progress = await self.service.progress(broadcast.id)
            open_rows = progress.remaining
            ended = open_rows == 0 and progress.status in (
                BroadcastStatus.SENDING,
                BroadcastStatus.CANCELLED,
            )
            if ended:
                await self._finish(progress)
            else:
                await self._edit(progress, final=False)

    async def _finish(self, progress: BroadcastProgress) -> None:
        """The final report first, then the broadcast is closed: a crash between the two only
        means the report is edited once more."""
        final_status = (
            BroadcastStatus.CANCELLED
            if progress.status == BroadcastStatus.CANCELLED
            else BroadcastStatus.DONE
        )
        report = replace(progress, status=str(final_status), finished_at=self.clock.now())
        await self._edit(report, final=True)
        async with self.db.transaction() as session:
            await repo.close_broadcast(
                session, progress.broadcast_id, final_status, self.clock.now()
            )
        self._last_edit.pop(progress.broadcast_id, None)
        logger.info(
            "broadcast %s %s: sent %d, unreachable %d, failed %d, uncertain %d, cancelled %d",
            progress.broadcast_id,
            final_status.value,
            progress.sent,
            progress.unreachable,
            progress.failed,
            progress.uncertain,
            progress.cancelled,
        )

    async def _edit(self, progress: BroadcastProgress, *, final: bool) -> None:
        if progress.progress_chat_id is None or progress.progress_message_id is None:
            return
        mono = self.clock.monotonic()
        last = self._last_edit.get(progress.broadcast_id)
        if not final and last is not None and mono - last[0] < self.interval:
            return
        text = await edit_progress_message(
            self.bot,
            self.translations,
            progress,
            previous=None if last is None else last[1],
            request_timeout=self.request_timeout,
            broadcasts=self.service,
        )
        if text is not None:
            self._last_edit[progress.broadcast_id] = (mono, text)
            self.on_edit(progress.progress_chat_id, mono)
