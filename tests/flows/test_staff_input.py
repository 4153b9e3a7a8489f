"""Staff answers and replies under the same text rule as members' input, and forged card buttons
in staff groups: a reply made of emoji or invisible characters is refused and reaches nobody,
an out-of-range id gets the stale-button answer, and nothing is logged as an error."""

from __future__ import annotations

import logging

import pytest
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Message

from bot.i18n import Translations
from bot.services.members import MemberService
from bot.services.questions import QuestionService
from bot.services.reports import ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from delivery.question_cards import send_to_experts
from delivery.report_cards import publish_report
from storage.models import StaffRole
from tests.flows.group_harness import Group, GroupSession
from tests.flows.harness import App
from tests.forms import head_form

ADMIN = 1
VAG_STAFF = 501
STRANGER = 777
MEMBER = 1001
VAG_GROUP = -100500
UK = Translations().get("uk")
NO_LETTERS = UK("input-no-letters")


@pytest.fixture
async def desk(app: App, caplog: pytest.LogCaptureFixture) -> App:
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    await StaffService(app.db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await StaffChatService(app.db, frozenset({ADMIN})).bind(VAG_GROUP, "ВАГ", "vag", ADMIN)
    members = MemberService(app.db)
    await members.set_locale(MEMBER, "uk")
    await members.register(
        MEMBER,
        head_form(hromada_text="Іллінецька громада"),
    )
    caplog.set_level(logging.INFO)
    return app


@pytest.fixture(autouse=True)
def no_errors(caplog: pytest.LogCaptureFixture) -> object:
    yield
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def session_of(app: App) -> GroupSession:
    assert isinstance(app.session, GroupSession)
    return app.session


def card(app: App, mark: str) -> Message:
    return [m for m in session_of(app).to(VAG_GROUP) if (m.text or "").startswith(mark)][-1]


async def test_a_reply_to_a_question_card_needs_words(desk: App) -> None:
    asked = await send_to_experts(
        desk.bot,
        desk.dp["questions"],
        desk.dp["translations"],
        telegram_id=MEMBER,
        text="Що таке ДРІМ?",
        locale="uk",
    )
    group = Group(desk, VAG_GROUP)
    question_card = card(desk, "❓")
    staff = group.person(VAG_STAFF)
    for reply in ("👍", "\u200b\u200b", "\u3164", "\u2800 \u202e"):
        await group.send(staff, reply, reply_to=question_card)
        assert session_of(desk).texts_to(VAG_GROUP)[-1] == NO_LETTERS
    await group.send(group.person(STRANGER), "👍", reply_to=question_card)
    assert "лише працівники секретаріату" in session_of(desk).texts_to(VAG_GROUP)[-1]
    assert session_of(desk).texts_to(MEMBER) == []
    view = await QuestionService(desk.db).card(asked.question_id)
    assert view is not None and view.status == "open" and view.answers == ()

    await group.send(staff, "\u202eДРІМ\u200b — це реєстр майна.", reply_to=question_card)
    view = await QuestionService(desk.db).card(asked.question_id)
    assert view is not None and len(view.answers) == 1
    (told,) = session_of(desk).texts_to(MEMBER)
    assert "ДРІМ — це реєстр майна." in told and "\u202e" not in told


async def test_the_private_answer_dialog_needs_words(desk: App) -> None:
    asked = await send_to_experts(
        desk.bot,
        desk.dp["questions"],
        desk.dp["translations"],
        telegram_id=MEMBER,
        text="Що таке ДРІМ?",
        locale="uk",
    )
    staff = desk.member(VAG_STAFF)
    await staff.send(f"/start q{asked.question_id}")
    await staff.send("🔥🔥")
    assert session_of(desk).texts_to(VAG_STAFF)[-1] == NO_LETTERS
    await staff.send("\u2800\u2800")
    assert session_of(desk).texts_to(VAG_STAFF)[-1] == UK("desk-text-only")


async def test_a_reply_to_a_report_card_needs_words(desk: App) -> None:
    reports: ReportService = desk.dp["reports"]
    submitted = await reports.submit(
        MEMBER,
        ReportForm(
            category="legislation",
            urgency="critical",
            title="Немає світла у школі",
            description="Третій тиждень без електропостачання.",
        ),
    )
    await publish_report(
        desk.bot, reports, desk.dp["staff_chats"], desk.dp["translations"], submitted.id
    )
    group = Group(desk, VAG_GROUP)
    report_card = card(desk, "🚨")
    staff = group.person(VAG_STAFF)
    for reply in ("👍", "\u200b", "// 🙂", "\ufeff\u2066"):
        await group.send(staff, reply, reply_to=report_card)
        assert session_of(desk).texts_to(VAG_GROUP)[-1] == NO_LETTERS
    await group.send(group.person(STRANGER), "👍", reply_to=report_card)
    assert session_of(desk).texts_to(VAG_GROUP)[-1] == UK("rdesk-reply-not-staff")
    assert session_of(desk).texts_to(MEMBER) == []
    history = await reports.history(submitted.id, include_internal=True)
    assert len(history) == 1  # the submission only: no reply, no note


@pytest.mark.parametrize(
    "data",
    [
        "rd:tk:99999999999999999999:",
        "rd:st:²:",
        "rd:tk:0:",
        "rd:tk:" + "9" * 3000 + ":",
        "vrf:ok:9999999999999999999999999",
        "vrf:no:-5",
        "qdraft:99999999999999999999",
        "qdraft:١٢",
        "bcp:cancel:99999999999999999999",
    ],
)
async def test_forged_card_buttons_in_a_group(desk: App, data: str) -> None:
    group = Group(desk, VAG_GROUP)
    await group.send(group.person(VAG_STAFF), "/digest")  # any message of the bot's to press on
    message = session_of(desk).to(VAG_GROUP)[-1]
    for person in (STRANGER, VAG_STAFF):
        await group.press(group.person(person), data, message)
        answers = [c for c in desk.session.calls if isinstance(c, AnswerCallbackQuery)]
        assert answers[-1].text == UK("error-stale-button")
