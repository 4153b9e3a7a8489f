"""Language choice (/language, the menu and the profile)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommandScopeChat, CallbackQuery
from aiogram_dialog import Dialog, DialogManager, StartMode
from aiogram_dialog.widgets.kbd import Button, Cancel, Row

from bot.commands import member_commands
from dialogs.common import Tr, Window, answer, members_of, translator, use_locale
from dialogs.states import LanguageChoice, Menu


async def on_choose(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    locale = "uk" if button.widget_id == "uk" else "en"
    await members_of(manager).set_locale(callback.from_user.id, locale)
    use_locale(manager, locale)
    t = translator(manager)
    bot: Bot = manager.middleware_data["bot"]
    if callback.message is not None:
        # The command list of this chat follows the member's choice, not the app's language.
        await bot.set_my_commands(
            member_commands(t), scope=BotCommandScopeChat(chat_id=callback.message.chat.id)
        )
    await answer(manager, callback, t("language-changed"))
    member = await members_of(manager).get(callback.from_user.id)
    if len(manager.current_stack().intents) > 1:
        await manager.done()  # back to the dialog the member came from, now in the new language
    elif member is not None and member.registered:
        await manager.start(Menu.main, mode=StartMode.RESET_STACK)
    else:
        await manager.done()


language_window = Window(
    Tr("language-prompt"),
    Row(
        Button(Tr("language-uk"), id="uk", on_click=on_choose),
        Button(Tr("language-en"), id="en", on_click=on_choose),
    ),
    Cancel(Tr("common-back")),
    state=LanguageChoice.choose,
)


def language_dialog() -> Dialog:
    return Dialog(language_window)
