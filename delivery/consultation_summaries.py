"""Posting a closed consultation's final summary to a staff group: the text, then the chart (a
photo), then the spreadsheet of the answers that group's staff may see (a document); the texts
are `dialogs/consultation_result_texts.py`'s. Also the worker's factory for the bot process.

Posting never raises for Telegram. The text goes through `send_to_staff_chat` (a migrated
group gets it at its new id; a group that removed the bot stops receiving anything); any other
refusal is the summary's error. The attachments are extras: a lost one is noted, the summary
still counts as posted.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile

from bot.i18n import Translations
from bot.names import Names
from bot.services.consultation_worker import ConsultationWorker
from bot.services.consultations import ConsultationService
from bot.services.digests import SendOutcome
from bot.services.message_limits import CAPTION_LIMIT
from bot.services.staff_chats import BoundChat, StaffChatService
from delivery.staff_chats import send_to_staff_chat
from dialogs.consultation_result_texts import (
    render_results,
    results_file_name,
    results_files,
    sheet_caption,
)

logger = logging.getLogger(__name__)


class TelegramSummaryPoster:
    """Posts final summaries with one Bot, each group in its own language."""

    def __init__(
        self,
        bot: Bot,
        service: ConsultationService,
        staff_chats: StaffChatService,
        translations: Translations,
        names: Names,
        tz: ZoneInfo,
    ) -> None:
        self.bot = bot
        self.service = service
        self.staff_chats = staff_chats
        self.translations = translations
        self.names = names
        self.tz = tz

    async def __call__(self, consultation_id: int, chat: BoundChat) -> SendOutcome:
        t = self.translations.get(chat.locale)
        aggregate = await self.service.summary(consultation_id)
        asked = aggregate.consultation.audience.associations
        # The group's staff see the answers of the associations it serves that were asked.
        codes = [c for c in chat.association_codes if not asked or c in asked]
        results = await self.service.summary_for(consultation_id, codes)
        text = render_results(t, results, self.names, self.tz, final=True)
        try:
            sent = await send_to_staff_chat(self.bot, self.staff_chats, chat.chat_id, text)
        except TelegramAPIError as error:
            return SendOutcome(False, chat.chat_id, f"{type(error).__name__}: {error.message}")
        chat_id = sent.chat.id  # the supergroup's, after a migration
        problems = []
        try:
            chart, sheet = await results_files(t, results, self.names, self.tz)
        except Exception:
            logger.exception("consultation %s: chart or spreadsheet not made", consultation_id)
            return SendOutcome(True, chat_id, "attachments: not made")
        try:
            await self.bot.send_photo(
                chat_id,
                BufferedInputFile(chart, filename=results_file_name(results, "png")),
                caption=t("consult-results-chart-caption")[:CAPTION_LIMIT],
            )
        except TelegramAPIError as error:
            problems.append(f"chart: {type(error).__name__}")
        try:
            await self.bot.send_document(
                chat_id,
                BufferedInputFile(sheet, filename=results_file_name(results, "xlsx")),
                caption=sheet_caption(t, results),
            )
        except TelegramAPIError as error:
            problems.append(f"spreadsheet: {type(error).__name__}")
        return SendOutcome(True, chat_id, "; ".join(problems) or None)


def create_consultation_worker(
    bot: Bot,
    service: ConsultationService,
    staff_chats: StaffChatService,
    translations: Translations,
    names: Names,
    tz: ZoneInfo,
) -> ConsultationWorker:
    """The worker that reminds, closes and posts summaries with this bot."""
    poster = TelegramSummaryPoster(bot, service, staff_chats, translations, names, tz)
    return ConsultationWorker(service, staff_chats, poster, tuple(names.associations))
