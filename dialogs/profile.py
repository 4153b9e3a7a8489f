"""The member's profile: what the bot holds, and a button to change each field."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager
from aiogram_dialog.widgets.kbd import Button, Group, Start
from aiogram_dialog.widgets.text import Multi

from dialogs.common import (
    Tr,
    answer,
    associations_of,
    esc,
    hromadas_of,
    members_of,
    translator,
    user_id,
)
from dialogs.presenters import association_names, member_hromada, oblast_name
from dialogs.states import LanguageChoice, Privacy, Profile, Registration
from dialogs.widgets import menu_window


async def get_profile(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    directory = hromadas_of(dialog_manager)
    associations = associations_of(dialog_manager)
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
        "muted": member.announcements_muted,
        "not_muted": not member.announcements_muted,
    }


async def on_toggle_muted(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """Non-urgent announcements off or on again; urgent ones and News are not affected."""
    members = members_of(manager)
    member = await members.get(user_id(manager))
    if member is None or not member.registered:
        return
    muted = not member.announcements_muted
    await members.set_announcements_muted(user_id(manager), muted)
    t = translator(manager)
    await answer(manager, callback, t("profile-muted-done" if muted else "profile-unmuted-done"))


def _edit(field: str, state: Any) -> Start:
    return Start(Tr(f"profile-edit-{field}"), id=f"edit_{field}", state=state, data={"edit": field})


profile_window = menu_window(
    Multi(
        Tr("profile-view", when="registered"),
        Tr("profile-announcements-all", when="not_muted"),
        Tr("profile-announcements-muted", when="muted"),
        sep="\n\n",
    ),
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
    Button(Tr("profile-mute"), id="mute", on_click=on_toggle_muted, when="not_muted"),
    Button(Tr("profile-unmute"), id="unmute", on_click=on_toggle_muted, when="muted"),
    Start(Tr("privacy-profile-button"), id="privacy", state=Privacy.notice),
    state=Profile.view,
    getter=get_profile,
)


def profile_dialog() -> Dialog:
    return Dialog(profile_window)
