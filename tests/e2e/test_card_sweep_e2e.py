"""A report's staff card lost to a crash is posted by the cards sweep, once: the real bot process
over HTTP against the fake Bot API. The card's send to the group stalls, the bot is killed
(SIGKILL) after the report was committed and before its card was recorded; after a restart the
card appears in the group exactly once, and a further restart changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.emulator import BotProcess, FakeTelegram
from storage.db import Database
from storage.models import Report, ReportCard, ReportEvent, StaffChat, WorkerLease, utcnow
from tests.e2e.test_member_e2e import register, started
from tests.e2e.test_reports_e2e import fill_report

GROUP = -1001234567001
# The sweep leaves a record alone for its first five minutes (the normal path's own time):
# the test moves the report and the group's binding that far into the past instead of waiting.
PAST = timedelta(minutes=10)


def stall_sends_to(fake: FakeTelegram, chat_id: int) -> tuple[asyncio.Event, asyncio.Event]:
    """Make sendMessage to `chat_id` hang, as a Bot API that does not answer; returns (reached,
    release). Released, the hung call answers without delivering anything."""
    original = fake._handlers["sendmessage"]
    reached, release = asyncio.Event(), asyncio.Event()

    async def stalling(token: str, params: dict[str, Any], files: Any) -> Any:
        if str(params.get("chat_id")) != str(chat_id) or release.is_set():
            return await original(token, params, files)
        reached.set()
        await release.wait()
        return {}  # to a client long gone: nothing reached the group

    fake._handlers["sendmessage"] = stalling
    return reached, release


def cards_in_group(fake: FakeTelegram, reference: str) -> list[dict[str, Any]]:
    return [m for m in fake.chat(GROUP).bot_messages() if reference in (m.get("text") or "")]


async def report_rows(db: Database) -> tuple[Report, int, list[str]]:
    async with db.transaction() as session:
        report = (await session.scalars(select(Report))).one()
        cards = await session.scalar(select(func.count()).select_from(ReportCard))
        kinds = list(
            await session.scalars(
                select(ReportEvent.kind)
                .where(ReportEvent.report_id == report.id)
                .order_by(ReportEvent.id)
            )
        )
        return report, int(cards or 0), kinds


async def swept_by(db: Database, process: BotProcess, seconds: float = 30) -> None:
    """Wait until this process's sweeper has finished a sweep: the lease names it and was
    given back."""
    assert process.process is not None
    mark = f":{process.process.pid}:"
    async with asyncio.timeout(seconds):
        while True:
            async with db.transaction() as session:
                lease = await session.get(WorkerLease, "card-sweeper", populate_existing=True)
            if lease is not None and mark in lease.holder and lease.expires_at <= utcnow():
                return
            await asyncio.sleep(0.1)


async def test_a_card_lost_to_a_crash_is_posted_once_after_the_restart(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    first = await started(bot_factory, fake_telegram, admin_ids=[1])
    admin = fake_telegram.user(1, first_name="Адмін")
    group = fake_telegram.group(GROUP, "Секретаріат ВАГ")
    await admin.send("/bind vag", chat=group)
    await admin.wait_for("Групу прив’язано", chat=group)
    reporter = fake_telegram.user(1001, first_name="Олена", last_name="Петренко")
    await register(reporter)
    await admin.wait_for("Петренко", chat=group)  # the member's verification card

    # The report is committed; its card's send to the group hangs, and the bot dies there.
    reached, release = stall_sends_to(fake_telegram, GROUP)
    await fill_report(
        reporter, "📝 Повідомити про проблему", "Законодавство та повноваження", "Критична"
    )
    await reporter.wait_for("Перевірте звернення")
    await reporter.click("Надіслати")
    await asyncio.wait_for(reached.wait(), 20)
    await first.kill()
    release.set()
    report, cards, _ = await report_rows(db)
    assert cards == 0 and cards_in_group(fake_telegram, report.reference) == []

    # Five minutes pass (the sweep's grace period), then the bot is started again.
    async with db.transaction() as session:
        await session.execute(
            update(Report)
            .where(Report.id == report.id)
            .values(created_at=report.created_at - PAST, submitted_at=report.submitted_at - PAST)
        )
        for binding in await session.scalars(select(StaffChat)):
            binding.bound_at -= PAST
    second = await started(bot_factory, fake_telegram, admin_ids=[1])
    card = await admin.wait_for(f"Звернення {report.reference}", chat=group, timeout=30)
    assert "Олена Петренко" in card["text"]
    await swept_by(db, second)
    await asyncio.sleep(1)  # anything posted twice would have been by now
    assert len(cards_in_group(fake_telegram, report.reference)) == 1
    _, cards, kinds = await report_rows(db)
    assert cards == 1
    assert kinds.count("card_swept") == 1
    # The card works like one the normal path posted: its buttons act on the report.
    taken = await admin.click("Взяти в роботу", message=card, chat=group)
    assert (await admin.wait_answer(taken))["text"] == "Звернення закріплено за вами."
    await admin.wait_for("Опрацьовує: Адмін", chat=group)

    # Once more: a restart finds nothing missing and posts nothing.
    await second.kill()
    third = await started(bot_factory, fake_telegram, admin_ids=[1])
    await swept_by(db, third)
    await asyncio.sleep(1)
    assert len(cards_in_group(fake_telegram, report.reference)) == 1
    _, cards, kinds = await report_rows(db)
    assert cards == 1 and kinds.count("card_swept") == 1
    assert not fake_telegram.violations
