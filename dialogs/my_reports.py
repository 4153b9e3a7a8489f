"""My reports: the member's own and co-signed reports, each with its public history; withdrawing
support from a co-signed one, and the reporter's answer to the secretariat."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, ScrollingGroup, Start, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.i18n import Translator
from bot.services.members import InvalidInput
from bot.services.reports import (
    MESSAGE_MAX,
    HistoryEntry,
    ReportClosed,
    ReportView,
    UnknownReport,
)
from bot.services.staff import PermissionDenied
from bot.services.text_input import parse_id
from dialogs.common import (
    BUTTON_TITLE,
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    esc,
    indexed_select,
    refuse_input,
    reports_of,
    stale_button,
    translations_of,
    translator,
    user_id,
)
from dialogs.report_card_texts import link_text
from dialogs.report_review import refresh_cards
from dialogs.report_texts import member_time
from dialogs.states import MyReports, ReportForm
from dialogs.widgets import menu_window

logger = logging.getLogger(__name__)

LIST_SELECT = "mine"
# The latest entries of a report's history, each reply quoted up to HISTORY_TEXT characters:
# with the report's details, well within Telegram's 4,096 characters.
HISTORY_SHOWN = 8
HISTORY_TEXT = 250
STATUS_MARKS = {
    "new": "🆕",
    "in_progress": "🔧",
    "escalated": "⬆️",
    "resolved": "✅",
    "declined": "❌",
    "merged": "🔗",
}


def _local(moment: datetime, manager: DialogManager) -> str:
    return member_time(moment, reports_of(manager).timezone)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def history_line(t: Translator, entry: HistoryEntry, when: str) -> str | None:
    """One public history entry as the member reads it; None for those members don't see."""
    after = entry.after or {}
    if entry.kind == "status" and entry.before is None:
        body = t("report-mine-history-submitted")
    elif entry.kind == "status":
        status = str(after.get("status", ""))
        body = t("report-mine-history-status", status=t(f"report-mine-status-{status}"))
        if entry.text:
            body += "\n" + t(
                "report-mine-history-reason", reason=esc(_short(entry.text, HISTORY_TEXT))
            )
    elif entry.kind == "reply":
        body = t("report-mine-history-reply", text=esc(_short(entry.text or "", HISTORY_TEXT)))
    elif entry.kind == "reporter_reply":
        body = t("report-mine-history-answer", text=esc(_short(entry.text or "", HISTORY_TEXT)))
    else:
        linked = link_text(t, entry, "report-mine-history")
        if linked is None:
            return None
        body = linked
    return f"<i>{when}</i> — {body}"


async def _view(manager: DialogManager) -> ReportView | None:
    report_id = manager.dialog_data.get("report_id")
    if not isinstance(report_id, int):
        return None
    return await reports_of(manager).member_report(report_id, user_id(manager))


# ---------------------------------------------------------------------------------- getters


async def get_list(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    items = await reports_of(dialog_manager).member_reports(user_id(dialog_manager))
    return {
        "reports": [
            (
                str(item.id),
                f"{STATUS_MARKS.get(item.status, '')} {item.reference} · "
                f"{_short(item.title, BUTTON_TITLE)}" + ("" if item.own else " 🤝"),
            )
            for item in items
        ],
        "count": len(items),
        "has_reports": bool(items),
        "empty": not items,
    }


async def get_report(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    view = await _view(dialog_manager)
    if view is None:
        return {"found": False, "missing": True}
    reports = reports_of(dialog_manager)
    own = view.reporter_telegram_id == user_id(dialog_manager)
    history = await reports.history(view.id)
    figures = await reports.figures(view.id, verified_only=False)
    lines = [
        line
        for entry in history
        if (line := history_line(t, entry, _local(entry.at, dialog_manager))) is not None
    ]
    earlier = max(len(lines) - HISTORY_SHOWN, 0)
    shown = lines[earlier:]
    if earlier:
        shown.insert(0, t("report-mine-history-earlier", count=earlier))
    replied = any(entry.kind == "reply" for entry in history)
    return {
        "found": True,
        "missing": False,
        "reference": view.reference,
        "title": esc(view.title),
        "status": t(f"report-mine-status-{view.status}"),
        "mark": STATUS_MARKS.get(view.status, ""),
        "category": reports.rules.category_name(view.category, t.locale),
        "urgency": reports.rules.urgency_name(view.urgency, t.locale),
        "submitted": _local(view.submitted_at, dialog_manager),
        "deadline": _local(view.deadline_at, dialog_manager),
        "awaiting": view.is_open and view.first_response_at is None,
        "first_response": _local(view.first_response_at, dialog_manager)
        if view.first_response_at
        else "",
        "closed_at": _local(view.resolved_at, dialog_manager) if view.resolved_at else "",
        "hromadas": figures.hromadas,
        "oblasts": figures.oblasts,
        "residents": f"{figures.residents:,}".replace(",", "\u00a0"),
        "history": "\n\n".join(shown),
        "own": own,
        "cosigned": not own,
        "merged_into": view.merged_into_reference or "",
        "is_merged": bool(view.merged_into_reference),
        "may_answer": own and replied and view.status != "merged",
    }


# -------------------------------------------------------------------------------- callbacks


async def on_pick(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    report_id = parse_id(item_id)
    if report_id is None:
        await stale_button(manager, callback)
        return
    manager.dialog_data["report_id"] = report_id
    # The withdraw button of this view: the same press handled again withdraws nothing more.
    manager.dialog_data["withdraw_key"] = secrets.token_hex(16)
    await manager.switch_to(MyReports.report)


async def on_withdraw(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    t = translator(manager)
    report_id = manager.dialog_data.get("report_id")
    if not isinstance(report_id, int):
        await manager.switch_to(MyReports.list)
        return
    try:
        result = await reports_of(manager).withdraw(
            report_id, user_id(manager), request_key=manager.dialog_data.get("withdraw_key")
        )
    except (UnknownReport, InvalidInput):
        await answer(manager, callback, t("report-mine-not-found"), alert=True)
        await manager.switch_to(MyReports.list)
        return
    if result.repeated:
        await answer(manager, callback, t("once-withdraw-already", reference=result.reference))
        await manager.switch_to(MyReports.list)
        return
    logger.info("member withdrew support from report %s", report_id)
    await refresh_cards(manager, report_id)
    await answer(manager, callback, t("report-mine-withdrawn", reference=result.reference))
    await manager.switch_to(MyReports.list)


async def on_answer(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    report_id = manager.dialog_data.get("report_id")
    if not isinstance(report_id, int):
        return
    reports = reports_of(manager)
    try:
        entry = await reports.reporter_reply(report_id, user_id(manager), message.text or "")
    except InvalidInput as error:
        key = {
            "too-long": "report-mine-answer-too-long",
            "no-letters": "input-no-letters",
        }.get(error.code, "report-mine-answer-empty")
        await refuse_input(message, manager, t(key, **error.limits))
        return
    except (ReportClosed, PermissionDenied, UnknownReport):
        await message.answer(t("report-mine-answer-refused"))
        manager.show_mode = ShowMode.SEND
        await manager.switch_to(MyReports.report)
        return
    from delivery.report_cards import post_reporter_reply

    assert message.bot is not None
    try:
        await post_reporter_reply(message.bot, reports, translations_of(manager), report_id, entry)
    except Exception:
        # Kept in the report's history either way: staff see it in /queue.
        logger.exception("report %s: the reporter's answer not posted to the cards", report_id)
    logger.info("reporter answered on report %s", report_id)
    await manager.switch_to(MyReports.answered)


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await refuse_input(message, manager, translator(manager)("report-mine-answer-text-only"))


# --------------------------------------------------------------------------------- windows

TO_LIST = SwitchTo(Tr("report-mine-to-list"), id="to_list", state=MyReports.list)
TO_REPORT = SwitchTo(Tr("report-mine-to-report"), id="to_report", state=MyReports.report)

list_window = menu_window(
    Tr("report-mine-list", when="has_reports"),
    Tr("report-mine-empty", when="empty"),
    ScrollingGroup(
        indexed_select(LIST_SELECT, "reports", on_pick),
        id="pages",
        width=1,
        height=6,
        hide_on_single_page=True,
    ),
    Start(Tr("report-mine-new"), id="new", state=ReportForm.category, when="empty"),
    state=MyReports.list,
    getter=get_list,
)

report_window = menu_window(
    Multi(
        Multi(
            Tr("report-mine-report", when="found"),
            Tr("report-mine-deadline", when="awaiting"),
            Tr("report-mine-first-response", when="first_response"),
            Tr("report-mine-closed-at", when="closed_at"),
            Tr("report-mine-figures", when="found"),
            Tr("report-mine-own", when="own"),
            Tr("report-mine-cosigned", when="cosigned"),
        ),
        Tr("report-mine-merged", when="is_merged"),
        Tr("report-mine-history", when="history"),
        # Around Fluent, which refuses values over 1,000 characters.
        Format("{history}", when="history"),
        Tr("report-mine-not-found", when="missing"),
        sep="\n\n",
    ),
    SwitchTo(
        Tr("report-mine-answer-button"), id="answer", state=MyReports.answer, when="may_answer"
    ),
    SwitchTo(
        Tr("report-mine-withdraw-button"),
        id="withdraw",
        state=MyReports.withdraw,
        when="cosigned",
    ),
    back=TO_LIST,
    state=MyReports.report,
    getter=get_report,
)

withdraw_window = Window(
    Tr("report-mine-withdraw-confirm", when="found"),
    Tr("report-mine-not-found", when="missing"),
    Row(
        Button(Tr("report-mine-withdraw-yes"), id="yes", on_click=on_withdraw, when="cosigned"),
        TO_REPORT,
    ),
    USE_BUTTONS,
    state=MyReports.withdraw,
    getter=get_report,
)

answer_window = Window(
    Tr("report-mine-answer-prompt", limit=MESSAGE_MAX),
    TO_REPORT,
    MessageInput(on_answer, content_types=ContentType.TEXT),
    MessageInput(on_not_text, content_types=ContentType.ANY),
    state=MyReports.answer,
    getter=get_report,
)

answered_window = menu_window(
    Tr("report-mine-answer-sent"), back=TO_REPORT, state=MyReports.answered, getter=get_report
)


def my_reports_dialog() -> Dialog:
    return Dialog(list_window, report_window, withdraw_window, answer_window, answered_window)
