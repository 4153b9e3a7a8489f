"""Sending an announcement as members receive it: the one call used by the broadcast sender and
by the compose dialog's preview alike, so the preview is exactly what members get."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.types import LinkPreviewOptions, Message

from bot.content import AssociationInfo
from bot.i18n import Translations
from bot.services.broadcasts import Announcement, NewsItem
from dialogs.announcement_texts import render_announcement


async def send_announcement(
    bot: Bot,
    chat_id: int,
    item: Announcement | NewsItem,
    locale: str,
    translations: Translations,
    associations: Sequence[AssociationInfo],
    *,
    request_timeout: int | None = None,
) -> Message:
    """Send the announcement as members receive it: with its photo or document as the caption's
    carrier, else as a text message. No buttons."""
    text = render_announcement(item, locale, translations, associations)
    if item.attachment_kind == "photo" and item.attachment_file_id:
        return await bot.send_photo(
            chat_id,
            photo=item.attachment_file_id,
            caption=text,
            parse_mode=ParseMode.HTML,
            request_timeout=request_timeout,
        )
    if item.attachment_kind == "document" and item.attachment_file_id:
        return await bot.send_document(
            chat_id,
            document=item.attachment_file_id,
            caption=text,
            parse_mode=ParseMode.HTML,
            request_timeout=request_timeout,
        )
    return await bot.send_message(
        chat_id,
        text,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        request_timeout=request_timeout,
    )
