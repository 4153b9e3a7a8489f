"""Language choice (/language, the menu and the profile)."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, StartMode
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent
from aiogram_dialog.manager.manager import ManagerImpl
from aiogram_dialog.widgets.kbd import Button, Cancel, Row

from bot.services.members import MemberProfile
from bot.services.staff import Rights
from delivery.commands import set_chat_commands
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    members_of,
    translator,
    use_locale,
)
from dialogs.states import LanguageChoice, Menu


async def on_choose(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    locale = "uk" if button.widget_id == "uk" else "en"
    await members_of(manager).set_locale(callback.from_user.id, locale)
    use_locale(manager, locale)
    t = translator(manager)
    # The command list of this chat follows the member's choice, not the app's language.
    # Rights and the member were read at the start of this update; neither changed since.
    rights: Rights = manager.middleware_data["rights"]
    member: MemberProfile | None = manager.middleware_data.get("member")
    await set_chat_commands(
        manager.middleware_data["bot"],
        callback.from_user.id,
        t,
        admin=rights.is_admin,
        staff=rights.is_staff,
    )
    await answer(manager, callback, t("language-changed"))
    if len(manager.current_stack().intents) > 1 and await _previous_dialog_kept(manager):
        await manager.done()  # back to the dialog the member came from, now in the new language
    elif member is not None and member.registered:
        await manager.start(Menu.main, mode=StartMode.RESET_STACK)
    else:
        await manager.done()


async def _previous_dialog_kept(manager: DialogManager) -> bool:
    """Whether the dialog under this one still has its saved state (it may have expired)."""
    if not isinstance(manager, ManagerImpl):
        return True
    intents = manager.current_stack().intents
    try:
        await manager.storage().load_context(intents[-2])
    except (UnknownIntent, OutdatedIntent):
        return False
    return True


language_window = Window(
    Tr("language-prompt"),
    Row(
        Button(Tr("language-uk"), id="uk", on_click=on_choose),
        Button(Tr("language-en"), id="en", on_click=on_choose),
    ),
    Cancel(Tr("common-back")),
    USE_BUTTONS,
    state=LanguageChoice.choose,
)


def language_dialog() -> Dialog:
    return Dialog(language_window)
