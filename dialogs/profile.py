"""The member's profile: what the bot holds, and a button to change each field."""

from __future__ import annotations

from typing import Any

from aiogram_dialog import Dialog, DialogManager
from aiogram_dialog.widgets.kbd import Group, Start

from bot.content import AssociationInfo
from bot.services.hromadas import HromadaDirectory
from dialogs.common import (
    MENU_BUTTON,
    USE_BUTTONS,
    Tr,
    Window,
    esc,
    members_of,
    translator,
    user_id,
)
from dialogs.presenters import association_names, member_hromada, oblast_name
from dialogs.states import LanguageChoice, Profile, Registration


async def get_profile(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    directory: HromadaDirectory = dialog_manager.middleware_data["hromadas"]
    associations: list[AssociationInfo] = dialog_manager.middleware_data["associations"]
    member = await members_of(dialog_manager).get(user_id(dialog_manager))
    if member is None or not member.registered:
        return {"registered": False}
    return {
        "registered": True,
        "name": esc(member.full_name),
        "role": t(f"role-{member.role}"),
        "oblast": oblast_name(directory.oblast(member.oblast_code or ""), t.locale),
        "hromada": await member_hromada(t, directory, member),
        "associations": association_names(
            t, associations, member.association_codes, member.associations_unsure
        ),
        "phone": esc(member.phone) if member.phone else t("profile-phone-none"),
        "language": t(f"language-{t.locale}"),
        "status": t(f"profile-status-{member.verification}"),
    }


def _edit(field: str, state: Any) -> Start:
    return Start(Tr(f"profile-edit-{field}"), id=f"edit_{field}", state=state, data={"edit": field})


profile_window = Window(
    Tr("profile-view", when="registered"),
    Tr("profile-not-registered", when=lambda data, *_: not data["registered"]),
    Group(
        _edit("name", Registration.name),
        _edit("role", Registration.role),
        _edit("oblast", Registration.oblast),
        _edit("associations", Registration.associations),
        _edit("phone", Registration.phone),
        Start(Tr("profile-edit-language"), id="edit_language", state=LanguageChoice.choose),
        width=2,
        when="registered",
    ),
    MENU_BUTTON,
    USE_BUTTONS,
    state=Profile.view,
    getter=get_profile,
)


def profile_dialog() -> Dialog:
    return Dialog(profile_window)
