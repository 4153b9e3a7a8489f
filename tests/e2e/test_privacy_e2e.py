"""A member's data rights end to end: the real bot process over HTTP against the fake Bot API
server. Register, file a report, download the data with /privacy, delete the profile; the staff
card loses the name, the spreadsheet holds nothing personal, and /start registers afresh."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.content import CONTENT_DIR
from bot.emulator import BotProcess, FakeTelegram, FakeUser
from bot.i18n import Translations
from bot.services.export import export_reports
from bot.services.hromadas import load_oblasts
from bot.services.members import MemberService
from bot.services.report_rules import load_report_rules
from bot.services.staff import StaffService
from storage.db import Database
from storage.models import Member, StaffRole
from tests.e2e.test_member_e2e import register, started
from tests.e2e.test_reports_e2e import REFERENCE_RE, TITLE, fill_report

GROUP = -1001234567890
NAME = "Олена Петренко"


async def notice_below(user: FakeUser, message_id: int) -> dict[str, Any]:
    """The privacy notice the bot shows again below the message `message_id`."""
    async with asyncio.timeout(10):
        while True:
            shown = user.last_message()
            if (
                shown
                and shown["message_id"] > message_id
                and "Приватність" in shown.get("text", "")
            ):
                return shown
            await asyncio.sleep(0.02)


async def test_download_delete_and_register_afresh(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    await started(bot_factory, fake_telegram, admin_ids=[1])
    admin = fake_telegram.user(1, first_name="Адмін")
    staff = fake_telegram.user(500, first_name="Ірина", last_name="Коваль")
    await StaffService(db, frozenset({1})).grant(500, StaffRole.STAFF, "vag")
    group = fake_telegram.group(GROUP, "Секретаріат ВАГ")
    await admin.send("/bind vag", chat=group)
    await admin.wait_for("Групу прив’язано", chat=group)

    # Register and file a report; its card reaches the group with the reporter's name.
    member = fake_telegram.user(1001, first_name="Олена", last_name="Петренко")
    await register(member)
    verification_card = await staff.wait_for("Новий член", chat=group)
    staff.mark()
    await fill_report(
        member, "📝 Повідомити про проблему", "Законодавство та повноваження", "Критична"
    )
    await member.wait_for("Перевірте звернення")
    await member.click("Надіслати")
    done = await member.wait_for("Звернення зареєстровано")
    found = REFERENCE_RE.search(done["text"])
    assert found is not None
    reference = found.group(0)
    card = await staff.wait_for(f"Звернення {reference}", chat=group)
    assert NAME in card["text"]

    # /privacy: the notice, then the data as two documents.
    member.mark()
    await member.send("/privacy")
    await member.wait_for("Приватність і ваші дані")
    await member.click("Завантажити мої дані")
    await member.wait_for("Ті самі дані для читання")
    documents = [m for m in member.messages if "document" in m]
    assert [d["document"]["file_name"].rsplit(".", 1)[1] for d in documents] == ["json", "html"]
    exported = json.loads(fake_telegram.files[documents[0]["document"]["file_id"]]["content"])
    assert exported["profile"]["full_name"] == NAME
    assert exported["profile"]["phone"] == member.phone_number
    assert [r["reference"] for r in exported["reports"]] == [reference]
    page = fake_telegram.files[documents[1]["document"]["file_id"]]["content"].decode("utf-8")
    assert NAME in page and TITLE in page

    # Delete: asked first, then done; the report card in the group no longer names her.
    notice = await notice_below(member, documents[1]["message_id"])
    await member.click("Видалити мій профіль", message=notice)
    await member.wait_for("Видалити профіль\\?")
    staff.mark()
    await member.click("Так, видалити профіль")
    await member.wait_for("Ваш профіль видалено")
    edited = await staff.wait_for("профіль видалено", chat=group)
    assert reference in edited["text"] and NAME not in edited["text"]
    assert "Іллінецька" in edited["text"]  # the place stays
    erased_card = await staff.wait_for("Член видалив свій профіль", chat=group)
    assert erased_card["message_id"] == verification_card["message_id"]
    assert NAME not in erased_card["text"] and not erased_card.get("reply_markup")

    # The spreadsheet keeps the report, and nothing personal.
    sheet = await export_reports(
        db,
        load_report_rules(),
        load_oblasts(CONTENT_DIR / "oblasts.yaml"),
        Translations().get("uk"),
        fmt="csv",
        tz=ZoneInfo("Europe/Kyiv"),
    )
    text = sheet.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any(reference in row for row in rows)
    assert NAME not in text and "Олена" not in text and member.phone_number not in text
    assert "1001" not in text
    async with db.transaction() as session:
        [row] = await session.scalars(select(Member))
        assert row.telegram_id == -row.id and row.full_name is None and row.phone is None

    # The same Telegram user starts again: a fresh registration.
    member.mark()
    await register(member)
    fresh = await MemberService(db).get(1001)
    assert fresh is not None and fresh.registered and fresh.full_name == NAME
    async with db.transaction() as session:
        assert len(list(await session.scalars(select(Member)))) == 2
    fake_telegram.assert_no_violations()
