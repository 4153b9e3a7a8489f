"""Composing an announcement in private chat (admins, and staff for their own associations):
the Ukrainian text, an optional English version, an optional photo or document, the audience
(associations, oblasts, positions), urgency; then a preview sent exactly as members will receive
it, with the recipient count, and confirmation, which writes the outbox and posts the progress
message.

Every answer lives in dialog_data as plain JSON, so a composition survives a restart. Rights are
read again when the dialog starts, for every audience window and at confirmation (where the
service refuses an audience the author may not address). Lengths are measured on the rendered
message, header included, as the author types; the preview and the service measure again.
"""

from __future__ import annotations

import json
import logging
import operator
import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ContentType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import (
    Button,
    Column,
    Group,
    Multiselect,
    Row,
    ScrollingGroup,
    Select,
    SwitchTo,
)
from aiogram_dialog.widgets.text import Format, Multi

from bot.content import AssociationInfo
from bot.i18n import Translations, Translator
from bot.services.broadcasts import (
    ATTACHMENT_MAX_BYTES,
    DOCUMENT_EXTENSIONS,
    Announcement,
    Audience,
    BroadcastError,
    BroadcastService,
    announcement_problems,
)
from bot.services.hromadas import HromadaDirectory
from bot.services.members import ROLES, MemberProfile
from bot.services.message_limits import CAPTION_LIMIT, TEXT_LIMIT, visible_text
from bot.services.text_input import InvalidInput, require_words, strip_format
from delivery.announcements import send_announcement
from dialogs.announcement_texts import announcement_renderer
from dialogs.common import (
    MENU_BUTTON,
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    esc,
    open_menu,
    stale_button,
    translator,
    user_id,
)
from dialogs.presenters import oblast_name
from dialogs.states import BroadcastCompose

logger = logging.getLogger(__name__)

# Widget ids
ASSOCIATIONS_SELECT = "assoc"
OBLASTS_SELECT = "oblast"
ROLES_SELECT = "role"
EDIT_SELECT = "edit"
# The steps in order, each answered in the window of the same name.
STEPS = ("text_uk", "text_en", "attachment", "audience", "urgent")
DOCUMENT_KINDS = ", ".join(extension.upper() for extension in DOCUMENT_EXTENSIONS)
ATTACHMENT_MAX_MB = ATTACHMENT_MAX_BYTES // (1024 * 1024)
BAD_ATTACHMENT = ("unsupported-attachment", "file-too-large")


def _broadcasts(manager: DialogManager) -> BroadcastService:
    return manager.middleware_data["broadcasts"]  # type: ignore[no-any-return]


def _associations(manager: DialogManager) -> list[AssociationInfo]:
    return manager.middleware_data["associations"]  # type: ignore[no-any-return]


def _translations(manager: DialogManager) -> Translations:
    return manager.middleware_data["translations"]  # type: ignore[no-any-return]


def _directory(manager: DialogManager) -> HromadaDirectory:
    return manager.middleware_data["hromadas"]  # type: ignore[no-any-return]


def _audience(manager: DialogManager) -> Audience:
    data = manager.dialog_data
    return Audience(
        associations=tuple(data.get("associations", [])),
        oblasts=tuple(data.get("oblasts", [])),
        roles=tuple(data.get("roles", [])),
    )


def _announcement(manager: DialogManager) -> Announcement:
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
        audience=_audience(manager),
        attachment_size=attachment.get("size"),
    )


async def _as_sent(manager: DialogManager, announcement: Announcement) -> Announcement:
    """The announcement with the audience the service will store (staff: their associations),
    so that its header names the same associations as the members' copy."""
    audience = await _broadcasts(manager).effective_audience(
        user_id(manager), announcement.audience
    )
    return replace(announcement, audience=audience)


def _problems(manager: DialogManager, announcement: Announcement) -> list[BroadcastError]:
    render = announcement_renderer(_translations(manager), _associations(manager))
    return announcement_problems(announcement, render)


def _too_long(problems: Sequence[BroadcastError]) -> list[BroadcastError]:
    return [problem for problem in problems if problem.code == "too-long"]


async def _refuse(message: Message, manager: DialogManager, text: str) -> None:
    """Say what is wrong and leave the window as it is: the answer is asked again."""
    await message.answer(text)
    manager.show_mode = ShowMode.NO_UPDATE


async def _refuse_rights(manager: DialogManager) -> None:
    manager.dialog_data.clear()
    await manager.switch_to(BroadcastCompose.refused, show_mode=ShowMode.SEND)


async def _after(manager: DialogManager, step: str) -> None:
    """After an answer: the next step, or the preview when editing from it."""
    if manager.dialog_data.get("editing") or step == STEPS[-1]:
        await _to_preview(manager)
        return
    await manager.switch_to(getattr(BroadcastCompose, STEPS[STEPS.index(step) + 1]))


async def _after_fix(manager: DialogManager) -> None:
    """After shortening a text or dropping the attachment: on where the author was going."""
    try:
        announcement = await _as_sent(manager, _announcement(manager))
    except BroadcastError:
        await _refuse_rights(manager)
        return
    if _too_long(_problems(manager, announcement)):
        await manager.switch_to(BroadcastCompose.too_long)
        return
    manager.dialog_data["fixing"] = False
    resume = manager.dialog_data.pop("resume", "audience")
    if resume == "preview":
        await _to_preview(manager)
    else:
        await manager.switch_to(getattr(BroadcastCompose, resume))


def _fingerprint(announcement: Announcement) -> str:
    fields = {
        "uk": announcement.text_uk,
        "en": announcement.text_en,
        "file": announcement.attachment_file_id,
        "urgent": announcement.urgent,
        "audience": announcement.audience.as_json(),
    }
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


async def _to_preview(manager: DialogManager) -> None:
    """Send the announcement as members will get it (each language present), then the
    preview window with the recipient count below it."""
    data = manager.dialog_data
    data["editing"] = False
    try:
        announcement = await _as_sent(manager, _announcement(manager))
        count = await _broadcasts(manager).count_recipients(
            user_id(manager), announcement.audience, announcement.urgent
        )
    except BroadcastError:
        await _refuse_rights(manager)
        return
    if _too_long(_problems(manager, announcement)):
        # The urgent header or the audience's names made the text longer than checked.
        data["resume"] = "preview"
        await manager.switch_to(BroadcastCompose.too_long)
        return
    data["count"] = count
    fingerprint = _fingerprint(announcement)
    if data.get("previewed") == fingerprint:
        # Nothing changed since the copies above were sent: only the window again.
        await manager.switch_to(BroadcastCompose.preview)
        return
    t = translator(manager)
    bot: Bot = manager.middleware_data["bot"]
    chat_id: int = manager.middleware_data["event_chat"].id
    locales = ("uk", "en") if announcement.text_en else ("uk",)
    try:
        intro = "broadcast-preview-intro-both" if len(locales) > 1 else "broadcast-preview-intro"
        await bot.send_message(chat_id, t(intro))
        for locale in locales:
            await send_announcement(
                bot,
                chat_id,
                announcement,
                locale,
                _translations(manager),
                _associations(manager),
            )
    except TelegramAPIError as error:
        logger.warning("broadcast preview not sent: %s", type(error).__name__)
        await bot.send_message(chat_id, t("broadcast-preview-failed"))
        data["previewed"] = None
        await manager.switch_to(BroadcastCompose.edit, show_mode=ShowMode.SEND)
        return
    data["previewed"] = fingerprint
    await manager.switch_to(BroadcastCompose.preview, show_mode=ShowMode.SEND)


def _set_ticks(manager: DialogManager, widget_id: str, ticked: list[str]) -> None:
    # A multiselect keeps its ticks in the widget data of this dialog's context.
    manager.current_context().widget_data[widget_id] = list(ticked)


async def _allowed(manager: DialogManager) -> tuple[str, ...] | None:
    return await _broadcasts(manager).allowed_associations(user_id(manager))


def _addressable(
    associations: list[AssociationInfo], allowed: tuple[str, ...]
) -> list[AssociationInfo]:
    """The associations an author may pick: all for admins, their own for staff."""
    ordered = sorted(associations, key=lambda a: a.position)
    return [a for a in ordered if not allowed or a.code in allowed]


def _names(associations: list[AssociationInfo], codes: Sequence[str], locale: str) -> str:
    return ", ".join(a.short(locale) for a in associations if a.code in codes)


def _role_names(t: Translator, roles: Sequence[str]) -> str:
    return ", ".join(t(f"role-{role}") for role in ROLES if role in roles)


def _oblast_names(manager: DialogManager, codes: Sequence[str], locale: str) -> str:
    oblasts = _directory(manager).oblasts
    return ", ".join(oblast_name(o, locale) for o in oblasts if o.code in codes)


async def _audience_texts(manager: DialogManager, allowed: tuple[str, ...]) -> dict[str, str]:
    """The current audience in words, filter by filter."""
    t = translator(manager)
    audience = _audience(manager)
    associations = _associations(manager)
    own = _names(_addressable(associations, allowed), allowed, t.locale)
    anyone = t("broadcast-audience-any")
    if audience.associations:
        chosen_associations = _names(associations, audience.associations, t.locale)
    elif allowed:
        chosen_associations = t("broadcast-audience-own", own=own)
    else:
        chosen_associations = anyone
    return {
        "associations": chosen_associations,
        "oblasts": _oblast_names(manager, audience.oblasts, t.locale) or anyone,
        "roles": _role_names(t, audience.roles) or anyone,
        "own": own,
    }


# ---------------------------------------------------------------------------------- getters


async def get_limits(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    attachment = data.get("attachment") or {}
    return {
        "text_limit": TEXT_LIMIT,
        "caption_limit": CAPTION_LIMIT,
        "kinds": DOCUMENT_KINDS,
        "max_mb": ATTACHMENT_MAX_MB,
        "editing": bool(data.get("editing")),
        "has_en": bool(data.get("text_en")),
        "no_en": not data.get("text_en"),
        "returnable": bool(data.get("editing") or data.get("fixing")),
        "has_photo": attachment.get("kind") == "photo",
        "has_document": attachment.get("kind") == "document",
        "has_attachment": bool(attachment),
        "no_attachment": not attachment,
        "name": esc(attachment.get("name") or ""),
    }


async def get_too_long(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    try:
        announcement = await _as_sent(dialog_manager, _announcement(dialog_manager))
    except BroadcastError:
        announcement = _announcement(dialog_manager)
    problems = _too_long(_problems(dialog_manager, announcement))
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


async def get_audience(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    allowed = await _allowed(dialog_manager) or ()
    addressable = _addressable(_associations(dialog_manager), allowed)
    return {
        **await _audience_texts(dialog_manager, allowed),
        "is_admin": not allowed,
        "is_staff": bool(allowed),
        "several": len(addressable) > 1,
        "editing": bool(dialog_manager.dialog_data.get("editing")),
    }


async def get_association_items(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    allowed = await _allowed(dialog_manager) or ()
    addressable = _addressable(_associations(dialog_manager), allowed)
    return {"associations": [(a.code, a.short(locale)) for a in addressable]}


async def get_oblast_items(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    oblasts = _directory(dialog_manager).oblasts
    chosen = dialog_manager.dialog_data.get("oblasts", [])
    return {
        "oblasts": [(str(i), oblast_name(o, t.locale)) for i, o in enumerate(oblasts)],
        "chosen": _oblast_names(dialog_manager, chosen, t.locale) or t("broadcast-audience-any"),
    }


async def get_role_items(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    return {"roles": [(str(i), t(f"role-{role}")) for i, role in enumerate(ROLES)]}


async def get_preview(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    data = dialog_manager.dialog_data
    allowed = await _allowed(dialog_manager) or ()
    texts = await _audience_texts(dialog_manager, allowed)
    attachment = data.get("attachment") or {}
    if attachment.get("kind") == "photo":
        attached = t("broadcast-attachment-photo")
    elif attachment.get("kind") == "document":
        attached = t("broadcast-attachment-document", name=esc(attachment.get("name") or ""))
    else:
        attached = t("broadcast-attachment-nothing")
    count = int(data.get("count") or 0)
    audience = _audience(dialog_manager)
    if audience.associations or audience.oblasts or audience.roles:
        summary = t(
            "broadcast-audience-summary",
            associations=texts["associations"],
            oblasts=texts["oblasts"],
            roles=texts["roles"],
        )
    elif allowed:
        summary = t("broadcast-audience-own-summary", own=texts["own"])
    else:
        summary = t("broadcast-audience-everyone-summary")
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


async def get_edit_items(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    return {"fields": [(step, t(f"broadcast-edit-{step.replace('_', '-')}")) for step in STEPS]}


async def get_created(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {"id": str(data.get("broadcast_id", "")), "count": int(data.get("recipients") or 0)}


# -------------------------------------------------------------------------------- callbacks


async def start_compose(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """The main menu's button (shown to staff; the right is read again here)."""
    if await _allowed(manager) is None:
        await answer(manager, callback, translator(manager)("broadcast-not-allowed"), alert=True)
        return
    await manager.start(BroadcastCompose.text_uk, mode=StartMode.RESET_STACK)


async def on_start(_start_data: Any, manager: DialogManager) -> None:
    # One composition, one announcement: the key makes a repeated confirmation find it.
    manager.dialog_data["request_key"] = secrets.token_hex(16)
    if await _allowed(manager) is None:
        await manager.switch_to(BroadcastCompose.refused)


async def on_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    step = "text_en" if manager.current_context().state == BroadcastCompose.text_en else "text_uk"
    # Formatting stays as Telegram sent it; invisible characters go.
    text = strip_format(message.html_text).strip()
    try:
        require_words(visible_text(text))
    except InvalidInput as error:
        refusal = "broadcast-text-empty" if error.code == "empty" else "input-no-letters"
        await _refuse(message, manager, t(refusal))
        return
    try:
        composed = _announcement(manager)
        if step == "text_en":
            composed = replace(composed, text_en=text)
        else:
            composed = replace(composed, text_uk=text)
        candidate = await _as_sent(manager, composed)
    except BroadcastError:
        await _refuse_rights(manager)
        return
    # The Ukrainian text also goes to English-speaking members when there is no English one.
    concerned = {"en"} if step == "text_en" else {"uk"} | (set() if candidate.text_en else {"en"})
    over = [p for p in _too_long(_problems(manager, candidate)) if p.locale in concerned]
    if over:
        worst = max(over, key=lambda p: p.length or 0)
        message_id = (
            "broadcast-caption-too-long" if candidate.attachment_kind else "broadcast-text-too-long"
        )
        await _refuse(message, manager, t(message_id, length=worst.length, limit=worst.limit))
        return
    manager.dialog_data[step] = text
    if manager.dialog_data.get("fixing"):
        await _after_fix(manager)
        return
    await _after(manager, step)


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await _refuse(message, manager, translator(manager)("broadcast-text-expected"))


async def on_skip_english(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["text_en"] = None
    await _after(manager, "text_en")


async def on_attachment(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    attachment: dict[str, Any]
    if message.photo:
        photo = message.photo[-1]  # the largest size
        attachment = {"kind": "photo", "file_id": photo.file_id, "name": None, "size": None}
    elif message.document:
        document = message.document
        attachment = {
            "kind": "document",
            "file_id": document.file_id,
            "name": document.file_name,
            "size": document.file_size,
        }
    else:
        await on_other_attachment(message, _widget, manager)
        return
    try:
        candidate = await _as_sent(
            manager,
            replace(
                _announcement(manager),
                attachment_kind=attachment["kind"],
                attachment_file_id=attachment["file_id"],
                attachment_name=attachment["name"],
                attachment_size=attachment["size"],
            ),
        )
    except BroadcastError:
        await _refuse_rights(manager)
        return
    problems = _problems(manager, candidate)
    if any(p.code in BAD_ATTACHMENT for p in problems):
        name = esc(attachment["name"] or "")
        text = t(
            "broadcast-attachment-bad-document",
            name=name,
            kinds=DOCUMENT_KINDS,
            max_mb=ATTACHMENT_MAX_MB,
        )
        await _refuse(message, manager, text)
        return
    manager.dialog_data["attachment"] = attachment
    if _too_long(problems):
        # The text fit a message but not a caption: shorten it or go without the file.
        manager.dialog_data["resume"] = (
            "preview" if manager.dialog_data.get("editing") else "audience"
        )
        manager.dialog_data["editing"] = False
        await manager.switch_to(BroadcastCompose.too_long)
        return
    await _after(manager, "attachment")


async def on_other_attachment(
    message: Message, _widget: MessageInput, manager: DialogManager
) -> None:
    text = translator(manager)(
        "broadcast-attachment-refused", kinds=DOCUMENT_KINDS, max_mb=ATTACHMENT_MAX_MB
    )
    await _refuse(message, manager, text)


async def on_no_attachment(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["attachment"] = None
    await _after(manager, "attachment")


async def on_keep_attachment(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await _after(manager, "attachment")


async def on_shorten(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["fixing"] = True
    step = "text_en" if button.widget_id == "shorten_en" else "text_uk"
    await manager.switch_to(getattr(BroadcastCompose, step))


async def on_drop_attachment(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["attachment"] = None
    await _after_fix(manager)


async def on_everyone(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    """No filter at all: every verified member (staff: of the associations they serve); the
    audience is chosen, so on to the next step."""
    for key, widget_id in (
        ("associations", ASSOCIATIONS_SELECT),
        ("oblasts", OBLASTS_SELECT),
        ("roles", ROLES_SELECT),
    ):
        manager.dialog_data[key] = []
        _set_ticks(manager, widget_id, [])
    await _after(manager, "audience")


async def on_associations_changed(
    _event: Any, widget: Any, manager: DialogManager, _item_id: str
) -> None:
    allowed = await _allowed(manager) or ()
    ticked = set(widget.get_checked())
    addressable = _addressable(_associations(manager), allowed)
    manager.dialog_data["associations"] = [a.code for a in addressable if a.code in ticked]


async def on_oblasts_changed(
    _event: Any, widget: Any, manager: DialogManager, _item_id: str
) -> None:
    ticked = set(widget.get_checked())
    oblasts = _directory(manager).oblasts
    manager.dialog_data["oblasts"] = [o.code for i, o in enumerate(oblasts) if str(i) in ticked]


async def on_roles_changed(_event: Any, widget: Any, manager: DialogManager, _item_id: str) -> None:
    ticked = set(widget.get_checked())
    manager.dialog_data["roles"] = [r for i, r in enumerate(ROLES) if str(i) in ticked]


async def on_clear(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    key, widget_id = {
        "clear_associations": ("associations", ASSOCIATIONS_SELECT),
        "clear_oblasts": ("oblasts", OBLASTS_SELECT),
        "clear_roles": ("roles", ROLES_SELECT),
    }[button.widget_id or ""]
    manager.dialog_data[key] = []
    _set_ticks(manager, widget_id, [])


async def on_audience_chosen(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await _after(manager, "audience")


async def on_urgent(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["urgent"] = button.widget_id == "urgent_yes"
    await _after(manager, "urgent")


async def on_edit(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    if item_id not in STEPS:
        await stale_button(manager, callback)  # a forged button
        return
    manager.dialog_data["editing"] = True
    await manager.switch_to(getattr(BroadcastCompose, item_id))


async def on_back(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Back one step; from a step opened to edit or to shorten, back to where that began."""
    if manager.dialog_data.get("editing"):
        await _to_preview(manager)
        return
    if manager.dialog_data.get("fixing"):
        await manager.switch_to(BroadcastCompose.too_long)
        return
    current = (button.widget_id or "").removeprefix("back_")
    index = STEPS.index(current) if current in STEPS else 1
    await manager.switch_to(getattr(BroadcastCompose, STEPS[max(index - 1, 0)]))


async def on_back_to_preview(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await _to_preview(manager)


async def on_confirm(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    data = manager.dialog_data
    if data.get("broadcast_id"):
        # A second press (a slow connection): the announcement was created once already.
        await manager.switch_to(BroadcastCompose.done)
        return
    t = translator(manager)
    broadcasts = _broadcasts(manager)
    member: MemberProfile | None = manager.middleware_data.get("member")
    author = (member.full_name if member else None) or callback.from_user.full_name
    chat_id: int = manager.middleware_data["event_chat"].id
    try:
        created = await broadcasts.create(
            user_id(manager),
            author,
            _announcement(manager),
            progress_chat_id=chat_id,
            progress_locale=t.locale,
            request_key=data.get("request_key"),
        )
    except BroadcastError as error:
        logger.info("broadcast refused for %s: %s", user_id(manager), error.code)
        if error.code == "not-allowed":
            await answer(manager, callback, t("broadcast-not-allowed"), alert=True)
            await _refuse_rights(manager)
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
        await _post_progress(manager, created.broadcast_id, chat_id)
    await manager.switch_to(BroadcastCompose.done)


async def _post_progress(manager: DialogManager, broadcast_id: int, chat_id: int) -> None:
    """The progress message with its buttons; the broadcast goes out either way."""
    from delivery.progress import post_progress_message

    try:
        await post_progress_message(
            manager.middleware_data["bot"],
            _broadcasts(manager),
            _translations(manager),
            broadcast_id,
            chat_id,
            translator(manager).locale,
        )
    except Exception:
        logger.exception("broadcast %s: progress message not posted", broadcast_id)


async def on_cancel(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await answer(manager, callback, translator(manager)("broadcast-cancelled"))
    await open_menu(callback, button, manager)


async def broadcast_command(
    message: Message,
    dialog_manager: DialogManager,
    broadcasts: BroadcastService,
    i18n: Translator,
) -> None:
    assert message.from_user is not None
    if await broadcasts.allowed_associations(message.from_user.id) is None:
        await message.answer(i18n("broadcast-not-allowed"))
        return
    await dialog_manager.start(BroadcastCompose.text_uk, mode=StartMode.RESET_STACK)


def create_broadcast_router() -> Router:
    """`/broadcast` in private chat; included before the command router, which would take it
    for an unknown command."""
    router = Router(name="broadcast")
    router.message.filter(F.chat.type == "private")
    router.message.register(broadcast_command, Command("broadcast"))
    return router


# --------------------------------------------------------------------------------- windows

CANCEL = Button(Tr("broadcast-cancel"), id="cancel", on_click=on_cancel)
TEXT_INPUT = MessageInput(on_text, content_types=ContentType.TEXT)
NOT_TEXT = MessageInput(on_not_text, content_types=ContentType.ANY)


def _back(step: str) -> Button:
    return Button(Tr("broadcast-back"), id=f"back_{step}", on_click=on_back)


def _multiselect(widget_id: str, items: str, on_changed: Any) -> Multiselect[Any]:
    return Multiselect(
        Format("✅ {item[1]}"),
        Format("▫️ {item[1]}"),
        id=widget_id,
        item_id_getter=operator.itemgetter(0),
        items=items,
        on_state_changed=on_changed,
    )


refused_window = Window(
    Tr("broadcast-not-allowed"),
    MENU_BUTTON,
    USE_BUTTONS,
    state=BroadcastCompose.refused,
)

text_uk_window = Window(
    Tr("broadcast-text-uk-prompt"),
    Row(
        Button(Tr("broadcast-back"), id="back_text_uk", on_click=on_back, when="returnable"), CANCEL
    ),
    TEXT_INPUT,
    NOT_TEXT,
    state=BroadcastCompose.text_uk,
    getter=get_limits,
)

text_en_window = Window(
    Tr("broadcast-text-en-prompt"),
    Button(Tr("broadcast-skip"), id="en_skip", on_click=on_skip_english, when="no_en"),
    Button(Tr("broadcast-text-en-remove"), id="en_remove", on_click=on_skip_english, when="has_en"),
    Row(_back("text_en"), CANCEL),
    TEXT_INPUT,
    NOT_TEXT,
    state=BroadcastCompose.text_en,
    getter=get_limits,
)

attachment_window = Window(
    Tr("broadcast-attachment-prompt"),
    Tr("broadcast-attachment-current-photo", when="has_photo"),
    Tr("broadcast-attachment-current-document", when="has_document"),
    Button(
        Tr("broadcast-next"),
        id="attachment_keep",
        on_click=on_keep_attachment,
        when="has_attachment",
    ),
    Button(
        Tr("broadcast-attachment-remove"),
        id="attachment_remove",
        on_click=on_no_attachment,
        when="has_attachment",
    ),
    Button(
        Tr("broadcast-attachment-none"),
        id="attachment_none",
        on_click=on_no_attachment,
        when="no_attachment",
    ),
    Row(_back("attachment"), CANCEL),
    MessageInput(on_attachment, content_types=[ContentType.PHOTO, ContentType.DOCUMENT]),
    MessageInput(on_other_attachment, content_types=ContentType.ANY),
    state=BroadcastCompose.attachment,
    getter=get_limits,
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

audience_window = Window(
    Tr("broadcast-audience-prompt"),
    Tr("broadcast-audience-staff-note", when="is_staff"),
    Button(Tr("broadcast-audience-everyone"), id="everyone", on_click=on_everyone, when="is_admin"),
    Button(
        Tr("broadcast-audience-everyone-own"),
        id="everyone_own",
        on_click=on_everyone,
        when="is_staff",
    ),
    Group(
        SwitchTo(
            Tr("broadcast-audience-associations"),
            id="to_associations",
            state=BroadcastCompose.associations,
            when="several",
        ),
        SwitchTo(Tr("broadcast-audience-oblasts"), id="to_oblasts", state=BroadcastCompose.oblasts),
        SwitchTo(Tr("broadcast-audience-roles"), id="to_roles", state=BroadcastCompose.roles),
        width=3,
    ),
    Button(Tr("broadcast-next"), id="audience_done", on_click=on_audience_chosen),
    Row(_back("audience"), CANCEL),
    USE_BUTTONS,
    state=BroadcastCompose.audience,
    getter=get_audience,
)


def _back_to_audience() -> SwitchTo:
    return SwitchTo(Tr("broadcast-choose-done"), id="chosen", state=BroadcastCompose.audience)


associations_window = Window(
    Tr("broadcast-associations-prompt"),
    Column(_multiselect(ASSOCIATIONS_SELECT, "associations", on_associations_changed)),
    Button(Tr("broadcast-clear"), id="clear_associations", on_click=on_clear),
    _back_to_audience(),
    USE_BUTTONS,
    state=BroadcastCompose.associations,
    getter=get_association_items,
)

oblasts_window = Window(
    Tr("broadcast-oblasts-prompt"),
    ScrollingGroup(
        _multiselect(OBLASTS_SELECT, "oblasts", on_oblasts_changed),
        id="oblast_pages",
        width=2,
        height=6,
    ),
    Button(Tr("broadcast-clear"), id="clear_oblasts", on_click=on_clear),
    _back_to_audience(),
    USE_BUTTONS,
    state=BroadcastCompose.oblasts,
    getter=get_oblast_items,
)

roles_window = Window(
    Tr("broadcast-roles-prompt"),
    Column(_multiselect(ROLES_SELECT, "roles", on_roles_changed)),
    Button(Tr("broadcast-clear"), id="clear_roles", on_click=on_clear),
    _back_to_audience(),
    USE_BUTTONS,
    state=BroadcastCompose.roles,
    getter=get_role_items,
)

urgent_window = Window(
    Tr("broadcast-urgent-prompt"),
    Row(
        Button(Tr("broadcast-urgent-yes"), id="urgent_yes", on_click=on_urgent),
        Button(Tr("broadcast-urgent-no"), id="urgent_no", on_click=on_urgent),
    ),
    Row(_back("urgent"), CANCEL),
    USE_BUTTONS,
    state=BroadcastCompose.urgent,
)

preview_window = Window(
    Multi(
        Tr("broadcast-preview"),
        Tr("broadcast-preview-ready", when="has_recipients"),
        Tr("broadcast-preview-empty", when="nobody"),
        sep="\n\n",
    ),
    Button(Tr("broadcast-confirm"), id="confirm", on_click=on_confirm, when="has_recipients"),
    Row(
        SwitchTo(Tr("broadcast-edit"), id="to_edit", state=BroadcastCompose.edit),
        CANCEL,
    ),
    USE_BUTTONS,
    state=BroadcastCompose.preview,
    getter=get_preview,
)

edit_window = Window(
    Tr("broadcast-edit-prompt"),
    Group(
        Select(
            Format("✏️ {item[1]}"),
            id=EDIT_SELECT,
            item_id_getter=operator.itemgetter(0),
            items="fields",
            on_click=on_edit,
        ),
        width=2,
    ),
    Button(Tr("broadcast-back-preview"), id="back_preview", on_click=on_back_to_preview),
    CANCEL,
    USE_BUTTONS,
    state=BroadcastCompose.edit,
    getter=get_edit_items,
)

done_window = Window(
    Tr("broadcast-created"),
    MENU_BUTTON,
    USE_BUTTONS,
    state=BroadcastCompose.done,
    getter=get_created,
)


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
