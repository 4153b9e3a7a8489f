"""`/privacy` and "🔒 Privacy and my data" in the profile: the privacy notice, the member's data
as two files (JSON and a readable HTML copy), and deleting the profile.

Anyone who started the bot may open it, registered or not. Deleting asks first and says exactly
what goes and what stays; then the erasure commits in one transaction (bot/services/privacy.py),
the member's dialog state goes from the state storage (the database or Redis), the member gets
a last message, and the staff cards that showed them are edited.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button, SwitchTo
from aiogram_dialog.widgets.text import Format

from bot.content import PrivacyNotice
from bot.names import Names
from bot.services.members import MemberProfile
from bot.services.privacy import NoSuchMember, PrivacyService, StaffMustBeRevoked
from bot.services.retention import RetentionPeriods
from bot.settings import Settings
from delivery.privacy_cards import edit_cards_after_erasure
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    associations_of,
    bot_of,
    hromadas_of,
    questions_of,
    reports_of,
    timezone_of,
    translations_of,
    translator,
    user_id,
)
from dialogs.entry import open_home
from dialogs.privacy_texts import (
    export_file_names,
    export_html,
    export_json,
    notice_text,
)
from dialogs.states import Privacy
from storage.fsm import forget_user

logger = logging.getLogger(__name__)


def _privacy(manager: DialogManager) -> PrivacyService:
    return manager.middleware_data["privacy"]  # type: ignore[no-any-return]


def _settings(manager: DialogManager) -> Settings:
    return manager.middleware_data["settings"]  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ getters


async def get_notice(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    notice: PrivacyNotice = dialog_manager.middleware_data["privacy_notice"]
    text = notice_text(
        translator(dialog_manager),
        notice,
        associations_of(dialog_manager),
        RetentionPeriods.from_settings(_settings(dialog_manager)),
    )
    return {"notice": text}


# ------------------------------------------------------------------------------ callbacks


async def on_download(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """The member's data as two documents in their language, then the notice again below."""
    t = translator(manager)
    try:
        data = await _privacy(manager).export(user_id(manager))
    except NoSuchMember:
        await answer(manager, callback, t("privacy-nothing-stored"), alert=True)
        return
    bot, tz = bot_of(manager), timezone_of(manager)
    names = Names.of(
        reports_of(manager).rules, hromadas_of(manager).oblasts, associations_of(manager)
    )
    json_name, html_name = export_file_names(datetime.now(tz).date())
    page = export_html(t, data, names, tz).encode("utf-8")
    try:
        await bot.send_document(
            user_id(manager),
            BufferedInputFile(export_json(data), json_name),
            caption=t("privacy-export-json"),
        )
        await bot.send_document(
            user_id(manager), BufferedInputFile(page, html_name), caption=t("privacy-export-html")
        )
    except TelegramAPIError as error:
        logger.warning("data export not sent: %s", type(error).__name__)
        await bot.send_message(user_id(manager), t("error-unexpected"))
    manager.show_mode = ShowMode.SEND


async def on_erase(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """Erase the profile, then the dialog state, a last message and the staff cards."""
    t = translator(manager)
    telegram_id = user_id(manager)
    try:
        erasure = await _privacy(manager).erase(telegram_id)
    except StaffMustBeRevoked:
        await answer(manager, callback, t("privacy-delete-staff"), alert=True)
        await manager.switch_to(Privacy.notice)
        return
    except NoSuchMember:
        await answer(manager, callback, t("privacy-nothing-stored"), alert=True)
        await manager.switch_to(Privacy.notice)
        return
    # The stack is emptied now, so that nothing of it is saved after this update.
    await manager.reset_stack()
    storage: BaseStorage = manager.middleware_data["fsm_storage"]
    await forget_user(storage, telegram_id)
    bot = bot_of(manager)
    await bot.send_message(telegram_id, t("privacy-deleted"))
    await edit_cards_after_erasure(
        bot,
        erasure,
        translations=translations_of(manager),
        reports=reports_of(manager),
        questions=questions_of(manager),
        tz=timezone_of(manager),
    )


async def on_back(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """Back to where /privacy was opened (the profile, registration), else home."""
    if len(manager.current_stack().intents) > 1:
        await manager.done()
        return
    member: MemberProfile | None = manager.middleware_data.get("member")
    await open_home(manager, member)


# ------------------------------------------------------------------------------ command


async def privacy_command(message: Message, dialog_manager: DialogManager) -> None:
    # On top of the stack: "Back" returns to where the member was (registration too).
    await dialog_manager.start(Privacy.notice)


def create_privacy_router() -> Router:
    """/privacy in private chat; included before the command router's catch-all."""
    router = Router(name="privacy")
    router.message.register(privacy_command, Command("privacy"), F.chat.type == "private")
    return router


# ------------------------------------------------------------------------------ windows

notice_window = Window(
    Format("{notice}"),  # built from Fluent messages, escaped there
    Button(Tr("privacy-download"), id="download", on_click=on_download),
    SwitchTo(Tr("privacy-delete"), id="delete", state=Privacy.confirm),
    Button(Tr("common-back"), id="back", on_click=on_back),
    USE_BUTTONS,
    state=Privacy.notice,
    getter=get_notice,
)

confirm_window = Window(
    Tr("privacy-delete-confirm"),
    Button(Tr("privacy-delete-yes"), id="erase", on_click=on_erase),
    SwitchTo(Tr("privacy-delete-no"), id="keep", state=Privacy.notice),
    USE_BUTTONS,
    state=Privacy.confirm,
)


def privacy_dialog() -> Dialog:
    return Dialog(notice_window, confirm_window)
