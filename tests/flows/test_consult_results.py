"""The staff's live results window of a consultation, driven through the dispatcher: started as
the staff's consultations dialog starts it (`ConsultResults.main` with the consultation's id),
the text, Refresh after a new answer, the chart and the spreadsheet sent as files, and the
rights read again on every press."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, SendDocument, SendPhoto
from aiogram_dialog.manager.bg_manager import BgManagerFactoryImpl
from openpyxl import load_workbook

from bot.services.broadcasts import Audience
from bot.services.consultations import ConsultationDraft, ConsultationService
from bot.services.staff import StaffService
from dialogs.states import ConsultResults
from storage.models import ConsultationKind, StaffRole, utcnow
from tests.flows.harness import App
from tests.flows.test_broadcast import MediaSession, add_member

VAG_STAFF = 3001


@pytest.fixture
def app(app: App) -> App:
    session = MediaSession()
    app.bot.session = session
    app.session = session
    return app


async def open_results(app: App, viewer: int, consultation_id: int) -> None:
    """What the staff's list does on a consultation's button; waits for the window."""
    shown = len(app.windows.sent_messages)
    manager = BgManagerFactoryImpl(app.dp).bg(app.bot, viewer, viewer)
    await manager.start(ConsultResults.main, data={"consultation_id": consultation_id})
    for _ in range(200):
        if len(app.windows.sent_messages) > shown:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the results window was not shown")


async def test_staff_see_live_results_refresh_them_and_get_the_chart_and_spreadsheet(
    app: App,
) -> None:
    await add_member(app, 2001)
    await add_member(app, 2002, role="council_secretary")
    await add_member(app, 2003, associations=("uaror",))
    await StaffService(app.db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    service: ConsultationService = app.dp["consultations"]
    made = await service.create(
        VAG_STAFF,
        "Ірина",
        ConsultationDraft(
            title="Законопроєкт №1234",
            question_uk="Чи підтримуєте законопроєкт?",
            kind=ConsultationKind.POSITION,
            closes_at=utcnow() + timedelta(days=3),
            audience=Audience(),
        ),
    )
    await service.answer(2001, made.id, "support")

    staff = app.member(VAG_STAFF, first_name="Ірина")
    await open_results(app, VAG_STAFF, made.id)
    assert f"Консультація №\u00a0{made.id}: Законопроєкт №1234" in staff.window()
    assert "Відповіли 1 з 2 опитаних (50\u00a0%)." in staff.window()
    assert staff.buttons()[:4] == ["🔄 Оновити", "📊 Діаграма", "📎 Таблиця", "⬅️ Назад"]

    await service.answer(2002, made.id, "oppose")
    await staff.click("Оновити")
    assert "Відповіли 2 з 2 опитаних (100\u00a0%)." in staff.window()
    assert "• Секретар ради: 1 член, 1 громада — проти: 1" in staff.window()

    await staff.click("Діаграма")
    (photo,) = [c for c in app.session.calls if isinstance(c, SendPhoto)]
    assert photo.chat_id == VAG_STAFF
    assert photo.photo.data.startswith(b"\x89PNG")  # type: ignore[union-attr]
    assert "Відповіли 2 з 2" in staff.window()  # shown again below the chart

    await staff.click("Таблиця")
    (document,) = [c for c in app.session.calls if isinstance(c, SendDocument)]
    assert document.caption == "📎 Таблиця відповідей: 2 відповіді"
    workbook = load_workbook(io.BytesIO(document.document.data))  # type: ignore[union-attr]
    names = sorted(row[0].value for row in workbook["Відповіді"].iter_rows(min_row=2))
    assert names == ["Член 2001", "Член 2002"]


async def test_rights_are_read_again_on_every_press(app: App) -> None:
    await add_member(app, 2001)
    staff_service = StaffService(app.db)
    await staff_service.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    service: ConsultationService = app.dp["consultations"]
    made = await service.create(
        VAG_STAFF,
        "Ірина",
        ConsultationDraft(
            title="Пріоритети на 2027 рік",
            question_uk="Що важливіше?",
            kind=ConsultationKind.POSITION,
            closes_at=utcnow() + timedelta(days=3),
        ),
    )
    staff = app.member(VAG_STAFF, first_name="Ірина")
    await open_results(app, VAG_STAFF, made.id)
    assert "Відповідей поки немає." in staff.window()

    await staff_service.revoke(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.click("Діаграма")
    assert not [c for c in app.session.calls if isinstance(c, SendPhoto)]
    alerts = [c for c in app.session.calls if isinstance(c, AnswerCallbackQuery)]
    assert (
        alerts[-1].text == ("Ви не маєте права переглядати результати цієї консультації.")
        and alerts[-1].show_alert
    )
    # The window, drawn again, says so and keeps only the way back.
    assert staff.window() == "Ви не маєте права переглядати результати цієї консультації."
    assert staff.buttons() == ["⬅️ Назад", "🏠 Головне меню"]

    # A forged id: nothing to show either.
    await staff_service.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await open_results(app, VAG_STAFF, 999_999)
    assert staff.window() == "Такої консультації немає."
