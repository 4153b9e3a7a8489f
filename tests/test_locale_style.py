"""Interface texts follow locales/GLOSSARY.md: its "do not use" variants, the Ukrainian apostrophe
and a no-break space after №, over every .ftl file; each problem named by file, line and text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import LOCALES_DIR

GLOSSARY = LOCALES_DIR / "GLOSSARY.md"
CYRILLIC = "А-Яа-яІіЇїЄєҐґ"
# An ASCII apostrophe or the modifier letter ʼ between two Ukrainian letters.
BAD_APOSTROPHE = re.compile(f"[{CYRILLIC}]['\u02bc][{CYRILLIC}]")
# № must be followed by a no-break space (not by a normal space, a digit or a placeholder).
BAD_NUMERO = re.compile("№(?!\u00a0)")
MESSAGE_START = re.compile(r"^-?[A-Za-z][\w-]*\s*=")
PLACEABLE = re.compile(r"\{[^{}]*\}|\{\s*\$\w+\s*->|^\s*\*?\[[\w-]+\]")


@dataclass(frozen=True)
class Forbidden:
    variant: str
    pattern: re.Pattern[str]


def _pattern(variant: str) -> re.Pattern[str]:
    if len(variant) > 2 and variant.startswith("/") and variant.endswith("/"):
        return re.compile(variant[1:-1], re.IGNORECASE)
    if variant.endswith("*"):
        return re.compile(rf"(?<!\w){re.escape(variant[:-1])}\w*", re.IGNORECASE)
    return re.compile(rf"(?<!\w){re.escape(variant)}(?!\w)", re.IGNORECASE)


def forbidden_variants(glossary: Path = GLOSSARY) -> dict[str, list[Forbidden]]:
    """The "do not use" cells of the glossary's table: {"uk": [...], "en": [...]}."""
    found: dict[str, list[Forbidden]] = {"uk": [], "en": []}
    for line in glossary.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 5 or cells[0] in {"Concept", "---"}:
            continue
        for locale, cell in (("uk", cells[3]), ("en", cells[4])):
            for variant in re.findall(r"`([^`]+)`", cell):
                found[locale].append(Forbidden(variant, _pattern(variant)))
    return found


def _text_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) for each line of message text: comments and ids left out."""
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#") or not line.strip():
            continue
        start = MESSAGE_START.match(line)
        lines.append((number, line[start.end() :] if start else line))
    return lines


def style_problems(locales_dir: Path = LOCALES_DIR, glossary: Path = GLOSSARY) -> list[str]:
    """Every breach in locales_dir/*/*.ftl, as "file:line: rule: text"."""
    variants = forbidden_variants(glossary)
    problems = []
    for path in sorted(locales_dir.glob("*/*.ftl")):
        locale = path.parent.name
        where = path.relative_to(locales_dir.parent)
        for number, text in _text_lines(path):
            words = PLACEABLE.sub(" ", text)
            if locale == "uk":
                for match in BAD_APOSTROPHE.finditer(text):
                    problems.append(f"{where}:{number}: apostrophe must be ’: {match.group()!r}")
            for match in BAD_NUMERO.finditer(text):
                shown = text[match.start() : match.start() + 6]
                problems.append(f"{where}:{number}: no-break space after №: {shown!r}")
            for forbidden in variants.get(locale, []):
                for match in forbidden.pattern.finditer(words):
                    problems.append(
                        f"{where}:{number}: glossary forbids {forbidden.variant!r}: "
                        f"{match.group()!r} in {text.strip()!r}"
                    )
    return problems


def test_the_glossary_lists_forbidden_variants_for_both_languages() -> None:
    variants = forbidden_variants()
    assert len(variants["uk"]) >= 10 and len(variants["en"]) >= 5
    assert "учасник*" in {v.variant for v in variants["uk"]}
    assert "co-sign*" in {v.variant for v in variants["en"]}


def test_locale_files_follow_the_glossary_and_typography() -> None:
    problems = style_problems()
    assert problems == [], "\n".join(problems)


def test_a_seeded_bad_string_is_reported_with_file_and_line(tmp_path: Path) -> None:
    for locale in ("uk", "en"):
        (tmp_path / "locales" / locale).mkdir(parents=True)
    (tmp_path / "locales" / "uk" / "seed.ftl").write_text(
        "# учасник in a comment is not checked\n"
        "seed-good = Членство підтверджено, ім’я №\u00a0{ $id }\n"
        "seed-bad = Учасник вказав ім'я та сферу, звернення №12 і № { $id }\n",
        encoding="utf-8",
    )
    (tmp_path / "locales" / "en" / "seed.ftl").write_text(
        "seed-cosigners = { $cosigners } supporters\nseed-bad = Co-signers: { $cosigners }\n",
        encoding="utf-8",
    )
    problems = style_problems(tmp_path / "locales")
    assert [p.split(": ")[0] for p in problems] == [
        "locales/en/seed.ftl:2",
        "locales/uk/seed.ftl:3",
        "locales/uk/seed.ftl:3",
        "locales/uk/seed.ftl:3",
        "locales/uk/seed.ftl:3",
        "locales/uk/seed.ftl:3",
    ], "\n".join(problems)
    joined = "\n".join(problems)
    for shown in ("'Co-signers'", '"м\'я"', "'№12 і '", "'№ { $i'", "'Учасник'", "'сферу'"):
        assert shown in joined, joined
