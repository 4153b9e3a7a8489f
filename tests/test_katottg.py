"""Parsing and importing the КАТОТТГ codifier (CSV and XLSX), on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.services.katottg import (
    COLUMNS,
    CodifierError,
    CodifierRow,
    ImportReport,
    import_codifier,
    parse_codifier,
)
from storage.db import Database
from storage.models import AdminUnit

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "katottg_small.csv"
REAL_NAME = "kodifikator-16-05-2025.csv"

KYIV = "UA80000000000093317"
SEVASTOPOL = "UA85000000000065278"
CRIMEA_HROMADA = "UA01020010000048857"
BILA_TSERKVA_HROMADA = "UA32020010000093088"
BILA_TSERKVA_CITY = "UA32020010010081183"
HOLOSIIVSKYI = "UA80000000000126643"
LVIV_HALYTSKYI = "UA46060250010121390"
YAHOTYN_HROMADA = "UA32040210000086086"

SMALL_ROWS = 45
SMALL_SELECTABLE_HROMADAS = 12


def real_codifier() -> Path | None:
    env = os.environ.get("KATOTTG_FILE")
    if env:
        return Path(env)
    path = Path(__file__).resolve().parents[2] / "shared/data/katottg" / REAL_NAME
    return path if path.is_file() else None


def small_lines() -> list[str]:
    return SMALL.read_text(encoding="utf-8").splitlines()


def write_csv(tmp_path: Path, lines: list[str], name: str = "kodifikator.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def rows_by_code(path: Path) -> dict[str, CodifierRow]:
    return {row.code: row for row in parse_codifier(path)}


async def unit_count(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(AdminUnit)) or 0)


async def unit(db: Database, code: str) -> AdminUnit | None:
    async with db.transaction() as session:
        return await session.get(AdminUnit, code)


# ------------------------------------------------------------------------------------------ parsing


def test_parse_small_fixture() -> None:
    rows = list(parse_codifier(SMALL))
    assert len(rows) == SMALL_ROWS
    by_code = {row.code: row for row in rows}
    assert len(by_code) == SMALL_ROWS

    oblast = by_code["UA32000000000030281"]
    assert (oblast.category, oblast.level, oblast.parent_code) == ("O", 1, None)
    assert oblast.oblast_code == oblast.code
    assert oblast.line == 21

    hromada = by_code[BILA_TSERKVA_HROMADA]
    assert (hromada.category, hromada.level, hromada.name) == ("H", 3, "Білоцерківська")
    assert hromada.parent_code == "UA32020000000057002"
    assert hromada.oblast_code == "UA32000000000030281"

    city = by_code[BILA_TSERKVA_CITY]
    assert city.name == "Біла Церква"  # "Біла  Церква " in the file
    assert (city.level, city.parent_code) == (4, BILA_TSERKVA_HROMADA)

    assert by_code[CRIMEA_HROMADA].name == "Андріївська"  # trailing space trimmed

    district = by_code[LVIV_HALYTSKYI]
    assert (district.category, district.level) == ("B", 5)
    assert district.parent_code == "UA46060250010015970"

    # Kyiv repeats its code on levels 1-4: a district's parent is the city itself.
    kyiv = by_code[KYIV]
    assert (kyiv.category, kyiv.level, kyiv.parent_code, kyiv.oblast_code) == ("K", 1, None, KYIV)
    holosiivskyi = by_code[HOLOSIIVSKYI]
    assert (holosiivskyi.parent_code, holosiivskyi.level, holosiivskyi.oblast_code) == (
        KYIV,
        5,
        KYIV,
    )


def test_selectable_units() -> None:
    rows = list(parse_codifier(SMALL))
    selectable = {row.code for row in rows if row.selectable}
    hromadas = [row for row in rows if row.category == "H"]
    assert KYIV in selectable
    assert SEVASTOPOL not in selectable
    assert CRIMEA_HROMADA not in selectable
    assert all(row.selectable for row in hromadas if not row.code.startswith("UA01"))
    assert len(selectable) == SMALL_SELECTABLE_HROMADAS + 1
    assert {row.category for row in rows if row.selectable} == {"H", "K"}


def test_utf8_bom_cp1251_and_apostrophe_variants(tmp_path: Path) -> None:
    expected = rows_by_code(SMALL)
    text = SMALL.read_text(encoding="utf-8")

    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert rows_by_code(bom) == expected

    cp1251 = tmp_path / "cp1251.csv"
    cp1251.write_bytes(text.encode("cp1251"))
    assert rows_by_code(cp1251) == expected

    for apostrophe in ("'", "ʼ"):
        lines = small_lines()
        lines[0] = lines[0].replace("’", apostrophe)
        assert rows_by_code(write_csv(tmp_path, lines, f"a{ord(apostrophe)}.csv")) == expected

    lf = tmp_path / "lf.csv"
    lf.write_text(text.replace("\r\n", "\n"), encoding="utf-8")
    assert rows_by_code(lf) == expected


def test_cyrillic_lookalike_category_and_blank_lines(tmp_path: Path) -> None:
    lines = small_lines()
    lines[3] = lines[3].replace(";H;", ";Н;")  # Cyrillic Н
    lines.insert(5, "")
    rows = rows_by_code(write_csv(tmp_path, lines))
    assert rows[CRIMEA_HROMADA].category == "H"
    assert len(rows) == SMALL_ROWS


def write_xlsx(path: Path, title_rows: int = 2) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Кодифікатор"
    for index in range(title_rows):
        sheet.append([f"Кодифікатор адміністративно-територіальних одиниць ({index})"])
    for line in small_lines():
        cells: list[str | None] = [cell or None for cell in line.split(";")]
        sheet.append(cells)
    workbook.save(path)
    return path


def test_parse_xlsx_with_title_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "kodifikator.xlsx", title_rows=2)
    xlsx = list(parse_codifier(path))
    csv_rows = list(parse_codifier(SMALL))
    assert [(r.code, r.category, r.name, r.parent_code, r.level) for r in xlsx] == [
        (r.code, r.category, r.name, r.parent_code, r.level) for r in csv_rows
    ]
    assert xlsx[0].line == 4  # two title rows, then the header on row 3
    assert sum(row.selectable for row in xlsx) == SMALL_SELECTABLE_HROMADAS + 1


def test_xlsx_error_names_the_row(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Title"])
    sheet.append(list(COLUMNS))
    sheet.append(["UA05000000000010236", None, None, None, None, "Z", "Вінницька"])
    workbook.save(tmp_path / "bad.xlsx")
    with pytest.raises(CodifierError, match=r"^bad\.xlsx, row 3: unknown category 'Z'"):
        list(parse_codifier(tmp_path / "bad.xlsx"))


def test_not_an_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(CodifierError, match=r"fake\.xlsx: not a readable XLSX workbook"):
        list(parse_codifier(path))


# ---------------------------------------------------------------------------------- malformed files


def malformed(tmp_path: Path, line_number: int, new: str | None) -> Path:
    """The small fixture with line `line_number` (1-based) replaced, or removed when None."""
    lines = small_lines()
    if new is None:
        del lines[line_number - 1]
    else:
        lines[line_number - 1] = new
    return write_csv(tmp_path, lines)


def test_bad_header(tmp_path: Path) -> None:
    path = malformed(tmp_path, 1, "Рівень 1;Рівень 2;Рівень 3;Рівень 4;Рівень 5;Категорія;Назва")
    with pytest.raises(CodifierError, match=r"^kodifikator\.csv, line 1: no header"):
        list(parse_codifier(path))


def test_header_missing_a_column(tmp_path: Path) -> None:
    header = ";".join(COLUMNS).replace("Назва об’єкта", "Назва")
    path = malformed(tmp_path, 1, header)
    with pytest.raises(
        CodifierError, match=r"^kodifikator\.csv, line 1: the header lacks .*'Назва об’єкта'"
    ):
        list(parse_codifier(path))


def test_no_header_at_all(tmp_path: Path) -> None:
    path = write_csv(tmp_path, small_lines()[1:])
    with pytest.raises(CodifierError, match=r"^kodifikator\.csv, line 1: no header"):
        list(parse_codifier(path))


def test_unknown_category(tmp_path: Path) -> None:
    path = malformed(tmp_path, 17, small_lines()[16].replace(";P;", ";Z;"))
    with pytest.raises(CodifierError) as error:
        list(parse_codifier(path))
    assert str(error.value) == (
        "kodifikator.csv, line 17: unknown category 'Z' (expected one of B, C, H, K, M, O, P, X)"
    )


def test_bad_code(tmp_path: Path) -> None:
    path = malformed(tmp_path, 4, small_lines()[3].replace("UA01020010000048857", "UA0102001"))
    with pytest.raises(
        CodifierError,
        match=r"^kodifikator\.csv, line 4: bad code 'UA0102001' in column 'Третій рівень'",
    ):
        list(parse_codifier(path))


def test_code_with_letters(tmp_path: Path) -> None:
    path = malformed(
        tmp_path, 2, small_lines()[1].replace("UA01000000000013043", "UA0100000000001304X")
    )
    with pytest.raises(CodifierError, match=r"^kodifikator\.csv, line 2: bad code"):
        list(parse_codifier(path))


def test_missing_name(tmp_path: Path) -> None:
    path = malformed(tmp_path, 9, small_lines()[8].rsplit(";", 1)[0] + ";   ")
    with pytest.raises(
        CodifierError,
        match=r"^kodifikator\.csv, line 9: the name of UA12020090000044548 is missing",
    ):
        list(parse_codifier(path))


def test_orphan_row(tmp_path: Path) -> None:
    # Without the raion on line 8, its hromada on line 9 (line 8 once removed) has no parent.
    path = malformed(tmp_path, 8, None)
    with pytest.raises(
        CodifierError,
        match=r"^kodifikator\.csv, line 8: the parent UA12020000000052809 of UA12020090000044548 "
        r"does not appear earlier",
    ):
        list(parse_codifier(path))


def test_child_before_parent(tmp_path: Path) -> None:
    lines = small_lines()
    lines[1], lines[2] = lines[2], lines[1]  # a raion before its oblast
    with pytest.raises(CodifierError, match=r"^kodifikator\.csv, line 2: the parent"):
        list(parse_codifier(write_csv(tmp_path, lines)))


def test_duplicate_code(tmp_path: Path) -> None:
    lines = small_lines()
    lines.append(lines[3])
    with pytest.raises(
        CodifierError, match=r"line 47: code UA01020010000048857 appears twice \(first on line 4\)"
    ):
        list(parse_codifier(write_csv(tmp_path, lines)))


def test_category_on_wrong_level(tmp_path: Path) -> None:
    path = malformed(tmp_path, 4, small_lines()[3].replace(";H;", ";P;"))
    with pytest.raises(CodifierError, match=r"^kodifikator\.csv, line 4: category P belongs"):
        list(parse_codifier(path))


def test_gap_in_codes(tmp_path: Path) -> None:
    path = malformed(tmp_path, 5, small_lines()[4].replace(";UA01020010000048857;", ";;"))
    with pytest.raises(CodifierError, match=r"^kodifikator\.csv, line 5: column 'Третій рівень'"):
        list(parse_codifier(path))


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CodifierError, match=r"^empty\.csv: the file is empty"):
        list(parse_codifier(empty))
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\xef\xbb\xbf\r\n\r\n")
    with pytest.raises(CodifierError, match=r"^blank\.csv: the file is empty"):
        list(parse_codifier(blank))


def test_wrong_extension_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "kodifikator.xls"
    path.write_bytes(b"whatever")
    with pytest.raises(CodifierError, match=r"kodifikator\.xls: unsupported file type '\.xls'"):
        parse_codifier(path)
    with pytest.raises(CodifierError, match=r"absent\.csv: file not found"):
        parse_codifier(tmp_path / "absent.csv")


# ---------------------------------------------------------------------------------------- importing


async def test_import_and_reimport(db: Database) -> None:
    report = await import_codifier(db, SMALL)
    assert report.inserted == SMALL_ROWS
    assert (report.updated, report.unchanged, report.retired) == (0, 0, 0)
    assert report.selectable_hromadas == SMALL_SELECTABLE_HROMADAS
    assert report.selectable_units == SMALL_SELECTABLE_HROMADAS + 1
    assert report.categories == {"O": 5, "K": 2, "P": 8, "H": 13, "M": 4, "X": 3, "C": 4, "B": 6}
    assert sum(report.categories.values()) == SMALL_ROWS
    assert await unit_count(db) == SMALL_ROWS

    kyiv = await unit(db, KYIV)
    assert kyiv is not None
    assert (kyiv.category, kyiv.name, kyiv.selectable, kyiv.level) == ("K", "Київ", True, 1)
    assert kyiv.imported_at.tzinfo is not None
    crimea = await unit(db, CRIMEA_HROMADA)
    assert crimea is not None and not crimea.selectable
    city = await unit(db, BILA_TSERKVA_CITY)
    assert city is not None
    assert (city.name, city.parent_code, city.oblast_code) == (
        "Біла Церква",
        BILA_TSERKVA_HROMADA,
        "UA32000000000030281",
    )

    again = await import_codifier(db, SMALL)
    assert (again.inserted, again.updated, again.retired, again.withdrawn) == (0, 0, 0, 0)
    assert again.unchanged == SMALL_ROWS
    assert await unit_count(db) == SMALL_ROWS
    kyiv_again = await unit(db, KYIV)
    assert kyiv_again is not None and kyiv_again.imported_at == kyiv.imported_at


async def test_changed_and_retired_units(db: Database, tmp_path: Path) -> None:
    await import_codifier(db, SMALL)
    lines = small_lines()
    # A renamed hromada, and Yahotynska (lines 28-29: hromada and its town) gone from the file.
    lines[22] = lines[22].replace(";Білоцерківська", ";Білоцерківська міська")
    removed = [line for line in lines if YAHOTYN_HROMADA in line]
    assert len(removed) == 2
    newer = write_csv(tmp_path, [line for line in lines if YAHOTYN_HROMADA not in line])

    report = await import_codifier(db, newer)
    assert (report.inserted, report.updated) == (0, 1)
    assert (report.retired, report.withdrawn) == (2, 1)
    assert report.unchanged == SMALL_ROWS - 3
    assert report.selectable_hromadas == SMALL_SELECTABLE_HROMADAS - 1
    assert "No longer in the codifier: 2" in report.format()
    assert await unit_count(db) == SMALL_ROWS  # never deleted

    renamed = await unit(db, BILA_TSERKVA_HROMADA)
    assert renamed is not None and renamed.name == "Білоцерківська міська"
    retired = await unit(db, YAHOTYN_HROMADA)
    assert retired is not None and retired.name == "Яготинська" and not retired.selectable

    again = await import_codifier(db, newer)
    assert (again.inserted, again.updated, again.withdrawn) == (0, 0, 0)
    assert again.retired == 2

    # Back in a later file: offered again.
    back = await import_codifier(db, SMALL)
    # The old name back, and the hromada offered again (its town had nothing to change).
    assert (back.inserted, back.updated, back.retired) == (0, 2, 0)
    restored = await unit(db, YAHOTYN_HROMADA)
    assert restored is not None and restored.selectable


async def test_malformed_file_changes_nothing(db: Database, tmp_path: Path) -> None:
    await import_codifier(db, SMALL)
    lines = small_lines()
    lines[22] = lines[22].replace(";Білоцерківська", ";Нова назва")
    lines[-1] = lines[-1].replace(";B;", ";Q;")
    with pytest.raises(CodifierError, match=r"line 46: unknown category 'Q'"):
        await import_codifier(db, write_csv(tmp_path, lines))
    hromada = await unit(db, BILA_TSERKVA_HROMADA)
    assert hromada is not None and hromada.name == "Білоцерківська"
    assert await unit_count(db) == SMALL_ROWS


async def test_header_only_file_is_refused(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path, small_lines()[:1])
    with pytest.raises(
        CodifierError, match=r"kodifikator\.csv: the file has a header but no units"
    ):
        await import_codifier(db, path)
    assert await unit_count(db) == 0


async def test_import_xlsx(db: Database, tmp_path: Path) -> None:
    report = await import_codifier(db, write_xlsx(tmp_path / "k.xlsx"))
    assert report.inserted == SMALL_ROWS
    again = await import_codifier(db, SMALL)  # the same data as CSV: nothing to change
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, SMALL_ROWS)


def test_report_format() -> None:
    report = ImportReport(
        categories={"O": 1, "H": 3},
        inserted=4,
        selectable_hromadas=3,
        selectable_units=4,
        source="k.csv",
        seconds=0.25,
    )
    text = report.format()
    assert "imported from k.csv in 0.2 s" in text or "imported from k.csv in 0.3 s" in text
    assert "Units in the file: 4" in text
    assert "H  hromadas: 3" in text
    assert "New: 4" in text
    assert "Hromadas offered for registration: 3 (plus the city of Kyiv)" in text


async def test_real_codifier(db: Database) -> None:
    path = real_codifier()
    if path is None:
        pytest.skip(
            f"the real codifier {REAL_NAME} is not beside the repository "
            "(shared/data/katottg/) and KATOTTG_FILE is not set"
        )
    started = time.perf_counter()
    report = await import_codifier(db, path)
    elapsed = time.perf_counter() - started
    assert report.selectable_hromadas == 1469
    assert report.selectable_units == 1470  # and the city of Kyiv
    assert report.categories["O"] == 25 and report.categories["K"] == 2
    assert "Hromadas offered for registration: 1469" in report.format()
    async with db.transaction() as session:
        selectable = await session.scalar(
            select(func.count()).select_from(AdminUnit).where(AdminUnit.selectable.is_(True))
        )
    assert selectable == 1470
    assert elapsed < 30, f"importing the real codifier took {elapsed:.1f} s"

    again = await import_codifier(db, path)
    assert (again.inserted, again.updated, again.retired) == (0, 0, 0)
