"""The reports spreadsheet: one row per report, as XLSX (header frozen, real dates) or as CSV
(UTF-8 with a BOM, so Excel reads the Cyrillic right). Used by `hromada-bot export issues` and
by the staff's /export command.

Every text is inert: what members typed (a title `=HYPERLINK(...)`) must never run as a formula
when a secretariat opens the file. XLSX text cells are stored as strings, never formulas or
error values; CSV text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'`
in front, which spreadsheet programs read as "this is text".

Co-signing figures are the ones staff see on a card: the reporter and active co-signers whose
membership is verified now; residents summed over hromadas, the largest figure for each.
Dates are local (the bot's time zone): Excel has no time zones.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.hromadas import Oblast
from bot.services.report_rules import ReportRules
from bot.services.romanization import romanize
from storage.db import Database
from storage.repositories import report_export as repo

ExportFormat = Literal["xlsx", "csv"]
FORMATS: tuple[ExportFormat, ...] = ("xlsx", "csv")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
HOURS_FORMAT = "0.0"
# Starts of a CSV value that spreadsheet programs would take for a formula.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportRow:
    """One report as the spreadsheet shows it (codes still codes: labels come when written)."""

    reference: str
    title: str
    created_at: datetime  # local, naive
    submitted_at: datetime
    deadline_at: datetime
    status: str
    category: str
    urgency: str
    associations: tuple[str, ...]
    hromada: str | None
    oblast_code: str | None
    katottg: str | None
    hromadas: int
    oblasts: int
    residents: int
    cosigners: int
    affected_groups: tuple[str, ...]
    first_response_hours: float | None
    resolution_hours: float | None
    dream_id: str | None
    joint: bool
    assignee: str | None


@dataclass(frozen=True)
class _Column:
    key: str  # the header is the message `queue-export-column-<key>`
    width: int
    value: Callable[[ExportRow, _Labels], Any]
    number_format: str | None = None


class _Labels:
    """Names of codes in the spreadsheet's language."""

    def __init__(self, t: Translator, rules: ReportRules, oblasts: Iterable[Oblast]) -> None:
        self.t = t
        self.locale = t.locale
        self.categories = {c.code: c.name(t.locale) for c in rules.categories}
        self.urgencies = {u.code: u.name(t.locale) for u in rules.urgencies}
        self.oblasts = {o.code: o.name(t.locale) for o in oblasts}

    def status(self, code: str) -> str:
        return self.t(f"queue-status-{code}")

    def groups(self, codes: Sequence[str]) -> str:
        return ", ".join(self.t(f"queue-group-{code}") for code in codes)

    def hromada(self, name: str | None) -> str | None:
        return romanize(name) if name and self.locale != "uk" else name

    def yes_no(self, value: bool) -> str:
        return self.t("queue-export-yes" if value else "queue-export-no")


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 3600, 1)


COLUMNS: tuple[_Column, ...] = (
    _Column("reference", 14, lambda r, _: r.reference),
    _Column("title", 48, lambda r, _: r.title),
    _Column("created", 17, lambda r, _: r.created_at, DATE_FORMAT),
    _Column("submitted", 17, lambda r, _: r.submitted_at, DATE_FORMAT),
    _Column("deadline", 17, lambda r, _: r.deadline_at, DATE_FORMAT),
    _Column("status", 18, lambda r, lb: lb.status(r.status)),
    _Column("category", 34, lambda r, lb: lb.categories.get(r.category, r.category)),
    _Column("urgency", 12, lambda r, lb: lb.urgencies.get(r.urgency, r.urgency)),
    _Column("associations", 16, lambda r, _: ", ".join(r.associations)),
    _Column("hromada", 28, lambda r, lb: lb.hromada(r.hromada)),
    _Column("oblast", 24, lambda r, lb: lb.oblasts.get(r.oblast_code or "", r.oblast_code)),
    _Column("katottg", 22, lambda r, _: r.katottg),
    _Column("hromadas", 10, lambda r, _: r.hromadas),
    _Column("oblasts", 10, lambda r, _: r.oblasts),
    _Column("residents", 12, lambda r, _: r.residents),
    _Column("cosigners", 12, lambda r, _: r.cosigners),
    _Column("groups", 36, lambda r, lb: lb.groups(r.affected_groups)),
    _Column("first-response", 14, lambda r, _: r.first_response_hours, HOURS_FORMAT),
    _Column("resolution", 14, lambda r, _: r.resolution_hours, HOURS_FORMAT),
    _Column("dream", 26, lambda r, _: r.dream_id),
    _Column("joint", 10, lambda r, lb: lb.yes_no(r.joint)),
    _Column("assignee", 24, lambda r, _: r.assignee),
)


# ----------------------------------------------------------------------------- reading


def _hromada_key(code: str | None, text: str | None) -> str | None:
    # The same key ReportService uses for its figures: the codifier code, else the typed name.
    return code or (" ".join(text.lower().split()) if text else None)


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None)


async def export_rows(
    db: Database,
    *,
    associations: Iterable[str] | None = None,
    since: date | None = None,
    tz: ZoneInfo,
) -> list[ExportRow]:
    """The rows of the spreadsheet, oldest report first. `associations`: only reports routed
    to one of them, and joint ones; `since`: created on that local day or later."""
    codes = None if associations is None else frozenset(associations)
    query = repo.ExportQuery(
        association_codes=codes,
        since=None if since is None else datetime.combine(since, time(), tzinfo=tz),
    )
    async with db.transaction() as session:
        reports = await repo.reports(session, query)
        routes = await repo.routes(session, query)
        places = await repo.verified_places(session, query)
        cosigners = await repo.verified_cosigners(session, query)

    routed: dict[int, list[str]] = defaultdict(list)
    for report_id, association_code in routes:
        routed[report_id].append(association_code)
    hromadas: dict[int, dict[str, int]] = defaultdict(dict)  # report → hromada key → residents
    oblasts: dict[int, set[str]] = defaultdict(set)
    for report_id, code, text, oblast, residents in places:
        key = _hromada_key(code, text)
        if key:
            figures = hromadas[report_id]
            figures[key] = max(figures.get(key, 0), residents or 0)
        if oblast:
            oblasts[report_id].add(oblast)
    return [
        _row(
            report,
            tuple(routed[report.id]),
            hromadas[report.id],
            oblasts[report.id],
            cosigners.get(report.id, 0),
            tz,
        )
        for report in reports
    ]


def _row(
    report: Any,  # a row of report_export.REPORT_COLUMNS and unit_name
    associations: tuple[str, ...],
    hromadas: dict[str, int],
    oblasts: set[str],
    cosigners: int,
    tz: ZoneInfo,
) -> ExportRow:
    return ExportRow(
        reference=report.reference,
        title=report.title,
        created_at=_local(report.created_at, tz),
        submitted_at=_local(report.submitted_at, tz),
        deadline_at=_local(report.deadline_at, tz),
        status=report.status,
        category=report.category,
        urgency=report.urgency,
        associations=associations,
        hromada=report.unit_name or report.hromada_text,
        oblast_code=report.oblast_code,
        katottg=report.hromada_code,
        hromadas=len(hromadas),
        oblasts=len(oblasts),
        residents=sum(hromadas.values()),
        cosigners=cosigners,
        affected_groups=tuple(report.affected_groups or ()),
        first_response_hours=_hours(report.submitted_at, report.first_response_at),
        resolution_hours=_hours(report.submitted_at, report.resolved_at),
        dream_id=report.dream_id,
        joint=report.joint,
        assignee=report.assignee_name,
    )


# ----------------------------------------------------------------------------- writing


def xlsx_value(sheet: Any, value: Any) -> Any:
    """A value for a write-only `sheet`, text made inert: openpyxl stores a str starting with
    `=` as a formula and `#REF!` as an error, and refuses control characters (which Excel
    cannot hold)."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def write_xlsx(rows: Sequence[ExportRow], labels: _Labels) -> bytes:
    """An XLSX workbook: one sheet, a bold frozen header with filters, dates as Excel dates."""
    # openpyxl (with numpy and Pillow, which it imports) only when a workbook is written:
    # about 20 MB and a fifth of a second the bot no longer spends at start-up.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(labels.t("queue-export-sheet"))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, labels.t(f"queue-export-column-{column.key}"))
        cell.font, cell.alignment = bold, wrap
        header.append(cell)
    sheet.append(header)
    # Only cells that need a number format, and text openpyxl would not store as text, are
    # built as cells: plain values are much faster.
    formatted = [i for i, column in enumerate(COLUMNS) if column.number_format]
    for row in rows:
        values: list[Any] = [xlsx_value(sheet, column.value(row, labels)) for column in COLUMNS]
        for i in formatted:
            if values[i] is not None:
                cell = WriteOnlyCell(sheet, values[i])
                cell.number_format = COLUMNS[i].number_format
                values[i] = cell
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def write_csv(rows: Sequence[ExportRow], labels: _Labels) -> bytes:
    """CSV in UTF-8 with a byte-order mark, comma-separated, dates as `YYYY-MM-DD HH:MM`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(labels.t(f"queue-export-column-{column.key}") for column in COLUMNS)
    for row in rows:
        writer.writerow(_csv_value(column.value(row, labels)) for column in COLUMNS)
    return buffer.getvalue().encode("utf-8-sig")


def render(
    rows: Sequence[ExportRow],
    fmt: ExportFormat,
    t: Translator,
    rules: ReportRules,
    oblasts: Iterable[Oblast],
) -> bytes:
    """The spreadsheet's bytes in `fmt`, its words in the language of `t` (CPU-bound: run it
    in a thread from the bot)."""
    labels = _Labels(t, rules, oblasts)
    return write_xlsx(rows, labels) if fmt == "xlsx" else write_csv(rows, labels)


async def export_reports(
    db: Database,
    rules: ReportRules,
    oblasts: Iterable[Oblast],
    t: Translator,
    *,
    association: str | Iterable[str] | None = None,
    since: date | None = None,
    fmt: ExportFormat = "xlsx",
    tz: ZoneInfo,
) -> bytes:
    """The reports spreadsheet (see export_rows for the filters) as XLSX or CSV bytes."""
    codes = [association] if isinstance(association, str) else association
    rows = await export_rows(db, associations=codes, since=since, tz=tz)
    return render(rows, fmt, t, rules, oblasts)


def file_name(today: date, fmt: ExportFormat) -> str:
    return f"reports-{today.isoformat()}.{fmt}"
