"""Texts in both languages, as the content files give them: Ukrainian for the `uk` locale,
English for every other one. The one place that choice is made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def in_locale(locale: str, uk: T, en: T) -> T:
    """`uk` for the Ukrainian locale, `en` for any other."""
    return uk if locale == "uk" else en


@dataclass(frozen=True)
class Localized:
    """One text in both languages."""

    uk: str
    en: str

    def get(self, locale: str) -> str:
        return in_locale(locale, self.uk, self.en)
