"""How knowledge-base entries read in Telegram: the card, the full answer, and their sizes."""

from __future__ import annotations

import html
from urllib.parse import quote

from bot.i18n import Translator
from bot.services.knowledge import Entry, KnowledgeBase, Localized
from bot.services.message_limits import visible_length
from dialogs.common import esc

MESSAGE_LIMIT = 4096


def paragraphs(text: str) -> str:
    """Plain content text made safe for HTML parse mode (bullets and paragraphs kept)."""
    return esc(text)


def checked_date(entry: Entry) -> str:
    return entry.checked.strftime("%d.%m.%Y")


def _sources(entry: Entry, t: Translator) -> str:
    links = ", ".join(
        f'<a href="{html.escape(quote(source.url, safe=":/?#[]@!$&()*+,;=%~-._"))}">'
        f"{esc(source.label)}</a>"
        for source in entry.sources
    )
    return t("kb-entry-sources", sources=links)


def _footer(entry: Entry, t: Translator, locale: str) -> str:
    lines = []
    if entry.legal_basis is not None:
        lines.append(t("kb-entry-legal-basis", basis=esc(entry.legal_basis.get(locale))))
    lines.append(_sources(entry, t))
    lines.append(t("kb-entry-checked", date=checked_date(entry)))
    return "\n".join(lines)


def _title(text: Localized, locale: str) -> str:
    return f"<b>{esc(text.get(locale))}</b>"


def entry_card(entry: Entry, t: Translator, locale: str) -> str:
    """The entry as first shown: title, short answer, legal basis, sources, date checked."""
    body = paragraphs(entry.short.get(locale))
    return "\n\n".join([_title(entry.title, locale), body, _footer(entry, t, locale)])


def entry_full(entry: Entry, t: Translator, locale: str) -> str:
    """The full answer, with the same footer."""
    body = paragraphs(entry.full.get(locale))
    return "\n\n".join([_title(entry.title, locale), body, _footer(entry, t, locale)])


def oversized_messages(knowledge: KnowledgeBase, translators: dict[str, Translator]) -> list[str]:
    """Entries whose rendered card or full answer would not fit one Telegram message."""
    problems: list[str] = []
    for entry in knowledge.entries:
        for locale, t in translators.items():
            for field, text in (
                ("short", entry_card(entry, t, locale)),
                ("full", entry_full(entry, t, locale)),
            ):
                size = visible_length(text)
                if size > MESSAGE_LIMIT:
                    problems.append(
                        f"kb/{entry.slug}.yaml: {field}.{locale}: the rendered message is {size} "
                        f"characters; Telegram allows {MESSAGE_LIMIT}. Shorten the text or sources."
                    )
    return problems
