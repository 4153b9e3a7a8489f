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


def visible_length(html_text: str) -> int:
    """The length Telegram measures of an HTML-formatted text: tags gone, entities decoded."""
    return utf16_len(html.unescape(_TAG_RE.sub("", html_text)))
