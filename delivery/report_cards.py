"""Reports, what goes out to Telegram: the cards in the staff groups (posted, edited after every
change), the reporter's answers under them, and telling the reporter and co-signers about every
public change, each in their own language.

A card goes to a staff group through `send_to_staff_chat`, which follows a group's migration and
deactivates a group that refused the bot. A member who blocked the bot is marked unreachable and
the others are still told."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import NamedTuple

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ReplyParameters

from bot.i18n import Translations
from bot.services.members import MemberService
from bot.services.reports import (
    Actor,
    HistoryEntry,
    ReportCardData,
    ReportService,
    ReportView,
)
from bot.services.staff_chats import StaffChatService
from delivery.card_edits import edit_card
from delivery.staff_chats import send_to_staff_chat
from dialogs.report_card_texts import (
    card_text,
    member_messages,
    report_card_keyboard,
    reporter_reply_messages,
)

logger = logging.getLogger(__name__)


async def bot_username(bot: Bot) -> str:
    return (await bot.me()).username or ""


async def publish_report(
    bot: Bot,
    reports: ReportService,
    staff_chats: StaffChatService,
    translations: Translations,
    report_id: int,
) -> int:
    """Post the report's card to every routed association's bound group (in the group's
    language) that has none yet, and remember the cards. Returns the number of cards posted."""
    card = await reports.card(report_id)
    if card is None:
        return 0
    chats = await staff_chats.chats_for(card.view.association_codes)
    return await post_cards(
        bot, reports, staff_chats, translations, card, [(c.chat_id, c.locale) for c in chats]
    )


async def post_cards(
    bot: Bot,
    reports: ReportService,
    staff_chats: StaffChatService,
    translations: Translations,
    card: ReportCardData,
    chats: list[tuple[int, str]],
) -> int:
    """The card to each of these (chat id, language) without one yet; returns how many."""
    view = card.view
    posted_in = {posted.chat_id for posted in view.cards}
    username = await bot_username(bot)
    posted: list[tuple[int, int]] = []
    for chat_id, locale in chats:
        if chat_id in posted_in:
            continue
        t = translations.get(locale)
        try:
            sent = await send_to_staff_chat(
                bot,
                staff_chats,
                chat_id,
                card_text(t, card, reports.timezone),
                reply_markup=report_card_keyboard(t, view, username),
            )
        except TelegramAPIError as error:
            logger.warning(
                "report %s: card not posted to chat %s: %s", view.id, chat_id, type(error).__name__
            )
            continue
        posted.append((sent.chat.id, sent.message_id))
    await reports.add_cards(view.id, posted)
    logger.info("report %s posted to %s group(s)", view.id, len(posted))
    return len(posted)


async def refresh_report_cards(
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    report_id: int,
    *,
    card: ReportCardData | None = None,
) -> None:
    """Edit every card of the report in place (status, assignee, figures, deadline); `card`:
    the report as just read by the caller, after the change."""
    card = card or await reports.card(report_id)
    if card is None:
        return
    view = card.view
    username = await bot_username(bot)
    for posted in view.cards:
        t = translations.get(posted.locale)
        await edit_card(
            bot,
            posted.chat_id,
            posted.message_id,
            card_text(t, card, reports.timezone),
            report_card_keyboard(t, view, username),
            subject=f"report {report_id}",
        )


async def post_reporter_reply(
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    report_id: int,
    entry: HistoryEntry,
) -> int:
    """The reporter's answer, as a message replying to each card of the report."""
    view = await reports.report(report_id)
    if view is None:
        return 0
    posted = 0
    for card in view.cards:
        messages = reporter_reply_messages(translations.get(card.locale), view, entry)
        # Under the card; should someone have deleted the card, on its own.
        under = ReplyParameters(message_id=card.message_id, allow_sending_without_reply=True)
        chat_id = card.chat_id
        try:
            for text in messages:
                sent = await send_to_staff_chat(
                    bot, reports.staff_chats, chat_id, text, reply_parameters=under
                )
                chat_id = sent.chat.id  # a migrated group: the rest goes to its new id
        except TelegramAPIError as error:
            logger.info(
                "report %s: reporter's answer not posted to chat %s: %s",
                report_id,
                card.chat_id,
                type(error).__name__,
            )
            continue
        posted += 1
    return posted


class ReportOutbox:
    """What a staff action on a report sends: the cards edited or posted, the members told.
    Built for each update from the services the wiring hands the handlers."""

    def __init__(
        self,
        bot: Bot,
        reports: ReportService,
        staff_chats: StaffChatService,
        members: MemberService,
        translations: Translations,
    ) -> None:
        self.bot = bot
        self.reports = reports
        self.staff_chats = staff_chats
        self.members = members
        self.translations = translations

    async def refresh(self, report_id: int, *, card: ReportCardData | None = None) -> None:
        await refresh_report_cards(self.bot, self.reports, self.translations, report_id, card=card)

    async def post_cards(self, card: ReportCardData, chats: list[tuple[int, str]]) -> int:
        return await post_cards(
            self.bot, self.reports, self.staff_chats, self.translations, card, chats
        )

    async def notify_members(
        self,
        report_id: int,
        entry: HistoryEntry,
        *,
        exclude: frozenset[int] = frozenset(),
        view: ReportView | None = None,
    ) -> int:
        """Tell the reporter and every active co-signer (but those in `exclude`) about a public
        history entry, each in their own language. Returns how many were told. `view`: the
        report as just read by the caller, after the entry."""
        if not entry.public:
            return 0
        view = view or await self.reports.report(report_id)
        if view is None:
            return 0
        delivered = 0
        for telegram_id, locale in await self.reports.recipients(report_id):
            if telegram_id in exclude:
                continue
            messages = member_messages(self.translations.get(locale), view, entry)
            if not messages:
                return 0
            if await self._deliver(telegram_id, messages, report_id):
                delivered += 1
        logger.info("report %s: event %s told to %s member(s)", report_id, entry.id, delivered)
        return delivered

    async def _deliver(self, telegram_id: int, messages: list[str], report_id: int) -> bool:
        try:
            for piece in messages:
                await self.bot.send_message(telegram_id, piece)
        except TelegramForbiddenError:
            logger.info("report %s: member %s blocked the bot", report_id, telegram_id)
            await self.members.set_reachable(telegram_id, False)
            return False
        except TelegramAPIError as error:
            logger.info(
                "report %s: member %s not told: %s", report_id, telegram_id, type(error).__name__
            )
            return False
        return True

    async def after_change(
        self, report_id: int, entry: HistoryEntry | None, *, refresh: bool = True
    ) -> int:
        """Cards edited, then the members told; returns how many members were told. The report
        is read once for both."""
        if not refresh and (entry is None or not entry.public):
            return 0
        if refresh:
            card = await self.reports.card(report_id)
            view = card.view if card else None
            await self.refresh(report_id, card=card)
        else:
            view = await self.reports.report(report_id)
        if entry is None or not entry.public:
            return 0
        return await self.notify_members(report_id, entry, view=view)

    async def public_reply(
        self, report_id: int, actor: Actor, text: str, *, request_key: str | None = None
    ) -> ReplySent:
        """A staff answer for the reporter and co-signers: stored, then sent to each in their
        language. PermissionDenied, ReportClosed... An answer stored with this `request_key`
        before is not sent again (at most once)."""
        before = await self.reports.report(report_id)
        entry = await self.reports.reply(report_id, actor, text, request_key=request_key)
        recipients = len(await self.reports.recipients(report_id))
        if entry.repeated:
            logger.info("report %s: the same reply again, not sent twice", report_id)
            return ReplySent(0, recipients, repeated=True)
        # The card shows no replies; only the overdue mark the answer clears changes it.
        was_overdue = before is not None and before.overdue(datetime.now(UTC))
        told = await self.after_change(report_id, entry, refresh=was_overdue)
        logger.info("report %s: public reply by %s told %s", report_id, actor.telegram_id, told)
        return ReplySent(told, recipients)

    async def merge(self, report_id: int, into_id: int, actor: Actor) -> None:
        """Merge a report into another; both reports' members are told once, the cards edited."""
        reports = self.reports
        told_source = {telegram_id for telegram_id, _ in await reports.recipients(report_id)}
        entry = await reports.merge(report_id, into_id, actor)
        await self.after_change(report_id, entry)
        target_entry = next(
            (e for e in reversed(await reports.history(into_id)) if e.kind == "merge"), None
        )
        await self.refresh(into_id)
        if target_entry is not None:
            await self.notify_members(into_id, target_entry, exclude=frozenset(told_source))
        logger.info("report %s merged into %s by %s", report_id, into_id, actor.telegram_id)


class ReplySent(NamedTuple):
    told: int  # members the answer reached now
    total: int  # members to tell: the reporter and co-signers
    repeated: bool = False  # stored by an earlier press with the same key: not sent again
