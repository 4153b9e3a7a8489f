"""How an announcement reads in a member's chat: the one-line header and the staff's text
(`delivery/announcements.py` sends it)."""

from __future__ import annotations

from collections.abc import Sequence

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
    sender = esc(sender_name(item, locale, associations))
    if isinstance(item, NewsItem) and item.consultation_title is not None:
        # A consultation's outcome: named by the consultation it answers.
        title = esc(item.consultation_title)
        header = t("consult-member-outcome-header", title=title, sender=sender)
    else:
        header_id = "announcement-header-urgent" if item.urgent else "announcement-header"
        header = t(header_id, sender=sender)
    text = (item.text_en if locale == "en" else None) or item.text_uk
    return f"{header}\n\n{text}"


def announcement_renderer(
    translations: Translations, associations: Sequence[AssociationInfo]
) -> Renderer:
    """`render_announcement` bound to the content, for BroadcastService's length checks."""

    def render(announcement: Announcement, locale: str) -> str:
        return render_announcement(announcement, locale, translations, associations)

    return render
