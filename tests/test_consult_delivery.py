"""The broadcast sender by purpose, against the fake Bot API: a consultation's question goes with
its document and answer buttons, the reminder only to those who have not answered (saying it is
a reminder and how long is left), the outcome as an announcement named by the consultation's
title with its document; announcements as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram import Bot
from sqlalchemy import select

from bot.content import AssociationInfo
from bot.emulator import FakeTelegram
from bot.emulator.server import visible_text
from bot.i18n import Translations
from bot.services.broadcasts import Audience, BroadcastService
from bot.services.consultations import ConsultationDraft, ConsultationService, Document
from storage.db import Database
from storage.models import BroadcastDelivery, ConsultationKind
from tests import test_broadcast_sender as base
from tests.broadcast_helpers import FakeClock, seed_members

# The broadcast sender tests' fixtures: the fake Bot API, the sender's bot, the content.
fake = base.fake
bot = base.bot
associations = base.associations
translations = base.translations
ADMIN = base.ADMIN
members = base.members
sender = base.sender

QUESTION = "Чи підтримуєте законопроєкт №1234 <b>про громади</b>?"


def consultations(db: Database, clock: FakeClock) -> ConsultationService:
    return ConsultationService(db, frozenset({ADMIN}), clock=clock.now)


async def ask(db: Database, clock: FakeClock, document: Document | None = None) -> int:
    made = await consultations(db, clock).create(
        ADMIN,
        "Адміністратор",
        ConsultationDraft(
            title="Законопроєкт №1234",
            question_uk=QUESTION,
            question_en="Do you support draft law No.\u00a01234?",
            kind=ConsultationKind.POSITION,
            closes_at=clock.now() + timedelta(hours=30),
            audience=Audience(("vag",)),
            document=document,
        ),
    )
    return made.id


def messages(fake: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    chat = fake.chats.get(chat_id)
    return [] if chat is None else chat.bot_messages()


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def run(
    bot: Bot,
    db: Database,
    translations: Translations,
    associations: list[AssociationInfo],
    clock: FakeClock,
) -> None:
    await sender(bot, db, translations, associations, clock).run_until_idle()


async def test_the_question_goes_with_its_document_and_answer_buttons(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    members(fake, [1001, 1002])
    await seed_members(db, [1001], locale="uk")
    await seed_members(db, [1002], locale="en", verified=False)  # asked too
    clock = FakeClock()
    file_id = fake.register_file("document", file_name="draft.pdf")["file_id"]
    await ask(db, clock, Document("document", file_id, "draft.pdf"))
    await run(bot, db, translations, associations, clock)

    document, question = messages(fake, 1001)
    assert document["document"]["file_id"] == file_id
    assert visible_text(document) == "🗳 Консультація: Законопроєкт №1234"
    text = visible_text(question)
    assert "Чи підтримуєте законопроєкт №1234 про громади?" in text
    assert "(за київським часом)" in text
    assert buttons(question) == [
        "👍 Підтримую",
        "✍️ Підтримую з поправками",
        "👎 Не підтримую",
        "🤷 Не маю позиції",
    ]
    english = messages(fake, 1002)[-1]
    assert "Do you support draft law No.\u00a01234?" in visible_text(english)
    assert buttons(english)[0] == "👍 I support it"
    async with db.transaction() as session:
        recorded = set(await session.scalars(select(BroadcastDelivery.message_id)))
    # The message recorded is the one with the buttons (a member replies to it).
    assert question["message_id"] in recorded


async def test_the_reminder_goes_to_those_who_have_not_answered(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    members(fake, [1001, 1002])
    await seed_members(db, [1001, 1002], locale="uk")
    clock = FakeClock()
    consultation_id = await ask(db, clock)
    await run(bot, db, translations, associations, clock)
    service = consultations(db, clock)
    await service.answer(1001, consultation_id, "support")

    clock.advance(7 * 3600)  # 23 hours before closing
    assert await service.due_reminders() == [consultation_id]
    assert await service.mark_reminder(consultation_id) is not None
    assert await service.mark_reminder(consultation_id) is None  # once
    await run(bot, db, translations, associations, clock)

    assert len(messages(fake, 1001)) == 1
    reminder = visible_text(messages(fake, 1002)[-1])
    assert reminder.startswith("⏰ Нагадування. Ви ще не відповіли.")
    assert "залишилося 22 години" in reminder or "залишилося 23 години" in reminder
    assert "Законопроєкт №1234" in reminder
    assert len(buttons(messages(fake, 1002)[-1])) == 4


async def test_the_outcome_is_an_announcement_named_by_the_consultation(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    members(fake, [1001])
    await seed_members(db, [1001], locale="uk")
    clock = FakeClock()
    consultation_id = await ask(db, clock)
    await run(bot, db, translations, associations, clock)
    service = consultations(db, clock)
    await service.close(consultation_id, actor_telegram_id=ADMIN)
    file_id = fake.register_file("document", file_name="letter.pdf")["file_id"]
    outcome_id = await service.publish_outcome(
        ADMIN,
        "Адміністратор",
        consultation_id,
        "71 % громад підтримали законопроєкт з поправками.",
        document=Document("document", file_id, "letter.pdf"),
    )
    await run(bot, db, translations, associations, clock)

    outcome = messages(fake, 1001)[-1]
    assert outcome["document"]["file_id"] == file_id
    assert visible_text(outcome) == (
        "📌 Підсумки консультації «Законопроєкт №1234» · ВАГ\n\n"
        "71 % громад підтримали законопроєкт з поправками."
    )
    assert buttons(outcome) == []

    # In News too, named by the consultation.
    news = await BroadcastService(db, frozenset({ADMIN})).news_for(1001)
    assert [(item.broadcast_id, item.consultation_title) for item in news] == [
        (outcome_id, "Законопроєкт №1234")
    ]
