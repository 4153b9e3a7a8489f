"""What the composing dialogs (an announcement, a consultation and its outcome) share: the
command that opens them for staff, the typed text and the photo-or-document steps, the way back
and out, the preview sent as members will get it with its windows, and the progress message
posted once the outbox is written."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol, TypedDict, TypeVar

from aiogram import Bot, F, Router
from aiogram.enums import ContentType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, SwitchTo
from aiogram_dialog.widgets.kbd.button import OnClick
from aiogram_dialog.widgets.text import Multi

from bot.i18n import Translator
from bot.services.broadcasts import ATTACHMENT_MAX_BYTES, DOCUMENT_EXTENSIONS, BroadcastService
from bot.services.members import MemberProfile
from bot.services.message_limits import visible_text
from bot.services.text_input import InvalidInput, require_words, strip_format
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    bot_of,
    broadcasts_of,
    esc,
    open_menu,
    refuse_input,
    translations_of,
    translator,
    user_id,
)
from dialogs.widgets import edit_picker

logger = logging.getLogger(__name__)

T = TypeVar("T")

DOCUMENT_KINDS = ", ".join(extension.upper() for extension in DOCUMENT_EXTENSIONS)


ATTACHMENT_MAX_MB = ATTACHMENT_MAX_BYTES // (1024 * 1024)


class Previewed(Protocol):
    """A composition's states group, as far as its preview goes."""

    preview: State
    edit: State


# What the file step's prompt names: the document kinds and the largest size taken.
FILE_LIMITS = {"kinds": DOCUMENT_KINDS, "max_mb": ATTACHMENT_MAX_MB}


BAD_ATTACHMENT = frozenset({"unsupported-attachment", "file-too-large"})


def file_fields(attachment: dict[str, Any] | None) -> dict[str, Any]:
    """What the file step's window shows of the file kept, if any (a photo, or a document by
    its `name`), and of the kinds and size it takes."""
    kept = attachment or {}
    return {
        "has_photo": kept.get("kind") == "photo",
        "has_document": kept.get("kind") == "document",
        "has_attachment": bool(kept),
        "no_attachment": not kept,
        "name": esc(kept.get("name") or ""),
        **FILE_LIMITS,
    }


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


async def refuse_file(
    message: Message, manager: DialogManager, refusal_id: str, name: str | None = None
) -> None:
    """Refuse what was sent for the file step with `refusal_id`, which names the kinds and the
    size taken (and the file's `name`); the step is asked again."""
    t = translator(manager)
    text = t(refusal_id, name=esc(name or ""), kinds=DOCUMENT_KINDS, max_mb=ATTACHMENT_MAX_MB)
    await refuse_input(message, manager, text)


async def refused_file(
    message: Message, manager: DialogManager, attachment: dict[str, Any], codes: Iterable[str]
) -> bool:
    """Whether the service's problem `codes` refuse the file itself (its kind or size): the
    author then told so."""
    if not BAD_ATTACHMENT & set(codes):
        return False
    await refuse_file(message, manager, "broadcast-attachment-bad-document", attachment["name"])
    return True


def attachment_input(
    on_file: Callable[[Message, DialogManager, dict[str, Any]], Awaitable[None]], refusal_id: str
) -> MessageInput:
    """A photo or document handed to `on_file` as dialog data keeps it (`attachment_of`);
    anything else refused with `refusal_id`."""

    async def on_message(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
        attachment = attachment_of(message)
        if attachment is None:
            await refuse_file(message, manager, refusal_id)
        else:
            await on_file(message, manager, attachment)

    return MessageInput(on_message, content_types=ContentType.ANY)


def not_text_input(refusal_id: str) -> MessageInput:
    """Where a text is expected, anything else refused with `refusal_id`."""

    async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
        await refuse_input(message, manager, translator(manager)(refusal_id))

    return MessageInput(on_not_text, content_types=ContentType.ANY)


async def typed_text(message: Message, manager: DialogManager, empty_id: str) -> str | None:
    """The text as the author formatted it, invisible characters gone; None, the author told
    `empty_id` (or that it has no letters), when it has no words."""
    text = strip_format(message.html_text).strip()
    try:
        require_words(visible_text(text))
    except InvalidInput as error:
        refusal = empty_id if error.code == "empty" else "input-no-letters"
        await refuse_input(message, manager, translator(manager)(refusal))
        return None
    return text


def english_buttons(
    field: str, go_on: Callable[[DialogManager], Awaitable[None]]
) -> tuple[Button, Button]:
    """The English step's buttons: go on without an English version, or remove the one given
    (`no_en` / `has_en` from the getter); either empties `field`, then `go_on`."""

    async def on_skip(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
        manager.dialog_data[field] = None
        await go_on(manager)

    return (
        Button(Tr("broadcast-skip"), id="en_skip", on_click=on_skip, when="no_en"),
        Button(Tr("broadcast-text-en-remove"), id="en_remove", on_click=on_skip, when="has_en"),
    )


def cancel_button(cancelled_id: str) -> Button:
    """Cancel the composition: `cancelled_id` said, and the main menu."""

    async def on_cancel(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
        await answer(manager, callback, translator(manager)(cancelled_id))
        await open_menu(callback, button, manager)

    return Button(Tr("broadcast-cancel"), id="cancel", on_click=on_cancel)


def step_before(steps: Sequence[str], button: Button) -> str:
    """The step before the one whose back button (`back_<step>`) was pressed."""
    current = (button.widget_id or "").removeprefix("back_")
    index = steps.index(current) if current in steps else 1
    return steps[max(index - 1, 0)]


async def show_preview(
    manager: DialogManager,
    states: Previewed,
    texts: str,
    shown: dict[str, Any],
    locales: Sequence[str],
    send_copy: Callable[[Bot, int, str], Awaitable[object]],
) -> None:
    """The composition sent to its author by `send_copy` as members will get it, in each of
    `locales`, then the preview window (`states.preview`); only the window again when nothing
    `shown` in the copies changed since they were sent. Copies Telegram refused: said so, and
    the steps to edit (`states.edit`) offered."""
    data = manager.dialog_data
    fingerprint = json.dumps(shown, ensure_ascii=False, sort_keys=True)
    if data.get("previewed") == fingerprint:
        # Nothing changed since the copies above were sent: only the window again.
        await manager.switch_to(states.preview)
        return
    t = translator(manager)
    bot = bot_of(manager)
    chat_id: int = manager.middleware_data["event_chat"].id
    try:
        intro = f"{texts}-preview-intro-both" if len(locales) > 1 else f"{texts}-preview-intro"
        await bot.send_message(chat_id, t(intro))
        for locale in locales:
            await send_copy(bot, chat_id, locale)
    except TelegramAPIError as error:
        logger.warning("%s preview not sent: %s", texts, type(error).__name__)
        await bot.send_message(chat_id, t(f"{texts}-preview-failed"))
        data["previewed"] = None
        await manager.switch_to(states.edit, show_mode=ShowMode.SEND)
        return
    data["previewed"] = fingerprint
    await manager.switch_to(states.preview, show_mode=ShowMode.SEND)


def preview_windows(
    texts: str,
    states: Previewed,
    steps: Sequence[str],
    get_preview: Any,
    on_confirm: OnClick,
    to_preview: Callable[[DialogManager], Awaitable[None]],
    cancel: Button,
    steps_of: Callable[[DialogManager], Sequence[str]] | None = None,
) -> tuple[Window, Window]:
    """The preview under the copies (`{texts}-preview`, confirmed when there are recipients) and
    the picker of a step to edit (`{texts}-edit-<step>` for `steps`, or those `steps_of` gives
    for this composition), which leads back to the preview."""

    async def get_edit_items(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
        t = translator(dialog_manager)
        shown = steps_of(dialog_manager) if steps_of else steps
        return {"fields": [(step, t(f"{texts}-edit-{step.replace('_', '-')}")) for step in shown]}
        return {"fields": [(step, t(f"{texts}-edit-{step.replace('_', '-')}")) for step in steps]}

    async def on_back_to_preview(
        _callback: CallbackQuery, _button: Button, manager: DialogManager
    ) -> None:
        await to_preview(manager)

    preview = Window(
        Multi(
            Tr(f"{texts}-preview"),
            Tr(f"{texts}-preview-ready", when="has_recipients"),
            Tr(f"{texts}-preview-empty", when="nobody"),
            sep="\n\n",
        ),
        Button(Tr(f"{texts}-confirm"), id="confirm", on_click=on_confirm, when="has_recipients"),
        Row(SwitchTo(Tr("broadcast-edit"), id="to_edit", state=states.edit), cancel),
        USE_BUTTONS,
        state=states.preview,
        getter=get_preview,
    )
    edit = Window(
        Tr(f"{texts}-edit-prompt"),
        edit_picker(steps, states),
        Button(Tr("broadcast-back-preview"), id="back_preview", on_click=on_back_to_preview),
        cancel,
        USE_BUTTONS,
        state=states.edit,
        getter=get_edit_items,
    )
    return preview, edit


class OutboxKeys(TypedDict):
    """What a confirmation hands the service besides the composition itself."""

    request_key: str | None
    progress_chat_id: int
    progress_locale: str


def _outbox_keys(manager: DialogManager) -> OutboxKeys:
    """The composition's request key (a repeated confirmation finds what the first wrote) and
    where the progress message goes: the author's chat, in the author's language."""
    return {
        "request_key": manager.dialog_data.get("request_key"),
        "progress_chat_id": manager.middleware_data["event_chat"].id,
        "progress_locale": translator(manager).locale,
    }


def _author_of(manager: DialogManager, callback: CallbackQuery) -> str:
    """The name a confirmation is recorded under: the member's, else Telegram's."""
    member: MemberProfile | None = manager.middleware_data.get("member")
    return (member.full_name if member else None) or callback.from_user.full_name


async def submit(
    manager: DialogManager,
    callback: CallbackQuery,
    create: Callable[..., Awaitable[T]],
    *composition: Any,
) -> T:
    """The service's `create` called as every confirmation calls it: the author's id and name,
    the `composition`, the request key and where the progress message goes."""
    return await create(
        user_id(manager),
        _author_of(manager, callback),
        *composition,
        **_outbox_keys(manager),
    )


async def confirmed_before(manager: DialogManager, key: str, done: State) -> bool:
    """Whether the composition holds `key` already: a second press (a slow connection) on what
    was created once, which only shows the `done` window again."""
    if not manager.dialog_data.get(key):
        return False
    await manager.switch_to(done)
    return True


async def post_progress(manager: DialogManager, broadcast_id: int) -> None:
    """The progress message with its buttons (a consultation's broadcast too) in the author's
    chat; the broadcast goes out either way."""
    from delivery.progress import post_progress_message

    try:
        await post_progress_message(
            bot_of(manager),
            broadcasts_of(manager),
            translations_of(manager),
            broadcast_id,
            manager.middleware_data["event_chat"].id,
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
