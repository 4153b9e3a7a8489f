"""A consultation's chart: one PNG in the digest's style (`digest_chart.py`: its size, type and
colours), readable on a phone — verified members' answers by option, one bar for all the
associations and one for each association asked.

Drawn with the digest chart's pyplot and lock (one chart at a time per process); CPU-bound:
call `render_results_chart` in a thread. Labels come in already translated.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.services.digest_chart import (
    DPI,
    NEW_COLOR,
    OPEN_COLOR,
    PYPLOT_LOCK,
    RESOLVED_COLOR,
    WIDTH_INCHES,
    png_of,
    pyplot,
)

# The first series (all associations) in the digest's blue, each association after it.
COLORS = (NEW_COLOR, RESOLVED_COLOR, OPEN_COLOR, "#9467bd", "#8c564b", "#e377c2")
LABEL_WIDTH = 26  # characters per line of an option's name


@dataclass(frozen=True)
class ResultsChartData:
    """What the chart shows, every word in the reader's language."""

    title: str
    subtitle: str
    none_label: str  # shown instead of the bars before any verified answer
    options: Sequence[str]  # option names, in the consultation's order
    series: Sequence[tuple[str, Sequence[int]]]  # (all / an association, members per option)


def render_results_chart(data: ResultsChartData) -> bytes:
    """The chart as PNG bytes: 1200 pixels wide, large type."""
    with PYPLOT_LOCK:
        plt = pyplot()
        bars = max(1, len(data.options)) * max(1, len(data.series))
        figure, axis = plt.subplots(
            figsize=(WIDTH_INCHES, max(4.5, 0.32 * bars + 2.2)),
            dpi=DPI,
        )
        try:
            figure.suptitle(
                "\n".join(textwrap.wrap(data.title, 60)), fontsize=15, fontweight="bold"
            )
            axis.set_title(data.subtitle, fontsize=12)
            _draw(axis, data)
            return png_of(figure)
        finally:
            plt.close(figure)


def _draw(axis: Any, data: ResultsChartData) -> None:
    if not any(any(counts) for _, counts in data.series):
        axis.axis("off")
        axis.text(0.5, 0.5, data.none_label, ha="center", va="center", fontsize=13)
        return
    groups = len(data.series)
    height = 0.8 / groups
    positions = list(range(len(data.options)))
    for number, (name, counts) in enumerate(data.series):
        offsets = [p - 0.4 + height * (number + 0.5) for p in positions]
        color = COLORS[number % len(COLORS)]
        axis.barh(offsets, list(counts), height, label=name, color=color)
        for offset, count in zip(offsets, counts, strict=True):
            if count:
                axis.text(count, offset, f" {count}", va="center", fontsize=9)
    axis.set_yticks(positions)
    axis.set_yticklabels(
        ["\n".join(textwrap.wrap(name, LABEL_WIDTH)) for name in data.options], fontsize=11
    )
    axis.invert_yaxis()  # the first option on top
    axis.tick_params(axis="x", labelsize=11)
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.margins(x=0.12)
    axis.grid(axis="x", alpha=0.3)
    axis.legend(fontsize=10, loc="lower right")
    for spine in ("top", "right"):
        axis.spines[spine].set_visible(False)
