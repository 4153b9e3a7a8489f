"""Registration throughput of the real bot process over HTTP, against the fake Telegram server.

N simulated members register at once (each one step after another, all of them concurrently).
The same harness first drives a bare aiogram echo bot with as many updates (the ceiling) and the
same registration written as the smallest aiogram-dialog bot (the floor), then that floor bot with
our durable dialog state (`dialog_floor_bot.py --durable`: `storage.fsm.SqlStorage`, nothing else
of ours) and the real bot, each on SQLite and on PostgreSQL; last, each bot's start-up is timed
from launch to its first getUpdates.

    .venv/bin/python benchmarks/registration.py [--members N] [--concurrency C] [--json]
    .venv/bin/python benchmarks/registration.py --only floor,floor-sqlite,sqlite --startups 0

See benchmarks/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psutil

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.emulator import BotProcess, FakeTelegram, FakeUser  # noqa: E402
from bot.emulator.process import DEFAULT_TOKEN  # noqa: E402

ECHO_SCRIPT = Path(__file__).resolve().parent / "echo_bot.py"
FLOOR_SCRIPT = Path(__file__).resolve().parent / "dialog_floor_bot.py"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
UPDATES_PER_MEMBER = 10
FIRST_MEMBER_ID = 700_000_001
# Bot API calls that count as "the bot answered the update" (the first one after it).
ANSWER_METHODS = (
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "editMessageMedia",
    "sendPhoto",
    "sendDocument",
    "answerCallbackQuery",
)
_TOOK_RE = re.compile(r"update=(\d+) .*took=([\d.]+)ms")
_STATEMENTS_RE = re.compile(r"^hromada_db_statements_total ([\d.e+]+)$", re.M)


# --------------------------------------------------------------------------- the timed fake


class TimedTelegram(FakeTelegram):
    """FakeTelegram that times each update from enqueuing to the bot's first answer to it.

    Members act one step at a time, so each chat has at most one update waiting for an answer.
    It also notes when the first getUpdates arrives (`first_poll`), for the start-up time.
    """

    def __init__(self) -> None:
        super().__init__(keep_requests=False)
        self.first_poll: float | None = None  # perf_counter() of the first getUpdates
        # chat id -> (update type, callback query id or None, when enqueued)
        self.pending: dict[int, tuple[str, str | None, float]] = {}
        self.latencies: list[float] = []  # seconds
        self.by_kind: dict[str, list[float]] = {}  # "message" / "callback_query" -> seconds
        self.pushed = 0
        for name in ANSWER_METHODS:
            key = name.lower()
            self._handlers[key] = self._timed(key, self._handlers[key])
        get_updates = self._handlers["getupdates"]

        async def polled(token: str, params: dict[str, Any], files: Any) -> Any:
            if self.first_poll is None:
                self.first_poll = time.perf_counter()
            return await get_updates(token, params, files)

        self._handlers["getupdates"] = polled

    def reset_measurements(self) -> None:
        self.pending.clear()
        self.latencies.clear()
        self.by_kind.clear()
        self.pushed = 0

    def _push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat") or {}
        if "id" in chat:
            query_id = payload.get("id") if kind == "callback_query" else None
            self.pending[chat["id"]] = (kind, query_id, time.perf_counter())
        self.pushed += 1
        return super()._push_update(kind, payload)

    def _timed(self, method: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        async def timed(token: str, params: dict[str, Any], files: Any) -> Any:
            now = time.perf_counter()
            query_id = None
            if method == "answercallbackquery":
                query_id = str(params.get("callback_query_id"))
                query = self._callbacks.get(query_id)
                chat_id: Any = query.chat_id if query else None
            else:
                chat_id = params.get("chat_id")
            waiting = self.pending.get(chat_id) if isinstance(chat_id, int) else None
            # a late answer to the previous button press does not answer the new update
            if waiting is not None and (query_id is None or query_id == waiting[1]):
                del self.pending[chat_id]
                kind, _, started = waiting
                self.latencies.append(now - started)
                self.by_kind.setdefault(kind, []).append(now - started)
            return await handler(token, params, files)

        return timed


# --------------------------------------------------------------------------- the members


@dataclass(frozen=True)
class Step:
    action: str  # send | click | reply | contact
    target: str  # text to send, or a regex of the button
    expect: str  # regex of the bot message to wait for; "button:<text>"; "answer" (callback)


REGISTRATION = (
    Step("send", "/start", "Оберіть мову"),
    Step("click", "Українська", "Згода на обробку"),
    Step("click", "Погоджуюся", "Як до вас звертатися"),
    Step("send", "Олена Петренко", "Оберіть вашу посаду"),
    Step("click", "^Голова громади$", "Оберіть область"),
    Step("click", "Вінницька", "Надішліть назву вашої громади"),
    Step("send", "Іллінецька", "Членом яких асоціацій"),
    Step("click", "ВАГ$", "button:✅ ВАГ"),
    Step("click", "Далі", "Останній крок"),
    Step("reply", "Поділитися номером", "Реєстрацію завершено"),
)
# The same mix of 4 messages and 6 button presses, for the echo bot.
ECHO = (
    Step("send", "/start", "^echo: /start$"),
    Step("click", "Далі", "answer"),
    Step("click", "Далі", "answer"),
    Step("send", "Олена Петренко", "^echo: Олена Петренко$"),
    Step("click", "Далі", "answer"),
    Step("click", "Далі", "answer"),
    Step("send", "Іллінецька", "^echo: Іллінецька$"),
    Step("click", "Далі", "answer"),
    Step("click", "Далі", "answer"),
    Step("contact", "", "^contact "),
)
assert len(REGISTRATION) == len(ECHO) == UPDATES_PER_MEMBER


async def run_member(user: FakeUser, steps: tuple[Step, ...], timeout: float) -> list[float]:  # noqa: ASYNC109
    """Walk the steps; returns each step's time from acting to seeing the expected answer."""
    durations: list[float] = []
    for step in steps:
        started = time.perf_counter()
        query_id = None
        if step.action == "send":
            await user.send(step.target)
        elif step.action == "click":
            query_id = await user.click(step.target)
        elif step.action == "reply":
            await user.press_reply_button(step.target)
        else:
            await user.send_contact()
        if step.expect == "answer":
            assert query_id is not None
            await user.wait_answer(query_id, timeout=timeout)
        elif step.expect.startswith("button:"):
            text = step.expect.removeprefix("button:")

            def shown(text: str = text) -> bool | None:
                return True if text in user.buttons() else None

            try:
                await user.server._wait_until(shown, timeout)
            except TimeoutError:
                raise AssertionError(f"no button {text!r} within {timeout}s") from None
        else:
            await user.wait_for(step.expect, timeout=timeout)
        durations.append(time.perf_counter() - started)
    return durations


# --------------------------------------------------------------------------- process sampling


class Sampler:
    """Peak RSS of a process and its children, sampled every 50 ms in a thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _rss(self) -> int:
        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return int(total)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._rss())
            except psutil.Error:
                return
            self._stop.wait(self.interval)

    def cpu_seconds(self) -> float:
        return sum(self.cpu_times())

    async def settle(
        self, window: float = 0.25, idle_share: float = 0.05, limit: float = 15.0
    ) -> float:
        """Wait until the process is idle (below `idle_share` of a core over `window` seconds),
        at most `limit` seconds; the seconds waited. The bot builds its knowledge-search index
        on a worker thread once it is polling: that start-up work is not a cost per update."""
        started = time.perf_counter()
        before = self.cpu_seconds()
        while time.perf_counter() - started < limit:
            await asyncio.sleep(window)
            after = self.cpu_seconds()
            if after - before < window * idle_share:
                break
            before = after
        return time.perf_counter() - started

    def cpu_times(self) -> tuple[float, float]:
        """User and system CPU seconds of the process and its children."""
        try:
            times = self.process.cpu_times()
            user, system = times.user, times.system
            for child in self.process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child_times = child.cpu_times()
                    user += child_times.user
                    system += child_times.system
            return float(user), float(system)
        except psutil.Error:
            return 0.0, 0.0


# --------------------------------------------------------------------------- profiling


async def start_py_spy(
    profile_dir: Path | None, backend: str, pid: int
) -> tuple[asyncio.subprocess.Process, Path] | None:
    """py-spy sampling the bot during the measured phase (collapsed stacks), if asked for."""
    if profile_dir is None:
        return None
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        print("--profile: py-spy is not installed in this virtualenv", file=sys.stderr)
        return None
    profile_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - before measuring
    path = profile_dir / (re.sub(r"[^a-z]+", "-", backend.lower()).strip("-") + ".txt")
    process = await asyncio.create_subprocess_exec(
        str(spy),
        "record",
        "--pid",
        str(pid),
        "--rate",
        "100",
        "--nonblocking",  # do not pause the bot to sample it
        "--threads",  # each stack starts with its thread: profile_summary.py picks the main one
        "--format",
        "raw",
        "--output",
        str(path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.sleep(0.5)  # let it attach
    return process, path


async def stop_py_spy(process: asyncio.subprocess.Process, path: Path) -> str:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        process.kill()
        await process.wait()
    return str(path)


# --------------------------------------------------------------------------- the bot's metrics


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now (for the bot's METRICS_PORT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def scrape_statements(port: int) -> int:
    """hromada_db_statements_total from the bot's /metrics."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            text = await response.text()
    except (aiohttp.ClientError, TimeoutError) as error:
        raise AssertionError(f"the bot's /metrics on port {port}: {error!r}") from None
    match = _STATEMENTS_RE.search(text)
    if match is None:
        raise AssertionError("no hromada_db_statements_total in the bot's /metrics")
    return int(float(match.group(1)))


# --------------------------------------------------------------------------- one run


@dataclass
class Result:
    backend: str
    members: int
    updates: int = 0
    wall_s: float = 0.0
    updates_per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    step_p50_ms: float = 0.0
    step_p95_ms: float = 0.0
    dispatch_p50_ms: float = 0.0
    dispatch_p95_ms: float = 0.0
    peak_rss_mb: float = 0.0
    bot_cpu_s: float = 0.0
    cpu_ms_per_update: float = 0.0
    bot_cpu_system_s: float = 0.0  # of bot_cpu_s, the kernel's share (system calls)
    # SQL statements the bot sent during the measured phase (hromada_db_statements_total);
    # None for the echo and plain floor bots, which have no database
    statements: int | None = None
    statements_per_update: float | None = None
    harness_cpu_s: float = 0.0
    completed: int = 0
    failed: int = 0
    violations: int = 0
    share_of_echo: float | None = None
    # CPU per update as a multiple of the dialog floor bot's
    of_floor: float | None = None
    # our bot's CPU per update as a multiple of the floor bot's with durable state on the same
    # database: what our bot costs beyond keeping its dialog state durable
    of_durable_floor: float | None = None
    # seconds from launching the process to its first getUpdates, one per fresh start
    startups_s: list[float] = field(default_factory=list)
    startup_median_s: float | None = None
    startup_min_s: float | None = None
    # seconds from launching the process to the first line in its log (median), if it logged
    first_log_median_s: float | None = None
    # p50/p95 handling latency (ms) by update type, and the bot's first answering method
    by_kind_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    profile: str | None = None
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of values, 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def dispatch_times(log: str, first_update_id: int) -> list[float]:
    """The bot's own `took=` figures (UpdateLogMiddleware) of the measured updates, in seconds."""
    return [
        float(m.group(2)) / 1000
        for m in _TOOK_RE.finditer(log)
        if int(m.group(1)) >= first_update_id
    ]


async def run_backend(
    backend: str,
    *,
    argv: list[str] | None,
    database_url: str,
    steps: tuple[Step, ...],
    members: int,
    concurrency: int,
    step_timeout: float,
    run_timeout: float,
    workdir: Path,
    profile_dir: Path | None = None,
    metrics: bool = False,
) -> Result:
    """One fresh bot process and fake server: a warm-up member, then the measured members.

    `metrics`: the bot serves /metrics, and its SQL statements are counted."""
    result = Result(backend=backend, members=members)
    server = TimedTelegram()
    base_url = await server.start()
    port = free_port() if metrics else None
    process = bot_process(base_url, database_url, argv, workdir, port)
    sampler: Sampler | None = None
    try:
        await process.start()
        assert process.process is not None
        sampler = Sampler(process.process.pid)
        sampler.start()
        await server.wait_polling(timeout=60)

        # one member first, not counted: imports, caches and connections warm up
        warm = server.user(FIRST_MEMBER_ID - 1, first_name="Олена", last_name="Петренко")
        await asyncio.wait_for(run_member(warm, steps, step_timeout), run_timeout)
        await sampler.settle()
        server.reset_measurements()
        first_update_id = next(server._update_ids)  # the warm-up's ids are below this one

        users = [
            server.user(FIRST_MEMBER_ID + i, first_name="Олена", last_name="Петренко")
            for i in range(members)
        ]
        limit = asyncio.Semaphore(concurrency if concurrency > 0 else members)
        step_times: list[float] = []

        async def member(user: FakeUser) -> None:
            async with limit:
                step_times.extend(await run_member(user, steps, step_timeout))

        spy = await start_py_spy(profile_dir, backend, process.process.pid)
        statements_before = await scrape_statements(port) if port else 0
        user_before, system_before = sampler.cpu_times()
        harness_before = time.process_time()
        started = time.perf_counter()
        tasks = [asyncio.ensure_future(member(user)) for user in users]
        done, pending = await asyncio.wait(tasks, timeout=run_timeout)
        result.wall_s = time.perf_counter() - started
        user_after, system_after = sampler.cpu_times()
        result.bot_cpu_s = user_after - user_before + system_after - system_before
        result.bot_cpu_system_s = system_after - system_before
        result.harness_cpu_s = time.process_time() - harness_before
        if port:
            result.statements = await scrape_statements(port) - statements_before
        if spy is not None:
            result.profile = await stop_py_spy(*spy)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            error = task.exception()
            if error is None:
                result.completed += 1
            elif len(result.errors) < 3:
                result.errors.append(str(error)[:500])
        result.failed = members - result.completed
        if pending:
            result.errors.append(f"{len(pending)} members still running after {run_timeout}s")

        result.updates = server.pushed
        result.updates_per_s = result.updates / result.wall_s if result.wall_s else 0.0
        if result.updates:
            result.cpu_ms_per_update = result.bot_cpu_s / result.updates * 1000
            if result.statements is not None:
                result.statements_per_update = result.statements / result.updates
        result.p50_ms = percentile(server.latencies, 50) * 1000
        result.p95_ms = percentile(server.latencies, 95) * 1000
        result.step_p50_ms = percentile(step_times, 50) * 1000
        result.step_p95_ms = percentile(step_times, 95) * 1000
        took = dispatch_times(process.log_text(), first_update_id)
        result.dispatch_p50_ms = percentile(took, 50) * 1000
        result.dispatch_p95_ms = percentile(took, 95) * 1000
        result.violations = len(server.violations)
        result.by_kind_ms = {
            kind: {"p50": percentile(values, 50) * 1000, "p95": percentile(values, 95) * 1000}
            for kind, values in server.by_kind.items()
        }
    except (AssertionError, TimeoutError) as error:
        result.errors.append(f"{type(error).__name__}: {str(error)[:500]}")
        result.failed = members - result.completed
        tail = process.log_text()[-2000:]
        if tail:
            result.errors.append("bot log tail:\n" + tail)
    finally:
        if sampler is not None:
            sampler.stop()
            result.peak_rss_mb = sampler.peak / 2**20
        await process.stop(timeout=10)
        await server.stop()
    return result


def bot_process(
    base_url: str, database_url: str, argv: list[str] | None, workdir: Path, port: int | None
) -> BotProcess:
    """The bot (or `argv`) pointed at the fake server, in `workdir`, METRICS_PORT=`port`."""
    extra_env = {
        "PYTHONPATH": str(REPO),  # cwd is the temp dir, so `bot` comes from here
        "PYTHONDONTWRITEBYTECODE": "1",  # nothing written into the repository
        # The benchmark types its hromada as free text: no codifier in its database.
        "CODIFIER_IMPORT_ON_START": "false",
    }
    if port is not None:
        extra_env["METRICS_PORT"] = str(port)
    return BotProcess(
        base_url,
        database_url,
        token=DEFAULT_TOKEN,
        workdir=workdir,
        argv=argv,
        cwd=workdir,  # no .env of the repository is read, no var/ created there
        extra_env=extra_env,
    )


async def measure_startups(
    result: Result,
    *,
    argv: list[str] | None,
    database_url: str,
    workdir: Path,
    metrics: bool,
    starts: int,
) -> None:
    """Launch the bot `starts` times against its already migrated database; each time, the
    seconds to its first getUpdates (and to its first log line) go into `result`."""
    server = TimedTelegram()
    base_url = await server.start()
    first_logs: list[float] = []
    try:
        for _ in range(starts):
            server.first_poll = None
            process = bot_process(
                base_url, database_url, argv, workdir, free_port() if metrics else None
            )
            launched = time.perf_counter()
            await process.start()
            first_log = None
            try:
                deadline = launched + 120
                while server.first_poll is None:
                    if first_log is None and process.log_path.stat().st_size:
                        first_log = time.perf_counter() - launched
                    if not process.running or time.perf_counter() > deadline:
                        tail = process.log_text()[-1500:]
                        raise AssertionError(f"no getUpdates after a start; log tail:\n{tail}")
                    await asyncio.sleep(0.01)
                result.startups_s.append(server.first_poll - launched)
                if first_log is not None:
                    first_logs.append(first_log)
            finally:
                await process.stop(timeout=10)
    except AssertionError as error:
        result.errors.append(f"start-up: {str(error)[:2000]}")
    finally:
        await server.stop()
    if result.startups_s:
        result.startup_median_s = statistics.median(result.startups_s)
        result.startup_min_s = min(result.startups_s)
    if first_logs:
        result.first_log_median_s = statistics.median(first_logs)


# --------------------------------------------------------------------------- PostgreSQL


async def reset_postgres(url: str) -> None:
    """Create the database if missing and empty its `public` schema (the bot migrates it)."""
    import asyncpg

    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    database = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", database):
        raise ValueError(f"unexpected database name {database!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    admin = await asyncpg.connect(admin_url, timeout=5)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(urlunsplit(parts), timeout=5)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


# --------------------------------------------------------------------------- report

Column = tuple[str, str, str]  # title, Result attribute, format

COLUMNS: tuple[Column, ...] = (
    ("backend", "backend", "{}"),
    ("members", "members", "{}"),
    ("updates", "updates", "{}"),
    ("wall s", "wall_s", "{:.2f}"),
    ("updates/s", "updates_per_s", "{:.1f}"),
    ("p50 ms", "p50_ms", "{:.1f}"),
    ("p95 ms", "p95_ms", "{:.1f}"),
    ("step p50", "step_p50_ms", "{:.1f}"),
    ("step p95", "step_p95_ms", "{:.1f}"),
    ("peak RSS MB", "peak_rss_mb", "{:.1f}"),
    ("bot CPU s", "bot_cpu_s", "{:.2f}"),
    ("CPU ms/upd", "cpu_ms_per_update", "{:.2f}"),
    ("stmts/upd", "statements_per_update", "{:.1f}"),
    ("of echo", "share_of_echo", "{:.0%}"),
    ("of floor", "of_floor", "{:.2f}x"),
    ("of durable", "of_durable_floor", "{:.2f}x"),
    ("failed", "failed", "{}"),
)
STARTUP_COLUMNS: tuple[Column, ...] = (
    ("backend", "backend", "{}"),
    ("starts", "startups_s", "{}"),
    ("start-up s", "startup_median_s", "{:.2f}"),
    ("min s", "startup_min_s", "{:.2f}"),
    ("first log line s", "first_log_median_s", "{:.2f}"),
)


def table(results: list[Result], columns: tuple[Column, ...] = COLUMNS) -> str:
    rows = [[title for title, _, _ in columns]]
    for result in results:
        if result.skipped:
            rows.append([result.backend, f"skipped: {result.skipped}"])
            continue
        row = []
        for _, key, fmt in columns:
            value = getattr(result, key)
            if isinstance(value, list):
                value = len(value)
            row.append("-" if value is None else fmt.format(value))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows if len(row) > i) for i in range(len(columns))]
    lines = []
    for row in rows:
        if len(row) < len(columns):
            lines.append(f"{row[0]:<{widths[0]}}  {row[1]}")
            continue
        cells = [
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


RUNS = ("echo", "floor", "floor-sqlite", "floor-postgres", "sqlite", "postgres")


def _runs(text: str) -> tuple[str, ...]:
    runs = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in runs if name not in RUNS]
    if unknown or not runs:
        raise argparse.ArgumentTypeError(f"runs are {', '.join(RUNS)}, not {text!r}")
    return runs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100, help="simulated members (100)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=0,
        help="at most this many members registering at once (0: all of them, the default)",
    )
    parser.add_argument(
        "--skip-postgres", action="store_true", help="skip the PostgreSQL runs (floor and bot)"
    )
    parser.add_argument(
        "--only",
        type=_runs,
        default=RUNS,
        metavar="RUN[,RUN]",
        help=f"only these runs, of {','.join(RUNS)} (for A/B comparisons of one backend)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a database this benchmark may wipe (default %(default)s; never the tests' one)",
    )
    parser.add_argument(
        "--step-timeout", type=float, default=30, help="seconds one step may take (30)"
    )
    parser.add_argument(
        "--run-timeout", type=float, default=180, help="seconds one backend's run may take (180)"
    )
    parser.add_argument(
        "--startups",
        type=int,
        default=3,
        metavar="N",
        help="after each run, time N fresh starts to the first getUpdates (3; 0: none)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir (bot logs, SQLite file)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample each bot with py-spy during the measured phase; collapsed stacks into DIR",
    )
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> list[Result]:
    workdir = Path(tempfile.mkdtemp(prefix="hromada-bench-"))
    common: dict[str, Any] = {
        "members": args.members,
        "concurrency": args.concurrency,
        "step_timeout": args.step_timeout,
        "run_timeout": args.run_timeout,
        "profile_dir": args.profile,
    }
    log = sys.stderr
    results: list[Result] = []

    async def run(
        backend: str,
        argv: list[str] | None,
        database_url: str,
        steps: tuple[Step, ...],
        name: str,
        *,
        metrics: bool,
    ) -> Result:
        """The measured run, then the start-ups against the database it left migrated.
        `metrics`: the bot has a database and counts its statements at /metrics."""
        print(f"{backend}: {args.members} members ...", file=log)
        result = await run_backend(
            backend,
            argv=argv,
            database_url=database_url,
            steps=steps,
            workdir=workdir / name,
            metrics=metrics,
            **common,
        )
        if args.startups:
            print(f"{backend}: {args.startups} start-ups ...", file=log)
            await measure_startups(
                result,
                argv=argv,
                database_url=database_url,
                workdir=workdir / name,
                metrics=metrics,
                starts=args.startups,
            )
        results.append(result)
        return result

    async def postgres_ready(backend: str) -> bool:
        """An empty PostgreSQL database for the run; else a skipped result says why not."""
        if args.skip_postgres:
            results.append(Result(backend, args.members, skipped="--skip-postgres"))
            return False
        try:
            await asyncio.wait_for(reset_postgres(args.postgres_url), 20)
        except Exception as error:  # any reason means "not reachable"
            reason = f"PostgreSQL not reachable at {args.postgres_url}: {error!r}"
            print(reason, file=log)
            results.append(Result(backend, args.members, skipped=reason))
            return False
        return True

    def sqlite_url(name: str) -> str:
        return f"sqlite+aiosqlite:///{workdir / name / 'bench.sqlite3'}"

    no_database = "sqlite+aiosqlite:///unused.sqlite3"
    floor_argv = [sys.executable, str(FLOOR_SCRIPT)]
    durable_floor_argv = [*floor_argv, "--durable"]
    echo: Result | None = None
    floor: Result | None = None
    # the floor bot with durable state, by database: what our bot on it is compared with
    durable_floors: dict[str, Result] = {}
    sqlite: Result | None = None
    postgres: Result | None = None
    try:
        if "echo" in args.only:
            echo = await run(
                "echo (ceiling)",
                [sys.executable, str(ECHO_SCRIPT)],
                no_database,
                ECHO,
                "echo",
                metrics=False,
            )
        if "floor" in args.only:
            floor = await run(
                "dialog floor (aiogram-dialog, memory)",
                floor_argv,
                no_database,
                REGISTRATION,
                "floor",
                metrics=False,
            )
        if "floor-sqlite" in args.only:
            durable_floors["sqlite"] = await run(
                "floor + durable state, SQLite",
                durable_floor_argv,
                sqlite_url("floor-sqlite"),
                REGISTRATION,
                "floor-sqlite",
                metrics=True,
            )
        if "sqlite" in args.only:
            sqlite = await run(
                "bot, SQLite", None, sqlite_url("sqlite"), REGISTRATION, "sqlite", metrics=True
            )
        backend = "floor + durable state, PostgreSQL"
        if "floor-postgres" in args.only and await postgres_ready(backend):
            durable_floors["postgres"] = await run(
                backend,
                durable_floor_argv,
                args.postgres_url,
                REGISTRATION,
                "floor-postgres",
                metrics=True,
            )
        backend = "bot, PostgreSQL"
        if "postgres" in args.only and await postgres_ready(backend):
            postgres = await run(
                backend, None, args.postgres_url, REGISTRATION, "postgres", metrics=True
            )
    finally:
        if args.keep:
            print(f"logs and data kept in {workdir}", file=log)
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)

    for result in results:
        if result.skipped:
            continue
        if echo is not None and echo.updates_per_s:
            result.share_of_echo = result.updates_per_s / echo.updates_per_s
        if floor is not None and floor.cpu_ms_per_update:
            result.of_floor = result.cpu_ms_per_update / floor.cpu_ms_per_update
    for database, ours in (("sqlite", sqlite), ("postgres", postgres)):
        durable_floor = durable_floors.get(database)
        if ours is not None and durable_floor is not None and durable_floor.cpu_ms_per_update:
            ours.of_durable_floor = ours.cpu_ms_per_update / durable_floor.cpu_ms_per_update
    return results


def cli() -> int:
    args = parse_args()
    if args.members < 1:
        raise SystemExit("--members must be at least 1")
    if args.startups < 0:
        raise SystemExit("--startups must be 0 or more")
    if urlsplit(args.postgres_url).path.lstrip("/") == "test":
        raise SystemExit("refusing to wipe the test suite's database `test`; use another one")
    results = asyncio.run(main(args))
    if args.json:
        print(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2))
    else:
        print(table(results))
        if args.startups:
            print(
                f"\nstart-up: from launching the process to its first getUpdates "
                f"({args.startups} fresh starts each, database already migrated; median, min)"
            )
            print(table(results, STARTUP_COLUMNS))
        for result in results:
            for error in result.errors:
                print(f"\n{result.backend}: {error}")
            if result.violations:
                print(f"\n{result.backend}: {result.violations} Bot API requests were rejected")
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(cli())
