"""A member's phone number only in private staff views, through the real dispatcher: cards in
staff groups (verification, report, question) say whether a phone was shared and never show it;
the report card opened from /queue, the question in the private reply dialog and a verification
card's phone button show it in private chat to staff who may act on the member, to no one else."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, Message

from bot.services.members import MemberService
from bot.services.reports import ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from delivery.question_cards import send_to_experts
from delivery.report_cards import publish_report
from delivery.verification_cards import announce_new_member
from storage.models import StaffRole
from tests.flows.group_harness import GroupSession
from tests.flows.harness import App
from tests.forms import head_form

ADMIN = 1
VAG_STAFF = 501
AOTG_STAFF = 503
REPORTER = 1001
SILENT = 1002  # shared no phone
VAG_GROUP = -100500
AOTG_GROUP = -100700
PHONE = "+380501234567"
DIGITS = "501234567"  # the number's tail, in whatever format it might leak


@pytest.fixture
async def desk(app: App) -> App:
    """VAG's group in Ukrainian, AOTG's in English; staff of both."""
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    staff = StaffService(app.db)
    await staff.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.grant(AOTG_STAFF, StaffRole.STAFF, "aotg")
    chats = StaffChatService(app.db, frozenset({ADMIN}))
    await chats.bind(VAG_GROUP, "Секретаріат ВАГ", "vag", ADMIN)
    await chats.bind(AOTG_GROUP, "ATH staff", "aotg", ADMIN, locale="en")
    return app


def session_of(app: App) -> GroupSession:
    assert isinstance(app.session, GroupSession)
    return app.session


async def register(app: App, telegram_id: int, *, phone: str | None) -> None:
    members = MemberService(app.db)
    await members.set_locale(telegram_id, "uk")
    profile = await members.register(
        telegram_id,
        head_form(phone=phone),
    )
    await announce_new_member(app.dp.workflow_data | {"bot": app.bot}, profile)


async def report(app: App, telegram_id: int) -> int:
    reports: ReportService = app.dp["reports"]
    submitted = await reports.submit(
        telegram_id,
        ReportForm(
            category="legislation",
            urgency="critical",
            title="Немає світла у школі",
            description="Третій тиждень без електропостачання.",
        ),
    )
    await publish_report(
        app.bot, reports, app.dp["staff_chats"], app.dp["translations"], submitted.id
    )
    return submitted.id


def group_texts(app: App, chat_id: int, mark: str) -> list[str]:
    return [m.text or "" for m in session_of(app).to(chat_id) if (m.text or "").startswith(mark)]


def everything_in(app: App, chat_id: int) -> str:
    """Every text the bot sent or edited into a chat."""
    session = session_of(app)
    return "\n".join(session.texts_to(chat_id) + [e.text for e in session.edits(chat_id)])


def link_of(message: Message) -> str:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    [url] = [b.url for row in markup.inline_keyboard for b in row if b.url]
    return url


async def test_group_cards_say_a_phone_was_shared_and_never_show_it(desk: App) -> None:
    await register(desk, REPORTER, phone=PHONE)
    await register(desk, SILENT, phone=None)
    await report(desk, REPORTER)
    await report(desk, SILENT)
    await send_to_experts(
        desk.bot,
        desk.dp["questions"],
        desk.dp["translations"],
        telegram_id=REPORTER,
        text="Що таке DREAM?",
        locale="uk",
    )

    shared_card, silent_card = group_texts(desk, VAG_GROUP, "🪪")
    assert "📞 Номер телефону надано; у групі його не показуємо" in shared_card
    assert "📞 Номер телефону не вказано" in silent_card
    shared_report, silent_report = group_texts(desk, VAG_GROUP, "🚨")
    assert "📞 Номер телефону надано — його видно в /queue в особистому чаті з ботом" in (
        shared_report
    )
    assert "📞 Номер телефону не надано" in silent_report
    [question] = group_texts(desk, VAG_GROUP, "❓")
    assert "📞 Номер телефону надано — його видно в /questions в особистому чаті з ботом" in (
        question
    )
    assert DIGITS not in everything_in(desk, VAG_GROUP)


async def test_the_queue_card_in_private_chat_shows_the_reporters_phone(desk: App) -> None:
    await register(desk, REPORTER, phone=PHONE)
    report_id = await report(desk, REPORTER)
    reports: ReportService = desk.dp["reports"]
    view = await reports.report(report_id)
    assert view is not None

    staff = desk.member(VAG_STAFF, first_name="Ірина", last_name=None)
    await staff.send("/queue")
    await staff.click(view.reference)

    [card] = [t for t in session_of(desk).texts_to(VAG_STAFF) if t.startswith("🚨")]
    assert f"📞 {PHONE}" in card
    assert "видно в /queue" not in card
    assert DIGITS not in everything_in(desk, VAG_GROUP)


async def test_the_private_reply_dialogs_show_the_phone(desk: App) -> None:
    await register(desk, REPORTER, phone=PHONE)
    report_id = await report(desk, REPORTER)
    asked = await send_to_experts(
        desk.bot,
        desk.dp["questions"],
        desk.dp["translations"],
        telegram_id=REPORTER,
        text="Що таке DREAM?",
        locale="uk",
    )
    staff = desk.member(VAG_STAFF)
    await staff.send(f"/start q{asked.question_id}")
    assert f"📞 {PHONE}" in staff.window()
    await staff.send(f"/start r{report_id}")
    assert f"📞 {PHONE}" in staff.window()


async def test_the_verification_cards_phone_button_shows_it_to_staff_in_private(
    desk: App,
) -> None:
    await register(desk, REPORTER, phone=PHONE)
    [card] = [m for m in session_of(desk).to(VAG_GROUP) if (m.text or "").startswith("🪪")]
    link = link_of(card)
    assert link == f"https://t.me/hromada_test_bot?start=vp{REPORTER}"
    start = "/start " + link.rpartition("start=")[2]

    staff = desk.member(VAG_STAFF)
    await staff.send(start)
    assert staff.replies()[-1] == (
        f"👤 Олена Петренко — Голова громади\n📞 {PHONE}\n\n"
        "Номер телефону надано лише для зв’язку щодо членства в асоціації; не пересилайте його."
    )

    # Staff of another association, and a member, are refused: the number is not sent.
    for outsider in (AOTG_STAFF, REPORTER):
        person = desk.member(outsider)
        await person.send(start)
        assert person.replies()[-1].startswith("⛔ Підтверджувати членство можуть лише")
    assert sum(PHONE in text for text in session_of(desk).texts()) == 1


async def test_the_phone_link_of_a_member_without_one_or_unknown(desk: App) -> None:
    await register(desk, SILENT, phone=None)
    [card] = [m for m in session_of(desk).to(VAG_GROUP) if (m.text or "").startswith("🪪")]
    assert isinstance(card.reply_markup, InlineKeyboardMarkup)
    assert not [b for row in card.reply_markup.inline_keyboard for b in row if b.url]

    staff = desk.member(VAG_STAFF)
    await staff.send(f"/start vp{SILENT}")
    assert staff.replies()[-1] == "Номера телефону не надано."
    for unknown in ("999999999999999999", "99999999999999999999"):  # the second beyond BIGINT
        await staff.send(f"/start vp{unknown}")
        assert staff.replies()[-1].startswith("Цієї особи немає серед зареєстрованих")
