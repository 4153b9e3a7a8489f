"""The КАТОТТГ codifier that ships with the bot: the packaged file, its import into an empty
database (SQLite or PostgreSQL), never over units already there, once when processes start at
once, and `hromadas import` without a file."""

from __future__ import annotations

import asyncio
import logging
import lzma
from collections import Counter
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import app as wiring
from bot.cli import main
from bot.services import katottg
from bot.services.hromadas import HromadaDirectory, load_oblasts
from bot.services.katottg import (
    SHIPPED_CODIFIER,
    CodifierError,
    import_codifier,
    import_shipped_codifier,
    parse_codifier,
    parse_codifier_csv,
    shipped_codifier_csv,
)
from storage.db import Database
from storage.models import AdminUnit
from tests.conftest import FIXTURES, ROOT

# The ministry's file the packaged one was made from, where CI and the developers keep it.
SOURCE_CSV = ROOT.parent / "shared" / "data" / "katottg" / "kodifikator-16-05-2025.csv"
UNITS = 31_748
CATEGORY_COUNTS = {"O": 25, "K": 2, "P": 136, "H": 1772, "M": 461, "X": 2007, "C": 27_237, "B": 108}
SELECTABLE_HROMADAS = 1469  # without AR Crimea and Sevastopol; the city of Kyiv comes on top
KYIV_OBLAST = "UA32000000000030281"
BUCHA_HROMADA = "UA32080070000050759"
SMALL_ROWS = 45


async def unit_count(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(AdminUnit)) or 0)


async def last_imported_at(db: Database) -> datetime | None:
    async with db.transaction() as session:
        return await session.scalar(select(func.max(AdminUnit.imported_at)))


# ------------------------------------------------------------------------------- the packaged file


def test_one_edition_ships_compressed() -> None:
    folder = resources.files("content") / "codifier"
    shipped = sorted(item.name for item in folder.iterdir() if item.name.endswith(".csv.xz"))
    assert shipped == [SHIPPED_CODIFIER]
    size = len((folder / SHIPPED_CODIFIER).read_bytes())
    assert 100_000 < size < 600_000, f"{SHIPPED_CODIFIER} is {size} bytes"


def test_the_shipped_file_parses_into_the_whole_codifier() -> None:
    rows = list(parse_codifier_csv(shipped_codifier_csv(), "shipped.csv"))
    assert len(rows) == UNITS
    assert Counter(row.category for row in rows) == CATEGORY_COUNTS
    assert sum(1 for row in rows if row.category == "H" and row.selectable) == SELECTABLE_HROMADAS
    bucha = next(row for row in rows if row.code == BUCHA_HROMADA)
    assert (bucha.name, bucha.category, bucha.oblast_code) == ("Бучанська", "H", KYIV_OBLAST)
    assert bucha.selectable


@pytest.mark.skipif(
    not SOURCE_CSV.is_file(),
    reason=f"the ministry's CSV is not beside the checkout ({SOURCE_CSV}); the shipped file "
    "can only be compared with its source where ../shared is present",
)
def test_the_shipped_file_is_the_ministry_csv_unchanged() -> None:
    assert shipped_codifier_csv() == SOURCE_CSV.read_bytes()
    source_rows = list(parse_codifier(SOURCE_CSV))
    shipped_rows = list(parse_codifier_csv(shipped_codifier_csv(), SOURCE_CSV.name))
    assert len(shipped_rows) == len(source_rows) == UNITS
    oblasts = {row.oblast_code for row in source_rows}
    assert {row.oblast_code for row in shipped_rows} == oblasts and len(oblasts) == 27


def test_a_missing_or_damaged_package_file_is_a_codifier_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(katottg, "SHIPPED_CODIFIER", "kodifikator-01-01-2000.csv.xz")
    with pytest.raises(CodifierError) as missing:
        shipped_codifier_csv()
    assert str(missing.value).startswith(
        "kodifikator-01-01-2000.csv.xz: the codifier shipped with the bot cannot be read"
    )

    damaged = tmp_path / "content"
    (damaged / "codifier").mkdir(parents=True)
    (damaged / "codifier" / SHIPPED_CODIFIER).write_bytes(lzma.compress(b"x")[:-4])
    monkeypatch.setattr(katottg, "SHIPPED_CODIFIER", SHIPPED_CODIFIER)
    monkeypatch.setattr(katottg.resources, "files", lambda package: damaged)
    with pytest.raises(CodifierError, match="cannot be read"):
        shipped_codifier_csv()


# ---------------------------------------------------------------------------------------- importing


async def test_an_empty_database_gets_every_unit_and_registration_finds_bucha(
    db: Database,
) -> None:
    report = await import_shipped_codifier(db)
    assert report is not None
    assert (report.inserted, report.updated, report.unchanged) == (UNITS, 0, 0)
    assert report.categories == CATEGORY_COUNTS
    assert report.selectable_hromadas == SELECTABLE_HROMADAS
    assert report.source == "kodifikator-16-05-2025.csv (shipped with the bot)"
    assert await unit_count(db) == UNITS

    directory = HromadaDirectory(db, load_oblasts(ROOT / "content" / "oblasts.yaml"))
    assert await directory.has_codifier()
    matches = await directory.search(KYIV_OBLAST, "Бучанська")
    assert matches[0].code == BUCHA_HROMADA
    assert (matches[0].name, matches[0].raion_name) == ("Бучанська", "Бучанський")


async def test_a_second_call_changes_nothing_and_a_forced_one_is_harmless(db: Database) -> None:
    assert await import_shipped_codifier(db) is not None
    imported_at = await last_imported_at(db)

    assert await import_shipped_codifier(db) is None
    assert await unit_count(db) == UNITS
    assert await last_imported_at(db) == imported_at

    again = await import_shipped_codifier(db, only_if_empty=False)
    assert again is not None
    assert (again.inserted, again.updated, again.unchanged, again.retired) == (0, 0, UNITS, 0)
    assert await unit_count(db) == UNITS
    assert await last_imported_at(db) == imported_at


async def test_units_already_there_are_never_overwritten(db: Database) -> None:
    """A database with a codifier of its own (a test fixture, a newer edition) keeps it."""
    await import_codifier(db, FIXTURES / "katottg_small.csv")
    assert await import_shipped_codifier(db) is None
    assert await unit_count(db) == SMALL_ROWS


async def test_processes_starting_at_once_import_once(database_url: str) -> None:
    """Two bot processes on one database (scale-out): one imports, the other finds it done."""
    first, second = Database.from_url(database_url), Database.from_url(database_url)
    try:
        reports = await asyncio.gather(
            import_shipped_codifier(first), import_shipped_codifier(second)
        )
        assert sorted(report is None for report in reports) == [False, True]
        assert await unit_count(first) == UNITS

        # Forced imports at once go one after the other: the later one finds nothing to do.
        forced = await asyncio.gather(
            import_shipped_codifier(first, only_if_empty=False),
            import_shipped_codifier(second, only_if_empty=False),
        )
        assert [(r.inserted, r.updated, r.unchanged) for r in forced if r] == [(0, 0, UNITS)] * 2
    finally:
        await first.close()
        await second.close()


async def test_concurrent_imports_into_an_empty_table_insert_each_unit_once(
    database_url: str,
) -> None:
    """Without the import lock both would see an empty table and both count every unit new."""
    first, second = Database.from_url(database_url), Database.from_url(database_url)
    try:
        reports = await asyncio.gather(
            import_shipped_codifier(first, only_if_empty=False),
            import_codifier(second, FIXTURES / "katottg_small.csv"),
        )
        shipped, small = reports
        assert shipped is not None
        assert shipped.inserted + small.inserted == UNITS
        assert await unit_count(first) == UNITS
    finally:
        await first.close()
        await second.close()


# --------------------------------------------------------------------------------- the bot's start


async def test_start_up_logs_the_import_once(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot"):
        await wiring.import_codifier_on_first_start(db)
        await wiring.import_codifier_on_first_start(db)
    lines = [r.getMessage() for r in caplog.records if "КАТОТТГ codifier imported" in r.message]
    assert len(lines) == 1
    assert lines[0].startswith(
        "КАТОТТГ codifier imported from kodifikator-16-05-2025.csv (shipped with the bot): "
        "31748 units, 1469 hromadas offered, in "
    )


async def test_start_up_goes_on_without_a_damaged_package_file(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(katottg, "SHIPPED_CODIFIER", "kodifikator-01-01-2000.csv.xz")
    with caplog.at_level(logging.INFO, logger="bot"):
        await wiring.import_codifier_on_first_start(db)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "the shipped КАТОТТГ codifier was not imported" in errors[0]
    assert "hromada-bot hromadas import FILE" in errors[0]
    assert await unit_count(db) == 0


# ---------------------------------------------------------------------------------- command line


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return code if isinstance(code, int) else 1


def test_hromadas_import_without_a_file_fills_an_empty_database_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    assert run_cli("hromadas", "import") == 0
    out = capsys.readouterr().out
    assert "imported from kodifikator-16-05-2025.csv (shipped with the bot)" in out
    assert f"New: {UNITS}" in out
    assert "Hromadas offered for registration: 1469 (plus the city of Kyiv)" in out

    assert run_cli("hromadas", "import") == 0
    assert "already imported; nothing was changed" in capsys.readouterr().out
