"""The staff queue in private chat (/queue) and /export, through the real dispatcher: who may
use them, what each association sees, filters, pages, and an opened report with its card,
attachments, co-signers and full history."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, SendDocument, SendMediaGroup, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from openpyxl import load_workbook
from sqlalchemy import delete, update

from bot.services.members import MemberService, RegistrationForm
from bot.services.reports import Actor, AttachmentIn, ReportForm, ReportService
from bot.services.staff import StaffService
from dialogs.report_card_texts import ReportCb
from storage.models import Report, StaffRight, StaffRole, utcnow
from tests.flows.group_harness import GroupSession
from tests.flows.harness import App, Member

ADMIN = 1
VAG_STAFF = 501
UAROR_STAFF = 502
REPORTER = 1001
COSIGNER = 1002
OUTSIDER = 1003
VINNYTSIA = "UA05000000000010236"
VOLYN = "UA07000000000024379"
VAG = Actor(VAG_STAFF, "Ірина з ВАГ")


@pytest.fixture
async def desk(app: App) -> App:
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    staff = StaffService(app.db)
    await staff.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.grant(UAROR_STAFF, StaffRole.STAFF, "uaror")
    return app


def reports_of(app: App) -> ReportService:
    service = app.dp["reports"]
    assert isinstance(service, ReportService)
    return service


def session_of(app: App) -> GroupSession:
    assert isinstance(app.session, GroupSession)
    return app.session


async def register(
    app: App,
    telegram_id: int,
    codes: tuple[str, ...],
    *,
    name: str = "Олена Петренко",
    hromada: str = "Іллінецька",
    oblast: str = VINNYTSIA,
) -> None:
    members = MemberService(app.db)
    await members.set_locale(telegram_id, "uk")
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=name,
            role="hromada_head",
            oblast_code=oblast,
            hromada_code=None,
            hromada_text=hromada,
            association_codes=list(codes),
            associations_unsure=False,
        ),
    )


async def submit(
    app: App,
    telegram_id: int = REPORTER,
    *,
    category: str = "energy_utilities",
    urgency: str = "critical",
    title: str = "Зупинилась насосна станція",
    attachments: list[AttachmentIn] | None = None,
    service: ReportService | None = None,
) -> int:
    submitted = await (service or reports_of(app)).submit(
        telegram_id,
        ReportForm(
            category=category,
            urgency=urgency,
            title=title,
            description="Громада без води <третій день> & без генератора.",
            attachments=attachments or [],
        ),
    )
    return submitted.id


async def reference(app: App, report_id: int) -> str:
    view = await reports_of(app).report(report_id)
    assert view is not None
    return view.reference


def alerts(app: App) -> list[str]:
    return [c.text or "" for c in session_of(app).calls if isinstance(c, AnswerCallbackQuery)]


def sent_texts(app: App, chat_id: int) -> list[str]:
    return session_of(app).texts_to(chat_id)


# ------------------------------------------------------------------------------ who may


async def test_members_are_refused_queue_and_export(desk: App) -> None:
    await register(desk, REPORTER, ("vag",))
    member = desk.member(REPORTER)
    await member.send("/queue")
    await member.send("/export")
    refusal = "⛔ Черга звернень доступна лише працівникам секретаріатів асоціацій."
    assert member.replies()[-2:] == [refusal, refusal]
    assert not [c for c in session_of(desk).calls if isinstance(c, SendDocument)]


async def test_staff_see_their_associations_reports_and_joint_ones(desk: App) -> None:
    await register(desk, REPORTER, ("vag",))
    await register(desk, COSIGNER, ("uaror",), hromada="Луцька", oblast=VOLYN)
    vag_report = await submit(desk, REPORTER, title="Школа без опалення")
    uaror_report = await submit(desk, COSIGNER, title="Лікарня без кисню")
    vag_ref, uaror_ref = await reference(desk, vag_report), await reference(desk, uaror_report)

    vag = desk.member(VAG_STAFF, first_name="Ірина", last_name=None)
    await vag.send("/queue")
    window = vag.window()
    assert "🗂 <b>Черга звернень</b> — знайдено: 1" in window
    assert vag_ref in window and uaror_ref not in window
    assert "Школа без опалення" in window and "📍 Іллінецька, Вінницька область" in window
    assert any(vag_ref in button for button in vag.buttons())

    uaror = desk.member(UAROR_STAFF, first_name="Олег", last_name=None)
    await uaror.send("/queue")
    assert uaror_ref in uaror.window() and vag_ref not in uaror.window()

    await reports_of(desk).mark_joint(vag_report, VAG)  # now every association's
    await uaror.send("/queue")
    assert uaror_ref in uaror.window() and vag_ref in uaror.window()
    assert "🤝 спільне" in uaror.window()

    admin = desk.member(ADMIN, first_name="Адмін", last_name=None)
    await admin.send("/queue")
    assert "знайдено: 2" in admin.window()


# ------------------------------------------------------------------------------ filters, pages


async def test_filters_and_pages(desk: App) -> None:
    await register(desk, REPORTER, ("vag",))
    # Ten reports, more than a day's limit allows: filed as if over several days.
    history = ReportService(desk.db, reports_of(desk).rules)
    for number in range(9):
        await submit(
            desk, title=f"Звернення про воду {number}", urgency="critical", service=history
        )
    await submit(
        desk, title="Закриття школи", category="education", urgency="normal", service=history
    )
    staff = desk.member(VAG_STAFF, first_name="Ірина", last_name=None)
    await staff.send("/queue")
    assert "знайдено: 10" in staff.window() and "Сторінка 1 з 2" in staff.window()
    report_buttons = [b for b in staff.buttons() if " · " in b and "R-" in b]
    assert len(report_buttons) == 8
    assert all(b.startswith("🔴") for b in report_buttons)  # the most urgent first
    await staff.click("Наступна")
    assert "Сторінка 2 з 2" in staff.window() and "Закриття школи" in staff.window()
    assert not any("Наступна" in b for b in staff.buttons())
    await staff.click("Попередня")
    assert "Сторінка 1 з 2" in staff.window()

    await staff.click("^Терміновість")
    assert "Оберіть терміновість:" in staff.window()
    assert {"Критична", "Висока", "Звичайна", "усі"} <= set(staff.buttons())
    await staff.click("^Звичайна$")
    window = staff.window()
    assert "знайдено: 1" in window and "Закриття школи" in window
    assert "🔎 Фільтри: усі відкриті · Звичайна · усі · усі" in window
    assert "Терміновість: Звичайна" in staff.buttons()

    await staff.click("^Категорія")
    await staff.click("^Енергетика")
    assert "За цими умовами звернень немає." in staff.window()
    await staff.click("Скинути фільтри")
    assert "знайдено: 10" in staff.window()

    await staff.click("^Область")
    assert "Волинська область" in staff.buttons()
    await staff.click("^Волинська область$")
    assert "За цими умовами звернень немає." in staff.window()
    await staff.click("^Область")
    await staff.click("^усі$")
    assert "знайдено: 10" in staff.window()

    # Overdue: unanswered past the deadline; an answered one is not overdue.
    async with desk.db.transaction() as session:
        await session.execute(
            update(Report)
            .where(Report.title == "Закриття школи")
            .values(deadline_at=utcnow() - timedelta(hours=1))
        )
    await staff.click("Лише прострочені")
    assert "знайдено: 1" in staff.window() and "⏰" in staff.window()
    assert "✅ Лише прострочені" in staff.buttons()

    await staff.click("Скинути фільтри")
    await staff.click("^Статус")
    await staff.click("^Вирішено$")
    assert "За цими умовами звернень немає." in staff.window()


async def test_a_forged_option_or_report_is_refused(desk: App) -> None:
    await register(desk, REPORTER, ("uaror",))
    foreign = await submit(desk)
    staff = desk.member(VAG_STAFF, first_name="Ірина", last_name=None)
    await staff.send("/queue")
    window = staff.window()
    # A button for a report of another association, forged from the list's own prefix.
    markup = desk.windows.last_message().reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    overdue = next(b for row in markup.inline_keyboard for b in row if "прострочені" in b.text)
    prefix = (overdue.callback_data or "").split("\x1d")[0]
    await staff.press(f"{prefix}\x1d{'reports'}:{foreign}")
    assert "⛔ Це звернення надійшло іншій асоціації" in alerts(desk)[-1]
    await staff.press(f"{prefix}\x1dreports:99999")
    assert alerts(desk)[-1] == "Такого звернення немає."
    assert staff.window() == window


# ------------------------------------------------------------------------------ a report


async def test_an_opened_report_shows_card_attachments_cosigners_and_history(desk: App) -> None:
    await register(desk, REPORTER, ("vag",), name="Олена <Петренко>")
    await register(desk, COSIGNER, ("vag",), name="Іван Бондар", hromada="Луцька", oblast=VOLYN)
    attachments = [
        AttachmentIn("photo", "photo-1", "u1"),
        AttachmentIn("photo", "photo-2", "u2"),
        AttachmentIn("document", "doc-1", "u3", "акт.pdf"),
    ]
    report_id = await submit(desk, attachments=attachments)
    ref = await reference(desk, report_id)
    reports = reports_of(desk)
    await reports.cosign(report_id, COSIGNER, residents=5000)
    await reports.take(report_id, VAG)
    await reports.note(report_id, VAG, "Перевірити в ОВА <терміново>")
    await reports.reply(report_id, VAG, "Ми вже звернулися до Мінрозвитку.")
    await reports.mark_joint(report_id, VAG)
    await reports.set_position(report_id, VAG, "vag", "supports", "Питання <системне>")

    staff = desk.member(VAG_STAFF, first_name="Ірина", last_name=None)
    await staff.send("/queue")
    await staff.click(ref)

    sent = [m for m in session_of(desk).to(VAG_STAFF) if m.text]
    card = next(m for m in sent if m.text and m.text.startswith("🚨"))
    assert ref in (card.text or "") and "&lt;третій день&gt; &amp;" in (card.text or "")
    assert isinstance(card.reply_markup, InlineKeyboardMarkup)
    actions = [
        ReportCb.unpack(b.callback_data or "")
        for row in card.reply_markup.inline_keyboard
        for b in row
        if b.callback_data
    ]
    assert {a.a for a in actions} >= {"tk", "st"} and {a.r for a in actions} == {report_id}

    albums = [c for c in session_of(desk).calls if isinstance(c, SendMediaGroup)]
    assert [[m.media for m in album.media] for album in albums] == [["photo-1", "photo-2"]]
    documents = [c for c in session_of(desk).calls if isinstance(c, SendDocument)]
    assert [d.document for d in documents] == ["doc-1"]
    assert documents[0].caption == f"📎 Вкладення до звернення {ref}"

    texts = sent_texts(desk, VAG_STAFF)
    cosigners = next(t for t in texts if t.startswith("👥"))
    assert f"👥 <b>Підтримали звернення {ref}</b> (1)" in cosigners
    assert "• Іван Бондар — Луцька, Волинська область, мешканців: 5000" in cosigners
    assert "⏳ членство не підтверджено" in cosigners
    history = next(t for t in texts if t.startswith("📜"))
    assert "📨 Подано звернення" in history and "Олена &lt;Петренко&gt;" in history
    assert "➕ Підтримав(-ла) звернення" in history
    assert "🙋 Взяв(-ла) звернення в роботу" in history
    assert "🔒 Внутрішня нотатка (члени її не бачать):\nПеревірити в ОВА &lt;терміново&gt;" in (
        history
    )
    assert (
        "💬 Відповідь заявникові та тим, хто підтримав звернення:\n"
        "Ми вже звернулися до Мінрозвитку." in (history)
    )
    assert "🤝 Позначено як спільне для всіх асоціацій" in history
    assert "📌 Позиція ВАГ: підтримує\nПитання &lt;системне&gt;" in history
    assert f"⬆️ Звернення {ref} — вище" in staff.window()

    # The card's buttons work here as in the group: change the status from private chat.
    await staff.press(ReportCb(a="ss", r=report_id, v="in_progress").pack(), card)
    view = await reports.report(report_id)
    assert view is not None and view.status == "in_progress"

    await staff.click("Показати ще раз")
    assert len([t for t in sent_texts(desk, VAG_STAFF) if t.startswith("📜")]) == 2
    await staff.click("До черги")
    assert "знайдено: 1" in staff.window()


async def test_a_long_history_is_split_within_telegrams_limit(desk: App) -> None:
    await register(desk, REPORTER, ("vag",))
    report_id = await submit(desk)
    for number in range(4):
        await reports_of(desk).note(report_id, VAG, f"{number} " + "<довга нотатка> " * 230)
    staff = desk.member(VAG_STAFF, first_name="Ірина", last_name=None)
    await staff.send("/queue")
    await staff.click(await reference(desk, report_id))
    texts = [
        c.text
        for c in session_of(desk).calls
        if isinstance(c, SendMessage) and c.chat_id == VAG_STAFF
    ]
    assert all(len(t) <= 4096 for t in texts)
    history = "".join(t for t in texts if "нотатка" in t)
    assert history.count("довга") == 4 * 230  # nothing lost at the cuts


# ------------------------------------------------------------------------------ /export


async def test_export_sends_the_spreadsheet_of_their_associations(desk: App) -> None:
    await register(desk, REPORTER, ("vag",))
    await register(desk, COSIGNER, ("uaror",), hromada="Луцька", oblast=VOLYN)
    vag_ref = await reference(desk, await submit(desk, REPORTER, title="Школа без опалення"))
    await submit(desk, COSIGNER, title="Лікарня без кисню")

    staff: Member = desk.member(VAG_STAFF, first_name="Ірина", last_name=None)
    await staff.send("/export")
    documents = [c for c in session_of(desk).calls if isinstance(c, SendDocument)]
    assert len(documents) == 1
    document = documents[0].document
    assert isinstance(document, BufferedInputFile)
    assert document.filename is not None and document.filename.startswith("reports-")
    assert (
        documents[0].caption is not None and "Звернення ваших асоціацій: 1" in documents[0].caption
    )
    sheet = load_workbook(io.BytesIO(document.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Номер" and [row[0] for row in rows[1:]] == [vag_ref]
    assert rows[1][1] == "Школа без опалення"

    admin = desk.member(ADMIN, first_name="Адмін", last_name=None)
    await admin.send("/export")
    document = [c for c in session_of(desk).calls if isinstance(c, SendDocument)][-1].document
    assert isinstance(document, BufferedInputFile)
    sheet = load_workbook(io.BytesIO(document.data)).active
    assert sheet is not None and sheet.max_row == 3  # admins get every report


async def test_rights_are_read_again_on_every_press(desk: App) -> None:
    await register(desk, REPORTER, ("vag",))
    report_id = await submit(desk)
    staff = desk.member(VAG_STAFF, first_name="Ірина", last_name=None)
    await staff.send("/queue")
    assert "знайдено: 1" in staff.window()
    async with desk.db.transaction() as session:
        await session.execute(delete(StaffRight).where(StaffRight.telegram_id == VAG_STAFF))
    await staff.click(await reference(desk, report_id))
    assert (
        alerts(desk)[-1] == "⛔ Черга звернень доступна лише працівникам секретаріатів асоціацій."
    )
    assert not [t for t in sent_texts(desk, VAG_STAFF) if t.startswith("📜")]
    # The list shown again after the press: no reports, no filters.
    assert "⛔ Черга звернень доступна лише" in staff.window()
    assert staff.buttons() == ["🏠 Головне меню"]
