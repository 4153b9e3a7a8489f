"""A member answers a consultation: the buttons of its message (one handler per action), a
comment by replying to that message, and the small comment dialog ("support with amendments"
asks for one; "Comment" changes it). The service re-checks on every press that the consultation
is open and was sent to the presser; each press or reply is one request key, so a double tap or
a retried update changes the answer once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, ContentType
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Text

from bot.i18n import Translations, Translator
from bot.services.consultations import (
    COMMENT_LIMIT,
    ConsultationClosed,
    ConsultationError,
    ConsultationService,
    ConsultationView,
    MyAnswer,
    Position,
)
from delivery.consultations import show_buttons, show_consultation
from dialogs.common import Tr, bot_of, esc, refuse_input, translations_of, translator, user_id
from dialogs.consultation_texts import (
    POSITIONS,
    ConsultAction,
    ConsultCb,
    answer_keyboard,
    closed_keyboard,
    indices_of,
)
from dialogs.states import ConsultComment
from dialogs.widgets import menu_window

logger = logging.getLogger(__name__)

ALERT_MAX = 200
CANCEL_ID = "cancel"

# A refusal's alert, by the service's error code.
ALERTS = {
    "closed": "consult-member-alert-closed",
    "not-in-audience": "consult-member-alert-not-in-audience",
    "no-answer": "consult-member-alert-no-answer",
}


def _press_key(callback: CallbackQuery) -> str:
    return f"consult-cb:{callback.id}"


def _message_key(message: Message) -> str:
    return f"consult-msg:{message.chat.id}:{message.message_id}"


# ------------------------------------------------------------------------------ the buttons


async def _refused(
    callback: CallbackQuery,
    bot: Bot,
    i18n: Translator,
    error: ConsultationError,
    consultation_id: int,
) -> None:
    """The refusal as an alert; once closed, the buttons give way to the "closed" marker."""
    await callback.answer(
        i18n(ALERTS.get(error.code, "consult-member-alert-unavailable"))[:ALERT_MAX],
        show_alert=True,
    )
    message = callback.message
    if isinstance(error, ConsultationClosed) and message is not None:
        keyboard = closed_keyboard(i18n, consultation_id)
        # A message already showing the marker (closing replaced its buttons) is left alone:
        # Telegram refuses an edit that changes nothing.
        if not _shows(message, keyboard):
            await show_buttons(bot, message.chat.id, message.message_id, keyboard, consultation_id)


def _shows(message: object, keyboard: InlineKeyboardMarkup) -> bool:
    """Whether the message (as the press reported it) shows exactly these buttons."""
    shown = getattr(message, "reply_markup", None)
    return isinstance(shown, InlineKeyboardMarkup) and shown.model_dump(
        exclude_none=True
    ) == keyboard.model_dump(exclude_none=True)


async def _asked(
    callback: CallbackQuery,
    bot: Bot,
    i18n: Translator,
    consultations: ConsultationService,
    consultation_id: int,
) -> ConsultationView | None:
    """The consultation, open and sent to the presser; None (refused with an alert) otherwise."""
    view = await consultations.for_member(callback.from_user.id, consultation_id)
    if view is None:
        await _refused(callback, bot, i18n, ConsultationError("not-in-audience"), consultation_id)
        return None
    if not view.is_open(consultations.clock()):
        await _refused(callback, bot, i18n, ConsultationClosed(), consultation_id)
        return None
    return view


async def _save(
    callback: CallbackQuery,
    bot: Bot,
    i18n: Translator,
    translations: Translations,
    consultations: ConsultationService,
    consultation_id: int,
    choice: str | list[int],
) -> ConsultationError | None:
    """Save the pressed answer: a short notice, and the message shows it with the buttons to
    change it. A refusal is alerted (but "comment-required", left to the caller) and returned."""
    try:
        answer = await consultations.answer(
            callback.from_user.id, consultation_id, choice, request_key=_press_key(callback)
        )
    except ConsultationError as error:
        if error.code != "comment-required":
            await _refused(callback, bot, i18n, error, consultation_id)
        return error
    await callback.answer(i18n("consult-member-saved"))
    if callback.message is not None:
        where = (callback.message.chat.id, callback.message.message_id)
        member = callback.from_user.id
        await show_answer(bot, consultations, translations, i18n.locale, where, member, answer)
    return None


async def show_answer(
    bot: Bot,
    consultations: ConsultationService,
    translations: Translations,
    locale: str,
    where: tuple[int, int],
    member: int,
    answer: MyAnswer,
) -> None:
    """The consultation message (chat id, message id) edited to show the member's answer."""
    view = await consultations.for_member(member, answer.consultation_id)
    if view is not None:
        chat_id, message_id = where
        await show_consultation(
            bot, chat_id, message_id, view, locale, translations, my_answer=answer
        )


async def on_position(
    callback: CallbackQuery,
    callback_data: ConsultCb,
    bot: Bot,
    i18n: Translator,
    translations: Translations,
    consultations: ConsultationService,
    dialog_manager: DialogManager,
) -> None:
    cid = callback_data.consultation_id
    if callback_data.option >= len(POSITIONS):
        await _refused(callback, bot, i18n, ConsultationError("bad-choice"), cid)
        return
    position = POSITIONS[callback_data.option].value
    # "With amendments" keeps a comment given before; without one it asks for it.
    error = await _save(callback, bot, i18n, translations, consultations, cid, position)
    if error is not None and error.code == "comment-required":
        await callback.answer()
        await _start_comment(dialog_manager, callback, cid, position)


async def on_toggle(
    callback: CallbackQuery,
    callback_data: ConsultCb,
    bot: Bot,
    i18n: Translator,
    consultations: ConsultationService,
) -> None:
    cid = callback_data.consultation_id
    view = await _asked(callback, bot, i18n, consultations, cid)
    if view is None:
        return
    if callback_data.option >= len(view.options):
        await _refused(callback, bot, i18n, ConsultationError("bad-choice"), cid)
        return
    mask = callback_data.mask ^ (1 << callback_data.option)
    if len(indices_of(mask)) > view.max_choices:
        alert = i18n("consult-member-alert-too-many", max=view.max_choices)
        await callback.answer(alert[:ALERT_MAX], show_alert=True)
        return
    await callback.answer()
    message = callback.message
    if message is None:
        return
    answer = await consultations.my_answer(callback.from_user.id, cid)
    keyboard: InlineKeyboardMarkup = answer_keyboard(i18n, view, cid, my_answer=answer, mask=mask)
    await show_buttons(bot, message.chat.id, message.message_id, keyboard, cid)


async def on_submit(
    callback: CallbackQuery,
    callback_data: ConsultCb,
    bot: Bot,
    i18n: Translator,
    translations: Translations,
    consultations: ConsultationService,
) -> None:
    cid = callback_data.consultation_id
    chosen = indices_of(callback_data.mask)
    if not chosen:
        await callback.answer(i18n("consult-member-alert-none-chosen"), show_alert=True)
        return
    await _save(callback, bot, i18n, translations, consultations, cid, chosen)


async def on_comment(
    callback: CallbackQuery,
    callback_data: ConsultCb,
    bot: Bot,
    i18n: Translator,
    consultations: ConsultationService,
    dialog_manager: DialogManager,
) -> None:
    cid = callback_data.consultation_id
    if await _asked(callback, bot, i18n, consultations, cid) is None:
        return
    if await consultations.my_answer(callback.from_user.id, cid) is None:
        await _refused(callback, bot, i18n, ConsultationError("no-answer"), cid)
        return
    await callback.answer()
    await _start_comment(dialog_manager, callback, cid, None)


async def on_closed(callback: CallbackQuery, i18n: Translator) -> None:
    await callback.answer(i18n("consult-member-alert-closed")[:ALERT_MAX], show_alert=True)


HANDLERS: dict[ConsultAction, Callable[..., Awaitable[None]]] = {
    ConsultAction.POSITION: on_position,
    ConsultAction.TOGGLE: on_toggle,
    ConsultAction.SUBMIT: on_submit,
    ConsultAction.COMMENT: on_comment,
    ConsultAction.CLOSED: on_closed,
}


# ------------------------------------------------------------------------ replies as comments


def consultation_replied_to(message: Message) -> int | None:
    """The consultation whose message `message` replies to, read from that message's buttons."""
    replied = message.reply_to_message
    markup = replied.reply_markup if replied is not None else None
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            data = button.callback_data or ""
            if data.startswith(ConsultCb.__prefix__ + ConsultCb.__separator__):
                try:
                    return ConsultCb.unpack(data).consultation_id
                except (TypeError, ValueError):
                    return None
    return None


class RepliesToConsultation(BaseFilter):
    """A private message replying to a consultation message; gives `consultation_id`."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        if message.chat.type != ChatType.PRIVATE:
            return False
        found = consultation_replied_to(message)
        return False if found is None else {"consultation_id": found}


async def on_reply(
    message: Message,
    consultation_id: int,
    bot: Bot,
    i18n: Translator,
    translations: Translations,
    consultations: ConsultationService,
) -> None:
    """A reply to the consultation message is a comment on the member's answer."""
    if message.from_user is None:
        return
    if message.content_type != ContentType.TEXT:
        await message.answer(i18n("consult-member-comment-text-only"))
        return
    try:
        answer = await consultations.set_comment(
            message.from_user.id,
            consultation_id,
            message.text,
            request_key=_message_key(message),
        )
    except ConsultationError as error:
        await message.answer(_refusal_text(i18n, error, message.text or ""))
        return
    await message.answer(i18n("consult-member-comment-saved"))
    replied = message.reply_to_message
    if replied is not None:
        where = (replied.chat.id, replied.message_id)
        member = message.from_user.id
        await show_answer(bot, consultations, translations, i18n.locale, where, member, answer)


def _refusal_text(t: Translator, error: ConsultationError, text: str) -> str:
    if error.code == "comment-too-long":
        return t("consult-member-comment-too-long", length=len(text.strip()), limit=COMMENT_LIMIT)
    return t(ALERTS.get(error.code, "consult-member-alert-unavailable"))


def create_consultation_answer_router() -> Router:
    """The answer buttons, one handler per action, and replies to consultation messages."""
    router = Router(name="consultation_answer")
    for action, handler in HANDLERS.items():
        router.callback_query.register(handler, ConsultCb.filter(F.action == action))
    router.message.register(on_reply, RepliesToConsultation())
    return router


# --------------------------------------------------------------------------- the comment dialog


async def _start_comment(
    manager: DialogManager, callback: CallbackQuery, consultation_id: int, choice: str | None
) -> None:
    """The comment dialog for this consultation; `choice` "amend" is saved with the comment."""
    message = callback.message
    view = await manager.middleware_data["consultations"].for_member(
        callback.from_user.id, consultation_id
    )
    await manager.start(
        ConsultComment.text,
        data={
            "consultation_id": consultation_id,
            "title": view.title if view is not None else "",
            "choice": choice,
            "chat_id": message.chat.id if message is not None else None,
            "message_id": message.message_id if message is not None else None,
        },
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND,
    )


async def get_prompt(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.start_data if isinstance(dialog_manager.start_data, dict) else {}
    return {
        "title": esc(str(data.get("title") or "")),
        "limit": COMMENT_LIMIT,
        "amend": data.get("choice") == Position.AMEND,
        "comment": data.get("choice") != Position.AMEND,
        "result": dialog_manager.dialog_data.get("result", "consult-member-comment-saved"),
    }


async def on_comment_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    data = manager.start_data if isinstance(manager.start_data, dict) else {}
    consultations: ConsultationService = manager.middleware_data["consultations"]
    cid = int(data.get("consultation_id") or 0)
    t = translator(manager)
    key = _message_key(message)
    try:
        if data.get("choice"):
            answer = await consultations.answer(
                user_id(manager), cid, str(data["choice"]), message.text, request_key=key
            )
        else:
            answer = await consultations.set_comment(
                user_id(manager), cid, message.text, request_key=key
            )
    except ConsultationError as error:
        if error.code in ("comment-too-long", "comment-required"):
            # Nothing lost: the window asks again.
            await refuse_input(message, manager, _refusal_text(t, error, message.text or ""))
            return
        manager.dialog_data["result"] = ALERTS.get(error.code, "consult-member-alert-unavailable")
        await manager.switch_to(ConsultComment.saved)
        return
    chat_id, message_id = data.get("chat_id"), data.get("message_id")
    if chat_id and message_id:
        where = (int(chat_id), int(message_id))
        await show_answer(
            bot_of(manager),
            consultations,
            translations_of(manager),
            t.locale,
            where,
            user_id(manager),
            answer,
        )
    manager.dialog_data["result"] = "consult-member-comment-saved"
    await manager.switch_to(ConsultComment.saved)


async def on_comment_other(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await refuse_input(message, manager, translator(manager)("consult-member-comment-text-only"))


async def on_cancel(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    manager.dialog_data["result"] = "consult-member-comment-cancelled"
    await manager.switch_to(ConsultComment.saved)


class ResultText(Text):
    """What came of the comment: the Fluent message whose id the getter gives as `result`."""

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        return translator(manager)(str(data["result"]))


comment_window = menu_window(
    Tr("consult-member-amend-prompt", when="amend"),
    Tr("consult-member-comment-prompt", when="comment"),
    MessageInput(on_comment_text, content_types=ContentType.TEXT),
    Button(Tr("consult-member-comment-cancel"), id=CANCEL_ID, on_click=on_cancel),
    state=ConsultComment.text,
    getter=get_prompt,
    other=MessageInput(on_comment_other, content_types=ContentType.ANY),
)

saved_window = menu_window(ResultText(), state=ConsultComment.saved, getter=get_prompt)


def consultation_comment_dialog() -> Dialog:
    return Dialog(comment_window, saved_window)
