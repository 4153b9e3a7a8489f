"""`hromada-bot member export` and `member forget`: requests that arrive by e-mail or letter."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select

from bot.content import load_associations
from bot.emulator import FakeTelegram
from bot.emulator.process import DEFAULT_TOKEN
from bot.services.associations import sync_associations
from bot.services.members import MemberService, RegistrationForm
from bot.services.staff import StaffService
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Member, StaffRole, VerificationCard
from tests.conftest import ROOT
from tests.test_cli import SETTINGS_VARS, clean_env, run_cli

MEMBER = 1001
GROUP = -1001234567890


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder as the current one (no .env), with a SQLite database URL set."""
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url(tmp_path))
    return tmp_path


def database_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'bot.sqlite3'}"


async def seed(folder: Path, *, card_message: int | None = None) -> None:
    """A registered member (in English), with a verification card when `card_message`."""
    db = Database.from_url(database_url(folder))
    try:
        await upgrade(db.engine)
        await sync_associations(db, load_associations())
        members = MemberService(db)
        await members.set_locale(MEMBER, "en")
        await members.register(
            MEMBER,
            RegistrationForm(
                full_name="Olena Petrenko",
                role="hromada_head",
                oblast_code="UA05000000000010236",
                hromada_code=None,
                hromada_text="Illintsi",
                association_codes=["vag"],
                phone="+380501234567",
            ),
        )
        if card_message is not None:
            async with db.transaction() as session:
                member_id = await session.scalar(
                    select(Member.id).where(Member.telegram_id == MEMBER)
                )
                session.add(
                    VerificationCard(member_id=member_id, chat_id=GROUP, message_id=card_message)
                )
    finally:
        await db.close()


async def profile_name(folder: Path) -> str | None:
    db = Database.from_url(database_url(folder))
    try:
        profile = await MemberService(db).get(MEMBER)
        return None if profile is None else (profile.full_name or "")
    finally:
        await db.close()


class Terminal(io.StringIO):
    """A stdin that says it is a terminal, with the operator's answer in it."""

    def isatty(self) -> bool:
        return True


# ------------------------------------------------------------------------------ export


def test_member_export_writes_json_and_html(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(workdir))
    target = workdir / "requests" / "olena.json"
    target.parent.mkdir()
    assert run_cli("member", "export", str(MEMBER), "--output", str(target)) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(target), str(target.with_suffix(".html"))]
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["profile"]["full_name"] == "Olena Petrenko"
    assert data["profile"]["phone"] == "+380501234567"
    page = target.with_suffix(".html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page  # the member's language
    assert "Olena Petrenko" in page and "Head of hromada" in page


def test_member_export_default_name_and_an_unknown_member(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(workdir))
    assert run_cli("member", "export", str(MEMBER)) == 0
    [json_file] = workdir.glob(f"member-{MEMBER}-*.json")
    assert json_file.with_suffix(".html").exists()
    capsys.readouterr()
    assert run_cli("member", "export", "424242") == 1
    assert "No member has the Telegram id 424242." in capsys.readouterr().err


# ------------------------------------------------------------------------------ find


async def seed_ukrainian(folder: Path, telegram_id: int, name: str, phone: str | None) -> None:
    db = Database.from_url(database_url(folder))
    try:
        await MemberService(db).register(
            telegram_id,
            RegistrationForm(
                full_name=name,
                role="council_secretary",
                oblast_code="UA05000000000010236",
                hromada_code=None,
                hromada_text="Іллінецька",
                association_codes=["vag"],
                phone=phone,
            ),
        )
    finally:
        await db.close()


def test_member_find_by_name_hromada_or_phone(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(workdir))
    asyncio.run(seed_ukrainian(workdir, 2002, "Ірина Коваль", "+380671112233"))
    asyncio.run(seed_ukrainian(workdir, 2003, "Іван Коваленко", None))

    # Any case, Cyrillic included; every word must match the name or the hromada.
    assert run_cli("member", "find", "КОВАЛЬ ірина") == 0
    [line] = capsys.readouterr().out.splitlines()
    telegram_id, name, role, place, registered = line.split("\t")
    assert (telegram_id, name, role) == ("2002", "Ірина Коваль", "Секретар ради")
    assert place == "Іллінецька, Вінницька область" and len(registered) == 10

    assert run_cli("member", "find", "ковал іллінецька") == 0
    assert [x.split("\t")[0] for x in capsys.readouterr().out.splitlines()] == ["2002", "2003"]
    assert run_cli("member", "find", "067 111 22 33") == 0  # the end of a phone number
    assert capsys.readouterr().out.startswith("2002\t")
    assert run_cli("member", "find", "Petrenko") == 0
    assert capsys.readouterr().out.startswith(f"{MEMBER}\t")

    # Someone who deleted their profile is found no more.
    assert run_cli("member", "forget", "2002", "--yes") == 0
    capsys.readouterr()
    assert run_cli("member", "find", "Ірина") == 1
    assert "No member matches 'Ірина'." in capsys.readouterr().err


# ------------------------------------------------------------------------------ forget


def test_member_forget_without_a_terminal_needs_yes(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(seed(workdir))
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))  # a pipe, not a terminal
    assert run_cli("member", "forget", str(MEMBER)) == 2
    assert "Not deleting without a confirmation" in capsys.readouterr().err
    assert asyncio.run(profile_name(workdir)) == "Olena Petrenko"


def test_member_forget_asks_on_a_terminal(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(seed(workdir, card_message=77))
    monkeypatch.setattr(sys, "stdin", Terminal("no\n"))
    assert run_cli("member", "forget", str(MEMBER)) == 1
    assert "Nothing was deleted." in capsys.readouterr().out
    assert asyncio.run(profile_name(workdir)) == "Olena Petrenko"

    monkeypatch.setattr(sys, "stdin", Terminal("yes\n"))
    assert run_cli("member", "forget", str(MEMBER)) == 0
    out = capsys.readouterr().out
    assert f"The profile of Telegram user {MEMBER} was deleted" in out
    assert "BOT_TOKEN is not set, so 1 staff card(s)" in out
    assert f"verification card: chat {GROUP}, message 77" in out
    assert asyncio.run(profile_name(workdir)) is None

    assert run_cli("member", "forget", str(MEMBER), "--yes") == 1  # nobody left to delete
    assert f"No member has the Telegram id {MEMBER}." in capsys.readouterr().err


def test_member_forget_refuses_staff(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(seed(workdir))

    async def grant() -> None:
        db = Database.from_url(database_url(workdir))
        try:
            await StaffService(db).grant(MEMBER, StaffRole.STAFF, "vag")
        finally:
            await db.close()

    asyncio.run(grant())
    assert run_cli("member", "forget", str(MEMBER), "--yes") == 1
    assert f"hromada-bot admin revoke {MEMBER}" in capsys.readouterr().err
    assert asyncio.run(profile_name(workdir)) == "Olena Petrenko"


@pytest.mark.process
async def test_member_forget_edits_the_cards_through_telegram(tmp_path: Path) -> None:
    """With BOT_TOKEN set, the verification card posted in the group is edited."""
    fake = FakeTelegram()
    base_url = await fake.start()
    try:
        fake.group(GROUP, "Секретаріат ВАГ")
        bot = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
        try:
            card = await bot.send_message(GROUP, "🪪 Новий член: Olena Petrenko")
        finally:
            await bot.session.close()
        await seed(tmp_path, card_message=card.message_id)
        env = clean_env(
            PYTHONPATH=str(ROOT),
            DATABASE_URL=database_url(tmp_path),
            BOT_TOKEN=DEFAULT_TOKEN,
            TELEGRAM_API_URL=base_url,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "member",
            "forget",
            str(MEMBER),
            "--yes",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, err.decode()
        assert "1 staff card(s) in the groups were edited" in out.decode()
        [edit] = fake.calls("editMessageText")
        assert int(edit["chat_id"]) == GROUP and int(edit["message_id"]) == card.message_id
        assert "Член видалив свій профіль" in edit["text"]  # the group's language
        shown = fake.chat(GROUP).messages[card.message_id]
        assert "Olena" not in shown["text"]
        fake.assert_no_violations()
    finally:
        await fake.stop()
