"""Composing a consultation in private chat (admins, and staff for their own associations): the
title, the question in Ukrainian and optionally in English, an optional document (the draft
law), the kind (a position, or priorities: the options and how many to choose), the audience
with its live count (`dialogs/broadcast_audience.py`'s windows), the closing time, whether staff
see individual answers; then a preview sent exactly as members will receive it
(`delivery.consultations.send_consultation`), with the audience count, and confirmation, which
writes the consultation and its outbox and posts the announcements' progress message.

Every answer lives in dialog_data as plain JSON, so a composition survives a restart; every
step is checked with the service's `problems` and a refused answer loses nothing typed before.
Rights are read again at the start, for the audience, at the preview and at confirmation.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, Row, Start
from aiogram_dialog.widgets.kbd.select import OnItemClick

from bot.services.consultations import (
    MAX_OPTIONS,
    ConsultationDraft,
    ConsultationError,
    Document,
    Option,
)
from dialogs.broadcast_audience import AudienceSteps, audience_windows
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    broadcasts_of,
    esc,
    indexed_select,
    refuse_input,
    timezone_of,
    translator,
    user_id,
)
from dialogs.composing import (
    attachment_buttons,
    attachment_input,
    cancel_button,
    confirmed_before,
    english_buttons,
    file_fields,
    not_text_input,
    preview_windows,
    refused_file,
    step_before,
    submit,
    typed_text,
)
from dialogs.consultation_draft import (
    QUICK_DAYS,
    STEPS,
    after_step,
    audience_count,
    closing_choices,
    draft_of,
    error_text,
    get_preview,
    parse_closing,
    post_progress_once,
    refuse_rights,
    service_of,
    step_problems,
    steps_of,
    to_preview,
)
from dialogs.presenters import local_time
from dialogs.states import ConsultCompose, ConsultDesk
from dialogs.widgets import menu_window
from storage.models import ConsultationKind

logger = logging.getLogger(__name__)

KIND_SELECT = "kind"
MAX_SELECT = "max"
QUICK_SELECT = "quick"


# ------------------------------------------------------------------------------------------ getters


async def get_step(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    options = data.get("options") or []
    return {
        "editing": bool(data.get("editing")),
        "not_first": True,
        "has_en": bool(data.get("question_en")),
        "no_en": not data.get("question_en"),
        **file_fields(data.get("document")),
        "max_options": MAX_OPTIONS,
        "has_options": bool(options),
        "options_text": esc("\n".join(f"{uk} | {en}" if en else uk for uk, en in options)),
        "kinds_list": [
            ("position", translator(dialog_manager)("consult-staff-kind-position")),
            ("priorities", translator(dialog_manager)("consult-staff-kind-priorities")),
        ],
        "choices": [(str(n), str(n)) for n in range(1, len(options) + 1)],
        "option_count": len(options),
    }


async def get_closing(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    tz = timezone_of(dialog_manager)
    t = translator(dialog_manager)
    picks = closing_choices(dialog_manager)
    stored = dialog_manager.dialog_data.get("closes_at")
    return {
        "quick": [
            (str(i), t("consult-staff-closing-in", days=days, date=local_time(moment, tz)))
            for i, (days, moment) in enumerate(zip(QUICK_DAYS, picks, strict=True))
        ],
        "chosen": local_time(datetime.fromisoformat(stored), tz) if stored else "",
        "has_chosen": bool(stored),
        "example": local_time(picks[1], tz),
    }


async def get_created(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    stored = data.get("closes_at")
    closes = (
        local_time(datetime.fromisoformat(stored), timezone_of(dialog_manager)) if stored else ""
    )
    return {
        "id": str(data.get("consultation_id", "")),
        "count": int(data.get("recipients") or 0),
        "closes": closes,
    }


# ---------------------------------------------------------------------------------------- callbacks


async def on_start(_start_data: Any, manager: DialogManager) -> None:
    # One composition, one consultation: the key makes a repeated confirmation find it.
    manager.dialog_data["request_key"] = secrets.token_hex(16)
    manager.dialog_data["visible"] = True
    if await broadcasts_of(manager).allowed_associations(user_id(manager)) is None:
        await manager.switch_to(ConsultCompose.refused)


def _step_name(manager: DialogManager) -> str:
    state = manager.current_context().state
    return state.state.split(":")[-1] if state and state.state else ""


async def _accept(
    message: Message, manager: DialogManager, step: str, draft: ConsultationDraft, **values: Any
) -> None:
    """Store `values` when the service finds nothing wrong with `draft` at this step; else say
    what is wrong and ask again."""
    problems = step_problems(manager, step, draft)
    if problems:
        worst = max(problems, key=lambda p: p.length or 0)
        await refuse_input(message, manager, error_text(translator(manager), worst))
        return
    manager.dialog_data.update(values)
    await after_step(manager, step)


async def on_title(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    title = " ".join((message.text or "").split())
    await _accept(message, manager, "title", replace(draft_of(manager), title=title), title=title)


async def on_question(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    step = _step_name(manager)
    text = await typed_text(message, manager, "consult-staff-question-empty")
    if text is None:
        return
    if step == "question_en":
        draft = replace(draft_of(manager), question_en=text)
        await _accept(message, manager, step, draft, question_en=text)
    else:
        draft = replace(draft_of(manager), question_uk=text)
        await _accept(message, manager, "question_uk", draft, question_uk=text)


async def on_document(message: Message, manager: DialogManager, attachment: dict[str, Any]) -> None:
    draft = replace(draft_of(manager), document=Document(**attachment))
    problems = step_problems(manager, "document", draft)
    if await refused_file(message, manager, attachment, (p.code for p in problems)):
        return
    await _accept(message, manager, "document", draft, document=attachment)


async def on_no_document(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    manager.dialog_data["document"] = None
    await after_step(manager, "document")


async def on_keep(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """On without changing what the step holds: its id is `keep_<step>` or `<step>_keep`."""
    step = (button.widget_id or "").removeprefix("keep_").removesuffix("_keep")
    await after_step(manager, step)


async def on_kind(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    manager.dialog_data["kind"] = (
        ConsultationKind.PRIORITIES
        if item_id == ConsultationKind.PRIORITIES
        else ConsultationKind.POSITION
    ).value
    await after_step(manager, "kind")


async def on_options(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    """One option a line; `Українською | In English` gives an option both texts."""
    given = []
    for line in (message.text or "").splitlines():
        if not line.strip():
            continue
        uk, _, en = line.partition("|")
        given.append(Option(" ".join(uk.split()), " ".join(en.split()) or None))
    options = [[option.uk, option.en] for option in given]
    draft = replace(
        draft_of(manager),
        kind=ConsultationKind.PRIORITIES,
        options=tuple(given),
        max_choices=1,
    )
    stored = min(int(manager.dialog_data.get("max_choices") or 1), max(len(options), 1))
    await _accept(message, manager, "options", draft, options=options, max_choices=stored)


async def on_max_choices(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    chosen = int(item_id) if item_id.isdigit() else 0
    draft = replace(draft_of(manager), max_choices=chosen)
    problems = step_problems(manager, "max_choices", draft)
    if problems:
        await answer(manager, callback, error_text(translator(manager), problems[0]), alert=True)
        return
    manager.dialog_data["max_choices"] = chosen
    await after_step(manager, "max_choices")


async def _closing_chosen(manager: DialogManager, moment: datetime) -> list[ConsultationError]:
    draft = replace(draft_of(manager), closes_at=moment)
    problems = step_problems(manager, "closing", draft)
    if not problems:
        manager.dialog_data["closes_at"] = moment.isoformat()
        await after_step(manager, "closing")
    return problems


async def on_quick_closing(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    picks = closing_choices(manager)
    index = int(item_id) if item_id.isdigit() else -1
    if not 0 <= index < len(picks):
        await answer(manager, callback, translator(manager)("error-stale-button"))
        return
    problems = await _closing_chosen(manager, picks[index])
    if problems:
        await answer(manager, callback, error_text(translator(manager), problems[0]), alert=True)


async def on_typed_closing(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    t = translator(manager)
    moment = parse_closing(message.text or "", manager)
    if moment is None:
        example = local_time(closing_choices(manager)[1], timezone_of(manager))
        await refuse_input(message, manager, t("consult-staff-closing-bad", example=example))
        return
    problems = await _closing_chosen(manager, moment)
    if problems:
        await refuse_input(message, manager, error_text(t, problems[0]))


async def on_visibility(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["visible"] = button.widget_id == "visible_yes"
    await after_step(manager, "visibility")


async def on_back(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Back one step; from a step opened to edit, back to the preview."""
    if manager.dialog_data.get("editing"):
        await to_preview(manager)
        return
    await manager.switch_to(getattr(ConsultCompose, step_before(steps_of(manager), button)))


async def on_confirm(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    if await confirmed_before(manager, "consultation_id", ConsultCompose.done):
        return
    data = manager.dialog_data
    try:
        created = await submit(manager, callback, service_of(manager).create, draft_of(manager))
    except ConsultationError as error:
        logger.info("consultation refused for %s: %s", user_id(manager), error.code)
        await answer(manager, callback, error_text(translator(manager), error), alert=True)
        if error.code == "not-allowed":
            await refuse_rights(manager)
        elif error.code == "empty-audience":
            data["count"] = 0
        return
    data["consultation_id"] = created.id
    data["recipients"] = (await service_of(manager).desk_row(created.id, user_id(manager))).asked
    logger.info("consultation %s created: broadcast %s", created.id, created.broadcast_id)
    if created.broadcast_id is not None:
        await post_progress_once(manager, created.broadcast_id)
    await manager.switch_to(ConsultCompose.done)


# ------------------------------------------------------------------------------------------ windows


CANCEL = cancel_button("consult-staff-cancelled")
TEXT_INPUT = MessageInput(on_question, content_types=ContentType.TEXT)
NOT_TEXT = not_text_input("consult-staff-text-expected")


def back_button(step: str) -> Button:
    return Button(Tr("broadcast-back"), id=f"back_{step}", on_click=on_back)


def _step(
    step: str,
    *widgets: Any,
    inputs: tuple[MessageInput, ...] = (TEXT_INPUT, NOT_TEXT),
    getter: Any = get_step,
    back: bool = True,
) -> Window:
    """A step of the composition: its prompt and buttons, back and cancel, what it takes in."""
    nav = Row(back_button(step), CANCEL) if back else Row(CANCEL)
    return Window(
        Tr(f"consult-staff-{step.replace('_', '-')}-prompt"),
        *widgets,
        nav,
        *inputs,
        state=getattr(ConsultCompose, step),
        getter=getter,
    )


def _choice_step(
    step: str, select_id: str, items: str, on_click: OnItemClick[Any, str], width: int
) -> Window:
    """A step answered by a press on one of the getter's `items`, `width` buttons a row."""
    return _step(
        step, Group(indexed_select(select_id, items, on_click), width=width), inputs=(USE_BUTTONS,)
    )


def _keep(step: str) -> Button:
    """On without changing what this step holds (shown when editing)."""
    return Button(Tr("broadcast-next"), id=f"keep_{step}", on_click=on_keep, when="editing")


def compose_windows() -> list[Window]:
    audience = audience_windows(
        AudienceSteps(
            ConsultCompose,
            lambda manager: after_step(manager, "audience"),
            Row(back_button("audience"), CANCEL),
            texts="consult-staff",
            count=audience_count,
        )
    )
    return [
        menu_window(Tr("consult-staff-not-allowed"), state=ConsultCompose.refused),
        _step(
            "title",
            _keep("title"),
            inputs=(MessageInput(on_title, content_types=ContentType.TEXT), NOT_TEXT),
            back=False,
        ),
        _step("question_uk", _keep("question_uk")),
        _step(
            "question_en",
            *english_buttons("question_en", lambda manager: after_step(manager, "question_en")),
            _keep("question_en"),
        ),
        _step(
            "document",
            Tr("consult-staff-document-current", when="has_attachment"),
            *attachment_buttons("document", on_keep, on_no_document, "consult-staff-document-none"),
            inputs=(attachment_input(on_document, "consult-staff-document-refused"),),
        ),
        _choice_step("kind", KIND_SELECT, "kinds_list", on_kind, width=1),
        _step(
            "options",
            Tr("consult-staff-options-current", when="has_options"),
            _keep("options"),
            inputs=(MessageInput(on_options, content_types=ContentType.TEXT), NOT_TEXT),
        ),
        _choice_step("max_choices", MAX_SELECT, "choices", on_max_choices, width=5),
        *audience,
        _step(
            "closing",
            Tr("consult-staff-closing-current", when="has_chosen"),
            Group(
                indexed_select(QUICK_SELECT, "quick", on_quick_closing),
                width=1,
            ),
            inputs=(MessageInput(on_typed_closing, content_types=ContentType.TEXT), NOT_TEXT),
            getter=get_closing,
        ),
        _step(
            "visibility",
            Row(
                Button(
                    Tr("consult-staff-visible-yes-button"), id="visible_yes", on_click=on_visibility
                ),
                Button(
                    Tr("consult-staff-visible-no-button"), id="visible_no", on_click=on_visibility
                ),
            ),
            inputs=(USE_BUTTONS,),
        ),
        *preview_windows(
            "consult-staff",
            ConsultCompose,
            STEPS,
            get_preview,
            on_confirm,
            to_preview,
            CANCEL,
            steps_of=steps_of,
        ),
        menu_window(
            Tr("consult-staff-created"),
            Start(
                Tr("consult-staff-to-desk"),
                id="to_desk",
                state=ConsultDesk.list,
                mode=StartMode.RESET_STACK,
            ),
            state=ConsultCompose.done,
            getter=get_created,
        ),
    ]


def consultation_compose_dialog() -> Dialog:
    return Dialog(*compose_windows(), on_start=on_start)
