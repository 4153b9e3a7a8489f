"""Telegram's size limits on what the bot sends, and how Telegram measures a text against them."""

from __future__ import annotations

import html
import re

TEXT_LIMIT = 4096  # one message's text, after entity parsing
CAPTION_LIMIT = 1024  # a photo's or document's caption

_TAG_RE = re.compile(r"<[^>]+>")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def visible_text(html_text: str, *, tag: str = "") -> str:
    """An HTML-formatted text as Telegram shows it: tags replaced by `tag`, entities decoded."""
    return html.unescape(_TAG_RE.sub(tag, html_text))


def visible_length(html_text: str) -> int:
    """The length Telegram measures of an HTML-formatted text."""
    return utf16_len(visible_text(html_text))
