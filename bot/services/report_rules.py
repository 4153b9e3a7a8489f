"""Report categories, urgency levels and routing rules: `content/categories.yaml` and
`content/routing.yaml`, validated at load with errors naming the file and the field.

Routing rule: a report goes to the lead association of its category (when routing.yaml names
one) and to the reporter's own associations; a reporter who is not sure of their membership, or
named none, sends it to every association. The lead association's staff group gets the card;
the reporter's associations are told too, so they see what their members raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType

from bot.content import (
    CONTENT_DIR,
    ContentError,
    load_associations,
    read_entries,
    read_yaml,
    unique_code,
)
from bot.content import text_field as _text_field
from bot.i18n import LOCALES, in_locale

DEFAULT_ROUTE = "reporter"
NAME_MAX = 80
DESCRIPTION_MAX = 120
MAX_HOURS = 24 * 365


@dataclass(frozen=True)
class Category:
    code: str
    uk: str
    en: str

    def name(self, locale: str) -> str:
        return in_locale(locale, self.uk, self.en)


@dataclass(frozen=True)
class Urgency:
    """An urgency level and the response deadline it promises; `rank` 0 is the most urgent."""

    code: str
    hours: int
    uk: str
    en: str
    description_uk: str
    description_en: str
    rank: int

    @property
    def deadline(self) -> timedelta:
        return timedelta(hours=self.hours)

    def name(self, locale: str) -> str:
        return in_locale(locale, self.uk, self.en)

    def description(self, locale: str) -> str:
        return in_locale(locale, self.description_uk, self.description_en)


@dataclass(frozen=True)
class ReportRules:
    categories: tuple[Category, ...]
    urgencies: tuple[Urgency, ...]  # most urgent first
    lead: Mapping[str, str]  # category code → lead association code

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def urgency(self, code: str) -> Urgency | None:
        return next((u for u in self.urgencies if u.code == code), None)

    def category_name(self, code: str, locale: str) -> str:
        """A category's name; its code when the content no longer lists it (a report keeps the
        code it was filed with)."""
        category = self.category(code)
        return category.name(locale) if category else code

    def urgency_name(self, code: str, locale: str) -> str:
        """An urgency level's name; its code when the content no longer lists it."""
        urgency = self.urgency(code)
        return urgency.name(locale) if urgency else code

    def route(
        self,
        category: str,
        reporter_association_codes: Iterable[str],
        unsure: bool,
        all_codes: Iterable[str],
    ) -> tuple[str, ...]:
        """The associations a report goes to: the category's lead first, then the reporter's
        own, in the order of `all_codes` (the active associations); every one of `all_codes`
        when the reporter is not sure of their membership or named none."""
        active = list(all_codes)
        own = [code for code in active if code in set(reporter_association_codes)]
        if unsure or not own:
            return tuple(active)
        lead = self.lead.get(category)
        routed = [lead] if lead in active else []
        routed += [code for code in own if code not in routed]
        return tuple(routed)


def _load_categories(path: Path) -> tuple[tuple[Category, ...], tuple[Urgency, ...]]:
    categories: list[Category] = []
    seen: set[str] = set()
    for where, entry in read_entries(path, "categories"):
        code = unique_code(path, where, entry, seen, longest=32)
        uk, en = (_text_field(path, where, entry, locale, NAME_MAX) for locale in LOCALES)
        categories.append(Category(code, uk, en))
    urgencies: list[Urgency] = []
    seen = set()
    for rank, (where, entry) in enumerate(read_entries(path, "urgencies")):
        code = unique_code(path, where, entry, seen, longest=32)
        hours = entry.get("hours")
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
            raise ContentError(
                f"{path}: {where}.hours must be a whole number from 1 to {MAX_HOURS}"
            )
        urgencies.append(
            Urgency(
                code=code,
                hours=hours,
                uk=_text_field(path, where, entry, "uk", NAME_MAX),
                en=_text_field(path, where, entry, "en", NAME_MAX),
                description_uk=_text_field(path, where, entry, "description_uk", DESCRIPTION_MAX),
                description_en=_text_field(path, where, entry, "description_en", DESCRIPTION_MAX),
                rank=rank,
            )
        )
    return tuple(categories), tuple(urgencies)


def _load_routing(
    path: Path, categories: set[str], associations: set[str]
) -> MappingProxyType[str, str]:
    document = read_yaml(path)
    if not isinstance(document, dict):
        raise ContentError(f"{path}: expected a mapping with 'default' and 'lead'")
    unknown = set(document) - {"default", "lead"}
    if unknown:
        raise ContentError(f"{path}: unknown field {sorted(unknown)[0]!r}")
    if document.get("default") != DEFAULT_ROUTE:
        raise ContentError(f"{path}: default must be {DEFAULT_ROUTE!r}")
    lead = document.get("lead") or {}
    if not isinstance(lead, dict):
        raise ContentError(f"{path}: lead must be a mapping of category code to association code")
    for category, association in lead.items():
        if category not in categories:
            raise ContentError(f"{path}: lead.{category}: no such category in categories.yaml")
        if association not in associations:
            raise ContentError(
                f"{path}: lead.{category}: unknown association {association!r}"
                " (not in associations.yaml)"
            )
    return MappingProxyType(dict(lead))


def load_report_rules(content_dir: Path | None = None) -> ReportRules:
    """Read and cross-check categories.yaml, routing.yaml and associations.yaml."""
    content_dir = content_dir or CONTENT_DIR
    categories, urgencies = _load_categories(content_dir / "categories.yaml")
    associations = {a.code for a in load_associations(content_dir / "associations.yaml")}
    lead = _load_routing(content_dir / "routing.yaml", {c.code for c in categories}, associations)
    return ReportRules(categories, urgencies, lead)
