"""A consultation's live results for staff: the summary text, Refresh, the chart (a photo),
the spreadsheet of the answers the viewer may see (a document) and Back. Started by the staff's
consultations dialog with `ConsultResults.main` and `data={"consultation_id": id}`; every press
reads the results again through the service, which checks the viewer's rights each time."""

from __future__ import annotations

from typing import Any

from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram_dialog import Dialog, DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button, Cancel, Row
from aiogram_dialog.widgets.text import Format

from bot.names import Names
from bot.services.consultations import ConsultationError, ConsultationService, Results
from dialogs.common import (
    Tr,
    answer,
    associations_of,
    bot_of,
    hromadas_of,
    reports_of,
    timezone_of,
    translator,
    user_id,
)
from dialogs.consultation_result_texts import (
    render_results,
    results_chart,
    results_file_name,
    results_sheet,
    sheet_caption,
)
from dialogs.states import ConsultResults
from dialogs.widgets import menu_window

REFRESH = "refresh"
CHART = "chart"
SHEET = "sheet"


def consultations_of(manager: DialogManager) -> ConsultationService:
    return manager.middleware_data["consultations"]  # type: ignore[no-any-return]


def _names(manager: DialogManager) -> Names:
    return Names.of(
        reports_of(manager).rules, hromadas_of(manager).oblasts, associations_of(manager)
    )


def _consultation_id(manager: DialogManager) -> int:
    data = manager.start_data
    value = data.get("consultation_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) else 0


async def _results(manager: DialogManager, *, with_rows: bool = False) -> Results:
    """The results as this viewer may see them now (the answers themselves only `with_rows`,
    for the spreadsheet); ConsultationError when they may not."""
    return await consultations_of(manager).results(
        _consultation_id(manager), user_id(manager), with_rows=with_rows
    )


def _refusal(manager: DialogManager, error: ConsultationError) -> str:
    code = "not-found" if error.code == "not-found" else "not-allowed"
    return translator(manager)(f"consult-results-{code}")


# ---------------------------------------------------------------------------------- getters


async def get_results(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    try:
        results = await _results(dialog_manager)
    except ConsultationError as error:
        return {"text": _refusal(dialog_manager, error), "allowed": False}
    t = translator(dialog_manager)
    text = render_results(t, results, _names(dialog_manager), timezone_of(dialog_manager))
    return {"text": text, "allowed": True}


# -------------------------------------------------------------------------------- callbacks


async def on_refresh(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    # The getter reads the results again (and the rights with them) as the window is redrawn.
    await answer(manager, callback, translator(manager)("consult-results-refreshed"))


async def _send_file(callback: CallbackQuery, manager: DialogManager, chart: bool) -> None:
    t = translator(manager)
    try:
        results = await _results(manager, with_rows=not chart)
    except ConsultationError as error:
        await answer(manager, callback, _refusal(manager, error), alert=True)
        return
    bot, chat_id, names = bot_of(manager), user_id(manager), _names(manager)
    if chart:
        await bot.send_photo(
            chat_id,
            BufferedInputFile(
                await results_chart(t, results, names),
                filename=results_file_name(results, "png"),
            ),
            caption=t("consult-results-chart-caption"),
        )
    else:
        await bot.send_document(
            chat_id,
            BufferedInputFile(
                await results_sheet(t, results, names, timezone_of(manager)),
                filename=results_file_name(results, "xlsx"),
            ),
            caption=sheet_caption(t, results),
        )
    manager.show_mode = ShowMode.SEND  # the window again below the file, its buttons in reach


async def on_chart(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _send_file(callback, manager, chart=True)


async def on_sheet(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await _send_file(callback, manager, chart=False)


# --------------------------------------------------------------------------------- windows

results_window = menu_window(
    Format("{text}"),
    Button(Tr("consult-results-refresh"), id=REFRESH, on_click=on_refresh, when="allowed"),
    Row(
        Button(Tr("consult-results-chart"), id=CHART, on_click=on_chart, when="allowed"),
        Button(Tr("consult-results-spreadsheet"), id=SHEET, on_click=on_sheet, when="allowed"),
    ),
    state=ConsultResults.main,
    getter=get_results,
    back=Cancel(Tr("consult-results-back")),
)


def consultation_results_dialog() -> Dialog:
    return Dialog(results_window)
