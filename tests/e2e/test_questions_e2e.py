"""A question the knowledge base cannot answer, escalated by a member and answered by staff in
their bound group: the real bot process over HTTP against the fake Bot API server."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.emulator import BotProcess, FakeTelegram
from bot.services.staff import StaffService
from storage.db import Database
from storage.models import Question, QuestionAnswer, StaffRole
from tests.e2e.test_member_e2e import register, started

QUESTION = "Чи можна купити снігоприбиральну техніку коштом освітньої субвенції?"


async def test_member_question_is_answered_by_staff_in_the_bound_group(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    await started(bot_factory, fake_telegram, admin_ids=[1])
    admin = fake_telegram.user(1, first_name="Адмін")
    staff = fake_telegram.user(500, first_name="Ірина", last_name="Коваль")
    await StaffService(db, frozenset({1})).grant(500, StaffRole.STAFF, "vag")
    group = fake_telegram.group(-1001234567890, "Секретаріат ВАГ")

    # The admin binds the group; a non-admin cannot.
    await staff.send("/bind vag", chat=group)
    await staff.wait_for("лише адміністратор", chat=group)
    await admin.send("/bind vag", chat=group)
    await admin.wait_for("Групу прив’язано", chat=group)

    # A member asks something the knowledge base does not cover and sends it to the experts.
    member = fake_telegram.user(1001, first_name="Олена", last_name="Петренко")
    await register(member)
    await member.send("що таке дрім")
    await member.wait_for("знайдено")
    assert member.buttons()[0].startswith("DREAM")
    staff.mark()
    await member.send(QUESTION)
    await member.wait_for("Точної відповіді|відповіді немає")
    await member.click("Надіслати запитання експертам")
    await member.wait_for("Надіслати запитання експертам\\?")
    await member.click("✅ Надіслати")
    await member.wait_for("надіслано експертам")

    card = await staff.wait_for("Запитання №", chat=group)
    assert "снігоприбиральну техніку" in card["text"]
    assert "Олена Петренко" in card["text"]

    # A group member without staff rights cannot answer.
    outsider = fake_telegram.user(777, first_name="Сторонній")
    await outsider.send("Я знаю відповідь!", chat=group, reply_to=card)
    await outsider.wait_for("Відповідати на запитання можуть лише", chat=group)

    # Staff answer by replying to the card; an answer over Telegram's limit arrives in parts.
    paragraph = "Ні, освітня субвенція має цільове призначення. " * 40
    answer = "\n\n".join([paragraph.strip()] * 3)
    assert len(answer) > 4096
    member.mark()
    await staff.send(answer, chat=group, reply_to=card)
    await staff.wait_for("Відповідь надіслано членові", chat=group)
    header = await member.wait_for("Відповідь експертів")
    assert "снігоприбиральну" in header["text"]
    received = [
        m["text"] for m in member.messages if m.get("from", {}).get("is_bot") and "text" in m
    ]
    joined = "\n".join(received)
    assert joined.count("освітня субвенція має цільове призначення") == 120
    assert all(len(text) <= 4096 for text in received)

    edited = await staff.wait_for("Відповідь надав", chat=group)
    assert "Ірина Коваль" in edited["text"]

    async with db.transaction() as session:
        question = (await session.execute(select(Question))).scalar_one()
        answers = (await session.execute(select(QuestionAnswer))).scalars().all()
    assert question.status == "answered"
    assert [(a.staff_telegram_id, a.delivered) for a in answers] == [(500, True)]
    fake_telegram.assert_no_violations()
