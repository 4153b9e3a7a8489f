"""The cards sweep's Telegram side: renders a missing card exactly as the normal path does (the
report desk's, the expert desk's and verification's own render and keyboard functions) and
sends it to the group (through `send_to_staff_chat`, which follows a migrated group);
bot/services/card_sweep.py decides which cards and records them."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup

from bot.content import AssociationInfo
from bot.i18n import Translations
from bot.services.card_sweep import CardKind, CardSweeper, MissingCard, PostedCard
from bot.services.hromadas import HromadaDirectory
from bot.services.members import MemberService
from bot.services.questions import QuestionService
from bot.services.reports import ReportService
from bot.services.staff_chats import StaffChatService
from delivery.leases import holder_is_gone
from delivery.report_cards import bot_username
from delivery.staff_chats import send_to_staff_chat
from dialogs import question_texts
from dialogs import verification_texts as verification
from dialogs.report_card_texts import card_text, report_card_keyboard
from storage.db import Database

logger = logging.getLogger(__name__)


class TelegramCardPoster:
    """A CardPoster that sends with the app's Bot (its RetryMiddleware included)."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        translations: Translations,
        *,
        reports: ReportService,
        questions: QuestionService,
        hromadas: HromadaDirectory,
        associations: list[AssociationInfo],
        tz: ZoneInfo,
        members: MemberService | None = None,
        staff_chats: StaffChatService | None = None,
    ) -> None:
        """`members`, `staff_chats`: the app's services (else a MemberService on `db` and the
        report service's StaffChatService)."""
        self.bot = bot
        self.db = db
        self.translations = translations
        self.reports = reports
        self.questions = questions
        self.members = members or MemberService(db)
        self.staff_chats = staff_chats or reports.staff_chats
        self.hromadas = hromadas
        self.associations = associations
        self.tz = tz

    async def post(self, card: MissingCard) -> PostedCard | None:
        if card.kind == CardKind.REPORT:
            rendered = await self._report(card)
        elif card.kind == CardKind.QUESTION:
            rendered = await self._question(card)
        else:
            rendered = await self._verification(card)
        if rendered is None:
            return None
        text, markup = rendered
        try:
            sent = await send_to_staff_chat(
                self.bot, self.staff_chats, card.chat_id, text, reply_markup=markup
            )
        except TelegramAPIError as error:
            logger.warning(
                "%s %s: sweep card not posted to chat %s: %s",
                card.kind.value,
                card.record_id,
                card.chat_id,
                type(error).__name__,
            )
            return None
        return PostedCard(sent.chat.id, sent.message_id)

    async def _username(self) -> str:
        return await bot_username(self.bot)

    async def _report(self, card: MissingCard) -> tuple[str, InlineKeyboardMarkup] | None:
        data = await self.reports.card(card.record_id)
        if data is None:
            return None
        t = self.translations.get(card.locale)
        text = card_text(t, data, self.reports.timezone)
        return text, report_card_keyboard(t, data.view, await self._username())

    async def _question(self, card: MissingCard) -> tuple[str, InlineKeyboardMarkup] | None:
        view = await self.questions.card(card.record_id)
        if view is None:
            return None
        t = self.translations.get(card.locale)
        text = question_texts.render_card(t, view, self.tz)
        return text, question_texts.card_keyboard(t, view, await self._username())

    async def _verification(self, card: MissingCard) -> tuple[str, InlineKeyboardMarkup] | None:
        member = await self.members.get(card.member_telegram_id)
        if member is None:
            return None
        t = self.translations.get(card.locale)
        text = await verification.render_card(
            t, member, hromadas=self.hromadas, associations=self.associations, tz=self.tz
        )
        link = await verification.phone_link(self.bot, member)
        return text, verification.card_keyboard(t, member.telegram_id, phone_link=link)


def create_card_sweeper(poster: TelegramCardPoster) -> CardSweeper:
    """The sweeper with this module's poster; a restarted process takes over the lease of its
    dead predecessor at once (the broadcast sender's rule)."""
    return CardSweeper(poster.db, poster, holder_is_gone=holder_is_gone)
