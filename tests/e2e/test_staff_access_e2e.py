"""A departed officer loses access at once: the real bot process over HTTP against the fake Bot
API server. One officer is revoked by an admin through /staff in the bot, another from the
command line while the bot runs; both are refused on their next press of a report card and on
/queue, and their command lists in Telegram are the member's again."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Callable

from sqlalchemy import select

from bot.emulator import BotProcess, FakeTelegram
from bot.emulator.process import DEFAULT_TOKEN, REPO_ROOT
from bot.emulator.server import FakeUser
from bot.services.staff import StaffService
from delivery.commands import MEMBER_COMMANDS
from storage.db import Database
from storage.models import AuditEvent, StaffRole
from tests.e2e.test_member_e2e import register, started
from tests.e2e.test_reports_e2e import GROUP, REFERENCE_RE, fill_report

OFFICER = 500
CLI_OFFICER = 501


async def revoke_from_the_command_line(
    fake_telegram: FakeTelegram, database_url: str, *args: str
) -> tuple[int, str]:
    env = {
        **os.environ,
        "BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": fake_telegram.base_url or "",
        "DATABASE_URL": database_url,
        "ADMIN_IDS": "1",
        "REDIS_URL": "",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "admin",
        "revoke",
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def refused_on_card_and_queue(officer: FakeUser, card: dict[str, object]) -> None:
    pressed = await officer.click("Змінити статус", message=card, chat=GROUP)  # type: ignore[arg-type]
    assert "лише працівники" in (await officer.wait_answer(pressed))["text"]
    await officer.send("/queue")
    await officer.wait_for("Черга звернень доступна лише працівникам")


def command_names(fake_telegram: FakeTelegram, chat_id: int) -> list[str]:
    return [c["command"] for c in fake_telegram.commands.get((f"chat:{chat_id}", ""), [])]


async def test_revoked_officers_are_refused_on_the_next_press_and_command(
    fake_telegram: FakeTelegram,
    bot_factory: Callable[..., BotProcess],
    db: Database,
    database_url: str,
) -> None:
    await started(bot_factory, fake_telegram, admin_ids=[1])
    admin = fake_telegram.user(1, first_name="Адмін")
    officer = fake_telegram.user(OFFICER, first_name="Ірина", last_name="Коваль")
    cli_officer = fake_telegram.user(CLI_OFFICER, first_name="Петро")
    staff = StaffService(db, frozenset({1}))
    await staff.grant(OFFICER, StaffRole.STAFF, "vag", granted_by=1)
    await staff.grant(CLI_OFFICER, StaffRole.STAFF, "vag", granted_by=1)
    group = fake_telegram.group(GROUP, "Секретаріат ВАГ")
    await admin.send("/bind vag", chat=group)
    await admin.wait_for("Групу прив’язано", chat=group)
    # The officers open the bot: Telegram now knows their chats, and they get staff commands.
    for user in (officer, cli_officer):
        await user.send("/start")
        await user.wait_for("Оберіть мову")
        async with asyncio.timeout(10):
            while "queue" not in command_names(fake_telegram, user.id):  # noqa: ASYNC110
                await asyncio.sleep(0.02)

    reporter = fake_telegram.user(1001, first_name="Олена", last_name="Петренко")
    await register(reporter)
    await fill_report(
        reporter, "📝 Повідомити про проблему", "Законодавство та повноваження", "Критична"
    )
    await reporter.wait_for("Перевірте звернення")
    officer.mark()
    await reporter.click("Надіслати")
    done = await reporter.wait_for("Звернення зареєстровано")
    found = REFERENCE_RE.search(done["text"])
    assert found is not None
    card = await officer.wait_for(f"Звернення {re.escape(found.group(0))}", chat=group)

    # While they hold the right, the officer's presses work.
    taken = await officer.click("Взяти в роботу", message=card, chat=group)
    assert (await officer.wait_answer(taken))["text"] == "Звернення закріплено за вами."

    # The admin revokes them in the bot.
    await admin.send("/staff")
    await admin.wait_for("Адміністратори та працівники секретаріатів")
    await admin.click("✖️ id 500 · ВАГ")
    await admin.wait_for("Відкликати це право?")
    await admin.click("Так, відкликати")
    await admin.wait_for("Право відкликано")
    await refused_on_card_and_queue(officer, card)
    assert command_names(fake_telegram, OFFICER) == list(MEMBER_COMMANDS)

    # The other officer is revoked from the command line, the bot still running.
    code, output = await revoke_from_the_command_line(
        fake_telegram, database_url, str(CLI_OFFICER), "staff", "vag"
    )
    assert code == 0, output
    assert "User 501 is no longer staff of vag." in output
    assert "Their command list in Telegram is updated." in output
    await refused_on_card_and_queue(cli_officer, card)
    assert command_names(fake_telegram, CLI_OFFICER) == list(MEMBER_COMMANDS)

    async with db.transaction() as session:
        revoked = list(
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "staff.revoked")
                .order_by(AuditEvent.id)
            )
        )
    assert [(e.actor_id, e.subject_id) for e in revoked] == [(1, "500"), (None, "501")]
    fake_telegram.assert_no_violations()
