"""`hromada-bot db backup` and the restore drill of README's "Running in production", run on
SQLite: a backup made while the bot writes holds one consistent snapshot, and a restored copy
upgraded with `db upgrade` holds the same rows. PostgreSQL gets the pg_dump/pg_restore commands,
which are run for real when TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.members import MemberService, RegistrationForm
from bot.services.report_rules import load_report_rules
from bot.services.reports import ReportForm, ReportService
from storage.backup import inspect_sqlite, postgres_commands
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Member, Report
from tests.conftest import require_service

SETTINGS_VARS = ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "WEBHOOK_URL", "WEBHOOK_SECRET")
VINNYTSIA = "UA05000000000010236"
LEAK = ReportForm(
    category="energy_utilities",
    urgency="high",
    title="Пошкоджено котельню після обстрілу",
    description="Котельня опорної школи не працює, потрібен ремонт до морозів.",
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current folder (no .env) whose bot database is ./var/bot.sqlite3."""
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "var" / "bot.sqlite3"))
    return tmp_path


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return code if isinstance(code, int) else 1


async def open_database(url: str) -> Database:
    db = Database.from_url(url)
    await upgrade(db.engine)
    await sync_associations(db, load_associations())
    return db


async def register_and_file(db: Database, telegram_id: int) -> None:
    """A member registers through the services and files one report."""
    members = MemberService(db)
    await members.set_locale(telegram_id, "uk")
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=f"Голова громади {telegram_id}",
            role="hromada_head",
            oblast_code=VINNYTSIA,
            hromada_code=None,
            hromada_text="Іллінецька",
            association_codes=["vag"],
            associations_unsure=False,
        ),
    )
    await ReportService(db, load_report_rules(), frozenset()).submit(telegram_id, LEAK)


def table_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a SQLite file, sorted, to compare two databases."""
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }


def foreign_key_problems(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA foreign_key_check").fetchall()


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def run_command(command: str) -> None:
    subprocess.run(shlex.split(command), check=True, timeout=120)


def printed_counts(output: str) -> list[str]:
    """The rows-per-table lines `db backup` prints."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\d+ rows in \d+ of \d+", line))
    return lines[start:]


async def test_backup_while_the_bot_writes_and_the_restore_drill(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = workdir / "var" / "bot.sqlite3"
    db = await open_database(sqlite_url(live))
    for telegram_id in range(1000, 1020):
        await register_and_file(db, telegram_id)

    # The bot keeps registering members and filing reports while the backup is made.
    written: list[int] = []
    stop, committed = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        telegram_id = 2000
        while not stop.is_set():
            await register_and_file(db, telegram_id)
            written.append(telegram_id)
            committed.set()
            telegram_id += 1

    async def until_written(count: int) -> None:
        while len(written) < count:
            committed.clear()
            await committed.wait()

    writing = asyncio.create_task(writer())
    await until_written(5)
    before = len(written)
    backup = workdir / "backups" / "hromada.sqlite3"
    code = await asyncio.to_thread(run_cli, "db", "backup", str(backup))
    during = len(written) - before
    await until_written(before + during + 5)
    stop.set()
    await writing
    await db.close()

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"Backed up {live} to {backup}" in out and "integrity check ok" in out
    assert listing(backup.parent) == ["hromada.sqlite3"]  # no temporary file left

    # One consistent snapshot: everything committed when it began, nothing written after it
    # ended, each registration whole (its association row with it), nothing dangling.
    snapshot = inspect_sqlite(backup)
    with sqlite3.connect(backup) as connection:
        registered = connection.execute(
            "SELECT count(*) FROM members WHERE registered_at IS NOT NULL"
        ).fetchone()[0]
    assert 20 + before <= registered <= 20 + before + during + 1
    assert snapshot.rows["member_associations"] == registered
    assert registered - 1 <= snapshot.rows["reports"] <= registered
    assert foreign_key_problems(backup) == []
    live_rows = table_rows(live)
    for table in ("reports", "report_events", "member_associations", "audit_events"):
        assert set(table_rows(backup)[table]) <= set(live_rows[table]), table
    assert len(live_rows["reports"]) == 20 + len(written) > snapshot.rows["reports"]

    # The drill: the backup copied into place of a stopped bot, `db upgrade`, the same rows.
    restored = workdir / "restored" / "bot.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", sqlite_url(restored))
        assert await asyncio.to_thread(run_cli, "db", "upgrade") == 0
        assert run_cli("db", "backup", str(workdir / "check.sqlite3")) == 0
    check_out = capsys.readouterr().out
    assert printed_counts(check_out) == printed_counts(out)
    assert inspect_sqlite(restored).rows == snapshot.rows
    assert table_rows(restored) == table_rows(backup)
    with sqlite3.connect(restored) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    # The bot's own services read the restored database.
    restored_db = Database.from_url(sqlite_url(restored))
    try:
        assert (await MemberService(restored_db).get(1000)) is not None
        async with restored_db.transaction() as session:
            reports = await session.scalar(select(func.count()).select_from(Report))
            assert reports == snapshot.rows["reports"]
    finally:
        await restored_db.close()


async def test_a_write_in_progress_neither_blocks_the_backup_nor_enters_it(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = workdir / "var" / "bot.sqlite3"
    db = await open_database(sqlite_url(live))
    try:
        await register_and_file(db, 1000)
        async with db.transaction() as session:
            session.add(Member(telegram_id=3000, full_name="Ще не збережено"))
            await session.flush()  # the write lock is held from here until commit
            backup = workdir / "hromada.sqlite3"
            code = await asyncio.wait_for(
                asyncio.to_thread(run_cli, "db", "backup", str(backup)), timeout=10
            )
        assert code == 0, capsys.readouterr().err
        async with db.transaction() as session:  # the writer committed after the backup
            assert await session.scalar(select(func.count()).select_from(Member)) == 2
    finally:
        await db.close()
    assert inspect_sqlite(backup).rows["members"] == 1
    with sqlite3.connect(backup) as connection:
        assert connection.execute("SELECT telegram_id FROM members").fetchall() == [(1000,)]


async def test_an_existing_file_is_kept_unless_forced(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = await open_database(sqlite_url(workdir / "var" / "bot.sqlite3"))
    try:
        await register_and_file(db, 1000)
    finally:
        await db.close()
    backup = workdir / "hromada.sqlite3"
    backup.write_bytes(b"yesterday's backup")

    assert run_cli("db", "backup", str(backup)) == 1
    err = capsys.readouterr().err
    assert f"No backup was made: {backup} exists; add --force to replace it." in err
    assert backup.read_bytes() == b"yesterday's backup"

    assert run_cli("db", "backup", str(backup), "--force") == 0
    assert inspect_sqlite(backup).rows["members"] == 1
    assert listing(workdir) == ["hromada.sqlite3", "var"]


def test_no_database_no_backup_and_none_created(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("db", "backup", "hromada.sqlite3") == 1
    assert "There is no SQLite database at" in capsys.readouterr().err
    assert listing(workdir) == []  # not even an empty database


def test_postgresql_is_explained_with_the_pg_dump_commands(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "DATABASE_URL", "postgresql+asyncpg://bot:s3cret@db.internal:5433/hromada?ssl=require"
    )
    assert run_cli("db", "backup", "backups/hromada.dump") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert "back it up with PostgreSQL's own pg_dump" in err
    assert (
        "pg_dump --format=custom --no-owner --host=db.internal --port=5433 --username=bot "
        "--dbname=hromada --file=backups/hromada.dump"
    ) in err
    assert (
        "pg_restore --clean --if-exists --no-owner --single-transaction --host=db.internal "
        "--port=5433 --username=bot --dbname=hromada backups/hromada.dump"
    ) in err
    assert "PGPASSWORD" in err and "s3cret" not in err
    assert "(ssl)" in err and "PGSSLMODE" in err
    assert listing(workdir) == []


@pytest.mark.postgres
async def test_the_printed_postgresql_commands_back_up_and_restore(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        require_service("TEST_DATABASE_URL", "PostgreSQL")
    for tool in ("pg_dump", "pg_restore"):
        assert shutil.which(tool), f"{tool} is needed beside PostgreSQL for this test"
    db = await open_database(database_url)
    try:
        for telegram_id in range(1000, 1005):
            await register_and_file(db, telegram_id)
        commands = postgres_commands(database_url, str(tmp_path / "hromada.dump"))
        await asyncio.to_thread(run_command, commands.dump)
        for telegram_id in range(1005, 1008):  # written after the backup: gone after the restore
            await register_and_file(db, telegram_id)
        await db.engine.dispose()  # the bot is stopped before a restore
        await asyncio.to_thread(run_command, commands.restore)
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Report)) == 5
            assert await session.scalar(select(func.count()).select_from(Member)) == 5
    finally:
        await db.close()
