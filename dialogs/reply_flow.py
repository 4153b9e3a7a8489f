"""The staff desks' private reply dialog, one shape for both: text → preview → sent.

A desk's card links to a dialog in private chat where staff type an answer, read it as the member
will, and send it. What differs between the desks is given to `ReplyFlow`: the states, the ids of
a few texts, how the typed text is checked, how the preview is rendered and how the answer is
sent. What is the same lives here: the text and not-text inputs, the preview window, and the send
press's bookkeeping (the answer waiting in `dialog_data`, and the preview's request key that makes
a press handled twice send once).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram.enums import ContentType
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Format, Multi

from bot.i18n import Translator
from bot.services.members import InvalidInput
from dialogs.common import MENU_BUTTON, USE_BUTTONS, Tr, Window, translator

ANSWER = "answer"  # dialog_data: the typed answer, shown in the preview until sent
ANSWER_KEY = "answer_key"  # dialog_data: the preview's request key

Clean = Callable[[str], str]
"""The typed text, cleaned; raises InvalidInput when it cannot be sent."""

Refusal = Callable[[Translator, InvalidInput], str]
"""What to tell staff about a text `Clean` refused."""

RenderPreview = Callable[[DialogManager, str], Awaitable[tuple[str, int] | None]]
"""The answer's first message as the member will read it and how many messages it takes; None
when the item is no longer there to answer."""

Send = Callable[[CallbackQuery, Button, DialogManager, str, str | None], Awaitable[State]]
"""Send the answer (its text and request key) and return the state to show next."""


Getter = Callable[..., Awaitable[dict[str, Any]]]
"""A window's getter."""


@dataclass(frozen=True)
class ReplyTexts:
    """The Fluent ids a desk's reply dialog uses for the shared parts."""

    text_only: str  # a photo, sticker or file where a text was expected
    preview_title: str  # above the preview
    preview_parts: str  # below it, when the answer takes several messages (`{count}`)


class ReplyFlow:
    """One desk's reply dialog: its inputs, preview window, send press and sent window."""

    def __init__(
        self,
        *,
        compose: State,
        preview: State,
        sent: State,
        texts: ReplyTexts,
        clean: Clean,
        refusal: Refusal,
        render_preview: RenderPreview,
        send: Send,
    ) -> None:
        self.compose = compose
        self.preview = preview
        self.sent = sent
        self.texts = texts
        self.clean = clean
        self.refusal = refusal
        self.render_preview = render_preview
        self.send = send
        # A new text in the preview replaces the answer; anything else is refused.
        self.inputs = (
            MessageInput(self.on_text, content_types=ContentType.TEXT),
            MessageInput(self.on_not_text, content_types=ContentType.ANY),
        )

    async def on_text(
        self, message: Message, _widget: MessageInput, manager: DialogManager
    ) -> None:
        try:
            text = self.clean(message.text or "")
        except InvalidInput as error:
            await message.answer(self.refusal(translator(manager), error))
            manager.show_mode = ShowMode.NO_UPDATE
            return
        manager.dialog_data[ANSWER] = text
        # The buttons of this preview: the same press handled again sends nothing more.
        manager.dialog_data[ANSWER_KEY] = secrets.token_hex(16)
        await manager.switch_to(self.preview)

    async def on_not_text(
        self, message: Message, _widget: MessageInput, manager: DialogManager
    ) -> None:
        await message.answer(translator(manager)(self.texts.text_only))
        manager.show_mode = ShowMode.NO_UPDATE

    async def get_preview(self, dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
        text = str(dialog_manager.dialog_data.get(ANSWER, ""))
        shown = await self.render_preview(dialog_manager, text) if text else None
        if shown is None:
            return {"preview": "", "several": False, "count": "0"}
        first, count = shown
        return {"preview": first, "several": count > 1, "count": str(count)}

    async def on_send(
        self, callback: CallbackQuery, button: Button, manager: DialogManager
    ) -> None:
        text = str(manager.dialog_data.pop(ANSWER, "") or "")
        if not text:
            await manager.switch_to(self.compose)
            return
        key = manager.dialog_data.get(ANSWER_KEY)
        await manager.switch_to(await self.send(callback, button, manager, text, key))

    def send_button(self, text_id: str, widget_id: str = "send") -> Button:
        """A button sending the answer; `send` tells the buttons apart by `widget_id`."""
        return Button(Tr(text_id), id=widget_id, on_click=self.on_send)

    def compose_window(self, *widgets: Any, getter: Getter) -> Window:
        """The window asking for the answer: the desk's own texts and buttons, then the inputs."""
        return Window(*widgets, *self.inputs, state=self.compose, getter=getter)

    def preview_window(self, *buttons: Any) -> Window:
        """The answer as the member will read it, with the desk's buttons below."""
        return Window(
            Multi(
                Tr(self.texts.preview_title),
                Format("{preview}"),
                Tr(self.texts.preview_parts, when="several"),
                sep="\n\n",
            ),
            *buttons,
            *self.inputs,
            state=self.preview,
            getter=self.get_preview,
        )

    def sent_window(self, *widgets: Any, getter: Getter) -> Window:
        """After sending: the desk's texts and buttons, then the menu."""
        return Window(*widgets, MENU_BUTTON, USE_BUTTONS, state=self.sent, getter=getter)
