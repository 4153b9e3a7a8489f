"""A consultation's results as staff read them, in one message a secretariat could quote in a
letter: who answered against who was asked, the answers by option (verified members; the
unverified apart), by association, by oblast (those with answers), by position, by members and
by distinct hromadas, and the latest comments. Within Telegram's 4096 characters: long lists
are cut with "…and N more in the spreadsheet". Also the chart's labels, and the chart and
spreadsheet files as the results window and the final summary send them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.names import Names
from bot.services.consultation_chart import ResultsChartData, render_results_chart
from bot.services.consultation_export import (
    choice_names,
    oblast_breakdowns,
    option_name,
    results_workbook,
    role_breakdowns,
    share,
)
from bot.services.consultations import Breakdown, CommentRow, Count, Results
from bot.services.message_limits import CAPTION_LIMIT, TEXT_LIMIT, utf16_len
from bot.services.questions import shorten
from dialogs.common import esc
from storage.models import ConsultationKind, ConsultationStatus

DATE_FORMAT = "%d.%m.%Y %H:%M"


@dataclass(frozen=True)
class _Caps:
    """How much each list shows; smaller ones are tried until the message fits."""

    groups: int  # lines of each breakdown
    comments: int
    comment_length: int


CAPS = (
    _Caps(25, 5, 300),
    _Caps(12, 3, 160),
    _Caps(6, 2, 100),
    _Caps(3, 1, 60),
    _Caps(0, 0, 0),
)


def percent(t: Translator, part: int, whole: int) -> str:
    """`71,2 %` (uk) or `71.2 %` (en)."""
    text = f"{share(part, whole):.1f}".removesuffix(".0")
    if t.locale == "uk":
        text = text.replace(".", ",")
    return t("consult-results-percent", value=text)


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime(DATE_FORMAT)


def _short(t: Translator, results: Results, key: str) -> str:
    """An option in a breakdown's line: a position's short name, a priority's number."""
    if results.consultation.kind == ConsultationKind.POSITION:
        return t(f"consult-results-short-{key}")
    return str(int(key) + 1)


def _cut(t: Translator, lines: list[str], cap: int) -> list[str]:
    shown = lines[:cap]
    if len(lines) > len(shown):
        shown.append(t("consult-results-more", count=len(lines) - len(shown)))
    return shown


def _group_line(t: Translator, results: Results, name: str, breakdown: Breakdown) -> str:
    chosen = [
        t("consult-results-group-option", option=_short(t, results, key), count=count.members)
        for key, count in breakdown.options.items()
        if count.members
    ]
    line = t(
        "consult-results-group-item",
        name=esc(name),
        members=t("consult-results-members", count=breakdown.respondents.members),
        hromadas=t("consult-results-hromadas", count=breakdown.respondents.hromadas),
        options=" · ".join(chosen) or t("consult-results-group-none"),
    )
    if breakdown.respondents.unverified:
        line += t(
            "consult-results-option-unverified",
            unverified=t("consult-results-unverified", count=breakdown.respondents.unverified),
        )
    return line


def _answered(count: Count) -> bool:
    return bool(count.members or count.unverified)


def _headline(t: Translator, results: Results, tz: ZoneInfo) -> list[str]:
    view = results.consultation
    respondents = results.respondents
    oblasts = sum(1 for b in results.by_oblast if b.key and b.respondents.members)
    lines = [
        t("consult-results-title", id=str(view.id), title=esc(view.title)),
        (
            t("consult-results-closed", closed=_local(view.closed_at or view.closes_at, tz))
            if view.status == ConsultationStatus.CLOSED
            else t("consult-results-open", closes=_local(view.closes_at, tz))
        ),
        t(
            "consult-results-response",
            answered=results.answered,
            asked=results.asked,
            percent=percent(t, results.answered, results.asked),
        ),
    ]
    if respondents.members:
        lines.append(
            t(
                "consult-results-verified",
                members=t("consult-results-members", count=respondents.members),
                hromadas=t("consult-results-from-hromadas", count=respondents.hromadas),
                oblasts=t("consult-results-in-oblasts", count=oblasts),
            )
        )
    if respondents.unverified:
        lines.append(t("consult-results-unverified-apart", count=respondents.unverified))
    return lines


def _options(t: Translator, results: Results) -> list[str]:
    view = results.consultation
    verified = results.respondents.members
    several = view.kind == ConsultationKind.PRIORITIES and view.max_choices > 1
    lines = [t("consult-results-by-option-many" if several else "consult-results-by-option")]
    for key, count in results.options.items():
        line = t(
            "consult-results-option-item",
            option=esc(option_name(t, view, key)),
            members=t("consult-results-members", count=count.members),
            percent=percent(t, count.members, verified),
            hromadas=t("consult-results-hromadas", count=count.hromadas),
        )
        if count.unverified:
            line += t(
                "consult-results-option-unverified",
                unverified=t("consult-results-unverified", count=count.unverified),
            )
        lines.append(line)
    return lines


def _comment_line(
    t: Translator, results: Results, names: Names, comment: CommentRow, length: int
) -> str:
    """A comment with what was chosen and where from (associations, oblast), never who."""
    who = [names.association_list(comment.association_codes, t.locale)]
    if comment.oblast_code:
        who.append(names.oblast(comment.oblast_code, t.locale))
    return t(
        "consult-results-comment-item",
        comment=esc(shorten(comment.comment, length)),
        option=esc(choice_names(t, results.consultation, comment.choice)),
        who=esc(", ".join(w for w in who if w)),
    )


def _render(t: Translator, results: Results, names: Names, tz: ZoneInfo, caps: _Caps) -> str:
    locale = t.locale
    parts: list[list[str]] = [_headline(t, results, tz)]
    if not results.answered:
        parts.append([t("consult-results-none-yet")])
        return "\n\n".join("\n".join(part) for part in parts)
    parts.append(_options(t, results))
    unknown_oblast = t("consult-results-oblast-unknown")
    groups: Sequence[tuple[str, list[tuple[str, Breakdown]]]] = (
        (
            "consult-results-by-association",
            [(names.association(b.key, locale), b) for b in results.by_association],
        ),
        (
            "consult-results-by-oblast",
            [
                (names.oblast(b.key, locale, unknown_oblast) if b.key else unknown_oblast, b)
                for b in oblast_breakdowns(results, names)
            ],
        ),
        (
            "consult-results-by-role",
            [
                (Names.role(t, b.key) if b.key else t("consult-results-role-unknown"), b)
                for b in role_breakdowns(results)
            ],
        ),
    )
    for title, rows in groups:
        lines = [_group_line(t, results, name, b) for name, b in rows if _answered(b.respondents)]
        if lines and caps.groups:
            parts.append([t(title), *_cut(t, lines, caps.groups)])
    if results.comments and caps.comments:
        latest = sorted(results.comments, key=lambda c: c.updated_at, reverse=True)
        lines = [_comment_line(t, results, names, c, caps.comment_length) for c in latest]
        parts.append([t("consult-results-comments"), *_cut(t, lines, caps.comments)])
    return "\n\n".join("\n".join(part) for part in parts)


def render_results(
    t: Translator,
    results: Results,
    names: Names,
    tz: ZoneInfo,
    *,
    final: bool = False,
    limit: int = TEXT_LIMIT,
) -> str:
    """The results message in the language of `t`, at most `limit` UTF-16 units; `final`:
    headed as the summary posted at closing."""
    head = t("consult-results-final") + "\n" if final else ""
    text = ""
    for caps in CAPS:
        text = head + _render(t, results, names, tz, caps)
        if utf16_len(text) <= limit:
            return text
    return text[: limit - 1] + "…"  # only with a title far beyond the service's limit


def results_chart_data(t: Translator, results: Results, names: Names) -> ResultsChartData:
    view = results.consultation
    keys = view.option_keys
    series = [(t("consult-results-chart-all"), [results.options[k].members for k in keys])]
    if len(results.by_association) > 1:
        series += [
            (names.association(b.key, t.locale), [b.options[k].members for k in keys])
            for b in results.by_association
        ]
    return ResultsChartData(
        title=t("consult-results-chart-title", id=str(view.id), title=view.title),
        subtitle=t(
            "consult-results-chart-subtitle", answered=results.answered, asked=results.asked
        ),
        none_label=t("consult-results-chart-none"),
        options=[option_name(t, view, key) for key in keys],
        series=series,
    )


async def results_files(
    t: Translator, results: Results, names: Names, tz: ZoneInfo
) -> tuple[bytes, bytes]:
    """The chart (PNG) and the spreadsheet (XLSX) of these results, drawn in threads."""
    return await results_chart(t, results, names), await results_sheet(t, results, names, tz)


async def results_chart(t: Translator, results: Results, names: Names) -> bytes:
    """The chart (PNG) of these results, drawn in a thread."""
    return await asyncio.to_thread(render_results_chart, results_chart_data(t, results, names))


async def results_sheet(t: Translator, results: Results, names: Names, tz: ZoneInfo) -> bytes:
    """The spreadsheet (XLSX) of these results, written in a thread."""
    return await asyncio.to_thread(results_workbook, t, results, names, tz)


def results_file_name(results: Results, extension: str) -> str:
    return f"consultation-{results.consultation.id}.{extension}"


def sheet_caption(t: Translator, results: Results) -> str:
    rows = t("consult-results-sheet-rows", count=len(results.rows or ()))
    return t("consult-results-sheet-caption", rows=rows)[:CAPTION_LIMIT]
