"""A day's traffic in one minute: the real bot process over HTTP against the fake Telegram server.

1,000 registered members (seeded through the services before the measured phase), of whom,
arriving over about 60 s: 300 receive an announcement and open it in News, 100 ask the knowledge
base a question, 50 file a report through the whole dialog, and 20 staff take a report card in
their staff group, change its status and reply. On SQLite, then PostgreSQL + Redis.

    .venv/bin/python benchmarks/day.py [--skip-postgres] [--json]

See benchmarks/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

# First: importing it puts the checkout on sys.path for `bot`, `dialogs` and `storage`.
from registration import REPO, Sampler, percentile, reset_postgres  # isort: skip

from aiohttp import ClientSession
from pydantic import SecretStr

from bot.app import Content, create_bot, migrate_and_sync
from bot.emulator import BotProcess, FakeTelegram, FakeUser
from bot.emulator.process import DEFAULT_TOKEN
from bot.emulator.server import FakeChat, visible_text
from bot.services.broadcasts import Announcement, Audience, BroadcastService
from bot.services.card_sweep import CardSweeper
from bot.services.hromadas import HromadaDirectory
from bot.services.members import MemberService, RegistrationForm
from bot.services.questions import QuestionService
from bot.services.reports import ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import VerificationService
from bot.settings import Settings
from delivery.card_sweep import TelegramCardPoster
from storage.db import Database
from storage.models import StaffRole

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_day"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
KB_QUESTIONS = REPO / "content" / "kb" / "examples" / "questions.yaml"
SEED = 20_261_204

ADMIN_ID = 799_000_001
FIRST_STAFF_ID = 790_000_001
FIRST_MEMBER_ID = 800_000_001
ASSOCIATIONS = ("vag", "aotg", "uaror")
GROUPS = {
    "vag": (-1_001_900_000_001, "ВАГ — секретаріат"),
    "aotg": (-1_001_900_000_002, "Асоціація ОТГ — секретаріат"),
    "uaror": (-1_001_900_000_003, "УАРОР — секретаріат"),
}
NEWS_OBLAST = "UA32000000000030281"  # Київська: the announcement's audience
OTHER_OBLAST = "UA05000000000010236"  # Вінницька: everyone else
KINDS = ("news", "kb", "report", "staff")

ANNOUNCEMENT = Announcement(
    text_uk=(
        "<b>Вебінар для голів громад: відновлення соціальної інфраструктури</b>\n\n"
        "Асоціації запрошують на онлайн-зустріч про те, як підготувати проєкт до DREAM і "
        "пройти відбір на фінансування. Запис буде доступний усім учасникам платформи."
    ),
    text_en=None,
    attachment_kind=None,
    attachment_file_id=None,
    attachment_name=None,
    urgent=False,
    audience=Audience(oblasts=(NEWS_OBLAST,)),
)
ANNOUNCEMENT_BODY = "Асоціації запрошують на онлайн-зустріч"

# Report dialog: category and urgency buttons, and titles made of a subject and a problem, so
# that few drafts look like another hromada's report (the similar-reports step is handled too).
CATEGORIES = ("Освіта", "Інфраструктура", "Енергетика", "Безпека", "Місцеві бюджети", "Інше")
URGENCIES = ("Звичайна", "Висока", "Критична")
SUBJECTS = (
    "опорна школа",
    "шкільний автобус",
    "міст через річку",
    "дорога між селами",
    "вуличне освітлення",
    "насосна станція водогону",
    "котельня ліцею",
    "трансформаторна підстанція",
    "укриття для мешканців",
    "сирена оповіщення",
    "амбулаторія сімейної медицини",
    "пожежна команда",
    "очисні споруди",
    "бібліотека",
)
PROBLEMS = (
    "пошкоджено внаслідок обстрілу",
    "не працює через відсутність електроенергії",
    "потребує термінового ремонту",
    "не фінансується з початку року",
    "залишилися без пального",
)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Actor:
    kind: str  # news | kb | report | staff
    user_id: int
    start_s: float  # arrival, seconds after the phase starts
    text: str = ""  # the question (kb), the report title (report), the reply (staff)
    card_reference: str = ""  # staff: the report whose card they handle


@dataclass(frozen=True)
class Plan:
    members: int
    news: int
    kb: int
    reports: int
    staff: int
    window_s: float
    seed: int
    solo: int  # actors of each kind run alone after the day, for CPU per update by kind
    think_s: float = 0.0  # a pause before each step, not counted in its time

    def member_id(self, index: int) -> int:
        return FIRST_MEMBER_ID + index

    def association(self, index: int) -> str:
        return ASSOCIATIONS[index % len(ASSOCIATIONS)]

    @property
    def staff_count(self) -> int:
        """Staff of the day, then of the solo runs, then the one who warms up."""
        return self.staff + self.solo + 1

    @property
    def warm_up_staff(self) -> int:
        return self.staff + self.solo

    @property
    def card_reporters(self) -> list[int]:
        """Idle members whose reports staff handle: one per staff member."""
        first = self.news + self.kb + self.reports
        return list(range(first, first + self.staff_count))

    @property
    def warm_up_members(self) -> dict[str, int]:
        """Member indexes (idle, after the card reporters) that walk each flow before measuring."""
        first = self.news + self.kb + self.reports + self.staff_count
        return {"news": first, "kb": first + 1, "report": first + 2}

    @property
    def solo_members(self) -> dict[str, list[int]]:
        """Member indexes of the solo runs: News again by the day's first readers; idle
        members for the rest."""
        first = self.news + self.kb + self.reports + self.staff_count + 3
        return {
            "news": list(range(min(self.solo, self.news))),
            "kb": list(range(first, first + self.solo)),
            "report": list(range(first + self.solo, first + 2 * self.solo)),
        }

    def staff_id(self, number: int) -> int:
        return FIRST_STAFF_ID + number

    def staff_association(self, number: int) -> str:
        return self.association(self.card_reporters[number])

    def check(self) -> None:
        needed = self.news + self.kb + self.reports + self.staff_count + 3 + 2 * self.solo
        if self.members < needed:
            raise SystemExit(f"--members must be at least {needed} for these counts")


def kb_questions(path: Path = KB_QUESTIONS) -> list[str]:
    """The Ukrainian questions of the knowledge-base test set, in scope and out of it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [*data["questions"], *data["out_of_scope"]]
    return [
        str(item["q"])
        for item in items
        if item.get("lang", "uk" if re.search("[а-яіїєґ]", str(item["q"]), re.I) else "en") == "uk"
    ]


def schedule(plan: Plan, references: list[str]) -> list[Actor]:
    """Everyone's arrival: uniform over the window with a fixed seed (Poisson arrivals given
    their count), in no order of kind."""
    rng = random.Random(plan.seed)
    questions = kb_questions()
    actors: list[Actor] = []
    for i in range(plan.news):
        actors.append(Actor("news", plan.member_id(i), 0.0))
    for i in range(plan.kb):
        index = plan.news + i
        actors.append(Actor("kb", plan.member_id(index), 0.0, text=rng.choice(questions)))
    for i in range(plan.reports):
        index = plan.news + plan.kb + i
        title = f"{rng.choice(SUBJECTS).capitalize()}: {rng.choice(PROBLEMS)} (№ {i + 1})"
        actors.append(Actor("report", plan.member_id(index), 0.0, text=title))
    for number in range(plan.staff):
        reply = f"Звернулися до Мінрегіону щодо звернення, чекаємо відповіді ({number + 1})."
        actors.append(
            Actor(
                "staff",
                plan.staff_id(number),
                0.0,
                text=reply,
                card_reference=references[number],
            )
        )
    return [
        Actor(a.kind, a.user_id, rng.uniform(0, plan.window_s), a.text, a.card_reference)
        for a in actors
    ]


# --------------------------------------------------------------------------- the fake


class CountingTelegram(FakeTelegram):
    """FakeTelegram that counts the updates it enqueues by the kind of the user who acted."""

    def __init__(self) -> None:
        super().__init__()
        self.kind_of: dict[int, str] = {}
        self.pushed: dict[str, int] = {}
        self.copy_at: dict[int, float] = {}  # chat id -> when the announcement's copy came

    def reset_counts(self) -> None:
        self.pushed.clear()

    def _push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        sender = (payload.get("from") or {}).get("id")
        who = self.kind_of.get(sender, "other") if isinstance(sender, int) else "other"
        self.pushed[who] = self.pushed.get(who, 0) + 1
        return super()._push_update(kind, payload)

    def _record_bot_message(
        self, token: str, chat: FakeChat, content: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        message = super()._record_bot_message(token, chat, content, params)
        if chat.id not in self.copy_at and ANNOUNCEMENT_BODY in visible_text(message):
            self.copy_at[chat.id] = time.perf_counter()
        return message


async def wait_event(
    user: FakeUser,
    chat: FakeChat,
    mark: int,
    predicate: Callable[[dict[str, Any]], bool],
    timeout: float,  # noqa: ASYNC109
    what: str,
) -> dict[str, Any]:
    """The first bot message of `chat` sent or edited after `mark` that satisfies `predicate`."""

    def find() -> dict[str, Any] | None:
        for seq, snapshot in chat.events:
            if seq > mark and predicate(snapshot):
                return snapshot
        return None

    try:
        found: dict[str, Any] = await user.server._wait_until(find, timeout)
    except TimeoutError:
        raise AssertionError(
            f"user {user.id}: no {what} within {timeout}s" + user._describe(chat)
        ) from None
    return found


def buttons_of(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [str(button.get("text", "")) for row in rows for button in row]


def has_button(pattern: str) -> Callable[[dict[str, Any]], bool]:
    regex = re.compile(pattern)
    return lambda message: any(regex.search(text) for text in buttons_of(message))


def has_text(pattern: str) -> Callable[[dict[str, Any]], bool]:
    regex = re.compile(pattern, re.S)
    return lambda message: bool(regex.search(visible_text(message)))


# --------------------------------------------------------------------------- the flows


class Steps:
    """Times each step of one actor: from acting to seeing what the next step needs."""

    def __init__(self, user: FakeUser, timeout: float, think: float = 0.0) -> None:
        self.user = user
        self.timeout = timeout
        self.think = think
        self.durations: list[float] = []

    async def step(
        self,
        act: Callable[[], Awaitable[Any]],
        predicate: Callable[[dict[str, Any]], bool],
        what: str,
        *,
        chat: FakeChat | None = None,
    ) -> dict[str, Any]:
        target = chat or self.user.chat
        if self.think:
            await asyncio.sleep(self.think)
        mark = self.user.server._seq
        started = time.perf_counter()
        await act()
        found = await wait_event(self.user, target, mark, predicate, self.timeout, what)
        self.durations.append(time.perf_counter() - started)
        return found

    async def answered(self, act: Callable[[], Awaitable[str]]) -> dict[str, Any]:
        if self.think:
            await asyncio.sleep(self.think)
        started = time.perf_counter()
        query_id = await act()
        answer = await self.user.wait_answer(query_id, timeout=self.timeout)
        self.durations.append(time.perf_counter() - started)
        return answer


async def open_menu(steps: Steps) -> dict[str, Any]:
    return await steps.step(lambda: steps.user.send("/menu"), has_button("Новини"), "main menu")


async def news_flow(steps: Steps, *, expect_item: bool = True) -> None:
    """/menu, News, the announcement, back to News: 4 updates (2 with no announcement yet)."""
    user = steps.user
    menu = await open_menu(steps)
    if not expect_item:
        await steps.step(
            lambda: user.click("Новини", message=menu), has_text("Новини"), "News (empty)"
        )
        return
    listing = await steps.step(
        lambda: user.click("Новини", message=menu), has_button("Вебінар"), "News with the item"
    )
    await steps.step(
        lambda: user.click("Вебінар", message=listing),
        has_text(ANNOUNCEMENT_BODY),
        "the announcement opened from News",
    )
    await steps.step(
        lambda: user.click("До новин", message=listing), has_button("Вебінар"), "News again"
    )


FIXED_KB_BUTTONS = re.compile("Надіслати запитання|Інше запитання|Головне меню")


async def kb_flow(steps: Steps, question: str) -> None:
    """/menu, the question, the first article found (if any): 2 or 3 updates."""
    user = steps.user
    await open_menu(steps)
    results = await steps.step(
        lambda: user.send(question),
        has_text("знайдено|Точної відповіді|відповіді немає"),
        "knowledge-base results",
    )
    hits = [text for text in buttons_of(results) if not FIXED_KB_BUTTONS.search(text)]
    if hits:
        await steps.step(
            lambda: user.click(re.escape(hits[0]), message=results),
            has_button("Корисно"),
            "the article",
        )


async def report_flow(steps: Steps, title: str, number: int) -> None:
    """The whole report dialog from /menu to the reference number: 12 or 13 updates."""
    user = steps.user
    menu = await open_menu(steps)
    category = CATEGORIES[number % len(CATEGORIES)]
    urgency = URGENCIES[number % len(URGENCIES)]
    description = (
        f"{title}. Громада звернулася до районної адміністрації, відповіді немає; "
        "просимо асоціацію допомогти з вирішенням питання."
    )
    await steps.step(
        lambda: user.click("Повідомити про проблему", message=menu), has_text("Крок 1"), "step 1"
    )
    await steps.step(lambda: user.click(category), has_text("Крок 2"), "step 2")
    await steps.step(lambda: user.click(urgency), has_text("Крок 3"), "step 3")
    await steps.step(lambda: user.send(title), has_text("Крок 4"), "step 4")
    await steps.step(lambda: user.send(description), has_text("Крок 5"), "step 5")
    await steps.step(lambda: user.click("Пропустити"), has_text("Крок 6"), "step 6")
    await steps.step(lambda: user.click("Пропустити"), has_text("Крок 7"), "step 7")
    await steps.step(lambda: user.click("Далі"), has_text("Крок 8"), "step 8")
    shown = await steps.step(
        lambda: user.click("Пропустити"),
        lambda m: has_text("Перевірте звернення")(m) or has_button("інша проблема")(m),
        "the preview or similar reports",
    )
    if "Перевірте звернення" not in visible_text(shown):
        await steps.step(
            lambda: user.click("інша проблема", message=shown),
            has_text("Перевірте звернення"),
            "the preview",
        )
    await steps.step(
        lambda: user.click("Надіслати"), has_text("Звернення зареєстровано"), "the reference"
    )


async def staff_flow(
    steps: Steps, group: FakeChat, card: dict[str, Any], reference: str, reply: str
) -> None:
    """Take the card, open the statuses, set «in progress», reply to the card: 4 updates."""
    user = steps.user
    card_id = card["message_id"]

    def this_card(predicate: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
        return lambda m: m.get("message_id") == card_id and predicate(m)

    await steps.answered(lambda: user.click("Взяти в роботу", message=card_id, chat=group))
    await steps.step(
        lambda: user.click("Змінити статус", message=card_id, chat=group),
        this_card(has_button("У роботі")),
        f"the status buttons on {reference}",
        chat=group,
    )
    await steps.step(
        lambda: user.click("У роботі", message=card_id, chat=group),
        this_card(has_text("Статус: у роботі")),
        f"{reference} in progress",
        chat=group,
    )
    sent: dict[str, Any] = {}

    async def send_reply() -> None:
        sent.update(await user.send(reply, chat=group, reply_to=card_id))

    await steps.step(
        send_reply,
        lambda m: (
            (m.get("reply_to_message") or {}).get("message_id") == sent.get("message_id")
            and "Отримали" in visible_text(m)
        ),
        f"the reply to {reference} sent",
        chat=group,
    )


# --------------------------------------------------------------------------- seeding


@dataclass
class Seeded:
    references: list[str]  # the card reporters' reports, one per staff member
    seconds: float = 0.0


async def seed(db: Database, content: Content, plan: Plan, server: FakeTelegram) -> Seeded:
    """Members, staff, groups and the reports staff handle, through the services; then the
    cards of those reports posted to the groups by one pass of the cards sweep."""
    started = time.perf_counter()
    admin_ids = frozenset({ADMIN_ID})
    await migrate_and_sync(db, content)
    chats = StaffChatService(db, admin_ids)
    for code, (chat_id, title) in GROUPS.items():
        server.group(chat_id, title)
        await chats.bind(chat_id, title, code, ADMIN_ID)
    staff = StaffService(db, admin_ids)
    deciders: dict[str, int] = {}
    for number in range(plan.staff_count):
        code = plan.staff_association(number)
        await staff.grant(plan.staff_id(number), StaffRole.STAFF, code, granted_by=ADMIN_ID)
        deciders.setdefault(code, plan.staff_id(number))
    for code in ASSOCIATIONS:  # an officer for each association, to verify its members
        if code not in deciders:
            deciders[code] = FIRST_STAFF_ID + 900 + len(deciders)
            await staff.grant(deciders[code], StaffRole.STAFF, code, granted_by=ADMIN_ID)

    members = MemberService(db)
    verification = VerificationService(db)
    for index in range(plan.members):
        telegram_id = plan.member_id(index)
        code = plan.association(index)
        await members.set_locale(telegram_id, "uk")
        await members.register(
            telegram_id,
            RegistrationForm(
                full_name=f"Олена Петренко {index + 1}",
                role="hromada_head",
                oblast_code=NEWS_OBLAST if index < plan.news else OTHER_OBLAST,
                hromada_code=None,
                hromada_text="Іллінецька",
                association_codes=[code],
                phone=f"+38050{telegram_id % 10_000_000:07d}",
            ),
        )
        await verification.decide(telegram_id, deciders[code], approve=True)
        if index and index % 200 == 0:
            print(f"  seeded {index} members ...", file=sys.stderr)

    reports = ReportService(db, content.report_rules, admin_ids)
    references = []
    for number, index in enumerate(plan.card_reporters):
        filed = await reports.submit(
            plan.member_id(index),
            ReportForm(
                category="education",  # no lead association: the reporter's group gets the card
                urgency="high",
                title=f"Підвезення учнів до опорного ліцею (№ {number + 1})",
                description=(
                    "Єдиний шкільний автобус не встигає за два рейси, діти щодня запізнюються. "
                    "Просимо підтримати звернення громади щодо другого автобуса."
                ),
            ),
        )
        references.append(filed.reference)
    await post_cards(db, content, server)
    return Seeded(references, time.perf_counter() - started)


async def post_cards(db: Database, content: Content, server: FakeTelegram) -> None:
    """One pass of the cards sweep, as the sandbox does for its seeded records."""
    assert server.base_url is not None
    settings = Settings.model_construct(
        bot_token=SecretStr(DEFAULT_TOKEN), telegram_api_url=server.base_url
    )
    admin_ids = frozenset({ADMIN_ID})
    bot = create_bot(settings)
    try:
        hromadas = HromadaDirectory(db, content.oblasts)
        poster = TelegramCardPoster(
            bot,
            db,
            content.translations,
            reports=ReportService(db, content.report_rules, admin_ids, timezone=settings.timezone),
            questions=QuestionService(db, admin_ids, hromadas=hromadas),
            hromadas=hromadas,
            associations=content.associations,
            tz=settings.tz,
        )
        # every card in one pass: no per-group pace for cards posted before the bot starts
        await CardSweeper(db, poster, grace=timedelta(0), per_chat=1_000_000).sweep()
    finally:
        await bot.session.close()


def find_card(server: FakeTelegram, reference: str) -> tuple[FakeChat, dict[str, Any]]:
    for chat_id, _ in GROUPS.values():
        group = server.chats[chat_id]
        for message in group.bot_messages():
            if f"Звернення {reference}" in visible_text(message):
                return group, message
    raise AssertionError(f"no card of {reference} in the staff groups")


# --------------------------------------------------------------------------- counters


async def db_statements(session: ClientSession, port: int) -> float:
    """hromada_db_statements_total of the bot process, from its /metrics."""
    async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
        body = await response.text()
    found = re.search(r"^hromada_db_statements_total ([\d.e+]+)$", body, re.M)
    if found is None:
        raise AssertionError("no hromada_db_statements_total at /metrics")
    return float(found.group(1))


class RedisCommands:
    """Counts the commands Redis runs on one database (MONITOR lines name the db), so that
    other clients of the same server are not counted, unlike INFO commandstats."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.db = int(urlsplit(url).path.lstrip("/") or 0)
        self.count = 0
        self.error: str | None = None  # why counting stopped early, if it did
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        import redis.asyncio as redis

        listening = asyncio.Event()

        async def run() -> None:
            # MONITOR is silent while the bot is idle: no read timeout (redis-py has one now)
            client = redis.from_url(self.url, socket_timeout=24 * 3600)
            try:
                async with client.monitor() as monitor:  # raises when MONITOR is refused
                    listening.set()
                    while True:
                        command = await monitor.next_command()
                        if command.get("db") == self.db:
                            self.count += 1
            except Exception as error:
                self.error = f"Redis commands not counted after {self.count}: {error!r}"
                raise
            finally:
                await client.aclose()

        self._task = asyncio.ensure_future(run())
        waiting = asyncio.ensure_future(listening.wait())
        await asyncio.wait([self._task, waiting], timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if not listening.is_set():
            waiting.cancel()
            await self.stop()
            raise AssertionError(f"Redis MONITOR did not start at {self.url}")

    async def server_calls(self) -> int:
        """Commands the whole server has run (INFO commandstats), every client and db."""
        import redis.asyncio as redis

        client = redis.from_url(self.url)
        try:
            stats = await client.info("commandstats")
        finally:
            await client.aclose()
        return sum(int(entry["calls"]) for entry in stats.values() if isinstance(entry, dict))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def flush_redis(url: str) -> None:
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------- one run


@dataclass
class KindResult:
    actors: int = 0
    updates: int = 0
    steps: int = 0
    step_p50_ms: float = 0.0
    step_p95_ms: float = 0.0
    step_max_ms: float = 0.0
    failed: int = 0
    # the same flow run alone, one actor after another (see `solo_phase`)
    solo_updates: int = 0
    solo_cpu_ms_per_update: float | None = None
    solo_statements_per_update: float | None = None
    solo_redis_per_update: float | None = None
    solo_step_p50_ms: float | None = None


@dataclass
class Result:
    backend: str
    updates: int = 0
    wall_s: float = 0.0
    bot_cpu_s: float = 0.0
    cpu_ms_per_update: float = 0.0
    statements: int | None = None
    statements_per_update: float | None = None
    redis_commands: int | None = None  # on the bot's Redis db, counted with MONITOR
    redis_per_update: float | None = None
    # INFO commandstats of the whole server: other clients (other dbs) included
    redis_server_commands: int | None = None
    redis_server_per_update: float | None = None
    peak_rss_mb: float = 0.0
    harness_cpu_s: float = 0.0
    seed_s: float = 0.0
    announcement_p50_s: float = 0.0  # from the announcement's creation to a copy in the chat
    announcement_p95_s: float = 0.0
    idle_cpu_ms_per_s: float | None = None  # the bot's background work with no traffic
    idle_statements_per_s: float | None = None
    violations: int = 0
    kinds: dict[str, KindResult] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def failed(self) -> int:
        return sum(kind.failed for kind in self.kinds.values()) + (1 if self.errors else 0)


@dataclass
class Counters:
    """The bot's CPU, statements and Redis commands so far, read together."""

    at: float
    cpu_s: float
    statements: float
    redis: int | None
    redis_server: int | None = None

    @classmethod
    async def read(
        cls,
        sampler: Sampler,
        http: ClientSession,
        port: int,
        redis: RedisCommands | None,
        *,
        server_wide: bool = False,
    ) -> Counters:
        return cls(
            time.perf_counter(),
            sampler.cpu_seconds(),
            await db_statements(http, port),
            None if redis is None else redis.count,
            await redis.server_calls() if redis is not None and server_wide else None,
        )


class DayRun:
    """One backend: the seeded database, the fake, the bot process, and the actors."""

    def __init__(
        self,
        server: CountingTelegram,
        db: Database,
        plan: Plan,
        seeded: Seeded,
        step_timeout: float,
        run_timeout: float,
    ) -> None:
        self.server = server
        self.db = db
        self.plan = plan
        self.seeded = seeded
        self.step_timeout = step_timeout
        self.run_timeout = run_timeout
        self.cards: dict[str, tuple[FakeChat, dict[str, Any]]] = {}

    def steps(self, user_id: int) -> Steps:
        return Steps(self.server.users[user_id], self.step_timeout, self.plan.think_s)

    async def act(self, actor: Actor) -> Steps:
        """Walk the actor's flow; AssertionError when a step does not come."""
        steps = self.steps(actor.user_id)
        if actor.kind == "news":
            await news_flow(steps)
        elif actor.kind == "kb":
            await kb_flow(steps, actor.text)
        elif actor.kind == "report":
            await report_flow(steps, actor.text, actor.user_id)
        else:
            if actor.card_reference not in self.cards:
                self.cards[actor.card_reference] = find_card(self.server, actor.card_reference)
            group, card = self.cards[actor.card_reference]
            await staff_flow(steps, group, card, actor.card_reference, actor.text)
        return steps

    async def warm_up(self) -> None:
        """Each flow once, not counted, so imports, templates and pools are warm."""
        plan = self.plan
        warm = plan.warm_up_members
        await news_flow(self.steps(plan.member_id(warm["news"])), expect_item=False)
        await kb_flow(self.steps(plan.member_id(warm["kb"])), "що таке дрім")
        await report_flow(
            self.steps(plan.member_id(warm["report"])),
            "Розмито дорогу до старостинського округу",
            0,
        )
        await self.act(
            Actor(
                "staff",
                plan.staff_id(plan.warm_up_staff),
                0.0,
                text="Передали звернення до ОВА.",
                card_reference=self.seeded.references[plan.warm_up_staff],
            )
        )

    async def day(self, actors: list[Actor], result: Result) -> None:
        """The measured minute: the announcement is confirmed as it starts, then everyone
        arrives on schedule. Fills the per-kind step times and failures into `result`."""
        durations: dict[str, list[float]] = {kind: [] for kind in KINDS}
        failures: dict[str, list[str]] = {kind: [] for kind in KINDS}
        broadcasts = BroadcastService(self.db, frozenset({ADMIN_ID}))
        started = time.perf_counter()

        async def arrive(actor: Actor) -> None:
            await asyncio.sleep(max(0.0, started + actor.start_s - time.perf_counter()))
            user = self.server.users[actor.user_id]
            try:
                if actor.kind == "news":  # the copy first: that is why they open News
                    await wait_event(
                        user, user.chat, 0, has_text(ANNOUNCEMENT_BODY), self.run_timeout, "copy"
                    )
                steps = await self.act(actor)
                durations[actor.kind].extend(steps.durations)
            except AssertionError as error:
                failures[actor.kind].append(str(error)[:800])

        # Staff confirm the announcement as the minute begins; the bot's sender delivers it.
        await broadcasts.create(
            ADMIN_ID,
            "Сергій Адміненко",
            ANNOUNCEMENT,
            progress_chat_id=ADMIN_ID,
            progress_locale="uk",
            request_key="bench-day:announcement",
        )
        tasks = [asyncio.ensure_future(arrive(actor)) for actor in actors]
        _, pending = await asyncio.wait(tasks, timeout=self.run_timeout)
        result.wall_s = time.perf_counter() - started
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if pending:
            result.errors.append(f"{len(pending)} actors still running after {self.run_timeout}s")
        copies = [
            self.server.copy_at[a.user_id] - started
            for a in actors
            if a.kind == "news" and a.user_id in self.server.copy_at
        ]
        result.announcement_p50_s = percentile(copies, 50)
        result.announcement_p95_s = percentile(copies, 95)
        for kind in KINDS:
            values = durations[kind]
            result.kinds[kind] = KindResult(
                actors=sum(1 for a in actors if a.kind == kind),
                updates=self.server.pushed.get(kind, 0),
                steps=len(values),
                step_p50_ms=percentile(values, 50) * 1000,
                step_p95_ms=percentile(values, 95) * 1000,
                step_max_ms=max(values, default=0.0) * 1000,
                failed=len(failures[kind]),
            )
            result.errors.extend(f"{kind}: {error}" for error in failures[kind][:2])
        if self.server.pushed.get("other"):
            result.kinds["other"] = KindResult(updates=self.server.pushed["other"])

    def solo_actors(self, kind: str) -> list[Actor]:
        plan = self.plan
        rng = random.Random(plan.seed + KINDS.index(kind))
        if kind == "staff":
            return [
                Actor(
                    "staff",
                    plan.staff_id(plan.staff + n),
                    0.0,
                    text=f"Відповідь секретаріату ({n + 1}).",
                    card_reference=self.seeded.references[plan.staff + n],
                )
                for n in range(plan.solo)
            ]
        indexes = plan.solo_members[kind]
        questions = kb_questions()
        return [
            Actor(
                kind,
                plan.member_id(index),
                0.0,
                text=(
                    rng.choice(questions)
                    if kind == "kb"
                    else f"{rng.choice(SUBJECTS).capitalize()}: {rng.choice(PROBLEMS)} (окремо {n})"
                ),
            )
            for n, index in enumerate(indexes)
        ]


async def run_backend(
    backend: str,
    *,
    database_url: str,
    redis_url: str | None,
    plan: Plan,
    content: Content,
    step_timeout: float,
    run_timeout: float,
    workdir: Path,
) -> Result:
    result = Result(backend=backend)
    server = CountingTelegram()
    await server.start()
    assert server.base_url is not None
    # Every member's private chat exists, as for members who started the bot long ago.
    for index in range(plan.members):
        server.user(plan.member_id(index), "Олена", f"Петренко {index + 1}").chat  # noqa: B018
    for number in range(plan.staff_count):
        server.user(plan.staff_id(number), "Ірина", f"Коваль {number + 1}").chat  # noqa: B018
    server.user(ADMIN_ID, "Сергій", "Адміненко").chat  # noqa: B018

    db = Database.from_url(database_url)
    print(f"  seeding {plan.members} members ...", file=sys.stderr)
    seeded = await seed(db, content, plan, server)
    result.seed_s = seeded.seconds
    print(f"  seeded in {seeded.seconds:.1f} s", file=sys.stderr)
    if redis_url:
        await flush_redis(redis_url)
    metrics_port = free_port()
    process = BotProcess(
        server.base_url,
        database_url,
        redis_url=redis_url,
        admin_ids=[ADMIN_ID],
        token=DEFAULT_TOKEN,
        workdir=workdir,
        cwd=workdir,  # no .env of the repository is read, no var/ created there
        extra_env={
            "PYTHONPATH": str(REPO),
            "PYTHONDONTWRITEBYTECODE": "1",
            "CODIFIER_IMPORT_ON_START": "false",
            "METRICS_PORT": str(metrics_port),
        },
    )
    run = DayRun(server, db, plan, seeded, step_timeout, run_timeout)
    sampler: Sampler | None = None
    redis = RedisCommands(redis_url) if redis_url else None
    try:
        await process.start()
        assert process.process is not None
        sampler = Sampler(process.process.pid)
        sampler.start()
        await server.wait_polling(timeout=60)
        await run.warm_up()

        actors = schedule(plan, seeded.references)
        for actor in actors:
            server.kind_of[actor.user_id] = actor.kind
        async with ClientSession() as http:
            if redis is not None:
                await redis.start()
            server.reset_counts()
            before = await Counters.read(sampler, http, metrics_port, redis, server_wide=True)
            harness_before = time.process_time()
            print(
                f"  the day: {len(actors)} actors over {plan.window_s:.0f} s ...", file=sys.stderr
            )
            await run.day(actors, result)
            after = await Counters.read(sampler, http, metrics_port, redis, server_wide=True)
            result.harness_cpu_s = time.process_time() - harness_before
            result.updates = sum(server.pushed.values())
            result.bot_cpu_s = after.cpu_s - before.cpu_s
            result.statements = round(after.statements - before.statements)
            if result.updates:
                result.cpu_ms_per_update = result.bot_cpu_s / result.updates * 1000
                result.statements_per_update = result.statements / result.updates
                if after.redis is not None and before.redis is not None:
                    result.redis_commands = after.redis - before.redis
                    result.redis_per_update = result.redis_commands / result.updates
                if after.redis_server is not None and before.redis_server is not None:
                    result.redis_server_commands = after.redis_server - before.redis_server
                    result.redis_server_per_update = result.redis_server_commands / result.updates
            if plan.solo and not result.errors:
                await solo_phases(run, result, sampler, http, metrics_port, redis)
        result.violations = len(server.violations)
        if server.violations:
            result.errors.append(f"Bot API violations: {server.violations[:5]}")
    except (AssertionError, TimeoutError) as error:
        result.errors.append(f"{type(error).__name__}: {str(error)[:800]}")
        tail = process.log_text()[-2000:]
        if tail:
            result.errors.append("bot log tail:\n" + tail)
    finally:
        if sampler is not None:
            sampler.stop()
            result.peak_rss_mb = sampler.peak / 2**20
        if redis is not None:
            await redis.stop()
            if redis.error:
                result.errors.append(redis.error)
        await process.stop(timeout=10)
        await db.close()
        await server.stop()
    return result


IDLE_SECONDS = 5.0


async def solo_phases(
    run: DayRun,
    result: Result,
    sampler: Sampler,
    http: ClientSession,
    port: int,
    redis: RedisCommands | None,
) -> None:
    """Each kind's flow alone, one actor after another, so the bot's CPU and statements can
    be put down to that kind; the bot's idle background rate (sender, sweeps) is measured
    first and taken off."""
    print(f"  solo runs: {run.plan.solo} actors of each kind, one at a time ...", file=sys.stderr)
    await asyncio.sleep(2)  # the day's last sends settle
    idle_start = await Counters.read(sampler, http, port, redis)
    await asyncio.sleep(IDLE_SECONDS)
    idle_end = await Counters.read(sampler, http, port, redis)
    span = idle_end.at - idle_start.at
    idle_cpu = (idle_end.cpu_s - idle_start.cpu_s) / span
    idle_statements = (idle_end.statements - idle_start.statements) / span
    idle_redis = (
        (idle_end.redis - idle_start.redis) / span
        if idle_end.redis is not None and idle_start.redis is not None
        else None
    )
    result.idle_cpu_ms_per_s = idle_cpu * 1000
    result.idle_statements_per_s = idle_statements
    for kind in KINDS:
        actors = run.solo_actors(kind)
        for actor in actors:
            run.server.kind_of[actor.user_id] = kind
        run.server.reset_counts()
        durations: list[float] = []
        before = await Counters.read(sampler, http, port, redis)
        for actor in actors:
            try:
                durations.extend((await run.act(actor)).durations)
            except AssertionError as error:
                result.errors.append(f"solo {kind}: {str(error)[:800]}")
                return
        after = await Counters.read(sampler, http, port, redis)
        span = after.at - before.at
        updates = run.server.pushed.get(kind, 0)
        figures = result.kinds[kind]
        figures.solo_updates = updates
        figures.solo_step_p50_ms = percentile(durations, 50) * 1000
        if updates:
            cpu = after.cpu_s - before.cpu_s - idle_cpu * span
            figures.solo_cpu_ms_per_update = cpu / updates * 1000
            statements = after.statements - before.statements - idle_statements * span
            figures.solo_statements_per_update = statements / updates
            if after.redis is not None and before.redis is not None and idle_redis is not None:
                commands = after.redis - before.redis - idle_redis * span
                figures.solo_redis_per_update = commands / updates


# --------------------------------------------------------------------------- report


def render_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def _optional(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def tables(results: list[Result]) -> str:
    per_kind = [
        [
            "backend",
            "kind",
            "actors",
            "updates",
            "step p50",
            "step p95",
            "step max",
            "failed",
            "solo upd",
            "solo p50",
            "solo CPU ms/upd",
            "solo stmts/upd",
            "solo redis/upd",
        ]
    ]
    overall = [
        [
            "backend",
            "",
            "updates",
            "wall s",
            "bot CPU s",
            "CPU ms/upd",
            "stmts/upd",
            "redis/upd",
            "redis srv/upd",
            "peak RSS MB",
            "annc p50 s",
            "annc p95 s",
            "idle CPU ms/s",
            "violations",
        ]
    ]
    skipped = []
    for result in results:
        if result.skipped:
            skipped.append(f"{result.backend}: skipped: {result.skipped}")
            continue
        for kind, figures in result.kinds.items():
            per_kind.append(
                [
                    result.backend,
                    kind,
                    str(figures.actors),
                    str(figures.updates),
                    f"{figures.step_p50_ms:.1f}",
                    f"{figures.step_p95_ms:.1f}",
                    f"{figures.step_max_ms:.1f}",
                    str(figures.failed),
                    str(figures.solo_updates),
                    _optional(figures.solo_step_p50_ms, "{:.1f}"),
                    _optional(figures.solo_cpu_ms_per_update, "{:.1f}"),
                    _optional(figures.solo_statements_per_update, "{:.1f}"),
                    _optional(figures.solo_redis_per_update, "{:.1f}"),
                ]
            )
        overall.append(
            [
                result.backend,
                "",
                str(result.updates),
                f"{result.wall_s:.1f}",
                f"{result.bot_cpu_s:.2f}",
                f"{result.cpu_ms_per_update:.1f}",
                _optional(result.statements_per_update, "{:.1f}"),
                _optional(result.redis_per_update, "{:.1f}"),
                _optional(result.redis_server_per_update, "{:.1f}"),
                f"{result.peak_rss_mb:.1f}",
                f"{result.announcement_p50_s:.1f}",
                f"{result.announcement_p95_s:.1f}",
                _optional(result.idle_cpu_ms_per_s, "{:.1f}"),
                str(result.violations),
            ]
        )
    parts = []
    if len(per_kind) > 1:
        parts += [render_table(per_kind), "", render_table(overall)]
    return "\n".join(parts + skipped)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000, help="registered members (1000)")
    parser.add_argument("--news", type=int, default=300, help="members opening News (300)")
    parser.add_argument("--kb", type=int, default=100, help="members asking the KB (100)")
    parser.add_argument("--reports", type=int, default=50, help="members filing a report (50)")
    parser.add_argument("--staff", type=int, default=20, help="staff handling a card (20)")
    parser.add_argument("--window", type=float, default=60, help="arrivals over N seconds (60)")
    parser.add_argument("--seed", type=int, default=SEED, help="the arrival schedule's seed")
    parser.add_argument(
        "--solo",
        type=int,
        default=20,
        help="then N actors of each kind alone, one after another, for CPU by kind (20; 0: none)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each actor pauses before each step, not counted (0: acts at once)",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL + Redis only")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_DAY_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a database this benchmark may wipe (default %(default)s; never the tests' one)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_DAY_REDIS_URL", DEFAULT_REDIS_URL),
        help="a Redis database this benchmark flushes, with PostgreSQL (default %(default)s)",
    )
    parser.add_argument(
        "--step-timeout", type=float, default=120, help="seconds one step may take (120)"
    )
    parser.add_argument(
        "--run-timeout", type=float, default=400, help="seconds one backend's phase may take"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir (bot logs, SQLite file)"
    )
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> list[Result]:
    plan = Plan(
        members=args.members,
        news=args.news,
        kb=args.kb,
        reports=args.reports,
        staff=args.staff,
        window_s=args.window,
        seed=args.seed,
        solo=args.solo,
        think_s=args.think,
    )
    plan.check()
    content = Content.load()
    workdir = Path(tempfile.mkdtemp(prefix="hromada-day-"))
    log = sys.stderr
    common: dict[str, Any] = {
        "plan": plan,
        "content": content,
        "step_timeout": args.step_timeout,
        "run_timeout": args.run_timeout,
    }
    results: list[Result] = []
    try:
        if args.skip_sqlite:
            results.append(Result("SQLite", skipped="--skip-sqlite"))
        else:
            print("bot on SQLite ...", file=log)
            sqlite_file = workdir / "sqlite" / "day.sqlite3"
            sqlite_file.parent.mkdir(parents=True)
            results.append(
                await run_backend(
                    "SQLite",
                    database_url=f"sqlite+aiosqlite:///{sqlite_file}",
                    redis_url=None,
                    workdir=workdir / "sqlite",
                    **common,
                )
            )
        backend = "PostgreSQL + Redis"
        if args.skip_postgres:
            results.append(Result(backend, skipped="--skip-postgres"))
        else:
            try:
                await asyncio.wait_for(reset_postgres(args.postgres_url), 20)
                await asyncio.wait_for(flush_redis(args.redis_url), 10)
            except Exception as error:  # any reason means "not reachable"
                reason = f"PostgreSQL or Redis not reachable: {error!r}"
                print(reason, file=log)
                results.append(Result(backend, skipped=reason))
            else:
                print("bot on PostgreSQL + Redis ...", file=log)
                results.append(
                    await run_backend(
                        backend,
                        database_url=args.postgres_url,
                        redis_url=args.redis_url,
                        workdir=workdir / "postgres",
                        **common,
                    )
                )
    finally:
        if args.keep:
            print(f"logs and data kept in {workdir}", file=log)
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    return results


def cli() -> int:
    args = parse_args()
    if urlsplit(args.postgres_url).path.lstrip("/") == "test":
        raise SystemExit("refusing to wipe the test suite's database `test`; use another one")
    results = asyncio.run(main(args))
    if args.json:
        payload = [{**asdict(r), "failed": r.failed} for r in results]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(tables(results))
        for result in results:
            for error in result.errors:
                print(f"\n{result.backend}: {error}")
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(cli())
