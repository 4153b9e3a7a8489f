"""The digest's chart: one PNG, readable on a phone — new and resolved reports per day over the
period (at least a week), and the open reports by category.

matplotlib is imported on the first chart, not at bot start (it takes about a second), with
the Agg backend: no display, safe in threads. Drawing is CPU-bound: call `render_chart` in a
thread from the bot. Labels come in already translated: this module knows no languages.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

NEW_COLOR = "#1f77b4"
RESOLVED_COLOR = "#2ca02c"
OPEN_COLOR = "#ff7f0e"
WIDTH_INCHES = 8.0
DPI = 150
CATEGORIES_SHOWN = 11  # every category the rules have today; more are summed as the last bar
LABEL_WIDTH = 28  # characters per line of a category name

# pyplot keeps global state: one chart at a time per process.
PYPLOT_LOCK = threading.Lock()


@dataclass(frozen=True)
class ChartData:
    """What the chart shows, every word in the reader's language."""

    title: str
    days_title: str
    new_label: str
    resolved_label: str
    categories_title: str
    none_open: str  # shown instead of the bars when nothing is open
    others_label: str
    days: Sequence[tuple[date, int, int]]  # day, new, resolved
    open_by_category: Sequence[tuple[str, int]]  # category name, open reports; most first


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _categories(data: ChartData) -> list[tuple[str, int]]:
    rows = [(name, count) for name, count in data.open_by_category if count]
    if len(rows) > CATEGORIES_SHOWN:
        rest = sum(count for _, count in rows[CATEGORIES_SHOWN - 1 :])
        rows = [*rows[: CATEGORIES_SHOWN - 1], (data.others_label, rest)]
    return rows


def render_chart(data: ChartData) -> bytes:
    """The chart as PNG bytes: 1200 pixels wide, large type."""
    with PYPLOT_LOCK:
        plt = pyplot()
        categories = _categories(data)
        bars_height = max(2.5, 0.55 * len(categories) + 1.2)
        figure, (days_axis, category_axis) = plt.subplots(
            2,
            1,
            figsize=(WIDTH_INCHES, 4.2 + bars_height),
            dpi=DPI,
            gridspec_kw={"height_ratios": [4.2, bars_height]},
        )
        try:
            figure.suptitle(data.title, fontsize=15, fontweight="bold")
            _draw_days(days_axis, data)
            _draw_categories(category_axis, data, categories)
            return png_of(figure)
        finally:
            plt.close(figure)


def png_of(figure: Any) -> bytes:
    """A drawn figure laid out and saved as PNG bytes (the caller closes it)."""
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _draw_days(axis: Any, data: ChartData) -> None:
    positions = list(range(len(data.days)))
    width = 0.4
    new = [n for _, n, _ in data.days]
    resolved = [r for _, _, r in data.days]
    axis.bar([p - width / 2 for p in positions], new, width, label=data.new_label, color=NEW_COLOR)
    axis.bar(
        [p + width / 2 for p in positions],
        resolved,
        width,
        label=data.resolved_label,
        color=RESOLVED_COLOR,
    )
    # Every day labelled for a week or two; every few days for a month.
    step = max(1, (len(positions) + 13) // 14)
    axis.set_xticks(positions[::step])
    axis.set_xticklabels(
        [day.strftime("%d.%m") for day, _, _ in data.days][::step], fontsize=11, rotation=0
    )
    axis.set_title(data.days_title, fontsize=13)
    axis.tick_params(axis="y", labelsize=11)
    axis.yaxis.get_major_locator().set_params(integer=True)
    axis.grid(axis="y", alpha=0.3)
    axis.legend(fontsize=11, loc="upper left")
    for spine in ("top", "right"):
        axis.spines[spine].set_visible(False)


def _draw_categories(axis: Any, data: ChartData, categories: list[tuple[str, int]]) -> None:
    axis.set_title(data.categories_title, fontsize=13)
    if not categories:
        axis.axis("off")
        axis.text(0.5, 0.5, data.none_open, ha="center", va="center", fontsize=12)
        return
    names = ["\n".join(textwrap.wrap(name, LABEL_WIDTH)) for name, _ in categories]
    counts = [count for _, count in categories]
    positions = list(range(len(categories)))
    axis.barh(positions, counts, color=OPEN_COLOR)
    axis.set_yticks(positions)
    axis.set_yticklabels(names, fontsize=10)
    axis.invert_yaxis()  # the largest on top
    axis.tick_params(axis="x", labelsize=11)
    axis.xaxis.get_major_locator().set_params(integer=True)
    for position, count in zip(positions, counts, strict=True):
        axis.text(count, position, f" {count}", va="center", fontsize=10)
    axis.margins(x=0.12)
    for spine in ("top", "right"):
        axis.spines[spine].set_visible(False)
