"""The open consultations a member was asked, from the main menu: each with its closing date and
whether they answered; choosing one sends its message again with their current answer."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Column

from bot.services.consultations import ConsultationService
from delivery.consultations import send_consultation
from dialogs.common import (
    Tr,
    answer,
    bot_of,
    indexed_select,
    item_number,
    timezone_of,
    translations_of,
    translator,
    user_id,
)
from dialogs.consultation_texts import DATE_FORMAT
from dialogs.states import ConsultList
from dialogs.widgets import menu_window

LIST_SELECT = "consults"


def consultations_of(manager: DialogManager) -> ConsultationService:
    return manager.middleware_data["consultations"]  # type: ignore[no-any-return]


async def get_list(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    tz = timezone_of(dialog_manager)
    service = consultations_of(dialog_manager)
    member = user_id(dialog_manager)
    items = []
    for view in await service.open_for(member):
        answered = await service.my_answer(member, view.id) is not None
        label = t(
            "consult-member-list-item",
            answered="yes" if answered else "no",
            title=view.title,
            date=view.closes_at.astimezone(tz).strftime(DATE_FORMAT),
        )
        items.append((str(view.id), label))
    return {"items": items, "has_items": bool(items), "empty": not items}


async def on_open(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    service = consultations_of(manager)
    member = user_id(manager)
    view = await service.for_member(member, item_number(item_id))
    if view is None or callback.message is None:
        # A forged or outdated button: only the member's own consultations open.
        t = translator(manager)
        await answer(manager, callback, t("consult-member-alert-unavailable"), alert=True)
        return
    await answer(manager, callback, "")
    await send_consultation(
        bot_of(manager),
        callback.message.chat.id,
        view,
        translator(manager).locale,
        translations_of(manager),
        my_answer=await service.my_answer(member, view.id),
        now=service.clock(),
        tz=timezone_of(manager),
    )
    # The list stays where it was; the consultation is the latest message, to answer.
    manager.show_mode = ShowMode.NO_UPDATE


list_window = menu_window(
    Tr("consult-member-list-title", when="has_items"),
    Tr("consult-member-list-empty", when="empty"),
    Column(indexed_select(LIST_SELECT, "items", on_open)),
    state=ConsultList.list,
    getter=get_list,
)


def consultation_list_dialog() -> Dialog:
    return Dialog(list_window)
