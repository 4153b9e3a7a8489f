"""A text in both languages, as the content files give them (the choice of one is
`bot.i18n.in_locale`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import in_locale


@dataclass(frozen=True)
class Localized:
    """One text in both languages."""

    uk: str
    en: str

    def get(self, locale: str) -> str:
        return in_locale(locale, self.uk, self.en)
