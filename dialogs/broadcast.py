"""Composing an announcement in private chat (admins, and staff for their own associations):
the Ukrainian text, an optional English version, an optional photo or document, the audience
(associations, oblasts, positions: `dialogs/broadcast_audience.py`), urgency; then a preview
sent exactly as members will receive it (`dialogs/broadcast_draft.py`), with the recipient count,
and confirmation, which writes the outbox and posts the progress message.

Every answer lives in dialog_data as plain JSON, so a composition survives a restart. Rights are
read again when the dialog starts, for every audience window and at confirmation (where the
service refuses an audience the author may not address). Lengths are measured on the rendered
message, header included, as the author types; the preview and the service measure again.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from typing import Any

from aiogram import Router
from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row

from bot.services.broadcasts import BroadcastError
from bot.services.message_limits import CAPTION_LIMIT, TEXT_LIMIT
from dialogs.broadcast_audience import (
    allowed_associations,
    associations_window,
    audience_summary,
    audience_window,
    oblasts_window,
    roles_window,
)
from dialogs.broadcast_draft import (
    CANCEL,
    STEPS,
    after_fix,
    after_step,
    announcement_of,
    as_sent,
    back_button,
    on_back,
    problems_of,
    refuse_rights,
    to_preview,
    too_long,
)
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    broadcasts_of,
    refuse_input,
    translator,
    user_id,
)
from dialogs.composing import (
    attachment_buttons,
    attachment_input,
    attachment_text,
    confirmed_before,
    english_buttons,
    file_fields,
    not_text_input,
    post_progress,
    preview_windows,
    refused_file,
    staff_command_router,
    submit,
    typed_text,
)
from dialogs.states import BroadcastCompose
from dialogs.widgets import menu_window

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------ getters


async def get_limits(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {
        "text_limit": TEXT_LIMIT,
        "caption_limit": CAPTION_LIMIT,
        "editing": bool(data.get("editing")),
        "has_en": bool(data.get("text_en")),
        "no_en": not data.get("text_en"),
        "returnable": bool(data.get("editing") or data.get("fixing")),
        **file_fields(data.get("attachment")),
    }


async def get_too_long(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    try:
        announcement = await as_sent(dialog_manager, announcement_of(dialog_manager))
    except BroadcastError:
        announcement = announcement_of(dialog_manager)
    problems = too_long(problems_of(dialog_manager, announcement))
    has_en = bool(announcement.text_en)
    lines = [
        t(
            "broadcast-too-long-line",
            language=t(f"broadcast-language-{p.locale if has_en else 'uk'}"),
            length=p.length or 0,
            limit=p.limit or 0,
        )
        for p in problems
    ]
    # Without an English version, English-speaking members get the Ukrainian text.
    uk_long = any(p.locale == "uk" or not has_en for p in problems)
    return {
        "lines": "\n".join(dict.fromkeys(lines)),
        "text_limit": TEXT_LIMIT,
        "shorten_uk": uk_long,
        "shorten_en": has_en and any(p.locale == "en" for p in problems),
        "has_attachment": announcement.attachment_kind is not None,
    }


async def get_preview(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    data = dialog_manager.dialog_data
    allowed = await allowed_associations(dialog_manager) or ()
    attachment = data.get("attachment") or {}
    attached = attachment_text(t, attachment.get("kind"), attachment.get("name"))
    count = int(data.get("count") or 0)
    summary = await audience_summary(dialog_manager, allowed, "broadcast")
    return {
        "count": count,
        "audience": summary,
        "urgency": t(
            "broadcast-urgency-urgent" if data.get("urgent") else "broadcast-urgency-normal"
        ),
        "english": t("broadcast-english-yes" if data.get("text_en") else "broadcast-english-no"),
        "attachment": attached,
        "has_recipients": count > 0,
        "nobody": count == 0,
    }


async def get_created(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {"id": str(data.get("broadcast_id", "")), "count": int(data.get("recipients") or 0)}


# ---------------------------------------------------------------------------------------- callbacks


async def start_compose(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """The main menu's button (shown to staff; the right is read again here)."""
    if await allowed_associations(manager) is None:
        await answer(manager, callback, translator(manager)("broadcast-not-allowed"), alert=True)
        return
    await manager.start(BroadcastCompose.text_uk, mode=StartMode.RESET_STACK)


async def on_start(_start_data: Any, manager: DialogManager) -> None:
    # One composition, one announcement: the key makes a repeated confirmation find it.
    manager.dialog_data["request_key"] = secrets.token_hex(16)
    if await allowed_associations(manager) is None:
        await manager.switch_to(BroadcastCompose.refused)


async def on_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    step = "text_en" if manager.current_context().state == BroadcastCompose.text_en else "text_uk"
    text = await typed_text(message, manager, "broadcast-text-empty")
    if text is None:
        return
    try:
        composed = announcement_of(manager)
        if step == "text_en":
            composed = replace(composed, text_en=text)
        else:
            composed = replace(composed, text_uk=text)
        candidate = await as_sent(manager, composed)
    except BroadcastError:
        await refuse_rights(manager)
        return
    # The Ukrainian text also goes to English-speaking members when there is no English one.
    concerned = {"en"} if step == "text_en" else {"uk"} | (set() if candidate.text_en else {"en"})
    over = [p for p in too_long(problems_of(manager, candidate)) if p.locale in concerned]
    if over:
        worst = max(over, key=lambda p: p.length or 0)
        message_id = (
            "broadcast-caption-too-long" if candidate.attachment_kind else "broadcast-text-too-long"
        )
        t = translator(manager)
        await refuse_input(message, manager, t(message_id, length=worst.length, limit=worst.limit))
        return
    manager.dialog_data[step] = text
    if manager.dialog_data.get("fixing"):
        await after_fix(manager)
        return
    await after_step(manager, step)


async def on_attachment(
    message: Message, manager: DialogManager, attachment: dict[str, Any]
) -> None:
    try:
        candidate = await as_sent(
            manager,
            replace(
                announcement_of(manager),
                attachment_kind=attachment["kind"],
                attachment_file_id=attachment["file_id"],
                attachment_name=attachment["name"],
                attachment_size=attachment["size"],
            ),
        )
    except BroadcastError:
        await refuse_rights(manager)
        return
    problems = problems_of(manager, candidate)
    if await refused_file(message, manager, attachment, (p.code for p in problems)):
        return
    manager.dialog_data["attachment"] = attachment
    if too_long(problems):
        # The text fit a message but not a caption: shorten it or go without the file.
        manager.dialog_data["resume"] = (
            "preview" if manager.dialog_data.get("editing") else "audience"
        )
        manager.dialog_data["editing"] = False
        await manager.switch_to(BroadcastCompose.too_long)
        return
    await after_step(manager, "attachment")


async def on_no_attachment(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["attachment"] = None
    await after_step(manager, "attachment")


async def on_keep_attachment(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await after_step(manager, "attachment")


async def on_shorten(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["fixing"] = True
    step = "text_en" if button.widget_id == "shorten_en" else "text_uk"
    await manager.switch_to(getattr(BroadcastCompose, step))


async def on_drop_attachment(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["attachment"] = None
    await after_fix(manager)


async def on_urgent(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["urgent"] = button.widget_id == "urgent_yes"
    await after_step(manager, "urgent")


async def on_confirm(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    if await confirmed_before(manager, "broadcast_id", BroadcastCompose.done):
        return
    data = manager.dialog_data
    t = translator(manager)
    try:
        created = await submit(
            manager, callback, broadcasts_of(manager).create, announcement_of(manager)
        )
    except BroadcastError as error:
        logger.info("broadcast refused for %s: %s", user_id(manager), error.code)
        if error.code == "not-allowed":
            await answer(manager, callback, t("broadcast-not-allowed"), alert=True)
            await refuse_rights(manager)
            return
        if error.code == "empty-audience":
            data["count"] = 0
        text = t(
            error.message_id,
            locale=error.locale or "",
            length=error.length or 0,
            limit=error.limit or 0,
            excess=error.excess,
        )
        await answer(manager, callback, text, alert=True)
        return
    data["broadcast_id"] = created.broadcast_id
    data["recipients"] = created.total
    logger.info("broadcast %s created: %s recipients", created.broadcast_id, created.total)
    if created.progress_message_id is None:
        await post_progress(manager, created.broadcast_id)
    await manager.switch_to(BroadcastCompose.done)


# ------------------------------------------------------------------------------------------ command


def create_broadcast_router() -> Router:
    """`/broadcast`."""
    return staff_command_router("broadcast", BroadcastCompose.text_uk, "broadcast-not-allowed")


# ------------------------------------------------------------------------------------------ windows


TEXT_INPUT = MessageInput(on_text, content_types=ContentType.TEXT)
NOT_TEXT = not_text_input("broadcast-text-expected")


refused_window = menu_window(Tr("broadcast-not-allowed"), state=BroadcastCompose.refused)


def _step(
    step: str,
    *widgets: Any,
    back: Button | None = None,
    inputs: tuple[MessageInput, ...] = (TEXT_INPUT, NOT_TEXT),
    getter: Any = get_limits,
) -> Window:
    """A step of the composition: its prompt and buttons, back and cancel, what it takes in."""
    return Window(
        Tr(f"broadcast-{step.replace('_', '-')}-prompt"),
        *widgets,
        Row(back or back_button(step), CANCEL),
        *inputs,
        state=getattr(BroadcastCompose, step),
        getter=getter,
    )


text_uk_window = _step(
    "text_uk",
    back=Button(Tr("broadcast-back"), id="back_text_uk", on_click=on_back, when="returnable"),
)
text_en_window = _step(
    "text_en", *english_buttons("text_en", lambda manager: after_step(manager, "text_en"))
)
attachment_window = _step(
    "attachment",
    Tr("broadcast-attachment-current-photo", when="has_photo"),
    Tr("broadcast-attachment-current-document", when="has_document"),
    *attachment_buttons(
        "attachment", on_keep_attachment, on_no_attachment, "broadcast-attachment-none"
    ),
    inputs=(attachment_input(on_attachment, "broadcast-attachment-refused"),),
)


too_long_window = Window(
    Tr("broadcast-too-long"),
    Button(Tr("broadcast-shorten-uk"), id="shorten_uk", on_click=on_shorten, when="shorten_uk"),
    Button(Tr("broadcast-shorten-en"), id="shorten_en", on_click=on_shorten, when="shorten_en"),
    Button(
        Tr("broadcast-drop-attachment"),
        id="drop_attachment",
        on_click=on_drop_attachment,
        when="has_attachment",
    ),
    CANCEL,
    USE_BUTTONS,
    state=BroadcastCompose.too_long,
    getter=get_too_long,
)


urgent_window = _step(
    "urgent",
    Row(
        Button(Tr("broadcast-urgent-yes"), id="urgent_yes", on_click=on_urgent),
        Button(Tr("broadcast-urgent-no"), id="urgent_no", on_click=on_urgent),
    ),
    inputs=(USE_BUTTONS,),
    getter=None,
)


preview_window, edit_window = preview_windows(
    "broadcast", BroadcastCompose, STEPS, get_preview, on_confirm, to_preview, CANCEL
)


done_window = menu_window(Tr("broadcast-created"), state=BroadcastCompose.done, getter=get_created)


def broadcast_dialog() -> Dialog:
    return Dialog(
        text_uk_window,
        refused_window,
        text_en_window,
        attachment_window,
        too_long_window,
        audience_window,
        associations_window,
        oblasts_window,
        roles_window,
        urgent_window,
        preview_window,
        edit_window,
        done_window,
        on_start=on_start,
    )
