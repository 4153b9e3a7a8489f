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
import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.enums import ContentType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
)
from aiogram.filters import CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    User,
)
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.content import CONTENT_DIR, AssociationInfo, load_associations
from bot.i18n import DEFAULT_LOCALE, Translations, Translator
from bot.services.hromadas import HromadaDirectory, HromadaMatch, Oblast, load_oblasts
from bot.services.members import InvalidInput, MemberService
from bot.services.message_limits import TEXT_LIMIT, utf16_len
from bot.services.questions import split_message
from bot.services.report_rules import ReportRules, load_report_rules
from bot.services.reports import (
    MESSAGE_MAX,
    POSITIONS,
    TRANSITIONS,
    Actor,
    AlreadyTaken,
    ConcurrentChange,
    HistoryEntry,
    ReportClosed,
    ReportService,
    ReportView,
    TransitionRefused,
    UnknownReport,
    clean_text,
    normalise_reference,
)
from bot.services.staff import PermissionDenied, Rights
from bot.services.staff_chats import StaffChatService
from bot.services.text_input import has_words
from dialogs.common import (
    MENU_BUTTON,
    USE_BUTTONS,
    RowId,
    Tr,
    Window,
    answer,
    current_rights,
    deep_link,
    deep_link_id,
    esc,
    translator,
)
from dialogs.presenters import hromada_label, is_kyiv, local_time, oblast_name
from dialogs.states import ReportDesk

logger = logging.getLogger(__name__)

DEFAULT_TZ = ZoneInfo("Europe/Kyiv")
REPORT_LINK_PREFIX = "r"  # deep link `?start=r<id>` opens the private reply dialog
INTERNAL_PREFIX = "//"
DIALOG_CARD_LIMIT = 3500  # the card inside the reply dialog leaves room for the prompt
CARD_MARK = "🚨"  # every card starts with it, in every language


class ReportCb(CallbackData, prefix="rd"):
    """A card button: `a` the action, `r` the report id, `v` a value (a status, a position)."""

    a: str
    r: RowId
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


# ------------------------------------------------------------------------------ rendering


def render_report_card(
    t: Translator,
    view: ReportView,
    tz: ZoneInfo = DEFAULT_TZ,
    *,
    reporter_role: str | None = None,
    reporter_verified: bool | None = None,
    hromada: HromadaMatch | None = None,
    decline_reason: str | None = None,
    reporter_shared_phone: bool = False,
    reporter_phone: str | None = None,
    now: datetime | None = None,
    limit: int = TEXT_LIMIT,
) -> str:
    """The report's card in one language; the description is shortened to keep within `limit`.
    The reporter's role and whether they are verified now come from their profile when given
    (the report keeps whether they were verified when they filed it). The phone itself is given
    only for a private staff view; a group card says whether one was shared."""
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
            deadline=local_time(view.deadline_at, tz),
        ),
    ]
    if view.overdue(now):
        head.append(t("rdesk-card-overdue"))
    head.append(
        t("rdesk-card-category", category=category.name(locale) if category else view.category)
    )
    head.append(t("rdesk-card-status", status=t(f"rdesk-status-{view.status}")))
    if decline_reason and view.status == "declined":
        head.append(t("rdesk-card-reason", reason=esc(decline_reason)))
    if view.merged_into_reference:
        head.append(t("rdesk-card-merged-into", reference=view.merged_into_reference))
    if view.assignee_name:
        head.append(t("rdesk-card-assignee", name=esc(view.assignee_name)))
    else:
        head.append(t("rdesk-card-no-assignee"))

    oblast = _oblasts().get(view.oblast_code or "")
    hromada_name = esc(hromada_label(t, hromada)) if hromada else esc(view.hromada_text)
    if is_kyiv(view.oblast_code):
        hromada_name = ""  # Kyiv is its own oblast-level unit
    place = ", ".join(part for part in (hromada_name, oblast_name(oblast, locale)) if part)
    people = [
        t(
            "rdesk-card-reporter",
            name=(
                t("privacy-deleted-member")
                if view.reporter_erased
                else esc(view.reporter_name) or t("rdesk-no-name")
            ),
            role=t(f"role-{reporter_role}") if reporter_role else "—",
        ),
    ]
    if place:
        people.append(t("rdesk-card-place", place=place))
    if reporter_phone:
        people.append(t("rdesk-card-phone", phone=esc(reporter_phone)))
    else:
        people.append(
            t("rdesk-card-phone-shared" if reporter_shared_phone else "rdesk-card-no-phone")
        )
    verified = view.reporter_verified if reporter_verified is None else reporter_verified
    people.append(t("rdesk-card-verified", verified="yes" if verified else "no"))
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
        for code in _associations():  # in the order of content/associations.yaml
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
    room = limit - utf16_len(compose("", note)) - 1  # for the escaped description
    budget = room
    while True:
        shown = split_message(view.description, max(budget, 1))[0].rstrip(" ,.;:") + "…"
        escaped = utf16_len(esc(shown))
        if escaped <= room or budget <= 1:
            return compose(shown, note)
        budget = min(budget - 1, budget * room // escaped)  # escaping lengthened it


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
    if bot_username:
        link = f"https://t.me/{bot_username}?start={REPORT_LINK_PREFIX}{view.id}"
        rows.append([InlineKeyboardButton(text=t("rdesk-button-reply"), url=link)])
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


async def card_extras(
    reports: ReportService, view: ReportView, *, private: bool = False
) -> dict[str, Any]:
    """Keyword arguments of render_report_card for what the card shows beyond the view: the
    reporter's role and verification now, whether they shared a phone (the number itself only
    for a `private` staff view), their hromada from the codifier, and the reason a declined
    report was declined."""
    profile = await MemberService(reports.db).get(view.reporter_telegram_id)
    found: dict[str, Any] = {}
    if view.hromada_code:
        directory = HromadaDirectory(reports.db, list(_oblasts().values()))
        found["hromada"] = await directory.get(view.hromada_code)
    if profile is not None:
        found["reporter_role"] = profile.role
        found["reporter_verified"] = profile.verification == "verified"
        found["reporter_shared_phone"] = bool(profile.phone)
        if private:
            found["reporter_phone"] = profile.phone
    if view.status == "declined":
        declined = [
            e
            for e in await reports.history(view.id)
            if e.kind == "status" and (e.after or {}).get("status") == "declined"
        ]
        found["decline_reason"] = declined[-1].text if declined else None
    return found


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
    reporter = await card_extras(reports, view)
    username = await _bot_username(bot)
    posted: list[tuple[int, int]] = []
    for chat_id, locale in chats:
        if chat_id in posted_in:
            continue
        t = translations.get(locale)
        card = render_report_card(t, view, reports.timezone, **reporter)
        markup = report_card_keyboard(t, view, username)
        try:
            try:
                sent = await bot.send_message(chat_id, card, reply_markup=markup)
            except TelegramMigrateToChat as error:
                # The group became a supergroup: its binding follows, and the card goes there.
                new_id = error.migrate_to_chat_id
                await StaffChatService(reports.db).migrate(chat_id, new_id)
                sent = await bot.send_message(new_id, card, reply_markup=markup)
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
    view: ReportView | None = None,
) -> None:
    """Edit every card of the report in place (status, assignee, figures, deadline); `view`:
    the report as just read by the caller, after the change."""
    view = view or await reports.report(report_id)
    if view is None:
        return
    reporter = await card_extras(reports, view)
    username = await _bot_username(bot)
    for card in view.cards:
        t = translations.get(card.locale)
        try:
            await bot.edit_message_text(
                text=render_report_card(t, view, reports.timezone, **reporter),
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


def escaped_pieces(text: str, limit: int, first_taken: int) -> list[str]:
    """`text` HTML-escaped in pieces of at most `limit` UTF-16 units, the first one leaving
    `first_taken` for what comes before it. Escaping lengthens a text (`&` becomes `&amp;`), so
    the raw text is cut shorter by as much."""
    raw = text.strip()
    if not raw:
        return []
    ratio = utf16_len(esc(raw)) / utf16_len(raw)
    budget = max(1, int(limit / ratio))
    while True:
        first = max(1, budget - int(first_taken * budget / limit) - 1)
        pieces = [esc(piece) for piece in split_message(raw, budget, first_limit=first)]
        fits = utf16_len(pieces[0]) + first_taken <= limit
        if (fits and all(utf16_len(piece) <= limit for piece in pieces)) or budget == 1:
            return pieces
        budget = max(1, budget * 9 // 10)


def member_messages(t: Translator, view: ReportView, entry: HistoryEntry) -> list[str]:
    """A public history entry as a member reads it (a long reply takes several messages); none
    for entries members are not told about."""
    head = t("rdesk-member-head", reference=view.reference, title=esc(view.title))
    after = entry.after or {}
    if entry.kind == "reply":
        intro = f"{head}\n\n{t('rdesk-member-reply')}"
        pieces = escaped_pieces(entry.text or "", TEXT_LIMIT, utf16_len(intro) + 2)
        if not pieces:
            return []
        return [f"{intro}\n\n{pieces[0]}", *pieces[1:]]
    if entry.kind == "status":
        status = str(after.get("status", view.status))
        body = t("rdesk-member-status", status=t(f"rdesk-status-{status}"))
        if entry.text:
            body += "\n" + t("rdesk-member-reason", reason=esc(entry.text))
    elif entry.kind == "merge" and after.get("into"):
        body = t("rdesk-member-merged-into", reference=str(after["into"]))
    elif entry.kind == "merge":
        body = t("rdesk-member-merged-from", reference=str(after.get("merged_from", "")))
    elif entry.kind == "joint":
        body = t("rdesk-member-joint")
    else:
        return []
    return [f"{head}\n\n{body}"]


async def notify_members(
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    report_id: int,
    entry: HistoryEntry,
    *,
    exclude: frozenset[int] = frozenset(),
    view: ReportView | None = None,
) -> int:
    """Tell the reporter and every active co-signer (but those in `exclude`) about a public
    history entry, each in their own language. A member who blocked the bot is marked
    unreachable and the others are still told. Returns how many were told. `view`: the report
    as just read by the caller, after the entry."""
    if not entry.public:
        return 0
    view = view or await reports.report(report_id)
    if view is None:
        return 0
    delivered = 0
    for telegram_id, locale in await reports.recipients(report_id):
        if telegram_id in exclude:
            continue
        messages = member_messages(translations.get(locale), view, entry)
        if not messages:
            return 0
        if await _deliver(bot, reports, telegram_id, messages, report_id):
            delivered += 1
    logger.info("report %s: event %s told to %s member(s)", report_id, entry.id, delivered)
    return delivered


async def _deliver(
    bot: Bot, reports: ReportService, telegram_id: int, messages: list[str], report_id: int
) -> bool:
    try:
        for piece in messages:
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
        intro = t(
            "rdesk-reporter-reply",
            reference=view.reference,
            name=esc(entry.actor_name or view.reporter_name) or t("rdesk-no-name"),
        )
        pieces = escaped_pieces(entry.text or "", TEXT_LIMIT, utf16_len(intro) + 2) or [""]
        messages = [f"{intro}\n\n{pieces[0]}", *pieces[1:]]
        # Under the card; should someone have deleted the card, on its own.
        under = ReplyParameters(message_id=card.message_id, allow_sending_without_reply=True)
        try:
            for text in messages:
                await bot.send_message(card.chat_id, text, reply_parameters=under)
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


# ------------------------------------------------------------------------------ staff actions

GROUP_TYPES = frozenset({"group", "supergroup"})
PENDING_DESTINY = "report_desk"
PENDING_TTL = 30 * 60  # seconds a "reply with the reason / the reference" request stays open
ALERT_MAX = 200
POSITION_CODES = {position[0]: position for position in POSITIONS}  # s, n, o


def _actor(user: User) -> Actor:
    return Actor(user.id, user.full_name)


def _in_group(message: Message | None) -> bool:
    return message is not None and message.chat.type in GROUP_TYPES


async def _alert(callback: CallbackQuery, text: str, *, alert: bool = True) -> None:
    await callback.answer(text[:ALERT_MAX], show_alert=alert)


async def _chat_translator(
    chat_id: int,
    private: bool,
    i18n: Translator,
    staff_chats: StaffChatService,
    translations: Translations,
) -> Translator:
    """The group's language in a staff group, the reader's own in private chat."""
    if private:
        return i18n
    bound = await staff_chats.chat(chat_id)
    return translations.get(bound.locale if bound else DEFAULT_LOCALE)


def _pending_state(state: FSMContext) -> FSMContext:
    """This person's own slot in this chat for a request awaiting their reply."""
    return FSMContext(state.storage, replace(state.key, destiny=PENDING_DESTINY))


async def _set_pending(state: FSMContext, **data: Any) -> None:
    await _pending_state(state).set_data({**data, "at": time.time()})


async def _pending(state: FSMContext) -> dict[str, Any] | None:
    data = await _pending_state(state).get_data()
    if not data or time.time() - float(data.get("at", 0)) > PENDING_TTL:
        return None
    return data


async def _clear_pending(state: FSMContext) -> None:
    await _pending_state(state).set_data({})


def _back_button(t: Translator, report_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("rdesk-button-back"), callback_data=ReportCb(a="bk", r=report_id).pack()
    )


def status_keyboard(t: Translator, view: ReportView) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=t(f"rdesk-set-{status}"),
                callback_data=ReportCb(a="ss", r=view.id, v=status).pack(),
            )
        ]
        for status in allowed_statuses(view)
    ]
    rows.append([_back_button(t, view.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def position_keyboard(t: Translator, view: ReportView, codes: list[str]) -> InlineKeyboardMarkup:
    rows = []
    for code in codes:
        prefix = f"{association_label(code, t.locale)}: " if len(codes) > 1 else ""
        rows.append(
            [
                InlineKeyboardButton(
                    text=prefix + t(f"rdesk-position-{position}"),
                    callback_data=ReportCb(a="pv", r=view.id, v=f"{code}.{position[0]}").pack(),
                )
                for position in POSITIONS
            ]
        )
    rows.append([_back_button(t, view.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def comment_keyboard(t: Translator, view: ReportView, value: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("rdesk-button-comment"),
                    callback_data=ReportCb(a="pc", r=view.id, v=value).pack(),
                )
            ],
            [_back_button(t, view.id)],
        ]
    )


def _speaking_for(rights: Rights) -> list[str]:
    """The associations whose position this person may state, in display order."""
    return [code for code in _associations() if rights.may_act_for(code)]


async def _show_keyboard(
    callback: CallbackQuery, bot: Bot, text: str, markup: InlineKeyboardMarkup
) -> None:
    """On the card in a group; in private chat, a message of its own under the report (or in
    place of the previous choice)."""
    message = callback.message
    if message is None:
        return
    try:
        if _in_group(message) or not _is_card(message):  # type: ignore[arg-type]
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
            )
        else:
            await bot.send_message(message.chat.id, text, reply_markup=markup)
    except TelegramAPIError as error:
        logger.info("report keyboard not shown in chat %s: %s", message.chat.id, error)


def _is_card(message: Any) -> bool:
    """Whether this is a report's card (in private chat: shown by /queue), not a choice."""
    return isinstance(message, Message) and (message.text or "").startswith(CARD_MARK)


async def _refresh_here(
    callback: CallbackQuery, bot: Bot, kt: Translator, reports: ReportService, report_id: int
) -> None:
    """In private chat, the card the button was pressed on shows the change too (the cards in
    the groups are edited by refresh_report_cards)."""
    message = callback.message
    if message is None or _in_group(message) or not _is_card(message):  # type: ignore[arg-type]
        return
    view = await reports.report(report_id)
    if view is None:
        return
    extras = await card_extras(reports, view, private=True)
    try:
        await bot.edit_message_text(
            text=render_report_card(kt, view, reports.timezone, **extras),
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=report_card_keyboard(kt, view, await _bot_username(bot)),
        )
    except TelegramAPIError as error:
        logger.info("report %s: private card not edited: %s", report_id, error)


async def _after_change(
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    report_id: int,
    entry: HistoryEntry | None,
    *,
    refresh: bool = True,
) -> int:
    """Cards edited, then the members told; returns how many members were told. The report
    is read once for both."""
    if not refresh and (entry is None or not entry.public):
        return 0
    view = await reports.report(report_id)
    if refresh:
        await refresh_report_cards(bot, reports, translations, report_id, view=view)
    if entry is None or not entry.public:
        return 0
    return await notify_members(bot, reports, translations, report_id, entry, view=view)


async def _ask_for_text(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    t: Translator,
    view: ReportView,
    action: str,
    value: str = "",
) -> None:
    """Wait for this person's reply: to the card in a group, to a prompt in private chat."""
    message = callback.message
    if message is None:
        return
    prompt = t(f"rdesk-ask-{action}", reference=view.reference)
    if _in_group(message):  # type: ignore[arg-type]
        await _set_pending(
            state, a=action, r=view.id, c=message.chat.id, m=message.message_id, v=value
        )
        await _alert(callback, t(f"rdesk-ask-{action}-group", reference=view.reference))
        return
    sent = await bot.send_message(
        message.chat.id, prompt, reply_markup=ForceReply(input_field_placeholder=view.reference)
    )
    await _set_pending(state, a=action, r=view.id, c=message.chat.id, m=sent.message_id, v=value)
    await callback.answer()


async def on_card_button(
    callback: CallbackQuery,
    callback_data: ReportCb,
    bot: Bot,
    i18n: Translator,
    reports: ReportService,
    staff_chats: StaffChatService,
    translations: Translations,
    state: FSMContext,
    rights: Rights,
) -> None:
    """A card button, in a staff group or in private chat: rights (read from the database for
    this very update by MemberContextMiddleware) are checked on every press, and the action
    itself checks them again in ReportService. Alerts are in the presser's language, what
    shows on the card in the group's."""
    t = i18n
    user = callback.from_user
    report_id, action, value = callback_data.r, callback_data.a, callback_data.v
    view = await reports.report(report_id)
    if view is None:
        await _alert(callback, t("rdesk-not-found"))
        return
    if not view.actionable_by(rights):
        logger.info("report %s: button %s refused to %s", report_id, action, user.id)
        await _alert(callback, t("rdesk-not-staff"))
        return
    kt = await _chat_translator(
        callback.message.chat.id if callback.message else user.id,
        not _in_group(callback.message),  # type: ignore[arg-type]
        i18n,
        staff_chats,
        translations,
    )
    try:
        await _button_action(
            callback, bot, t, kt, reports, translations, state, view, rights, action, value
        )
    except PermissionDenied:
        logger.info("report %s: action %s refused to %s", report_id, action, user.id)
        await _alert(callback, t("rdesk-not-staff"))
    except UnknownReport:
        await _alert(callback, t("rdesk-not-found"))
    except ReportClosed as closed:
        await _alert(callback, t("rdesk-closed", status=t(f"rdesk-status-{closed.status}")))
        await _restore_after_refusal(callback, bot, kt, reports, report_id, action)
    except TransitionRefused as refused:
        await _alert(
            callback, t("rdesk-transition-refused", status=t(f"rdesk-status-{refused.current}"))
        )
        await _restore_after_refusal(callback, bot, kt, reports, report_id, action)
    except ConcurrentChange:
        await _alert(callback, t("rdesk-try-again"))
    except InvalidInput as error:
        logger.info("report %s: action %s: %s", report_id, action, error)
        await _alert(callback, t("rdesk-stale-button"))


async def _button_action(
    callback: CallbackQuery,
    bot: Bot,
    t: Translator,
    kt: Translator,
    reports: ReportService,
    translations: Translations,
    state: FSMContext,
    view: ReportView,
    rights: Rights,
    action: str,
    value: str,
) -> None:
    actor = _actor(callback.from_user)
    if action == "tk":
        try:
            entry = await reports.take(view.id, actor)
        except AlreadyTaken as taken:
            name = taken.by_name or t("rdesk-no-name")
            await _alert(callback, t("rdesk-taken-by", name=name))
            return
        await _alert(callback, t("rdesk-taken" if entry else "rdesk-yours-already"), alert=False)
        if entry is not None:
            await refresh_report_cards(bot, reports, translations, view.id)
            await _refresh_here(callback, bot, kt, reports, view.id)
    elif action == "st":
        if not view.is_open:
            raise ReportClosed(view.status)
        text = t("rdesk-choose-status", reference=view.reference)
        await _show_keyboard(callback, bot, text, status_keyboard(kt, view))
        await callback.answer()
    elif action == "ss":
        if value == "declined":
            if not view.is_open:
                raise ReportClosed(view.status)
            if value not in allowed_statuses(view):
                raise TransitionRefused(view.status, value)
            await _ask_for_text(callback, bot, state, t, view, "decline")
            await _restore_keyboard(callback, bot, kt, view)
            await _close_private_helper(callback, bot)
            return
        entry = await reports.set_status(view.id, actor, value)
        await _alert(
            callback, t("rdesk-status-set", status=t(f"rdesk-status-{value}")), alert=False
        )
        await _after_change(bot, reports, translations, view.id, entry)
        await _close_private_helper(callback, bot)
    elif action == "jn":
        result = await reports.mark_joint(view.id, actor)
        fresh = await reports.report(view.id)
        if fresh is not None and result.chats:
            await _post_cards(
                bot, reports, translations, fresh, [(c.chat_id, c.locale) for c in result.chats]
            )
        await _alert(callback, t("rdesk-joint-done" if result.entry else "rdesk-joint-already"))
        await _after_change(bot, reports, translations, view.id, result.entry)
        if result.entry is not None:
            await _refresh_here(callback, bot, kt, reports, view.id)
    elif action == "po":
        codes = _speaking_for(rights)
        if not view.joint:
            raise InvalidInput("not-joint")
        if not codes:
            raise PermissionDenied
        text = t("rdesk-choose-position", reference=view.reference)
        await _show_keyboard(callback, bot, text, position_keyboard(kt, view, codes))
        await callback.answer()
    elif action == "pv":
        code, position = _position_value(value)
        await reports.set_position(view.id, actor, code, position)
        await _alert(callback, t("rdesk-position-set"), alert=False)
        await refresh_report_cards(bot, reports, translations, view.id)
        text = t("rdesk-position-comment-offer", reference=view.reference)
        await _show_keyboard(callback, bot, text, comment_keyboard(kt, view, value))
    elif action == "pc":
        code, _ = _position_value(value)
        if not rights.may_act_for(code):
            raise PermissionDenied
        await _ask_for_text(callback, bot, state, t, view, "comment", value)
        await _restore_keyboard(callback, bot, kt, view)
        await _close_private_helper(callback, bot)
    elif action == "mg":
        if not view.is_open:
            raise ReportClosed(view.status)
        await _ask_for_text(callback, bot, state, t, view, "merge")
    elif action == "bk":
        await _clear_pending(state)
        await _restore_keyboard(callback, bot, kt, view)
        await _close_private_helper(callback, bot)
        await callback.answer()
    else:
        await _alert(callback, t("rdesk-stale-button"))


def _position_value(value: str) -> tuple[str, str]:
    code, _, short = value.partition(".")
    position = POSITION_CODES.get(short)
    if not code or position is None:
        raise InvalidInput("bad-position")
    return code, position


async def _restore_after_refusal(
    callback: CallbackQuery,
    bot: Bot,
    kt: Translator,
    reports: ReportService,
    report_id: int,
    action: str,
) -> None:
    """A refused choice of status leaves the card with its own buttons again."""
    if action != "ss":
        return
    view = await reports.report(report_id)
    if view is not None:
        await _restore_keyboard(callback, bot, kt, view)


async def _restore_keyboard(
    callback: CallbackQuery, bot: Bot, t: Translator, view: ReportView
) -> None:
    """The card's own buttons again, in place of a choice shown on it."""
    message = callback.message
    if message is None or not _in_group(message):  # type: ignore[arg-type]
        return
    try:
        await bot.edit_message_reply_markup(
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=report_card_keyboard(t, view, await _bot_username(bot)),
        )
    except TelegramAPIError as error:
        logger.info("report %s: keyboard not restored: %s", view.id, error)


async def _close_private_helper(callback: CallbackQuery, bot: Bot) -> None:
    """In private chat, the message that offered a choice goes once it is made."""
    message = callback.message
    if message is None or _in_group(message):  # type: ignore[arg-type]
        return
    if _is_card(message):
        return  # the report itself, shown by /queue
    try:
        await bot.delete_message(message.chat.id, message.message_id)
    except TelegramAPIError as error:
        logger.info("helper message not deleted in chat %s: %s", message.chat.id, error)


# ------------------------------------------------------------------------------ replies


async def report_reply_filter(
    message: Message, bot: Bot, reports: ReportService, state: FSMContext
) -> dict[str, Any] | bool:
    """A reply to a report's card in a staff group, or to the bot's request for a reason or a
    reference: passes the report's id (and the request) on. Anything else is left to the other
    routers (replies to question cards, commands)."""
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.from_user.id != bot.id:
        return False
    text = message.text
    if text is not None and text.startswith("/") and not text.startswith(INTERNAL_PREFIX):
        return False  # a command
    if message.from_user is not None:
        pending = await _pending(state)
        if (
            pending is not None
            and pending.get("c") == message.chat.id
            and pending.get("m") == reply.message_id
        ):
            return {"report_id": int(pending["r"]), "pending": pending}
    if message.chat.type not in GROUP_TYPES:
        return False
    report_id = await reports.report_for_card(message.chat.id, reply.message_id)
    if report_id is None:
        return False
    return {"report_id": report_id, "pending": None}


async def on_report_reply(
    message: Message,
    report_id: int,
    pending: dict[str, Any] | None,
    bot: Bot,
    i18n: Translator,
    reports: ReportService,
    staff_chats: StaffChatService,
    translations: Translations,
    state: FSMContext,
) -> None:
    """Staff replying to a card: a public answer, a `//` note, or the reason, reference or
    comment the bot asked them for. Anyone else is refused."""
    assert message.from_user is not None
    user = message.from_user
    t = await _chat_translator(
        message.chat.id, message.chat.type not in GROUP_TYPES, i18n, staff_chats, translations
    )
    text = (message.text or "").strip()
    if not has_words(text):
        # No text (a photo, a sticker), or nothing readable in it (emoji, invisible characters).
        rights = await reports.staff.rights(user.id)
        view = await reports.report(report_id)
        allowed = view is not None and view.actionable_by(rights)
        if not allowed:
            logger.info(
                "report %s: reply in chat %s by %s refused", report_id, message.chat.id, user.id
            )
        refusal = "rdesk-text-only" if message.text is None else "input-no-letters"
        await message.reply(t(refusal if allowed else "rdesk-reply-not-staff"))
        return
    # The reply message is the press: delivered again, it is the same answer or note.
    key = f"msg:{message.chat.id}:{message.message_id}"
    try:
        if pending is not None:
            await _answer_request(message, t, bot, reports, translations, state, pending, text)
        elif text.startswith(INTERNAL_PREFIX):
            entry = await reports.note(
                report_id, _actor(user), text[len(INTERNAL_PREFIX) :], request_key=key
            )
            await message.reply(
                t("once-note-already-saved" if entry.repeated else "rdesk-note-saved")
            )
            logger.info("report %s: note by %s", report_id, user.id)
        else:
            sent = await send_public_reply(
                bot, reports, translations, report_id, _actor(user), text, request_key=key
            )
            if sent.repeated:
                await message.reply(t("once-reply-already-sent"))
            else:
                await message.reply(t("rdesk-reply-sent", told=sent.told, total=sent.total))
    except PermissionDenied:
        logger.info(
            "report %s: reply in chat %s by %s refused", report_id, message.chat.id, user.id
        )
        await message.reply(t("rdesk-reply-not-staff"))
    except UnknownReport:
        await message.reply(t("rdesk-not-found"))
    except ReportClosed as closed:
        await _clear_pending(state)
        await message.reply(t("rdesk-closed", status=t(f"rdesk-status-{closed.status}")))
    except TransitionRefused as refused:
        await _clear_pending(state)
        await message.reply(
            t("rdesk-transition-refused", status=t(f"rdesk-status-{refused.current}"))
        )
    except ConcurrentChange:
        await message.reply(t("rdesk-try-again"))
    except InvalidInput as error:
        if error.code == "too-long":
            await message.reply(t("rdesk-too-long", limit=error.limits.get("limit", 0)))
        else:
            await message.reply(t("rdesk-text-only"))


class ReplySent(NamedTuple):
    told: int  # members the answer reached now
    total: int  # members to tell: the reporter and co-signers
    repeated: bool = False  # stored by an earlier press with the same key: not sent again


async def send_public_reply(
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    report_id: int,
    actor: Actor,
    text: str,
    *,
    request_key: str | None = None,
) -> ReplySent:
    """A staff answer for the reporter and co-signers: stored, then sent to each in their
    language. PermissionDenied, ReportClosed... An answer stored with this `request_key`
    before is not sent again (at most once)."""
    before = await reports.report(report_id)
    entry = await reports.reply(report_id, actor, text, request_key=request_key)
    recipients = len(await reports.recipients(report_id))
    if entry.repeated:
        logger.info("report %s: the same reply again, not sent twice", report_id)
        return ReplySent(0, recipients, repeated=True)
    # The card shows no replies; only the overdue mark the answer clears changes it.
    was_overdue = before is not None and before.overdue(datetime.now(UTC))
    told = await _after_change(bot, reports, translations, report_id, entry, refresh=was_overdue)
    logger.info("report %s: public reply by %s told %s", report_id, actor.telegram_id, told)
    return ReplySent(told, recipients)


async def _answer_request(
    message: Message,
    t: Translator,
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    state: FSMContext,
    pending: dict[str, Any],
    text: str,
) -> None:
    """The reason for declining, the reference to merge into, or a position's comment."""
    assert message.from_user is not None
    actor = _actor(message.from_user)
    report_id = int(pending["r"])
    action = pending.get("a")
    if action == "decline":
        entry = await reports.set_status(report_id, actor, "declined", reason=text)
        await _clear_pending(state)
        told = await _after_change(bot, reports, translations, report_id, entry)
        await message.reply(t("rdesk-declined", told=told))
    elif action == "comment":
        code, position = _position_value(str(pending.get("v", "")))
        await reports.set_position(report_id, actor, code, position, text)
        await _clear_pending(state)
        await refresh_report_cards(bot, reports, translations, report_id)
        await message.reply(t("rdesk-position-set"))
    elif action == "merge":
        target = await reports.by_reference(text) if normalise_reference(text) else None
        if target is None:
            await message.reply(t("rdesk-merge-unknown"))
            return  # the request stays open for another try
        try:
            await merge_reports(bot, reports, translations, report_id, target.id, actor)
        except InvalidInput:
            await message.reply(t("rdesk-merge-self"))
            return
        except PermissionDenied:
            await message.reply(t("rdesk-merge-foreign", reference=target.reference))
            return
        await _clear_pending(state)
        await message.reply(t("rdesk-merged", reference=target.reference))
    else:
        await _clear_pending(state)


async def merge_reports(
    bot: Bot,
    reports: ReportService,
    translations: Translations,
    report_id: int,
    into_id: int,
    actor: Actor,
) -> None:
    """Merge a report into another; both reports' members are told once, the cards edited."""
    told_source = {telegram_id for telegram_id, _ in await reports.recipients(report_id)}
    entry = await reports.merge(report_id, into_id, actor)
    await _after_change(bot, reports, translations, report_id, entry)
    target_entry = next(
        (e for e in reversed(await reports.history(into_id)) if e.kind == "merge"), None
    )
    await refresh_report_cards(bot, reports, translations, into_id)
    if target_entry is not None:
        await notify_members(
            bot, reports, translations, into_id, target_entry, exclude=frozenset(told_source)
        )
    logger.info("report %s merged into %s by %s", report_id, into_id, actor.telegram_id)


# ------------------------------------------------------------------------------ private reply


async def start_with_report(
    message: Message,
    command: CommandObject,
    dialog_manager: DialogManager,
    i18n: Translator,
    reports: ReportService,
) -> None:
    """`/start r<id>`: the card's "answer in private chat" button."""
    assert command.args is not None and message.from_user is not None
    rights = await reports.staff.rights(message.from_user.id)
    if not rights.is_staff:
        await message.answer(i18n("rdesk-no-rights"))
        return
    report_id = deep_link_id(command, REPORT_LINK_PREFIX)
    view = None if report_id is None else await reports.report(report_id)
    if view is None:
        await message.answer(i18n("rdesk-not-found"))
        return
    if not view.actionable_by(rights):
        logger.info("report %s: private reply refused to %s", view.id, message.from_user.id)
        await message.answer(i18n("rdesk-not-staff"))
        return
    await dialog_manager.start(
        ReportDesk.reply, data={"report_id": view.id}, mode=StartMode.RESET_STACK
    )


def create_report_desk_router() -> Router:
    """Report cards' buttons, replies to report cards and the private reply's deep link.
    Included before the expert desk's router, whose catch-alls would otherwise answer these,
    and before the command router, which would take the deep link for a plain /start."""
    router = Router(name="report_desk")
    router.callback_query.register(on_card_button, ReportCb.filter())
    router.message.register(on_report_reply, F.reply_to_message, report_reply_filter)
    router.message.register(
        start_with_report, deep_link(REPORT_LINK_PREFIX), F.chat.type == "private"
    )
    return router


def _report_id(manager: DialogManager) -> int:
    return int(manager.dialog_data.get("report_id") or 0)


def _service(manager: DialogManager) -> ReportService:
    return manager.middleware_data["reports"]  # type: ignore[no-any-return]


async def _dialog_view(manager: DialogManager) -> ReportView | None:
    """The report when this person may still act on it."""
    reports = _service(manager)
    view = await reports.report(_report_id(manager))
    if view is None:
        return None
    return view if view.actionable_by(await current_rights(manager)) else None


async def get_reply(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    view = await _dialog_view(dialog_manager)
    if view is None:
        return {"found": False, "missing": True, "card": ""}
    reports = _service(dialog_manager)
    card = render_report_card(
        translator(dialog_manager),
        view,
        reports.timezone,
        limit=DIALOG_CARD_LIMIT,
        **await card_extras(reports, view, private=True),
    )
    return {"found": True, "missing": False, "card": card}


async def get_preview(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    """The answer as the reporter will read it, in their language."""
    text = str(dialog_manager.dialog_data.get("answer", ""))
    view = await _dialog_view(dialog_manager)
    if view is None or not text:
        return {"preview": "", "several": False, "count": "0"}
    translations: Translations = dialog_manager.middleware_data["translations"]
    entry = HistoryEntry(0, datetime.now(UTC), "reply", True, None, None, None, None, text)
    messages = member_messages(translations.get(view.locale), view, entry)
    return {
        "preview": messages[0] if messages else "",
        "several": len(messages) > 1,
        "count": str(len(messages)),
    }


async def get_sent(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    repeated = bool(data.get("repeated"))
    return {
        "note": bool(data.get("note")),
        "public": not data.get("note") and not repeated,
        "repeated": not data.get("note") and repeated,
        "told": int(data.get("told", 0)),
        "total": int(data.get("total", 0)),
    }


async def on_answer_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    try:
        text = clean_text(message.text or "", MESSAGE_MAX)
    except InvalidInput as error:
        refusal = {
            "too-long": t("rdesk-too-long", limit=MESSAGE_MAX),
            "no-letters": t("input-no-letters"),
        }.get(error.code, t("rdesk-text-only"))
        await message.answer(refusal)
        manager.show_mode = ShowMode.NO_UPDATE
        return
    manager.dialog_data["answer"] = text
    # The buttons of this preview: the same press handled again sends nothing more.
    manager.dialog_data["answer_key"] = secrets.token_hex(16)
    await manager.switch_to(ReportDesk.preview)


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await message.answer(translator(manager)("rdesk-text-only"))
    manager.show_mode = ShowMode.NO_UPDATE


async def on_send(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Send the answer to the members, or (the note button) keep it among staff."""
    text = str(manager.dialog_data.pop("answer", "") or "")
    if not text:
        await manager.switch_to(ReportDesk.reply)
        return
    t = translator(manager)
    reports = _service(manager)
    report_id = _report_id(manager)
    actor = _actor(callback.from_user)
    key = manager.dialog_data.get("answer_key")
    try:
        if button.widget_id == "note":
            entry = await reports.note(report_id, actor, text, request_key=key)
            manager.dialog_data.update(note=True)
            if entry.repeated:
                await answer(manager, callback, t("once-note-already-saved"))
        else:
            sent = await send_public_reply(
                manager.middleware_data["bot"],
                reports,
                manager.middleware_data["translations"],
                report_id,
                actor,
                text,
                request_key=key,
            )
            manager.dialog_data.update(
                note=False, told=sent.told, total=sent.total, repeated=sent.repeated
            )
    except PermissionDenied:
        logger.info("report %s: private reply refused to %s", report_id, actor.telegram_id)
        await answer(manager, callback, t("rdesk-not-staff"), alert=True)
        await manager.switch_to(ReportDesk.reply)
        return
    except ReportClosed as closed:
        await answer(
            manager,
            callback,
            t("rdesk-closed", status=t(f"rdesk-status-{closed.status}")),
            alert=True,
        )
        await manager.switch_to(ReportDesk.reply)
        return
    except (UnknownReport, InvalidInput, ConcurrentChange):
        await answer(manager, callback, t("rdesk-try-again"), alert=True)
        await manager.switch_to(ReportDesk.reply)
        return
    await manager.switch_to(ReportDesk.sent)


async def on_dialog_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict) and "report_id" in start_data:
        manager.dialog_data["report_id"] = int(start_data["report_id"])


ANSWER_INPUT = MessageInput(on_answer_text, content_types=ContentType.TEXT)
NOT_TEXT = MessageInput(on_not_text, content_types=ContentType.ANY)

reply_window = Window(
    Multi(
        Format("{card}", when="found"),
        Tr("rdesk-dialog-prompt", when="found"),
        Tr("rdesk-dialog-unavailable", when="missing"),
        sep="\n\n",
    ),
    MENU_BUTTON,
    ANSWER_INPUT,
    NOT_TEXT,
    state=ReportDesk.reply,
    getter=get_reply,
)

preview_window = Window(
    Multi(
        Tr("rdesk-dialog-preview"),
        Format("{preview}"),
        Tr("rdesk-dialog-preview-parts", when="several"),
        sep="\n\n",
    ),
    Button(Tr("rdesk-dialog-send"), id="send", on_click=on_send),
    Button(Tr("rdesk-dialog-note"), id="note", on_click=on_send),
    SwitchTo(Tr("rdesk-dialog-edit"), id="edit", state=ReportDesk.reply),
    MENU_BUTTON,
    ANSWER_INPUT,  # a new text replaces the answer
    NOT_TEXT,
    state=ReportDesk.preview,
    getter=get_preview,
)

sent_window = Window(
    Tr("rdesk-dialog-sent", when="public"),
    Tr("once-reply-already-sent", when="repeated"),
    Tr("rdesk-note-saved", when="note"),
    SwitchTo(Tr("rdesk-dialog-again"), id="again", state=ReportDesk.reply),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ReportDesk.sent,
    getter=get_sent,
)


def report_reply_dialog() -> Dialog:
    """Answering a report in private chat, opened by the card's link."""
    return Dialog(reply_window, preview_window, sent_window, on_start=on_dialog_start)
