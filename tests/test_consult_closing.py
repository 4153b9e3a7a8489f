"""Closing a consultation puts the "closed" marker on every message that carried its answer
buttons, through the outbox: `close` writes one closing broadcast (one row per member the
question or the reminder reached) in the transaction that closes, and the broadcast sender
edits those messages' buttons in each member's language, against the fake Bot API. Nothing left
to edit, or a blocked bot, settles the row; the closing shows in no News and no export."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from sqlalchemy import select, update

import delivery.broadcast_sender as broadcast_sender
from bot.emulator import FakeTelegram
from bot.emulator.server import visible_text
from bot.services.broadcasts import BroadcastService
from bot.services.consultations import ConsultationService
from bot.services.privacy import PrivacyService
from storage.db import Database
from storage.models import (
    AuditEvent,
    Broadcast,
    BroadcastDelivery,
    BroadcastPurpose,
    DeliveryStatus,
    Member,
)
from tests import test_consult_delivery as delivery_tests
from tests.broadcast_helpers import FakeClock, seed_members

# The sender tests' fixtures: the fake Bot API, the sender's bot, the content.
fake = delivery_tests.fake
bot = delivery_tests.bot
associations = delivery_tests.associations
translations = delivery_tests.translations
ADMIN, ask, run = delivery_tests.ADMIN, delivery_tests.ask, delivery_tests.run
messages, buttons = delivery_tests.messages, delivery_tests.buttons

CLOSED_UK = ["🔒 Консультацію завершено"]
CLOSED_EN = ["🔒 The consultation is closed"]
ANSWER_BUTTONS = 4


def service(db: Database, clock: FakeClock) -> ConsultationService:
    return ConsultationService(db, frozenset({ADMIN}), clock=clock.now)


async def closings(db: Database) -> list[Broadcast]:
    async with db.transaction() as session:
        return list(
            await session.scalars(
                select(Broadcast)
                .where(Broadcast.purpose == BroadcastPurpose.CLOSING)
                .order_by(Broadcast.id)
            )
        )


async def rows_of(db: Database, broadcast_id: int) -> dict[int, BroadcastDelivery]:
    """The outbox rows of a broadcast by chat."""
    async with db.transaction() as session:
        found = await session.scalars(
            select(BroadcastDelivery).where(BroadcastDelivery.broadcast_id == broadcast_id)
        )
        return {row.chat_id: row for row in found}


def edits(fake: FakeTelegram) -> list[tuple[int, int]]:
    return [(p["chat_id"], p["message_id"]) for p in fake.calls("editMessageReplyMarkup")]


async def asked(
    db: Database,
    fake: FakeTelegram,
    bot: Bot,
    translations: Any,
    associations: Any,
    chats: list[int],
    *,
    send: bool = True,
) -> tuple[FakeClock, int]:
    """These members (Ukrainian) asked; the question sent to them unless `send` is False."""
    delivery_tests.members(fake, chats)
    await seed_members(db, chats)
    clock = FakeClock()
    consultation_id = await ask(db, clock)
    if send:
        await run(bot, db, translations, associations, clock)
    return clock, consultation_id


async def asked_and_reminded(
    db: Database, fake: FakeTelegram, bot: Bot, translations: Any, associations: Any
) -> tuple[FakeClock, int]:
    """1001 answered; 1002 (English) got the reminder too; 1003's question failed to go out,
    the reminder reached them; 1004 got the question and blocked the bot since; 1005 was not
    asked. At the closing time now."""
    delivery_tests.members(fake, [1001, 1002, 1003, 1004, 1005])
    await seed_members(db, [1001, 1003, 1004], locale="uk")
    await seed_members(db, [1002], locale="en")
    await seed_members(db, [1005], codes=("uaror",))
    fake.inject("sendMessage", 400, "Bad Request: wrong file identifier", chat_id=1003)
    clock = FakeClock()
    consultation_id = await ask(db, clock)
    await run(bot, db, translations, associations, clock)
    consultations = service(db, clock)
    await consultations.answer(1001, consultation_id, "support")
    clock.advance(7 * 3600)  # a day before closing
    assert await consultations.mark_reminder(consultation_id) is not None
    await run(bot, db, translations, associations, clock)
    async with db.transaction() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == 1004).values(reachable=False)
        )
    clock.advance(23 * 3600)
    assert await consultations.due_closing() == [consultation_id]
    return clock, consultation_id


# ------------------------------------------------------------------------------ the service


async def test_closing_writes_one_closing_broadcast_to_those_the_buttons_reached(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    clock, consultation_id = await asked_and_reminded(db, fake, bot, translations, associations)
    consultations = service(db, clock)

    closed = await asyncio.gather(*(consultations.close(consultation_id) for _ in range(3)))
    assert sorted(closed) == [False, False, True]
    assert not await consultations.close(consultation_id)  # after a restart too

    (closing,) = await closings(db)
    assert closing.consultation_id == consultation_id and closing.progress_chat_id is None
    assert closing.recipients == 3 and closing.status == "sending"
    assert set(await rows_of(db, closing.id)) == {1001, 1002, 1003}
    async with db.transaction() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "consultation.closed")
        )
    assert event is not None and event.after["closing_broadcast_id"] == closing.id
    assert event.after["buttons_closed"] == 3


async def test_a_closing_with_no_buttons_out_is_recorded_done(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    # Closed before the sender sent anything.
    clock, consultation_id = await asked(
        db, fake, bot, translations, associations, [1001], send=False
    )
    assert await service(db, clock).close(consultation_id, actor_telegram_id=ADMIN)
    (closing,) = await closings(db)
    assert closing.recipients == 0 and closing.status == "done"
    # The question goes out afterwards already closed: no answer buttons to replace.
    await run(bot, db, translations, associations, clock)
    assert buttons(messages(fake, 1001)[-1]) == CLOSED_UK
    assert edits(fake) == []


# ------------------------------------------------------------------------------ the sender


async def test_the_sender_puts_the_closed_marker_on_the_question_and_the_reminder(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    clock, consultation_id = await asked_and_reminded(db, fake, bot, translations, associations)
    before = {chat: len(messages(fake, chat)) for chat in (1001, 1002, 1003, 1004)}
    question_1001 = messages(fake, 1001)[-1]
    question_1002, reminder_1002 = messages(fake, 1002)[-2:]
    (reminder_1003,) = messages(fake, 1003)
    assert len(buttons(question_1001)) == len(buttons(reminder_1002)) == ANSWER_BUTTONS

    await service(db, clock).close(consultation_id)
    await run(bot, db, translations, associations, clock)

    assert sorted(edits(fake)) == sorted(
        [
            (1001, question_1001["message_id"]),
            (1002, question_1002["message_id"]),
            (1002, reminder_1002["message_id"]),
            (1003, reminder_1003["message_id"]),
        ]
    )
    # The same messages, their texts unchanged, the buttons in the member's language.
    assert buttons(messages(fake, 1001)[-1]) == CLOSED_UK
    assert [buttons(m) for m in messages(fake, 1002)[-2:]] == [CLOSED_EN, CLOSED_EN]
    assert buttons(messages(fake, 1003)[-1]) == CLOSED_UK
    assert visible_text(messages(fake, 1002)[-1]) == visible_text(reminder_1002)
    assert {chat: len(messages(fake, chat)) for chat in before} == before  # nothing new sent
    (closing,) = await closings(db)
    settled = await rows_of(db, closing.id)
    assert {chat: row.status for chat, row in settled.items()} == {
        1001: DeliveryStatus.SENT,
        1002: DeliveryStatus.SENT,
        1003: DeliveryStatus.SENT,
    }
    assert settled[1001].message_id == question_1001["message_id"]
    async with db.transaction() as session:
        assert (await session.get(Broadcast, closing.id)).status == "done"  # type: ignore[union-attr]
    fake.assert_no_violations()


@pytest.mark.parametrize(
    "answer",
    [
        "deleted",
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
        "Bad Request: message can't be edited",
    ],
)
async def test_nothing_left_to_edit_settles_the_row(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations, answer: str
) -> None:
    clock, consultation_id = await asked(db, fake, bot, translations, associations, [1001])
    question = messages(fake, 1001)[-1]
    if answer == "deleted":  # the member deleted the message
        fake.chat(1001).messages[question["message_id"]]["deleted"] = True
    else:
        fake.inject("editMessageReplyMarkup", 400, answer, chat_id=1001, times=5)

    assert await service(db, clock).close(consultation_id, actor_telegram_id=ADMIN)
    await run(bot, db, translations, associations, clock)

    (closing,) = await closings(db)
    assert (await rows_of(db, closing.id))[1001].status == DeliveryStatus.SENT
    assert len(edits(fake)) == 1  # not tried again


async def test_a_blocked_bot_settles_the_row_and_a_server_error_is_tried_again(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    clock, consultation_id = await asked(db, fake, bot, translations, associations, [1001, 1002])
    fake.block(1001)
    fake.inject("editMessageReplyMarkup", 502, "Bad Gateway", chat_id=1002, times=2)

    assert await service(db, clock).close(consultation_id, actor_telegram_id=ADMIN)
    await run(bot, db, translations, associations, clock)

    (closing,) = await closings(db)
    settled = await rows_of(db, closing.id)
    assert settled[1001].status == DeliveryStatus.UNREACHABLE
    assert settled[1002].status == DeliveryStatus.SENT and settled[1002].attempts == 3
    assert [chat for chat, _ in edits(fake)].count(1001) == 1
    assert buttons(messages(fake, 1002)[-1]) == CLOSED_UK


async def test_a_timeout_is_tried_again_since_the_marker_put_twice_is_put_once(
    db: Database,
    fake: FakeTelegram,
    bot: Bot,
    translations,
    associations,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock, consultation_id = await asked(db, fake, bot, translations, associations, [1001])
    real = broadcast_sender.mark_closed
    calls: list[int] = []

    async def times_out_once(*args: Any, **kwargs: Any) -> bool:
        calls.append(1)
        if len(calls) == 1:
            await real(*args, **kwargs)  # it reached Telegram; the answer did not come back
            raise TelegramNetworkError(method=None, message="Request timeout error")  # type: ignore[arg-type]
        return await real(*args, **kwargs)

    monkeypatch.setattr(broadcast_sender, "mark_closed", times_out_once)
    assert await service(db, clock).close(consultation_id, actor_telegram_id=ADMIN)
    await run(bot, db, translations, associations, clock)

    (closing,) = await closings(db)
    assert (await rows_of(db, closing.id))[1001].status == DeliveryStatus.SENT
    assert len(calls) == 2 and buttons(messages(fake, 1001)[-1]) == CLOSED_UK


async def test_a_question_still_waiting_when_staff_close_early_goes_out_closed(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    """The sender cached the consultation as open; a row it sends after the closing reads it
    again, so no answer buttons go out once it is closed."""
    clock, consultation_id = await asked(
        db, fake, bot, translations, associations, [1001, 1002], send=False
    )
    fake.inject("sendMessage", 429, retry_after=30, chat_id=1002)
    worker = delivery_tests.sender(bot, db, translations, associations, clock)
    await worker.run_once()
    await worker.drain()
    assert len(buttons(messages(fake, 1001)[-1])) == ANSWER_BUTTONS
    assert messages(fake, 1002) == []

    assert await service(db, clock).close(consultation_id, actor_telegram_id=ADMIN)
    await worker.run_until_idle()

    assert buttons(messages(fake, 1001)[-1]) == CLOSED_UK  # edited
    assert buttons(messages(fake, 1002)[-1]) == CLOSED_UK  # sent closed
    (closing,) = await closings(db)
    assert set(await rows_of(db, closing.id)) == {1001}


# ------------------------------------------------------------------------------ unseen


async def test_a_closing_is_in_no_news_and_no_export(
    db: Database, fake: FakeTelegram, bot: Bot, translations, associations
) -> None:
    clock, consultation_id = await asked(db, fake, bot, translations, associations, [1001])
    assert await service(db, clock).close(consultation_id, actor_telegram_id=ADMIN)
    await run(bot, db, translations, associations, clock)
    (closing,) = await closings(db)

    news = BroadcastService(db, frozenset({ADMIN}))
    assert await news.news_for(1001) == []
    assert await news.news_item(1001, closing.id) is None
    export = await PrivacyService(db).export(1001)
    listed = [item["broadcast_id"] for item in export["announcements"]]
    assert closing.id not in listed and listed  # the question itself is listed
