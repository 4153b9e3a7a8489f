"""Digests at scale: building the digest's figures, its chart and its spreadsheet with 10,000 and
then 100,000 reports, in SQLite and PostgreSQL. The reports are seeded as in
benchmarks/reports.py (open ones over the last 60 days, closed ones over two years).

    .venv/bin/python benchmarks/digests.py [--sizes 10000,100000] [--skip-postgres] [--json]

Printed per backend and size: the median and slowest of a few runs, in milliseconds, of
- figures: DigestBuilder.build (every SQL query of one digest) for ВАГ's daily digest (24 hours)
  and the joint weekly one (7 days), with the number of SQL statements it ran — the same at any
  size, since each figure is one aggregate query;
- chart: the PNG (matplotlib, Agg), the first one apart (it imports matplotlib);
- spreadsheet: the period's XLSX (the export of the reports issue), reading and writing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import reports as report_bench  # noqa: E402  (benchmarks/reports.py: its seeding)
from sqlalchemy import event  # noqa: E402

from bot.content import CONTENT_DIR, load_associations  # noqa: E402
from bot.i18n import Translations  # noqa: E402
from bot.names import Names  # noqa: E402
from bot.services.associations import sync_associations  # noqa: E402
from bot.services.digest_chart import render_chart  # noqa: E402
from bot.services.digest_schedule import JOINT  # noqa: E402
from bot.services.digests import DigestBuilder  # noqa: E402
from bot.services.hromadas import load_oblasts  # noqa: E402
from bot.services.report_rules import load_report_rules  # noqa: E402
from dialogs.digest_texts import chart_data, period_spreadsheet, render_digest  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_digests"
KYIV = report_bench.KYIV
REPEATS = 5
CHART_REPEATS = 3
SHEET_REPEATS = 2


@dataclass
class Figure:
    backend: str
    reports: int
    operation: str
    samples: int
    p50_ms: float
    max_ms: float
    detail: str = ""


def figure(
    backend: str, size: int, operation: str, samples: list[float], detail: str = ""
) -> Figure:
    ordered = sorted(samples)
    return Figure(
        backend,
        size,
        operation,
        len(samples),
        round(ordered[len(ordered) // 2], 1),
        round(ordered[-1], 1),
        detail,
    )


class StatementCounter:
    """Counts the SQL statements an engine runs."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


async def measure(backend: str, db: Database, size: int, now: datetime) -> list[Figure]:
    figures: list[Figure] = []
    builder = DigestBuilder(db, KYIV)
    names = Names.of(
        load_report_rules(), load_oblasts(CONTENT_DIR / "oblasts.yaml"), load_associations()
    )
    t = Translations().get("uk")
    counter = StatementCounter(db)
    cases = (
        ("vag daily", "vag", timedelta(days=1)),
        ("joint weekly", JOINT, timedelta(days=7)),
    )
    for label, key, length in cases:
        samples: list[float] = []
        digest = None
        statements = 0
        for _ in range(REPEATS):
            before = counter.count
            started = time.perf_counter()
            digest = await builder.build(key, now - length, now, now=now)
            samples.append((time.perf_counter() - started) * 1000)
            statements = counter.count - before
        assert digest is not None
        text = render_digest(t, digest, names, KYIV)
        detail = (
            f"{statements} SQL statements; {digest.new} new, {digest.open_total} open, "
            f"{digest.overdue_total} overdue; message {len(text)} chars"
        )
        figures.append(figure(backend, size, f"figures: {label}", samples, detail))

        chart_samples = []
        png = b""
        for _ in range(CHART_REPEATS):
            started = time.perf_counter()
            png = render_chart(chart_data(t, digest, names))
            chart_samples.append((time.perf_counter() - started) * 1000)
        figures.append(
            figure(backend, size, f"chart: {label}", chart_samples, f"{len(png) // 1024} KB PNG")
        )

        sheet_samples = []
        rows = 0
        data = b""
        for _ in range(SHEET_REPEATS):
            started = time.perf_counter()
            data, rows = await period_spreadsheet(db, t, digest, names, KYIV)
            sheet_samples.append((time.perf_counter() - started) * 1000)
        figures.append(
            figure(
                backend,
                size,
                f"spreadsheet: {label}",
                sheet_samples,
                f"{rows} rows, {len(data) // 1024} KB XLSX",
            )
        )
    return figures


async def run_backend(backend: str, url: str, sizes: list[int], log: Any) -> list[Figure]:
    db = Database.from_url(url)
    rules = load_report_rules()
    figures: list[Figure] = []
    try:
        await upgrade(db.engine)
        await sync_associations(db, load_associations())
        oblasts = [o.code for o in load_oblasts(CONTENT_DIR / "oblasts.yaml")]
        now = datetime.now(UTC)
        seeder = report_bench.Seeder(db, rules, random.Random(report_bench.SEED), now, oblasts)
        await seeder.members_and_associations()
        for size in sizes:
            started = time.perf_counter()
            await seeder.reports(size - seeder.seeded)
            log(f"{backend}: {size} reports seeded in {time.perf_counter() - started:.1f} s")
            figures += await measure(backend, db, size, now)
    finally:
        await db.close()
    return figures


async def main_async(args: argparse.Namespace) -> list[Figure]:
    sizes = sorted(int(s) for s in args.sizes.split(","))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    # The first chart pays for importing matplotlib: measured once, apart.
    started = time.perf_counter()
    import matplotlib.pyplot  # noqa: F401

    log(f"matplotlib import: {(time.perf_counter() - started) * 1000:.0f} ms")
    return await report_bench.on_both_backends("digests", run_backend, sizes, args, log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="report counts, ascending")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_DIGESTS_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="its public schema is dropped and recreated (never `test`)",
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--json", action="store_true", help="the figures as JSON on stdout")
    args = parser.parse_args()
    started = time.perf_counter()
    figures = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps([asdict(f) for f in figures], ensure_ascii=False, indent=1))
        return
    print(
        f"{'backend':<11} {'reports':>8}  {'operation':<26} {'n':>3} {'p50 ms':>9} {'max ms':>9}"
        "  detail"
    )
    for f in figures:
        print(
            f"{f.backend:<11} {f.reports:>8}  {f.operation:<26} {f.samples:>3} "
            f"{f.p50_ms:>9.1f} {f.max_ms:>9.1f}  {f.detail}"
        )
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
