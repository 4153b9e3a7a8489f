"""Oblasts and hromadas for registration: the oblast list from `content/oblasts.yaml` and a fuzzy
search of the imported КАТОТТГ codifier within one oblast.

Search compares "skeletons": the query and each name are romanized (KMU 2010), stripped of words
like "громада"/"ТГ"/"hromada", of apostrophes, hyphens and spaces, and loosened (y/i, kh/h, doubled
letters...), so Cyrillic with typos, Latin i inside Cyrillic, the official romanization and common
informal spellings all meet. A second comparison uses stems without the adjective ending, so
"Bila Tserkva" (the town) finds "Білоцерківська" (its hromada). Candidates are read from the
database on every call: a separate import process never leaves this service stale.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.content import ContentError, read_entries, text_field
from bot.i18n import in_locale
from bot.services.katottg import CODE_RE
from bot.services.romanization import APOSTROPHES, romanize
from storage.db import Database
from storage.models import AdminUnit

__all__ = [
    "KYIV_PREFIX",
    "MIN_SCORE",
    "HromadaDirectory",
    "HromadaMatch",
    "Oblast",
    "Place",
    "PlaceKey",
    "StoredPlace",
    "load_oblasts",
    "place_key",
    "skeleton",
]

# A fuzzy match below this score is not shown. Chosen on the real codifier: one or two typos in a
# name score 80-89, a town's name against its hromada's stem 80-89 ("Bila Tserkva" 86), keyboard
# mashing and most unrelated words stay below 75 (a shared root may pass: машина → Машівська).
MIN_SCORE = 75.0
# Queries this short (after cleaning) only match names that start with them.
PREFIX_ONLY_LENGTH = 2


# Words around a hromada's name that people add or leave out.
_NOISE_WORDS = frozenset(
    {
        "громада",
        "громади",
        "громаді",
        "громаду",
        "територіальна",
        "територіальної",
        "обєднана",
        "обєднаної",
        "сільська",
        "селищна",
        "міська",
        "тг",
        "отг",
        "стг",
        "мтг",
        "смтг",
        "рада",
        "hromada",
        "hromady",
        "gromada",
        "territorial",
        "community",
        "amalgamated",
        "tg",
        "otg",
        "ath",
        "м",
        "місто",
        "city",
        "of",
        "the",
        "с",
        "село",
        "смт",
        "селище",
    }
)
# Latin letters typed inside Cyrillic words (keyboard layouts, copy-paste) and Russian letters.
_HOMOGLYPHS = str.maketrans(
    {
        "a": "а",
        "c": "с",
        "e": "е",
        "i": "і",
        "o": "о",
        "p": "р",
        "x": "х",
        "y": "у",
        "k": "к",
        "m": "м",
        "h": "н",
        "t": "т",
        "b": "в",
        "ы": "и",
        "э": "е",
        "ё": "е",
        "ъ": "",
    }
)
_CYRILLIC_RE = re.compile(r"[а-яґєіїё]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’ʼ`][^\W\d_]+)*")
# Loosened romanization: the official table and the informal spellings meet here.
_LOOSE = (
    ("shch", "sch"),
    ("yi", "i"),
    ("yu", "iu"),
    ("ya", "ia"),
    ("ye", "ie"),
    ("y", "i"),
    ("j", "i"),
    ("kh", "h"),
    ("g", "h"),
    ("w", "v"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
)
_DOUBLE_RE = re.compile(r"(.)\1+")
# Adjective endings of hromada names (and of towns' informal forms), longest first.
_ENDINGS = ("skoi", "skii", "skie", "ska", "ske", "ski", "zka", "tska", "ka", "a", "e", "i", "o")
_MIN_STEM = 4


@dataclass(frozen=True)
class Oblast:
    code: str
    name_uk: str
    name_en: str

    def name(self, locale: str) -> str:
        return in_locale(locale, self.name_uk, self.name_en)


@dataclass(frozen=True)
class HromadaMatch:
    code: str
    name: str
    raion_name: str | None
    score: float


KYIV_PREFIX = "UA80"  # Kyiv's КАТОТТГ codes: a city with the status of an oblast


@dataclass(frozen=True)
class Place:
    """Where a member is, as every card, list, export and digest names it.

    `hromada`: the codifier unit's name when the member picked one, else what they typed ("" for
    Kyiv, which is its own oblast-level unit); `raion`: the unit's raion, only when another
    selectable unit of the oblast has the same name; `oblast`: None when unknown.
    """

    hromada: str
    oblast: Oblast | None
    raion: str | None = None
    from_codifier: bool = False

    @property
    def is_kyiv(self) -> bool:
        return self.oblast is not None and self.oblast.code.startswith(KYIV_PREFIX)


# A member's place as stored: the codifier code picked (or None), the text typed, the oblast code.
PlaceKey = tuple[str | None, str | None, str | None]


class StoredPlace(Protocol):
    """Whatever stores a member's place: a member, a report, a co-signer, their views."""

    @property
    def hromada_code(self) -> str | None: ...
    @property
    def hromada_text(self) -> str | None: ...
    @property
    def oblast_code(self) -> str | None: ...


def place_key(stored: StoredPlace) -> PlaceKey:
    return (stored.hromada_code, stored.hromada_text, stored.oblast_code)


def load_oblasts(path: Path) -> list[Oblast]:
    """Read `content/oblasts.yaml`; ContentError names the file and the field."""
    result: list[Oblast] = []
    seen: set[str] = set()
    for where, entry in read_entries(path, "oblasts"):
        code = entry.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code.strip()):
            raise ContentError(
                f"{path}: {where}.code must be a КАТОТТГ code: UA followed by 17 digits"
            )
        code = code.strip()
        if code in seen:
            raise ContentError(f"{path}: {where}.code {code} is listed twice")
        seen.add(code)
        result.append(
            Oblast(
                code=code,
                name_uk=text_field(path, where, entry, "name_uk", 100),
                name_en=text_field(path, where, entry, "name_en", 100),
            )
        )
    return result


# ------------------------------------------------------------------------------------ text matching


def _words(text: str) -> list[str]:
    """Lower-case words with apostrophes dropped and Latin look-alikes in Cyrillic words fixed."""
    text = unicodedata.normalize("NFC", text).lower()
    words: list[str] = []
    for match in _WORD_RE.finditer(text):
        for part in match.group().split("-"):
            word = "".join(char for char in part if char not in APOSTROPHES)
            if _CYRILLIC_RE.search(word):
                word = word.translate(_HOMOGLYPHS)
            if word:
                words.append(word)
    return words


def _letters(latin: str) -> str:
    return "".join(char for char in latin.lower() if "a" <= char <= "z")


def _loosen(fine: str) -> str:
    for old, new in _LOOSE:
        fine = fine.replace(old, new)
    return _DOUBLE_RE.sub(r"\1", fine)


def _stem(value: str) -> str:
    for ending in _ENDINGS:
        if value.endswith(ending) and len(value) - len(ending) >= _MIN_STEM:
            return value[: -len(ending)]
    return value


@dataclass(frozen=True)
class _Form:
    """A name or a query made comparable: `fine` is its romanization as Latin letters only,
    `loose` the loosened skeleton, `stem` the skeleton without an adjective ending."""

    fine: str
    loose: str
    stem: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str, drop_noise: bool) -> _Form:
        words = [w for w in _words(text) if not (drop_noise and w in _NOISE_WORDS)]
        fine = _letters(romanize(" ".join(words)))
        loose = _loosen(fine)
        word_forms = tuple(_loosen(_letters(romanize(word))) for word in words)
        return cls(fine=fine, loose=loose, stem=_stem(loose), words=word_forms)


def skeleton(text: str) -> str:
    """The loose comparable form of a query: `Андріївська ТГ`, `Andriyivska` → `andrivska`."""
    return _Form.of(text, drop_noise=True).loose


# Score bands: an exact match beats a prefix match beats any fuzzy one.
_EXACT, _LOOSE_EXACT, _PREFIX, _FUZZY_MAX = 100.0, 98.0, 90.0, 89.0


def _score(query: _Form, name: _Form) -> float:
    """0-100: 100 exact, 90-98 the same loosened or a prefix, below 90 fuzzy."""
    if not name.fine:
        return 0.0
    if name.fine == query.fine:
        return _EXACT
    if name.loose == query.loose:
        return _LOOSE_EXACT - (100.0 - fuzz.ratio(query.fine, name.fine)) / 10.0
    if name.fine.startswith(query.fine) or (
        len(query.loose) >= min(3, len(query.fine)) and name.loose.startswith(query.loose)
    ):
        return _PREFIX + 5.0 * len(query.loose) / max(len(name.loose), 1)
    if len(query.fine) <= PREFIX_ONLY_LENGTH:
        return 0.0
    score = fuzz.ratio(query.loose, name.loose)
    if len(query.stem) >= _MIN_STEM:
        score = max(score, fuzz.ratio(query.stem, name.stem))
    if len(query.words) > 1:
        # "Андріївська Бердянський", "Bila Tserkva": one word of several may carry the name.
        for word in query.words:
            if len(word) > PREFIX_ONLY_LENGTH:
                word_score = max(fuzz.ratio(word, name.loose), fuzz.ratio(_stem(word), name.stem))
                score = max(score, word_score - 5.0)
    return min(float(score), _FUZZY_MAX)


# --------------------------------------------------------------------------------------- directory


class HromadaDirectory:
    """The registration dialog's view of oblasts and of the codifier's selectable units."""

    def __init__(self, db: Database, oblasts: list[Oblast]) -> None:
        self.db = db
        self.oblasts = list(oblasts)
        self._by_code = {oblast.code: oblast for oblast in self.oblasts}

    def oblast(self, code: str) -> Oblast | None:
        return self._by_code.get(code)

    async def has_codifier(self) -> bool:
        """Whether any unit a member can choose has been imported."""
        async with self.db.transaction() as session:
            found = await session.scalar(
                select(AdminUnit.code).where(AdminUnit.selectable.is_(True)).limit(1)
            )
        return found is not None

    async def _rows(self, *conditions: Any) -> list[tuple[str, str, str | None]]:
        raion = aliased(AdminUnit)
        statement = (
            select(AdminUnit.code, AdminUnit.name, raion.name)
            .outerjoin(raion, (raion.code == AdminUnit.parent_code) & (raion.category == "P"))
            .where(*conditions)
        )
        async with self.db.transaction() as session:
            result = await session.execute(statement)
            return [(code, name, raion_name) for code, name, raion_name in result]

    async def get(self, code: str) -> HromadaMatch | None:
        """A unit by its code (also one no longer offered: members keep their hromada)."""
        rows = await self._rows(AdminUnit.code == code)
        if not rows:
            return None
        code, name, raion_name = rows[0]
        return HromadaMatch(code=code, name=name, raion_name=raion_name, score=100.0)

    async def places(
        self, keys: Iterable[PlaceKey], session: AsyncSession | None = None
    ) -> dict[PlaceKey, Place]:
        """Each stored place named: the codifier's units looked up together (two statements
        however many places), in `session` when given, else in a transaction of its own."""
        wanted = set(keys)
        if session is None:
            async with self.db.transaction() as own:
                return await self.places(wanted, own)
        codes = {code for code, _text, _oblast in wanted if code}
        units: dict[str, tuple[str, str | None]] = {}
        repeated: set[tuple[str, str]] = set()
        if codes:
            raion = aliased(AdminUnit)
            rows = await session.execute(
                select(AdminUnit.code, AdminUnit.name, AdminUnit.oblast_code, raion.name)
                .outerjoin(raion, (raion.code == AdminUnit.parent_code) & (raion.category == "P"))
                .where(AdminUnit.code.in_(codes))
            )
            found = [(code, name, oblast, raion_name) for code, name, oblast, raion_name in rows]
            units = {code: (name, raion_name) for code, name, _oblast, raion_name in found}
            names = {name for _code, name, _oblast, _raion in found}
            same_name = await session.execute(
                select(AdminUnit.oblast_code, AdminUnit.name)
                .where(AdminUnit.name.in_(names), AdminUnit.selectable.is_(True))
                .group_by(AdminUnit.oblast_code, AdminUnit.name)
                .having(func.count() > 1)
            )
            repeated = {(oblast, name) for oblast, name in same_name}
        result: dict[PlaceKey, Place] = {}
        for key in wanted:
            code, text, oblast_code = key
            oblast = self.oblast(oblast_code or "")
            unit = units.get(code) if code else None
            if oblast_code and oblast_code.startswith(KYIV_PREFIX):
                result[key] = Place("", oblast)
            elif unit is not None:
                name, raion_name = unit
                twice = (oblast_code or "", name) in repeated
                result[key] = Place(name, oblast, raion_name if twice else None, True)
            else:
                result[key] = Place((text or "").strip(), oblast)
        return result

    async def place(self, key: PlaceKey, session: AsyncSession | None = None) -> Place:
        return (await self.places([key], session))[key]

    async def search(self, oblast_code: str, query: str, limit: int = 8) -> list[HromadaMatch]:
        """The best matches for `query` among the oblast's selectable units, best first."""
        parsed = _Form.of(query, drop_noise=True)
        if not parsed.fine or limit <= 0:
            return []
        rows = await self._rows(
            AdminUnit.oblast_code == oblast_code, AdminUnit.selectable.is_(True)
        )
        matches = [
            HromadaMatch(code=code, name=name, raion_name=raion_name, score=score)
            for code, name, raion_name in rows
            if (score := _score(parsed, _Form.of(name, drop_noise=False))) >= MIN_SCORE
        ]
        matches.sort(key=lambda m: (-m.score, m.name, m.raion_name or "", m.code))
        return matches[:limit]
