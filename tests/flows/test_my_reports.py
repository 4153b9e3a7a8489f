"""My reports: the list, a report's public history, withdrawing support, answering the staff."""

from __future__ import annotations

import html
import re

from aiogram.methods import SendMessage
from sqlalchemy import select

from bot.services.reports import Actor, ReportService, SubmittedReport
from bot.services.reports import ReportForm as FormData
from delivery.report_cards import publish_report
from storage.models import ReportEvent, ReportSupporter
from tests.flows.harness import App, Member
from tests.flows.test_report_dialog import register

STAFF = Actor(1, "Ірина Коваль")  # an admin in the test app
STAFF_CHAT = -100500


def reports(app: App) -> ReportService:
    return app.dp["reports"]  # type: ignore[no-any-return]


async def file_report(
    app: App, user_id: int, title: str, service: ReportService | None = None
) -> SubmittedReport:
    return await (service or reports(app)).submit(
        user_id,
        FormData(
            category="education",
            urgency="high",
            title=title,
            description=f"{title}: подробиці.",
            residents=500,
        ),
    )


async def member_with_reports(app: App, locale: str = "uk") -> tuple[Member, list[SubmittedReport]]:
    await register(app, 1001, locale=locale)
    await register(app, 2002, hromada="Вінницька")
    own = await file_report(app, 1001, "Ремонт даху школи")
    other = await file_report(app, 2002, "Немає <автобуса> до ліцею")
    await reports(app).cosign(other.id, 1001, residents=300)
    member = app.member(1001, language_code=locale)
    await member.send("/menu")
    await member.click("Мої звернення|My reports")
    return member, [own, other]


async def test_list_shows_own_and_cosigned_reports(app: App) -> None:
    member, (own, other) = await member_with_reports(app)
    window = member.window()
    assert "Мої звернення</b>: 2" in window
    buttons = member.buttons()
    assert any(own.reference in b and "🆕" in b and "🤝" not in b for b in buttons)
    assert any(other.reference in b and "🤝" in b for b in buttons)


async def test_list_pages_through_many_reports(app: App) -> None:
    await register(app, 1001)
    # Eight reports, more than a day's limit allows: filed as if over several days.
    history = ReportService(app.db, reports(app).rules)
    for number in range(8):
        await file_report(app, 1001, f"Проблема номер {number}", history)
    member = app.member(1001)
    await member.send("/menu")
    await member.click("Мої звернення|My reports")
    first_page = [b for b in member.buttons() if "R-" in b]
    assert len(first_page) == 6
    await member.click(">")
    second_page = [b for b in member.buttons() if "R-" in b]
    assert len(second_page) == 2 and not set(second_page) & set(first_page)


async def test_report_shows_its_public_history(app: App) -> None:
    member, (own, _other) = await member_with_reports(app)
    await reports(app).set_status(own.id, STAFF, "in_progress")
    await reports(app).note(own.id, STAFF, "Внутрішня нотатка для колег")
    await reports(app).reply(own.id, STAFF, "Передали запит <до> міністерства.")
    await member.click(own.reference)
    window = member.window()
    assert own.reference in window and "Ремонт даху школи" in window
    assert "Статус: <b>у роботі</b>" in window
    assert "Освіта" in window and "Висока" in window
    assert "Перша відповідь:" in window and "за київським часом" not in window
    assert "громад — 1" in window and "мешканців — 500" in window
    assert "звернення подано" in window
    assert "статус змінено: <b>у роботі</b>" in window
    assert "відповідь секретаріату: Передали запит &lt;до&gt; міністерства." in window
    assert "Внутрішня нотатка" not in window
    assert "Ви автор цього звернення" in window
    assert not any("Відкликати" in b for b in member.buttons())
    assert any("Відповісти секретаріату" in b for b in member.buttons())


async def test_reporter_answers_the_staff_and_it_reaches_the_card(app: App) -> None:
    await app.dp["staff_chats"].bind(STAFF_CHAT, "ВАГ: секретаріат", "vag", actor=1)
    member, (own, _other) = await member_with_reports(app)
    assert await publish_report(
        app.bot, reports(app), app.dp["staff_chats"], app.dp["translations"], own.id
    )
    await member.click(own.reference)
    assert not any("Відповісти" in b for b in member.buttons())  # no staff reply yet
    await reports(app).reply(own.id, STAFF, "Уточніть, будь ласка, суму.")
    await member.click("До списку")
    await member.click(own.reference)
    await member.click("Відповісти секретаріату")
    assert "одним повідомленням" in member.window()
    await member.send_sticker()
    assert "лише текстом" in member.replies()[-1]
    await member.send("Потрібно 1,2 млн грн <з ПДВ>.")
    assert "надіслано секретаріату" in member.window()

    async with app.db.transaction() as session:
        answers = list(
            (
                await session.execute(
                    select(ReportEvent).where(ReportEvent.kind == "reporter_reply")
                )
            ).scalars()
        )
    assert [a.text for a in answers] == ["Потрібно 1,2 млн грн <з ПДВ>."]
    to_card = [
        m for m in app.session.calls if isinstance(m, SendMessage) and m.chat_id == STAFF_CHAT
    ]
    # Under the card: as a reply to the card's message.
    assert any(
        "з ПДВ" in m.text
        and (m.reply_to_message_id or (m.reply_parameters and m.reply_parameters.message_id))
        for m in to_card
    )

    await member.click("До звернення")
    assert "ваша відповідь: Потрібно 1,2 млн грн &lt;з ПДВ&gt;." in member.window()


async def test_cosigner_withdraws_support_after_confirming(app: App) -> None:
    member, (_own, other) = await member_with_reports(app)
    await member.click(other.reference)
    window = member.window()
    assert "Ви підтримали це звернення" in window
    assert "Немає &lt;автобуса&gt; до ліцею" in window
    assert "громад — 2" in window and "мешканців — 800" in window
    assert "Відповідь очікується до:" in window and "за київським часом" in window
    assert not any("Відповісти" in b for b in member.buttons())
    await member.click("Відкликати мою підтримку")
    assert "Відкликати вашу підтримку звернення" in member.window()
    await member.click("До звернення")  # changed their mind
    assert "Ви підтримали це звернення" in member.window()
    await member.click("Відкликати мою підтримку")
    await member.click("Так, відкликати")

    assert "Мої звернення</b>: 1" in member.window()
    assert not any(other.reference in b for b in member.buttons())
    async with app.db.transaction() as session:
        [row] = list((await session.execute(select(ReportSupporter))).scalars())
    assert row.withdrawn_at is not None  # kept, dated


async def test_empty_list_offers_to_report_in_english(app: App) -> None:
    await register(app, 1001, locale="en")
    member = app.member(1001, language_code="en")
    await member.send("/menu")
    await member.click("Мої звернення|My reports")
    assert "You have not filed or supported any reports yet" in member.window()
    assert "📝 Report an issue" in member.buttons()
    await member.click("Report an issue")
    assert "Step 1" in member.window()


async def test_merged_report_shows_where_it_went(app: App) -> None:
    member, (own, other) = await member_with_reports(app)
    await reports(app).reply(own.id, STAFF, "Дякуємо.")
    await reports(app).merge(own.id, other.id, STAFF)
    await member.click(own.reference)
    window = member.window()
    assert f"об’єднано зі зверненням {other.reference}" in window
    assert "Статус: <b>об’єднано з іншим зверненням</b>" in window
    assert "Закрито:" in window
    assert not any("Відповісти" in b for b in member.buttons())


async def test_long_history_shows_its_latest_entries_in_one_message(app: App) -> None:
    member, (own, _other) = await member_with_reports(app)
    for number in range(12):
        await reports(app).reply(own.id, STAFF, f"Відповідь {number}: " + "текст " * 400)
    await member.click(own.reference)
    window = member.window()
    assert "ще 5 попередніх записів" in window  # 13 entries, the latest 8 shown
    assert "Відповідь 11:" in window and "Відповідь 3:" not in window
    assert "{???}" not in window
    assert len(html.unescape(re.sub(r"<[^>]+>", "", window))) <= 4096


async def test_withdrawing_support_updates_the_staff_card(app: App) -> None:
    from aiogram.methods import EditMessageText
    from sqlalchemy import update

    from storage.models import Member as MemberRow

    member, (_own, other) = await member_with_reports(app)
    async with app.db.transaction() as session:
        await session.execute(update(MemberRow).values(verification="verified"))
    await app.dp["staff_chats"].bind(STAFF_CHAT, "ВАГ: секретаріат", "vag", actor=1)
    assert await publish_report(
        app.bot, reports(app), app.dp["staff_chats"], app.dp["translations"], other.id
    )
    [card] = [
        m for m in app.session.calls if isinstance(m, SendMessage) and m.chat_id == STAFF_CHAT
    ]
    assert "громад — 2" in card.text

    await member.send("/menu")
    await member.click("Мої звернення")
    await member.click(other.reference)
    await member.click("Відкликати мою підтримку")
    await member.click("Так, відкликати")

    edits = [
        m for m in app.session.calls if isinstance(m, EditMessageText) and m.chat_id == STAFF_CHAT
    ]
    assert edits and "громад — 1" in edits[-1].text
