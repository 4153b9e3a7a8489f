"""`/digest` in a staff group: the digest's schedule and the group's language, changed with the
panel's buttons; `/digest now` (or the panel's button) sends one at once.

`/digest` shows the digest of the association the group serves (`/digest <code>` picks one when
it serves several; `/digest joint` the joint weekly digest). The buttons set the days (working
days, every day, every Monday, off), the hour, and the group's language (cards and digests).
Rights are read again on every press: staff of that association or admins (only admins change
the joint digest). A shared panel in a group is plain messages with typed callback data, not a
dialog: everyone in the group presses the same message.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.content import AssociationInfo
from bot.i18n import DEFAULT_LOCALE, LOCALES, Translations, Translator
from bot.services.digests import (
    HOURS,
    JOINT,
    PRESETS,
    DigestService,
    Schedule,
    next_slot,
)
from bot.services.hromadas import HromadaDirectory
from bot.services.reports import ReportService
from bot.services.staff import PermissionDenied
from bot.services.staff_chats import BoundChat, StaffChatService
from bot.services.text_input import parse_int
from bot.settings import Settings
from dialogs.common import esc
from dialogs.digest_texts import Names, create_digest_scheduler
from storage.db import Database

logger = logging.getLogger(__name__)

GROUP_TYPES = ("group", "supergroup")
DAY_PRESETS = ("working", "daily", "weekly", "off")
HOURS_PER_ROW = 4
CHECK = "✓ "


class DigestCb(CallbackData, prefix="dg"):
    """A panel button: `a` the action (d days, h hour, l language, n send now), `k` the
    schedule key (an association's code or `joint`), `v` the value."""

    a: str
    k: str
    v: str = ""


# ------------------------------------------------------------------------------ rendering


def _days(t: Translator, schedule: Schedule) -> str:
    preset = schedule.preset
    if preset == "custom":
        names = ", ".join(t(f"digest-weekday-{d}") for d in schedule.weekdays)
        return t("digest-days-custom", days=names)
    return t(f"digest-days-{preset}")


def render_panel(
    t: Translator,
    schedule: Schedule,
    chat: BoundChat,
    associations: dict[str, AssociationInfo],
    tz: ZoneInfo,
    now: datetime,
) -> str:
    """The panel's text in the group's language."""
    if schedule.key == JOINT:
        lines = [t("digest-settings-joint-title")]
    else:
        info = associations.get(schedule.key)
        name = info.short(t.locale) if info else schedule.key
        lines = [t("digest-settings-title", name=esc(name))]
    if schedule.preset == "off":
        lines.append(t("digest-settings-off"))
    else:
        lines.append(
            t(
                "digest-settings-schedule",
                days=_days(t, schedule),
                time=schedule.at.strftime("%H:%M"),
            )
        )
        upcoming = next_slot(schedule, now, tz)
        if upcoming is not None:
            when = upcoming.astimezone(tz).strftime("%d.%m.%Y %H:%M")
            lines.append(t("digest-settings-next", when=when))
    lines.append(t("digest-settings-language", language=t(f"desk-language-{chat.locale}")))
    hint = "digest-settings-joint-hint" if schedule.key == JOINT else "digest-settings-hint"
    return "\n".join(lines) + "\n\n" + t(hint)


def panel_keyboard(t: Translator, schedule: Schedule, chat: BoundChat) -> InlineKeyboardMarkup:
    key = schedule.key
    preset = schedule.preset

    def button(text: str, action: str, value: str, current: bool = False) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=(CHECK if current else "") + text,
            callback_data=DigestCb(a=action, k=key, v=value).pack(),
        )

    rows = [[button(t(f"digest-button-{p}"), "d", p, preset == p) for p in DAY_PRESETS[:3]]]
    rows.append([button(t("digest-button-off"), "d", "off", preset == "off")])
    hours = [
        button(f"{hour:02d}:00", "h", f"{hour:02d}", schedule.at == time(hour)) for hour in HOURS
    ]
    rows += [hours[i : i + HOURS_PER_ROW] for i in range(0, len(hours), HOURS_PER_ROW)]
    rows.append(
        [
            button(t(f"desk-language-{locale}"), "l", locale, chat.locale == locale)
            for locale in LOCALES
        ]
    )
    rows.append([button(t("digest-button-now"), "n", "")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# ------------------------------------------------------------------------------ handlers


def _key_for(chat: BoundChat, argument: str) -> str | None:
    """The schedule a `/digest` argument names in this group, None when it serves none such."""
    if argument == JOINT:
        return JOINT
    if not argument:
        return chat.association_codes[0]
    return argument if argument in chat.association_codes else None


async def _panel(
    t: Translator,
    key: str,
    chat: BoundChat,
    digests: DigestService,
    associations: list[AssociationInfo],
    settings: Settings,
) -> tuple[str, InlineKeyboardMarkup]:
    schedule = await digests.schedule(key)
    by_code = {a.code: a for a in associations}
    now = datetime.now(settings.tz)
    return (
        render_panel(t, schedule, chat, by_code, settings.tz, now),
        panel_keyboard(t, schedule, chat),
    )


async def _send_now(
    key: str,
    chat: BoundChat,
    bot: Bot,
    db: Database,
    settings: Settings,
    translations: Translations,
    reports: ReportService,
    hromadas: HromadaDirectory,
    associations: list[AssociationInfo],
) -> bool:
    """The digest of `key` sent to this group now; whether it went out."""
    names = Names.of(reports.rules, hromadas.oblasts, associations)
    scheduler = create_digest_scheduler(bot, db, settings, translations, names)
    results = await scheduler.send_now([key], chat_id=chat.chat_id)
    return bool(results) and all(r.outcome.sent for r in results)


async def _tell(message: Message, text: str) -> None:
    """A reply in the group, when the group still hears the bot."""
    try:
        await message.reply(text)
    except TelegramAPIError as error:
        logger.info("chat %s not told: %s", message.chat.id, type(error).__name__)


async def on_digest(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    settings: Settings,
    staff_chats: StaffChatService,
    digests: DigestService,
    translations: Translations,
    reports: ReportService,
    hromadas: HromadaDirectory,
    associations: list[AssociationInfo],
) -> None:
    assert message.from_user is not None
    chat = await staff_chats.chat(message.chat.id)
    t = translations.get(chat.locale if chat else DEFAULT_LOCALE)
    if chat is None:
        await message.reply(t("digest-not-bound"))
        return
    args = (command.args or "").lower().split()
    now_wanted = "now" in args
    argument = next((a for a in args if a != "now"), "")
    key = _key_for(chat, argument)
    if key is None:
        choices = " ".join(f"/digest {code}" for code in [*chat.association_codes, JOINT])
        await message.reply(t("digest-unknown-schedule", name=argument, choices=choices))
        return
    if not await digests.may_change(key, message.from_user.id):
        await message.reply(t("digest-joint-admins-only" if key == JOINT else "digest-no-rights"))
        return
    if now_wanted:
        sent = await _send_now(
            key, chat, bot, db, settings, translations, reports, hromadas, associations
        )
        logger.info("digest %s sent now to chat %s: %s", key, chat.chat_id, sent)
        if not sent:
            await _tell(message, t("digest-send-failed"))
        return
    text, markup = await _panel(t, key, chat, digests, associations, settings)
    await message.reply(text, reply_markup=markup)


async def on_panel_button(
    callback: CallbackQuery,
    callback_data: DigestCb,
    bot: Bot,
    db: Database,
    settings: Settings,
    i18n: Translator,
    staff_chats: StaffChatService,
    digests: DigestService,
    translations: Translations,
    reports: ReportService,
    hromadas: HromadaDirectory,
    associations: list[AssociationInfo],
) -> None:
    """A panel button: the presser's rights are read again, the change made, the panel redrawn
    in the group's (possibly new) language. Alerts are in the presser's language."""
    message = callback.message
    user = callback.from_user
    if not isinstance(message, Message) or message.chat.type not in GROUP_TYPES:
        await callback.answer(i18n("error-stale-button"))
        return
    chat = await staff_chats.chat(message.chat.id)
    key, action, value = callback_data.k, callback_data.a, callback_data.v
    if chat is None or (key != JOINT and key not in chat.association_codes):
        await callback.answer(i18n("digest-not-bound"), show_alert=True)
        return
    try:
        if action == "d" and value in PRESETS:
            await digests.set_schedule(key, user.id, weekdays=PRESETS[value], enabled=True)
        elif action == "d" and value == "off":
            await digests.set_schedule(key, user.id, enabled=False)
        elif action == "h" and (hour := parse_int(value, 23)) is not None and hour in HOURS:
            await digests.set_schedule(key, user.id, at=time(hour))
        elif action == "l" and value in LOCALES:
            await digests.set_group_locale(chat.chat_id, chat.association_codes, value, user.id)
        elif action == "n":
            if not await digests.may_change(key, user.id):
                raise PermissionDenied
            await callback.answer(i18n("digest-sending"))
            sent = await _send_now(
                key, chat, bot, db, settings, translations, reports, hromadas, associations
            )
            logger.info("digest %s sent now to chat %s: %s", key, chat.chat_id, sent)
            if not sent:
                await _tell(message, translations.get(chat.locale)("digest-send-failed"))
            return
        else:
            await callback.answer(i18n("error-stale-button"))
            return
    except PermissionDenied:
        logger.info("digest %s: button %s refused to %s", key, action, user.id)
        refused = "digest-joint-admins-only" if key == JOINT else "digest-no-rights"
        await callback.answer(i18n(refused), show_alert=True)
        return
    logger.info("digest %s: %s=%s by %s", key, action, value, user.id)
    await callback.answer(i18n("digest-saved"))
    chat = await staff_chats.chat(message.chat.id) or chat
    t = translations.get(chat.locale)
    text, markup = await _panel(t, key, chat, digests, associations, settings)
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            logger.info("digest panel in %s not redrawn: %s", chat.chat_id, error.message)
    except TelegramAPIError as error:
        logger.info("digest panel in %s not redrawn: %s", chat.chat_id, type(error).__name__)


async def on_digest_private(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("digest-private"))


def create_digest_router() -> Router:
    """`/digest` and its panel's buttons. Included before the desks' routers, whose catch-alls
    would answer the panel's buttons as stale, and before the command router."""
    router = Router(name="digest_settings")
    router.message.register(on_digest, Command("digest"), F.chat.type.in_(GROUP_TYPES))
    router.message.register(on_digest_private, Command("digest"), F.chat.type == "private")
    router.callback_query.register(on_panel_button, DigestCb.filter())
    return router
