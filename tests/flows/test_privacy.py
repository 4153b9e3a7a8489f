"""/privacy through the real dispatcher: the notice in both languages, the member's data as two
documents, deleting the profile (asked first, then erased), the staff cards edited in the groups,
and /start afterwards a fresh registration."""

from __future__ import annotations

import json
import os

import pytest
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendDocument
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from sqlalchemy import select

from bot.services.members import MemberService, RegistrationForm
from bot.services.questions import QuestionService
from bot.services.reports import ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from delivery.question_cards import send_to_experts
from delivery.report_cards import publish_report
from storage.models import FsmRecord, Member, StaffRole
from tests.flows.group_harness import GroupSession
from tests.flows.harness import App
from tests.flows.harness import Member as Person
from tests.flows.test_verification import card_in, last_answer, press, register_uk

ADMIN = 1
VAG_STAFF = 501
MEMBER = 1001
VAG_GROUP = -100500
OBLAST = "UA05000000000010236"


async def register(app: App, telegram_id: int = MEMBER, locale: str = "uk") -> None:
    members = MemberService(app.db)
    await members.set_locale(telegram_id, locale)
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name="Олена <Петренко>",
            role="hromada_head",
            oblast_code=OBLAST,
            hromada_code=None,
            hromada_text="Іллінецька",
            association_codes=["vag"],
            phone="+380501234567",
        ),
    )


async def submit(app: App, telegram_id: int = MEMBER) -> int:
    reports = app.dp["reports"]
    assert isinstance(reports, ReportService)
    submitted = await reports.submit(
        telegram_id,
        ReportForm(
            category="legislation",
            urgency="critical",
            title="Немає <світла> у школі",
            description="Третій тиждень без електропостачання.",
            residents=1200,
        ),
    )
    return submitted.id


def documents(app: App) -> list[SendDocument]:
    return [call for call in app.session.calls if isinstance(call, SendDocument)]


def content_of(call: SendDocument) -> tuple[str, bytes]:
    assert isinstance(call.document, BufferedInputFile)
    return call.document.filename or "", call.document.data


async def state_keys(app: App, telegram_id: int) -> list[str]:
    """Dialog-state keys of this user left in the state storage (the database or Redis)."""
    if os.environ.get("TEST_REDIS_URL"):
        redis = app.dp.storage.redis  # type: ignore[attr-defined]
        return [key.decode() async for key in redis.scan_iter(match=f"*{telegram_id}*")]
    async with app.db.transaction() as session:
        keys = await session.scalars(select(FsmRecord.key))
        return [key for key in keys if str(telegram_id) in key]


async def open_privacy(person: Person) -> None:
    await person.send("/privacy")


# ------------------------------------------------------------------------------ the notice


async def test_the_notice_in_ukrainian_and_back_to_the_menu(app: App) -> None:
    await register(app)
    member = app.member(MEMBER)
    await open_privacy(member)
    window = member.window()
    assert window.startswith("🔒 <b>Приватність і ваші дані</b>")
    assert "спільні володільці персональних даних" in window
    assert "ВАГ — https://communities.org.ua" in window
    assert "кнопкою «✍️ Запитати» у головному меню" in window
    assert "незавершена реєстрація — через 30\u00a0днів" in window
    assert "чернетка звернення — через 90\u00a0днів без змін" in window
    assert "Номер телефону видно тільки в картках" in window
    assert "Уповноваженому Верховної Ради України з прав людини" in window
    assert "@" not in window  # no e-mail is configured, none is shown
    assert member.buttons() == [
        "⬇️ Завантажити мої дані",
        "🗑 Видалити мій профіль",
        "⬅️ Назад",
    ]
    await member.click("Назад")
    assert "Головне меню" in member.window()


async def test_the_notice_in_english_during_registration_and_back_to_it(app: App) -> None:
    person = app.member(2002, first_name="John", last_name=None, language_code="en")
    await person.send("/start")
    await person.click("English")
    assert "Consent to the processing" in person.window()
    await open_privacy(person)
    window = person.window()
    assert window.startswith("🔒 <b>Privacy and your data</b>")
    assert "are joint controllers of members' personal data" in window
    assert "an unfinished registration after 30\u00a0days" in window
    assert "Ukrainian Parliament Commissioner for Human Rights" in window
    assert person.buttons() == ["⬇️ Download my data", "🗑 Delete my profile", "⬅️ Back"]
    await person.click("Back")
    assert "Consent to the processing" in person.window()  # registration continues


async def test_the_profile_opens_the_notice_and_back_returns_to_the_profile(app: App) -> None:
    await register(app)
    member = app.member(MEMBER)
    await member.send("/profile")
    await member.click("Приватність і мої дані")
    assert "Приватність і ваші дані" in member.window()
    await member.click("Назад")
    assert "Мій профіль" in member.window()


# ------------------------------------------------------------------------------ download


async def test_download_sends_the_data_as_json_and_as_html(app: App) -> None:
    await register(app)
    await submit(app)
    member = app.member(MEMBER)
    await open_privacy(member)
    await member.click("Завантажити мої дані")

    json_call, html_call = documents(app)
    assert json_call.chat_id == MEMBER and html_call.chat_id == MEMBER
    assert json_call.caption == "📄 Усі ваші дані в машинозчитуваному форматі (JSON)."
    assert html_call.caption == "📄 Ті самі дані для читання: відкрийте файл у браузері."
    json_name, raw = content_of(json_call)
    assert json_name.startswith("my-data-") and json_name.endswith(".json")
    data = json.loads(raw)
    assert data["profile"]["full_name"] == "Олена <Петренко>"
    assert data["profile"]["phone"] == "+380501234567"
    assert [r["title"] for r in data["reports"]] == ["Немає <світла> у школі"]
    html_name, page = content_of(html_call)
    assert html_name == json_name.replace(".json", ".html")
    text = page.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<html lang="uk">' in text
    assert "<h1>Мої дані в боті платформи асоціацій</h1>" in text
    assert "Олена &lt;Петренко&gt;" in text and "<Петренко>" not in text
    assert "Немає &lt;світла&gt; у школі" in text
    assert "Голова громади" in text and "Іллінецька, Вінницька область" in text
    # The notice comes again below the files.
    assert "Приватність і ваші дані" in member.window()


async def test_download_in_english_for_someone_not_registered_yet(app: App) -> None:
    person = app.member(2002, first_name="John", last_name=None, language_code="en")
    await person.send("/start")
    await person.click("English")
    await open_privacy(person)
    await person.click("Download my data")
    json_call, html_call = documents(app)
    data = json.loads(content_of(json_call)[1])
    assert data["profile"]["registered_at"] is None and data["profile"]["locale"] == "en"
    page = content_of(html_call)[1].decode("utf-8")
    assert "<h1>My data in the associations' platform bot</h1>" in page


async def test_someone_the_bot_never_stored_is_told_so(app: App) -> None:
    person = app.member(3003)
    await open_privacy(person)  # /privacy before anything else
    await person.click("Завантажити мої дані")
    answer = [c for c in app.session.calls if isinstance(c, AnswerCallbackQuery)][-1]
    assert answer.text == "Бот не зберігає про вас жодних даних."
    assert documents(app) == []


# ------------------------------------------------------------------------------ deleting


async def test_delete_asks_then_erases_and_start_registers_afresh(app: App) -> None:
    await register(app)
    member = app.member(MEMBER)
    await member.send("/menu")
    await open_privacy(member)
    await member.click("Видалити мій профіль")
    window = member.window()
    assert window.startswith("🗑 <b>Видалити профіль?</b>")
    assert "з позначкою «профіль видалено»" in window
    assert "Кількість громад і мешканців, які підтримали звернення, не зміниться" in window
    assert member.buttons() == ["🗑 Так, видалити профіль", "⬅️ Ні, залишити"]
    await member.click("Ні, залишити")
    assert "Приватність і ваші дані" in member.window()
    assert await MemberService(app.db).get(MEMBER) is not None

    await member.click("Видалити мій профіль")
    await member.click("Так, видалити профіль")
    assert member.replies()[-1].startswith("✅ Ваш профіль видалено.")
    assert await MemberService(app.db).get(MEMBER) is None
    async with app.db.transaction() as session:
        [row] = await session.scalars(select(Member))
        assert row.erased_at is not None and row.full_name is None
        assert row.telegram_id == -row.id
    assert await state_keys(app, MEMBER) == []

    await member.send("/start")
    assert "Оберіть мову" in member.window()
    await member.click("Українська")
    fresh = await MemberService(app.db).get(MEMBER)
    assert fresh is not None and not fresh.registered and fresh.full_name is None
    async with app.db.transaction() as session:
        assert len(list(await session.scalars(select(Member)))) == 2


async def test_staff_are_told_to_have_their_rights_revoked_first(app: App) -> None:
    await register(app, VAG_STAFF)
    await StaffService(app.db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    officer = app.member(VAG_STAFF)
    await open_privacy(officer)
    await officer.click("Видалити мій профіль")
    await officer.click("Так, видалити профіль")
    answer = [c for c in app.session.calls if isinstance(c, AnswerCallbackQuery)][-1]
    assert answer.text is not None and answer.text.startswith("У вас є права працівника")
    assert answer.show_alert
    assert "Приватність і ваші дані" in officer.window()
    profile = await MemberService(app.db).get(VAG_STAFF)
    assert profile is not None and profile.full_name == "Олена <Петренко>"


# ------------------------------------------------------------------------------ staff cards


@pytest.fixture
async def desk(app: App) -> App:
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    await StaffService(app.db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await StaffChatService(app.db, frozenset({ADMIN})).bind(
        VAG_GROUP, "Секретаріат ВАГ", "vag", ADMIN
    )
    return app


def edits_of(app: App, message_id: int) -> list[EditMessageText]:
    session = app.session
    assert isinstance(session, GroupSession)
    return [edit for edit in session.edits(VAG_GROUP) if edit.message_id == message_id]


async def test_the_staff_cards_lose_the_member_after_the_erasure(desk: App) -> None:
    session = desk.session
    assert isinstance(session, GroupSession)
    member = desk.member(MEMBER)
    await register_uk(member, "ВАГ")
    verification_card = card_in(desk, VAG_GROUP)
    report_id = await submit(desk)
    reports = desk.dp["reports"]
    questions = desk.dp["questions"]
    assert isinstance(reports, ReportService) and isinstance(questions, QuestionService)
    await publish_report(
        desk.bot, reports, desk.dp["staff_chats"], desk.dp["translations"], report_id
    )
    await send_to_experts(
        desk.bot,
        questions,
        desk.dp["translations"],
        telegram_id=MEMBER,
        text="Як подати проєкт у DREAM?",
        locale="uk",
    )
    report_card, question_card = [
        m for m in session.to(VAG_GROUP) if m.message_id != verification_card.message_id
    ]
    assert "Олена Петренко" in (report_card.text or "")
    assert "Олена Петренко" in (question_card.text or "")

    await open_privacy(member)
    await member.click("Видалити мій профіль")
    await member.click("Так, видалити профіль")

    [verification_edit] = edits_of(desk, verification_card.message_id)
    assert verification_edit.text.startswith("🪪 <b>Член видалив свій профіль</b>")
    assert verification_edit.reply_markup is None  # no approve/reject, no phone link
    [report_edit] = edits_of(desk, report_card.message_id)
    assert "👤 Заявник: профіль видалено — —" in report_edit.text
    assert "Іллінецька" in report_edit.text  # the place stays
    assert "Олена Петренко" not in report_edit.text and "380" not in report_edit.text
    assert isinstance(report_edit.reply_markup, InlineKeyboardMarkup)  # staff still act on it
    [question_edit] = edits_of(desk, question_card.message_id)
    assert "профіль видалено" in question_edit.text
    assert "Олена Петренко" not in question_edit.text
    assert "Як подати проєкт у DREAM?" in question_edit.text
    assert session.texts_to(MEMBER)[-1].startswith("✅ Ваш профіль видалено.")

    # An old button of the card, pressed now, finds no member.
    await press(desk, VAG_GROUP, VAG_STAFF, "Підтвердити", verification_card)
    assert last_answer(desk).show_alert
    assert edits_of(desk, verification_card.message_id) == [verification_edit]
