"""Locale files: same ids in both languages, every message parses and formats."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fluent.syntax import ast
from fluent.syntax.visitor import Visitor

from bot.i18n import LOCALES_DIR, LocaleFilesError, Translations, parse_locale_dir, resolve_locale


def _variables(entry: ast.Message | ast.Term) -> set[str]:
    found: set[str] = set()

    class Collector(Visitor):
        def visit_VariableReference(self, node: ast.VariableReference) -> None:
            found.add(node.id.name)

    Collector().visit(entry)
    return found


def test_both_locales_hold_the_same_message_ids() -> None:
    uk = parse_locale_dir(LOCALES_DIR / "uk")
    en = parse_locale_dir(LOCALES_DIR / "en")
    assert sorted(set(uk) - set(en)) == []
    assert sorted(set(en) - set(uk)) == []
    assert len(uk) > 50


def test_messages_use_the_same_variables_in_both_locales() -> None:
    uk = parse_locale_dir(LOCALES_DIR / "uk")
    en = parse_locale_dir(LOCALES_DIR / "en")
    differing = {key for key in uk if _variables(uk[key]) != _variables(en[key])}
    assert differing == set()


def test_every_message_formats_without_errors() -> None:
    translations = Translations()
    uk = parse_locale_dir(LOCALES_DIR / "uk")
    for translator in translations:
        for key, entry in uk.items():
            if key.startswith("-"):
                continue
            args = {name: 7 if name in {"length", "limit"} else "X" for name in _variables(entry)}
            message = translator.bundle.get_message(key)
            text, errors = translator.bundle.format_pattern(message.value, args)
            assert errors == [], (translator.locale, key, errors)
            assert text.strip(), (translator.locale, key)
            assert "\u2068" not in text  # no bidi isolation marks in Telegram


def test_ukrainian_plurals_follow_cldr() -> None:
    uk = Translations().get("uk")
    assert "101 символ." in uk("registration-name-too-long", length=101, limit=100)
    assert "102 символи." in uk("registration-name-too-long", length=102, limit=100)
    assert "105 символів." in uk("registration-name-too-long", length=105, limit=100)
    assert "111 символів." in uk("registration-name-too-long", length=111, limit=100)


def test_a_message_missing_from_one_locale_is_refused(tmp_path: Path) -> None:
    shutil.copytree(LOCALES_DIR, tmp_path / "locales")
    path = tmp_path / "locales" / "en" / "common.ftl"
    path.write_text(path.read_text(encoding="utf-8").replace("common-next =", "common-nxt ="))
    with pytest.raises(LocaleFilesError, match="common-next"):
        Translations(tmp_path / "locales")


def test_a_broken_file_is_refused_with_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(LOCALES_DIR, tmp_path / "locales")
    path = tmp_path / "locales" / "uk" / "common.ftl"
    path.write_text("common-menu = Меню\nthis is { not fluent\n", encoding="utf-8")
    with pytest.raises(LocaleFilesError, match=r"common\.ftl, line 2"):
        Translations(tmp_path / "locales")


@pytest.mark.parametrize(
    ("stored", "language_code", "expected"),
    [
        ("en", "uk", "en"),
        ("uk", "en", "uk"),
        (None, "uk", "uk"),
        (None, "uk-UA", "uk"),
        (None, "en-US", "en"),
        (None, "pl", "en"),
        (None, None, "uk"),
        ("xx", None, "uk"),
    ],
)
def test_locale_resolution(stored: str | None, language_code: str | None, expected: str) -> None:
    assert resolve_locale(stored, language_code) == expected
