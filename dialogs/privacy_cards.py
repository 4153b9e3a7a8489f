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
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.i18n import Translations
from bot.services.privacy import CardRef, Erasure
from bot.services.questions import QuestionService
from bot.services.reports import ReportService
from delivery.question_cards import refresh_cards as refresh_question_cards
from delivery.report_cards import refresh_report_cards

logger = logging.getLogger(__name__)


async def _edit_verification_card(bot: Bot, translations: Translations, card: CardRef) -> None:
    t = translations.get(card.locale)
    try:
        await bot.edit_message_text(
            text=t("privacy-card-erased"),
            chat_id=card.chat_id,
            message_id=card.message_id,
            reply_markup=None,
        )
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            logger.info(
                "verification card %s/%s not edited after an erasure: %s",
                card.chat_id,
                card.message_id,
                error.message,
            )
    except TelegramAPIError as error:
        logger.info(
            "verification card in chat %s not edited after an erasure: %s",
            card.chat_id,
            type(error).__name__,
        )


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
        await _edit_verification_card(bot, translations, card)
    for report_id in erasure.report_ids:
        await refresh_report_cards(bot, reports, translations, report_id)
    for question_id in erasure.question_ids:
        await refresh_question_cards(bot, questions, translations, question_id, tz)
    logger.info("member row %s erased: %s staff card(s) edited", erasure.member_id, erasure.cards)
