"""Reforms: browse the knowledge base by topic, ask a question, send it to the experts."""

from __future__ import annotations

import secrets
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Column, Row, SwitchTo
from aiogram_dialog.widgets.text import Format

from bot.services.filing_limits import FilingRefused, MemberRejected
from bot.services.knowledge import Entry
from bot.services.questions import QUESTION_MAX, clean_question
from bot.services.search_index import SearchIndex
from bot.services.text_input import InvalidInput, require_words, strip_format
from delivery.question_cards import send_to_experts
from dialogs.common import (
    Tr,
    Window,
    answer,
    associations_of,
    bot_of,
    esc,
    indexed_select,
    item_number,
    knowledge_of,
    questions_of,
    refuse_input,
    timezone_of,
    translations_of,
    translator,
    user_id,
)
from dialogs.filing_texts import refusal_text
from dialogs.knowledge_texts import entry_card, entry_full
from dialogs.presenters import association_names
from dialogs.states import Knowledge
from dialogs.widgets import menu_window

TOPIC_SELECT = "topic"
ENTRY_SELECT = "entry"
RELATED_SELECT = "related"
HIT_SELECT = "hit"
QUERY_SHOWN = 300  # characters of the question repeated back to the member


def _entry(manager: DialogManager) -> Entry | None:
    return knowledge_of(manager).by_number(int(manager.dialog_data.get("entry", 0)))


def _may_ask_experts(manager: DialogManager) -> bool:
    """Everyone but members the secretariat rejected (the service refuses them as well)."""
    member = manager.middleware_data.get("member")
    return member is None or member.verification != "rejected"


def _shown_query(query: str) -> str:
    query = " ".join(query.split())
    return esc(query if len(query) <= QUERY_SHOWN else query[: QUERY_SHOWN - 1] + "…")


async def refused_question(message: Message, manager: DialogManager) -> bool:
    """Whether a typed question holds nothing to search for (invisible characters, emoji);
    the member is told so and the window stays."""
    try:
        require_words(strip_format(message.text or ""))
    except InvalidInput as error:
        refusal = "kb-ask-empty" if error.code == "empty" else "input-no-letters"
        await refuse_input(message, manager, translator(manager)(refusal))
        return True
    return False


async def start_question(manager: DialogManager, query: str) -> None:
    """Search for `query` and show the results (a plain message outside a dialog lands here)."""
    # A new message below the member's question, not an edit of the window above it.
    await manager.start(
        Knowledge.results,
        data={"query": query},
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND,
    )


# ---------------------------------------------------------------------------------- getters


async def get_topics(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    knowledge = knowledge_of(dialog_manager)
    return {
        "topics": [
            (str(index), topic.title.get(locale)) for index, topic in enumerate(knowledge.topics)
        ]
    }


async def get_entries(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    knowledge = knowledge_of(dialog_manager)
    topic = knowledge.topics[int(dialog_manager.dialog_data.get("topic", 0))]
    return {
        "topic": esc(topic.title.get(locale)),
        "entries": [
            (str(entry.number), entry.title.get(locale)) for entry in knowledge.in_topic(topic.code)
        ],
    }


async def get_entry(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    knowledge = knowledge_of(dialog_manager)
    entry = _entry(dialog_manager)
    if entry is None:
        return {"card": t("kb-entry-missing"), "full": t("kb-entry-missing"), "related": []}
    related = [knowledge.entry(slug) for slug in entry.related]
    return {
        "card": entry_card(entry, t, t.locale),
        "full": entry_full(entry, t, t.locale),
        "related": [(str(item.number), item.title.get(t.locale)) for item in related if item],
        "from_results": bool(dialog_manager.dialog_data.get("query")),
    }


async def get_results(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    knowledge = knowledge_of(dialog_manager)
    data = dialog_manager.dialog_data
    hits = [knowledge.by_number(number) for number in data.get("hits", [])]
    experts = _may_ask_experts(dialog_manager)
    return {
        "query": _shown_query(data.get("query", "")),
        "hits": [(str(entry.number), entry.title.get(t.locale)) for entry in hits if entry],
        "found": bool(data.get("confident")),
        "maybe": not data.get("confident") and bool(hits) and experts,
        "nothing": not data.get("confident") and not hits and experts,
        "maybe_only": not data.get("confident") and bool(hits) and not experts,
        "nothing_only": not data.get("confident") and not hits and not experts,
        "may_ask_experts": experts,
    }


async def get_escalation(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    member = dialog_manager.middleware_data.get("member")
    associations = associations_of(dialog_manager)
    codes = member.association_codes if member else ()
    unsure = bool(member is None or member.associations_unsure or not codes)
    names = (
        ", ".join(a.short(t.locale) for a in associations)
        if unsure
        else association_names(t, associations, codes, False)
    )
    return {
        "query": _shown_query(dialog_manager.dialog_data.get("query", "")),
        "associations": names,
        "question_id": str(dialog_manager.dialog_data.get("question_id", "")),
    }


# -------------------------------------------------------------------------------- callbacks


async def on_start(start_data: Any, manager: DialogManager) -> None:
    query = start_data.get("query") if isinstance(start_data, dict) else None
    if isinstance(query, str):
        await _search(manager, query)


async def _search(manager: DialogManager, query: str) -> None:
    index: SearchIndex = manager.middleware_data["kb_search"]
    search = await index.get()
    knowledge = knowledge_of(manager)
    query = strip_format(query).strip()
    result = search.search(query, limit=3)
    manager.dialog_data["query"] = query
    manager.dialog_data["confident"] = result.confident
    manager.dialog_data["hits"] = [
        entry.number for hit in result.hits if (entry := knowledge.entry(hit.slug)) is not None
    ]


async def on_topic(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    if not 0 <= item_number(item_id) < len(knowledge_of(manager).topics):
        return  # a forged or outdated button: the window stays as it is
    manager.dialog_data["topic"] = item_number(item_id)
    await manager.switch_to(Knowledge.entries)


async def on_entry(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    entry = knowledge_of(manager).by_number(item_number(item_id))
    if entry is None:
        return  # a forged or outdated button: the window stays as it is
    manager.dialog_data["entry"] = entry.number
    await manager.switch_to(Knowledge.entry)


async def on_browse_entry(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    # Opened from a topic, "back" returns to the topic rather than to an earlier question.
    manager.dialog_data.pop("query", None)
    await on_entry(callback, widget, manager, item_id)


async def on_related(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    entry = knowledge_of(manager).by_number(item_number(item_id))
    if entry is not None and not manager.dialog_data.get("query"):
        topic = next(i for i, t in enumerate(knowledge_of(manager).topics) if t.code == entry.topic)
        manager.dialog_data["topic"] = topic
    await on_entry(callback, widget, manager, item_id)


async def on_feedback(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    entry = _entry(manager)
    t = translator(manager)
    if entry is None:
        await answer(manager, callback, t("error-stale-button"))
        return
    helpful = button.widget_id == "helpful"
    await questions_of(manager).record_feedback(user_id(manager), entry.slug, helpful)
    # "Not helpful" suggests the experts, except to members who may not ask them.
    sorry = "kb-feedback-sorry" if _may_ask_experts(manager) else "kb-feedback-thanks"
    await answer(manager, callback, t("kb-feedback-thanks" if helpful else sorry))
    manager.show_mode = ShowMode.NO_UPDATE


async def on_back_from_entry(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    target = Knowledge.results if manager.dialog_data.get("query") else Knowledge.entries
    await manager.switch_to(target)


async def on_question(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    if await refused_question(message, manager):
        return
    await _search(manager, message.text or "")
    manager.dialog_data.pop("question_id", None)
    manager.show_mode = ShowMode.SEND
    await manager.switch_to(Knowledge.results)


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await refuse_input(message, manager, translator(manager)("kb-ask-text-only"))


async def on_to_experts(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    query = manager.dialog_data.get("query", "")
    t = translator(manager)
    if not _may_ask_experts(manager):
        await _refused(manager, MemberRejected())
        manager.show_mode = ShowMode.NO_UPDATE
        return
    try:
        cleaned = clean_question(query)
    except InvalidInput as error:
        cleaned = query if error.code == "too-long" else ""
    if len(cleaned) < 3:
        await answer(manager, callback, t("kb-escalate-too-short"), alert=True)
        return
    if len(cleaned) > QUESTION_MAX:
        await answer(manager, callback, t("kb-escalate-too-long", limit=QUESTION_MAX), alert=True)
        return
    # The Send button of this step: the same press handled again sends nothing more.
    manager.dialog_data["ask_key"] = secrets.token_hex(16)
    await manager.switch_to(Knowledge.escalate)


async def on_send_to_experts(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    if manager.dialog_data.get("question_id"):
        # A second press (a slow connection): the question was sent once already.
        await manager.switch_to(Knowledge.sent)
        return
    member = manager.middleware_data.get("member")
    t = translator(manager)
    if member is None or not member.registered:
        await answer(manager, callback, t("kb-escalate-register-first"), alert=True)
        return
    assert callback.bot is not None
    try:
        result = await send_to_experts(
            callback.bot,
            questions_of(manager),
            translations_of(manager),
            telegram_id=user_id(manager),
            text=manager.dialog_data.get("query", ""),
            locale=t.locale,
            request_key=manager.dialog_data.get("ask_key"),
        )
    except FilingRefused as error:
        await _refused(manager, error)
        # Below the refusal: over the limit, the question with its Send button; rejected,
        # the answers of the knowledge base.
        manager.show_mode = ShowMode.SEND
        if isinstance(error, MemberRejected):
            await manager.switch_to(Knowledge.results)
        return
    manager.dialog_data["question_id"] = result.question_id
    if result.repeated:
        text = t("once-question-already-sent", question_id=str(result.question_id))
        await answer(manager, callback, text, alert=True)
    await manager.switch_to(Knowledge.sent)


async def _refused(manager: DialogManager, error: FilingRefused) -> None:
    """Tell the member why their question does not go to the experts (a message of its own)."""
    text = refusal_text(translator(manager), "question", error, timezone_of(manager))
    await bot_of(manager).send_message(user_id(manager), text)


# --------------------------------------------------------------------------------- windows

ASK_AGAIN = SwitchTo(Tr("kb-ask-another"), id="ask", state=Knowledge.ask)
QUESTION_INPUT = MessageInput(on_question, content_types=ContentType.TEXT)
NOT_TEXT = MessageInput(on_not_text, content_types=ContentType.ANY)
FEEDBACK = Row(
    Button(Tr("kb-helpful"), id="helpful", on_click=on_feedback),
    Button(Tr("kb-not-helpful"), id="unhelpful", on_click=on_feedback),
)


def _window(*widgets: Any, **layout: Any) -> Window:
    """A window of the knowledge base: a typed message anywhere is a new question."""
    return menu_window(*widgets, QUESTION_INPUT, **layout)


topics_window = _window(
    Tr("kb-topics-title"),
    Column(indexed_select(TOPIC_SELECT, "topics", on_topic)),
    SwitchTo(Tr("kb-ask-button"), id="ask", state=Knowledge.ask),
    state=Knowledge.topics,
    getter=get_topics,
)
entries_window = _window(
    Tr("kb-entries-title"),
    Column(indexed_select(ENTRY_SELECT, "entries", on_browse_entry)),
    back=SwitchTo(Tr("kb-back-topics"), id="topics", state=Knowledge.topics),
    state=Knowledge.entries,
    getter=get_entries,
)
entry_window = _window(
    Format("{card}"),
    SwitchTo(Tr("kb-read-more"), id="more", state=Knowledge.full),
    Column(indexed_select(RELATED_SELECT, "related", on_related)),
    FEEDBACK,
    back=Button(Tr("kb-back"), id="back", on_click=on_back_from_entry),
    state=Knowledge.entry,
    getter=get_entry,
)
full_window = _window(
    Format("{full}"),
    FEEDBACK,
    back=SwitchTo(Tr("kb-back"), id="short", state=Knowledge.entry),
    state=Knowledge.full,
    getter=get_entry,
)
ask_window = _window(Tr("kb-ask-prompt"), state=Knowledge.ask, other=NOT_TEXT)
results_window = _window(
    Tr("kb-results-found", when="found"),
    Tr("kb-results-maybe", when="maybe"),
    Tr("kb-results-nothing", when="nothing"),
    Tr("kb-results-maybe-only", when="maybe_only"),
    Tr("kb-results-nothing-only", when="nothing_only"),
    Column(indexed_select(HIT_SELECT, "hits", on_entry)),
    Button(Tr("kb-to-experts"), id="experts", on_click=on_to_experts, when="may_ask_experts"),
    ASK_AGAIN,
    state=Knowledge.results,
    getter=get_results,
    other=NOT_TEXT,
)
escalate_window = _window(
    Tr("kb-escalate-confirm"),
    Button(Tr("kb-escalate-send"), id="send", on_click=on_send_to_experts),
    Row(
        SwitchTo(Tr("kb-escalate-rewrite"), id="rewrite", state=Knowledge.ask),
        SwitchTo(Tr("kb-back"), id="back", state=Knowledge.results),
    ),
    state=Knowledge.escalate,
    getter=get_escalation,
)
sent_window = _window(
    Tr("kb-escalate-sent"), ASK_AGAIN, state=Knowledge.sent, getter=get_escalation
)


def knowledge_dialog() -> Dialog:
    return Dialog(
        topics_window,
        entries_window,
        entry_window,
        full_window,
        ask_window,
        results_window,
        escalate_window,
        sent_window,
        on_start=on_start,
    )
