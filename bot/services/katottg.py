"""The КАТОТТГ codifier of administrative-territorial units: parse the ministry's file, import it.

The file (CSV or XLSX) has the columns `Перший рівень; Другий рівень; Третій рівень; Четвертий
рівень; Додатковий рівень; Категорія об’єкта; Назва об’єкта`. A row's own code is its last non-empty
code, its parent the code one level up; rows come top-down, so a parent always precedes its
children. Kyiv and Sevastopol repeat their own code on levels 1-4 above their city districts.

The import parses the whole file first (a malformed file changes nothing), then upserts every unit
in one transaction. Units missing from a newer file are kept (members may point at them) but are no
longer offered for registration.

An edition of the file ships with the bot (content/codifier/, xz-compressed); every deployment
imports it on first start, while the table is empty. Imports take a lock first (a table lock on
PostgreSQL, the write lock on SQLite), so processes starting at once import it exactly once.
"""

from __future__ import annotations

import csv
import io
import lzma
import re
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    bindparam,
    column,
    exists,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Insert

from storage.db import Database, take_turns_writing
from storage.models import AdminUnit, UtcDateTime

__all__ = [
    "CATEGORIES",
    "SHIPPED_CODIFIER",
    "CodifierError",
    "CodifierRow",
    "ImportReport",
    "import_codifier",
    "import_shipped_codifier",
    "is_selectable",
    "parse_codifier",
    "parse_codifier_csv",
    "shipped_codifier_csv",
]

# Category letter → (English plural for reports, the level its code sits on).
CATEGORIES: dict[str, tuple[str, int]] = {
    "O": ("oblasts and the Autonomous Republic of Crimea", 1),
    "K": ("cities with special status", 1),
    "P": ("raions", 2),
    "H": ("hromadas", 3),
    "M": ("cities", 4),
    "X": ("settlements (selyshcha)", 4),
    "C": ("villages", 4),
    "B": ("city districts", 5),
}
_CATEGORY_LIST = ", ".join(sorted(CATEGORIES))
# Cyrillic letters that look like the Latin category letters (a hand-edited or re-encoded file).
_LOOKALIKES = str.maketrans("ОКРНМХСВ", "OKPHMXCB")

CRIMEA_PREFIX = "UA01"
SEVASTOPOL_PREFIX = "UA85"
KYIV_PREFIX = "UA80"

LEVEL_COLUMNS = (
    "Перший рівень",
    "Другий рівень",
    "Третій рівень",
    "Четвертий рівень",
    "Додатковий рівень",
)
CATEGORY_COLUMN = "Категорія об’єкта"
NAME_COLUMN = "Назва об’єкта"
COLUMNS = (*LEVEL_COLUMNS, CATEGORY_COLUMN, NAME_COLUMN)

# A КАТОТТГ code: UA and 17 digits.
CODE_RE = re.compile(r"^UA\d{17}$")
_APOSTROPHES = str.maketrans({"'": "’", "ʼ": "’", "`": "’", "‘": "’"})
_HEADER_SEARCH_ROWS = 10
_CHUNK = 1000

# The edition packaged with the bot, in content/codifier/ (the ministry's CSV, xz-compressed).
SHIPPED_CODIFIER = "kodifikator-16-05-2025.csv.xz"


class CodifierError(ValueError):
    """The codifier file cannot be read or fails validation; the message names file and line."""


@dataclass(frozen=True)
class CodifierRow:
    """One unit of the codifier."""

    code: str
    category: str
    name: str
    parent_code: str | None
    oblast_code: str
    level: int
    line: int

    @property
    def selectable(self) -> bool:
        return is_selectable(self.code, self.category)


def is_selectable(code: str, category: str) -> bool:
    """Offered at registration: hromadas outside Crimea and Sevastopol, and the city of Kyiv."""
    if category == "H":
        return not code.startswith((CRIMEA_PREFIX, SEVASTOPOL_PREFIX))
    return category == "K" and code.startswith(KYIV_PREFIX)


def _header_key(value: str) -> str:
    return " ".join(value.translate(_APOSTROPHES).split()).casefold()


_COLUMN_KEYS = {_header_key(name): index for index, name in enumerate(COLUMNS)}


# ----------------------------------------------------------------------------------------- parsing


class _Source:
    """Rows of one file as (line number, cells), with the words used in error messages."""

    def __init__(self, name: str, rows: Iterable[tuple[int, list[str]]], unit: str) -> None:
        self.name = name
        self.rows = rows
        self.unit = unit

    def error(self, line: int | None, problem: str) -> CodifierError:
        where = f", {self.unit} {line}" if line is not None else ""
        return CodifierError(f"{self.name}{where}: {problem}")


def _decode(name: str, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError as error:
        raise CodifierError(
            f"{name}: not a text file in UTF-8 or Windows-1251 (byte {error.start})"
        ) from error


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    line = 1
    for cells in reader:
        yield line, [cell.strip() for cell in cells]
        line = reader.line_num + 1


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise CodifierError(f"{path.name}: not a readable XLSX workbook ({error})") from error
    try:
        sheet = _sheet_with_header(workbook.worksheets)
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _sheet_with_header(sheets: Sequence[Any]) -> Any:
    """The first sheet with the official header near its top (else the first sheet)."""
    for sheet in sheets:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_header_key(_cell_text(value)) for value in values]
            if all(key in cells for key in _COLUMN_KEYS):
                return sheet
            if number >= _HEADER_SEARCH_ROWS:
                break
    return sheets[0]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _open(path: Path) -> _Source:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CodifierError(
            f"{path.name}: unsupported file type {path.suffix or '(no extension)'!r}: "
            "expected the codifier as .csv or .xlsx"
        )
    if not path.is_file():
        raise CodifierError(f"{path.name}: file not found ({path})")
    if path.stat().st_size == 0:
        raise CodifierError(f"{path.name}: the file is empty")
    if suffix == ".xlsx":
        return _Source(path.name, _xlsx_rows(path), "row")
    return _csv_source(path.name, path.read_bytes())


def _csv_source(name: str, data: bytes) -> _Source:
    text = _decode(name, data)
    if not text.strip():
        raise CodifierError(f"{name}: the file is empty")
    return _Source(name, _csv_rows(text), "line")


def _find_header(source: _Source, rows: Iterator[tuple[int, list[str]]]) -> list[int]:
    """Column positions of COLUMNS, from the header among the first rows."""
    best: tuple[int, int, set[int]] | None = None  # (matched, line, found column indexes)
    first_line: int | None = None
    for line, cells in rows:
        if not any(cells):
            continue
        if first_line is None:
            first_line = line
        positions: dict[int, int] = {}
        for position, cell in enumerate(cells):
            index = _COLUMN_KEYS.get(_header_key(cell))
            if index is not None and index not in positions:
                positions[index] = position
        if len(positions) == len(COLUMNS):
            return [positions[index] for index in range(len(COLUMNS))]
        if positions and (best is None or len(positions) > best[0]):
            best = (len(positions), line, set(positions))
        if line - first_line + 1 >= _HEADER_SEARCH_ROWS:
            break
    if first_line is None:
        raise source.error(None, "the file is empty")
    if best is not None:
        missing = ", ".join(f"'{name}'" for i, name in enumerate(COLUMNS) if i not in best[2])
        raise source.error(best[1], f"the header lacks the column(s) {missing}")
    expected = "; ".join(COLUMNS)
    raise source.error(first_line, f"no header with the official columns ({expected})")


def _parse(source: _Source) -> Iterator[CodifierRow]:
    rows = iter(source.rows)
    positions = _find_header(source, rows)
    seen: dict[str, tuple[str, int, str]] = {}  # code → (oblast code, line, category)
    width = max(positions) + 1
    for line, cells in rows:
        if not any(cells):
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = [cells[position] for position in positions]
        codes = values[: len(LEVEL_COLUMNS)]
        raw_category, raw_name = values[len(LEVEL_COLUMNS)], values[len(LEVEL_COLUMNS) + 1]

        level = 0
        for index, code in enumerate(codes, start=1):
            if code:
                if not CODE_RE.match(code):
                    raise source.error(
                        line,
                        f"bad code {code!r} in column '{LEVEL_COLUMNS[index - 1]}' "
                        "(expected UA followed by 17 digits)",
                    )
                level = index
        if level == 0:
            raise source.error(line, "the row has no code")
        for index in range(level - 1):
            if not codes[index]:
                raise source.error(
                    line,
                    f"column '{LEVEL_COLUMNS[index]}' is empty above the code "
                    f"in '{LEVEL_COLUMNS[level - 1]}'",
                )
        code = codes[level - 1]

        category = raw_category.upper().translate(_LOOKALIKES)
        if category not in CATEGORIES:
            raise source.error(
                line, f"unknown category {raw_category!r} (expected one of {_CATEGORY_LIST})"
            )
        expected_level = CATEGORIES[category][1]
        if level != expected_level:
            raise source.error(
                line,
                f"category {category} belongs in column '{LEVEL_COLUMNS[expected_level - 1]}', "
                f"but the row's code {code} is in '{LEVEL_COLUMNS[level - 1]}'",
            )

        name = " ".join(raw_name.split())
        if not name:
            raise source.error(line, f"the name of {code} is missing")

        if code in seen:
            raise source.error(
                line, f"code {code} appears twice (first on {source.unit} {seen[code][1]})"
            )
        oblast_code = codes[0]
        parent_code = codes[level - 2] if level > 1 else None
        if parent_code is not None:
            parent = seen.get(parent_code)
            if parent is None:
                raise source.error(
                    line,
                    f"the parent {parent_code} of {code} does not appear earlier in the file "
                    "(rows must come top-down: oblast, raion, hromada, settlement)",
                )
            if parent[0] != oblast_code:
                raise source.error(
                    line,
                    f"the parent {parent_code} of {code} belongs to {parent[0]}, "
                    f"not to {oblast_code}",
                )
        seen[code] = (oblast_code, line, category)
        yield CodifierRow(
            code=code,
            category=category,
            name=name,
            parent_code=parent_code,
            oblast_code=oblast_code,
            level=level,
            line=line,
        )


def parse_codifier(path: Path) -> Iterator[CodifierRow]:
    """The units of a codifier file (.csv or .xlsx), validated; CodifierError on any problem.

    The file type and emptiness are checked at once; rows are validated as they are read.
    """
    return _parse(_open(Path(path)))


def parse_codifier_csv(data: bytes, name: str) -> Iterator[CodifierRow]:
    """The units of a codifier CSV held in memory, validated; `name` labels the errors."""
    return _parse(_csv_source(name, data))


def shipped_codifier_csv() -> bytes:
    """The codifier edition packaged with the bot (content/codifier/), decompressed;
    CodifierError when the package lacks it or it is damaged."""
    resource = resources.files("content") / "codifier" / SHIPPED_CODIFIER
    try:
        return lzma.decompress(resource.read_bytes())
    except (OSError, lzma.LZMAError) as error:
        raise CodifierError(
            f"{SHIPPED_CODIFIER}: the codifier shipped with the bot cannot be read ({error})"
        ) from error


# --------------------------------------------------------------------------------------- importing


@dataclass
class ImportReport:
    """What an import found and changed."""

    categories: dict[str, int] = field(default_factory=dict)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # Units in the database that the file no longer lists (kept, never offered for registration).
    retired: int = 0
    # Of the retired, those this import withdrew from registration (were selectable until now).
    withdrawn: int = 0
    selectable_hromadas: int = 0
    # Everything offered at registration: the hromadas plus the city of Kyiv.
    selectable_units: int = 0
    source: str = ""
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.categories.values())

    def format(self) -> str:
        """A multi-line summary for the command line."""
        source = self.source or "the file"
        lines = [
            f"КАТОТТГ codifier imported from {source} in {self.seconds:.1f} s.",
            f"Units in the file: {self.total}",
        ]
        for letter, count in self.categories.items():
            label = CATEGORIES[letter][0] if letter in CATEGORIES else letter
            lines.append(f"  {letter}  {label}: {count}")
        lines += [
            f"New: {self.inserted}",
            f"Updated: {self.updated}",
            f"Unchanged: {self.unchanged}",
        ]
        retired = f"No longer in the codifier: {self.retired}"
        if self.retired:
            retired += " (kept for existing members, not offered for registration"
            retired += f"; {self.withdrawn} withdrawn now)" if self.withdrawn else ")"
        lines.append(retired)
        offered = f"Hromadas offered for registration: {self.selectable_hromadas}"
        others = self.selectable_units - self.selectable_hromadas
        if others:
            offered += " (plus the city of Kyiv)" if others == 1 else f" (plus {others} cities)"
        lines.append(offered)
        return "\n".join(lines)


# A lightweight Core view of the table: executemany without ORM overhead.
_units = table(
    AdminUnit.__tablename__,
    column("code", String),
    column("category", String),
    column("name", String),
    column("parent_code", String),
    column("oblast_code", String),
    column("level", Integer),
    column("selectable", Boolean),
    column("imported_at", UtcDateTime()),
)
_DATA_COLUMNS = ("category", "name", "parent_code", "oblast_code", "level", "selectable")


def _record(row: CodifierRow) -> tuple[Any, ...]:
    return (row.category, row.name, row.parent_code, row.oblast_code, row.level, row.selectable)


def _upsert_statement(dialect: str) -> Insert | None:
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:
        return None
    statement = insert(_units)
    excluded = statement.excluded
    changed = or_(*(_units.c[name].is_distinct_from(excluded[name]) for name in _DATA_COLUMNS))
    result: Insert = statement.on_conflict_do_update(
        index_elements=[_units.c.code],
        set_={name: excluded[name] for name in (*_DATA_COLUMNS, "imported_at")},
        where=changed,
    )
    return result


async def _write(
    session: AsyncSession, dialect: str, new: list[dict[str, Any]], changed: list[dict[str, Any]]
) -> None:
    upsert = _upsert_statement(dialect)
    if upsert is not None:
        rows = new + changed
        for start in range(0, len(rows), _CHUNK):
            await session.execute(upsert, rows[start : start + _CHUNK])
        return
    # Another dialect: the diff was computed in this transaction, so plain statements suffice.
    for start in range(0, len(new), _CHUNK):
        await session.execute(_units.insert(), new[start : start + _CHUNK])
    if changed:
        statement = (
            update(_units)
            .where(_units.c.code == bindparam("b_code"))
            .values({name: bindparam(f"b_{name}") for name in (*_DATA_COLUMNS, "imported_at")})
        )
        params = [{f"b_{key}": value for key, value in row.items()} for row in changed]
        for start in range(0, len(params), _CHUNK):
            await session.execute(statement, params[start : start + _CHUNK])


async def import_codifier(db: Database, path: Path) -> ImportReport:
    """Import (or re-import) the codifier; CodifierError and no change if the file is malformed."""
    started = time.perf_counter()
    path = Path(path)
    report, rows = _prepare(parse_codifier(path), path.name)
    async with db.transaction() as session:
        await take_turns_writing(session, _units)  # imports run one at a time
        await _apply(session, db.dialect, rows, report)
    report.seconds = time.perf_counter() - started
    return report


async def import_shipped_codifier(
    db: Database, *, only_if_empty: bool = True
) -> ImportReport | None:
    """Import the edition that ships with the bot; None (and no change) when `only_if_empty`
    and the table already holds units, from this or another process. CodifierError when the
    packaged file is missing or damaged."""
    started = time.perf_counter()
    if only_if_empty and await _has_units(db):
        return None  # the usual start: no need to decompress anything
    name = SHIPPED_CODIFIER.removesuffix(".xz")
    report, rows = _prepare(parse_codifier_csv(shipped_codifier_csv(), name), name)
    report.source = f"{name} (shipped with the bot)"
    async with db.transaction() as session:
        await take_turns_writing(session, _units)  # imports run one at a time
        # Behind the lock: a process that started at the same time may have imported it.
        if only_if_empty and await session.scalar(select(exists().select_from(_units))):
            return None
        await _apply(session, db.dialect, rows, report)
    report.seconds = time.perf_counter() - started
    return report


async def _has_units(db: Database) -> bool:
    async with db.transaction() as session:
        return bool(await session.scalar(select(exists().select_from(_units))))


def _prepare(parsed: Iterable[CodifierRow], source: str) -> tuple[ImportReport, list[CodifierRow]]:
    """Every row validated before anything is written, and the report's counts of the file."""
    rows = list(parsed)
    if not rows:
        raise CodifierError(f"{source}: the file has a header but no units")
    order = {letter: i for i, letter in enumerate(CATEGORIES)}
    counts = Counter(row.category for row in rows)
    report = ImportReport(
        categories={k: counts[k] for k in sorted(counts, key=lambda k: order.get(k, 99))},
        selectable_hromadas=sum(1 for row in rows if row.category == "H" and row.selectable),
        selectable_units=sum(1 for row in rows if row.selectable),
        source=source,
    )
    return report, rows


async def _apply(
    session: AsyncSession, dialect: str, rows: list[CodifierRow], report: ImportReport
) -> None:
    """Insert new units, update changed ones, withdraw those the file no longer lists."""
    now = datetime.now(UTC)
    codes = {row.code for row in rows}
    existing: dict[str, tuple[Any, ...]] = {
        code: tuple(values)
        for code, *values in await session.execute(
            select(*(_units.c[name] for name in ("code", *_DATA_COLUMNS)))
        )
    }
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        record = _record(row)
        before = existing.get(row.code)
        if before == record:
            continue
        values = dict(zip(_DATA_COLUMNS, record, strict=True))
        values.update(code=row.code, imported_at=now)
        (new if before is None else changed).append(values)
    report.inserted, report.updated = len(new), len(changed)
    report.unchanged = len(rows) - len(new) - len(changed)
    await _write(session, dialect, new, changed)

    absent = [code for code in existing if code not in codes]
    report.retired = len(absent)
    withdraw = [code for code in absent if existing[code][-1]]
    report.withdrawn = len(withdraw)
    for start in range(0, len(withdraw), _CHUNK):
        await session.execute(
            update(_units)
            .where(_units.c.code.in_(withdraw[start : start + _CHUNK]))
            .values(selectable=False, imported_at=now)
        )
