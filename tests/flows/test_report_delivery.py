"""Report cards and the reporter's answers in a staff group that became a supergroup: every
send into a staff group goes through delivery.staff_chats.send_to_staff_chat, which follows it."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramMigrateToChat
from aiogram.methods import SendMessage, TelegramMethod

from bot.services.staff_chats import StaffChatService
from delivery.report_cards import post_reporter_reply
from tests.flows import test_report_desk as rd
from tests.flows.harness import App

desk = rd.desk  # the fixture: staff of every association, the three groups bound
UPGRADED = -100555  # VAG's group as a supergroup


def migrate_vag_group(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on Telegram answers a send to VAG's old group id with its new one."""
    session = rd.session_of(app)
    old_send = session.make_request

    async def migrated(
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        if isinstance(method, SendMessage) and method.chat_id == rd.VAG_GROUP:
            raise TelegramMigrateToChat(
                method=method, message="migrated", migrate_to_chat_id=UPGRADED
            )
        return await old_send(bot, method, timeout)

    monkeypatch.setattr(session, "make_request", migrated)


async def test_a_card_follows_a_group_that_became_a_supergroup(
    desk: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate_vag_group(desk, monkeypatch)
    await rd.register(desk, rd.REPORTER, codes=("vag",))
    report_id = await rd.submit(desk)
    assert await rd.publish(desk, report_id) == 1
    assert rd.cards_in(desk, UPGRADED) and not rd.cards_in(desk, rd.VAG_GROUP)
    view = await rd.reports_of(desk).report(report_id)
    assert view is not None and [c.chat_id for c in view.cards] == [UPGRADED]
    chats = StaffChatService(desk.db)
    assert await chats.chat(rd.VAG_GROUP) is None
    moved = await chats.chat(UPGRADED)
    assert moved is not None and moved.association_codes == ("vag",)


async def test_the_reporters_answer_follows_a_group_that_became_a_supergroup(
    desk: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    await rd.register(desk, rd.REPORTER, codes=("vag",))
    report_id = await rd.submit(desk)
    assert await rd.publish(desk, report_id) == 1  # the card in the group's old id
    migrate_vag_group(desk, monkeypatch)
    service = rd.reports_of(desk)
    entry = await service.reporter_reply(report_id, rd.REPORTER, "Дякую! Додаю кошторис.")
    translations = desk.dp["translations"]
    assert await post_reporter_reply(desk.bot, service, translations, report_id, entry) == 1
    answers = [m.text or "" for m in rd.session_of(desk).to(UPGRADED)]
    assert any("Дякую! Додаю кошторис." in text for text in answers)
    assert await StaffChatService(desk.db).chat(UPGRADED) is not None
