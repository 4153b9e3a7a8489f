"""Fluent translations: one bundle per locale, loaded from `locales/<locale>/*.ftl`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fluent.runtime import FluentBundle
from fluent.syntax import FluentParser, ast

import locales as _locales_package

logger = logging.getLogger(__name__)

T = TypeVar("T")

LOCALES = ("uk", "en")
DEFAULT_LOCALE = "uk"
LOCALES_DIR = Path(_locales_package.__file__).resolve().parent


def in_locale(locale: str, uk: T, en: T) -> T:
    """`uk` for the Ukrainian locale, `en` for any other: the one place content given in both
    languages (associations, categories, oblasts, articles, the privacy notice) picks one."""
    return uk if locale == "uk" else en


class LocaleFilesError(ValueError):
    """A `.ftl` file does not parse, or the locales disagree on message ids."""


def resolve_locale(stored: str | None, language_code: str | None) -> str:
    """Stored preference, else Telegram's language_code (`uk*` → uk, other → en), else uk."""
    if stored in LOCALES:
        return stored
    if language_code:
        return "uk" if language_code.lower().startswith("uk") else "en"
    return DEFAULT_LOCALE


@dataclass(frozen=True)
class Translator:
    """Formats messages of one locale; `t("menu-title", name=...)`."""

    locale: str
    bundle: FluentBundle

    def __call__(self, message_id: str, **args: Any) -> str:
        if not self.bundle.has_message(message_id):
            logger.error("missing message %s in locale %s", message_id, self.locale)
            return message_id
        message = self.bundle.get_message(message_id)
        if message.value is None:
            logger.error("message %s in locale %s has no value", message_id, self.locale)
            return message_id
        text, errors = self.bundle.format_pattern(message.value, args)
        for error in errors:
            logger.error("message %s in locale %s: %s", message_id, self.locale, error)
        return str(text)

    def has(self, message_id: str) -> bool:
        return bool(self.bundle.has_message(message_id))


def parse_locale_dir(directory: Path) -> dict[str, ast.Message | ast.Term]:
    """Every message and term of one locale folder; raises LocaleFilesError naming the file."""
    return _entries(_parse_files(directory))


def _entries(files: list[tuple[Path, ast.Resource]]) -> dict[str, ast.Message | ast.Term]:
    entries: dict[str, ast.Message | ast.Term] = {}
    for _path, resource in files:
        for entry in resource.body:
            if isinstance(entry, ast.Message | ast.Term):
                key = ("-" if isinstance(entry, ast.Term) else "") + entry.id.name
                if key in entries:
                    raise LocaleFilesError(f"{_path}: message {key} defined twice")
                entries[key] = entry
    return entries


def _parse_files(directory: Path) -> list[tuple[Path, ast.Resource]]:
    """Each `.ftl` file of the folder parsed once (the bundles take these very trees); a file
    that does not parse raises LocaleFilesError with its line, found by a second, slower parse
    with source positions."""
    files = sorted(directory.glob("*.ftl"))
    if not files:
        raise LocaleFilesError(f"{directory}: no .ftl files")
    parsed = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        resource = FluentParser(with_spans=False).parse(source)
        if any(isinstance(entry, ast.Junk) for entry in resource.body):
            for entry in FluentParser(with_spans=True).parse(source).body:
                if isinstance(entry, ast.Junk):
                    line = source.count("\n", 0, entry.span.start if entry.span else 0) + 1
                    notes = "; ".join(str(a.message) for a in entry.annotations)
                    raise LocaleFilesError(f"{path}, line {line}: {notes}")
        parsed.append((path, resource))
    return parsed


class Translations:
    """All locales; validates at load that both hold the same message ids."""

    def __init__(self, directory: Path = LOCALES_DIR, locales: tuple[str, ...] = LOCALES) -> None:
        self.directory = directory
        self._translators: dict[str, Translator] = {}
        ids: dict[str, set[str]] = {}
        for locale in locales:
            files = _parse_files(directory / locale)
            ids[locale] = set(_entries(files))
            bundle = FluentBundle([_bundle_locale(locale)], use_isolating=False)
            for _path, resource in files:
                bundle.add_resource(resource)
            self._translators[locale] = Translator(locale, bundle)
        first, *others = locales
        for other in others:
            missing = sorted(ids[first] ^ ids[other])
            if missing:
                raise LocaleFilesError(
                    f"locales {first} and {other} differ in message ids: {', '.join(missing[:10])}"
                )

    def get(self, locale: str) -> Translator:
        return self._translators.get(locale) or self._translators[DEFAULT_LOCALE]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._translators.values())


def _bundle_locale(locale: str) -> str:
    return {"uk": "uk-UA", "en": "en-GB"}.get(locale, locale)
