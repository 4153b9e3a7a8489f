"""The staff side of consultations through the dispatcher: `/consult` and the desk, composing a
position and a priorities consultation step by step (refusals answered, nothing lost), the
audience within the staff member's own associations with its live count, the preview as members
get it, confirmation once, non-staff and lost rights refused, and publishing the outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select

from bot.services.broadcasts import Audience
from bot.services.consultations import ConsultationDraft, ConsultationService
from bot.services.staff import StaffService
from storage.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastPurpose,
    Consultation,
    ConsultationKind,
    StaffRole,
)
from tests.flows.harness import App, Member
from tests.flows.test_broadcast import (
    ADMIN,
    VAG_STAFF,
    MediaSession,
    add_member,
    send_document,
    send_text,
    sent,
)

QUESTION_UK = "Чи підтримуєте ви <b>законопроєкт № 1234</b> про місцеві податки?"
QUESTION_EN = "Do you support <b>draft law No. 1234</b> on local taxes?"


@pytest.fixture
def app(app: App) -> App:
    session = MediaSession()
    app.bot.session = session
    app.session = session
    return app


async def seed(app: App) -> None:
    """Members of three associations; one unverified (asked too), one the bot cannot reach."""
    await add_member(app, 2001)  # vag
    await add_member(app, 2002, locale="en", associations=("aotg",))
    await add_member(app, 2003, associations=("uaror", "vag"), role="council_secretary")
    await add_member(app, 2005, locale="en", associations=("uaror",))
    await add_member(app, 2006, verified=False)  # vag, unverified
    await add_member(app, 2007, reachable=False)  # vag


def service(app: App) -> ConsultationService:
    return app.dp["consultations"]  # type: ignore[no-any-return]


async def consultations(app: App) -> list[Consultation]:
    async with app.db.transaction() as session:
        found = await session.execute(select(Consultation).order_by(Consultation.id))
        return list(found.scalars())


async def recipients(app: App, broadcast_id: int | None) -> set[int]:
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(BroadcastDelivery.chat_id).where(BroadcastDelivery.broadcast_id == broadcast_id)
        )
        return set(rows.scalars())


def button_data(app: App, text: str) -> str:
    """The callback data of the last button shown with `text` in a window."""
    found = [
        b.callback_data or ""
        for m in app.windows.sent_messages
        if isinstance(m.reply_markup, InlineKeyboardMarkup)
        for row in m.reply_markup.inline_keyboard
        for b in row
        if text in b.text
    ]
    assert found, text
    return found[-1]


async def through_question(author: Member, title: str = "Місцеві податки") -> None:
    await author.send("/consult")
    await author.click("Нова консультація|New consultation")
    await author.send(title)
    await send_text(author, QUESTION_UK)


# ---------------------------------------------------------------------------------- composing


async def test_position_consultation_composed_previewed_and_confirmed_once(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await admin.send("/consult")
    assert "Консультацій ще не було" in admin.window()
    await admin.click("Нова консультація")
    assert "Крок 1" in admin.window()
    assert "Назад" not in " ".join(admin.buttons())  # nothing before the first step
    await admin.send("Місцеві податки")
    assert "Крок 2" in admin.window()
    await send_text(admin, QUESTION_UK)
    assert "Крок 3" in admin.window()
    await admin.click("Пропустити")
    assert "Крок 4" in admin.window()
    await admin.click("Без документа")
    assert "Крок 5" in admin.window()
    await admin.click("Позиція щодо проєкту")
    window = admin.window()
    assert "Крок 8" in window  # a position has no options to give
    assert "Зараз її отримали б:</b> 5 членів" in window  # the unverified one too
    await admin.click("Усі члени")
    assert "Крок 9" in admin.window()
    await admin.click("За 7 днів")
    assert "Крок 10" in admin.window()
    calls_before = len(app.session.calls)
    await admin.click("Так, бачитимуть")

    # The preview: the member's message, buttons and all, as the sender sends it.
    texts = [m for m in app.session.calls[calls_before:] if isinstance(m, SendMessage)]
    assert "Попередній перегляд" in texts[0].text
    member_copy = texts[1]
    assert "Місцеві податки" in member_copy.text and QUESTION_UK in member_copy.text
    labels = [b.text for row in member_copy.reply_markup.inline_keyboard for b in row]
    assert any("Підтримую з поправками" in label for label in labels)
    preview = admin.window()
    assert "Отримувачів:</b> 5" in preview and "Аудиторія:</b> усі члени" in preview
    assert "Позиція щодо проєкту" in preview

    await admin.click("Надіслати консультацію")
    assert "Консультацію №\u00a01 прийнято до розсилки" in admin.window()
    assert "Отримувачів: 5" in admin.window()
    [consultation] = await consultations(app)
    assert consultation.kind == ConsultationKind.POSITION
    assert consultation.title == "Місцеві податки" and consultation.question_uk == QUESTION_UK
    assert consultation.answers_visible_to_staff is True
    local = consultation.closes_at.astimezone(app.dp["settings"].tz)
    assert (local.hour, local.minute) == (18, 0)
    assert await recipients(app, consultation.broadcast_id) == {2001, 2002, 2003, 2005, 2006}
    # The announcements' progress message, for pausing or cancelling.
    assert any("bcp:" in str(m.reply_markup) for m in sent(app, SendMessage, ADMIN))

    # A double tap on Confirm, and the same composition confirmed after a restart: one.
    await admin.press(button_data(app, "Надіслати консультацію"))
    again = await service(app).create(
        ADMIN,
        "Адмін",
        ConsultationDraft(
            "Місцеві податки",
            QUESTION_UK,
            ConsultationKind.POSITION,
            consultation.closes_at,
        ),
        request_key=consultation.request_key,
    )
    assert again.id == consultation.id
    assert len(await consultations(app)) == 1
    async with app.db.transaction() as session:
        broadcasts = (await session.execute(select(Broadcast))).scalars().all()
    assert len(broadcasts) == 1

    # The desk lists it with its status, and how many answered of those asked.
    await admin.click("До консультацій")
    assert "відповіли 0 з 5" in admin.window() and "триває" in admin.window()


async def test_priorities_in_english_by_staff_of_one_association(app: App) -> None:
    await seed(app)
    await StaffService(app.db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    staff = app.member(VAG_STAFF, language_code="en")
    await staff.send("/consult")
    await staff.click("New consultation")
    await staff.send("Priorities for 2027")
    await send_text(staff, QUESTION_UK)
    await send_text(staff, QUESTION_EN)
    await send_document(staff, "draft.pdf")
    assert "Step 5" in staff.window()
    await staff.click("Priorities")
    await staff.send("Дороги")
    assert "At least two options" in staff.replies()[-1]
    assert "Step 6" in staff.window()
    await staff.send("Дороги | Roads\nШколи | Schools\nЛікарні")
    assert "Step 7" in staff.window()
    assert staff.buttons()[:3] == ["1", "2", "3"]
    await staff.click("^2$")

    # Their own association only: no association to pick, the count within it.
    window = staff.window()
    assert "Step 8" in window and "only among the members of: VAG" in window
    assert "It would now reach:</b> 3 members" in window  # 2001, 2003, 2006
    assert "🏛 Associations" not in staff.buttons()
    await staff.click("All members of VAG")

    await staff.send("tomorrow evening")
    assert "could not be read" in staff.replies()[-1]
    await staff.send("01.01.2020 18:00")
    assert "has passed" in staff.replies()[-1]
    assert "Step 9" in staff.window()
    closes = datetime.now(UTC) + timedelta(days=10)
    typed = closes.astimezone(app.dp["settings"].tz).strftime("%d.%m.%Y 12:30")
    await staff.send(typed)
    assert "Step 10" in staff.window()
    calls_before = len(app.session.calls)
    await staff.click("No, totals only")

    # The preview in both languages, the document first.
    new = app.session.calls[calls_before:]
    assert [d.document for d in new if isinstance(d, SendDocument)] == ["doc-draft.pdf"] * 2
    copies = [m.text for m in new if isinstance(m, SendMessage)]
    assert any(QUESTION_EN in text and "Roads" in text for text in copies)
    assert any(QUESTION_UK in text and "Дороги" in text for text in copies)
    preview = staff.window()
    assert "Recipients:</b> 3" in preview and "priorities: up to 2 of 3" in preview
    assert "aggregated results only" in preview

    await staff.click("Send the consultation")
    assert "Consultation No.\u00a01 accepted" in staff.window()
    [consultation] = await consultations(app)
    assert consultation.kind == ConsultationKind.PRIORITIES and consultation.max_choices == 2
    assert consultation.options == [
        {"uk": "Дороги", "en": "Roads"},
        {"uk": "Школи", "en": "Schools"},
        {"uk": "Лікарні", "en": None},
    ]
    assert Audience.from_json(consultation.audience).associations == ("vag",)
    assert consultation.answers_visible_to_staff is False
    assert consultation.document_file_id == "doc-draft.pdf"
    local = consultation.closes_at.astimezone(app.dp["settings"].tz)
    assert local.strftime("%d.%m.%Y %H:%M") == typed
    assert await recipients(app, consultation.broadcast_id) == {2001, 2003, 2006}


async def test_bad_answers_are_refused_and_nothing_typed_is_lost(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await admin.send("/consult")
    await admin.click("Нова консультація")
    await admin.send("Д" * 121)
    assert "Назва задовга: 121 символ" in admin.replies()[-1]
    assert "Крок 1" in admin.window()
    await admin.send("Місцеві податки")
    await admin.send_sticker()
    assert "потрібен текст" in admin.replies()[-1]
    await send_text(admin, QUESTION_UK)
    await admin.click("Пропустити")
    await admin.send_voice()
    assert "Такий файл до консультації додати не можна" in admin.replies()[-1]
    await send_document(admin, "virus.exe")
    assert "«virus.exe» додати не можна" in admin.replies()[-1]
    await admin.click("Без документа")
    await admin.click("Пріоритети")
    await admin.send("Дороги\n" + "Д" * 61)
    assert "Варіант задовгий" in admin.replies()[-1]

    # Back goes a step at a time and keeps what was given.
    await admin.click("Назад")
    assert "Крок 5" in admin.window()
    await admin.click("Назад")
    assert "Крок 4" in admin.window()
    await admin.click("Назад")
    await admin.click("Назад")
    assert "Крок 2" in admin.window()
    await admin.click("Назад")
    assert "Крок 1" in admin.window()
    await admin.send("Податки")
    await send_text(admin, QUESTION_UK)
    await admin.click("Пропустити")
    await admin.click("Без документа")
    await admin.click("Позиція")
    await admin.click("Усі члени")
    await admin.click("За 3 дні")
    await admin.click("Ні, лише підсумки")
    preview = admin.window()
    assert "Податки" in preview and "Отримувачів:</b> 5" in preview

    # Edited from the preview: the kind changed to priorities asks for the options.
    await admin.click("Змінити")
    await admin.click("✏️ Тип")
    await admin.click("Пріоритети")
    assert "Крок 6" in admin.window()
    await admin.send("Дороги\nШколи")
    await admin.click("^1$")
    assert "пріоритети: до 1 з 2" in admin.window()


async def test_members_are_refused_and_lost_rights_refused_at_confirmation(app: App) -> None:
    await seed(app)
    member = app.member(2001)
    await member.send("/consult")
    assert "Проводити консультації можуть лише" in member.replies()[-1]
    assert not await consultations(app)

    staff_service = StaffService(app.db)
    await staff_service.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    staff = app.member(VAG_STAFF)
    await through_question(staff)
    await staff.click("Пропустити")
    await staff.click("Без документа")
    await staff.click("Позиція")
    await staff.click("Усі члени")
    await staff.click("За 3 дні")
    await staff.click("Так, бачитимуть")
    await staff_service.revoke(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.click("Надіслати консультацію")
    assert "Проводити консультації можуть лише" in staff.window()
    assert not await consultations(app)


# ---------------------------------------------------------------------------------- outcome


async def closed_consultation(app: App) -> int:
    consultations_service = service(app)
    view = await consultations_service.create(
        ADMIN,
        "Адмін",
        ConsultationDraft(
            "Місцеві податки",
            QUESTION_UK,
            ConsultationKind.POSITION,
            datetime.now(UTC) + timedelta(days=3),
        ),
    )
    await consultations_service.close(view.id, actor_telegram_id=ADMIN)
    return view.id


async def test_publishing_the_outcome_once_to_everyone_asked(app: App) -> None:
    await seed(app)
    consultation_id = await closed_consultation(app)
    admin = app.member(ADMIN)
    await admin.send("/consult")
    assert "завершено" in admin.window() and "відповіли 0 з 5" in admin.window()
    await admin.click("Місцеві податки")
    assert "Частка відповідей:</b> 0\u00a0%" in admin.window()
    # The live results, and back to the card.
    await admin.click("Результати")
    assert f"Консультація №\u00a0{consultation_id}: Місцеві податки" in admin.window()
    await admin.click("Назад|До консультації")
    assert "Частка відповідей" in admin.window()
    await admin.click("Оприлюднити підсумкову позицію")
    assert "Підсумкова позиція: Місцеві податки" in admin.window()
    await admin.send_sticker()
    assert "потрібен текст" in admin.replies()[-1]
    await send_text(admin, "<b>Асоціації підтримують</b> законопроєкт з поправками.")
    await admin.click("Пропустити")
    calls_before = len(app.session.calls)
    await admin.click("Без документа")
    copies = [m.text for m in app.session.calls[calls_before:] if isinstance(m, SendMessage)]
    assert any("Місцеві податки" in t and "Асоціації підтримують" in t for t in copies)
    assert "Отримувачів:</b> 5" in admin.window()

    await admin.click("Оприлюднити")
    assert "Підсумкову позицію прийнято до розсилки" in admin.window()
    await admin.press(button_data(app, "✅ Оприлюднити"))
    async with app.db.transaction() as session:
        outcomes = (
            (
                await session.execute(
                    select(Broadcast).where(Broadcast.purpose == BroadcastPurpose.OUTCOME)
                )
            )
            .scalars()
            .all()
        )
    [outcome] = outcomes
    assert outcome.consultation_id == consultation_id
    assert await recipients(app, outcome.id) == {2001, 2002, 2003, 2005, 2006}
    await admin.click("До консультацій")
    assert "підсумок оприлюднено" in admin.window()


async def test_the_outcome_waits_for_the_consultation_to_close(app: App) -> None:
    await seed(app)
    await service(app).create(
        ADMIN,
        "Адмін",
        ConsultationDraft(
            "Open one",
            QUESTION_UK,
            ConsultationKind.POSITION,
            datetime.now(UTC) + timedelta(days=3),
        ),
    )
    admin = app.member(ADMIN, language_code="en")
    await admin.send("/consult")
    await admin.click("Open one")
    assert "once the consultation has closed" in admin.window()
    assert not any("Publish" in label for label in admin.buttons())
