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
        """The association's short name (`АОТГ`, `Association of ATH`)."""
        info = self.associations.get(code)
        return info.short(locale) if info else code

    def association_list(self, codes: Iterable[str], locale: str) -> str:
        return ", ".join(self.association(code, locale) for code in codes)

    def oblast(self, code: str | None, locale: str, unknown: str | None = None) -> str:
        """The oblast's name; `unknown` (else the code itself) when there is none of that code."""
        oblast = self.oblasts.get(code or "")
        if oblast is None:
            return (code or "") if unknown is None else unknown
        return oblast.name(locale)

    def category(self, code: str, locale: str) -> str:
        category = self.rules.category(code)
        return category.name(locale) if category else code

    def urgency(self, code: str, locale: str) -> str:
        urgency = self.rules.urgency(code)
        return urgency.name(locale) if urgency else code

    @staticmethod
    def role(t: Translator, code: str) -> str:
        """A member's role (`Голова громади`), from the locale files."""
        return t(f"role-{code}")
