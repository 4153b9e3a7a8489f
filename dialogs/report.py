"""Reporting an urgent issue: category, urgency, title, description, files, who is affected,
a DREAM project id; then similar open reports to join instead, a preview with edits and
submission (`dialogs/report_review.py`).

Every answer is saved as the member's draft, so a report left midway (a /cancel, the menu, a
restart) can be continued or discarded the next time the dialog starts.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Column, Row
from aiogram_dialog.widgets.kbd.select import OnItemClick

from bot.services.members import InvalidInput, MemberProfile
from bot.services.report_rules import Category, ReportRules, Urgency
from bot.services.reports import (
    AFFECTED_GROUPS,
    ATTACHMENTS_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    AttachmentIn,
    clean_description,
    clean_dream_id,
    clean_residents,
    clean_title,
)
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    esc,
    indexed_select,
    pressed_item,
    refuse_input,
    reports_of,
    translator,
    user_id,
)
from dialogs.report_review import (
    CANCEL,
    RESUMABLE,
    STEPS,
    form_of,
    joined_window,
    preview_window,
    save_draft,
    similar_window,
    submitted_window,
    to_preview,
    to_similar,
)
from dialogs.report_texts import (
    REFUSED_KINDS,
    URGENCY_MARKS,
    invalid_text,
    member_time,
    within,
)
from dialogs.states import ReportForm
from dialogs.widgets import menu_window, set_ticks, ticked_select

CATEGORY_SELECT = "category"
URGENCY_SELECT = "urgency"
GROUPS_SELECT = "groups"
FILE_NAME_MAX = 255  # as stored


def _rules(manager: DialogManager) -> ReportRules:
    return reports_of(manager).rules


async def _go(manager: DialogManager, step: str) -> None:
    """After an answer: save the draft and show the next step (the preview when editing)."""
    if manager.dialog_data.get("editing"):
        await to_preview(manager)
        return
    await save_draft(manager, step)
    await manager.switch_to(getattr(ReportForm, step))


# ------------------------------------------------------------------------------------------ getters


async def get_categories(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    categories = _rules(dialog_manager).categories
    return {"categories": [(str(i), c.name(locale)) for i, c in enumerate(categories)]}


async def get_urgencies(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    urgencies = _rules(dialog_manager).urgencies
    lines = [
        t(
            "report-form-urgency-line",
            mark=URGENCY_MARKS[min(u.rank, len(URGENCY_MARKS) - 1)],
            name=u.name(t.locale),
            meaning=u.description(t.locale),
            within=within(t, u),
        )
        for u in urgencies
    ]
    buttons = [
        (
            str(i),
            t(
                "report-form-urgency-button",
                mark=URGENCY_MARKS[min(u.rank, len(URGENCY_MARKS) - 1)],
                name=u.name(t.locale),
                within=within(t, u),
            ),
        )
        for i, u in enumerate(urgencies)
    ]
    return {"urgency_lines": "\n\n".join(lines), "urgencies": buttons}


async def get_step(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    form = form_of(dialog_manager)
    count = len(form.get("attachments", []))
    return {
        "title_limit": TITLE_MAX,
        "description_limit": DESCRIPTION_MAX,
        "files_limit": ATTACHMENTS_MAX,
        "files": count,
        "no_files": count == 0,
        "has_files": count > 0,
        "editing": bool(dialog_manager.dialog_data.get("editing")),
        "not_editing": not dialog_manager.dialog_data.get("editing"),
    }


async def get_groups(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    return {"groups": [(code, t(f"report-form-group-{code}")) for code in AFFECTED_GROUPS]}


async def get_resume(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    draft = dialog_manager.dialog_data.get("draft", {})
    form = draft.get("form", {})
    category = _rules(dialog_manager).category(form.get("category", ""))
    return {
        "draft_title": esc(form.get("title")) or t("report-form-untitled"),
        "draft_category": category.name(t.locale) if category else "—",
        "saved_at": dialog_manager.dialog_data.get("draft_saved_at", ""),
    }


# ---------------------------------------------------------------------------------------- callbacks


async def on_start(_start_data: Any, manager: DialogManager) -> None:
    # One form, one report (or one co-signature): saved with the dialog state before the
    # preview is shown, so the same press handled again finds what the first one filed.
    manager.dialog_data["submit_key"] = secrets.token_hex(16)
    manager.dialog_data["join_key"] = secrets.token_hex(16)
    member: MemberProfile | None = manager.middleware_data.get("member")
    if member is None or not member.registered:
        await manager.switch_to(ReportForm.unregistered)
        return
    if member.verification == "rejected":
        # The menu does not offer reports to them; an old or forged button lands here.
        await manager.switch_to(ReportForm.refused)
        return
    draft = await reports_of(manager).draft(user_id(manager))
    if draft is not None and isinstance(draft.data.get("form"), dict) and draft.data["form"]:
        manager.dialog_data["draft"] = draft.data
        manager.dialog_data["draft_saved_at"] = member_time(
            draft.updated_at, reports_of(manager).timezone
        )
        await manager.switch_to(ReportForm.resume)


async def on_continue_draft(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    draft = manager.dialog_data.pop("draft", {})
    manager.dialog_data["form"] = dict(draft.get("form", {}))
    set_ticks(manager, GROUPS_SELECT, form_of(manager).get("groups", []))
    step = draft.get("step")
    if step == "preview":
        await manager.switch_to(ReportForm.preview)
    elif step in RESUMABLE:
        await manager.switch_to(getattr(ReportForm, step))
    else:
        await manager.switch_to(ReportForm.category)


async def on_discard_draft(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await reports_of(manager).discard_draft(user_id(manager))
    manager.dialog_data.pop("draft", None)
    manager.dialog_data["form"] = {}
    set_ticks(manager, GROUPS_SELECT, [])
    await manager.switch_to(ReportForm.category)


def _rule_choice(
    field: str, choices: Callable[[ReportRules], Sequence[Category | Urgency]], next_step: str
) -> OnItemClick[Any, str]:
    """The handler of a step answered by a button among the rules' choices: the choice's code
    kept in the form under `field`, then on to `next_step`."""

    async def on_choice(
        callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
    ) -> None:
        choice = await pressed_item(manager, callback, item_id, choices(_rules(manager)))
        if choice is None:
            return
        form_of(manager)[field] = choice.code
        await _go(manager, next_step)

    return on_choice


on_category = _rule_choice("category", lambda rules: rules.categories, "urgency")
on_urgency = _rule_choice("urgency", lambda rules: rules.urgencies, "title")


def _typed_answer(
    field: str, clean: Callable[[str], Any], next_step: str
) -> Callable[[Message, MessageInput, DialogManager], Awaitable[None]]:
    """The handler of a typed step: the answer cleaned (or refused, the step asked again), kept
    in the form under `field`, then on to `next_step`."""

    async def on_answer(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
        try:
            value = clean(message.text or "")
        except InvalidInput as error:
            await refuse_input(message, manager, invalid_text(translator(manager), field, error))
            return
        form_of(manager)[field] = value
        await _go(manager, next_step)

    return on_answer


on_title = _typed_answer("title", clean_title, "description")
on_description = _typed_answer("description", clean_description, "attachments")
on_residents = _typed_answer("residents", clean_residents, "groups")


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await refuse_input(message, manager, translator(manager)("report-form-text-only"))


async def on_file(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    files: list[dict[str, Any]] = form_of(manager).setdefault("attachments", [])
    if message.photo:
        photo = message.photo[-1]  # the largest size
        attachment = AttachmentIn("photo", photo.file_id, photo.file_unique_id)
    elif message.document:
        document = message.document
        attachment = AttachmentIn(
            "document",
            document.file_id,
            document.file_unique_id,
            document.file_name[:FILE_NAME_MAX] if document.file_name else None,
        )
    else:  # pragma: no cover - the input accepts photos and documents only
        return
    if any(f["file_unique_id"] == attachment.file_unique_id for f in files):
        manager.show_mode = ShowMode.NO_UPDATE  # the same file twice: once is enough
        return
    if len(files) >= ATTACHMENTS_MAX:
        await refuse_input(message, manager, t("report-form-files-full", limit=ATTACHMENTS_MAX))
        return
    files.append(
        {
            "kind": attachment.kind,
            "file_id": attachment.file_id,
            "file_unique_id": attachment.file_unique_id,
            "file_name": attachment.file_name,
        }
    )
    await save_draft(manager, "attachments")
    # Below the file, and only once: an album of ten photos leaves one window, not ten.
    manager.show_mode = ShowMode.DELETE_AND_SEND


async def on_other_file(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    message_id = REFUSED_KINDS.get(message.content_type, "report-form-file-other")
    await refuse_input(message, manager, translator(manager)(message_id))


async def on_files_done(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _go(manager, "residents")


async def on_files_clear(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    form_of(manager)["attachments"] = []
    await save_draft(manager, "attachments")


async def on_residents_skip(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    form_of(manager)["residents"] = None
    await _go(manager, "groups")


async def on_groups_changed(
    _event: Any, widget: Any, manager: DialogManager, _item_id: str
) -> None:
    checked = set(widget.get_checked())
    form_of(manager)["groups"] = [code for code in AFFECTED_GROUPS if code in checked]
    await save_draft(manager, "groups")


async def on_groups_done(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _go(manager, "dream")


async def on_dream(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    try:
        dream_id = clean_dream_id(message.text or "")
    except InvalidInput:
        await refuse_input(message, manager, t("report-form-dream-invalid"))
        return
    form_of(manager)["dream_id"] = dream_id
    await _after_dream(manager)


async def on_dream_skip(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    form_of(manager)["dream_id"] = None
    await _after_dream(manager)


async def _after_dream(manager: DialogManager) -> None:
    if manager.dialog_data.get("editing"):
        await to_preview(manager)
    else:
        await to_similar(manager)


async def on_back(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Back one step; from a field opened in the preview, back to the preview."""
    if manager.dialog_data.get("editing"):
        await to_preview(manager)
        return
    current = (button.widget_id or "").removeprefix("back_")
    order = (*STEPS, "dream")
    index = order.index(current) if current in order else 0
    await manager.switch_to(getattr(ReportForm, order[max(index - 1, 0)]))


# ------------------------------------------------------------------------------------------ windows


TEXT_ONLY = MessageInput(on_not_text, content_types=ContentType.ANY)


def _back(step: str) -> Button:
    return Button(Tr("report-form-back"), id=f"back_{step}", on_click=on_back)


unregistered_window = menu_window(Tr("report-form-register-first"), state=ReportForm.unregistered)
refused_window = menu_window(Tr("filing-report-rejected"), state=ReportForm.refused)
resume_window = menu_window(
    Tr("report-form-resume"),
    Button(Tr("report-form-resume-continue"), id="continue", on_click=on_continue_draft),
    Button(Tr("report-form-resume-discard"), id="discard", on_click=on_discard_draft),
    state=ReportForm.resume,
    getter=get_resume,
)


def _typed_step(step: str, on_text: Any, *buttons: Any, getter: Any = None) -> Window:
    """A step answered by typing: its prompt, its own buttons, back and cancel."""
    return Window(
        Tr(f"report-form-{step}-prompt"),
        *buttons,
        Row(_back(step), CANCEL),
        MessageInput(on_text, content_types=ContentType.TEXT),
        TEXT_ONLY,
        state=getattr(ReportForm, step),
        getter=getter,
    )


category_window = Window(
    Tr("report-form-category-prompt"),
    Column(indexed_select(CATEGORY_SELECT, "categories", on_category)),
    Button(Tr("report-form-back-preview"), id="back_category", on_click=on_back, when="editing"),
    CANCEL,
    USE_BUTTONS,
    state=ReportForm.category,
    getter=[get_categories, get_step],
)


urgency_window = Window(
    Tr("report-form-urgency-prompt"),
    Column(indexed_select(URGENCY_SELECT, "urgencies", on_urgency)),
    Row(_back("urgency"), CANCEL),
    USE_BUTTONS,
    state=ReportForm.urgency,
    getter=get_urgencies,
)


title_window = _typed_step("title", on_title, getter=get_step)
description_window = _typed_step("description", on_description, getter=get_step)
attachments_window = Window(
    Tr("report-form-files-prompt"),
    Tr("report-form-files-count", when="has_files"),
    Button(Tr("report-form-files-done"), id="files_done", on_click=on_files_done, when="has_files"),
    Button(Tr("report-form-skip"), id="files_skip", on_click=on_files_done, when="no_files"),
    Button(
        Tr("report-form-files-clear"), id="files_clear", on_click=on_files_clear, when="has_files"
    ),
    Row(_back("attachments"), CANCEL),
    MessageInput(on_file, content_types=[ContentType.PHOTO, ContentType.DOCUMENT]),
    MessageInput(on_other_file, content_types=ContentType.ANY),
    state=ReportForm.attachments,
    getter=get_step,
)


residents_window = _typed_step(
    "residents",
    on_residents,
    Button(Tr("report-form-skip"), id="residents_skip", on_click=on_residents_skip),
)
groups_window = Window(
    Tr("report-form-groups-prompt"),
    Column(ticked_select(GROUPS_SELECT, "groups", on_groups_changed)),
    Button(Tr("report-form-groups-done"), id="groups_done", on_click=on_groups_done),
    Row(_back("groups"), CANCEL),
    USE_BUTTONS,
    state=ReportForm.groups,
    getter=get_groups,
)


dream_window = _typed_step(
    "dream", on_dream, Button(Tr("report-form-skip"), id="dream_skip", on_click=on_dream_skip)
)


def report_dialog() -> Dialog:
    return Dialog(
        category_window,
        resume_window,
        unregistered_window,
        refused_window,
        urgency_window,
        title_window,
        description_window,
        attachments_window,
        residents_window,
        groups_window,
        dream_window,
        similar_window,
        joined_window,
        preview_window,
        submitted_window,
        on_start=on_start,
    )
