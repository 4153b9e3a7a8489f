"""Window pieces the member and staff dialogs share: a window closed by the menu button, ticked
multiple choices, and the preview's picker of a field to edit."""

from __future__ import annotations

import operator
from collections.abc import Collection
from typing import Any

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Group, Keyboard, Multiselect, Row, Select
from aiogram_dialog.widgets.kbd.select import OnItemStateChanged
from aiogram_dialog.widgets.text import Format

from dialogs.common import MENU_BUTTON, USE_BUTTONS, Window, stale_button

EDIT_SELECT = "edit"


def menu_window(
    *widgets: Any,
    state: State,
    getter: Any = None,
    back: Keyboard | None = None,
    other: MessageInput = USE_BUTTONS,
) -> Window:
    """A window with the menu button under its own buttons (beside `back` when there is one);
    a message no input of its own takes gets `other` (by default: use the buttons)."""
    menu = Row(back, MENU_BUTTON) if back else MENU_BUTTON
    return Window(*widgets, menu, other, state=state, getter=getter)


def ticked_select(
    widget_id: str, items: str, on_changed: OnItemStateChanged[Any, str] | None = None
) -> Multiselect[Any]:
    """Ticked multiple choice over `(id, label)` pairs: ✅ chosen, ▫️ not."""
    return Multiselect(
        Format("✅ {item[1]}"),
        Format("▫️ {item[1]}"),
        id=widget_id,
        item_id_getter=operator.itemgetter(0),
        items=items,
        on_state_changed=on_changed,
    )


def set_ticks(manager: DialogManager, widget_id: str, ticked: Collection[str]) -> None:
    """Tick exactly `ticked` (a multiselect keeps its ticks in the dialog context's widget data)."""
    manager.current_context().widget_data[widget_id] = list(ticked)


def edit_picker(fields: Collection[str], states: object) -> Group:
    """The preview's ✏️ buttons, two a row, from the getter's `fields` (`(field, label)` pairs):
    a press opens the window of the same name in `states`, marked as editing (its answer leads
    back to the preview)."""

    async def on_edit(
        callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
    ) -> None:
        if item_id not in fields:
            await stale_button(manager, callback)  # a forged button
            return
        manager.dialog_data["editing"] = True
        await manager.switch_to(getattr(states, item_id))

    return Group(
        Select(
            Format("✏️ {item[1]}"),
            id=EDIT_SELECT,
            item_id_getter=operator.itemgetter(0),
            items="fields",
            on_click=on_edit,
        ),
        width=2,
    )
