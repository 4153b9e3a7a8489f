"""Exactly-once through the real dispatcher: the process dies after the submit transaction
commits but before the dialog state is saved, so the member is still on the step they pressed;
pressing again files nothing new and shows what the first press did."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy import func, select

from storage.models import Question, Report, ReportEvent, ReportSupporter
from tests.flows.harness import App, Member
from tests.flows.test_knowledge import registered
from tests.flows.test_report_dialog import fill_to_files, register, reporter, reports

QUESTION = "Чи можна купити снігоприбиральну техніку коштом субвенції на освіту?"


class Crash(Exception):
    """The process stopped here."""


@contextmanager
def state_not_saved(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """During this update nothing reaches the dialog storage, as when the process dies after
    the handler's commit and before the state is written."""

    async def crash(*_args: Any, **_kwargs: Any) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(app.dp.storage, "set_data", crash)
        patch.setattr(app.dp.storage, "set_state", crash)
        with suppress(Crash):
            yield


def button(message: Message, pattern: str) -> str:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    for row in markup.inline_keyboard:
        for key in row:
            if re.search(pattern, key.text):
                return key.callback_data or ""
    raise AssertionError(f"no button {pattern!r}")


async def press_with_crash(
    app: App, member: Member, pattern: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Message, str]:
    """Press the button on the current window while the state is not saved; returns that
    window's message and the button's data, to press them again after the restart."""
    shown = app.windows.last_message()
    data = button(shown, pattern)
    with state_not_saved(app, monkeypatch):
        await member.press(data, shown)
    return shown, data


def callback_answers(app: App, callback_id: str) -> list[str]:
    return [
        call.text or ""
        for call in app.session.calls
        if isinstance(call, AnswerCallbackQuery) and call.callback_query_id == callback_id
    ]


async def count(app: App, column: Any, *where: Any) -> int:
    async with app.db.transaction() as session:
        return int(await session.scalar(select(func.count(column)).where(*where)) or 0)


async def to_preview(member: Member) -> None:
    await fill_to_files(member)
    await member.click("Пропустити")  # files
    await member.click("Пропустити")  # residents
    await member.click("Далі")  # groups
    await member.click("Пропустити")  # DREAM
    assert "Перевірте звернення" in member.window()


async def test_a_report_sent_before_a_crash_is_not_filed_again(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await reporter(app)
    await to_preview(member)
    preview, submit = await press_with_crash(app, member, "Надіслати$", monkeypatch)
    [filed] = await _reports(app)
    assert filed.request_key  # the key was fixed before the press

    # Restarted: the member is still on the preview and presses "Надіслати" again.
    pressed = await member.press(submit, preview)

    assert await count(app, Report.id) == 1
    assert "Звернення зареєстровано" in member.window()
    assert filed.reference in member.window()
    [told] = callback_answers(app, pressed)
    assert f"Ваше звернення {filed.reference} уже надіслано" in told


async def test_a_press_repeated_without_a_crash_is_answered_once(app: App) -> None:
    member = await reporter(app)
    await to_preview(member)
    preview = app.windows.last_message()
    submit = button(preview, "Надіслати$")
    await member.press(submit, preview)
    reference = (await _reports(app))[0].reference
    await member.press(submit, preview)  # the same update resent
    assert await count(app, Report.id) == 1
    assert reference in member.window()


async def test_joining_before_a_crash_signs_once(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    await register(app, 2002, hromada="Вінницька")
    existing = await reports(app).submit(
        2002,
        _form("Ремонт даху школи після обстрілу", "Дах школи пошкоджено обстрілом."),
    )
    member = await reporter(app)
    await fill_to_files(member)
    for step in ("Пропустити", "Пропустити", "Далі", "Пропустити"):
        await member.click(step)
    assert "Схожі відкриті звернення" in member.window()
    similar, join = await press_with_crash(
        app, member, f"Приєднатися до {existing.reference}", monkeypatch
    )
    # Meanwhile they withdrew in another chat window: the resent join must not sign them again.
    await reports(app).withdraw(existing.id, 1001)

    pressed = await member.press(join, similar)

    assert await count(app, ReportEvent.id, ReportEvent.kind == "cosign") == 1
    assert await count(app, ReportSupporter.id, ReportSupporter.withdrawn_at.is_(None)) == 0
    assert existing.reference in member.window()
    [told] = callback_answers(app, pressed)
    assert f"Ви вже приєдналися до звернення {existing.reference}" in told


async def test_a_question_sent_before_a_crash_is_not_sent_again(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await registered(app, associations=("vag",))
    await member.send(QUESTION)
    await member.click("Надіслати запитання експертам")
    confirm, send = await press_with_crash(app, member, "✅ Надіслати$", monkeypatch)
    async with app.db.transaction() as session:
        [question] = (await session.scalars(select(Question))).all()

    pressed = await member.press(send, confirm)

    assert await count(app, Question.id) == 1
    assert "надіслано експертам" in member.window()
    [told] = callback_answers(app, pressed)
    assert f"Запитання №\u00a0{question.id} уже надіслано експертам" in told


def _form(title: str, description: str) -> Any:
    from bot.services.reports import ReportForm

    return ReportForm(category="education", urgency="high", title=title, description=description)


async def _reports(app: App) -> list[Report]:
    async with app.db.transaction() as session:
        return list((await session.scalars(select(Report).order_by(Report.id))).all())
