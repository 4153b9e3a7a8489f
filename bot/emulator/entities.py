"""Message text as Telegram stores it: the HTML and Markdown parse modes turned into the
visible text and its entities, and what a stored message shows.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, ClassVar

from .api import (
    INTERNAL_KEYS,
    bad_request,
)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- entity parsing


class _HtmlEntities(HTMLParser):
    """Telegram's HTML parse mode: the visible text and its entities, or ApiError."""

    _TYPES: ClassVar[dict[str, str]] = {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "code": "code",
        "pre": "pre",
        "a": "text_link",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
        "blockquote": "blockquote",
        "tg-emoji": "custom_emoji",
    }
    _NAMED: ClassVar[dict[str, str]] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.parts: list[str] = []
        self._visible_len = 0  # UTF-16 code units of visible text so far
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.entities: list[dict[str, Any]] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        index = self._line_starts[line - 1] + column
        return len(self.source[:index].encode())

    def _fail(self, message: str) -> None:
        raise bad_request(f"can't parse entities: {message}")

    def _text(self, text: str) -> None:
        self.parts.append(text)
        self._visible_len += utf16_len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._TYPES:
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        attributes = dict(attrs)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            self._fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset()}'
            )
        self.stack.append((tag, attributes, self._visible_len))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}/" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, attributes, start = self.stack.pop()
        if open_tag != tag:
            self._fail(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        length = self._visible_len - start
        if length == 0:
            return
        kind = self._TYPES[tag]
        entity: dict[str, Any] = {"type": kind, "offset": start, "length": length}
        if tag == "a":
            href = attributes.get("href") or ""
            match = re.match(r"^tg://user\?id=(\d+)$", href)
            if match:
                entity = {
                    "type": "text_mention",
                    "offset": start,
                    "length": length,
                    "user": {"id": int(match.group(1)), "is_bot": False, "first_name": "User"},
                }
            elif not href:
                return
            else:
                entity["url"] = href
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            css_class = attributes.get("class") or ""
            language = css_class.removeprefix("language-")
            if language and css_class.startswith("language-"):
                self._pre_language: str | None = language
                return
        elif tag == "pre":
            pre_language: str | None = getattr(self, "_pre_language", None)
            if pre_language:
                entity["language"] = pre_language
                self._pre_language = None
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            index = data.index("<")
            self._fail(
                f"Unsupported start tag at byte offset "
                f"{self._byte_offset() + len(data[:index].encode())}"
            )
        self._text(data)

    def handle_entityref(self, name: str) -> None:
        self._text(self._NAMED.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self._text(chr(code))
        except (ValueError, OverflowError):
            self._text(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self._fail(f'Unsupported start tag "!--" at byte offset {self._byte_offset()}')

    def handle_decl(self, decl: str) -> None:
        self._fail(f'Unsupported start tag "!" at byte offset {self._byte_offset()}')

    def handle_pi(self, data: str) -> None:
        self._fail(f'Unsupported start tag "?" at byte offset {self._byte_offset()}')

    def unknown_decl(self, data: str) -> None:
        self._fail(f'Unsupported start tag "!" at byte offset {self._byte_offset()}')

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        self.feed(self.source)
        self.close()
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def _parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    """MarkdownV2: visible text (entities are not reconstructed) and the reserved-char check."""
    out: list[str] = []
    open_marks: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            if i + 1 < len(source):
                out.append(source[i + 1])
            i += 2
            continue
        if char == "`":
            fence = "```" if source.startswith("```", i) else "`"
            end = source.find(fence, i + len(fence))
            if end < 0:
                raise bad_request(
                    f"can't parse entities: Can't find end of the entity starting at byte "
                    f"offset {len(source[:i].encode())}"
                )
            body = source[i + len(fence) : end]
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                body = rest if first and " " not in first else body
            out.append(re.sub(r"\\(.)", r"\1", body))
            i = end + len(fence)
            continue
        for mark in ("__", "||", "*", "_", "~"):
            if source.startswith(mark, i):
                if open_marks and open_marks[-1] == mark:
                    open_marks.pop()
                else:
                    open_marks.append(mark)
                i += len(mark)
                break
        else:
            if char == "[":
                open_marks.append("[")
                i += 1
            elif char == "]" and open_marks and open_marks[-1] == "[":
                open_marks.pop()
                if not source.startswith("(", i + 1):
                    raise bad_request("can't parse entities: Can't find end of a URL")
                end = source.find(")", i + 2)
                if end < 0:
                    raise bad_request("can't parse entities: Can't find end of a URL")
                i = end + 1
            elif char in _MD2_RESERVED:
                raise bad_request(
                    f"can't parse entities: Character '{char}' is reserved and must be escaped "
                    "with the preceding '\\'"
                )
            else:
                out.append(char)
                i += 1
    if open_marks:
        raise bad_request(
            "can't parse entities: Can't find end of the entity starting at byte offset "
            f"{len(source.encode()) - 1}"
        )
    return "".join(out), []


def _parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", source)
    return re.sub(r"(?<!\\)[*_`]", "", text).replace("\\", ""), []


def parse_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """The visible text and entities of `text` as Telegram stores them."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _HtmlEntities(text).parse()
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return text, list(entities or [])


def visible_text(message: dict[str, Any]) -> str:
    """The text or caption of a message as the user sees it."""
    return str(message.get("text") or message.get("caption") or "")


def image_mime_type(content: bytes) -> str | None:
    """The type of a PNG, JPEG, GIF or WebP image by its first bytes; None for anything else
    (an SVG or HTML file claiming to be a picture is not shown as one)."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def public_message(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key not in INTERNAL_KEYS}
