"""The staff queue of urgent-issue reports in private chat (`/queue`), and `/export`.

`/queue` lists the open reports of the staff member's associations (joint ones for all staff,
everything for admins), most urgent first, with filters (status, category, oblast, urgency,
overdue) and pages. Opening one sends its card with the same buttons as in the staff group (the
report desk handles them), its photos and documents, who co-signed it and its full history with
the internal notes (`dialogs/queue_report.py`). Rights are read again on every update; a report
another association owns is refused even when its id is forged into a button.

`/export` sends the reports spreadsheet of the staff member's associations as an XLSX document.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.kbd import Button, Group, Row, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.i18n import Translator
from bot.services.export import export_rows, file_name, render
from bot.services.hromadas import HromadaDirectory
from bot.services.report_rules import ReportRules
from bot.services.reports import OPEN, CardViewer, QueueFilter, QueueItem, ReportService
from bot.services.staff import Rights
from bot.services.text_input import parse_id
from bot.settings import Settings
from delivery.commands import set_chat_commands
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    esc,
    hromadas_of,
    indexed_select,
    item_number,
    reports_of,
    stale_button,
    timezone_of,
    translator,
)
from dialogs.presenters import local_time, place_text
from dialogs.queue_report import send_report
from dialogs.states import Queue
from dialogs.widgets import menu_window
from storage.db import Database
from storage.models import ReportStatus

logger = logging.getLogger(__name__)

PER_PAGE = 8
TITLE_SHOWN = 40  # characters of a title on a list button
FILTERS = ("status", "category", "oblast", "urgency")
STATUSES = tuple(str(status) for status in ReportStatus)
URGENCY_MARKS = ("🔴", "🟠", "🟢")  # by rank: critical, high, normal

# Widget ids
LIST_SELECT = "reports"
OPTION_SELECT = "options"


# ------------------------------------------------------------------------------ helpers


def _rights(manager: DialogManager) -> Rights:
    return manager.middleware_data["rights"]  # type: ignore[no-any-return]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,.;:") + "…"


def filter_options(kind: str, rules: ReportRules, directory: HromadaDirectory) -> list[str]:
    """The codes a filter can take, in the order its buttons show them (buttons carry indexes)."""
    if kind == "status":
        return list(STATUSES)
    if kind == "category":
        return [category.code for category in rules.categories]
    if kind == "urgency":
        return [urgency.code for urgency in rules.urgencies]
    if kind == "oblast":
        return [oblast.code for oblast in directory.oblasts]
    return []


def option_label(
    t: Translator, kind: str, code: str, rules: ReportRules, directory: HromadaDirectory
) -> str:
    if kind == "status":
        return t(f"queue-status-{code}")
    if kind == "category":
        return rules.category_name(code, t.locale)
    if kind == "urgency":
        return rules.urgency_name(code, t.locale)
    oblast = directory.oblast(code)
    return oblast.name(t.locale) if oblast else code


def _filters(manager: DialogManager) -> QueueFilter:
    data = manager.dialog_data
    return QueueFilter(
        status=data.get("status"),
        category=data.get("category"),
        oblast_code=data.get("oblast"),
        urgency=data.get("urgency"),
        overdue=bool(data.get("overdue")),
    )


def _item_button(item: QueueItem, rules: ReportRules, now: datetime) -> str:
    urgency = rules.urgency(item.urgency)
    mark = URGENCY_MARKS[min(urgency.rank, 2)] if urgency else "⚪"
    late = "⏰ " if _overdue(item, now) else ""
    return f"{mark} {late}{item.reference} · {_shorten(item.title, TITLE_SHOWN)}"


def _overdue(item: QueueItem, now: datetime) -> bool:
    return item.status in OPEN and item.first_response_at is None and item.deadline_at < now


def _item_line(
    t: Translator,
    item: QueueItem,
    rules: ReportRules,
    directory: HromadaDirectory,
    tz: ZoneInfo,
    now: datetime,
) -> str:
    place = place_text(t, item.place)
    return t(
        "queue-item",
        reference=item.reference,
        title=esc(_shorten(item.title, 80)),
        status=t(f"queue-status-{item.status}"),
        category=option_label(t, "category", item.category, rules, directory),
        place=place or "—",
        deadline=local_time(item.deadline_at, tz),
        overdue="yes" if _overdue(item, now) else "no",
        assignee=esc(item.assignee_name) or t("queue-nobody"),
        cosigners=str(item.supporters),
        joint="yes" if item.joint else "no",
    )


# ------------------------------------------------------------------------------ getters


async def get_list(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t, rights = translator(dialog_manager), _rights(dialog_manager)
    if not rights.is_staff:
        return {"allowed": False, "denied": True, "items": [], "empty": False, "has_items": False}
    reports, directory = reports_of(dialog_manager), hromadas_of(dialog_manager)
    rules, tz = reports.rules, timezone_of(dialog_manager)
    filters = _filters(dialog_manager)
    page_number = int(dialog_manager.dialog_data.get("page", 1))
    page = await reports.queue(rights, filters, page_number, PER_PAGE)
    if page.page > page.pages:  # fewer reports than when the page was chosen
        page = await reports.queue(rights, filters, page.pages, PER_PAGE)
    dialog_manager.dialog_data["page"] = page.page
    now = datetime.now(tz)
    any_label = t("queue-filter-any")

    def current(kind: str, code: str | None) -> str:
        return option_label(t, kind, code, rules, directory) if code else any_label

    chosen = {
        "status": current("status", filters.status) if filters.status else t("queue-filter-open"),
        "category": current("category", filters.category),
        "oblast": current("oblast", filters.oblast_code),
        "urgency": current("urgency", filters.urgency),
    }
    return {
        "allowed": True,
        "denied": False,
        "total": str(page.total),
        "page": str(page.page),
        "pages": str(page.pages),
        "has_items": bool(page.items),
        "empty": not page.items,
        "filtered": filters != QueueFilter(),
        "items": [(str(item.id), _item_button(item, rules, now)) for item in page.items],
        "lines": "\n\n".join(_item_line(t, item, rules, directory, tz, now) for item in page.items),
        "has_prev": page.page > 1,
        "has_next": page.page < page.pages,
        "several_pages": page.pages > 1,
        "status_label": t("queue-filter-status", value=chosen["status"]),
        "category_label": t("queue-filter-category", value=chosen["category"]),
        "oblast_label": t("queue-filter-oblast", value=chosen["oblast"]),
        "urgency_label": t("queue-filter-urgency", value=chosen["urgency"]),
        "overdue_label": t("queue-filter-overdue", on="yes" if filters.overdue else "no"),
        "summary": t(
            "queue-filters-summary",
            status=chosen["status"],
            category=chosen["category"],
            oblast=chosen["oblast"],
            urgency=chosen["urgency"],
            overdue="yes" if filters.overdue else "no",
        ),
    }


async def get_options(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    kind = str(dialog_manager.dialog_data.get("filter", "status"))
    rules, directory = reports_of(dialog_manager).rules, hromadas_of(dialog_manager)
    codes = filter_options(kind, rules, directory)
    return {
        "prompt": t(f"queue-filter-{kind}-prompt"),
        "options": [
            (str(index), option_label(t, kind, code, rules, directory))
            for index, code in enumerate(codes)
        ],
        "any_label": t("queue-filter-open") if kind == "status" else t("queue-filter-any"),
        "wide": kind in ("category", "status"),
        "narrow": kind not in ("category", "status"),
    }


async def get_report(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"reference": str(dialog_manager.dialog_data.get("reference", ""))}


# ------------------------------------------------------------------------------ callbacks


async def on_pick(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    report_id = parse_id(item_id)
    if report_id is None:
        await stale_button(manager, callback)
        return
    await _open_report(callback, manager, report_id)


async def _open_report(callback: CallbackQuery, manager: DialogManager, report_id: int) -> None:
    t, rights = translator(manager), _rights(manager)
    if not rights.is_staff:
        await answer(manager, callback, t("queue-no-rights"), alert=True)
        return
    card = await reports_of(manager).card(report_id, CardViewer.STAFF)
    if card is None:
        await answer(manager, callback, t("queue-report-not-found"), alert=True)
        return
    view = card.view
    if not view.actionable_by(rights):
        logger.info(
            "report %s refused to %s in the queue: not theirs", report_id, rights.telegram_id
        )
        await answer(manager, callback, t("queue-report-foreign"), alert=True)
        return
    if callback.message is None:
        return
    await callback.answer()
    await send_report(manager, callback.message.chat.id, card)
    manager.dialog_data["report_id"] = view.id
    manager.dialog_data["reference"] = view.reference
    await manager.switch_to(Queue.report, show_mode=ShowMode.SEND)


async def on_again(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _open_report(callback, manager, int(manager.dialog_data.get("report_id") or 0))


async def on_page(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    step = 1 if button.widget_id == "next" else -1
    manager.dialog_data["page"] = max(1, int(manager.dialog_data.get("page", 1)) + step)


async def on_filter(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    kind = (button.widget_id or "").removeprefix("f_")
    if kind in FILTERS:
        manager.dialog_data["filter"] = kind
        await manager.switch_to(Queue.filter)


async def on_overdue(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    manager.dialog_data["overdue"] = not manager.dialog_data.get("overdue")
    manager.dialog_data["page"] = 1


async def on_reset(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    for key in (*FILTERS, "overdue"):
        manager.dialog_data.pop(key, None)
    manager.dialog_data["page"] = 1


async def on_option(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    kind = str(manager.dialog_data.get("filter", ""))
    codes = filter_options(kind, reports_of(manager).rules, hromadas_of(manager))
    index = item_number(item_id)
    if kind not in FILTERS or not 0 <= index < len(codes):
        await answer(manager, callback, translator(manager)("error-stale-button"))
        return
    manager.dialog_data[kind] = codes[index]
    manager.dialog_data["page"] = 1
    await manager.switch_to(Queue.list)


async def on_any(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop(str(manager.dialog_data.get("filter", "")), None)
    manager.dialog_data["page"] = 1
    await manager.switch_to(Queue.list)


# ------------------------------------------------------------------------------ windows


def _filter_buttons(*kinds: str) -> Row:
    """A row of filters, each showing its current choice; a press opens its options."""
    return Row(
        *(
            Button(Format(f"{{{kind}_label}}"), id=f"f_{kind}", on_click=on_filter, when="allowed")
            for kind in kinds
        )
    )


TO_LIST = SwitchTo(Tr("queue-back-to-list"), id="to_list", state=Queue.list)

list_window = menu_window(
    Multi(
        Tr("queue-title", when="has_items"),
        Tr("queue-empty", when="empty"),
        Format("{summary}", when="filtered"),
        Format("{lines}", when="has_items"),
        Tr("queue-page", when="several_pages"),
        Tr("queue-no-rights", when="denied"),
        sep="\n\n",
    ),
    Group(indexed_select(LIST_SELECT, "items", on_pick), width=1, when="allowed"),
    Row(
        Button(Tr("queue-prev"), id="prev", on_click=on_page, when="has_prev"),
        Button(Tr("queue-next"), id="next", on_click=on_page, when="has_next"),
    ),
    _filter_buttons("status", "urgency"),
    _filter_buttons("category", "oblast"),
    Row(
        Button(Format("{overdue_label}"), id="overdue", on_click=on_overdue, when="allowed"),
        Button(Tr("queue-reset"), id="reset", on_click=on_reset, when="filtered"),
    ),
    state=Queue.list,
    getter=get_list,
)

filter_window = Window(
    Format("{prompt}"),
    Button(Format("{any_label}"), id="any", on_click=on_any),
    Group(indexed_select(OPTION_SELECT, "options", on_option), width=1, when="wide"),
    Group(indexed_select(OPTION_SELECT + "2", "options", on_option), width=2, when="narrow"),
    TO_LIST,
    USE_BUTTONS,
    state=Queue.filter,
    getter=get_options,
)

report_window = menu_window(
    Tr("queue-report-shown"),
    Button(Tr("queue-show-again"), id="again", on_click=on_again),
    TO_LIST,
    state=Queue.report,
    getter=get_report,
)


def queue_dialog() -> Dialog:
    return Dialog(list_window, filter_window, report_window)


# ------------------------------------------------------------------------------ commands


async def queue_command(
    message: Message, dialog_manager: DialogManager, bot: Bot, rights: Rights, i18n: Translator
) -> None:
    if not rights.is_staff:
        await message.answer(i18n("queue-no-rights"))
        return
    await set_chat_commands(bot, message.chat.id, i18n, admin=rights.is_admin, staff=True)
    await dialog_manager.start(Queue.list, mode=StartMode.RESET_STACK)


async def export_command(
    message: Message,
    bot: Bot,
    rights: Rights,
    i18n: Translator,
    db: Database,
    reports: ReportService,
    hromadas: HromadaDirectory,
    settings: Settings,
) -> None:
    """The spreadsheet of the sender's associations (every report for admins), in their language."""
    if not rights.is_staff:
        await message.answer(i18n("queue-no-rights"))
        return
    associations = None if rights.is_admin else sorted(rights.staff_of)
    rows = await export_rows(db, associations=associations, tz=settings.tz)
    # Building a large workbook takes seconds of CPU: not on the event loop.
    data = await asyncio.to_thread(render, rows, "xlsx", i18n, reports.rules, hromadas.oblasts)
    name = file_name(datetime.now(settings.tz).date(), "xlsx")
    try:
        await bot.send_document(
            message.chat.id,
            BufferedInputFile(data, filename=name),
            caption=i18n("queue-export-caption", count=len(rows)),
        )
    except TelegramAPIError as error:
        logger.warning("export to %s not sent: %s", message.chat.id, type(error).__name__)
        await message.answer(i18n("queue-export-failed"))
        return
    logger.info("export of %s report(s) sent to %s", len(rows), message.chat.id)


def create_queue_router() -> Router:
    """`/queue` and `/export` in private chat; included before the command router, which
    would take them for unknown commands."""
    router = Router(name="queue")
    router.message.filter(F.chat.type == "private")
    router.message.register(queue_command, Command("queue"))
    router.message.register(export_command, Command("export"))
    return router
