"""A consultation's spreadsheet: one row per answer the viewer may see (the service's
visibility rules decide: `Results.rows`), then the aggregate sheets — by option, by association,
by oblast (every oblast and Kyiv, zero rows kept), by position, by hromada — every word in the
reader's language.

Text is inert as in the reports export (`export.xlsx_value`): what members typed (a comment
`=HYPERLINK(...)`) is stored as a string, never a formula. Dates are local, without time zone.
CPU-bound: call `results_workbook` in a thread from the bot.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.names import Names
from bot.services.consultations import (
    AnswerRow,
    Breakdown,
    ConsultationView,
    Count,
    Results,
)
from bot.services.export import DATE_FORMAT, xlsx_value
from bot.services.members import ROLES
from storage.models import ConsultationKind


def option_name(t: Translator, consultation: ConsultationView, key: str) -> str:
    """An option key as the reader says it: a position's name, or a priority's text."""
    if consultation.kind == ConsultationKind.POSITION:
        return t(f"consult-results-position-{key}")
    index = int(key)
    option = consultation.options[index] if 0 <= index < len(consultation.options) else None
    return f"{index + 1}. {option.text(t.locale)}" if option else key


def choice_names(
    t: Translator, consultation: ConsultationView, choice: str | tuple[int, ...]
) -> str:
    """A stored choice (a position code, or option indices) named."""
    if isinstance(choice, str):
        return option_name(t, consultation, choice)
    return "; ".join(option_name(t, consultation, str(index)) for index in choice)


def share(part: int, whole: int) -> float:
    """`part` of `whole` in per cent, one decimal; 0 for an empty whole."""
    return round(100 * part / whole, 1) if whole else 0.0


def oblast_breakdowns(results: Results, names: Names) -> list[Breakdown]:
    """Every oblast and Kyiv in the catalogue's order, zero rows kept, then any other met
    (an unknown oblast last)."""
    found = {b.key: b for b in results.by_oblast}
    keys = results.consultation.option_keys
    rows = [found.pop(code) if code in found else _empty(code, keys) for code in names.oblasts]
    return rows + sorted(found.values(), key=lambda b: (b.key == "", b.key))


def role_breakdowns(results: Results) -> list[Breakdown]:
    found = {b.key: b for b in results.by_role}
    keys = results.consultation.option_keys
    rows = [found.pop(code) if code in found else _empty(code, keys) for code in ROLES]
    return rows + sorted(found.values(), key=lambda b: (b.key == "", b.key))


def _empty(key: str, option_keys: Sequence[str]) -> Breakdown:
    return Breakdown(key, Count(), {option: Count() for option in option_keys})


# ------------------------------------------------------------------------------ writing


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None)


def results_workbook(t: Translator, results: Results, names: Names, tz: ZoneInfo) -> bytes:
    """The XLSX workbook: answers first, the aggregates after; headers bold and frozen."""
    # openpyxl only when a workbook is written, as the reports export does.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    view = results.consultation
    locale = t.locale

    def sheet(title_id: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        found = workbook.create_sheet(t(title_id)[:31])
        found.freeze_panes = "A2"
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(header)]:
            found.column_dimensions[letter].width = 18
        cells = []
        for text in header:
            cell = WriteOnlyCell(found, text)
            cell.font = bold
            cells.append(cell)
        found.append(cells)
        for row in rows:
            values = []
            for value in row:
                if isinstance(value, datetime):
                    cell = WriteOnlyCell(found, value)
                    cell.number_format = DATE_FORMAT
                    values.append(cell)
                else:
                    values.append(xlsx_value(found, value))
            found.append(values)

    def column(key: str) -> str:
        return t(f"consult-results-column-{key}")

    keys = view.option_keys
    yes, no = t("consult-results-yes"), t("consult-results-no")

    answers: list[AnswerRow] = list(results.rows or ())
    if results.rows is None:
        sheet("consult-results-sheet-answers", [t("consult-results-sheet-hidden")], [])
    else:
        sheet(
            "consult-results-sheet-answers",
            [
                column(key)
                for key in (
                    "member",
                    "answer",
                    "comment",
                    "associations",
                    "oblast",
                    "role",
                    "hromada",
                    "katottg",
                    "verified",
                    "answered",
                    "changed",
                )
            ],
            [
                [
                    row.member_name or column("erased"),
                    choice_names(t, view, row.choice),
                    row.comment,
                    names.association_list(row.association_codes, locale),
                    names.oblast(row.oblast_code, locale, "") if row.oblast_code else None,
                    Names.role(t, row.role) if row.role else None,
                    row.hromada_text or row.hromada_code,
                    row.hromada_code,
                    yes if row.verified else no,
                    _local(row.created_at, tz),
                    _local(row.updated_at, tz),
                ]
                for row in answers
            ],
        )

    verified = results.respondents.members
    sheet(
        "consult-results-sheet-options",
        [column(key) for key in ("option", "members", "share", "hromadas", "unverified")],
        [
            [
                option_name(t, view, key),
                count.members,
                share(count.members, verified),
                count.hromadas,
                count.unverified,
            ]
            for key, count in results.options.items()
        ],
    )

    def breakdown_sheet(title_id: str, rows: Sequence[tuple[str, Breakdown]]) -> None:
        header = [column(key) for key in ("group", "members", "hromadas", "unverified")]
        for key in keys:
            name = option_name(t, view, key)
            header += [f"{name}: {column('members')}", f"{name}: {column('hromadas')}"]
        sheet(
            title_id,
            header,
            [
                [
                    name,
                    b.respondents.members,
                    b.respondents.hromadas,
                    b.respondents.unverified,
                    *(
                        figure
                        for key in keys
                        for figure in (b.options[key].members, b.options[key].hromadas)
                    ),
                ]
                for name, b in rows
            ],
        )

    breakdown_sheet(
        "consult-results-sheet-associations",
        [(names.association(b.key, locale), b) for b in results.by_association],
    )
    unknown_oblast = t("consult-results-oblast-unknown")
    breakdown_sheet(
        "consult-results-sheet-oblasts",
        [
            (names.oblast(b.key, locale, unknown_oblast) if b.key else unknown_oblast, b)
            for b in oblast_breakdowns(results, names)
        ],
    )
    breakdown_sheet(
        "consult-results-sheet-roles",
        [
            (Names.role(t, b.key) if b.key else t("consult-results-role-unknown"), b)
            for b in role_breakdowns(results)
        ],
    )
    hromadas = _by_hromada(answers, names, locale)
    sheet(
        "consult-results-sheet-hromadas",
        [column("hromada"), column("oblast"), column("answers")]
        + [option_name(t, view, key) for key in keys],
        [
            [hromada, oblast, sum(counts.values()), *(counts[key] for key in keys)]
            for (hromada, oblast), counts in hromadas
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _by_hromada(
    rows: Sequence[AnswerRow], names: Names, locale: str
) -> list[tuple[tuple[str, str], Counter[str]]]:
    """The answers seen, counted per hromada and option; most answers first."""
    found: dict[tuple[str, str], Counter[str]] = {}
    for row in rows:
        hromada = row.hromada_text or row.hromada_code
        if not hromada:
            continue  # erased: counted in the totals, not placed
        oblast = names.oblast(row.oblast_code, locale, "") if row.oblast_code else ""
        counts = found.setdefault((hromada, oblast), Counter())
        chosen = [row.choice] if isinstance(row.choice, str) else [str(i) for i in row.choice]
        counts.update(chosen)
    return sorted(found.items(), key=lambda item: (-sum(item[1].values()), item[0]))


def results_rows(results: Results) -> int:
    """How many answer rows the spreadsheet holds."""
    return len(results.rows or ())
