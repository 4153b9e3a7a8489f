"""The digest as a staff group sees it: the message in the group's language (within Telegram's
4096 characters: long lists are cut with "…and N more"), the chart's labels and the period's
spreadsheet. `delivery/digests.py` posts the three parts to the group.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.names import Names
from bot.services.digest_chart import ChartData
from bot.services.digests import Digest, Durations
from bot.services.export import export_rows, render
from bot.services.message_limits import TEXT_LIMIT, utf16_len
from bot.services.questions import shorten
from dialogs.common import esc
from storage.db import Database

logger = logging.getLogger(__name__)

TITLE_SHOWN = 70  # characters of a report's title in a list
QUESTION_SHOWN = 90


@dataclass(frozen=True)
class _Caps:
    """How many items each list shows; smaller ones are tried until the message fits."""

    overdue: int
    cosigned: int
    categories: int
    oblasts: int
    groups: int
    questions: int


CAPS = (
    _Caps(10, 5, 11, 10, 7, 5),
    _Caps(5, 3, 6, 5, 4, 3),
    _Caps(3, 2, 3, 3, 3, 1),
    _Caps(1, 1, 1, 1, 1, 0),
    _Caps(0, 0, 0, 0, 0, 0),
)


def _local(moment: datetime, tz: ZoneInfo, with_year: bool = False) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M" if with_year else "%d.%m %H:%M")


def _hours(t: Translator, value: float | None) -> str:
    """A handling time: hours under two days ("5,5 год"), days beyond ("13,5 дн.")."""
    if value is None:
        return "—"
    unit, amount = ("digest-hours", value) if value < 48 else ("digest-days", value / 24)
    text = f"{amount:.1f}".removesuffix(".0")
    if t.locale == "uk":
        text = text.replace(".", ",")
    return t(unit, amount=text)


def _cut(t: Translator, lines: list[str], total: int, cap: int) -> list[str]:
    shown = lines[:cap]
    if total > len(shown):
        shown.append(t("digest-more", count=total - len(shown)))
    return shown


def _durations(t: Translator, prefix: str, figures: Durations) -> str:
    if figures.reports == 0:
        return t(f"{prefix}-none")
    return t(
        prefix,
        median=_hours(t, figures.median_hours),
        average=_hours(t, figures.average_hours),
        reports=t("digest-reports", count=figures.reports),
    )


def digest_title(t: Translator, digest: Digest, names: Names) -> str:
    if digest.association_code is None:
        return t("digest-title-joint")
    return t(
        "digest-title-association",
        association=esc(names.association(digest.association_code, t.locale)),
    )


def _render(t: Translator, digest: Digest, names: Names, tz: ZoneInfo, caps: _Caps) -> str:
    locale = t.locale
    parts: list[list[str]] = [
        [
            digest_title(t, digest, names),
            t(
                "digest-period",
                start=_local(digest.period_start, tz),
                end=_local(digest.period_end, tz, with_year=True),
            ),
            t(
                "digest-new",
                reports=t("digest-reports", count=digest.new),
                resolved=digest.resolved,
            ),
        ]
    ]
    if digest.open_total:
        parts.append(
            [
                t("digest-open", reports=t("digest-reports", count=digest.open_total)),
                *(
                    t("digest-open-status", status=t(f"queue-status-{status}"), count=count)
                    for status, count in digest.open_by_status
                ),
            ]
        )
    else:
        parts.append([t("digest-open-none")])
    if digest.overdue_total:
        items = [
            t(
                "digest-overdue-item",
                reference=item.reference,
                title=esc(shorten(item.title, TITLE_SHOWN)),
                deadline=_local(item.deadline_at, tz) if item.deadline_at else "—",
            )
            for item in digest.overdue
        ]
        parts.append(
            [
                t("digest-overdue", reports=t("digest-reports", count=digest.overdue_total)),
                *_cut(t, items, digest.overdue_total, caps.overdue),
            ]
        )
    else:
        parts.append([t("digest-overdue-none")])
    if digest.most_cosigned and caps.cosigned:
        parts.append(
            [
                t("digest-cosigned"),
                *(
                    t(
                        "digest-cosigned-item",
                        reference=item.reference,
                        title=esc(shorten(item.title, TITLE_SHOWN)),
                        cosigners=t("digest-cosigners", count=item.cosigners),
                    )
                    for item in digest.most_cosigned[: caps.cosigned]
                ),
            ]
        )
    counted: list[tuple[str, list[tuple[str, int]], int]] = [
        (
            "digest-by-category",
            [(esc(names.category(c, locale)), n) for c, n in digest.new_by_category],
            caps.categories,
        ),
        (
            "digest-by-oblast",
            [
                (esc(names.oblast(c, locale, t("digest-oblast-unknown"))), n)
                for c, n in digest.new_by_oblast
            ],
            caps.oblasts,
        ),
        (
            "digest-by-group",
            [(t(f"queue-group-{c}"), n) for c, n in digest.new_by_group],
            caps.groups,
        ),
    ]
    for title, rows, cap in counted:
        if rows:
            items = [t("digest-count-item", name=name, count=count) for name, count in rows]
            parts.append([t(title), *_cut(t, items, len(items), cap)])
    parts.append(
        [
            t("digest-times"),
            _durations(t, "digest-first-response", digest.first_response),
            _durations(t, "digest-resolution", digest.resolution),
        ]
    )
    if digest.open_questions_total:
        items = [
            t(
                "digest-question-item",
                id=str(q.id),
                date=_local(q.created_at, tz),
                text=esc(shorten(q.text, QUESTION_SHOWN)),
            )
            for q in digest.open_questions
        ]
        parts.append(
            [
                t(
                    "digest-open-questions",
                    questions=t("digest-questions", count=digest.open_questions_total),
                ),
                *_cut(t, items, digest.open_questions_total, caps.questions),
            ]
        )
    else:
        parts.append([t("digest-open-questions-none")])
    return "\n\n".join("\n".join(part) for part in parts)


def render_digest(
    t: Translator, digest: Digest, names: Names, tz: ZoneInfo, *, limit: int = TEXT_LIMIT
) -> str:
    """The digest message in the language of `t`, at most `limit` UTF-16 units."""
    text = ""
    for caps in CAPS:
        text = _render(t, digest, names, tz, caps)
        if utf16_len(text) <= limit:
            return text
    return text[: limit - 1] + "…"  # unreachable with the lists' sizes capped as they are


def chart_data(t: Translator, digest: Digest, names: Names) -> ChartData:
    if digest.association_code is None:
        title = t("digest-chart-joint")
    else:
        title = t("digest-chart-title", name=names.association(digest.association_code, t.locale))
    return ChartData(
        title=title,
        days_title=t("digest-chart-days"),
        new_label=t("digest-chart-new"),
        resolved_label=t("digest-chart-resolved"),
        categories_title=t("digest-chart-categories"),
        none_open=t("digest-chart-none-open"),
        others_label=t("digest-chart-others"),
        days=[(d.day, d.new, d.resolved) for d in digest.days],
        open_by_category=[
            (names.category(code, t.locale), count) for code, count in digest.open_by_category
        ],
    )


async def period_spreadsheet(
    db: Database, t: Translator, digest: Digest, names: Names, tz: ZoneInfo
) -> tuple[bytes, int]:
    """The reports export (the same as /export) of the reports received in the period, as
    XLSX, and how many rows it has."""
    codes: Sequence[str] | None = (
        None if digest.association_code is None else (digest.association_code,)
    )
    start = digest.period_start.astimezone(tz)
    end = digest.period_end.astimezone(tz)
    rows = await export_rows(db, associations=codes, since=start.date(), tz=tz)
    # The export filters by local day; the period starts at a time of day.
    start_naive, end_naive = start.replace(tzinfo=None), end.replace(tzinfo=None)
    rows = [row for row in rows if start_naive <= row.created_at < end_naive]
    data = await asyncio.to_thread(
        render, rows, "xlsx", t, names.rules, list(names.oblasts.values())
    )
    return data, len(rows)
