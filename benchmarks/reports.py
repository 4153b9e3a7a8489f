"""Urgent-issue reports at scale: similar-report lookup, /queue filtering and the export with
10,000 and then 100,000 reports, in SQLite and PostgreSQL.

    .venv/bin/python benchmarks/reports.py [--sizes 10000,100000] [--skip-postgres] [--json]

See benchmarks/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import insert, text  # noqa: E402

from bot.content import CONTENT_DIR, load_associations  # noqa: E402
from bot.i18n import Translations  # noqa: E402
from bot.services.associations import sync_associations  # noqa: E402
from bot.services.export import export_rows, render  # noqa: E402
from bot.services.hromadas import load_oblasts  # noqa: E402
from bot.services.report_rules import ReportRules, load_report_rules  # noqa: E402
from bot.services.reports import AFFECTED_GROUPS, QueueFilter, ReportService  # noqa: E402
from bot.services.staff import Rights  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Member,
    MemberAssociation,
    Report,
    ReportAssociation,
    ReportSupporter,
)

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_reports"
KYIV = ZoneInfo("Europe/Kyiv")
MEMBERS = 3_000
CHUNK = 5_000
SEED = 20_260_401
SIMILAR_QUERIES = 200  # draft texts looked up; fewer with many reports (each takes longer)
SIMILAR_QUERIES_LARGE = 30
QUEUE_REPEATS = 15

# ------------------------------------------------------------------------ realistic content

# What members write about, per category: subjects, what happened to them, and why it matters.
SUBJECTS: dict[str, list[str]] = {
    "budget": [
        "субвенція на утримання шкіл",
        "дотація вирівнювання",
        "податок на доходи фізичних осіб",
        "фінансування програми відновлення",
        "кошти резервного фонду",
    ],
    "investment": [
        "проєкт відновлення амбулаторії",
        "реконструкція будинку культури",
        "проєкт у системі DREAM",
        "співфінансування ремонту мосту",
        "будівництво модульного житла",
    ],
    "legislation": [
        "законопроєкт про місцеве самоврядування",
        "постанова про військові адміністрації",
        "порядок передачі майна громаді",
        "зміни до Бюджетного кодексу",
        "повноваження старост",
    ],
    "education": [
        "опорна школа",
        "шкільний автобус",
        "укриття в ліцеї",
        "дитячий садок",
        "харчування учнів",
    ],
    "health_social": [
        "амбулаторія сімейної медицини",
        "центр надання соціальних послуг",
        "виплати внутрішньо переміщеним особам",
        "догляд за людьми похилого віку",
        "лікарняна аптека",
    ],
    "infrastructure": [
        "міст через річку",
        "дорога між селами",
        "зупинка громадського транспорту",
        "вуличне освітлення",
        "водовідведення на вулиці",
    ],
    "energy_utilities": [
        "насосна станція водогону",
        "котельня",
        "трансформаторна підстанція",
        "теплотраса",
        "очисні споруди",
    ],
    "security": [
        "укриття для мешканців",
        "сирена оповіщення",
        "пожежна команда",
        "розмінування полів",
        "пункт незламності",
    ],
    "land_planning": [
        "генеральний план села",
        "земельна ділянка під кладовище",
        "межі громади",
        "оренда земель сільськогосподарського призначення",
        "детальний план території",
    ],
    "staffing": [
        "посада старости",
        "оплата праці в апараті ради",
        "вакансії в центрі надання адміністративних послуг",
        "навчання депутатів",
        "бронювання працівників",
    ],
    "other": [
        "архів сільської ради",
        "музей історії громади",
        "стадіон",
        "кладовище",
        "бібліотека",
    ],
}
PROBLEMS = [
    "пошкоджено внаслідок обстрілу",
    "не працює через відсутність електроенергії",
    "потребує термінового ремонту",
    "не фінансується з початку року",
    "зупинено через рішення міністерства",
    "залишилися без пального",
    "закривають без погодження з громадою",
    "не отримали обіцяних коштів",
]
PLACES = [
    "у старостинському окрузі",
    "у селі на лінії зіткнення",
    "у центрі громади",
    "на околиці міста",
    "у прикордонних селах",
    "у трьох селах громади",
]
CONSEQUENCES = [
    "Мешканці залишаються без води та тепла.",
    "Діти не можуть відвідувати навчання.",
    "Люди похилого віку не отримують допомоги.",
    "Громада не може виконати свої повноваження.",
    "Під загрозою безпека людей.",
    "Підприємства зупиняють роботу.",
    "Ремонт неможливий без допомоги держави.",
    "Військова адміністрація не відповідає на звернення.",
]
ASKS = [
    "Просимо асоціацію звернутися до профільного міністерства.",
    "Потрібен генератор і ремонтна бригада.",
    "Просимо підтримати зміни до законодавства.",
    "Потрібне додаткове фінансування з державного бюджету.",
    "Просимо винести питання на розгляд уряду.",
]
HROMADA_STEMS = [
    "Іллінец", "Бар", "Ковел", "Луц", "Жмерин", "Гайсин", "Бердичів", "Коростен", "Ніжин",
    "Прилуц", "Лубен", "Миргород", "Умансь", "Звенигород", "Хотин", "Сторожинец", "Калуш",
    "Коломий", "Стрий", "Самбір", "Дрогобиц", "Мукачів", "Берегів", "Рахів", "Кременец",
    "Чортків", "Шепетів", "Кам'янец", "Ізюм", "Балаклій", "Куп'ян", "Охтир", "Шостк", "Ромен",
    "Павлоград", "Нікополь", "Марганец", "Ізмаїль", "Болград", "Вознесен", "Первомай",
    "Олександрій", "Знам'ян", "Бахмут", "Краматор", "Слов'ян", "Покров", "Мелітопол", "Бердян",
    "Енергодар", "Токмац", "Нова Каховк", "Берислав", "Скадовс", "Сарн", "Дубен", "Костопіл",
]  # fmt: skip
STATUSES = (  # (status, share): about two fifths open
    ("new", 0.15),
    ("in_progress", 0.20),
    ("escalated", 0.05),
    ("resolved", 0.45),
    ("declined", 0.10),
    ("merged", 0.05),
)
URGENCIES = (("critical", 0.2), ("high", 0.35), ("normal", 0.45))
OPEN = {"new", "in_progress", "escalated"}


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def report_text(rng: random.Random, category: str) -> tuple[str, str]:
    subject = rng.choice(SUBJECTS[category])
    title = f"{subject.capitalize()} {rng.choice(PLACES)}: {rng.choice(PROBLEMS)}"[:120]
    sentences = [
        f"{subject.capitalize()} {rng.choice(PLACES)} {rng.choice(PROBLEMS)}.",
        rng.choice(CONSEQUENCES),
        rng.choice(CONSEQUENCES),
        rng.choice(ASKS),
    ]
    return title, " ".join(sentences[: rng.randint(2, 4)])


# ------------------------------------------------------------------------ seeding


@dataclass
class Seeder:
    db: Database
    rules: ReportRules
    rng: random.Random
    now: datetime
    oblasts: list[str]
    association_ids: dict[str, int] = field(default_factory=dict)
    members: list[tuple[int, list[str]]] = field(default_factory=list)  # (id, association codes)
    member_places: dict[int, tuple[str, str]] = field(default_factory=dict)  # hromada, oblast
    seeded: int = 0

    async def members_and_associations(self) -> None:
        async with self.db.transaction() as session:
            rows = await session.execute(text("SELECT id, code FROM associations"))
            self.association_ids = {code: i for i, code in rows.all()}
        codes = list(self.association_ids)
        members, links = [], []
        for index in range(MEMBERS):
            member_id = index + 1
            hromada = f"{self.rng.choice(HROMADA_STEMS)}ська"
            oblast = self.rng.choice(self.oblasts)
            own = self.rng.sample(codes, self.rng.choice((1, 1, 1, 2)))
            members.append(
                {
                    "id": member_id,
                    "telegram_id": 10_000_000 + index,
                    "full_name": f"Голова громади {index}",
                    "role": "hromada_head",
                    "oblast_code": oblast,
                    "hromada_text": hromada,
                    "locale": "uk",
                    "verification": "verified" if self.rng.random() < 0.7 else "unverified",
                    "registered_at": self.now,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            links += [
                {"member_id": member_id, "association_id": self.association_ids[c]} for c in own
            ]
            self.members.append((member_id, own))
            self.member_places[member_id] = (hromada, oblast)
        async with self.db.transaction() as session:
            await session.execute(insert(Member), members)
            await session.execute(insert(MemberAssociation), links)

    async def reports(self, count: int) -> None:
        """`count` more reports, in chunks, with their routes and co-signers."""
        codes = list(self.association_ids)
        categories = [c.code for c in self.rules.categories]
        hours = {u.code: u.hours for u in self.rules.urgencies}
        for start in range(0, count, CHUNK):
            reports, routes, supporters = [], [], []
            for _ in range(min(CHUNK, count - start)):
                self.seeded += 1
                report_id = self.seeded
                member_id, own = self.rng.choice(self.members)
                hromada, oblast = self.member_places[member_id]
                category = self.rng.choice(categories)
                urgency = pick(self.rng, URGENCIES)
                status = pick(self.rng, STATUSES)
                # Open reports are recent; closed ones spread over two years.
                age_days = self.rng.uniform(0, 60 if status in OPEN else 730)
                created = self.now - timedelta(days=age_days)
                answered = status not in OPEN or self.rng.random() < 0.6
                response = created + timedelta(hours=self.rng.uniform(1, 2 * hours[urgency]))
                title, description = report_text(self.rng, category)
                reports.append(
                    {
                        "id": report_id,
                        "reference": f"R-{created.astimezone(KYIV).year}-{report_id:05d}",
                        "member_id": member_id,
                        "status": status,
                        "category": category,
                        "urgency": urgency,
                        "title": title,
                        "description": description,
                        "residents": self.rng.choice((None, 800, 2500, 12000, 40000)),
                        "affected_groups": self.rng.sample(AFFECTED_GROUPS, self.rng.randint(0, 3)),
                        "dream_id": None,
                        "hromada_text": hromada,
                        "oblast_code": oblast,
                        "locale": "uk",
                        "reporter_verified": True,
                        "joint": self.rng.random() < 0.03,
                        "assignee_telegram_id": 501 if status != "new" else None,
                        "assignee_name": "Ірина з ВАГ" if status != "new" else None,
                        "created_at": created,
                        "submitted_at": created,
                        "deadline_at": created + timedelta(hours=hours[urgency]),
                        "first_response_at": min(response, self.now) if answered else None,
                        "resolved_at": min(response + timedelta(days=5), self.now)
                        if status not in OPEN
                        else None,
                        "updated_at": created,
                        "version": 1,
                    }
                )
                routed = self.rules.route(category, own, False, codes)
                routes += [
                    {
                        "report_id": report_id,
                        "association_id": self.association_ids[c],
                        "position": i,
                    }
                    for i, c in enumerate(routed)
                ]
                if self.rng.random() < 0.25:
                    for cosigner in {self.rng.randrange(1, MEMBERS + 1) for _ in range(4)}:
                        if cosigner == member_id:
                            continue
                        place = self.member_places[cosigner]
                        supporters.append(
                            {
                                "report_id": report_id,
                                "member_id": cosigner,
                                "hromada_text": place[0],
                                "oblast_code": place[1],
                                "residents": self.rng.choice((None, 1500, 6000)),
                                "verified": True,
                                "joined_at": created,
                                "withdrawn_at": self.now if self.rng.random() < 0.1 else None,
                            }
                        )
            async with self.db.transaction() as session:
                await session.execute(insert(Report), reports)
                await session.execute(insert(ReportAssociation), routes)
                if supporters:
                    await session.execute(insert(ReportSupporter), supporters)
        async with self.db.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))


# ------------------------------------------------------------------------ measuring


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


@dataclass
class Figure:
    backend: str
    reports: int
    operation: str
    samples: int
    p50_ms: float
    p95_ms: float
    detail: str = ""


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return (time.perf_counter() - started) * 1000, result


def figure(
    backend: str, reports: int, operation: str, samples: list[float], detail: str = ""
) -> Figure:
    return Figure(
        backend,
        reports,
        operation,
        len(samples),
        round(percentile(samples, 0.5), 2),
        round(percentile(samples, 0.95), 2),
        detail,
    )


QUEUE_CASES: list[tuple[str, bool, QueueFilter, int]] = [
    ("all open, page 1", False, QueueFilter(), 1),
    ("all open, page 20", False, QueueFilter(), 20),
    ("in progress", False, QueueFilter(status="in_progress"), 1),
    ("education + critical", False, QueueFilter(category="education", urgency="critical"), 1),
    ("one oblast", False, QueueFilter(oblast_code="UA05000000000010236"), 1),
    ("overdue", False, QueueFilter(overdue=True), 1),
    ("resolved (closed), page 3", False, QueueFilter(status="resolved"), 3),
    ("admin, all open", True, QueueFilter(), 1),
]


async def measure(
    backend: str, db: Database, rules: ReportRules, size: int, rng: random.Random
) -> list[Figure]:
    figures: list[Figure] = []
    # (a) similar reports: a new service, so the first call builds the index from the database.
    service = ReportService(db, rules, index_max_age=3600)
    build_ms, index = await timed(lambda: service._similar.fresh(db))
    figures.append(
        Figure(
            backend,
            size,
            "similar: index build",
            1,
            round(build_ms, 1),
            round(build_ms, 1),
            f"{len(index)} open reports",
        )
    )
    queries = []
    categories = [c.code for c in rules.categories]
    for _ in range(SIMILAR_QUERIES if size <= 20_000 else SIMILAR_QUERIES_LARGE):
        title, description = report_text(rng, rng.choice(categories))
        queries.append(f"{title}\n{description}")
    await service.similar_open(queries[0])  # warm
    samples, found = [], 0
    for query in queries:
        elapsed, result = await timed(lambda q=query: service.similar_open(q))  # type: ignore[misc]
        samples.append(elapsed)
        found += bool(result)
    figures.append(
        figure(backend, size, "similar: lookup", samples, f"{found}/{len(queries)} found some")
    )

    # (b) the queue, as staff of one association and as an admin.
    staff = Rights(501, False, frozenset({"vag"}))
    admin = Rights(1, True, frozenset())
    all_samples: list[float] = []
    for name, as_admin, filters, page in QUEUE_CASES:
        case_samples = []
        total = 0
        for _ in range(QUEUE_REPEATS):
            elapsed, result = await timed(
                lambda f=filters, p=page, r=(admin if as_admin else staff): service.queue(
                    r, f, p, 8
                )  # type: ignore[misc]
            )
            case_samples.append(elapsed)
            total = result.total
        all_samples += case_samples
        figures.append(figure(backend, size, f"queue: {name}", case_samples, f"{total} match"))
    figures.append(figure(backend, size, "queue: all cases", all_samples))

    # (c) the export: every report (an admin's) and one association's, XLSX; reading and
    # writing measured apart.
    t = Translations().get("uk")
    oblasts = load_oblasts(CONTENT_DIR / "oblasts.yaml")
    repeats = 2 if size <= 20_000 else 1
    for label, codes in (("all", None), ("vag", ["vag"])):
        reading, writing, csv_writing = [], [], []
        rows: list[Any] = []
        for _ in range(repeats):
            elapsed, rows = await timed(lambda c=codes: export_rows(db, associations=c, tz=KYIV))  # type: ignore[misc]
            reading.append(elapsed)
            started = time.perf_counter()
            data = render(rows, "xlsx", t, rules, oblasts)
            writing.append((time.perf_counter() - started) * 1000)
            if label == "all":
                started = time.perf_counter()
                render(rows, "csv", t, rules, oblasts)
                csv_writing.append((time.perf_counter() - started) * 1000)
        detail = f"{len(rows)} rows, {len(data) / 2**20:.1f} MB"
        figures.append(figure(backend, size, f"export {label}: read", reading, detail))
        figures.append(figure(backend, size, f"export {label}: XLSX", writing, detail))
        if csv_writing:
            figures.append(figure(backend, size, f"export {label}: CSV", csv_writing))
    return figures


# ------------------------------------------------------------------------ backends


async def reset_postgres(url: str) -> None:
    """Create the database if missing and drop and recreate its `public` schema."""
    import asyncpg

    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    database = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", database):
        raise SystemExit(f"unexpected database name {database!r}")
    if database == "test" or database.startswith("test_"):
        raise SystemExit(f"refusing {database!r}: the test suites use it; name another database")
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=5)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    connection = await asyncpg.connect(urlunsplit(parts), timeout=5)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


async def run_backend(
    backend: str, url: str, sizes: list[int], log: Callable[[str], None]
) -> list[Figure]:
    db = Database.from_url(url)
    rules = load_report_rules()
    rng = random.Random(SEED)
    figures: list[Figure] = []
    try:
        await upgrade(db.engine)
        await sync_associations(db, load_associations())
        oblasts = [o.code for o in load_oblasts(CONTENT_DIR / "oblasts.yaml")]
        seeder = Seeder(db, rules, rng, datetime.now(UTC), oblasts)
        await seeder.members_and_associations()
        for size in sizes:
            started = time.perf_counter()
            await seeder.reports(size - seeder.seeded)
            log(f"{backend}: {size} reports seeded in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            figures += await measure(backend, db, rules, size, random.Random(SEED + size))
            log(f"{backend}: {size} reports measured in {time.perf_counter() - started:.1f} s")
    finally:
        await db.close()
    return figures


def print_table(figures: list[Figure]) -> None:
    print(
        f"{'backend':<11} {'reports':>8}  {'operation':<34} {'n':>4} {'p50 ms':>9} {'p95 ms':>9}"
        "  detail"
    )
    for f in figures:
        print(
            f"{f.backend:<11} {f.reports:>8}  {f.operation:<34} {f.samples:>4} "
            f"{f.p50_ms:>9.2f} {f.p95_ms:>9.2f}  {f.detail}"
        )


def print_growth(figures: list[Figure], sizes: list[int]) -> None:
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    print(f"\nGrowth from {small} to {large} reports ({large / small:.0f}× the data), p50:")
    by_key = {(f.backend, f.reports, f.operation): f for f in figures}
    for f in figures:
        if f.reports != small:
            continue
        other = by_key.get((f.backend, large, f.operation))
        if other is None or f.p50_ms <= 0:
            continue
        ratio = other.p50_ms / f.p50_ms
        print(
            f"  {f.backend:<11} {f.operation:<34} ×{ratio:6.1f}"
            f"  ({f.p50_ms:.2f} → {other.p50_ms:.2f} ms)"
        )


async def main_async(args: argparse.Namespace) -> list[Figure]:
    sizes = sorted(int(s) for s in args.sizes.split(","))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    return await on_both_backends("reports", run_backend, sizes, args, log)


F = TypeVar("F")


async def on_both_backends(
    name: str,
    run_backend: Callable[[str, str, list[int], Callable[[str], None]], Awaitable[list[F]]],
    sizes: list[int],
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> list[F]:
    """`run_backend` on a fresh SQLite file, then (unless --skip-postgres) on the emptied
    PostgreSQL database of --postgres-url, when it answers."""
    figures: list[F] = []
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / f'{name}.sqlite3'}"
        figures += await run_backend("SQLite", url, sizes, log)
    if args.skip_postgres:
        return figures
    try:
        await reset_postgres(args.postgres_url)
    except (OSError, ConnectionError) as error:
        log(f"PostgreSQL skipped: not reachable at {args.postgres_url} ({error})")
        return figures
    figures += await run_backend("PostgreSQL", args.postgres_url, sizes, log)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="report counts, ascending")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_REPORTS_POSTGRES_URL", DEFAULT_POSTGRES_URL),
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
    print_table(figures)
    print_growth(figures, sorted(int(s) for s in args.sizes.split(",")))
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
