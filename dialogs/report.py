"""Reporting an urgent issue: category, urgency, title, description, files, who is affected,
a DREAM project id, similar open reports to join instead, a preview with edits, submission.

Every answer is saved as the member's draft, so a report left midway (a /cancel, the menu, a
restart) can be continued or discarded the next time the dialog starts.
"""

from __future__ import annotations

import logging
import operator
import secrets
from datetime import UTC, datetime
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Column, Group, Multiselect, Row, Select, Start
from aiogram_dialog.widgets.text import Format, Multi

from bot.i18n import Translations, Translator
from bot.services.filing_limits import FilingRefused, MemberRejected
from bot.services.members import InvalidInput, MemberProfile
from bot.services.message_limits import visible_length
from bot.services.report_rules import ReportRules, Urgency
from bot.services.reports import (
    AFFECTED_GROUPS,
    ATTACHMENTS_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    AttachmentIn,
    ReportClosed,
    ReportService,
    UnknownReport,
    clean_description,
    clean_dream_id,
    clean_residents,
    clean_title,
)
from bot.services.reports import ReportForm as FormData
from bot.services.text_input import parse_int
from dialogs.common import (
    MENU_BUTTON,
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    esc,
    item_number,
    open_menu,
    stale_button,
    translator,
    user_id,
)
from dialogs.filing_texts import refusal_text
from dialogs.presenters import member_hromada
from dialogs.states import MyReports, ReportForm

logger = logging.getLogger(__name__)

CATEGORY_SELECT = "category"
URGENCY_SELECT = "urgency"
GROUPS_SELECT = "groups"
SIMILAR_SELECT = "similar"
EDIT_SELECT = "edit"
FILE_NAME_SHOWN = 60
FILE_NAME_MAX = 255  # as stored
# Telegram's limit is 4,096 characters; the rest is for the unverified note under the preview.
PREVIEW_MAX = 3800
URGENCY_MARKS = ("🔴", "🟠", "🟢")  # by rank, the most urgent first
# Steps in order; a draft remembers the next one to answer.
STEPS = ("category", "urgency", "title", "description", "attachments", "residents", "groups")
RESUMABLE = (*STEPS, "dream", "preview")
# Fields the preview can edit, each answered in the window of the same name.
EDITABLE = (*STEPS, "dream")
# Telegram content types that are not files a report can carry, each with its explanation.
REFUSED_KINDS: dict[str, str] = {
    ContentType.VOICE: "report-form-file-voice",
    ContentType.AUDIO: "report-form-file-voice",
    ContentType.VIDEO_NOTE: "report-form-file-video",
    ContentType.VIDEO: "report-form-file-video",
    ContentType.ANIMATION: "report-form-file-video",
    ContentType.STICKER: "report-form-file-sticker",
    ContentType.TEXT: "report-form-file-text",
}


def _reports(manager: DialogManager) -> ReportService:
    return manager.middleware_data["reports"]  # type: ignore[no-any-return]


def _rules(manager: DialogManager) -> ReportRules:
    return _reports(manager).rules


def _form(manager: DialogManager) -> dict[str, Any]:
    form: dict[str, Any] = manager.dialog_data.setdefault("form", {})
    return form


def within(t: Translator, urgency: Urgency) -> str:
    """The response deadline in words: `48 годин`, `7 днів`."""
    if urgency.hours % 24 == 0 and urgency.hours > 48:
        return t("report-form-within-days", days=urgency.hours // 24)
    return t("report-form-within-hours", hours=urgency.hours)


def local_time(moment: datetime, manager: DialogManager) -> str:
    """A moment as the member reads it: Kyiv time, `05.12.2026 14:30`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_reports(manager).timezone).strftime("%d.%m.%Y %H:%M")


def spoken_reference(reference: str) -> str:
    """`R-2026-00042` as said over the phone: `R 2026 42`."""
    parts = reference.split("-")
    number = parse_int(parts[2], 9_999_999) if len(parts) == 3 else None
    return reference if number is None else f"{parts[0]} {parts[1]} {number}"


def group_names(t: Translator, groups: list[str]) -> str:
    return ", ".join(t(f"report-form-group-{code}") for code in groups if code in AFFECTED_GROUPS)


def _residents_text(residents: int | None) -> str:
    return "" if residents is None else f"{residents:,}".replace(",", "\u00a0")


def _file_label(t: Translator, attachment: dict[str, Any], number: int) -> str:
    name = attachment.get("file_name") or ""
    if len(name) > FILE_NAME_SHOWN:
        name = name[: FILE_NAME_SHOWN - 1] + "…"
    if attachment.get("kind") == "photo" or not name:
        return t("report-form-file-photo-label", number=str(number))
    return t("report-form-file-document-label", number=str(number), name=esc(name))


async def _save(manager: DialogManager, step: str) -> None:
    """Keep the answers so far as the member's draft, to continue at `step`."""
    await _reports(manager).save_draft(user_id(manager), {"form": _form(manager), "step": step})


async def _go(manager: DialogManager, step: str) -> None:
    """After an answer: save the draft and show the next step (the preview when editing)."""
    if manager.dialog_data.get("editing"):
        await _to_preview(manager)
        return
    await _save(manager, step)
    await manager.switch_to(getattr(ReportForm, step))


async def _to_preview(manager: DialogManager) -> None:
    manager.dialog_data["editing"] = False
    await _save(manager, "preview")
    await manager.switch_to(ReportForm.preview)


async def _to_similar(manager: DialogManager) -> None:
    """Similar open reports when there are any, else straight to the preview."""
    form = _form(manager)
    query = f"{form.get('title', '')}\n{form.get('description', '')}"
    found = await _reports(manager).similar_open(query, limit=3, exclude_member=user_id(manager))
    manager.dialog_data["similar"] = [
        {"id": s.id, "reference": s.reference, "title": s.title, "hromadas": s.hromada_count}
        for s in found
    ]
    if not found:
        await _to_preview(manager)
        return
    await _save(manager, "preview")
    await manager.switch_to(ReportForm.similar)


def _set_groups(manager: DialogManager, groups: list[str]) -> None:
    # The multiselect keeps its ticks in the widget data of this dialog's context.
    manager.current_context().widget_data[GROUPS_SELECT] = list(groups)


async def _refuse(message: Message, manager: DialogManager, text: str) -> None:
    """Say what is wrong and leave the window as it is: the answer is asked again."""
    await message.answer(text)
    manager.show_mode = ShowMode.NO_UPDATE


def _invalid_text(t: Translator, field: str, error: InvalidInput) -> str:
    if error.code == "no-letters":
        return t("input-no-letters")
    return t(f"report-form-{field}-{error.code}", **error.limits)


# ---------------------------------------------------------------------------------- getters


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
    form = _form(dialog_manager)
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


async def get_similar(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    found = dialog_manager.dialog_data.get("similar", [])
    lines = [
        t(
            "report-form-similar-line",
            reference=item["reference"],
            title=esc(item["title"]),
            hromadas=item["hromadas"],
        )
        for item in found
    ]
    buttons = [
        (str(i), t("report-form-similar-join", reference=item["reference"]))
        for i, item in enumerate(found)
    ]
    return {"similar_lines": "\n\n".join(lines), "similar": buttons}


async def preview_text(manager: DialogManager) -> str:
    """The report as staff will see it: every field, the member's hromada, the files."""
    t = translator(manager)
    rules = _rules(manager)
    form = _form(manager)
    category = rules.category(form.get("category", ""))
    urgency = rules.urgency(form.get("urgency", ""))
    member: MemberProfile | None = manager.middleware_data.get("member")
    hromada = await member_hromada(t, manager.middleware_data["hromadas"], member) if member else ""
    files = form.get("attachments", [])
    none = t("report-form-preview-none")

    head = t(
        "report-form-preview-head",
        category=category.name(t.locale) if category else none,
        urgency=urgency.name(t.locale) if urgency else none,
        within=within(t, urgency) if urgency else none,
        title=esc(form.get("title")) or none,
        hromada=hromada or none,
        name=esc(member.full_name if member else "") or none,
    )
    details = t(
        "report-form-preview-details",
        files="".join("\n" + _file_label(t, a, i) for i, a in enumerate(files, 1)) or f" {none}",
        residents=_residents_text(form.get("residents")) or none,
        groups=group_names(t, form.get("groups", [])) or none,
        dream_id=esc(form.get("dream_id")) or none,
    )
    hint = t("report-form-preview-hint")
    # The description goes around Fluent, which refuses values over 1,000 characters.
    description = form.get("description") or ""
    text = "\n\n".join((head, esc(description) or none, details, hint))
    excess = visible_length(text) - PREVIEW_MAX
    if excess > 0:
        # A full description with ten long file names would not fit in one message: the
        # preview shortens the description (the report keeps all of it) and says so.
        shortened = description[: max(len(description) - excess - 2, 0)].rstrip() + "…"
        body = esc(shortened) + "\n" + t("report-form-preview-shortened")
        text = "\n\n".join((head, body, details, hint))
    return text


async def get_preview(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    member: MemberProfile | None = dialog_manager.middleware_data.get("member")
    return {
        "preview": await preview_text(dialog_manager),
        "unverified": member is not None and member.verification != "verified",
        "fields": [(field, t(f"report-form-edit-{field}")) for field in EDITABLE],
    }


async def get_result(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {
        "reference": data.get("reference", ""),
        "spoken": spoken_reference(data.get("reference", "")),
        "deadline": data.get("deadline", ""),
        "within": data.get("within", ""),
        "joined_title": esc(data.get("joined_title", "")),
    }


# -------------------------------------------------------------------------------- callbacks


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
    draft = await _reports(manager).draft(user_id(manager))
    if draft is not None and isinstance(draft.data.get("form"), dict) and draft.data["form"]:
        manager.dialog_data["draft"] = draft.data
        manager.dialog_data["draft_saved_at"] = local_time(draft.updated_at, manager)
        await manager.switch_to(ReportForm.resume)


async def on_continue_draft(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    draft = manager.dialog_data.pop("draft", {})
    manager.dialog_data["form"] = dict(draft.get("form", {}))
    _set_groups(manager, _form(manager).get("groups", []))
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
    await _reports(manager).discard_draft(user_id(manager))
    manager.dialog_data.pop("draft", None)
    manager.dialog_data["form"] = {}
    _set_groups(manager, [])
    await manager.switch_to(ReportForm.category)


async def on_category(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    categories = _rules(manager).categories
    if not 0 <= item_number(item_id) < len(categories):
        await stale_button(manager, callback)  # a forged or outdated button
        return
    _form(manager)["category"] = categories[item_number(item_id)].code
    await _go(manager, "urgency")


async def on_urgency(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    urgencies = _rules(manager).urgencies
    if not 0 <= item_number(item_id) < len(urgencies):
        await stale_button(manager, callback)
        return
    _form(manager)["urgency"] = urgencies[item_number(item_id)].code
    await _go(manager, "title")


async def on_title(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    try:
        title = clean_title(message.text or "")
    except InvalidInput as error:
        await _refuse(message, manager, _invalid_text(t, "title", error))
        return
    _form(manager)["title"] = title
    await _go(manager, "description")


async def on_description(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    try:
        description = clean_description(message.text or "")
    except InvalidInput as error:
        await _refuse(message, manager, _invalid_text(t, "description", error))
        return
    _form(manager)["description"] = description
    await _go(manager, "attachments")


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await _refuse(message, manager, translator(manager)("report-form-text-only"))


async def on_file(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    files: list[dict[str, Any]] = _form(manager).setdefault("attachments", [])
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
        await _refuse(message, manager, t("report-form-files-full", limit=ATTACHMENTS_MAX))
        return
    files.append(
        {
            "kind": attachment.kind,
            "file_id": attachment.file_id,
            "file_unique_id": attachment.file_unique_id,
            "file_name": attachment.file_name,
        }
    )
    await _save(manager, "attachments")
    # Below the file, and only once: an album of ten photos leaves one window, not ten.
    manager.show_mode = ShowMode.DELETE_AND_SEND


async def on_other_file(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    message_id = REFUSED_KINDS.get(message.content_type, "report-form-file-other")
    await _refuse(message, manager, translator(manager)(message_id))


async def on_files_done(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _go(manager, "residents")


async def on_files_clear(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    _form(manager)["attachments"] = []
    await _save(manager, "attachments")


async def on_residents(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    try:
        residents = clean_residents(message.text or "")
    except InvalidInput as error:
        await _refuse(message, manager, _invalid_text(t, "residents", error))
        return
    _form(manager)["residents"] = residents
    await _go(manager, "groups")


async def on_residents_skip(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    _form(manager)["residents"] = None
    await _go(manager, "groups")


async def on_groups_changed(
    _event: Any, widget: Any, manager: DialogManager, _item_id: str
) -> None:
    checked = set(widget.get_checked())
    _form(manager)["groups"] = [code for code in AFFECTED_GROUPS if code in checked]
    await _save(manager, "groups")


async def on_groups_done(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _go(manager, "dream")


async def on_dream(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    try:
        dream_id = clean_dream_id(message.text or "")
    except InvalidInput:
        await _refuse(message, manager, t("report-form-dream-invalid"))
        return
    _form(manager)["dream_id"] = dream_id
    await _after_dream(manager)


async def on_dream_skip(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    _form(manager)["dream_id"] = None
    await _after_dream(manager)


async def _after_dream(manager: DialogManager) -> None:
    if manager.dialog_data.get("editing"):
        await _to_preview(manager)
    else:
        await _to_similar(manager)


async def on_back(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Back one step; from a field opened in the preview, back to the preview."""
    if manager.dialog_data.get("editing"):
        await _to_preview(manager)
        return
    current = (button.widget_id or "").removeprefix("back_")
    order = (*STEPS, "dream")
    index = order.index(current) if current in order else 0
    await manager.switch_to(getattr(ReportForm, order[max(index - 1, 0)]))


async def on_join(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    found = manager.dialog_data.get("similar", [])
    if not 0 <= item_number(item_id) < len(found):
        await stale_button(manager, callback)
        return
    t = translator(manager)
    chosen = found[item_number(item_id)]
    reports = _reports(manager)
    try:
        result = await reports.cosign(
            chosen["id"],
            user_id(manager),
            residents=_form(manager).get("residents"),
            request_key=manager.dialog_data.get("join_key"),
        )
    except (ReportClosed, UnknownReport):
        await answer(manager, callback, t("report-form-join-closed"), alert=True)
        manager.dialog_data["similar"] = [item for item in found if item is not chosen]
        if not manager.dialog_data["similar"]:
            await _to_preview(manager)
        return
    except InvalidInput:
        await answer(manager, callback, t("report-form-join-own"), alert=True)
        return
    # The member joined a report instead of filing their own: the draft has done its job.
    await reports.discard_draft(user_id(manager))
    manager.dialog_data["reference"] = result.reference
    manager.dialog_data["joined_title"] = chosen["title"]
    if result.repeated:
        # This press was handled before (a restart lost the step that followed): joined once.
        await answer(manager, callback, t("once-join-already", reference=result.reference))
        await manager.switch_to(ReportForm.joined)
        return
    logger.info("member joined report %s", result.report_id)
    await refresh_cards(manager, result.report_id)
    await manager.switch_to(ReportForm.joined)


async def on_different(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _to_preview(manager)


async def on_edit(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    if item_id not in EDITABLE:
        await stale_button(manager, callback)
        return
    manager.dialog_data["editing"] = True
    await manager.switch_to(getattr(ReportForm, item_id))


async def on_submit(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    if manager.dialog_data.get("reference"):
        # A second press (a slow connection): the report was filed once already.
        await manager.switch_to(ReportForm.submitted)
        return
    t = translator(manager)
    reports = _reports(manager)
    form = _form(manager)
    data = FormData(
        category=form.get("category", ""),
        urgency=form.get("urgency", ""),
        title=form.get("title", ""),
        description=form.get("description", ""),
        attachments=[
            AttachmentIn(a["kind"], a["file_id"], a["file_unique_id"], a.get("file_name"))
            for a in form.get("attachments", [])
        ],
        residents=form.get("residents"),
        affected_groups=list(form.get("groups", [])),
        dream_id=form.get("dream_id"),
    )
    try:
        submitted = await reports.submit(
            user_id(manager), data, request_key=manager.dialog_data.get("submit_key")
        )
    except InvalidInput:
        # Every field was checked as it was answered: only a draft older than a rule gets here.
        await answer(manager, callback, t("report-form-submit-incomplete"), alert=True)
        return
    except MemberRejected:
        await manager.switch_to(ReportForm.refused)
        return
    except FilingRefused as error:
        # Over the daily limit: the draft stays as saved, and the preview comes back below.
        text = refusal_text(t, "report", error, reports.timezone)
        await manager.middleware_data["bot"].send_message(user_id(manager), text)
        manager.show_mode = ShowMode.SEND
        return
    urgency = reports.rules.urgency(data.urgency)
    manager.dialog_data["reference"] = submitted.reference
    manager.dialog_data["deadline"] = local_time(submitted.deadline_at, manager)
    manager.dialog_data["within"] = within(t, urgency) if urgency else ""
    if submitted.repeated:
        # Filed by this press before a restart lost the step that followed: its number again.
        # Its cards went out then, or the cards sweep posts them.
        text = t("once-report-already-sent", reference=submitted.reference)
        await answer(manager, callback, text, alert=True)
        await manager.switch_to(ReportForm.submitted)
        return
    logger.info("report %s submitted", submitted.id)
    await _publish(callback, manager, submitted.id)
    await manager.switch_to(ReportForm.submitted)


async def _publish(callback: CallbackQuery, manager: DialogManager, report_id: int) -> None:
    """Post the staff cards; the report is filed either way and waits in the queue."""
    from dialogs.report_desk import publish_report

    assert callback.bot is not None
    translations: Translations = manager.middleware_data["translations"]
    try:
        await publish_report(
            callback.bot,
            _reports(manager),
            manager.middleware_data["staff_chats"],
            translations,
            report_id,
        )
    except Exception:
        logger.exception("report %s: staff cards not posted", report_id)


async def refresh_cards(manager: DialogManager, report_id: int) -> None:
    """The staff cards show the new co-signing figures; a failure never reaches the member."""
    from dialogs.report_desk import refresh_report_cards

    try:
        await refresh_report_cards(
            manager.middleware_data["bot"],
            _reports(manager),
            manager.middleware_data["translations"],
            report_id,
        )
    except Exception:
        logger.exception("report %s: staff cards not refreshed", report_id)


# --------------------------------------------------------------------------------- windows


async def on_cancel(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Leave for the menu; the answers so far stay saved as the draft."""
    if _form(manager):
        await answer(manager, callback, translator(manager)("report-form-cancelled"))
    await open_menu(callback, button, manager)


CANCEL = Button(Tr("report-form-cancel"), id="cancel", on_click=on_cancel)
TEXT_ONLY = MessageInput(on_not_text, content_types=ContentType.ANY)


def _back(step: str) -> Button:
    return Button(Tr("report-form-back"), id=f"back_{step}", on_click=on_back)


unregistered_window = Window(
    Tr("report-form-register-first"),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ReportForm.unregistered,
)

refused_window = Window(
    Tr("filing-report-rejected"),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ReportForm.refused,
)

resume_window = Window(
    Tr("report-form-resume"),
    Button(Tr("report-form-resume-continue"), id="continue", on_click=on_continue_draft),
    Button(Tr("report-form-resume-discard"), id="discard", on_click=on_discard_draft),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ReportForm.resume,
    getter=get_resume,
)

category_window = Window(
    Tr("report-form-category-prompt"),
    Column(
        Select(
            Format("{item[1]}"),
            id=CATEGORY_SELECT,
            item_id_getter=operator.itemgetter(0),
            items="categories",
            on_click=on_category,
        )
    ),
    Button(Tr("report-form-back-preview"), id="back_category", on_click=on_back, when="editing"),
    CANCEL,
    USE_BUTTONS,
    state=ReportForm.category,
    getter=[get_categories, get_step],
)

urgency_window = Window(
    Tr("report-form-urgency-prompt"),
    Column(
        Select(
            Format("{item[1]}"),
            id=URGENCY_SELECT,
            item_id_getter=operator.itemgetter(0),
            items="urgencies",
            on_click=on_urgency,
        )
    ),
    Row(_back("urgency"), CANCEL),
    USE_BUTTONS,
    state=ReportForm.urgency,
    getter=get_urgencies,
)

title_window = Window(
    Tr("report-form-title-prompt"),
    Row(_back("title"), CANCEL),
    MessageInput(on_title, content_types=ContentType.TEXT),
    TEXT_ONLY,
    state=ReportForm.title,
    getter=get_step,
)

description_window = Window(
    Tr("report-form-description-prompt"),
    Row(_back("description"), CANCEL),
    MessageInput(on_description, content_types=ContentType.TEXT),
    TEXT_ONLY,
    state=ReportForm.description,
    getter=get_step,
)

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

residents_window = Window(
    Tr("report-form-residents-prompt"),
    Button(Tr("report-form-skip"), id="residents_skip", on_click=on_residents_skip),
    Row(_back("residents"), CANCEL),
    MessageInput(on_residents, content_types=ContentType.TEXT),
    TEXT_ONLY,
    state=ReportForm.residents,
)

groups_window = Window(
    Tr("report-form-groups-prompt"),
    Column(
        Multiselect(
            Format("✅ {item[1]}"),
            Format("▫️ {item[1]}"),
            id=GROUPS_SELECT,
            item_id_getter=operator.itemgetter(0),
            items="groups",
            on_state_changed=on_groups_changed,
        )
    ),
    Button(Tr("report-form-groups-done"), id="groups_done", on_click=on_groups_done),
    Row(_back("groups"), CANCEL),
    USE_BUTTONS,
    state=ReportForm.groups,
    getter=get_groups,
)

dream_window = Window(
    Tr("report-form-dream-prompt"),
    Button(Tr("report-form-skip"), id="dream_skip", on_click=on_dream_skip),
    Row(_back("dream"), CANCEL),
    MessageInput(on_dream, content_types=ContentType.TEXT),
    TEXT_ONLY,
    state=ReportForm.dream,
)

similar_window = Window(
    Tr("report-form-similar"),
    Column(
        Select(
            Format("{item[1]}"),
            id=SIMILAR_SELECT,
            item_id_getter=operator.itemgetter(0),
            items="similar",
            on_click=on_join,
        )
    ),
    Button(Tr("report-form-similar-different"), id="different", on_click=on_different),
    CANCEL,
    USE_BUTTONS,
    state=ReportForm.similar,
    getter=get_similar,
)

joined_window = Window(
    Tr("report-form-joined"),
    Start(Tr("report-form-my-reports"), id="my_reports", state=MyReports.list),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ReportForm.joined,
    getter=get_result,
)

preview_window = Window(
    Multi(
        Format("{preview}"),
        Tr("report-form-preview-unverified", when="unverified"),
        sep="\n\n",
    ),
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
    Button(Tr("report-form-submit"), id="submit", on_click=on_submit),
    CANCEL,
    USE_BUTTONS,
    state=ReportForm.preview,
    getter=get_preview,
)

submitted_window = Window(
    Tr("report-form-submitted"),
    Start(Tr("report-form-my-reports"), id="my_reports", state=MyReports.list),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ReportForm.submitted,
    getter=get_result,
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
