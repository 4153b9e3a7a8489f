"""Over the daily limit, and rejected members, in the report and question dialogs: what the
member reads (in their language, with when they can file again) and that nothing typed is lost.
The test app runs with the default limits: 2 reports and 3 questions a day before verification."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram.methods import AnswerCallbackQuery
from aiogram.types import InlineKeyboardMarkup
from aiogram_dialog.utils import CB_SEP
from sqlalchemy import func, select, update

from bot.services.questions import QuestionService
from bot.services.reports import ReportForm as FormData
from dialogs.filing_texts import again_at
from storage.models import Member, Question, Report
from tests.flows.harness import App
from tests.flows.harness import Member as Chat
from tests.flows.test_knowledge import registered
from tests.flows.test_report_dialog import DESCRIPTION, TITLE, register, reporter, reports

QUESTION = "Чи можна купити снігоприбиральну техніку коштом субвенції на освіту?"


def questions(app: App) -> QuestionService:
    return app.dp["questions"]  # type: ignore[no-any-return]


async def file_earlier(app: App, user_id: int, times: int) -> None:
    for number in range(times):
        await reports(app).submit(
            user_id,
            FormData(
                category="energy_utilities",
                urgency="normal",
                title=f"Відключення світла в селі {number}",
                description="Третій день без електропостачання.",
            ),
        )


async def expected_when(app: App, model: type[Report] | type[Question], locale: str) -> str:
    """When the oldest of today's filings leaves the window, as the member is told."""
    async with app.db.transaction() as session:
        oldest = await session.scalar(select(func.min(model.created_at)))
    assert oldest is not None
    retry = oldest.replace(second=0, microsecond=0) + timedelta(minutes=1, hours=24)
    tz = app.dp["settings"].tz
    return again_at(app.dp["translations"].get(locale), retry, tz, datetime.now(tz))


async def to_preview(member: Chat, english: bool = False) -> None:
    await member.click("Освіта|Education")
    await member.click("Висока|High")
    await member.send(TITLE)
    await member.send(DESCRIPTION)
    for step in ("Пропустити|Skip", "Пропустити|Skip", "Далі|Next", "Пропустити|Skip"):
        await member.click(step)
    assert ("Check your report" if english else "Перевірте звернення") in member.window()


async def count(app: App, model: type[Report] | type[Question]) -> int:
    async with app.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def set_verification(app: App, user_id: int, verification: str) -> None:
    async with app.db.transaction() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == user_id).values(verification=verification)
        )


async def test_a_third_report_before_verification_waits_and_stays_a_draft(app: App) -> None:
    member = await reporter(app)
    await file_earlier(app, 1001, 2)
    await to_preview(member)
    await member.click("Надіслати")

    told = member.replies()[-1]
    assert "Поки секретаріат не підтвердив ваше членство" in told
    assert "не більше 2 звернень за 24\u00a0години" in told
    when = await expected_when(app, Report, "uk")
    assert when.startswith("завтра о ") and f"надіслати {when}." in told
    assert "збережене як чернетка" in told
    # The preview comes back below, with its Submit button; the draft is kept.
    assert "Перевірте звернення" in member.window() and TITLE in member.window()
    assert "📨 Надіслати" in member.buttons()
    assert await count(app, Report) == 2
    draft = await reports(app).draft(1001)
    assert draft is not None and draft.data["form"]["title"] == TITLE

    # Leaving and coming back offers the same draft.
    await member.send("/menu")
    await member.click("Повідомити про проблему")
    assert "незавершене звернення" in member.window() and TITLE in member.window()


async def test_a_verified_member_over_the_limit_is_told_in_english(app: App) -> None:
    await register(app, 1002, locale="en")
    await set_verification(app, 1002, "verified")
    await file_earlier(app, 1002, 5)
    member = app.member(1002, language_code="en")
    await member.send("/menu")
    await member.click("Report an issue")
    await to_preview(member, english=True)
    await member.click("Submit")

    told = member.replies()[-1]
    assert "You have filed 5 reports in the last 24\u00a0hours" in told
    when = await expected_when(app, Report, "en")
    assert when.startswith("tomorrow at ") and f"the next one {when}." in told
    assert "saved as a draft" in told
    assert "Check your report" in member.window()
    assert await count(app, Report) == 5
    assert await reports(app).draft(1002) is not None


async def test_a_question_over_the_limit_is_offered_again(app: App) -> None:
    member = await registered(app)
    for number in range(3):
        await questions(app).ask(1001, f"Запитання номер {number} про субвенцію", "uk")
    await member.send(QUESTION)
    await member.click("Надіслати запитання експертам")
    await member.click("^✅ Надіслати$")

    told = member.replies()[-1]
    assert "не більше 3 запитань експертам за 24\u00a0години" in told
    when = await expected_when(app, Question, "uk")
    assert f"надіслати {when}." in told
    # The question is shown again below, ready to send.
    assert "Надіслати запитання експертам?" in member.window()
    assert "снігоприбиральну техніку" in member.window()
    assert "✅ Надіслати" in member.buttons()
    assert await count(app, Question) == 3


async def test_a_question_over_the_limit_in_english(app: App) -> None:
    member = await registered(app, locale="en")
    await set_verification(app, 1001, "verified")
    for number in range(10):
        await questions(app).ask(1001, f"Question number {number} on subventions", "en")
    await member.send("Can a hromada buy snow ploughs from the education subvention?")
    await member.click("Send the question to the experts")
    await member.click("^✅ Send$")
    told = member.replies()[-1]
    assert "You have sent 10 questions to the experts in the last 24\u00a0hours" in told
    assert f"the next one {await expected_when(app, Question, 'en')}." in told
    assert "Send this question to the experts?" in member.window()
    assert await count(app, Question) == 10


def callback_data(chat: Chat, text: str) -> str:
    markup = chat.app.windows.last_message().reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    for row in markup.inline_keyboard:
        for button in row:
            if text in button.text and button.callback_data:
                return button.callback_data
    raise AssertionError(f"no button {text!r}")


async def test_the_menu_offers_no_report_to_a_rejected_member(app: App) -> None:
    await register(app, 1003)
    await set_verification(app, 1003, "rejected")
    member = app.member(1003)
    await member.send("/menu")
    assert "звернення й запитання експертам вам недоступні" in member.window()
    assert not any("Повідомити про проблему" in b for b in member.buttons())
    assert any("Мої звернення" in b for b in member.buttons())

    # A forged press of the hidden button: the dialog refuses them.
    await member.press(forged(member, "Мої звернення", "report"))
    assert "бот не приймає від вас звернень" in member.window()
    assert "виправлений профіль знову надійде секретаріату на підтвердження" in member.window()
    assert await reports(app).draft(1003) is None


async def test_a_member_rejected_midway_cannot_submit(app: App) -> None:
    member = await reporter(app)
    await to_preview(member)
    await set_verification(app, 1001, "rejected")
    await member.click("Надіслати")
    assert "бот не приймає від вас звернень" in member.window()
    assert await count(app, Report) == 0
    assert await reports(app).draft(1001) is not None  # kept, should the decision change


def forged(chat: Chat, shown: str, widget_id: str) -> str:
    """The callback data of a hidden button `widget_id` of the window on screen."""
    intent, _, _ = callback_data(chat, shown).partition(CB_SEP)
    return f"{intent}{CB_SEP}{widget_id}"


async def test_a_rejected_member_is_not_offered_the_experts(app: App) -> None:
    member = await registered(app)
    await set_verification(app, 1001, "rejected")
    await member.send(QUESTION)
    assert "відповіді немає" in member.window() or "Точної відповіді" in member.window()
    assert not any("експертам" in b for b in member.buttons())
    assert "експертам" not in member.window()

    await member.press(forged(member, "Інше запитання", "experts"))
    told = member.replies()[-1]
    assert "бот не надсилає ваші запитання експертам" in told
    assert await count(app, Question) == 0


async def test_a_rejected_member_is_not_pointed_to_the_experts_after_a_rating(app: App) -> None:
    member = await registered(app)
    await set_verification(app, 1001, "rejected")
    await member.click("Реформи")
    await member.click("Відновлення|відновлення")
    await member.click("DREAM")
    await member.click("Не допомогло")
    answered = [m.text for m in app.session.calls if isinstance(m, AnswerCallbackQuery)]
    assert answered[-1] == "Дякуємо за відгук!"
