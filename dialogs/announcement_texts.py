"""How an announcement reads in a member's chat: the one-line header and the staff's text, and
the one call that sends it (used by the sender and by the compose dialog's preview alike, so
the preview is exactly what members get)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.types import LinkPreviewOptions, Message

from bot.content import AssociationInfo
from bot.i18n import Translations
from bot.services.broadcasts import Announcement, NewsItem, Renderer
from dialogs.common import esc


def sender_name(
    item: Announcement | NewsItem, locale: str, associations: Sequence[AssociationInfo]
) -> str:
    """The associations the announcement speaks for: those of its audience, or all of them
    when the audience is not restricted by association."""
    wanted = set(item.audience.associations)
    chosen = [a for a in sorted(associations, key=lambda a: a.position) if a.code in wanted]
    if not chosen:
        chosen = sorted(associations, key=lambda a: a.position)
    return ", ".join(a.short(locale) for a in chosen)


def render_announcement(
    item: Announcement | NewsItem,
    locale: str,
    translations: Translations,
    associations: Sequence[AssociationInfo],
) -> str:
    """The HTML a member of `locale` receives: the header, a blank line, the text (English for
    "en" when there is one, else Ukrainian)."""
    t = translations.get(locale)
    header_id = "announcement-header-urgent" if item.urgent else "announcement-header"
    header = t(header_id, sender=esc(sender_name(item, locale, associations)))
    text = (item.text_en if locale == "en" else None) or item.text_uk
    return f"{header}\n\n{text}"


def announcement_renderer(
    translations: Translations, associations: Sequence[AssociationInfo]
) -> Renderer:
    """`render_announcement` bound to the content, for BroadcastService's length checks."""

    def render(announcement: Announcement, locale: str) -> str:
        return render_announcement(announcement, locale, translations, associations)

    return render


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
