"""Questions to the experts, staff side: answers by reply to a card, the draft button,
`/questions` and the private reply dialog.

A question's card is posted to the staff groups of its associations (`delivery/question_cards.py`).
Staff answer by replying to the card in the group, or in private chat (the card's button, or
`/questions`); either way the answer reaches the member in their language and every card of the
question shows who answered and when. Binding the groups is `dialogs/staff_groups.py`.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.kbd import Button, Row, ScrollingGroup, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.i18n import Translations, Translator
from bot.names import short_names
from bot.services.members import InvalidInput
from bot.services.message_limits import utf16_len
from bot.services.questions import (
    NotAnswered,
    QuestionService,
    UnknownQuestion,
    clean_answer,
    shorten,
    split_message,
)
from bot.services.staff import PermissionDenied, Rights
from bot.services.staff_chats import StaffChatService
from bot.services.text_input import parse_id
from bot.settings import Settings
from delivery.commands import set_chat_commands
from delivery.question_cards import answer_question, refresh_cards
from dialogs.common import (
    MENU_BUTTON,
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    bot_of,
    deep_link_id,
    esc,
    indexed_select,
    timezone_of,
    translations_of,
    translator,
)
from dialogs.question_texts import (
    QUESTION_LINK_PREFIX,
    DraftCallback,
    answering_for,
    member_messages,
    render_card,
)
from dialogs.reply_flow import ANSWER, ReplyFlow, ReplyTexts
from dialogs.staff_groups import GROUP_TYPES, group_translator
from dialogs.states import ExpertDesk

logger = logging.getLogger(__name__)

INTERNAL_PREFIX = "//"  # a reply to a card starting with this is a note among staff
LIST_LIMIT = 96  # questions in /questions: with the pager, within 100 buttons
LIST_ITEM_TEXT = 40
DIALOG_CARD_LIMIT = 3500  # the card inside a dialog window leaves room for the prompt
PREVIEW_MAX = 2500

LIST_SELECT = "question"


# ------------------------------------------------------------------------------ staff groups


async def on_card_reply(
    message: Message,
    bot: Bot,
    rights: Rights,
    questions: QuestionService,
    staff_chats: StaffChatService,
    translations: Translations,
    settings: Settings,
) -> None:
    """A reply to a question's card: from staff, the answer; from anyone else, a refusal."""
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.from_user.id != bot.id:
        return
    question_id = await questions.question_for_card(message.chat.id, reply.message_id)
    if question_id is None:
        return
    text = message.text
    if text is not None and text.startswith((INTERNAL_PREFIX, "/")):
        return  # staff talking among themselves, or a command
    assert message.from_user is not None
    t, _ = await group_translator(message.chat.id, staff_chats, translations)
    if text is None:
        key = "desk-answer-text-only" if rights.is_staff else "desk-answer-not-staff"
        await message.reply(t(key))
        return
    try:
        outcome = await answer_question(
            bot,
            questions,
            translations,
            question_id=question_id,
            staff=message.from_user,
            text=text,
            tz=settings.tz,
            # The reply message is the press: delivered again, it is the same answer.
            request_key=f"msg:{message.chat.id}:{message.message_id}",
        )
    except PermissionDenied:
        logger.info(
            "question %s: reply in chat %s by %s, who may not answer it",
            question_id,
            message.chat.id,
            message.from_user.id,
        )
        await message.reply(t("desk-answer-not-staff"))
        return
    except UnknownQuestion:
        return
    except InvalidInput:
        # Nothing readable (an emoji, invisible characters): not sent, and staff are told.
        await message.reply(t("input-no-letters" if rights.is_staff else "desk-answer-not-staff"))
        return
    if outcome.repeated:
        await message.reply(t("once-answer-already-sent"))
        return
    await message.reply(t("desk-answer-sent" if outcome.delivered else "desk-answer-undelivered"))


async def on_make_draft(
    callback: CallbackQuery,
    callback_data: DraftCallback,
    bot: Bot,
    i18n: Translator,
    questions: QuestionService,
    translations: Translations,
    settings: Settings,
) -> None:
    """The card's draft button: rights are checked on every press."""
    try:
        result = await questions.make_draft(callback_data.question_id, callback.from_user.id)
    except UnknownQuestion:
        await callback.answer(i18n("desk-question-not-found")[:200], show_alert=True)
        return
    except PermissionDenied:
        logger.info("draft refused to %s", callback.from_user.id)
        await callback.answer(i18n("desk-not-your-question")[:200], show_alert=True)
        return
    except NotAnswered:
        await callback.answer(i18n("desk-draft-not-answered")[:200], show_alert=True)
        return
    key = "desk-draft-created" if result.created else "desk-draft-exists"
    await callback.answer(i18n(key, draft=str(result.draft_id))[:200], show_alert=True)
    if result.created:
        await refresh_cards(bot, questions, translations, callback_data.question_id, settings.tz)


async def on_group_button(callback: CallbackQuery, i18n: Translator) -> None:
    """A button in a group that no handler knows (forged or old): answered, nothing else."""
    await callback.answer(i18n("error-stale-button"))


# ------------------------------------------------------------------------------ private chat


async def questions_command(
    message: Message, dialog_manager: DialogManager, bot: Bot, rights: Rights, i18n: Translator
) -> None:
    if not rights.is_staff:
        await message.answer(i18n("desk-no-rights"))
        return
    await set_chat_commands(bot, message.chat.id, i18n, admin=rights.is_admin, staff=True)
    await dialog_manager.start(ExpertDesk.questions, mode=StartMode.RESET_STACK)


async def start_with_question(
    message: Message,
    command: CommandObject,
    dialog_manager: DialogManager,
    bot: Bot,
    rights: Rights,
    i18n: Translator,
    questions: QuestionService,
) -> None:
    """`/start q<id>`: the card's "answer in private chat" button."""
    assert command.args is not None
    if not rights.is_staff:
        await message.answer(i18n("desk-no-rights"))
        return
    question_id = deep_link_id(command, QUESTION_LINK_PREFIX)
    view = None if question_id is None else await questions.card(question_id)
    if view is None:
        await message.answer(i18n("desk-question-not-found"))
        return
    if not view.answerable_by(rights):
        await message.answer(i18n("desk-not-your-question"))
        return
    await set_chat_commands(bot, message.chat.id, i18n, admin=rights.is_admin, staff=True)
    await dialog_manager.start(
        ExpertDesk.question, data={"question_id": view.id}, mode=StartMode.RESET_STACK
    )


def create_desk_router() -> Router:
    """Replies to question cards and their draft buttons in staff groups, and `/questions`.

    Included after the staff groups' router (`/bind` replying to a card is a command) and before
    the command router: `/questions` would otherwise be an unknown command."""
    router = Router(name="expert_desk")
    in_group = F.chat.type.in_(GROUP_TYPES)
    router.message.register(questions_command, Command("questions"), F.chat.type == "private")
    router.message.register(on_card_reply, in_group, F.reply_to_message)
    router.callback_query.register(on_make_draft, DraftCallback.filter())
    router.callback_query.register(on_group_button, F.message.chat.type.in_(GROUP_TYPES))
    return router


# ------------------------------------------------------------------------------ reply dialog


def _questions(manager: DialogManager) -> QuestionService:
    return manager.middleware_data["questions"]  # type: ignore[no-any-return]


def _question_id(manager: DialogManager) -> int:
    return int(manager.dialog_data.get("question_id") or 0)


async def get_list(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    rights: Rights = dialog_manager.middleware_data["rights"]
    page = await _questions(dialog_manager).open_questions(rights, limit=LIST_LIMIT)
    items = [
        (str(q.id), t("desk-list-item", id=str(q.id), text=shorten(q.text, LIST_ITEM_TEXT)))
        for q in page.items
    ]
    return {
        "items": items,
        "total": str(page.total),
        "shown": str(len(items)),
        "has_items": bool(items),
        "empty": not items,
        "more": page.total > len(items),
    }


async def get_question(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    rights: Rights = dialog_manager.middleware_data["rights"]
    view = await _questions(dialog_manager).card(_question_id(dialog_manager))
    if view is None or not view.answerable_by(rights):
        return {"found": False, "missing": view is None, "foreign": view is not None}
    card = render_card(
        t, view, timezone_of(dialog_manager), limit=DIALOG_CARD_LIMIT, in_group=False
    )
    return {
        "found": True,
        "missing": False,
        "foreign": False,
        "card": card,
        "truncated": esc(view.text) not in card,
        "answered": bool(view.answers),
        "associations": esc(
            short_names(view.associations, [a.code for a in answering_for(view, rights)], t.locale)
        ),
    }


async def render_preview(manager: DialogManager, text: str) -> tuple[str, int] | None:
    """The answer's first message as the member will read it (a long answer shortened to leave
    room for the buttons), and how many messages the whole answer takes."""
    translations = translations_of(manager)
    rights: Rights = manager.middleware_data["rights"]
    view = await _questions(manager).card(_question_id(manager))
    if view is None:
        return None
    member_t = translations.get(view.member.locale or view.locale)
    associations = answering_for(view, rights)
    messages = member_messages(member_t, associations, view.text, text)
    shown = text
    if utf16_len(text) > PREVIEW_MAX:
        shown = split_message(text, PREVIEW_MAX)[0].rstrip(" ,.;:") + "…"
    first = member_messages(member_t, associations, view.text, shown)[0]
    return first, len(messages)


async def get_sent(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    delivered = bool(dialog_manager.dialog_data.get("delivered"))
    return {
        "id": str(_question_id(dialog_manager)),
        "delivered": delivered,
        "undelivered": not delivered,
    }


async def on_pick(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    rights: Rights = manager.middleware_data["rights"]
    question_id = parse_id(item_id)
    view = None if question_id is None else await _questions(manager).card(question_id)
    if view is None:
        await answer(manager, callback, translator(manager)("desk-question-not-found"), alert=True)
        return
    if not view.answerable_by(rights):
        await answer(manager, callback, translator(manager)("desk-not-your-question"), alert=True)
        return
    manager.dialog_data["question_id"] = view.id
    manager.dialog_data.pop(ANSWER, None)
    await manager.switch_to(ExpertDesk.question)


def answer_refusal(t: Translator, error: InvalidInput) -> str:
    return t("desk-text-only" if error.code == "empty" else "input-no-letters")


async def on_full_question(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    rights: Rights = manager.middleware_data["rights"]
    view = await _questions(manager).card(_question_id(manager))
    if view is None or not view.answerable_by(rights) or callback.message is None:
        await answer(manager, callback, translator(manager)("desk-question-not-found"), alert=True)
        return
    for piece in split_message(view.text):
        await bot_of(manager).send_message(callback.message.chat.id, esc(piece))
    manager.show_mode = ShowMode.SEND  # the window again, below the text


async def send_answer(
    callback: CallbackQuery,
    _button: Button,
    manager: DialogManager,
    text: str,
    request_key: str | None,
) -> State:
    t = translator(manager)
    try:
        outcome = await answer_question(
            bot_of(manager),
            _questions(manager),
            translations_of(manager),
            question_id=_question_id(manager),
            staff=callback.from_user,
            text=text,
            tz=timezone_of(manager),
            request_key=request_key,
        )
    except PermissionDenied:
        await answer(manager, callback, t("desk-not-your-question"), alert=True)
        return ExpertDesk.questions
    except (UnknownQuestion, InvalidInput):
        await answer(manager, callback, t("desk-question-not-found"), alert=True)
        return ExpertDesk.questions
    if outcome.repeated:
        await answer(manager, callback, t("once-answer-already-sent"), alert=True)
    manager.dialog_data["delivered"] = outcome.delivered
    return ExpertDesk.sent


async def on_start(start_data: Any, manager: DialogManager) -> None:
    """Opened by a deep link: straight to that question."""
    if isinstance(start_data, dict) and "question_id" in start_data:
        manager.dialog_data["question_id"] = int(start_data["question_id"])


async def on_cancel(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop(ANSWER, None)
    await manager.switch_to(ExpertDesk.questions)


REPLY = ReplyFlow(
    compose=ExpertDesk.question,
    preview=ExpertDesk.preview,
    sent=ExpertDesk.sent,
    texts=ReplyTexts(
        text_only="desk-text-only",
        preview_title="desk-preview-title",
        preview_parts="desk-preview-parts",
    ),
    clean=clean_answer,
    refusal=answer_refusal,
    render_preview=render_preview,
    send=send_answer,
)

list_window = Window(
    Tr("desk-list-title", when="has_items"),
    Tr("desk-list-more", when="more"),
    Tr("desk-list-empty", when="empty"),
    ScrollingGroup(
        indexed_select(LIST_SELECT, "items", on_pick),
        id="pages",
        width=1,
        height=8,
        hide_on_single_page=True,
    ),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ExpertDesk.questions,
    getter=get_list,
)

question_window = REPLY.compose_window(
    Multi(
        Format("{card}", when="found"),
        Tr("desk-answer-again", when="answered"),
        Tr("desk-answer-prompt", when="found"),
        Tr("desk-question-not-found", when="missing"),
        Tr("desk-not-your-question", when="foreign"),
        sep="\n\n",
    ),
    Button(Tr("desk-full-question"), id="full", on_click=on_full_question, when="truncated"),
    SwitchTo(Tr("desk-back-to-list"), id="to_list", state=ExpertDesk.questions),
    getter=get_question,
)

preview_window = REPLY.preview_window(
    Row(
        REPLY.send_button("desk-send"),
        SwitchTo(Tr("desk-edit"), id="edit", state=ExpertDesk.question),
    ),
    Button(Tr("desk-cancel"), id="cancel", on_click=on_cancel),
)

sent_window = REPLY.sent_window(
    Tr("desk-sent", when="delivered"),
    Tr("desk-sent-undelivered", when="undelivered"),
    SwitchTo(Tr("desk-back-to-list"), id="back_to_list", state=ExpertDesk.questions),
    getter=get_sent,
)


def expert_desk_dialog() -> Dialog:
    return Dialog(list_window, question_window, preview_window, sent_window, on_start=on_start)
