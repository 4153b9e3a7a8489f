"""Content files under `content/`: validated at load, errors naming the file and the field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import content as _content_package
from bot.i18n import in_locale

CONTENT_DIR = Path(_content_package.__file__).resolve().parent


class ContentError(ValueError):
    """A content file is missing, malformed or fails validation."""


@dataclass(frozen=True)
class AssociationInfo:
    code: str
    name_uk: str
    name_en: str
    short_uk: str
    short_en: str
    website: str | None
    position: int

    def short(self, locale: str) -> str:
        return in_locale(locale, self.short_uk, self.short_en)

    def name(self, locale: str) -> str:
        return in_locale(locale, self.name_uk, self.name_en)


# libyaml's safe loader where PyYAML was built with it (the wheels are): several times faster
# than the pure-Python one, which start-up felt.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Parse a YAML content file; ContentError names the file and line on a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ContentError(f"{path}: file not found") from error
    except UnicodeDecodeError as error:
        raise ContentError(f"{path}: not UTF-8 text ({error.reason})") from error
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(f"{path}{where}: invalid YAML: {problem}") from error


def read_entries(path: Path, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each mapping of the non-empty list under `key`, with where it stands (`key[i]`)."""
    document = read_yaml(path)
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list) or not items:
        raise ContentError(f"{path}: expected a non-empty list under '{key}'")
    for index, entry in enumerate(items):
        where = f"{key}[{index}]"
        if not isinstance(entry, dict):
            raise ContentError(f"{path}: {where} must be a mapping of fields")
        yield where, entry


def unique_code(
    path: Path, where: str, entry: dict[str, Any], seen: set[str], *, longest: int = 16
) -> str:
    """The entry's `code`: 2 to `longest` characters of a-z, 0-9 and _ starting with a letter,
    not in `seen` (it is added)."""
    code = entry.get("code")
    if not isinstance(code, str) or not re.match(rf"^[a-z][a-z0-9_]{{1,{longest - 1}}}$", code):
        raise ContentError(
            f"{path}: {where}.code must be 2-{longest} characters of a-z, 0-9 and _, "
            "starting with a letter"
        )
    if code in seen:
        raise ContentError(f"{path}: {where}.code {code!r} is used twice")
    seen.add(code)
    return code


def text_field(path: Path, where: str, entry: dict[str, Any], field: str, limit: int) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{path}: {where}.{field} is required and must be text")
    value = value.strip()
    if len(value) > limit:
        raise ContentError(f"{path}: {where}.{field} is longer than {limit} characters")
    return value


def load_associations(path: Path | None = None) -> list[AssociationInfo]:
    """Read `content/associations.yaml`."""
    path = path or CONTENT_DIR / "associations.yaml"
    result: list[AssociationInfo] = []
    seen: set[str] = set()
    for position, (where, entry) in enumerate(read_entries(path, "associations")):
        code = unique_code(path, where, entry, seen)
        website = entry.get("website")
        if website is not None and (
            not isinstance(website, str) or not website.startswith(("https://", "http://"))
        ):
            raise ContentError(f"{path}: {where}.website must be an http(s) URL")
        result.append(
            AssociationInfo(
                code=code,
                name_uk=text_field(path, where, entry, "name_uk", 200),
                name_en=text_field(path, where, entry, "name_en", 200),
                short_uk=text_field(path, where, entry, "short_uk", 40),
                short_en=text_field(path, where, entry, "short_en", 40),
                website=website,
                position=position,
            )
        )
    return result


# ------------------------------------------------------------------------------ privacy notice

_EMAIL_RE = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]+\.[^@\s<>.]{2,}$")
_PRIVACY_FIELDS = frozenset({"controller", "email", "other_contact"})


@dataclass(frozen=True)
class PrivacyNotice:
    """Who answers for members' personal data, from `content/privacy.yaml`."""

    controller_uk: str
    controller_en: str
    email: str | None
    other_contact_uk: str | None
    other_contact_en: str | None

    def controller(self, locale: str) -> str:
        return in_locale(locale, self.controller_uk, self.controller_en)

    def other_contact(self, locale: str) -> str | None:
        return in_locale(locale, self.other_contact_uk, self.other_contact_en)


def _both_languages(
    path: Path, document: dict[str, Any], field: str, limit: int, *, required: bool
) -> tuple[str, str] | None:
    value = document.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, dict) or set(value) != {"uk", "en"}:
        raise ContentError(f"{path}: {field} must have exactly two texts, uk and en")
    return (
        text_field(path, field, value, "uk", limit),
        text_field(path, field, value, "en", limit),
    )


def load_privacy_notice(path: Path | None = None) -> PrivacyNotice:
    """Read `content/privacy.yaml`."""
    path = path or CONTENT_DIR / "privacy.yaml"
    document = read_yaml(path)
    if not isinstance(document, dict):
        raise ContentError(f"{path}: expected a mapping of fields")
    unknown = sorted(set(document) - _PRIVACY_FIELDS)
    if unknown:
        raise ContentError(
            f"{path}: unknown field {unknown[0]!r}; the fields are "
            + ", ".join(sorted(_PRIVACY_FIELDS))
        )
    controller = _both_languages(path, document, "controller", 600, required=True)
    assert controller is not None
    email = document.get("email")
    if email is not None and (
        not isinstance(email, str) or len(email) > 254 or not _EMAIL_RE.match(email.strip())
    ):
        raise ContentError(f"{path}: email must be an e-mail address like name@example.org")
    other = _both_languages(path, document, "other_contact", 300, required=False)
    return PrivacyNotice(
        controller_uk=controller[0],
        controller_en=controller[1],
        email=email.strip() if isinstance(email, str) else None,
        other_contact_uk=other[0] if other else None,
        other_contact_en=other[1] if other else None,
    )
