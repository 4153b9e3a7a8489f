"""`/digest` in a staff group through the real dispatcher: the panel, its buttons changing the
schedule and the group's language, rights read again on every press, and "send now"."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, SendDocument, SendMessage, SendPhoto
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy import delete, select

from bot.services.digest_schedule import JOINT
from bot.services.digests import DigestService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from dialogs.digest_settings import DigestCb
from storage.models import DigestRun, Member, StaffChat, StaffRight, StaffRole, utcnow
from tests.flows.group_harness import Group, GroupSession
from tests.flows.harness import App
from tests.test_digests import Seeder

ADMIN = 1
VAG_STAFF = 501
UAROR_STAFF = 502
STRANGER = 777
VAG_GROUP = -100500
UNBOUND_GROUP = -100900


@pytest.fixture
async def desk(app: App) -> App:
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    staff = StaffService(app.db)
    await staff.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.grant(UAROR_STAFF, StaffRole.STAFF, "uaror")
    await StaffChatService(app.db, frozenset({ADMIN})).bind(VAG_GROUP, "ВАГ", "vag", ADMIN)
    return app


def session_of(app: App) -> GroupSession:
    assert isinstance(app.session, GroupSession)
    return app.session


def buttons(message: Message) -> dict[str, str]:
    """Button text → callback data."""
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return {b.text: b.callback_data or "" for row in markup.inline_keyboard for b in row}


def last_answer(app: App) -> AnswerCallbackQuery:
    answers = [c for c in session_of(app).calls if isinstance(c, AnswerCallbackQuery)]
    assert answers, "the press was not answered"
    return answers[-1]


def panel_text(app: App) -> str:
    """The panel as it reads now: its last edit, or the message first sent."""
    edits = session_of(app).edits(VAG_GROUP)
    return edits[-1].text if edits else session_of(app).texts_to(VAG_GROUP)[-1]


async def open_panel(app: App, user_id: int, args: str = "") -> Message:
    group = Group(app, VAG_GROUP)
    await group.send(group.person(user_id), f"/digest {args}".strip())
    return session_of(app).to(VAG_GROUP)[-1]


async def test_staff_change_the_days_hour_and_language(desk: App) -> None:
    panel = await open_panel(desk, VAG_STAFF)
    assert "⚙️ <b>Дайджест: ВАГ</b>" in (panel.text or "")
    assert "у робочі дні (пн–пт) о 09:00" in (panel.text or "")
    assert "Мова групи: українська" in (panel.text or "")
    keys = buttons(panel)
    assert "✓ Робочі дні" in keys and "✓ 09:00" in keys and "✓ українська" in keys

    group = Group(desk, VAG_GROUP)
    staff = group.person(VAG_STAFF)
    await group.press(staff, keys["Щодня"], panel)
    assert last_answer(desk).text == "Збережено."
    assert "🗓 Розклад: щодня о 09:00" in panel_text(desk)
    await group.press(staff, keys["10:00"], panel)
    assert "щодня о 10:00" in panel_text(desk)
    schedule = await DigestService(desk.db).schedule("vag")
    assert schedule.weekdays == (1, 2, 3, 4, 5, 6, 7) and schedule.at == time(10)

    await group.press(staff, keys["Вимкнути"], panel)
    assert "Розклад: вимкнено" in panel_text(desk)
    assert not (await DigestService(desk.db).schedule("vag")).enabled
    await group.press(staff, keys["Щопонеділка"], panel)
    assert "щопонеділка о 10:00" in panel_text(desk)

    # The group's language: the panel redraws in English, cards and digests follow.
    await group.press(staff, keys["англійська"], panel)
    edit = session_of(desk).edits(VAG_GROUP)[-1]
    assert "⚙️ <b>Digest: VAG</b>" in edit.text
    assert "every Monday at 10:00" in edit.text and "Group language: English" in edit.text
    assert isinstance(edit.reply_markup, InlineKeyboardMarkup)
    assert "✓ English" in [b.text for row in edit.reply_markup.inline_keyboard for b in row]
    chat = await StaffChatService(desk.db).chat(VAG_GROUP)
    assert chat is not None and chat.locale == "en"


async def test_presses_are_refused_without_the_right(desk: App) -> None:
    panel = await open_panel(desk, VAG_STAFF)
    keys = buttons(panel)
    group = Group(desk, VAG_GROUP)
    edits_before = len(session_of(desk).edits(VAG_GROUP))
    for outsider in (STRANGER, UAROR_STAFF):  # nobody's staff; another association's staff
        await group.press(group.person(outsider), keys["Щодня"], panel)
        answer = last_answer(desk)
        assert answer.show_alert and "лише працівники секретаріату асоціації" in (answer.text or "")
    # Rights are read again on every press: staff whose right was taken away are refused.
    async with desk.db.transaction() as session:
        await session.execute(delete(StaffRight).where(StaffRight.telegram_id == VAG_STAFF))
    await group.press(group.person(VAG_STAFF), keys["10:00"], panel)
    assert "лише працівники" in (last_answer(desk).text or "")
    assert (await DigestService(desk.db).schedule("vag")).is_default
    assert len(session_of(desk).edits(VAG_GROUP)) == edits_before
    # A forged button for an association this group does not serve.
    forged = DigestCb(a="d", k="aotg", v="off").pack()
    await group.press(group.person(ADMIN), forged, panel)
    assert "не прив’язана" in (last_answer(desk).text or "")
    assert (await DigestService(desk.db).schedule("aotg")).enabled


async def test_joint_schedule_is_for_admins(desk: App) -> None:
    group = Group(desk, VAG_GROUP)
    await group.send(group.person(VAG_STAFF), "/digest joint")
    assert "змінюють лише адміністратори" in session_of(desk).texts_to(VAG_GROUP)[-1]
    panel = await open_panel(desk, ADMIN, "joint")
    assert "Спільний тижневий дайджест" in (panel.text or "")
    assert "щопонеділка о 09:00" in (panel.text or "")
    await group.press(group.person(ADMIN), buttons(panel)["08:00"], panel)
    assert (await DigestService(desk.db).schedule(JOINT)).at == time(8)


async def test_an_unknown_schedule_is_named_with_the_choices(desk: App) -> None:
    group = Group(desk, VAG_GROUP)
    await group.send(group.person(VAG_STAFF), "/digest uaror")
    reply = session_of(desk).texts_to(VAG_GROUP)[-1]
    assert "не отримує дайджест «uaror»" in reply
    assert "/digest vag" in reply and "/digest joint" in reply


async def test_digest_outside_a_bound_group(desk: App) -> None:
    unbound = Group(desk, UNBOUND_GROUP)
    await unbound.send(unbound.person(VAG_STAFF), "/digest")
    assert "не прив’язана до жодної асоціації" in session_of(desk).texts_to(UNBOUND_GROUP)[-1]
    member = desk.member(VAG_STAFF)
    await member.send("/digest")
    assert "працює в робочій групі асоціації" in desk.session.texts()[-1]


async def test_send_now_posts_the_digest_and_records_the_run(desk: App) -> None:
    seeder = Seeder(desk.db)
    seeder.member_id = (await _member_id(desk)) or 0
    await seeder.report(created=utcnow() - timedelta(hours=2))
    await seeder.report(created=utcnow() - timedelta(hours=3), category="budget")
    panel = await open_panel(desk, VAG_STAFF)
    group = Group(desk, VAG_GROUP)
    await group.press(group.person(VAG_STAFF), buttons(panel)["📨 Надіслати зараз"], panel)
    assert last_answer(desk).text == "Надсилаю дайджест…"
    digest = session_of(desk).texts_to(VAG_GROUP)[-1]
    assert "Дайджест звернень: ВАГ" in digest and "Надійшло за період: 2 звернення" in digest
    calls = session_of(desk).calls
    photo = next(c for c in calls if isinstance(c, SendPhoto))
    document = next(c for c in calls if isinstance(c, SendDocument))
    assert photo.chat_id == VAG_GROUP and document.chat_id == VAG_GROUP
    assert "2 звернення" in (document.caption or "")
    async with desk.db.transaction() as session:
        run = await session.scalar(select(DigestRun))
    assert run is not None and run.status == "sent" and run.schedule_key == "vag"

    # `/digest now` to a group that removed the bot: recorded as failed, the group unbound.
    session_of(desk).failing[VAG_GROUP] = "Forbidden: bot was kicked from the supergroup chat"
    await group.send(group.person(VAG_STAFF), "/digest now")
    async with desk.db.transaction() as session:
        runs = list(await session.scalars(select(DigestRun).order_by(DigestRun.id)))
        active = await session.scalar(
            select(StaffChat.active).where(StaffChat.chat_id == VAG_GROUP)
        )
    assert [r.status for r in runs] == ["sent", "failed"]
    assert (runs[-1].error or "").startswith("forbidden")
    assert active is False
    sends = [c for c in session_of(desk).calls if isinstance(c, SendMessage)]
    assert sends[-1].chat_id == VAG_GROUP  # the failure notice was attempted, nothing raised


async def _member_id(app: App) -> int | None:
    from bot.services.members import MemberService, RegistrationForm

    members = MemberService(app.db)
    await members.set_locale(9000, "uk")
    await members.register(
        9000,
        RegistrationForm(
            full_name="Голова",
            role="hromada_head",
            oblast_code="UA05000000000010236",
            hromada_code=None,
            hromada_text="Бар",
            association_codes=["vag"],
            associations_unsure=False,
        ),
    )
    async with app.db.transaction() as session:
        return await session.scalar(select(Member.id).where(Member.telegram_id == 9000))
