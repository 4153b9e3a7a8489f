"""Announcements to 5,000 members against the fake Bot API server in its limits mode (30 sends/s
overall, 1/s per chat, 2 % of chats answering 403, 1 % of sends failing with 5xx): our
BroadcastSender over a real database, and aiogram-broadcaster (PyPI) beside it; each normally and
killed twice mid-run.

    .venv/bin/python benchmarks/broadcasts.py [--recipients 5000] [--database-url URL] [--json]

See benchmarks/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.emulator.server import FakeTelegram, SendLimits  # noqa: E402

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuv"
SEED = 20_261_129
AUTHOR_ID = 700_000_001  # the staff member (an admin) who confirmed the announcement
FIRST_CHAT = 300_000_000
EN_SHARE = 0.2  # members who chose English
RATE = 25.0  # our configured rate, messages per second (BROADCAST_RATE's default)
KILL_AT = (0.3, 0.6)  # shares of the recipients handled when the sender is killed

TEXT_UK = (
    "<b>Засідання правління асоціації</b> відбудеться у четвер о 10:00 в онлайн-форматі.\n\n"
    "Порядок денний: зміни до Бюджетного кодексу щодо розподілу ПДФО, відновлення "
    "критичної інфраструктури громад, співфінансування проєктів у системі DREAM. "
    "Пропозиції до порядку денного просимо надіслати до середи."
)
TEXT_EN = (
    "<b>The association's board meets</b> on Thursday at 10:00, online.\n\n"
    "Agenda: changes to the Budget Code on the personal income tax split, restoring the "
    "hromadas' critical infrastructure, co-financing of projects in the DREAM system. "
    "Please send proposals for the agenda by Wednesday."
)


def fake_limits() -> SendLimits:
    """The issue's faults: 2 % of chats answer 403 (1.5 % blocked, 0.5 % deactivated), 1 % of
    sends fail with 500/502; 30 sends/s overall and 1/s per chat."""
    return SendLimits(
        global_per_second=30,
        per_chat_per_second=1,
        forbidden_share=0.015,
        deactivated_share=0.005,
        server_error_share=0.01,
        seed=SEED,
        exempt_chats=frozenset({AUTHOR_ID}),
    )


def member_chats(count: int) -> list[int]:
    return [FIRST_CHAT + index for index in range(count)]


def member_locale(chat_id: int) -> str:
    return "en" if random.Random(f"{SEED}:locale:{chat_id}").random() < EN_SHARE else "uk"


# ------------------------------------------------------------------------------ results


@dataclass
class Figures:
    """One run, as counted by the fake server and by the sender itself."""

    name: str
    recipients: int
    wall_s: float = 0.0
    # from the first to the last send request the fake saw
    sending_s: float = 0.0
    delivered_per_s: float = 0.0
    attempts_per_s: float = 0.0
    # chats holding at least one copy (fake server)
    delivered: int = 0
    # chats whose 403 the sender recorded as unreachable (ours) / 403 answers (peer)
    unreachable: int = 0
    # the sender's own count of failures (ours: FAILED rows; peer: its FAILED chats)
    failed: int = 0
    # ours: rows left UNCERTAIN after a kill; how many of them the fake did deliver
    uncertain: int = 0
    uncertain_delivered: int = 0
    # reachable chats (no 403 fault) that got no copy at all
    lost: int = 0
    duplicates: int = 0
    duplicate_copies: int = 0
    wrong_language: int = 0
    too_many: int = 0
    too_many_global: int = 0
    server_errors: int = 0
    kills: int = 0
    sender_view: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def share_of_rate(self) -> float:
        return self.delivered_per_s / RATE


def count_chats(fake: FakeTelegram, chats: Sequence[int], figures: Figures) -> dict[int, int]:
    """Copies per chat in the fake; fills delivered / duplicates / lost / wrong language."""
    copies: dict[int, int] = {}
    for chat_id in chats:
        messages = fake.chats[chat_id].bot_messages()
        copies[chat_id] = len(messages)
        if len(messages) > 1:
            figures.duplicates += 1
            figures.duplicate_copies += len(messages) - 1
        if messages and figures.name.startswith("ours"):
            english = messages[0]["text"].startswith("📢 Announcement")
            if english != (member_locale(chat_id) == "en"):
                figures.wrong_language += 1
        if not messages and fake.chat_fault(chat_id) is None:
            figures.lost += 1
    figures.delivered = sum(1 for n in copies.values() if n)
    stats = fake.limit_stats
    figures.too_many = stats.too_many
    figures.too_many_global = stats.too_many_global
    figures.server_errors = stats.server_errors
    delivered = sum(1 for _, chat in stats.deliveries if chat != AUTHOR_ID)
    if stats.first_request_at is not None and stats.last_request_at is not None:
        # from the first send request to the last one, whatever their answers
        figures.sending_s = stats.last_request_at - stats.first_request_at
    if figures.sending_s > 0:
        figures.delivered_per_s = delivered / figures.sending_s
        figures.attempts_per_s = (delivered + stats.forbidden) / figures.sending_s
    return copies


async def new_fake(chats: Sequence[int]) -> FakeTelegram:
    fake = FakeTelegram(limits=fake_limits(), keep_requests=False)
    await fake.start()
    fake.user(AUTHOR_ID, first_name="Оксана").chat  # noqa: B018 - the author's private chat
    for chat_id in chats:
        user = fake.user(chat_id, first_name="Голова", language_code=member_locale(chat_id))
        user.chat  # noqa: B018 - every member pressed Start once
    return fake


def handled(fake: FakeTelegram) -> int:
    """Recipients answered for so far: delivered or refused for good (403)."""
    stats = fake.limit_stats
    return stats.accepted + stats.forbidden


def attempted(fake: FakeTelegram) -> int:
    stats = fake.limit_stats
    return stats.accepted + stats.forbidden + stats.too_many + stats.server_errors


# ------------------------------------------------------------------------------ child processes


class Child:
    """A sender run as a subprocess of this script, so that it can be SIGKILLed."""

    def __init__(self, argv: list[str], log_path: Path) -> None:
        self.argv = argv
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        for name in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "TELEGRAM_API_URL", "ADMIN_IDS"):
            env.pop(name, None)
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            *self.argv,
            cwd=str(REPO),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        log.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        if self.running:
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        if not self.running:
            return
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            await self.kill()

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


async def run_with_kills(
    start: Callable[[], Child],
    fake: FakeTelegram,
    recipients: int,
    finished: Callable[[Child], Any],
    *,
    kills: Sequence[float],
    progress: Callable[[FakeTelegram], int],
    timeout: float,  # noqa: ASYNC109
    log: Callable[[str], None],
) -> tuple[float, int]:
    """Start a sender, SIGKILL it when `progress` passes each share in `kills` (starting a new
    one at once), and wait until `finished`; returns (wall seconds, kills done)."""
    started = time.perf_counter()
    child = start()
    await child.start()
    pending = list(kills)
    done_kills = 0
    while True:
        if await finished(child):
            break
        if time.perf_counter() - started > timeout:
            await child.kill()
            raise RuntimeError(f"no end within {timeout:.0f} s; last log lines:\n{child.tail()}")
        if pending and progress(fake) >= pending[0] * recipients:
            pending.pop(0)
            await child.kill()
            done_kills += 1
            log(f"  killed (SIGKILL) at {progress(fake)} of {recipients}; restarting")
            child = start()
            await child.start()
        await asyncio.sleep(0.05)
    wall = time.perf_counter() - started
    await child.stop()
    return wall, done_kills


# ------------------------------------------------------------------------------ ours


async def seed_ours(url: str, chats: Sequence[int]) -> int:
    """A fresh schema, the members (verified, mixed locales, associations, oblasts) and one
    confirmed announcement to all of them; returns the broadcast id."""
    from sqlalchemy import insert, select

    from bot.content import CONTENT_DIR, load_associations
    from bot.i18n import Translations
    from bot.services.associations import sync_associations
    from bot.services.broadcasts import Announcement, Audience, BroadcastService
    from bot.services.hromadas import load_oblasts
    from bot.services.members import ROLES
    from dialogs.announcement_texts import announcement_renderer
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import Association, Member, MemberAssociation

    if url.startswith("postgresql"):
        from reports import reset_postgres  # benchmarks/reports.py

        await reset_postgres(url)
    db = Database.from_url(url)
    try:
        await upgrade(db.engine)
        associations = load_associations()
        await sync_associations(db, associations)
        oblasts = [o.code for o in load_oblasts(CONTENT_DIR / "oblasts.yaml")]
        rng = random.Random(SEED)
        now = datetime.now(UTC)
        async with db.transaction() as session:
            ids = {
                code: i
                for i, code in (
                    await session.execute(select(Association.id, Association.code))
                ).all()
            }
            members, links = [], []
            for index, chat_id in enumerate(chats, 1):
                members.append(
                    {
                        "id": index,
                        "telegram_id": chat_id,
                        "full_name": f"Член асоціації {index}",
                        "role": rng.choice(ROLES),
                        "oblast_code": rng.choice(oblasts),
                        "hromada_text": "Громада",
                        "locale": member_locale(chat_id),
                        "verification": "verified",
                        "reachable": True,
                        "announcements_muted": False,
                        "registered_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                for code in rng.sample(sorted(ids), rng.choice((1, 1, 1, 2))):
                    links.append({"member_id": index, "association_id": ids[code]})
            for start in range(0, len(members), 2000):
                await session.execute(insert(Member), members[start : start + 2000])
            for start in range(0, len(links), 2000):
                await session.execute(insert(MemberAssociation), links[start : start + 2000])
        service = BroadcastService(
            db,
            frozenset({AUTHOR_ID}),
            render=announcement_renderer(Translations(), associations),
        )
        progress = await service.create(
            AUTHOR_ID,
            "Оксана",
            Announcement(
                text_uk=TEXT_UK,
                text_en=TEXT_EN,
                attachment_kind=None,
                attachment_file_id=None,
                attachment_name=None,
                urgent=False,
                audience=Audience(),
            ),
            progress_chat_id=AUTHOR_ID,
            progress_locale="uk",
        )
        assert progress.total == len(chats), (progress.total, len(chats))
        return progress.broadcast_id
    finally:
        await db.close()


async def outbox_rows(url: str, broadcast_id: int) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from storage.db import Database
    from storage.models import BroadcastDelivery

    db = Database.from_url(url)
    try:
        async with db.transaction() as session:
            rows = await session.execute(
                select(BroadcastDelivery.chat_id, BroadcastDelivery.status).where(
                    BroadcastDelivery.broadcast_id == broadcast_id
                )
            )
            return [(int(chat), str(status)) for chat, status in rows.all()]
    finally:
        await db.close()


async def run_ours(
    args: argparse.Namespace, kills: Sequence[float], workdir: Path, log: Callable[[str], None]
) -> Figures:
    from bot.services.broadcasts import BroadcastService
    from storage.db import Database

    name = "ours, killed twice" if kills else "ours"
    chats = member_chats(args.recipients)
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / f'ours-{len(kills)}.sqlite3'}"
    log(f"{name}: seeding {len(chats)} members and the announcement")
    broadcast_id = await seed_ours(url, chats)
    fake = await new_fake(chats)
    db = Database.from_url(url)
    service = BroadcastService(db, frozenset({AUTHOR_ID}))
    runs = 0

    def start() -> Child:
        nonlocal runs
        runs += 1
        assert fake.base_url is not None
        argv = ["--sender-child", "--api-url", fake.base_url, "--database-url", url]
        argv += ["--rate", str(args.rate), "--lease-seconds", str(args.lease_seconds)]
        return Child(argv, workdir / f"ours-{len(kills)}-{runs}.log")

    async def finished(child: Child) -> bool:
        if not child.running:
            raise RuntimeError(f"the sender exited by itself:\n{child.tail()}")
        progress = await service.progress(broadcast_id)
        return progress.remaining == 0 and progress.status == "done"

    try:
        log(f"{name}: sending to {len(chats)} at {args.rate:g}/s")
        wall, done_kills = await run_with_kills(
            start,
            fake,
            len(chats),
            finished,
            kills=kills,
            progress=handled,
            timeout=args.run_timeout,
            log=log,
        )
        figures = Figures(name, len(chats), wall_s=wall, kills=done_kills)
        copies = count_chats(fake, chats, figures)
        rows = await outbox_rows(url, broadcast_id)
        view: dict[str, int] = {}
        for chat_id, status in rows:
            view[status] = view.get(status, 0) + 1
            if status == "uncertain" and copies.get(chat_id):
                figures.uncertain_delivered += 1
        figures.sender_view = view
        figures.unreachable = view.get("unreachable", 0)
        figures.failed = view.get("failed", 0)
        figures.uncertain = view.get("uncertain", 0)
        english = sum(1 for c in chats if member_locale(c) == "en")
        figures.notes.append(
            f"language: {figures.wrong_language} copies in the wrong language "
            f"({english} English-speaking members)"
        )
        missed = [c for c, s in rows if s == "sent" and not copies.get(c)]
        if missed:
            figures.notes.append(f"{len(missed)} rows SENT but no copy in the fake")
        wrongly = [c for c, s in rows if s == "unreachable" and fake.chat_fault(c) is None]
        if wrongly:
            figures.notes.append(f"{len(wrongly)} reachable chats marked unreachable")
        if fake.violations:
            figures.notes.append(f"Bot API violations: {fake.violations[:3]}")
        return figures
    finally:
        await db.close()
        await fake.stop()


async def sender_child(args: argparse.Namespace) -> None:
    """One sender process: the real BroadcastSender over the benchmark's database, built as
    `python -m bot run` builds it (its own Bot without the app's retry middleware, the lease)."""
    from bot.content import load_associations
    from bot.i18n import Translations
    from delivery.broadcast_sender import BroadcastSender, create_sender_bot
    from storage.db import Database

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    bot = create_sender_bot(TOKEN, args.api_url)
    db = Database.from_url(args.database_url)
    sender = BroadcastSender(
        bot,
        db,
        Translations(),
        load_associations(),
        rate=args.rate,
        lease_ttl=args.lease_seconds,
        lease_renew=max(1.0, args.lease_seconds / 6),
        admin_ids=frozenset({AUTHOR_ID}),
    )
    running = asyncio.create_task(sender.run())
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        await asyncio.wait(
            [running, asyncio.create_task(stopping.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        await sender.stop()
        await running
    finally:
        await bot.session.close()
        await db.close()


# ------------------------------------------------------------------------------ aiogram-broadcaster


async def run_peer(
    args: argparse.Namespace,
    name: str,
    *,
    interval: float | None,
    storage: bool,
    kills: Sequence[float],
    workdir: Path,
    log: Callable[[str], None],
) -> Figures:
    chats = member_chats(args.recipients)
    fake = await new_fake(chats)
    tag = name.replace(" ", "-").replace(",", "").replace("/", "")
    chats_file = workdir / f"{tag}-chats.json"
    write_json(chats_file, chats)
    summary = workdir / f"{tag}-summary.json"
    storage_url = f"sqlite+aiosqlite:///{workdir / f'{tag}.sqlite3'}" if storage else ""
    runs = 0

    def start() -> Child:
        nonlocal runs
        runs += 1
        assert fake.base_url is not None
        argv = ["--peer-child", "--api-url", fake.base_url, "--chats-file", str(chats_file)]
        argv += ["--summary", str(summary), "--peer-storage", storage_url]
        if interval is not None:
            argv += ["--peer-interval", str(interval)]
        return Child(argv, workdir / f"{tag}-{runs}.log")

    async def finished(child: Child) -> bool:
        if child.running:
            return False
        assert child.process is not None
        if child.process.returncode != 0:
            raise RuntimeError(f"aiogram-broadcaster exited with an error:\n{child.tail()}")
        return True

    try:
        log(f"{name}: sending to {len(chats)}")
        wall, done_kills = await run_with_kills(
            start,
            fake,
            len(chats),
            finished,
            kills=kills,
            progress=attempted,
            timeout=args.run_timeout,
            log=log,
        )
        figures = Figures(name, len(chats), wall_s=wall, kills=done_kills)
        count_chats(fake, chats, figures)
        view = read_json(summary) if summary.exists() else {}
        figures.sender_view = view
        figures.failed = int(view.get("failed", 0))
        figures.unreachable = fake.limit_stats.forbidden
        if fake.violations:
            figures.notes.append(f"Bot API violations: {fake.violations[:3]}")
        return figures
    finally:
        await fake.stop()


async def peer_child(args: argparse.Namespace) -> None:
    """aiogram-broadcaster 0.6.8 as its README sets it up: a Broadcaster over a plain aiogram Bot
    (here pointed at the fake with TelegramAPIServer), a TextContent mailer over the chats, its
    SQLAlchemy storage when asked; a restarted process restores and resumes the stored mailer."""
    from aiogram import Bot, F
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram_broadcaster import Broadcaster, MailerStatus
    from aiogram_broadcaster.contents import TextContent
    from aiogram_broadcaster.intervals import SimpleInterval
    from aiogram_broadcaster.mailer.chats import ChatState

    session = AiohttpSession(api=TelegramAPIServer.from_base(args.api_url))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    storage = None
    if args.peer_storage:
        from aiogram_broadcaster.storages.sqlalchemy import SQLAlchemyStorage

        storage = SQLAlchemyStorage.from_url(args.peer_storage)
        await storage.startup()
    broadcaster = Broadcaster(bot, storage=storage)
    try:
        if storage is not None:
            await broadcaster.restore_mailers()
        if not broadcaster.mailers:
            chats = read_json(args.chats_file)
            interval = None
            if args.peer_interval is not None:
                interval = SimpleInterval(interval=args.peer_interval)
            await broadcaster.create_mailer(
                chats=chats,
                content=TextContent(text=render_for_peer()),
                interval=interval,
            )
        for mailer in broadcaster.get_mailers(F.status.is_(MailerStatus.STOPPED)):
            await mailer.start()
        summary: dict[str, int] = {"success": 0, "failed": 0, "pending": 0}
        for mailer in broadcaster.mailers.values():
            summary["success"] += len(mailer.chats.registry[ChatState.SUCCESS])
            summary["failed"] += len(mailer.chats.registry[ChatState.FAILED])
            summary["pending"] += len(mailer.chats.registry[ChatState.PENDING])
        write_json(args.summary, summary)
    finally:
        await bot.session.close()
        if storage is not None:
            await storage.shutdown()


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_json(path: str | Path, data: Any) -> None:
    Path(path).write_text(json.dumps(data), encoding="utf-8")


def render_for_peer() -> str:
    """The Ukrainian announcement exactly as our members get it (aiogram-broadcaster sends one
    text to every chat)."""
    from bot.content import load_associations
    from bot.i18n import Translations
    from bot.services.broadcasts import Announcement, Audience
    from dialogs.announcement_texts import render_announcement

    item = Announcement(TEXT_UK, TEXT_EN, None, None, None, False, Audience())
    return render_announcement(item, "uk", Translations(), load_associations())


# ------------------------------------------------------------------------------ report

COLUMNS = (
    ("run", 26),
    ("time s", 7),
    ("sent/s", 7),
    ("of 25/s", 8),
    ("delivered", 10),
    ("unreach.", 9),
    ("failed", 7),
    ("uncertain", 10),
    ("lost", 5),
    ("dupl.", 6),
    ("429s", 6),
    ("5xx", 5),
)


def table(results: Sequence[Figures]) -> str:
    header = "  ".join(
        f"{title:<{width}}" if i == 0 else f"{title:>{width}}"
        for i, (title, width) in enumerate(COLUMNS)
    )
    lines = [header]
    for f in results:
        uncertain = f"{f.uncertain} ({f.uncertain_delivered}✓)" if f.uncertain else "0"
        if not f.name.startswith("ours"):
            uncertain = "—"
        values = (
            f.name,
            f"{f.wall_s:.1f}",
            f"{f.delivered_per_s:.1f}",
            f"{f.share_of_rate:.0%}",
            str(f.delivered),
            str(f.unreachable),
            str(f.failed),
            uncertain,
            str(f.lost),
            str(f.duplicates),
            str(f.too_many),
            str(f.server_errors),
        )
        lines.append(
            "  ".join(
                f"{v:<{w}}" if i == 0 else f"{v:>{w}}"
                for i, (v, (_, w)) in enumerate(zip(values, COLUMNS, strict=True))
            )
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> list[Figures]:
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="bench-broadcasts-") as tmp:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        plan: list[tuple[str, Callable[[], Any]]] = []
        if not args.skip_ours:
            plan.append(("ours", lambda: run_ours(args, (), workdir, log)))
            if not args.skip_kills:
                plan.append(("ours-kills", lambda: run_ours(args, KILL_AT, workdir, log)))
        if not args.skip_peer:
            plan.append(
                (
                    "peer-default",
                    lambda: run_peer(
                        args,
                        "aiogram-broadcaster",
                        interval=None,
                        storage=False,
                        kills=(),
                        workdir=workdir,
                        log=log,
                    ),
                )
            )
            interval = round(1 / args.rate, 4)
            plan.append(
                (
                    "peer-paced",
                    lambda: run_peer(
                        args,
                        f"aiogram-b., {interval:g} s, db",
                        interval=interval,
                        storage=True,
                        kills=(),
                        workdir=workdir,
                        log=log,
                    ),
                )
            )
            if not args.skip_kills:
                plan.append(
                    (
                        "peer-kills",
                        lambda: run_peer(
                            args,
                            "aiogram-b., killed twice",
                            interval=interval,
                            storage=True,
                            kills=KILL_AT,
                            workdir=workdir,
                            log=log,
                        ),
                    )
                )
        for _, run in plan:
            figures = await run()
            results.append(figures)
            log(table([figures]).splitlines()[1])
            for note in figures.notes:
                log(f"  note: {note}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=RATE, help="our configured rate, msg/s")
    parser.add_argument(
        "--database-url",
        default=None,
        help="our database (default: a new SQLite file per run); a PostgreSQL database is "
        "emptied (its public schema dropped) before each run",
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=30.0,
        help="our sender's lease (BROADCAST_LEASE_SECONDS): how long a killed sender's hold "
        "lasts before the restarted one takes over",
    )
    parser.add_argument("--skip-ours", action="store_true")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-kills", action="store_true")
    parser.add_argument("--run-timeout", type=float, default=1200, help="seconds per run")
    parser.add_argument("--keep", default=None, help="keep logs and databases in this directory")
    parser.add_argument("--json", action="store_true", help="the figures as JSON on stdout")
    # the child processes
    parser.add_argument("--sender-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--peer-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--chats-file", help=argparse.SUPPRESS)
    parser.add_argument("--summary", help=argparse.SUPPRESS)
    parser.add_argument("--peer-storage", default="", help=argparse.SUPPRESS)
    parser.add_argument("--peer-interval", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender_child:
        asyncio.run(sender_child(args))
        return
    if args.peer_child:
        asyncio.run(peer_child(args))
        return
    started = time.perf_counter()
    results = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps([asdict(f) for f in results], ensure_ascii=False, indent=1))
        return
    print()
    print(table(results))
    for f in results:
        if f.sender_view:
            print(f"{f.name}: the sender's own count {f.sender_view}")
        for note in f.notes:
            print(f"{f.name}: {note}")
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
