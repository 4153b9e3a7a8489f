"""What the composing dialogs (an announcement, a consultation and its outcome) share: the
command that opens them for staff, the photo-or-document step, and the progress message posted
once the outbox is written."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.enums import ContentType
from aiogram.filters import Command
from aiogram.fsm.state import State
from aiogram.types import Message
from aiogram_dialog import DialogManager, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.input.base import MessageHandlerFunc
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.kbd.button import OnClick

from bot.i18n import Translator
from bot.services.broadcasts import ATTACHMENT_MAX_BYTES, DOCUMENT_EXTENSIONS, BroadcastService
from dialogs.common import Tr, bot_of, broadcasts_of, esc, translations_of, translator

logger = logging.getLogger(__name__)

DOCUMENT_KINDS = ", ".join(extension.upper() for extension in DOCUMENT_EXTENSIONS)


ATTACHMENT_MAX_MB = ATTACHMENT_MAX_BYTES // (1024 * 1024)


BAD_ATTACHMENT = ("unsupported-attachment", "file-too-large")


def attachment_of(message: Message) -> dict[str, Any] | None:
    """A photo (its largest size) or document sent to attach, as dialog data keeps it (kind,
    file_id, name, size); None for anything else."""
    if message.photo:
        photo = message.photo[-1]
        return {"kind": "photo", "file_id": photo.file_id, "name": None, "size": None}
    if message.document:
        document = message.document
        return {
            "kind": "document",
            "file_id": document.file_id,
            "name": document.file_name,
            "size": document.file_size,
        }
    return None


def staff_command_router(command: str, state: State, refusal_id: str) -> Router:
    """`/<command>` in private chat for those who may address members (admins, and staff for
    their associations): `state` started afresh; anyone else gets `refusal_id`. Included before
    the command router, which would take it for an unknown command."""

    async def on_command(
        message: Message,
        dialog_manager: DialogManager,
        broadcasts: BroadcastService,
        i18n: Translator,
    ) -> None:
        assert message.from_user is not None
        if await broadcasts.allowed_associations(message.from_user.id) is None:
            await message.answer(i18n(refusal_id))
            return
        await dialog_manager.start(state, mode=StartMode.RESET_STACK)

    router = Router(name=command)
    router.message.filter(F.chat.type == "private")
    router.message.register(on_command, Command(command))
    return router


def attachment_buttons(
    prefix: str, on_keep: OnClick, on_remove: OnClick, none_text: str
) -> tuple[Button, Button, Button]:
    """The attachment step's buttons: on keeping the file, remove it, or go on without one
    (`has_attachment` / `no_attachment` from the getter)."""
    return (
        Button(Tr("broadcast-next"), id=f"{prefix}_keep", on_click=on_keep, when="has_attachment"),
        Button(
            Tr("broadcast-attachment-remove"),
            id=f"{prefix}_remove",
            on_click=on_remove,
            when="has_attachment",
        ),
        Button(Tr(none_text), id=f"{prefix}_none", on_click=on_remove, when="no_attachment"),
    )


def attachment_inputs(
    on_file: MessageHandlerFunc, on_other: MessageHandlerFunc
) -> tuple[MessageInput, MessageInput]:
    """A photo or document taken by `on_file`; anything else answered by `on_other`."""
    return (
        MessageInput(on_file, content_types=[ContentType.PHOTO, ContentType.DOCUMENT]),
        MessageInput(on_other, content_types=ContentType.ANY),
    )


async def post_progress(manager: DialogManager, broadcast_id: int, chat_id: int) -> None:
    """The progress message with its buttons (a consultation's broadcast too); the broadcast
    goes out either way."""
    from delivery.progress import post_progress_message

    try:
        await post_progress_message(
            bot_of(manager),
            broadcasts_of(manager),
            translations_of(manager),
            broadcast_id,
            chat_id,
            translator(manager).locale,
        )
    except Exception:
        logger.exception("broadcast %s: progress message not posted", broadcast_id)


def attachment_text(t: Translator, kind: str | None, name: str | None) -> str:
    """The preview's line on what goes with the text: a photo, a named document, or nothing."""
    if kind == "photo":
        return t("broadcast-attachment-photo")
    if kind == "document":
        return t("broadcast-attachment-document", name=esc(name or ""))
    return t("broadcast-attachment-nothing")
