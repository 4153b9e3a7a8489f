"""News: the latest announcements addressed to the member (muted ones too), each opened as the
member received it, its photo or document sent again by file_id."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager
from aiogram_dialog.api.entities import MediaAttachment, MediaId
from aiogram_dialog.widgets.kbd import Column, SwitchTo
from aiogram_dialog.widgets.media import DynamicMedia
from aiogram_dialog.widgets.text import Format

from bot.i18n import Translator
from bot.services.broadcasts import NewsItem
from bot.services.members import MemberProfile
from bot.services.message_limits import visible_text
from bot.services.questions import shorten
from dialogs.announcement_texts import render_announcement
from dialogs.common import (
    Tr,
    answer,
    associations_of,
    broadcasts_of,
    indexed_select,
    item_number,
    timezone_of,
    translations_of,
    translator,
    user_id,
)
from dialogs.states import News
from dialogs.widgets import menu_window

LIST_SELECT = "news"
NEWS_SHOWN = 10
SNIPPET = 40  # characters of an announcement's text on its button
DATE_FORMAT = "%d.%m.%Y"


def _verified(manager: DialogManager) -> bool:
    member: MemberProfile | None = manager.middleware_data.get("member")
    return member is not None and member.registered and member.verification == "verified"


def snippet(item: NewsItem, locale: str) -> str:
    """The start of the announcement's text as plain words, for its button."""
    text = (item.text_en if locale == "en" else None) or item.text_uk
    return shorten(visible_text(text, tag=" "), SNIPPET)


def _button_text(t: Translator, item: NewsItem, tz: tzinfo) -> str:
    """An announcement's date and first words; a consultation's outcome named by its title."""
    date = item.created_at.astimezone(tz).strftime(DATE_FORMAT)
    if item.consultation_title is not None:
        title = shorten(item.consultation_title, SNIPPET)
        return t("consult-member-news-outcome", date=date, title=title)
    button_id = "news-item-button-urgent" if item.urgent else "news-item-button"
    return t(button_id, date=date, snippet=snippet(item, t.locale))


# ---------------------------------------------------------------------------------- getters


async def get_news(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    if not _verified(dialog_manager):
        return {"unverified": True, "items": []}
    t = translator(dialog_manager)
    tz = timezone_of(dialog_manager)
    items = await broadcasts_of(dialog_manager).news_for(user_id(dialog_manager), NEWS_SHOWN)
    buttons = [(str(item.broadcast_id), _button_text(t, item, tz)) for item in items]
    return {"items": buttons, "has_news": bool(items), "empty": not items}


async def get_item(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    news_id = int(dialog_manager.dialog_data.get("news_id") or 0)
    item = await broadcasts_of(dialog_manager).news_item(user_id(dialog_manager), news_id)
    if item is None:
        # Cancelled since the list was shown, or the member is no longer verified.
        return {"text": t("news-unavailable"), "media": None}
    text = render_announcement(
        item,
        t.locale,
        translations_of(dialog_manager),
        associations_of(dialog_manager),
    )
    media = None
    if item.attachment_file_id and item.attachment_kind in ("photo", "document"):
        kind = ContentType.PHOTO if item.attachment_kind == "photo" else ContentType.DOCUMENT
        media = MediaAttachment(kind, file_id=MediaId(item.attachment_file_id))
    return {"text": text, "media": media}


# -------------------------------------------------------------------------------- callbacks


async def on_open(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    item = None
    if _verified(manager) and item_number(item_id) > 0:
        item = await broadcasts_of(manager).news_item(user_id(manager), item_number(item_id))
    if item is None:
        # A forged or outdated button: only the member's own announcements open.
        await answer(manager, callback, translator(manager)("news-unavailable"), alert=True)
        return
    manager.dialog_data["news_id"] = item.broadcast_id
    await manager.switch_to(News.item)


# --------------------------------------------------------------------------------- windows

list_window = menu_window(
    Tr("news-unverified", when="unverified"),
    Tr("news-title", when="has_news"),
    Tr("news-empty", when="empty"),
    Column(indexed_select(LIST_SELECT, "items", on_open)),
    state=News.list,
    getter=get_news,
)

item_window = menu_window(
    DynamicMedia("media", when="media"),
    Format("{text}"),
    SwitchTo(Tr("news-back"), id="back", state=News.list),
    state=News.item,
    getter=get_item,
)


def news_dialog() -> Dialog:
    return Dialog(list_window, item_window)
