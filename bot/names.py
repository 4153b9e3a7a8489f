"""The one catalogue of names for the codes the bot stores, in both languages, from `Content`.

Associations, report categories and urgencies, oblasts, members' roles: every card, list, export,
digest and summary names a code through `Names`, so a code reads the same everywhere and an unknown
code (content changed since it was stored) shows as itself, not as an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.content import AssociationInfo
from bot.i18n import Translator
from bot.services.hromadas import Oblast
from bot.services.report_rules import ReportRules


def short_name(associations: Iterable[AssociationInfo], code: str, locale: str) -> str:
    """An association's short name (`АОТГ`, `Association of ATH`); an unknown code as itself."""
    info = next((a for a in associations if a.code == code), None)
    return info.short(locale) if info else code


def short_names(
    associations: Iterable[AssociationInfo], codes: Iterable[str] | None, locale: str
) -> str:
    """The short names of `codes` (None: of every association given), in that order, joined:
    `ВАГ, УАРОР`."""
    known = list(associations)
    wanted = [a.code for a in known] if codes is None else codes
    return ", ".join(short_name(known, code, locale) for code in wanted)


@dataclass(frozen=True)
class Names:
    rules: ReportRules
    oblasts: dict[str, Oblast]
    associations: dict[str, AssociationInfo]

    @classmethod
    def of(
        cls, rules: ReportRules, oblasts: Iterable[Oblast], associations: Iterable[AssociationInfo]
    ) -> Names:
        return cls(rules, {o.code: o for o in oblasts}, {a.code: a for a in associations})

    def association(self, code: str, locale: str) -> str:
        return short_name(self.associations.values(), code, locale)

    def association_list(self, codes: Iterable[str], locale: str) -> str:
        return short_names(self.associations.values(), codes, locale)

    def oblast(self, code: str | None, locale: str, unknown: str | None = None) -> str:
        """The oblast's name; `unknown` (else the code itself) when there is none of that code."""
        oblast = self.oblasts.get(code or "")
        if oblast is None:
            return (code or "") if unknown is None else unknown
        return oblast.name(locale)

    def category(self, code: str, locale: str) -> str:
        return self.rules.category_name(code, locale)

    def urgency(self, code: str, locale: str) -> str:
        return self.rules.urgency_name(code, locale)

    @staticmethod
    def role(t: Translator, code: str) -> str:
        """A member's role (`Голова громади`), from the locale files."""
        return t(f"role-{code}")
