"""Urgent-issue reports, staff side, through the real dispatcher: cards in the routed groups,
the card's buttons, replies to cards, and the reporter and co-signers told in their language."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, Message

from bot.services.members import MemberService, RegistrationForm
from bot.services.reports import Actor, ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from dialogs.report_desk import notify_members, publish_report, refresh_report_cards
from storage.models import StaffRole
from tests.flows.group_harness import GroupSession
from tests.flows.harness import App

ADMIN = 1
VAG_STAFF = 501
VAG_STAFF_2 = 503
UAROR_STAFF = 502
AOTG_STAFF = 504
STRANGER = 777
REPORTER = 1001
COSIGNER = 1002
VAG_GROUP = -100500
AOTG_GROUP = -100700
UAROR_GROUP = -100800
OBLAST = "UA05000000000010236"


@pytest.fixture
async def desk(app: App) -> App:
    """Group-aware session; staff of every association; the three groups bound (AOTG's in
    English)."""
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    staff = StaffService(app.db)
    await staff.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.grant(VAG_STAFF_2, StaffRole.STAFF, "vag")
    await staff.grant(UAROR_STAFF, StaffRole.STAFF, "uaror")
    await staff.grant(AOTG_STAFF, StaffRole.STAFF, "aotg")
    chats = StaffChatService(app.db, frozenset({ADMIN}))
    await chats.bind(VAG_GROUP, "Секретаріат ВАГ", "vag", ADMIN)
    await chats.bind(AOTG_GROUP, "ATH staff", "aotg", ADMIN, locale="en")
    await chats.bind(UAROR_GROUP, "УАРОР", "uaror", ADMIN)
    return app


def session_of(app: App) -> GroupSession:
    assert isinstance(app.session, GroupSession)
    return app.session


def reports_of(app: App) -> ReportService:
    service = app.dp["reports"]
    assert isinstance(service, ReportService)
    return service


async def register(
    app: App,
    telegram_id: int,
    *,
    codes: tuple[str, ...] = ("vag",),
    locale: str = "uk",
    name: str = "Олена Петренко",
    hromada: str = "Іллінецька <громада>",
) -> None:
    members = MemberService(app.db)
    await members.set_locale(telegram_id, locale)
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=name,
            role="hromada_head",
            oblast_code=OBLAST,
            hromada_code=None,
            hromada_text=hromada,
            association_codes=list(codes),
            associations_unsure=not codes,
        ),
    )


async def submit(
    app: App,
    *,
    telegram_id: int = REPORTER,
    category: str = "legislation",
    title: str = "Немає <світла> у школі",
    description: str = "Третій тиждень без електропостачання & опалення.",
) -> int:
    result = await reports_of(app).submit(
        telegram_id,
        ReportForm(
            category=category,
            urgency="critical",
            title=title,
            description=description,
            residents=1200,
            affected_groups=["children"],
        ),
    )
    return result.id


async def publish(app: App, report_id: int) -> int:
    return await publish_report(
        app.bot, reports_of(app), app.dp["staff_chats"], app.dp["translations"], report_id
    )


def cards_in(app: App, chat_id: int) -> list[Message]:
    return [m for m in session_of(app).to(chat_id) if m.text and m.text.startswith("🚨")]


def buttons(message: Message | InlineKeyboardMarkup | None) -> dict[str, str]:
    markup = message.reply_markup if isinstance(message, Message) else message
    if not isinstance(markup, InlineKeyboardMarkup):
        return {}
    return {b.text: (b.url or b.callback_data or "") for row in markup.inline_keyboard for b in row}


async def test_card_posted_to_the_routed_groups_in_their_language(desk: App) -> None:
    await register(desk, REPORTER, codes=("vag",))
    report_id = await submit(desk)  # legislation: VAG leads; the reporter is VAG's
    assert await publish(desk, report_id) == 1
    assert cards_in(desk, AOTG_GROUP) == [] and cards_in(desk, UAROR_GROUP) == []
    [card] = cards_in(desk, VAG_GROUP)
    text = card.text or ""
    assert "Звернення R-" in text
    assert "Немає &lt;світла&gt; у школі" in text
    assert "електропостачання &amp; опалення" in text
    assert "Іллінецька &lt;громада&gt;" in text
    assert "Голова громади" in text
    assert "Законодавство та повноваження" in text
    assert "📌 Статус: нове" in text
    assert set(buttons(card)) >= {"🙋 Взяти в роботу", "📌 Змінити статус"}
    view = await reports_of(desk).report(report_id)
    assert view is not None and [c.chat_id for c in view.cards] == [VAG_GROUP]
    # Publishing again posts nothing twice.
    assert await publish(desk, report_id) == 0


async def test_refresh_and_notify(desk: App) -> None:
    await register(desk, REPORTER, codes=("vag",))
    await register(desk, COSIGNER, codes=("aotg",), locale="en", name="Ivan", hromada="Bar")
    report_id = await submit(desk)
    await publish(desk, report_id)
    service = reports_of(desk)
    await service.cosign(report_id, COSIGNER, 300)
    entry = await service.set_status(report_id, Actor(VAG_STAFF, "Марія"), "in_progress")
    await refresh_report_cards(desk.bot, service, desk.dp["translations"], report_id)
    assert "в роботі" in (session_of(desk).edits(VAG_GROUP)[-1].text or "")
    told = await notify_members(desk.bot, service, desk.dp["translations"], report_id, entry)
    assert told == 2
    assert "в роботі" in session_of(desk).texts_to(REPORTER)[-1]
    assert "in progress" in session_of(desk).texts_to(COSIGNER)[-1]
