"""Consultations at scale: 5,000 members asked, 3,000 answering within an hour at a realistic
pace, staff opening the live results every minute, then closing and the final summary, in SQLite
and PostgreSQL.

    .venv/bin/python benchmarks/consultations.py [--members 5000 --answers 3000] [--rush 1]
        [--skip-postgres] [--postgres-url URL] [--json]

Twice per backend: a position consultation (support / with amendments / oppose / no opinion)
and a priorities one (8 options, choose up to 3), each to every member, through
`ConsultationService` as the bot calls it. The hour runs on a virtual clock: answers arrive as a
Poisson process over the hour, each call starts at its arrival time and runs in real time, so
calls overlap exactly as the arrivals make them; the idle time between calls is skipped, so the
hour takes as long as its calls do. See benchmarks/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import reports as report_bench  # noqa: E402  (benchmarks/reports.py: backends, percentiles)
from digests import StatementCounter  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from bot.content import CONTENT_DIR, load_associations  # noqa: E402
from bot.i18n import Translations  # noqa: E402
from bot.names import Names  # noqa: E402
from bot.services.associations import sync_associations  # noqa: E402
from bot.services.broadcasts import Audience  # noqa: E402
from bot.services.consultations import (  # noqa: E402
    ConsultationDraft,
    ConsultationService,
    Option,
    Position,
)
from bot.services.hromadas import load_oblasts  # noqa: E402
from bot.services.report_rules import load_report_rules  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    ConsultationKind,
    Member,
    MemberAssociation,
    StaffRight,
    StaffRole,
)

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_consult"
KYIV = report_bench.KYIV
SEED = 20_260_416
HOUR = 3600.0
HROMADAS = 1_400
ADMIN_ID = 900_001  # an admin by configuration (ADMIN_IDS)
STAFF_ID = 900_002  # staff of VAG
STAFF_OF = "vag"
SUMMARY_REPEATS = 5
ASSOCIATION_WEIGHTS = {"vag": 0.5, "aotg": 0.35, "uaror": 0.15}
ROLE_WEIGHTS = {
    "hromada_head": 35,
    "hromada_deputy": 20,
    "council_secretary": 15,
    "raion_council_head": 3,
    "raion_council_deputy": 8,
    "oblast_council_head": 1,
    "oblast_council_deputy": 6,
    "other": 12,
}
POSITION_WEIGHTS = {
    Position.SUPPORT: 0.42,
    Position.AMEND: 0.30,
    Position.OPPOSE: 0.18,
    Position.NONE: 0.10,
}
PRIORITIES = [
    "Відновлення критичної інфраструктури",
    "Фінансова спроможність громад",
    "Освіта та безпечні укриття в школах",
    "Первинна медична допомога",
    "Підтримка внутрішньо переміщених осіб",
    "Розмінування сільськогосподарських земель",
    "Кадрове забезпечення органів самоврядування",
    "Енергетична незалежність громад",
]
COMMENTS = [
    "Просимо врахувати позицію прифронтових громад.",
    "Потрібне збереження частки ПДФО в бюджетах громад.",
    "Пропонуємо доповнити статтю 12 нормою про фінансування делегованих повноважень.",
    "Не погоджуємося з передачею повноважень військовим адміністраціям без строку.",
    "Законопроєкт потребує перехідного періоду щонайменше на рік.",
    "Підтримуємо, але механізм компенсації має бути прописаний у законі, а не в постанові.",
    "Громади не мають кадрів, щоб виконати ці вимоги без додаткового фінансування.",
]
QUESTION = (
    "Просимо висловити позицію громади щодо проєкту Закону «Про внесення змін до Бюджетного "
    "кодексу України щодо зміцнення фінансової спроможності територіальних громад» "
    "(реєстр. № 12345). Відповіді асоціації узагальнять у листі до Кабінету Міністрів."
)


# ------------------------------------------------------------------------ seeding


@dataclass
class Population:
    telegram_ids: list[int] = field(default_factory=list)
    association_ids: dict[str, int] = field(default_factory=dict)
    hromadas: int = 0  # distinct hromadas the members come from


async def seed(db: Database, rng: random.Random, members: int, now: datetime) -> Population:
    """Registered members over the associations, oblasts (25, unevenly) and roles, from about
    1,400 hromadas (a tenth typed by hand, not chosen from the codifier), a tenth unverified;
    one staff member of VAG."""
    population = Population()
    async with db.transaction() as session:
        rows = await session.execute(text("SELECT id, code FROM associations"))
        population.association_ids = {code: i for i, code in rows.all()}
    codes = [c for c in ASSOCIATION_WEIGHTS if c in population.association_ids]
    oblasts = [o.code for o in load_oblasts(CONTENT_DIR / "oblasts.yaml")]
    oblast_weights = [rng.uniform(0.3, 1.7) for _ in oblasts]
    hromadas: list[tuple[str, str, str]] = []  # (code, name, oblast)
    for index in range(HROMADAS):
        oblast = rng.choices(oblasts, oblast_weights)[0]
        stem = rng.choice(report_bench.HROMADA_STEMS)
        hromadas.append((f"UA{index:017d}", f"{stem}ська міська територіальна громада", oblast))
    rows_members, rows_links, seen = [], [], set()
    for index in range(members):
        member_id = index + 1
        code, name, oblast = rng.choice(hromadas)
        typed = rng.random() < 0.1
        seen.add(code)
        telegram_id = 20_000_000 + index
        rows_members.append(
            {
                "id": member_id,
                "telegram_id": telegram_id,
                "full_name": f"Учасник консультації {index}",
                "role": rng.choices(list(ROLE_WEIGHTS), list(ROLE_WEIGHTS.values()))[0],
                "oblast_code": oblast,
                "hromada_code": None if typed else code,
                "hromada_text": name if typed else None,
                "locale": "en" if rng.random() < 0.15 else "uk",
                "consent_at": now,
                "verification": "unverified" if rng.random() < 0.1 else "verified",
                "registered_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
        first = rng.choices(codes, [ASSOCIATION_WEIGHTS[c] for c in codes])[0]
        own = {first} | ({rng.choice(codes)} if rng.random() < 0.2 else set())
        rows_links += [
            {"member_id": member_id, "association_id": population.association_ids[c]}
            for c in sorted(own)
        ]
        population.telegram_ids.append(telegram_id)
    population.hromadas = len(seen)
    async with db.transaction() as session:
        for start in range(0, len(rows_members), report_bench.CHUNK):
            await session.execute(insert(Member), rows_members[start : start + report_bench.CHUNK])
        for start in range(0, len(rows_links), report_bench.CHUNK):
            chunk = rows_links[start : start + report_bench.CHUNK]
            await session.execute(insert(MemberAssociation), chunk)
        session.add(
            StaffRight(
                telegram_id=STAFF_ID,
                role=StaffRole.STAFF,
                association_id=population.association_ids[STAFF_OF],
            )
        )
    async with db.engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    return population


# ------------------------------------------------------------------------ the virtual hour


class VirtualClock:
    """Real time since the start plus the idle time skipped: `seconds()` into the hour."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.origin = time.perf_counter()
        self.skipped = 0.0

    def seconds(self) -> float:
        return time.perf_counter() - self.origin + self.skipped

    def jump_to(self, at: float) -> None:
        self.skipped += max(0.0, at - self.seconds())

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds())


@dataclass(order=True)
class Event:
    at: float  # seconds into the hour
    order: int
    kind: str = field(compare=False)  # answer | change | comment | results staff | results admin
    call: Callable[[], Awaitable[Any]] = field(compare=False)


@dataclass
class Hour:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    peak: int = 0  # calls in flight at once, at most
    overlapped: int = 0  # calls started while another one ran
    wall: float = 0.0  # real seconds the hour took


async def play(clock: VirtualClock, events: list[Event]) -> Hour:
    """Start each event's call at its time; jump over the time when nothing runs."""
    hour = Hour()
    in_flight: set[asyncio.Task[None]] = set()

    async def run(event: Event) -> None:
        started = time.perf_counter()
        try:
            await event.call()
        except Exception as error:  # counted, shown in the table; the hour goes on
            hour.errors[f"{event.kind}: {type(error).__name__} {getattr(error, 'code', '')}"] += 1
            return
        hour.samples.setdefault(event.kind, []).append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    for event in sorted(events):
        while (gap := event.at - clock.seconds()) > 0:
            if not in_flight:
                clock.jump_to(event.at)
                break
            await asyncio.wait(in_flight, timeout=gap, return_when=asyncio.FIRST_COMPLETED)
        if in_flight:
            hour.overlapped += 1
        task = asyncio.create_task(run(event))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        hour.peak = max(hour.peak, len(in_flight))
    if in_flight:
        await asyncio.wait(in_flight)
    hour.wall = time.perf_counter() - started
    return hour


def arrivals(rng: random.Random, count: int, length: float) -> list[float]:
    """`count` arrivals of a Poisson process over `length` seconds (given how many came: the
    order statistics of uniform times)."""
    return sorted(rng.uniform(0, length) for _ in range(count))


@dataclass(frozen=True)
class Kind:
    """One consultation's kind and how members answer it."""

    name: str
    kind: ConsultationKind
    options: tuple[Option, ...] = ()
    max_choices: int = 1

    def choice(self, rng: random.Random, other_than: Any = None) -> Any:
        while True:
            if self.kind == ConsultationKind.POSITION:
                found: Any = rng.choices(list(POSITION_WEIGHTS), list(POSITION_WEIGHTS.values()))[
                    0
                ].value
            else:
                weights = [len(self.options) - i + 2 for i in range(len(self.options))]
                wanted = rng.randint(1, self.max_choices)
                picked: set[int] = set()
                while len(picked) < wanted:
                    picked.add(rng.choices(range(len(self.options)), weights)[0])
                found = sorted(picked)
            if found != other_than:
                return found


KINDS = (
    Kind("position", ConsultationKind.POSITION),
    Kind(
        "priorities",
        ConsultationKind.PRIORITIES,
        tuple(Option(uk) for uk in PRIORITIES),
        max_choices=3,
    ),
)


def hour_events(
    service: ConsultationService,
    consultation_id: int,
    kind: Kind,
    answering: Sequence[int],
    rng: random.Random,
    rush: float,
) -> list[Event]:
    """Each answering member's answer; a change of mind for ~15 %, a comment added later for
    ~20 % ("with amendments" always carries one); staff and an admin opening the live results
    every minute. `rush` compresses the hour (the same calls at `rush` times the pace)."""
    length = HOUR / rush
    events: list[Event] = []

    def add(at: float, name: str, call: Callable[[], Awaitable[Any]]) -> None:
        events.append(Event(at, len(events), name, call))

    def press(member: int, choice: Any, comment: str | None) -> Callable[[], Awaitable[Any]]:
        return lambda: service.answer(
            member, consultation_id, choice, comment, request_key=f"bench:{uuid.uuid4().hex}"
        )

    def comment_call(member: int, comment: str) -> Callable[[], Awaitable[Any]]:
        return lambda: service.set_comment(
            member, consultation_id, comment, request_key=f"bench:{uuid.uuid4().hex}"
        )

    def needs_comment(choice: Any) -> str | None:
        return rng.choice(COMMENTS) if choice == Position.AMEND.value else None

    for member, at in zip(answering, arrivals(rng, len(answering), length), strict=True):
        choice = kind.choice(rng)
        add(at, "answer", press(member, choice, needs_comment(choice)))
        if rng.random() < 0.15:
            later = rng.uniform(at, length)
            other = kind.choice(rng, other_than=choice)
            add(later, "change", press(member, other, needs_comment(other)))
        if rng.random() < 0.20:
            later = at + rng.expovariate(1 / 180) / rush  # some after the hour: it stays open
            add(later, "comment", comment_call(member, rng.choice(COMMENTS)))
    for minute in range(1, int(HOUR // 60) + 1):
        at = minute * 60 / rush
        # What the live window reads: the figures and comments, not the answers themselves.
        for name, viewer in (("results staff", STAFF_ID), ("results admin", ADMIN_ID)):
            add(
                at,
                name,
                lambda v=viewer: service.results(consultation_id, v, with_rows=False),
            )
    return events


# ------------------------------------------------------------------------ measuring


@dataclass
class Figure:
    backend: str
    consultation: str
    operation: str
    samples: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    statements: int | None = None
    detail: str = ""


def figure(
    backend: str,
    consultation: str,
    operation: str,
    samples: list[float],
    statements: int | None = None,
    detail: str = "",
) -> Figure:
    return Figure(
        backend,
        consultation,
        operation,
        len(samples),
        round(report_bench.percentile(samples, 0.5), 1),
        round(report_bench.percentile(samples, 0.95), 1),
        round(max(samples), 1),
        statements,
        detail,
    )


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return (time.perf_counter() - started) * 1000, result


async def repeated(
    counter: StatementCounter, repeats: int, call: Callable[[], Awaitable[Any]]
) -> tuple[list[float], int, Any]:
    """`repeats` timings of `call` run alone, the statements of one, and its last result."""
    samples, statements, result = [], 0, None
    for _ in range(repeats):
        before = counter.count
        elapsed, result = await timed(call)
        statements = counter.count - before
        samples.append(elapsed)
    return samples, statements, result


def renderers() -> Any:
    """The summary's text, chart and spreadsheet (dialogs/consultation_result_texts.py), when
    this checkout has them."""
    try:
        import dialogs.consultation_result_texts as texts
        from bot.services.consultation_chart import render_results_chart
        from bot.services.consultation_export import results_workbook
    except ImportError:
        return None
    return texts, render_results_chart, results_workbook


async def consultation_run(
    backend: str,
    db: Database,
    population: Population,
    kind: Kind,
    answers: int,
    rush: float,
    rng: random.Random,
    log: Callable[[str], None],
) -> list[Figure]:
    figures: list[Figure] = []
    counter = StatementCounter(db)
    oblasts = load_oblasts(CONTENT_DIR / "oblasts.yaml")
    clock = VirtualClock(datetime.now(UTC))
    service = ConsultationService(
        db, frozenset({ADMIN_ID}), oblast_codes=[o.code for o in oblasts], clock=clock.now
    )
    label = kind.name

    def add(operation: str, samples: list[float], statements: int | None, detail: str) -> None:
        figures.append(figure(backend, label, operation, samples, statements, detail))

    # Composing: one transaction writes the consultation, its broadcast and the outbox.
    draft = ConsultationDraft(
        title=f"Бюджетний кодекс: позиція громад ({label})",
        question_uk=QUESTION,
        kind=kind.kind,
        closes_at=clock.now() + timedelta(days=2),
        options=kind.options,
        max_choices=kind.max_choices,
        audience=Audience(),
    )
    before = counter.count
    elapsed, view = await timed(lambda: service.create(ADMIN_ID, "Секретаріат", draft))
    add("create", [elapsed], counter.count - before, f"{len(population.telegram_ids)} asked")

    # The hour.
    answering = rng.sample(population.telegram_ids, answers)
    events = hour_events(service, view.id, kind, answering, rng, rush)
    before = counter.count
    hour = await play(clock, events)
    calls = sum(len(s) for s in hour.samples.values()) + sum(hour.errors.values())
    log(
        f"{backend} {label}: the hour ({len(events)} calls) played in {hour.wall:.1f} s, "
        f"{(counter.count - before) / max(calls, 1):.1f} statements a call on average"
    )
    member_calls = [*hour.samples.get("answer", []), *hour.samples.get("change", [])]
    member_calls += hour.samples.get("comment", [])
    busy = f"{len(member_calls) / hour.wall:.0f} member calls/s over the hour's {hour.wall:.0f} s"
    for name in ("answer", "change", "comment", "results staff", "results admin"):
        if hour.samples.get(name):
            detail = busy if name == "answer" else ""
            if name == "answer":
                detail += f"; peak {hour.peak} calls at once, {hour.overlapped} overlapped"
            add(f"hour: {name}", hour.samples[name], None, detail)
    for error, count in sorted(hour.errors.items()):
        log(f"{backend} {label}: {count} × {error}")

    # One call of each alone: its time without the others and its SQL statements.
    asked = set(answering)
    spare = next(m for m in population.telegram_ids if m not in asked)

    def press() -> Awaitable[Any]:
        return service.answer(spare, view.id, kind.choice(rng), COMMENTS[1])

    for name, call in (
        ("alone: answer (new)", press),
        ("alone: answer (change)", press),
        ("alone: comment", lambda: service.set_comment(spare, view.id, COMMENTS[0])),
    ):
        samples, statements, _ = await repeated(counter, 1, call)
        add(name, samples, statements, "")
    for name, viewer, rows in (
        ("staff, window", STAFF_ID, False),
        ("staff, spreadsheet", STAFF_ID, True),
        ("admin, window", ADMIN_ID, False),
        ("admin, spreadsheet", ADMIN_ID, True),
    ):
        samples, statements, results = await repeated(
            counter,
            SUMMARY_REPEATS,
            lambda v=viewer, r=rows: service.results(view.id, v, with_rows=r),
        )
        detail = (
            f"{results.answered} answered of {results.asked}, "
            f"{len(results.rows or ())} rows, {len(results.comments)} comments"
        )
        add(f"results: {name}, at the end", samples, statements, detail)

    # Closing and the final summary.
    before = counter.count
    elapsed, closed = await timed(lambda: service.close(view.id, actor_telegram_id=ADMIN_ID))
    add("close", [elapsed], counter.count - before, "closed" if closed else "NOT closed")
    samples, statements, summary = await repeated(
        counter, SUMMARY_REPEATS, lambda: service.summary(view.id)
    )
    respondents = summary.respondents
    add(
        "summary (aggregate)",
        samples,
        statements,
        f"{respondents.members} verified from {respondents.hromadas} hromadas, "
        f"{respondents.unverified} unverified",
    )
    samples, statements, group = await repeated(
        counter, SUMMARY_REPEATS, lambda: service.summary_for(view.id, [STAFF_OF])
    )
    add(f"summary for {STAFF_OF}'s group", samples, statements, f"{len(group.rows or ())} rows")

    found = renderers()
    if found is None:
        log("summary text, chart and XLSX: not in this checkout, not measured")
        return figures
    texts, render_chart, workbook = found
    t = Translations().get("uk")
    names = Names.of(load_report_rules(), oblasts, load_associations())
    for name, make, unit in (
        ("summary text", lambda: texts.render_results(t, group, names, KYIV, final=True), "chars"),
        ("summary chart", lambda: render_chart(texts.results_chart_data(t, group, names)), "KB"),
        ("summary XLSX", lambda: workbook(t, group, names, KYIV), "KB"),
    ):
        samples, made = [], None
        for _ in range(3):
            started = time.perf_counter()
            made = make()
            samples.append((time.perf_counter() - started) * 1000)
        size = len(made) if unit == "chars" else len(made) // 1024
        add(name, samples, None, f"{size} {unit}")
    return figures


async def run_backend(
    backend: str, url: str, sizes: list[int], log: Callable[[str], None]
) -> list[Figure]:
    members, answers, rush = sizes
    db = Database.from_url(url)
    rng = random.Random(SEED)
    figures: list[Figure] = []
    try:
        await upgrade(db.engine)
        await sync_associations(db, load_associations())
        started = time.perf_counter()
        population = await seed(db, rng, members, datetime.now(UTC))
        log(
            f"{backend}: {members} members from {population.hromadas} hromadas seeded in "
            f"{time.perf_counter() - started:.1f} s"
        )
        for kind in KINDS:
            figures += await consultation_run(
                backend, db, population, kind, answers, rush, rng, log
            )
    finally:
        await db.close()
    return figures


def print_table(figures: list[Figure]) -> None:
    print(
        f"{'backend':<11} {'kind':<10} {'operation':<30} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'SQL':>4}  detail"
    )
    for f in figures:
        statements = "" if f.statements is None else str(f.statements)
        print(
            f"{f.backend:<11} {f.consultation:<10} {f.operation:<30} {f.samples:>4} "
            f"{f.p50_ms:>8.1f} {f.p95_ms:>8.1f} {f.max_ms:>8.1f} {statements:>4}  {f.detail}"
        )


async def main_async(args: argparse.Namespace) -> list[Figure]:
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.answers > args.members - 1:
        raise SystemExit("--answers must leave at least one member who does not answer")
    if renderers() is not None:  # the first chart would pay for importing matplotlib
        started = time.perf_counter()
        import matplotlib.pyplot  # noqa: F401

        log(f"matplotlib import: {(time.perf_counter() - started) * 1000:.0f} ms")
    if args.gc_freeze:  # what the bot could do once started: older objects never scanned again
        gc.collect()
        gc.freeze()
    sizes = [args.members, args.answers, args.rush]
    return await report_bench.on_both_backends("consultations", run_backend, sizes, args, log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000, help="members asked (5000)")
    parser.add_argument("--answers", type=int, default=3000, help="members answering (3000)")
    parser.add_argument(
        "--rush",
        type=float,
        default=1.0,
        help="the same answers at this many times the pace (the hour in 60/RUSH minutes)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_CONSULT_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="its public schema is dropped and recreated (never `test`)",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() after the imports: no full collection rescans the modules' objects",
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
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
