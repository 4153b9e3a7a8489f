"""Posting a digest to its staff group: the text, then the chart (a photo), then the period's
spreadsheet (a document); the texts are `dialogs/digest_texts.py`'s.

Posting never raises for Telegram. The text goes through `send_to_staff_chat`: a group that
became a supergroup has its binding moved and the digest goes to the new id; a group that
removed the bot (403) stops receiving cards and digests. Anything else is reported back as the
run's error. The attachments are extras: a lost one is noted on the run, the digest still counts
as sent.
"""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import BufferedInputFile

from bot.i18n import Translations, Translator
from bot.names import Names
from bot.services.digest_chart import render_chart
from bot.services.digests import Digest, DigestScheduler, SendOutcome, Target
from bot.services.message_limits import CAPTION_LIMIT
from bot.services.staff_chats import StaffChatService
from bot.settings import Settings
from delivery.staff_chats import send_to_staff_chat
from dialogs.digest_texts import chart_data, period_spreadsheet, render_digest
from storage.db import Database

logger = logging.getLogger(__name__)


class TelegramDigestSender:
    """Posts digests with one Bot: the text, then the chart, then the spreadsheet."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        staff_chats: StaffChatService,
        translations: Translations,
        names: Names,
        tz: ZoneInfo,
    ) -> None:
        self.bot = bot
        self.db = db
        self.staff_chats = staff_chats
        self.translations = translations
        self.names = names
        self.tz = tz

    async def __call__(self, target: Target, digest: Digest) -> SendOutcome:
        t = self.translations.get(target.locale)
        text = render_digest(t, digest, self.names, self.tz)
        problems: list[str] = []
        # The attachments are extras: the text goes out even when one cannot be made.
        chart: bytes | None = None
        try:
            chart = await asyncio.to_thread(render_chart, chart_data(t, digest, self.names))
        except Exception:
            logger.exception("digest %s: chart not drawn", digest.key)
            problems.append("chart: not drawn")
        sheet, rows = b"", 0
        try:
            sheet, rows = await period_spreadsheet(self.db, t, digest, self.names, self.tz)
        except Exception:
            logger.exception("digest %s: spreadsheet not made", digest.key)
            problems.append("spreadsheet: not made")
        chat_id = target.chat_id
        try:
            sent = await send_to_staff_chat(self.bot, self.staff_chats, chat_id, text)
        except TelegramForbiddenError as error:
            return SendOutcome(False, chat_id, f"forbidden: {error.message}"[:200])
        except TelegramAPIError as error:
            return SendOutcome(False, chat_id, f"{type(error).__name__}: {error.message}"[:200])
        chat_id = sent.chat.id  # the supergroup's, after a migration
        problems += await self._attachments(t, digest, chat_id, chart, sheet, rows)
        return SendOutcome(True, chat_id, "; ".join(problems) or None)

    async def _attachments(
        self,
        t: Translator,
        digest: Digest,
        chat_id: int,
        chart: bytes | None,
        sheet: bytes,
        rows: int,
    ) -> list[str]:
        """The chart and the spreadsheet after the text; what could not be sent."""
        problems: list[str] = []
        day = digest.period_end.astimezone(self.tz).date().isoformat()
        try:
            if chart is not None:
                await self.bot.send_photo(
                    chat_id,
                    BufferedInputFile(chart, filename=f"digest-{digest.key}-{day}.png"),
                    caption=t("digest-chart-caption")[:CAPTION_LIMIT],
                )
        except TelegramAPIError as error:
            problems.append(f"chart: {type(error).__name__}")
        if rows:
            try:
                await self.bot.send_document(
                    chat_id,
                    BufferedInputFile(sheet, filename=f"digest-{digest.key}-{day}.xlsx"),
                    caption=t("digest-sheet-caption", reports=t("digest-reports", count=rows))[
                        :CAPTION_LIMIT
                    ],
                )
            except TelegramAPIError as error:
                problems.append(f"spreadsheet: {type(error).__name__}")
        return problems


def create_digest_scheduler(
    bot: Bot,
    db: Database,
    settings: Settings,
    translations: Translations,
    names: Names,
    *,
    staff_chats: StaffChatService | None = None,
) -> DigestScheduler:
    """The scheduler that posts digests with this bot (the bot process, the CLI, `/digest now`).
    `staff_chats`: the app's service; the CLI's one-off run builds its own."""
    sender = TelegramDigestSender(
        bot, db, staff_chats or StaffChatService(db), translations, names, settings.tz
    )
    return DigestScheduler(db, settings.tz, sender, settings.admin_ids)
