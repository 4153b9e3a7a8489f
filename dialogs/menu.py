"""Main menu and help."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, Start, SwitchTo

from bot.services.staff import Rights
from dialogs.broadcast import start_compose
from dialogs.common import USE_BUTTONS, Tr, Window, answer, current_rights, esc, translator
from dialogs.consultation_desk import start_desk
from dialogs.knowledge import refused_question, start_question
from dialogs.states import (
    ConsultList,
    Knowledge,
    LanguageChoice,
    Menu,
    MyReports,
    News,
    Profile,
    ReportForm,
    StaffAccess,
)


async def get_menu(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    member = dialog_manager.middleware_data.get("member")
    rights: Rights | None = dialog_manager.middleware_data.get("rights")
    start_data = dialog_manager.start_data if isinstance(dialog_manager.start_data, dict) else {}
    status = member.verification if member else "unverified"
    return {
        "name": esc(member.full_name if member else ""),
        "welcome": bool(start_data.get("welcome")),
        "unverified": status == "unverified",
        "rejected": status == "rejected",
        # Rejected members file no reports (the report dialog and the service refuse them too).
        "may_report": status != "rejected",
        "is_admin": bool(rights and rights.is_admin),
        "is_staff": bool(rights and rights.is_staff),
    }


async def on_staff_invites(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    # The button is shown to admins only, but rights are checked again on every press.
    if not (await current_rights(manager)).is_admin:
        await answer(manager, callback, translator(manager)("staff-no-rights"), alert=True)
        return
    await manager.start(StaffAccess.rights)


async def on_question(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    """Text typed at the menu is a question for the knowledge base."""
    if await refused_question(message, manager):
        return
    await start_question(manager, message.text or "")


QUESTION_INPUT = MessageInput(on_question, content_types=ContentType.TEXT)

main_window = Window(
    Tr("menu-welcome", when="welcome"),
    Tr("menu-title"),
    Tr("menu-unverified", when="unverified"),
    Tr("menu-rejected", when="rejected"),
    Tr("menu-ask-hint"),
    Row(
        Start(Tr("menu-reforms"), id="reforms", state=Knowledge.topics),
        Start(Tr("menu-ask"), id="ask", state=Knowledge.ask),
    ),
    Row(
        Start(Tr("report-mine-new"), id="report", state=ReportForm.category, when="may_report"),
        Start(Tr("report-form-my-reports"), id="my_reports", state=MyReports.list),
    ),
    Row(
        Start(Tr("menu-news"), id="news", state=News.list),
        Start(Tr("menu-profile"), id="profile", state=Profile.view),
    ),
    Start(Tr("consult-member-menu-button"), id="consults", state=ConsultList.list),
    Start(Tr("menu-language"), id="language", state=LanguageChoice.choose),
    SwitchTo(Tr("menu-help"), id="help", state=Menu.help),
    Button(Tr("menu-staff-invites"), id="invites", on_click=on_staff_invites, when="is_admin"),
    Row(
        Button(Tr("menu-broadcast"), id="broadcast", on_click=start_compose, when="is_staff"),
        Button(Tr("consult-staff-menu-button"), id="consult", on_click=start_desk, when="is_staff"),
    ),
    QUESTION_INPUT,
    USE_BUTTONS,
    state=Menu.main,
    getter=get_menu,
)

help_window = Window(
    Tr("help-text"),
    SwitchTo(Tr("common-menu"), id="back", state=Menu.main),
    USE_BUTTONS,
    state=Menu.help,
    getter=get_menu,
)


def menu_dialog() -> Dialog:
    return Dialog(main_window, help_window)
