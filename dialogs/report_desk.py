"""Urgent-issue reports, staff side: cards in the staff groups, the card's buttons, replies to
cards, and telling the reporter and co-signers about every public change.

A submitted report's card is posted to the bound group of every association it is routed to, in
the group's language, and edited in place after every change. Staff act with the card's buttons
(take, status, joint, position, merge) or by replying to the card: a reply is a public answer for
the reporter and co-signers, a reply starting with `//` an internal note. Every press and reply
checks the rights again through ReportService.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import CONTENT_DIR, AssociationInfo, load_associations
from bot.i18n import Translations, Translator
from bot.services.hromadas import Oblast, load_oblasts
from bot.services.members import MemberService
from bot.services.questions import TEXT_LIMIT, split_message, utf16_len
from bot.services.report_rules import ReportRules, load_report_rules
from bot.services.reports import (
    TRANSITIONS,
    HistoryEntry,
    ReportService,
    ReportView,
)
from bot.services.staff_chats import StaffChatService
from dialogs.common import esc

logger = logging.getLogger(__name__)

DEFAULT_TZ = ZoneInfo("Europe/Kyiv")
TIME_FORMAT = "%d.%m.%Y %H:%M"
REPORT_LINK_PREFIX = "r"  # deep link `?start=r<id>` opens the private reply dialog
INTERNAL_PREFIX = "//"


class ReportCb(CallbackData, prefix="rd"):
    """A card button: `a` the action, `r` the report id, `v` a value (a status, a position)."""

    a: str
    r: int
    v: str = ""


# ------------------------------------------------------------------------------ content


@lru_cache(maxsize=1)
def _rules() -> ReportRules:
    return load_report_rules()


@lru_cache(maxsize=1)
def _oblasts() -> dict[str, Oblast]:
    return {o.code: o for o in load_oblasts(CONTENT_DIR / "oblasts.yaml")}


@lru_cache(maxsize=1)
def _associations() -> dict[str, AssociationInfo]:
    return {a.code: a for a in load_associations()}


def association_label(code: str, locale: str) -> str:
    info = _associations().get(code)
    return info.short(locale) if info else code


def _time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime(TIME_FORMAT)


# ------------------------------------------------------------------------------ rendering


def render_report_card(
    t: Translator,
    view: ReportView,
    tz: ZoneInfo = DEFAULT_TZ,
    *,
    reporter_role: str | None = None,
    now: datetime | None = None,
    limit: int = TEXT_LIMIT,
) -> str:
    """The report's card in one language; the description is shortened to keep within `limit`."""
    locale = t.locale
    rules = _rules()
    category = rules.category(view.category)
    urgency = rules.urgency(view.urgency)
    now = now or datetime.now(tz)
    head = [
        t(
            "rdesk-card-title",
            reference=view.reference,
            associations=esc(
                ", ".join(association_label(c, locale) for c in view.association_codes)
            ),
        ),
        t(
            "rdesk-card-urgency",
            urgency=urgency.name(locale) if urgency else view.urgency,
            deadline=_time(view.deadline_at, tz),
        ),
    ]
    if view.overdue(now):
        head.append(t("rdesk-card-overdue"))
    head.append(
        t("rdesk-card-category", category=category.name(locale) if category else view.category)
    )
    head.append(t("rdesk-card-status", status=t(f"rdesk-status-{view.status}")))
    if view.merged_into_reference:
        head.append(t("rdesk-card-merged-into", reference=view.merged_into_reference))
    if view.assignee_name:
        head.append(t("rdesk-card-assignee", name=esc(view.assignee_name)))
    else:
        head.append(t("rdesk-card-no-assignee"))

    oblast = _oblasts().get(view.oblast_code or "")
    place = ", ".join(
        part for part in (esc(view.hromada_text), oblast.name(locale) if oblast else "") if part
    )
    people = [
        t(
            "rdesk-card-reporter",
            name=esc(view.reporter_name) or t("rdesk-no-name"),
            role=t(f"role-{reporter_role}") if reporter_role else "—",
        ),
    ]
    if place:
        people.append(t("rdesk-card-place", place=place))
    people.append(t("rdesk-card-verified", verified="yes" if view.reporter_verified else "no"))
    if view.dream_id:
        people.append(t("rdesk-card-dream", dream=esc(view.dream_id)))
    if view.residents is not None:
        people.append(t("rdesk-card-residents", residents=str(view.residents)))
    if view.affected_groups:
        groups = ", ".join(t(f"rdesk-group-{g}") for g in view.affected_groups)
        people.append(t("rdesk-card-groups", groups=groups))
    figures = view.figures
    people.append(
        t(
            "rdesk-card-figures",
            hromadas=str(figures.hromadas),
            oblasts=str(figures.oblasts),
            residents=str(figures.residents),
            cosigners=str(len(view.supporters)),
        )
    )
    tail: list[str] = []
    if view.joint:
        tail.append(t("rdesk-card-joint"))
        stated = {p.association_code: p for p in view.positions}
        for code in sorted(_associations()):
            position = stated.get(code)
            line = t(
                "rdesk-card-position",
                association=esc(association_label(code, locale)),
                position=position.position if position else "none",
            )
            if position and position.comment:
                line += f" — {esc(position.comment)}"
            tail.append(line)
    if view.attachments:
        tail.append(t("rdesk-card-attachments", count=len(view.attachments)))
    if view.is_open:
        tail.append(t("rdesk-card-hint"))

    def compose(description: str, extra: list[str]) -> str:
        body = f"<b>{esc(view.title)}</b>\n<blockquote expandable>{esc(description)}</blockquote>"
        return "\n\n".join(
            part
            for part in ("\n".join(head), body, "\n".join(people), "\n".join(extra + tail))
            if part
        )

    full = compose(view.description, [])
    if utf16_len(full) <= limit:
        return full
    note = [t("rdesk-card-truncated")]
    budget = limit - utf16_len(compose("", note)) - 1
    shown = split_message(view.description, max(budget, 1))[0].rstrip(" ,.;:") + "…"
    return compose(shown, note)


def report_card_keyboard(
    t: Translator, view: ReportView, bot_username: str = ""
) -> InlineKeyboardMarkup:
    """The card's buttons; a closed report keeps none."""
    if not view.is_open:
        return InlineKeyboardMarkup(inline_keyboard=[])

    def button(key: str, action: str, value: str = "") -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=t(key), callback_data=ReportCb(a=action, r=view.id, v=value).pack()
        )

    rows = [
        [button("rdesk-button-take", "tk"), button("rdesk-button-status", "st")],
    ]
    if view.joint:
        rows.append([button("rdesk-button-position", "po")])
    else:
        rows.append([button("rdesk-button-joint", "jn")])
    rows.append([button("rdesk-button-merge", "mg")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def allowed_statuses(view: ReportView) -> list[str]:
    return sorted(TRANSITIONS.get(view.status, frozenset()))


# ------------------------------------------------------------------------------ sending


async def _bot_username(bot: Bot) -> str:
    return (await bot.me()).username or ""


async def _reporter_role(reports: ReportService, view: ReportView) -> str | None:
    profile = await MemberService(reports.db).get(view.reporter_telegram_id)
    return profile.role if profile else None


async def publish_report(
    bot: Bot,
    reports: ReportService,
    staff_chats: StaffChatService,
    translations: Translations,
    report_id: int,
) -> int:
    """Post the report's card to every routed association's bound group (in the group's
    language) that has none yet, and remember the cards. Returns the number of cards posted."""
    view = await reports.report(report_id)
    if view is None:
        return 0
    chats = await staff_chats.chats_for(view.association_codes)
    return await _post_cards(
        bot, reports, translations, view, [(c.chat_id, c.locale) for c in chats]
    )


async def _post_cards(
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    view: ReportView,
    chats: list[tuple[int, str]],
) -> int:
    posted_in = {card.chat_id for card in view.cards}
    role = await _reporter_role(reports, view)
    username = await _bot_username(bot)
    posted: list[tuple[int, int]] = []
    for chat_id, locale in chats:
        if chat_id in posted_in:
            continue
        t = translations.get(locale)
        try:
            sent = await bot.send_message(
                chat_id,
                render_report_card(t, view, reports.timezone, reporter_role=role),
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
    bot: Bot, reports: ReportService, translations: Translations, report_id: int
) -> None:
    """Edit every card of the report in place (status, assignee, figures, deadline)."""
    view = await reports.report(report_id)
    if view is None:
        return
    role = await _reporter_role(reports, view)
    username = await _bot_username(bot)
    for card in view.cards:
        t = translations.get(card.locale)
        try:
            await bot.edit_message_text(
                text=render_report_card(t, view, reports.timezone, reporter_role=role),
                chat_id=card.chat_id,
                message_id=card.message_id,
                reply_markup=report_card_keyboard(t, view, username),
            )
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                logger.info(
                    "report %s: card %s/%s not edited: %s",
                    report_id,
                    card.chat_id,
                    card.message_id,
                    error.message,
                )
        except TelegramAPIError as error:
            logger.info(
                "report %s: card in chat %s not edited: %s",
                report_id,
                card.chat_id,
                type(error).__name__,
            )


def member_message(t: Translator, view: ReportView, entry: HistoryEntry) -> str | None:
    """A public history entry as a member reads it, or None for entries members are not told."""
    head = t("rdesk-member-head", reference=view.reference, title=esc(view.title))
    after = entry.after or {}
    if entry.kind == "status":
        status = str(after.get("status", view.status))
        body = t("rdesk-member-status", status=t(f"rdesk-status-{status}"))
        if entry.text:
            body += "\n" + t("rdesk-member-reason", reason=esc(entry.text))
    elif entry.kind == "reply":
        body = t("rdesk-member-reply", text=esc(entry.text))
    elif entry.kind == "merge":
        into = after.get("into")
        if into:
            body = t("rdesk-member-merged-into", reference=str(into))
        else:
            body = t("rdesk-member-merged-from", reference=str(after.get("merged_from", "")))
    elif entry.kind == "joint":
        body = t("rdesk-member-joint")
    else:
        return None
    return f"{head}\n\n{body}"


async def notify_members(
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    report_id: int,
    entry: HistoryEntry,
) -> int:
    """Tell the reporter and every active co-signer about a public history entry, each in their
    own language. A member who blocked the bot is marked unreachable. Returns how many got it."""
    if not entry.public:
        return 0
    view = await reports.report(report_id)
    if view is None:
        return 0
    delivered = 0
    for telegram_id, locale in await reports.recipients(report_id):
        text = member_message(translations.get(locale), view, entry)
        if text is None:
            return 0
        if await _deliver(bot, reports, telegram_id, text, report_id):
            delivered += 1
    return delivered


async def _deliver(
    bot: Bot, reports: ReportService, telegram_id: int, text: str, report_id: int
) -> bool:
    try:
        for piece in split_message(text, TEXT_LIMIT) if utf16_len(text) > TEXT_LIMIT else [text]:
            await bot.send_message(telegram_id, piece)
    except TelegramForbiddenError:
        logger.info("report %s: member %s blocked the bot", report_id, telegram_id)
        await MemberService(reports.db).set_reachable(telegram_id, False)
        return False
    except TelegramAPIError as error:
        logger.info(
            "report %s: member %s not told: %s", report_id, telegram_id, type(error).__name__
        )
        return False
    return True


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
        t = translations.get(card.locale)
        text = t(
            "rdesk-reporter-reply",
            reference=view.reference,
            name=esc(entry.actor_name or view.reporter_name) or t("rdesk-no-name"),
            text=esc(entry.text),
        )
        try:
            await bot.send_message(
                card.chat_id, text[:TEXT_LIMIT], reply_to_message_id=card.message_id
            )
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
