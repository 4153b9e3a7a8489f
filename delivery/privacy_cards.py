"""After a member deleted their profile: the staff cards already posted that showed them.

Verification cards become a short note that the member deleted their profile, without buttons;
report and question cards are rendered again, now naming a "deleted member". Best effort, after
the erasure committed: a card Telegram refuses to edit (the group removed the bot, the message
was deleted) is logged and skipped, and the erasure stands either way.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from aiogram import Bot

from bot.i18n import Translations
from bot.services.privacy import Erasure
from bot.services.questions import QuestionService
from bot.services.reports import ReportService
from delivery.card_edits import edit_card
from delivery.question_cards import refresh_cards as refresh_question_cards
from delivery.report_cards import refresh_report_cards

logger = logging.getLogger(__name__)


async def edit_cards_after_erasure(
    bot: Bot,
    erasure: Erasure,
    *,
    translations: Translations,
    reports: ReportService,
    questions: QuestionService,
    tz: ZoneInfo,
) -> None:
    """Edit every staff card that showed the erased member. Never raises a Telegram error."""
    for card in erasure.verification_cards:
        text = translations.get(card.locale)("privacy-card-erased")
        subject = "verification card after an erasure"
        await edit_card(bot, card.chat_id, card.message_id, text, None, subject=subject)
    for report_id in erasure.report_ids:
        await refresh_report_cards(bot, reports, translations, report_id)
    for question_id in erasure.question_ids:
        await refresh_question_cards(bot, questions, translations, question_id, tz)
    logger.info("member row %s erased: %s staff card(s) edited", erasure.member_id, erasure.cards)
