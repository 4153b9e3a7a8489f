"""Reforms: browsing the knowledge base, asking questions, sending them to the experts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.services.members import MemberService, RegistrationForm
from storage.models import KbFeedback, Question
from tests.flows.harness import App, Member


async def registered(
    app: App,
    user_id: int = 1001,
    *,
    locale: str = "uk",
    associations: tuple[str, ...] = ("vag",),
) -> Member:
    members = MemberService(app.db)
    await members.register(
        user_id,
        RegistrationForm(
            full_name="Олена Петренко",
            role="hromada_head",
            oblast_code="UA05000000000010236",
            hromada_code=None,
            hromada_text="Іллінецька міська громада",
            association_codes=list(associations),
            associations_unsure=not associations,
            consent_at=datetime.now(UTC),
        ),
    )
    await members.set_locale(user_id, locale)
    member = app.member(user_id, language_code=locale)
    await member.send("/menu")
    return member


async def test_browse_topic_entry_read_more_and_feedback(app: App) -> None:
    member = await registered(app)
    assert "Реформи" in " ".join(member.buttons())
    await member.click("Реформи")
    assert "База знань" in member.window() or "база знань" in member.window()
    await member.click("Відновлення|відновлення")
    await member.click("DREAM")
    card = member.window()
    assert "DREAM" in card
    assert "Джерела:" in card and "Інформацію перевірено:" in card
    assert "Детальніше" in " ".join(member.buttons())
    await member.click("Детальніше")
    full = member.window()
    assert len(full) > len(card) - 200  # the full answer, with the same footer
    assert "Джерела:" in full
    await member.click("Корисно")
    await member.click("Назад")
    assert member.window() == card
    await member.click("Не допомогло")

    async with app.db.transaction() as session:
        votes = (await session.execute(select(KbFeedback))).scalars().all()
    assert [(vote.slug, vote.helpful) for vote in votes] == [("dream", False)]


async def test_related_entry_opens_from_an_entry(app: App) -> None:
    member = await registered(app)
    await member.click("Реформи")
    await member.click("Відновлення|відновлення")
    await member.click("DREAM")
    before = member.window()
    related = [b for b in member.buttons() if b not in {"📖 Детальніше"} and "👍" not in b]
    # The first button after "Read more" is a related entry; opening it shows another card.
    await member.click(related[1] if related[0].startswith("📖") else related[0])
    assert member.window() != before
    assert "Джерела:" in member.window()


async def test_text_at_the_menu_is_a_question_answered_in_members_language(app: App) -> None:
    member = await registered(app, locale="en")
    await member.send("gender responsive budgeting in our hromada")
    window = member.window()
    assert "Found for" in window
    buttons = member.buttons()
    assert any("ender" in b for b in buttons)  # the GRB entry, titled in English
    await member.click("ender")
    assert "Sources:" in member.window()
    await member.click("Back")
    assert "Found for" in member.window()


async def test_ukrainian_question_finds_the_entry_with_typos(app: App) -> None:
    member = await registered(app)
    await member.click("Запитати")
    assert "Напишіть своє запитання" in member.window()
    await member.send("як податии проект у дрім")
    assert "знайдено" in member.window()
    assert "DREAM" in member.buttons()[0]


async def test_question_without_answer_is_sent_to_the_experts(app: App) -> None:
    member = await registered(app, associations=("vag", "uaror"))
    await member.send("Чи можна купити снігоприбиральну техніку коштом субвенції на освіту?")
    assert "відповіді немає" in member.window() or "Точної відповіді" in member.window()
    await member.click("Надіслати запитання експертам")
    assert "Надіслати запитання експертам?" in member.window()
    assert "ВАГ, УАРОР" in member.window()
    await member.click("Надіслати")
    assert "надіслано експертам" in member.window()

    async with app.db.transaction() as session:
        stored = (await session.execute(select(Question))).scalars().all()
    assert len(stored) == 1
    assert stored[0].text.startswith("Чи можна купити снігоприбиральну")
    assert sorted(stored[0].association_codes) == ["uaror", "vag"]


async def test_non_text_question_gets_a_clear_answer(app: App) -> None:
    member = await registered(app)
    await member.click("Запитати")
    await member.send_sticker()
    assert "лише текстом" in member.replies()[-1]
    assert "Напишіть своє запитання" in member.window()


async def test_emoji_only_and_one_letter_questions_offer_the_experts(app: App) -> None:
    member = await registered(app)
    await member.send("🙂")
    # Nothing to search for: the member is told at once, in their language.
    assert member.replies()[-1].startswith("У тексті має бути хоча б одна літера або цифра")
    await member.send("Я")
    assert "відповіді немає" in member.window()
    await member.click("Надіслати запитання експертам")
    # Too short to be worth the experts' time: the member is told, nothing is stored.
    async with app.db.transaction() as session:
        assert (await session.execute(select(Question))).first() is None
    assert "Надіслати запитання експертам" in " ".join(member.buttons())


async def test_unregistered_user_text_leads_to_registration(app: App) -> None:
    member = app.member(2002)
    await member.send("що таке дрім")
    assert "Оберіть мову" in member.window()


async def test_staff_get_their_commands_on_start_and_keep_them_after_a_language_change(
    app: App,
) -> None:
    from aiogram.methods import SetMyCommands

    from bot.services.staff import StaffService
    from storage.models import StaffRole

    await StaffService(app.db).grant(3003, StaffRole.STAFF, "vag")
    member = await registered(app, 3003)
    await member.send("/start")
    calls = [c for c in app.session.calls if isinstance(c, SetMyCommands)]
    assert "questions" in [command.command for command in calls[-1].commands]
    await member.send("/language")
    await member.click("English")
    calls = [c for c in app.session.calls if isinstance(c, SetMyCommands)]
    assert calls[-1].commands[0].description == "Start using the bot"
    assert "questions" in [command.command for command in calls[-1].commands]


async def test_forged_topic_and_entry_buttons_change_nothing(app: App) -> None:
    import re

    member = await registered(app)
    await member.click("Реформи")
    topics = member.window()
    message = app.windows.last_message()
    data = message.reply_markup.inline_keyboard[0][0].callback_data  # type: ignore[union-attr]
    for forged in ("99", "x1"):
        await member.press(re.sub(r"[^:\x1d]+$", forged, data))
        assert member.window() == topics
    await member.click("Освіта|освіта")
    message = app.windows.last_message()
    data = message.reply_markup.inline_keyboard[0][0].callback_data  # type: ignore[union-attr]
    entries = member.window()
    await member.press(re.sub(r"[^:\x1d]+$", "999", data))
    assert member.window() == entries
