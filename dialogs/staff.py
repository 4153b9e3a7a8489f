"""Admin tools in private chat: one-time staff invite links."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager
from aiogram_dialog.widgets.kbd import Column, SwitchTo
from aiogram_dialog.widgets.link_preview import LinkPreview

from bot.content import AssociationInfo
from bot.services.staff import PermissionDenied, UnknownAssociation
from dialogs.common import (
    MENU_BUTTON,
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    esc,
    indexed_select,
    staff_of,
    translator,
    user_id,
)
from dialogs.states import StaffInvites


def _associations(manager: DialogManager) -> list[AssociationInfo]:
    return manager.middleware_data["associations"]  # type: ignore[no-any-return]


async def get_associations(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    return {
        "associations": [
            (str(i), a.short(locale)) for i, a in enumerate(_associations(dialog_manager))
        ]
    }


async def get_link(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {
        "link": esc(data.get("link", "")),
        "association": esc(data.get("association", "")),
        "expires": data.get("expires", ""),
    }


async def on_association(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    t = translator(manager)
    association = _associations(manager)[int(item_id)]
    try:
        invite = await staff_of(manager).create_invite(user_id(manager), association.code)
    except PermissionDenied:
        await answer(manager, callback, t("staff-no-rights"), alert=True)
        await manager.done()
        return
    except UnknownAssociation:
        await answer(manager, callback, t("staff-unknown-association"), alert=True)
        return
    bot: Bot = manager.middleware_data["bot"]
    me = await bot.me()
    tz = manager.middleware_data["settings"].tz
    manager.dialog_data.update(
        link=f"https://t.me/{me.username}?start={invite.payload}",
        association=association.short(t.locale),
        expires=invite.expires_at.astimezone(tz).strftime("%d.%m.%Y %H:%M"),
    )
    await manager.switch_to(StaffInvites.link)


association_window = Window(
    Tr("invites-choose-association"),
    Column(indexed_select("assoc", "associations", on_association)),
    MENU_BUTTON,
    USE_BUTTONS,
    state=StaffInvites.association,
    getter=get_associations,
)

link_window = Window(
    Tr("invites-link"),
    LinkPreview(is_disabled=True),
    SwitchTo(Tr("invites-another"), id="another", state=StaffInvites.association),
    MENU_BUTTON,
    USE_BUTTONS,
    state=StaffInvites.link,
    getter=get_link,
)


def staff_invites_dialog() -> Dialog:
    return Dialog(association_window, link_window)
