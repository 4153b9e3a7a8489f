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
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.content import AssociationInfo
from bot.i18n import DEFAULT_LOCALE, LOCALES, Translations, Translator
from bot.names import Names, short_name
from bot.services.digest_schedule import HOURS, JOINT, PRESETS, Schedule, next_slot
from bot.services.digests import DigestService
from bot.services.hromadas import HromadaDirectory
from bot.services.reports import ReportService
from bot.services.staff import PermissionDenied
from bot.services.staff_chats import BoundChat, StaffChatService
from bot.services.text_input import parse_int
from bot.settings import Settings
from delivery.digests import create_digest_scheduler
from dialogs.common import esc
from dialogs.staff_groups import GROUP_TYPES
from storage.db import Database

logger = logging.getLogger(__name__)

DAY_PRESETS = ("working", "daily", "weekly", "off")
HOURS_PER_ROW = 4
CHECK = "✓ "


class DigestAction(StrEnum):
    DAYS = "d"  # the value: a preset of DAY_PRESETS
    HOUR = "h"  # the value: the hour, two digits
    LANGUAGE = "l"  # the value: the group's new locale
    SEND_NOW = "n"


class DigestCb(CallbackData, prefix="dg"):
    """A panel button (`dg:<action>:<key>:<value>`): `a` the action, `k` the schedule key (an
    association's code or `joint`), `v` the value."""

    a: DigestAction
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
        name = short_name(associations.values(), schedule.key, t.locale)
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

    def button(
        text: str, action: DigestAction, value: str, current: bool = False
    ) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=(CHECK if current else "") + text,
            callback_data=DigestCb(a=action, k=key, v=value).pack(),
        )

    rows = [
        [
            button(t(f"digest-button-{p}"), DigestAction.DAYS, p, preset == p)
            for p in DAY_PRESETS[:3]
        ]
    ]
    rows.append([button(t("digest-button-off"), DigestAction.DAYS, "off", preset == "off")])
    hours = [
        button(f"{hour:02d}:00", DigestAction.HOUR, f"{hour:02d}", schedule.at == time(hour))
        for hour in HOURS
    ]
    rows += [hours[i : i + HOURS_PER_ROW] for i in range(0, len(hours), HOURS_PER_ROW)]
    rows.append(
        [
            button(
                t(f"desk-language-{locale}"), DigestAction.LANGUAGE, locale, chat.locale == locale
            )
            for locale in LOCALES
        ]
    )
    rows.append([button(t("digest-button-now"), DigestAction.SEND_NOW, "")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# ------------------------------------------------------------------------------ /digest


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
    staff_chats: StaffChatService,
    reports: ReportService,
    hromadas: HromadaDirectory,
    associations: list[AssociationInfo],
) -> bool:
    """The digest of `key` sent to this group now; whether it went out."""
    names = Names.of(reports.rules, hromadas.oblasts, associations)
    scheduler = create_digest_scheduler(
        bot, db, settings, translations, names, staff_chats=staff_chats
    )
    results = await scheduler.send_now([key], chat_id=chat.chat_id)
    sent = bool(results) and all(r.outcome.sent for r in results)
    logger.info("digest %s sent now to chat %s: %s", key, chat.chat_id, sent)
    return sent


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
            key,
            chat,
            bot,
            db,
            settings,
            translations,
            staff_chats,
            reports,
            hromadas,
            associations,
        )
        if not sent:
            await _tell(message, t("digest-send-failed"))
        return
    text, markup = await _panel(t, key, chat, digests, associations, settings)
    await message.reply(text, reply_markup=markup)


async def on_digest_private(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("digest-private"))


# ------------------------------------------------------------------------------ the panel's buttons

# What a settings button changes, for the group it was pressed in; PermissionDenied without
# the right.
Change = Callable[[BoundChat], Awaitable[object]]
# The change a button's value asks for (None: no valid value), made as `actor`.
ChangeOf = Callable[[DigestCb, int, DigestService], Change | None]


def days_change(data: DigestCb, actor: int, digests: DigestService) -> Change | None:
    """Working days, every day, every Monday, or off."""
    key, value = data.k, data.v
    if value in PRESETS:
        weekdays = PRESETS[value]
        return lambda _: digests.set_schedule(key, actor, weekdays=weekdays, enabled=True)
    if value == "off":
        return lambda _: digests.set_schedule(key, actor, enabled=False)
    return None


def hour_change(data: DigestCb, actor: int, digests: DigestService) -> Change | None:
    """The hour the digest goes out, one of HOURS."""
    hour = parse_int(data.v, 23)
    if hour is None or hour not in HOURS:
        return None
    return lambda _: digests.set_schedule(data.k, actor, at=time(hour))


def language_change(data: DigestCb, actor: int, digests: DigestService) -> Change | None:
    """The group's language, for its cards and digests; the panel is redrawn in it."""
    locale = data.v
    if locale not in LOCALES:
        return None
    return lambda chat: digests.set_group_locale(
        chat.chat_id, chat.association_codes, locale, actor
    )


def setting_handler(change_of: ChangeOf) -> Callable[..., Awaitable[None]]:
    """The handler of a settings button: the presser's rights are read again (in the service),
    the change made, the panel redrawn."""

    async def on_setting(
        callback: CallbackQuery,
        callback_data: DigestCb,
        i18n: Translator,
        staff_chats: StaffChatService,
        digests: DigestService,
        translations: Translations,
        associations: list[AssociationInfo],
        settings: Settings,
    ) -> None:
        change = change_of(callback_data, callback.from_user.id, digests)
        panel = _PanelPress(callback, callback_data, i18n, staff_chats, digests, translations)
        await panel.change(change, associations, settings)

    return on_setting


async def on_send_now(
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
    """📨: the digest now, covering the time since the last one."""
    panel = _PanelPress(callback, callback_data, i18n, staff_chats, digests, translations)
    found = await panel.open()
    if found is None:
        return
    message, chat = found
    key = callback_data.k
    if not await digests.may_change(key, callback.from_user.id):
        await panel.refuse()
        return
    await callback.answer(i18n("digest-sending"))
    sent = await _send_now(
        key, chat, bot, db, settings, translations, staff_chats, reports, hromadas, associations
    )
    if not sent:
        await _tell(message, translations.get(chat.locale)("digest-send-failed"))


class _PanelPress:
    """One press of a panel button: the presser's rights are read again, the change made, the
    panel redrawn in the group's (possibly new) language. Alerts are in the presser's language."""

    def __init__(
        self,
        callback: CallbackQuery,
        callback_data: DigestCb,
        i18n: Translator,
        staff_chats: StaffChatService,
        digests: DigestService,
        translations: Translations,
    ) -> None:
        self.callback = callback
        self.key = callback_data.k
        self.action = callback_data.a
        self.value = callback_data.v
        self.i18n = i18n
        self.staff_chats = staff_chats
        self.digests = digests
        self.translations = translations

    async def open(self) -> tuple[Message, BoundChat] | None:
        """The panel's message and its group; None (the press answered) when the press is not
        on a group's panel or the group does not serve the schedule."""
        message = self.callback.message
        if not isinstance(message, Message) or message.chat.type not in GROUP_TYPES:
            await self.callback.answer(self.i18n("error-stale-button"))
            return None
        chat = await self.staff_chats.chat(message.chat.id)
        if chat is None or (self.key != JOINT and self.key not in chat.association_codes):
            await self.callback.answer(self.i18n("digest-not-bound"), show_alert=True)
            return None
        return message, chat

    async def refuse(self) -> None:
        logger.info(
            "digest %s: button %s refused to %s",
            self.key,
            self.action.value,
            self.callback.from_user.id,
        )
        refused = "digest-joint-admins-only" if self.key == JOINT else "digest-no-rights"
        await self.callback.answer(self.i18n(refused), show_alert=True)

    async def change(
        self, change: Change | None, associations: list[AssociationInfo], settings: Settings
    ) -> None:
        """Make `change` (None: the button's value is no valid one) and redraw the panel."""
        found = await self.open()
        if found is None:
            return
        message, chat = found
        if change is None:
            await self.callback.answer(self.i18n("error-stale-button"))
            return
        try:
            await change(chat)
        except PermissionDenied:
            await self.refuse()
            return
        logger.info(
            "digest %s: %s=%s by %s",
            self.key,
            self.action.value,
            self.value,
            self.callback.from_user.id,
        )
        await self.callback.answer(self.i18n("digest-saved"))
        chat = await self.staff_chats.chat(message.chat.id) or chat
        t = self.translations.get(chat.locale)
        text, markup = await _panel(t, self.key, chat, self.digests, associations, settings)
        try:
            await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                logger.info("digest panel in %s not redrawn: %s", chat.chat_id, error.message)
        except TelegramAPIError as error:
            logger.info("digest panel in %s not redrawn: %s", chat.chat_id, type(error).__name__)


def create_digest_router() -> Router:
    """`/digest` and its panel's buttons, one handler per action. Included before the desks'
    routers, whose catch-alls would answer the panel's buttons as stale, and before the command
    router."""
    router = Router(name="digest_settings")
    router.message.register(on_digest, Command("digest"), F.chat.type.in_(GROUP_TYPES))
    router.message.register(on_digest_private, Command("digest"), F.chat.type == "private")
    handlers = {
        DigestAction.DAYS: setting_handler(days_change),
        DigestAction.HOUR: setting_handler(hour_change),
        DigestAction.LANGUAGE: setting_handler(language_change),
        DigestAction.SEND_NOW: on_send_now,
    }
    for action, handler in handlers.items():
        router.callback_query.register(handler, DigestCb.filter(F.a == action))
    return router
