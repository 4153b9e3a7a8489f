"""The member's report once every step is answered, and the draft behind it: the answers kept
as the draft after each step, similar open reports to join instead, the preview with a button to
edit each field, submission, and the staff cards posted or refreshed (a failure there never
reaches the member: the report is filed and waits in the queue)."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button, Column, Start
from aiogram_dialog.widgets.text import Format, Multi

from bot.services.filing_limits import FilingRefused, MemberRejected
from bot.services.members import InvalidInput, MemberProfile
from bot.services.reports import AttachmentIn, ReportClosed, UnknownReport
from bot.services.reports import ReportForm as FormData
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    bot_of,
    esc,
    hromadas_of,
    indexed_select,
    open_menu,
    pressed_item,
    reports_of,
    translations_of,
    translator,
    user_id,
)
from dialogs.filing_texts import refusal_text
from dialogs.presenters import member_hromada
from dialogs.report_texts import member_time, preview_text, spoken_reference, within
from dialogs.states import MyReports, ReportForm
from dialogs.widgets import edit_picker, menu_window

logger = logging.getLogger(__name__)

SIMILAR_SELECT = "similar"
# Steps in order; a draft remembers the next one to answer.
STEPS = ("category", "urgency", "title", "description", "attachments", "residents", "groups")
RESUMABLE = (*STEPS, "dream", "preview")
# Fields the preview can edit, each answered in the window of the same name.
EDITABLE = (*STEPS, "dream")


def form_of(manager: DialogManager) -> dict[str, Any]:
    form: dict[str, Any] = manager.dialog_data.setdefault("form", {})
    return form


async def save_draft(manager: DialogManager, step: str) -> None:
    """Keep the answers so far as the member's draft, to continue at `step`."""
    await reports_of(manager).save_draft(user_id(manager), {"form": form_of(manager), "step": step})


async def to_preview(manager: DialogManager) -> None:
    manager.dialog_data["editing"] = False
    await save_draft(manager, "preview")
    await manager.switch_to(ReportForm.preview)


async def to_similar(manager: DialogManager) -> None:
    """Similar open reports when there are any, else straight to the preview."""
    form = form_of(manager)
    query = f"{form.get('title', '')}\n{form.get('description', '')}"
    found = await reports_of(manager).similar_open(query, limit=3, exclude_member=user_id(manager))
    manager.dialog_data["similar"] = [
        {"id": s.id, "reference": s.reference, "title": s.title, "hromadas": s.hromada_count}
        for s in found
    ]
    if not found:
        await to_preview(manager)
        return
    await save_draft(manager, "preview")
    await manager.switch_to(ReportForm.similar)


# ------------------------------------------------------------------------------------------ getters


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


async def get_preview(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    member: MemberProfile | None = dialog_manager.middleware_data.get("member")
    return {
        "preview": preview_text(
            t,
            reports_of(dialog_manager).rules,
            form_of(dialog_manager),
            member,
            await member_hromada(t, hromadas_of(dialog_manager), member) if member else "",
        ),
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


# ---------------------------------------------------------------------------------------- callbacks


async def on_join(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    found = manager.dialog_data.get("similar", [])
    chosen = await pressed_item(manager, callback, item_id, found)
    if chosen is None:
        return
    t = translator(manager)
    reports = reports_of(manager)
    try:
        result = await reports.cosign(
            chosen["id"],
            user_id(manager),
            residents=form_of(manager).get("residents"),
            request_key=manager.dialog_data.get("join_key"),
        )
    except (ReportClosed, UnknownReport):
        await answer(manager, callback, t("report-form-join-closed"), alert=True)
        manager.dialog_data["similar"] = [item for item in found if item is not chosen]
        if not manager.dialog_data["similar"]:
            await to_preview(manager)
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
    await to_preview(manager)


async def on_submit(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    if manager.dialog_data.get("reference"):
        # A second press (a slow connection): the report was filed once already.
        await manager.switch_to(ReportForm.submitted)
        return
    t = translator(manager)
    reports = reports_of(manager)
    form = form_of(manager)
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
        await bot_of(manager).send_message(user_id(manager), text)
        manager.show_mode = ShowMode.SEND
        return
    urgency = reports.rules.urgency(data.urgency)
    manager.dialog_data["reference"] = submitted.reference
    manager.dialog_data["deadline"] = member_time(
        submitted.deadline_at, reports_of(manager).timezone
    )
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
    from delivery.report_cards import publish_report

    assert callback.bot is not None
    try:
        await publish_report(
            callback.bot,
            reports_of(manager),
            manager.middleware_data["staff_chats"],
            translations_of(manager),
            report_id,
        )
    except Exception:
        logger.exception("report %s: staff cards not posted", report_id)


async def refresh_cards(manager: DialogManager, report_id: int) -> None:
    """The staff cards show the new co-signing figures; a failure never reaches the member."""
    from delivery.report_cards import refresh_report_cards

    try:
        await refresh_report_cards(
            bot_of(manager),
            reports_of(manager),
            translations_of(manager),
            report_id,
        )
    except Exception:
        logger.exception("report %s: staff cards not refreshed", report_id)


async def on_cancel(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Leave for the menu; the answers so far stay saved as the draft."""
    if form_of(manager):
        await answer(manager, callback, translator(manager)("report-form-cancelled"))
    await open_menu(callback, button, manager)


CANCEL = Button(Tr("report-form-cancel"), id="cancel", on_click=on_cancel)


# ------------------------------------------------------------------------------------------ windows


similar_window = Window(
    Tr("report-form-similar"),
    Column(indexed_select(SIMILAR_SELECT, "similar", on_join)),
    Button(Tr("report-form-similar-different"), id="different", on_click=on_different),
    CANCEL,
    USE_BUTTONS,
    state=ReportForm.similar,
    getter=get_similar,
)

preview_window = Window(
    Multi(
        Format("{preview}"),
        Tr("report-form-preview-unverified", when="unverified"),
        sep="\n\n",
    ),
    edit_picker(EDITABLE, ReportForm),
    Button(Tr("report-form-submit"), id="submit", on_click=on_submit),
    CANCEL,
    USE_BUTTONS,
    state=ReportForm.preview,
    getter=get_preview,
)


def _result_window(message_id: str, state: State) -> Window:
    """Joined or filed: the reference, and the way to the member's reports."""
    return menu_window(
        Tr(message_id),
        Start(Tr("report-form-my-reports"), id="my_reports", state=MyReports.list),
        state=state,
        getter=get_result,
    )


joined_window = _result_window("report-form-joined", ReportForm.joined)
submitted_window = _result_window("report-form-submitted", ReportForm.submitted)
