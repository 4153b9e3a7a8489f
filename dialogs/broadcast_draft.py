"""The announcement being composed: the dialog data read as an `Announcement`, the steps in
order, and where an answer leads: the next step, back to the text that was too long, or the
preview, sent to the author exactly as members will receive it.

Every answer lives in dialog_data as plain JSON, so a composition survives a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from aiogram import Bot
from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button

from bot.services.broadcasts import Announcement, Audience, BroadcastError, announcement_problems
from delivery.announcements import send_announcement
from dialogs.announcement_texts import announcement_renderer
from dialogs.common import Tr, associations_of, broadcasts_of, translations_of, user_id
from dialogs.composing import cancel_button, show_preview, step_before
from dialogs.states import BroadcastCompose

# The steps in order, each answered in the window of the same name.
STEPS = ("text_uk", "text_en", "attachment", "audience", "urgent")


def audience_of(manager: DialogManager) -> Audience:
    data = manager.dialog_data
    return Audience(
        associations=tuple(data.get("associations", [])),
        oblasts=tuple(data.get("oblasts", [])),
        roles=tuple(data.get("roles", [])),
    )


def announcement_of(manager: DialogManager) -> Announcement:
    """The announcement as composed so far (the audience as chosen, not yet restricted)."""
    data = manager.dialog_data
    attachment = data.get("attachment") or {}
    return Announcement(
        text_uk=data.get("text_uk") or "",
        text_en=data.get("text_en") or None,
        attachment_kind=attachment.get("kind"),
        attachment_file_id=attachment.get("file_id"),
        attachment_name=attachment.get("name"),
        urgent=bool(data.get("urgent")),
        audience=audience_of(manager),
        attachment_size=attachment.get("size"),
    )


async def as_sent(manager: DialogManager, announcement: Announcement) -> Announcement:
    """The announcement with the audience the service will store (staff: their associations),
    so that its header names the same associations as the members' copy."""
    audience = await broadcasts_of(manager).effective_audience(
        user_id(manager), announcement.audience
    )
    return replace(announcement, audience=audience)


def problems_of(manager: DialogManager, announcement: Announcement) -> list[BroadcastError]:
    render = announcement_renderer(translations_of(manager), associations_of(manager))
    return announcement_problems(announcement, render)


def too_long(problems: Sequence[BroadcastError]) -> list[BroadcastError]:
    return [problem for problem in problems if problem.code == "too-long"]


async def refuse_rights(manager: DialogManager) -> None:
    manager.dialog_data.clear()
    await manager.switch_to(BroadcastCompose.refused, show_mode=ShowMode.SEND)


async def after_step(manager: DialogManager, step: str) -> None:
    """After an answer: the next step, or the preview when editing from it."""
    if manager.dialog_data.get("editing") or step == STEPS[-1]:
        await to_preview(manager)
        return
    await manager.switch_to(getattr(BroadcastCompose, STEPS[STEPS.index(step) + 1]))


async def after_fix(manager: DialogManager) -> None:
    """After shortening a text or dropping the attachment: on where the author was going."""
    try:
        announcement = await as_sent(manager, announcement_of(manager))
    except BroadcastError:
        await refuse_rights(manager)
        return
    if too_long(problems_of(manager, announcement)):
        await manager.switch_to(BroadcastCompose.too_long)
        return
    manager.dialog_data["fixing"] = False
    resume = manager.dialog_data.pop("resume", "audience")
    if resume == "preview":
        await to_preview(manager)
    else:
        await manager.switch_to(getattr(BroadcastCompose, resume))


async def to_preview(manager: DialogManager) -> None:
    """Send the announcement as members will get it (each language present), then the
    preview window with the recipient count below it."""
    data = manager.dialog_data
    data["editing"] = False
    try:
        announcement = await as_sent(manager, announcement_of(manager))
        count = await broadcasts_of(manager).count_recipients(
            user_id(manager), announcement.audience, announcement.urgent
        )
    except BroadcastError:
        await refuse_rights(manager)
        return
    if too_long(problems_of(manager, announcement)):
        # The urgent header or the audience's names made the text longer than checked.
        data["resume"] = "preview"
        await manager.switch_to(BroadcastCompose.too_long)
        return
    data["count"] = count

    async def send_copy(bot: Bot, chat_id: int, locale: str) -> None:
        await send_announcement(
            bot, chat_id, announcement, locale, translations_of(manager), associations_of(manager)
        )

    shown = {
        "uk": announcement.text_uk,
        "en": announcement.text_en,
        "file": announcement.attachment_file_id,
        "urgent": announcement.urgent,
        "audience": announcement.audience.as_json(),
    }
    locales = ("uk", "en") if announcement.text_en else ("uk",)
    await show_preview(manager, BroadcastCompose, "broadcast", shown, locales, send_copy)


# ---------------------------------------------------------------------------------------- callbacks


async def on_back(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Back one step; from a step opened to edit or to shorten, back to where that began."""
    if manager.dialog_data.get("editing"):
        await to_preview(manager)
        return
    if manager.dialog_data.get("fixing"):
        await manager.switch_to(BroadcastCompose.too_long)
        return
    await manager.switch_to(getattr(BroadcastCompose, step_before(STEPS, button)))


CANCEL = cancel_button("broadcast-cancelled")


def back_button(step: str) -> Button:
    return Button(Tr("broadcast-back"), id=f"back_{step}", on_click=on_back)
