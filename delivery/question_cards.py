"""A question's cards in the staff groups and its answers to the member.

A member's question is stored and its card posted to each staff group of the associations it is
addressed to, in the group's language; a group that cannot be posted to is skipped (the question
is listed in /questions either way). An answer is stored before it is sent, sent at most once
(the press's request key), and every card of the question is then edited to show who answered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import User

from bot.i18n import Translations
from bot.services.questions import QuestionService
from delivery.card_edits import edit_card
from delivery.staff_chats import send_to_staff_chat
from dialogs.question_texts import card_keyboard, member_messages, render_card

logger = logging.getLogger(__name__)

DEFAULT_TZ = ZoneInfo("Europe/Kyiv")


@dataclass(frozen=True)
class EscalationResult:
    question_id: int
    groups_notified: int  # 0 when no group is bound: the question waits in /questions
    repeated: bool = False  # sent by an earlier press with the same key: nothing posted now


@dataclass(frozen=True)
class AnswerOutcome:
    question_id: int
    delivered: bool
    messages: int  # messages the answer took in the member's chat
    repeated: bool = False  # stored by an earlier press with the same key: not sent again


async def _bot_username(bot: Bot) -> str:
    return (await bot.me()).username or ""


async def send_to_experts(
    bot: Bot,
    questions: QuestionService,
    translations: Translations,
    *,
    telegram_id: int,
    text: str,
    locale: str,
    request_key: str | None = None,
) -> EscalationResult:
    """Store a member's question and post its card to every bound staff group of its
    associations. A group that cannot be posted to is logged and skipped: the question is
    stored either way and listed in /questions. InvalidInput: empty, too long, unregistered.
    A `request_key` sent with before: that question, and no card posted again."""
    asked = await questions.ask(telegram_id, text, locale, request_key=request_key)
    if asked.repeated:
        # Its cards went out with the first press, or the cards sweep posts them.
        logger.info("question %s: the same press again, nothing new", asked.question_id)
        return EscalationResult(asked.question_id, 0, repeated=True)
    if not asked.chats:
        logger.info("question %s stored; no staff group bound for it", asked.question_id)
        return EscalationResult(asked.question_id, 0)
    view = await questions.card(asked.question_id)
    assert view is not None
    username = await _bot_username(bot)
    posted: list[tuple[int, int]] = []
    for chat in asked.chats:
        t = translations.get(chat.locale)
        card, markup = render_card(t, view, DEFAULT_TZ), card_keyboard(t, view, username)
        try:
            sent = await send_to_staff_chat(
                bot,
                questions.staff_chats,
                chat.chat_id,
                card,
                deactivate_on_403=False,
                reply_markup=markup,
            )
        except TelegramAPIError as error:
            logger.warning(
                "question %s: card not posted to chat %s: %s",
                asked.question_id,
                chat.chat_id,
                type(error).__name__,
            )
            continue
        posted.append((sent.chat.id, sent.message_id))
    await questions.add_cards(asked.question_id, posted)
    logger.info("question %s posted to %s group(s)", asked.question_id, len(posted))
    return EscalationResult(asked.question_id, len(posted))


async def refresh_cards(
    bot: Bot, questions: QuestionService, translations: Translations, question_id: int, tz: ZoneInfo
) -> None:
    """Edit every card of the question in place to show its answers and draft."""
    view = await questions.card(question_id)
    if view is None:
        return
    username = await _bot_username(bot)
    for card in view.cards:
        t = translations.get(card.locale)
        await edit_card(
            bot,
            card.chat_id,
            card.message_id,
            render_card(t, view, tz),
            card_keyboard(t, view, username),
            subject=f"question {question_id}",
        )


async def answer_question(
    bot: Bot,
    questions: QuestionService,
    translations: Translations,
    *,
    question_id: int,
    staff: User,
    text: str,
    tz: ZoneInfo,
    request_key: str | None = None,
) -> AnswerOutcome:
    """Store a staff answer, deliver it to the member and update the cards. Raises
    PermissionDenied, UnknownQuestion or InvalidInput (empty) before anything is sent. An
    answer stored with this `request_key` before is not sent again (at most once)."""
    receipt = await questions.answer(
        question_id, staff.id, staff.full_name, text, request_key=request_key
    )
    if receipt.repeated:
        logger.info("answer %s: the same press again, not sent twice", receipt.answer_id)
        return AnswerOutcome(question_id, receipt.delivered, 0, repeated=True)
    t = translations.get(receipt.member_locale)
    messages = member_messages(t, receipt.associations, receipt.question_text, receipt.text)
    delivered, unreachable = True, False
    for message in messages:
        try:
            await bot.send_message(receipt.member_telegram_id, message)
        except TelegramForbiddenError:
            delivered, unreachable = False, True
            break
        except TelegramAPIError as error:
            logger.warning(
                "answer %s to question %s not delivered: %s",
                receipt.answer_id,
                question_id,
                type(error).__name__,
            )
            delivered = False
            break
    await questions.mark_delivered(receipt.answer_id, delivered, unreachable=unreachable)
    logger.info(
        "question %s answered by %s (answer %s, delivered=%s)",
        question_id,
        staff.id,
        receipt.answer_id,
        delivered,
    )
    await refresh_cards(bot, questions, translations, question_id, tz)
    return AnswerOutcome(question_id, delivered, len(messages))
