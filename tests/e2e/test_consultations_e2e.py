"""A consultation end to end: the real bot process over HTTP against the fake Bot API server.

A secretariat officer of ВАГ and Асоціація ОТГ composes a position consultation with `/consult`
in private chat, through the real dialog; members get it with the answer buttons, each once, in
their language (an unverified member too); they answer, one changes the answer, "with
amendments" asks for a comment, a reply adds one. The consultation's closing time is then moved
in the database, and the bot restarted (its worker checks at once on start): first a day ahead,
so the one reminder reaches only those who have not answered; then into the past, so it closes
and each association's staff group gets the final summary (text, chart, its own spreadsheet),
once, across a kill -9 and a restart. The officer reads the live results, gets the spreadsheet
and publishes the outcome: everyone asked gets it once, and it shows in News."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select, update

from bot.emulator import BotProcess, FakeTelegram
from bot.emulator.server import FakeUser
from bot.services.members import MemberService, RegistrationForm
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import VerificationService
from storage.db import Database
from storage.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationSummary,
    StaffRole,
    utcnow,
)
from tests.e2e.test_member_e2e import started

ADMIN = 1
OFFICER = 500  # staff of ВАГ and Асоціація ОТГ
VAG_GROUP = -1001000000101
AOTG_GROUP = -1001000000102
# A sender lease left by the killed process is taken over in seconds, not half a minute.
ENV = {"BROADCAST_LEASE_SECONDS": "3"}
CONSULTATION_ID = 1  # the first one in a fresh database

TITLE = "Законопроєкт № 1234 про місцеві податки"
QUESTION_UK = "Чи підтримуєте ви законопроєкт № 1234 про зміну ставок місцевих податків?"
QUESTION_EN = "Do you support draft law No. 1234 on local tax rates?"
AMENDMENTS = "Залишити громадам 64 % ПДФО, як зараз."
REPLY_COMMENT = "Потрібно більше часу, щоб порахувати наслідки для бюджету."
OUTCOME_UK = "Асоціації підтримують законопроєкт № 1234 з поправками щодо частки ПДФО."
OUTCOME_EN = "The associations support draft law No. 1234 with amendments on the PIT share."
KYIV_OBLAST = "UA32000000000030281"
LVIV_OBLAST = "UA46000000000026241"


@dataclass(frozen=True)
class Person:
    telegram_id: int
    name: str
    locale: str
    associations: tuple[str, ...]
    hromada: str
    verified: bool = True
    oblast: str = KYIV_OBLAST


SUPPORTS = Person(3001, "Олена Петренко", "uk", ("vag",), "Іллінецька")
CHANGES = Person(3002, "John Smith", "en", ("aotg",), "Bar", oblast=LVIV_OBLAST)
AMENDS = Person(3003, "Іван Бондар", "uk", ("vag", "aotg"), "Яготинська")
UNVERIFIED = Person(3004, "Марта Коваль", "uk", ("vag",), "Баришівська", verified=False)
SILENT_EN = Person(3005, "Anna Lee", "en", ("aotg",), "Hostomel")
SILENT_UK = Person(3006, "Петро Савченко", "uk", ("vag",), "Білоцерківська")
OUTSIDER = Person(3007, "Богдан Кравець", "uk", ("uaror",), "Львівська")  # not asked
ASKED = (SUPPORTS, CHANGES, AMENDS, UNVERIFIED, SILENT_EN, SILENT_UK)
ANSWERED = (SUPPORTS, CHANGES, AMENDS, UNVERIFIED)


async def seed(fake: FakeTelegram, db: Database) -> dict[int, FakeUser]:
    """The officer, the two staff groups, and the members registered (all but one verified)."""
    admins = frozenset({ADMIN})
    staff = StaffService(db, admins)
    for code in ("vag", "aotg"):
        await staff.grant(OFFICER, StaffRole.STAFF, code)
    chats = StaffChatService(db, admins)
    for chat_id, code, locale in ((VAG_GROUP, "vag", "uk"), (AOTG_GROUP, "aotg", "en")):
        fake.group(chat_id, f"Секретаріат {code}")
        await chats.bind(chat_id, f"Секретаріат {code}", code, ADMIN, locale)
    members = MemberService(db)
    verification = VerificationService(db, admins)
    users = {}
    for person in (*ASKED, OUTSIDER):
        users[person.telegram_id] = fake.user(
            person.telegram_id, first_name=person.name.split()[0], language_code=person.locale
        )
        users[person.telegram_id].chat  # noqa: B018 - the private chat opened
        await members.set_locale(person.telegram_id, person.locale)
        await members.register(
            person.telegram_id,
            RegistrationForm(
                full_name=person.name,
                role="hromada_head",
                oblast_code=person.oblast,
                hromada_code=None,
                hromada_text=person.hromada,
                association_codes=list(person.associations),
                associations_unsure=False,
            ),
        )
        if person.verified:
            await verification.decide(person.telegram_id, ADMIN, approve=True)
    return users


def consultation_messages(fake: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    """The consultation's messages in a chat, by their answer buttons: its question and its
    reminder (a preview's too)."""
    return [m for m in fake.chat(chat_id).bot_messages() if has_buttons(m)]


def has_buttons(message: dict[str, Any]) -> bool:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return any(str(b.get("callback_data", "")).startswith("cns:") for row in rows for b in row)


def button_data(message: dict[str, Any], text_regex: str) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    found = [b["callback_data"] for row in rows for b in row if re.search(text_regex, b["text"])]
    assert len(found) == 1, (text_regex, rows)
    return str(found[0])


def closed_marker_only(fake: FakeTelegram, chat_id: int) -> bool:
    """Every consultation message of the chat shows the "closed" marker and no answer button."""
    return all(
        [b["callback_data"] for row in m["reply_markup"]["inline_keyboard"] for b in row]
        == [f"cns:x:{CONSULTATION_ID}:0:0"]
        for m in consultation_messages(fake, chat_id)
    )


async def until(condition: Callable[[], bool], seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the fake has no event for this
            await asyncio.sleep(0.05)


def summary_messages(fake: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    """What the group got of the consultation's final summary (text, chart, spreadsheet)."""
    return [
        m
        for m in sorted(fake.chat(chat_id).bot_messages(), key=lambda m: m["message_id"])
        if "🏁" in m.get("text", "") or "photo" in m or "document" in m
    ]


def sheet_rows(fake: FakeTelegram, message: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of the spreadsheet's first sheet (the answers), header first."""
    content = fake.files[message["document"]["file_id"]]["content"]
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


async def move_closing(db: Database, delta: timedelta) -> None:
    async with db.transaction() as session:
        await session.execute(update(Consultation).values(closes_at=utcnow() + delta))


async def compose(officer: FakeUser) -> None:
    """`/consult` → new → every step through buttons and typed text → preview → confirm."""
    await officer.send("/consult")
    await officer.wait_for("Консультацій ще не було", timeout=20)
    await officer.click("Нова консультація")
    await officer.wait_for("Крок 1")
    await officer.send(TITLE)
    await officer.wait_for("Крок 2")
    await officer.send(QUESTION_UK)
    await officer.wait_for("Крок 3")
    await officer.send(QUESTION_EN)
    await officer.wait_for("Крок 4")
    await officer.click("Без документа")
    await officer.wait_for("Крок 5")
    await officer.click("Позиція щодо проєкту")
    step = await officer.wait_for("Крок 8")
    assert "Зараз її отримали б:</b> 6 членів" in step.get("source_text", step["text"]) or (
        "Зараз її отримали б: 6 членів" in step["text"]
    ), step["text"]
    await officer.click("^👥 Усі члени")
    await officer.wait_for("Крок 9")
    await officer.click("За 7 днів")
    await officer.wait_for("Крок 10")
    await officer.click("Так, бачитимуть")
    preview = await officer.wait_for("Перевірте консультацію")
    assert "Отримувачів: 6" in preview["text"], preview["text"]
    # Above it: the consultation as members get it, in both languages, buttons and all.
    copies = consultation_messages(officer.server, OFFICER)
    assert len(copies) == 2 and all(has_buttons(m) for m in copies)
    assert QUESTION_UK in copies[0]["text"] and QUESTION_EN in copies[1]["text"]
    await officer.click("Надіслати консультацію")
    await officer.wait_for("прийнято до розсилки")


async def answer(user: FakeUser, button: str, shown: str) -> dict[str, Any]:
    """Press an answer button on the consultation's message; the message then shows `shown`."""
    message = consultation_messages(user.server, user.id)[0]
    query = await user.click(button, message=message)
    await user.wait_answer(query)
    return await user.wait_for(shown)


async def open_desk_card(officer: FakeUser) -> None:
    await officer.send("/consult")
    await officer.wait_for("Консультації")
    await officer.click(f"№\u00a0\\d+ · {TITLE[:20]}")
    await officer.wait_for("Частка відповідей")


async def test_a_consultation_from_composing_to_its_published_outcome(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    fake = fake_telegram
    process = await started(bot_factory, fake, admin_ids=[ADMIN], extra_env=ENV)
    users = await seed(fake, db)
    officer = fake.user(OFFICER, first_name="Ірина", last_name="Коваль")

    # -------------------------------------------------------------- composing and delivery
    await compose(officer)
    await until(lambda: all(consultation_messages(fake, p.telegram_id) for p in ASKED))
    for person in ASKED:
        copies = consultation_messages(fake, person.telegram_id)
        assert len(copies) == 1, person
        text = copies[0]["text"]
        if person.locale == "en":
            assert QUESTION_EN in text and "I support it with amendments" in str(copies[0])
        else:
            assert QUESTION_UK in text and "Підтримую з поправками" in str(copies[0])
        assert has_buttons(copies[0])
    assert fake.chat(OUTSIDER.telegram_id).bot_messages() == []

    # -------------------------------------------------------------- answering
    await answer(users[SUPPORTS.telegram_id], "Підтримую$", "Ваша відповідь:.*Підтримую")
    changer = users[CHANGES.telegram_id]
    await answer(changer, "I oppose it", "Your answer:.*I oppose it")
    await answer(changer, "I support it$", "Your answer:.*I support it")
    amender = users[AMENDS.telegram_id]
    message = consultation_messages(fake, AMENDS.telegram_id)[0]
    await amender.click("з поправками", message=message)
    await amender.wait_for("Напишіть одним повідомленням, які поправки")
    await amender.send(AMENDMENTS)
    await amender.wait_for("Коментар збережено")
    shown = consultation_messages(fake, AMENDS.telegram_id)[0]["text"]
    assert "Ваша відповідь: Підтримую з поправками" in shown and AMENDMENTS in shown
    unverified = users[UNVERIFIED.telegram_id]
    question = await answer(unverified, "Не маю позиції", "Ваша відповідь:.*Не маю позиції")
    await unverified.send(REPLY_COMMENT, reply_to=question)
    await unverified.wait_for("Коментар збережено")
    await until(
        lambda: REPLY_COMMENT in consultation_messages(fake, UNVERIFIED.telegram_id)[0]["text"]
    )

    # -------------------------------------------------------------- live results, spreadsheet
    await open_desk_card(officer)
    await officer.click("Результати")
    results = await officer.wait_for("Відповіли 4 з 6")
    assert "Непідтверджені: 1" in results["text"]
    assert "Підтримують: 2 члени" in results["text"]
    assert "Підтримують з поправками: 1 член" in results["text"]
    assert AMENDMENTS in results["text"] and REPLY_COMMENT in results["text"]
    await officer.click("Таблиця")
    sheet = await until_document(officer)
    rows = sheet_rows(fake, sheet)
    assert sorted(row[0] for row in rows[1:]) == sorted(p.name for p in ANSWERED)

    # -------------------------------------------------------------- the reminder
    assert await process.stop() == 0
    await move_closing(db, timedelta(hours=5))
    process = await started(bot_factory, fake, admin_ids=[ADMIN], extra_env=ENV)
    silent = (SILENT_EN, SILENT_UK)
    await until(lambda: all(len(consultation_messages(fake, p.telegram_id)) == 2 for p in silent))
    for person in silent:
        reminder = consultation_messages(fake, person.telegram_id)[1]
        assert ("Нагадування" if person.locale == "uk" else "Reminder") in reminder["text"]
        assert has_buttons(reminder)
    for person in ANSWERED:
        assert len(consultation_messages(fake, person.telegram_id)) == 1, person

    # -------------------------------------------------------------- closing across a restart
    stale = consultation_messages(fake, SILENT_UK.telegram_id)[0]
    stale_support = button_data(stale, "Підтримую$")
    assert await process.stop() == 0
    await move_closing(db, -timedelta(minutes=1))
    process = await started(bot_factory, fake, admin_ids=[ADMIN], extra_env=ENV)
    await until(lambda: len(summary_messages(fake, VAG_GROUP)) == 3, 30)
    await until(lambda: len(summary_messages(fake, AOTG_GROUP)) == 3, 30)
    expected = {
        VAG_GROUP: (("vag",), "Підсумок консультації", "Відповіли 4 з 6"),
        AOTG_GROUP: (("aotg",), "Consultation summary", "4 of 6 asked have answered"),
    }
    for group, (codes, heading, response) in expected.items():
        text, photo, document = summary_messages(fake, group)
        assert heading in text["text"] and response in text["text"], text["text"]
        chart = fake.files[photo["photo"][-1]["file_id"]]["content"]
        assert chart.startswith(b"\x89PNG")
        assert document["document"]["file_name"].endswith(".xlsx")
        # Each group's staff see the answers of their own association's members only.
        rows = sheet_rows(fake, document)
        seen = {p.name for p in ANSWERED if set(p.associations) & set(codes)}
        assert sorted(row[0] for row in rows[1:]) == sorted(seen), (group, rows)
    # Closing replaced every answer button members were shown by the "closed" marker ...
    await until(lambda: all(closed_marker_only(fake, p.telegram_id) for p in ASKED))
    late = users[SILENT_UK.telegram_id]
    query = await late.click("Консультацію завершено", message=stale["message_id"])
    alert = await late.wait_answer(query)
    assert "відповіді більше не приймаються" in alert["text"] and alert.get("show_alert")
    # ... and a press of a button as it was before (a client not yet updated) is refused.
    query = await late.send_callback(stale_support, stale["message_id"])
    alert = await late.wait_answer(query)
    assert "відповіді більше не приймаються" in alert["text"] and alert.get("show_alert")
    async with db.transaction() as session:
        answers = await session.scalar(select(func.count()).select_from(ConsultationAnswer))
    assert answers == len(ANSWERED)

    # Killed and started again: the summary is not posted a second time.
    await process.kill()
    process = await started(bot_factory, fake, admin_ids=[ADMIN], extra_env=ENV)
    async with db.transaction() as session:
        runs = list(await session.scalars(select(ConsultationSummary)))
        consultation = await session.scalar(select(Consultation))
    assert sorted((r.chat_id, r.status) for r in runs) == sorted(
        [(VAG_GROUP, "sent"), (AOTG_GROUP, "sent")]
    )
    assert consultation is not None and consultation.summary_posted_at is not None

    # -------------------------------------------------------------- publishing the outcome
    await open_desk_card(officer)
    await officer.click("Оприлюднити підсумкову позицію")
    await officer.wait_for("Надішліть українською текст консолідованої позиції")
    await officer.send(OUTCOME_UK)
    await officer.wait_for("той самий текст англійською")
    await officer.send(OUTCOME_EN)
    await officer.wait_for("За потреби додайте документ")
    await officer.click("Без документа")
    confirm = await officer.wait_for("Перевірте підсумкову позицію")
    assert "Отримувачів: 6" in confirm["text"]
    await officer.click("Оприлюднити$")
    await officer.wait_for("Підсумкову позицію прийнято до розсилки")

    def outcomes(person: Person) -> list[dict[str, Any]]:
        return [
            m
            for m in fake.chat(person.telegram_id).bot_messages()
            if OUTCOME_UK in m.get("text", "") or OUTCOME_EN in m.get("text", "")
        ]

    await until(lambda: all(outcomes(p) for p in ASKED))
    await asyncio.sleep(0.5)  # time for a second copy, were one on its way
    for person in ASKED:
        (copy,) = outcomes(person)
        wanted = OUTCOME_EN if person.locale == "en" else OUTCOME_UK
        assert wanted in copy["text"] and TITLE in copy["text"]
    assert fake.chat(OUTSIDER.telegram_id).bot_messages() == []

    # In News, named by the consultation's title.
    member = users[SUPPORTS.telegram_id]
    await member.send("/menu")
    await member.wait_for("Головне меню")
    await member.click("Новини")
    await member.wait_for("Останні оголошення асоціацій")
    assert any(f"Підсумки: {TITLE[:20]}" in b for b in member.buttons())

    # Still one summary in each group, and no second reminder to anyone.
    for group in (VAG_GROUP, AOTG_GROUP):
        assert len(summary_messages(fake, group)) == 3
    for person in (SILENT_EN, SILENT_UK):
        assert len(consultation_messages(fake, person.telegram_id)) == 2
    fake.assert_no_violations()


async def until_document(user: FakeUser, seconds: float = 20) -> dict[str, Any]:
    """The spreadsheet the bot sent last into the user's private chat."""

    def document() -> dict[str, Any] | None:
        found = [m for m in user.chat.bot_messages() if "document" in m]
        return found[-1] if found else None

    await until(lambda: document() is not None, seconds)
    found = document()
    assert found is not None
    return found
