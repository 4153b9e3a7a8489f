"""Digests end to end: the real bot process (and `hromada-bot digest send`) over HTTP against the
fake Bot API server. The scheduler's clock is the real one: a digest is made due by seeding a
group bound days ago, so its latest 09:00 slot passed while no bot ran (a missed digest)."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.emulator import BotProcess, FakeTelegram
from bot.services.digest_schedule import JOINT, default_schedule, latest_slot, previous_slot
from storage.db import Database
from storage.models import DigestRun, Report, ReportCard, StaffChat, utcnow
from tests.test_digests import Seeder, bind

KYIV = ZoneInfo("Europe/Kyiv")
VAG_GROUP = -1001000000001
AOTG_GROUP = -1001000000002
UAROR_GROUP = -1001000000003
MIGRATED_GROUP = -1001000000009


def group_messages(fake: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return sorted(fake.chat(chat_id).bot_messages(), key=lambda m: m["message_id"])


async def wait_messages(fake: FakeTelegram, chat_id: int, count: int, seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while len(group_messages(fake, chat_id)) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def wait_log(process: BotProcess, text: str, seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while text not in process.log_text():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def cards_posted(db: Database, chat_id: int) -> None:
    """The seeded reports' cards, as the normal path posts them when a report comes in: else
    the cards sweep posts them into the group beside the digest."""
    async with db.transaction() as session:
        report_ids = (await session.execute(select(Report.id))).scalars().all()
        for number, report_id in enumerate(report_ids, 1):
            session.add(ReportCard(report_id=report_id, chat_id=chat_id, message_id=900 + number))


def spreadsheet_rows(fake: FakeTelegram, message: dict[str, Any]) -> list[tuple[Any, ...]]:
    content = fake.files[message["document"]["file_id"]]["content"]
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


async def test_missed_digest_sent_on_start_once_across_a_restart(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    seeder = Seeder(db)
    await seeder.setup()
    await bind(db, VAG_GROUP, "vag", utcnow() - timedelta(days=10))
    fake_telegram.group(VAG_GROUP, "Секретаріат ВАГ")
    # Three reports in the period of ВАГ's latest 09:00 digest, one before it.
    slot = latest_slot(default_schedule("vag"), utcnow(), KYIV)
    assert slot is not None
    start = previous_slot(default_schedule("vag"), slot, KYIV)
    for hours, category in ((1, "education"), (2, "education"), (3, "budget")):
        await seeder.report(created=slot - timedelta(hours=hours), category=category)
    await seeder.report(created=start - timedelta(hours=1), title="Старе звернення")
    await cards_posted(db, VAG_GROUP)

    process = await bot_factory(admin_ids=[1]).start()
    await wait_log(process, "digest check done", seconds=60)
    # ВАГ's digest (text, chart, spreadsheet) and the weekly joint one, whose Monday slot passed
    # too (text and chart: no report came in its period, so no spreadsheet).
    await wait_messages(fake_telegram, VAG_GROUP, 5)
    messages = group_messages(fake_telegram, VAG_GROUP)
    texts = [m.get("text", "") for m in messages]
    vag = next(m for m in messages if "Дайджест звернень: ВАГ" in m.get("text", ""))
    assert "Надійшло за період: 3 звернення" in vag["text"]
    assert "Освіта: 2" in vag["text"]
    assert any("Спільний тижневий дайджест" in text for text in texts)
    photos = [m for m in messages if "photo" in m]
    documents = [m for m in messages if "document" in m]
    assert len(photos) == 2 and len(documents) == 1 and len(messages) == 5
    chart = fake_telegram.files[photos[0]["photo"][-1]["file_id"]]["content"]
    assert chart.startswith(b"\x89PNG")
    assert any("Нові та вирішені" in m.get("caption", "") for m in photos)
    # ВАГ's spreadsheet: the period's three reports (not the older one), headers in Ukrainian.
    vag_sheet = next(m for m in documents if m["document"]["file_name"].startswith("digest-vag"))
    assert vag_sheet["document"]["file_name"].endswith(".xlsx")
    assert "3 звернення" in vag_sheet["caption"]
    rows = spreadsheet_rows(fake_telegram, vag_sheet)
    assert len(rows) == 4 and "Старе звернення" not in {str(c) for r in rows for c in r}

    # Restarted (as after a deploy): the same periods are not sent again.
    assert await process.stop() == 0
    sent_before = len(group_messages(fake_telegram, VAG_GROUP))
    again = await bot_factory(admin_ids=[1]).start()
    await wait_log(again, "digest check done", seconds=60)
    await asyncio.sleep(0.5)
    assert len(group_messages(fake_telegram, VAG_GROUP)) == sent_before
    async with db.transaction() as session:
        runs = list(await session.scalars(select(DigestRun).order_by(DigestRun.id)))
    assert sorted((r.schedule_key, r.status) for r in runs) == [(JOINT, "sent"), ("vag", "sent")]
    assert next(r for r in runs if r.schedule_key == "vag").period_end == slot
    fake_telegram.assert_no_violations()


async def test_digest_send_from_the_command_line(
    fake_telegram: FakeTelegram,
    bot_factory: Callable[..., BotProcess],
    db: Database,
    database_url: str,
) -> None:
    """`hromada-bot digest send`: each group in its language; a group that removed the bot and
    one that became a supergroup do not stop the others."""
    seeder = Seeder(db)
    await seeder.setup()
    for code, group, locale in (
        ("vag", VAG_GROUP, "uk"),
        ("aotg", AOTG_GROUP, "en"),
        ("uaror", UAROR_GROUP, "uk"),
    ):
        await bind(db, group, code, utcnow(), locale=locale)
        fake_telegram.group(group, code)
    await seeder.report(created=utcnow() - timedelta(hours=2), category="budget")
    await seeder.report(("aotg",), created=utcnow() - timedelta(days=3), joint=True)
    fake_telegram.group(MIGRATED_GROUP, "uaror")
    fake_telegram.inject("sendMessage", 400, chat_id=UAROR_GROUP, migrate_to_chat_id=MIGRATED_GROUP)

    def cli(*args: str) -> BotProcess:
        return bot_factory(argv=[sys.executable, "-m", "bot", "digest", "send", *args])

    joint = await cli("--joint").start()
    assert await joint.wait(timeout=30) == 0, joint.log_text()
    uk = group_messages(fake_telegram, VAG_GROUP)
    en = group_messages(fake_telegram, AOTG_GROUP)
    assert "Спільний тижневий дайджест асоціацій" in uk[0]["text"]
    assert "Надійшло за період: 2 звернення" in uk[0]["text"]  # a week back: both
    assert "Joint weekly digest of the associations" in en[0]["text"]
    assert "New in the period: 2 reports" in en[0]["text"]
    assert en[2]["caption"] == "📎 Spreadsheet of the reports received in the period: 2 reports."
    # The supergroup got it, and its binding follows.
    assert "Спільний тижневий дайджест" in group_messages(fake_telegram, MIGRATED_GROUP)[0]["text"]
    async with db.transaction() as session:
        moved = await session.scalar(
            select(StaffChat.chat_id).where(StaffChat.chat_id == MIGRATED_GROUP)
        )
    assert moved == MIGRATED_GROUP

    # ВАГ's own digest: the first one looks a day back. Then ВАГ's group removes the bot.
    vag = await cli("--association", "vag").start()
    assert await vag.wait(timeout=30) == 0
    last = [m for m in group_messages(fake_telegram, VAG_GROUP) if "text" in m][-1]
    assert "Дайджест звернень: ВАГ" in last["text"]
    assert "Надійшло за період: 1 звернення" in last["text"]
    fake_telegram.block(VAG_GROUP)
    refused = await cli("--association", "vag").start()
    assert await refused.wait(timeout=30) == 1
    assert "NOT sent" in refused.log_text()
    async with db.transaction() as session:
        failed = await session.scalar(
            select(DigestRun).where(DigestRun.status == "failed").limit(1)
        )
        active = await session.scalar(
            select(StaffChat.active).where(StaffChat.chat_id == VAG_GROUP)
        )
    assert failed is not None and (failed.error or "").startswith("forbidden")
    assert active is False  # the group that removed the bot gets nothing more


async def test_two_bot_processes_send_a_missed_digest_once(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    """Two bot processes start at the same moment (a rolling deploy, a second replica): each
    checks for missed digests, and the group still gets each digest once."""
    seeder = Seeder(db)
    await seeder.setup()
    await bind(db, VAG_GROUP, "vag", utcnow() - timedelta(days=10))
    fake_telegram.group(VAG_GROUP, "Секретаріат ВАГ")
    slot = latest_slot(default_schedule("vag"), utcnow(), KYIV)
    assert slot is not None
    await seeder.report(created=slot - timedelta(hours=1))
    await cards_posted(db, VAG_GROUP)

    first, second = bot_factory(admin_ids=[1]), bot_factory(admin_ids=[1])
    await asyncio.gather(first.start(), second.start())
    # Two start-ups at once on a loaded machine (CI runs four test workers on two cores): in one
    # run one process's first check had not finished 30 s after the start.
    await asyncio.gather(
        wait_log(first, "digest check done", seconds=90),
        wait_log(second, "digest check done", seconds=90),
    )
    await asyncio.sleep(0.5)
    texts = [m.get("text", "") for m in group_messages(fake_telegram, VAG_GROUP)]
    assert sum("Дайджест звернень: ВАГ" in text for text in texts) == 1
    assert sum("Спільний тижневий дайджест" in text for text in texts) == 1
    async with db.transaction() as session:
        runs = list(await session.scalars(select(DigestRun)))
    assert sorted((r.schedule_key, r.status) for r in runs) == [(JOINT, "sent"), ("vag", "sent")]
    # Which process sends which is a race (one may find the other's row, or lose the insert):
    # between them, two digests went out.
    sent = [
        int(line.rsplit(": ", 1)[1].split()[0])
        for process in (first, second)
        for line in process.log_text().splitlines()
        if "digest check done" in line
    ]
    assert sum(sent) == 2
