"""`hromada-bot sandbox`: the real bot process, the built-in Bot API emulator and the page that
plays every persona, in one command, with nothing leaving this computer.

Self-contained: the bot process gets only the settings chosen here (a fixed sandbox token, the
emulator's URL, a SQLite file in the data dir, no Redis, no webhook); the user's environment and
`.env` do not reach it (BotProcess drops every setting it inherits, and it runs in the data dir).
On the first start the database is seeded (bot/sandbox/seed.py) and the seeded records' cards are
posted to the staff groups at once by one pass of the cards sweep; a marker file then says the
seed is done, so a restart keeps the data and a seed cut short is done again. The bot process is
restarted with a growing pause when it dies; Ctrl+C or SIGTERM stops it (SIGTERM first), then the
page and the emulator, and the command exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import signal
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Literal

from aiohttp import web
from pydantic import SecretStr

from bot.app import Content, create_bot, create_card_poster
from bot.emulator import BotProcess, FakeTelegram
from bot.sandbox.personas import PERSONAS, STAFF_GROUPS, persona
from bot.sandbox.seed import EXAMPLE_MEMBERS, SeedSummary, seed
from bot.settings import Settings
from storage.db import Database

SANDBOX_TOKEN = "100000001:SANDBOX-nothing-leaves-this-computer"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = Path("var") / "sandbox"
DATABASE_FILE = "bot.sqlite3"
EMULATOR_FILE = "telegram.json"
LOG_FILE = "bot.log"
SEED_MARKER = "seeded"
SQLITE_SIDES = ("-wal", "-shm", "-journal")
# The bot process: the pause before a restart doubles from the first to the last; a run longer
# than STABLE_RUN seconds starts the count again. STOP_TIMEOUT: SIGTERM, then SIGKILL.
RESTART_FIRST_DELAY = 1.0
RESTART_MAX_DELAY = 30.0
STABLE_RUN = 60.0
STOP_TIMEOUT = 8.0
POLLING_TIMEOUT = 120.0

BotStatus = Literal["starting", "running", "restarting", "stopped"]


@dataclass(frozen=True)
class SandboxOptions:
    """What `hromada-bot sandbox` was given; `host` None means loopback (no warning)."""

    host: str | None = None
    port: int = DEFAULT_PORT
    data_dir: Path = DEFAULT_DATA_DIR

    @property
    def bind_host(self) -> str:
        return self.host or DEFAULT_HOST


def is_loopback(host: str) -> bool:
    """Whether only this computer can reach `host` (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / DATABASE_FILE}"


class Sandbox:
    """The bot process and its data for one data dir; the page's SandboxHooks."""

    def __init__(
        self, data_dir: Path, emulator: FakeTelegram, content: Content, out: IO[str]
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.emulator = emulator
        self.content = content
        self.out = out
        self.admin_id = persona("admin").user_id
        self._status: BotStatus = "starting"
        self._process: BotProcess | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ the page's hooks

    def status(self) -> dict[str, object]:
        return {"bot": self._status, "data_dir": str(self.data_dir)}

    async def reset(self) -> None:
        """Stop the bot, forget every chat and record, seed again, start the bot."""
        async with self._lock:
            self._status = "starting"
            await self.stop_bot()
            self.emulator.reset()
            for name in (SEED_MARKER, DATABASE_FILE, *(DATABASE_FILE + s for s in SQLITE_SIDES)):
                (self.data_dir / name).unlink(missing_ok=True)
            await self._prepare()
            self.start_bot()
        self._say("reset: the example data is back and the bot started again")

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Seed on the first start, post the seeded cards, then start the bot process."""
        async with self._lock:
            await self._prepare()
            self.start_bot()

    async def close(self) -> None:
        """Stop the bot process (SIGTERM, SIGKILL after STOP_TIMEOUT seconds)."""
        await self.stop_bot()
        self._status = "stopped"

    async def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _introduce(self.emulator)
        marker = self.data_dir / SEED_MARKER
        if marker.exists() and (self.data_dir / DATABASE_FILE).exists():
            return
        db = Database.from_url(_database_url(self.data_dir))
        try:
            summary = await seed(db, self.content)
            await self._post_missing_cards(db)
        finally:
            await db.close()
        marker.write_text(f"{datetime.now(UTC).isoformat()}\n", encoding="utf-8")
        self._say(_describe(summary))

    async def _post_missing_cards(self, db: Database) -> None:
        """The seeded records' staff-group cards, posted now by one pass of the cards sweep
        (as the bot's own sweep would after its grace), through the emulator."""
        from bot.services.card_sweep import CardSweeper

        assert self.emulator.base_url is not None
        # Built from these values alone: the user's environment and .env play no part.
        settings = Settings.model_construct(
            bot_token=SecretStr(SANDBOX_TOKEN),
            telegram_api_url=self.emulator.base_url,
            admin_ids=frozenset({self.admin_id}),
        )
        bot = create_bot(settings)
        try:
            poster = create_card_poster(bot, settings, db, self.content)
            await CardSweeper(db, poster, grace=timedelta(0)).sweep()
        finally:
            await bot.session.close()

    def _bot_process(self) -> BotProcess:
        assert self.emulator.base_url is not None
        return BotProcess(
            self.emulator.base_url,
            _database_url(self.data_dir),
            admin_ids=[self.admin_id],
            token=SANDBOX_TOKEN,
            workdir=self.data_dir,
            cwd=self.data_dir,  # no .env of the user's is read
            log_path=self.data_dir / LOG_FILE,
        )

    def start_bot(self) -> None:
        """Run the bot process in the background, started again whenever it dies."""
        self._supervisor = asyncio.create_task(self._supervise())

    async def stop_bot(self) -> None:
        """Stop the bot process and its restarts."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if self._process is not None:
            await self._process.stop(timeout=STOP_TIMEOUT)
            self._process = None

    async def _supervise(self) -> None:
        """Run the bot process; when it dies, start it again after a pause that grows."""
        loop = asyncio.get_running_loop()
        delay = RESTART_FIRST_DELAY
        while True:
            self._status = "starting"
            self.emulator.reset_polling_flag()
            process = self._process = self._bot_process()
            started = loop.time()
            try:
                await process.start()
            except OSError as error:
                code = f"not started: {error}"
            else:
                polling = asyncio.create_task(self._wait_polling())
                try:
                    code = f"exit code {await process.wait()}"
                finally:
                    polling.cancel()
            if loop.time() - started > STABLE_RUN:
                delay = RESTART_FIRST_DELAY
            self._status = "restarting"
            self._say(
                f"the bot process stopped ({code}); starting it again in "
                f"{delay:.0f} s. Its log: {process.log_path}"
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RESTART_MAX_DELAY)

    async def _wait_polling(self) -> None:
        with contextlib.suppress(AssertionError):
            await self.emulator.wait_polling(timeout=POLLING_TIMEOUT)
            self._status = "running"

    def _say(self, line: str) -> None:
        print(f"sandbox: {line}", file=self.out, flush=True)


def _introduce(emulator: FakeTelegram) -> None:
    """The emulator knows the personas, the example members (their private chats with the bot,
    where the announcement arrives) and the staff groups; it keeps no users across restarts."""
    people = [
        *((p.user_id, p.first_name, p.last_name, p.language_code, p.phone) for p in PERSONAS),
        *((m.telegram_id, m.first_name, m.last_name, m.locale, m.phone) for m in EXAMPLE_MEMBERS),
    ]
    for user_id, first_name, last_name, language, phone in people:
        user = emulator.user(
            user_id, first_name, last_name, language_code=language, phone_number=phone
        )
        user.chat  # noqa: B018 - the private chat with the bot exists, as for a real member
    for group in STAFF_GROUPS:
        emulator.group(group.chat_id, group.title)


def _describe(summary: SeedSummary) -> str:
    return (
        f"first start: example data created ({summary.members} members, "
        f"{len(summary.reports)} reports, {len(summary.questions)} questions, "
        f"{len(summary.broadcasts)} announcement), their cards posted to the staff groups"
    )


def _page_url(host: str, port: int) -> str:
    shown = DEFAULT_HOST if host in ("0.0.0.0", "::", "") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


async def run_sandbox(options: SandboxOptions, out: IO[str] = sys.stdout) -> int:
    """Serve the sandbox until Ctrl+C or SIGTERM; 0, or 2 when the page cannot listen."""
    from bot.sandbox.web import create_sandbox_app

    data_dir = options.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    content = Content.load()
    # keep_requests=False: a sandbox runs for days; the request log would only grow.
    emulator = FakeTelegram(keep_requests=False, state_path=data_dir / EMULATOR_FILE)
    await emulator.start()
    sandbox = Sandbox(data_dir, emulator, content, out)
    runner = web.AppRunner(
        create_sandbox_app(
            emulator, hooks=sandbox, allowed_hosts=[options.host] if options.host else ()
        ),
        access_log=None,
        shutdown_timeout=1.0,
    )
    await runner.setup()
    host = options.bind_host
    try:
        await web.TCPSite(runner, host, options.port).start()
    except OSError as error:
        await runner.cleanup()
        await emulator.stop()
        if error.errno == errno.EADDRINUSE:
            why = "the port is in use. Choose another with --port (or stop the program using it)"
        else:
            why = f"{error.strerror or error}. Check --host and --port"
        print(
            f"sandbox: cannot listen on {host}:{options.port}: {why}.",
            file=sys.stderr,
            flush=True,
        )
        return 2
    port = _bound_port(runner, options.port)
    stop = _stop_event()
    print(
        f"Sandbox: the real bot with a built-in Telegram emulator; nothing leaves this computer.\n"
        f"  Open {_page_url(host, port)} in a browser.\n"
        f"  Data: {sandbox.data_dir} (the bot's log: {LOG_FILE}; the Reset button starts over).\n"
        f"  Stop with Ctrl+C.",
        file=out,
        flush=True,
    )
    if not is_loopback(host):
        print(
            f"WARNING: the sandbox listens on {host}: anyone who can reach this address can act "
            "as every persona (heads, officers, the admin) and reset the data.",
            file=out,
            flush=True,
        )
    try:
        starting = asyncio.create_task(sandbox.start())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()
            await stopping
        else:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
    finally:
        await sandbox.close()
        await runner.cleanup()
        await emulator.stop()
    print("sandbox: stopped", file=out, flush=True)
    return 0


def _bound_port(runner: web.AppRunner, default: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return default


def _stop_event() -> asyncio.Event:
    """An event SIGTERM and SIGINT (Ctrl+C) set."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on Windows: KeyboardInterrupt
            loop.add_signal_handler(sig, stop.set)
    return stop
