"""Logs at DEBUG, configured as `hromada-bot run --verbose` configures them, hold no name, phone
or text a member sent: not from the database driver, not from the dialogs library."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.cli import QUIET_LOGGERS, _configure_logging
from storage.db import Database
from storage.models import Member
from tests.flows.harness import App

NAME = "Ярослава Зорецька-Ліщук"
TELEGRAM_FIRST, TELEGRAM_LAST = "Ярусик", "Зорецька"
PHONE = "+380931112233"
HROMADA = "Зоряноградська сільська громада"
TITLE = "Протікає дах бібліотеки у Зорянограді"
DESCRIPTION = "Після зливи 3 грудня вода заливає читальну залу, книжковий фонд під загрозою."
PRIVATE = (NAME, TELEGRAM_FIRST, TELEGRAM_LAST, PHONE, PHONE[1:], HROMADA, TITLE, DESCRIPTION)


@pytest.fixture
def verbose_logging() -> Iterator[None]:
    """The bot's --verbose configuration, undone after the test."""
    names = ["", *QUIET_LOGGERS]
    levels = {name: logging.getLogger(name).level for name in names}
    _configure_logging(verbose=True)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def leaks(caplog: pytest.LogCaptureFixture) -> list[str]:
    found = []
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += str(record.exc_info[1])
        found += [f"{record.name}: {secret!r}" for secret in PRIVATE if secret in text]
    return found


@pytest.mark.usefixtures("verbose_logging")
async def test_registration_and_a_report_log_no_personal_data(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)

    member = app.member(1001, first_name=TELEGRAM_FIRST, last_name=TELEGRAM_LAST)
    await member.send("/start")
    await member.click("Українська")
    await member.click("Погоджуюся")
    await member.send(NAME)
    await member.click("^Голова громади$")
    await member.click("Вінницька")
    await member.send(HROMADA)
    await member.click("ВАГ")
    await member.click("Далі")
    await member.send_contact(PHONE)
    assert "Реєстрацію завершено" in member.window()

    await member.click("Повідомити про проблему")
    await member.click("Освіта")
    await member.click("Висока")
    await member.send(TITLE)
    await member.send(DESCRIPTION)
    await member.click("Пропустити")  # files
    await member.click("Пропустити")  # residents
    await member.click("Далі")  # groups
    await member.click("Пропустити")  # DREAM id
    await member.click("Надіслати")
    assert "R-" in member.window()

    assert caplog.records, "the flow logged nothing: the test would prove nothing"
    assert leaks(caplog) == []


async def test_a_database_error_does_not_carry_the_values(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Member(telegram_id=7, full_name=NAME, phone=PHONE))
    with pytest.raises(IntegrityError) as error:
        async with db.transaction() as session:
            await session.execute(insert(Member).values(telegram_id=7, full_name=NAME, phone=PHONE))
    assert NAME not in str(error.value) and PHONE not in str(error.value)
