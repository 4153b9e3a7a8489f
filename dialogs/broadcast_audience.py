"""The audience of an announcement or a consultation: everyone (staff: everyone in their
associations), or members narrowed by associations, oblasts and positions, each filter a list of
ticks. Rights are read again for every window: staff pick among their own associations only.
`audience_windows` builds the four windows in a composing dialog's own states."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import (
    Button,
    Column,
    Group,
    Keyboard,
    Row,
    ScrollingGroup,
    SwitchTo,
)

from bot.content import AssociationInfo
from bot.i18n import Translator
from bot.names import short_names
from bot.services.members import ROLES
from dialogs.broadcast_draft import CANCEL, after_step, audience_of, back_button
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    associations_of,
    broadcasts_of,
    hromadas_of,
    translator,
    user_id,
)
from dialogs.presenters import oblast_name
from dialogs.states import BroadcastCompose
from dialogs.widgets import set_ticks, ticked_select

# Widget ids
ASSOCIATIONS_SELECT = "assoc"
OBLASTS_SELECT = "oblast"
ROLES_SELECT = "role"
# Each filter: its key in dialog_data, the id of its multiselect.
FILTERS = {"associations": ASSOCIATIONS_SELECT, "oblasts": OBLASTS_SELECT, "roles": ROLES_SELECT}


async def allowed_associations(manager: DialogManager) -> tuple[str, ...] | None:
    return await broadcasts_of(manager).allowed_associations(user_id(manager))


def _addressable(
    associations: list[AssociationInfo], allowed: tuple[str, ...]
) -> list[AssociationInfo]:
    """The associations an author may pick: all for admins, their own for staff."""
    ordered = sorted(associations, key=lambda a: a.position)
    return [a for a in ordered if not allowed or a.code in allowed]


def _names(associations: list[AssociationInfo], codes: Sequence[str], locale: str) -> str:
    """The short names of `codes`, in the associations' display order."""
    return short_names(associations, [a.code for a in associations if a.code in codes], locale)


def _role_names(t: Translator, roles: Sequence[str]) -> str:
    return ", ".join(t(f"role-{role}") for role in ROLES if role in roles)


def _oblast_names(manager: DialogManager, codes: Sequence[str], locale: str) -> str:
    oblasts = hromadas_of(manager).oblasts
    return ", ".join(oblast_name(o, locale) for o in oblasts if o.code in codes)


async def audience_summary(manager: DialogManager, allowed: tuple[str, ...], prefix: str) -> str:
    """The audience in one line for a preview: the filters chosen, else all of the author's own
    associations (`<prefix>-audience-own-summary`), else everyone (`-everyone-summary`)."""
    t = translator(manager)
    texts = await audience_texts(manager, allowed)
    audience = audience_of(manager)
    if audience.associations or audience.oblasts or audience.roles:
        return t(
            "broadcast-audience-summary",
            associations=texts["associations"],
            oblasts=texts["oblasts"],
            roles=texts["roles"],
        )
    if allowed:
        return t(f"{prefix}-audience-own-summary", own=texts["own"])
    return t(f"{prefix}-audience-everyone-summary")


async def audience_texts(manager: DialogManager, allowed: tuple[str, ...]) -> dict[str, str]:
    """The current audience in words, filter by filter."""
    t = translator(manager)
    audience = audience_of(manager)
    associations = associations_of(manager)
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


# ------------------------------------------------------------------------------------------ getters


async def get_association_items(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    allowed = await allowed_associations(dialog_manager) or ()
    addressable = _addressable(associations_of(dialog_manager), allowed)
    return {"associations": [(a.code, a.short(locale)) for a in addressable]}


async def get_oblast_items(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    oblasts = hromadas_of(dialog_manager).oblasts
    chosen = dialog_manager.dialog_data.get("oblasts", [])
    return {
        "oblasts": [(str(i), oblast_name(o, t.locale)) for i, o in enumerate(oblasts)],
        "chosen": _oblast_names(dialog_manager, chosen, t.locale) or t("broadcast-audience-any"),
    }


async def get_role_items(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    return {"roles": [(str(i), t(f"role-{role}")) for i, role in enumerate(ROLES)]}


# ---------------------------------------------------------------------------------------- callbacks


async def on_associations_changed(
    _event: Any, widget: Any, manager: DialogManager, _item_id: str
) -> None:
    allowed = await allowed_associations(manager) or ()
    ticked = set(widget.get_checked())
    addressable = _addressable(associations_of(manager), allowed)
    manager.dialog_data["associations"] = [a.code for a in addressable if a.code in ticked]


async def on_oblasts_changed(
    _event: Any, widget: Any, manager: DialogManager, _item_id: str
) -> None:
    ticked = set(widget.get_checked())
    oblasts = hromadas_of(manager).oblasts
    manager.dialog_data["oblasts"] = [o.code for i, o in enumerate(oblasts) if str(i) in ticked]


async def on_roles_changed(_event: Any, widget: Any, manager: DialogManager, _item_id: str) -> None:
    ticked = set(widget.get_checked())
    manager.dialog_data["roles"] = [r for i, r in enumerate(ROLES) if str(i) in ticked]


async def on_clear(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    key = (button.widget_id or "").removeprefix("clear_")
    manager.dialog_data[key] = []
    set_ticks(manager, FILTERS[key], [])


# ------------------------------------------------------------------------------------------ windows


@dataclass(frozen=True)
class AudienceSteps:
    """What a composing dialog gives its audience windows: its states (`audience`,
    `associations`, `oblasts`, `roles`), what follows once the audience is chosen, the row under
    the audience window, the prefix of the prompts' Fluent ids (`<texts>-audience-prompt`...),
    and, when the prompt shows it, how many members the audience reaches now (`$count`)."""

    states: type[StatesGroup]
    chosen: Callable[[DialogManager], Awaitable[None]]
    nav: Keyboard
    texts: str = "broadcast"
    count: Callable[[DialogManager], Awaitable[int]] | None = None


def audience_windows(steps: AudienceSteps) -> tuple[Window, Window, Window, Window]:
    """The audience window and its three filters' windows, in the states of `steps`."""

    async def get_audience(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
        allowed = await allowed_associations(dialog_manager) or ()
        addressable = _addressable(associations_of(dialog_manager), allowed)
        found = {
            **await audience_texts(dialog_manager, allowed),
            "is_admin": not allowed,
            "is_staff": bool(allowed),
            "several": len(addressable) > 1,
            "editing": bool(dialog_manager.dialog_data.get("editing")),
        }
        if steps.count is not None:
            found["count"] = await steps.count(dialog_manager)
        return found

    async def on_everyone(
        _callback: CallbackQuery, _button: Button, manager: DialogManager
    ) -> None:
        """No filter at all: every member (staff: everyone in the associations they serve);
        the audience is chosen, so on to the next step."""
        for key, widget_id in FILTERS.items():
            manager.dialog_data[key] = []
            set_ticks(manager, widget_id, [])
        await steps.chosen(manager)

    async def on_audience_chosen(
        _callback: CallbackQuery, _button: Button, manager: DialogManager
    ) -> None:
        await steps.chosen(manager)

    states: Any = steps.states  # a StatesGroup with the four states named above
    texts = steps.texts
    audience = Window(
        Tr(f"{texts}-audience-prompt"),
        Tr(f"{texts}-audience-staff-note", when="is_staff"),
        Button(
            Tr(f"{texts}-audience-everyone"), id="everyone", on_click=on_everyone, when="is_admin"
        ),
        Button(
            Tr(f"{texts}-audience-everyone-own"),
            id="everyone_own",
            on_click=on_everyone,
            when="is_staff",
        ),
        Group(
            SwitchTo(
                Tr("broadcast-audience-associations"),
                id="to_associations",
                state=states.associations,
                when="several",
            ),
            SwitchTo(Tr("broadcast-audience-oblasts"), id="to_oblasts", state=states.oblasts),
            SwitchTo(Tr("broadcast-audience-roles"), id="to_roles", state=states.roles),
            width=3,
        ),
        Button(Tr("broadcast-next"), id="audience_done", on_click=on_audience_chosen),
        steps.nav,
        USE_BUTTONS,
        state=states.audience,
        getter=get_audience,
    )

    def filter_window(key: str, picker: Keyboard, getter: Any) -> Window:
        """One filter's choices, ticked, with a button to clear them; done, back to the audience."""
        return Window(
            Tr(f"{texts}-{key}-prompt"),
            picker,
            Button(Tr("broadcast-clear"), id=f"clear_{key}", on_click=on_clear),
            SwitchTo(Tr("broadcast-choose-done"), id="chosen", state=states.audience),
            USE_BUTTONS,
            state=getattr(states, key),
            getter=getter,
        )

    return (
        audience,
        filter_window(
            "associations",
            Column(ticked_select(ASSOCIATIONS_SELECT, "associations", on_associations_changed)),
            get_association_items,
        ),
        filter_window(
            "oblasts",
            ScrollingGroup(
                ticked_select(OBLASTS_SELECT, "oblasts", on_oblasts_changed),
                id="oblast_pages",
                width=2,
                height=6,
            ),
            get_oblast_items,
        ),
        filter_window(
            "roles", Column(ticked_select(ROLES_SELECT, "roles", on_roles_changed)), get_role_items
        ),
    )


async def _after_audience(manager: DialogManager) -> None:
    await after_step(manager, "audience")


# The announcement's: no count on the audience window (the preview gives it).
audience_window, associations_window, oblasts_window, roles_window = audience_windows(
    AudienceSteps(BroadcastCompose, _after_audience, Row(back_button("audience"), CANCEL))
)
