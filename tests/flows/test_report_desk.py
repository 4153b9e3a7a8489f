"""Urgent-issue reports, staff side, through the real dispatcher: cards in the routed groups,
the card's buttons, replies to cards, and the reporter and co-signers told in their language."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.methods import DeleteMessage, EditMessageReplyMarkup, SendMessage
from aiogram.types import InlineKeyboardMarkup, Message

from bot.services.members import MemberService, RegistrationForm
from bot.services.questions import QuestionService
from bot.services.reports import ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import VerificationService
from delivery.question_cards import send_to_experts
from delivery.report_cards import post_reporter_reply, publish_report, refresh_report_cards
from dialogs.common import esc
from dialogs.report_card_texts import ReportCb, render_report_card, report_card_keyboard
from storage.models import StaffRole
from tests.flows.group_harness import Group, GroupSession
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
    hromada: str | None = "Іллінецька <громада>",
    hromada_code: str | None = None,
    oblast: str = OBLAST,
) -> None:
    members = MemberService(app.db)
    await members.set_locale(telegram_id, locale)
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=name,
            role="hromada_head",
            oblast_code=oblast,
            hromada_code=hromada_code,
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


def last_card(app: App, chat_id: int) -> Message:
    cards = cards_in(app, chat_id)
    assert cards, session_of(app).texts_to(chat_id)
    return cards[-1]


def card_text(app: App, chat_id: int) -> str:
    """The card as it reads now: its last edit, else as posted."""
    edits = session_of(app).edits(chat_id)
    return (edits[-1].text if edits else last_card(app, chat_id).text) or ""


def alerts(app: App) -> list[str]:
    return [a.text or "" for a in session_of(app).callback_answers()]


def markup_edits(app: App, chat_id: int) -> list[InlineKeyboardMarkup]:
    return [
        c.reply_markup
        for c in session_of(app).calls
        if isinstance(c, EditMessageReplyMarkup)
        and c.chat_id == chat_id
        and isinstance(c.reply_markup, InlineKeyboardMarkup)
    ]


def cb(action: str, report_id: int, value: str = "") -> str:
    return ReportCb(a=action, r=report_id, v=value).pack()


async def reported(app: App, *, cosigner: bool = True) -> tuple[int, Group, Message]:
    """A VAG member's report (Ukrainian) co-signed by an AOTG member (English), its card in
    VAG's group."""
    await register(app, REPORTER, codes=("vag",))
    report_id = await submit(app)
    if cosigner:
        await register(
            app, COSIGNER, codes=("aotg",), locale="en", name="Ivan Bondar", hromada="Bar"
        )
        await reports_of(app).cosign(report_id, COSIGNER, 300)
    await publish(app, report_id)
    return report_id, Group(app, VAG_GROUP), last_card(app, VAG_GROUP)


def buttons(message: Message | InlineKeyboardMarkup | None) -> dict[str, str]:
    markup = message.reply_markup if isinstance(message, Message) else message
    if not isinstance(markup, InlineKeyboardMarkup):
        return {}
    return {b.text: (b.url or b.callback_data or "") for row in markup.inline_keyboard for b in row}


# ------------------------------------------------------------------------------ cards


async def test_card_posted_to_the_routed_groups_in_their_language(desk: App) -> None:
    await register(desk, REPORTER, codes=("vag",))
    report_id = await submit(desk)  # legislation: VAG leads; the reporter is VAG's
    assert await publish(desk, report_id) == 1
    assert cards_in(desk, AOTG_GROUP) == [] and cards_in(desk, UAROR_GROUP) == []
    card = last_card(desk, VAG_GROUP)
    text = card.text or ""
    assert text.startswith("🚨 <b>Звернення R-")
    assert "Немає &lt;світла&gt; у школі" in text
    assert "електропостачання &amp; опалення" in text
    assert "👤 Заявник: Олена Петренко — Голова громади" in text
    assert "📍 Іллінецька &lt;громада&gt;, Вінницька область" in text
    assert "⏳ Членство не підтверджено" in text
    assert "🗂 Категорія: Законодавство та повноваження" in text
    assert "📌 Статус: нове" in text
    assert "🙋 Відповідального ще не визначено" in text
    assert "🏘 Стосується мешканців: 1200" in text
    assert "👥 Групи населення, яких це стосується: діти" in text
    assert "(за київським часом)" in text and "Строк відповіді минув" not in text
    assert buttons(card) == {
        "🙋 Взяти в роботу": cb("tk", report_id),
        "📌 Змінити статус": cb("st", report_id),
        "✍️ Відповісти в особистому чаті": f"https://t.me/hromada_test_bot?start=r{report_id}",
        "🤝 Спільне питання": cb("jn", report_id),
        "🔗 Об’єднати": cb("mg", report_id),
    }
    view = await reports_of(desk).report(report_id)
    assert view is not None and [c.chat_id for c in view.cards] == [VAG_GROUP]
    assert await publish(desk, report_id) == 0  # never twice in a group


async def test_card_routed_to_the_lead_in_english_and_overdue(desk: App) -> None:
    await register(desk, REPORTER, codes=("uaror",))
    report_id = await submit(desk, category="investment", description="x" * 3000)
    assert await publish(desk, report_id) == 2  # AOTG leads investment; the reporter's UAROR
    text = last_card(desk, AOTG_GROUP).text or ""
    assert text.startswith("🚨 <b>Report R-")
    assert "📌 Status: new" in text and "Reported by: Олена Петренко — Head of hromada" in text
    assert cards_in(desk, UAROR_GROUP) and not cards_in(desk, VAG_GROUP)
    service = reports_of(desk)
    view = await service.report(report_id)
    assert view is not None
    t = desk.dp["translations"].get("en")
    later = view.deadline_at + timedelta(minutes=1)
    assert "Overdue" in render_report_card(t, view, service.timezone, now=later)
    long = render_report_card(t, view, service.timezone, limit=1000)
    assert len(long) <= 1000 and "✂️ The description is long and shortened here." in long
    # Escaping lengthens a description of `&`s fivefold; the card still fits.
    escaped = render_report_card(
        t, replace(view, description="& " * 1500), service.timezone, limit=2000
    )
    assert len(escaped) <= 2000 and "&amp; &amp;" in escaped


async def test_the_card_names_a_hromada_chosen_from_the_codifier(desk: App) -> None:
    from bot.services.katottg import import_codifier
    from tests.conftest import FIXTURES

    await import_codifier(desk.db, FIXTURES / "katottg_small.csv")
    await register(
        desk,
        REPORTER,
        codes=("aotg",),
        hromada=None,
        hromada_code="UA32060110000050416",
        oblast="UA32000000000030281",
    )
    await publish(desk, await submit(desk, category="investment"))
    text = last_card(desk, AOTG_GROUP).text or ""
    assert "📍 Zghurivska hromada" in text and ", Kyiv Oblast\n" in text


async def test_co_signing_figures_count_verified_members_only(desk: App) -> None:
    report_id, _, _ = await reported(desk)
    assert "громад — 0, областей — 0, мешканців — 0. Підтримали звернення: 1" in (
        card_text(desk, VAG_GROUP)
    )
    verification = VerificationService(desk.db, frozenset({ADMIN}))
    await verification.decide(REPORTER, ADMIN, True)
    await verification.decide(COSIGNER, ADMIN, True)
    await refresh_report_cards(desk.bot, reports_of(desk), desk.dp["translations"], report_id)
    text = card_text(desk, VAG_GROUP)
    assert "громад — 2, областей — 1, мешканців — 1500. Підтримали звернення: 1" in text
    assert "✅ Членство підтверджено" in text


# ------------------------------------------------------------------------------ take


async def test_take_and_the_race_for_it(desk: App) -> None:
    report_id, group, card = await reported(desk)
    first, second = group.person(VAG_STAFF, "Марія", "Шевченко"), group.person(VAG_STAFF_2, "Іван")
    await group.press(first, cb("tk", report_id), card)
    assert alerts(desk)[-1] == "Звернення закріплено за вами."
    assert "🙋 Опрацьовує: Марія Шевченко" in card_text(desk, VAG_GROUP)
    await group.press(second, cb("tk", report_id), card)
    assert alerts(desk)[-1] == "Марія Шевченко уже опрацьовує це звернення."
    await group.press(first, cb("tk", report_id), card)
    assert alerts(desk)[-1] == "Ви вже опрацьовуєте це звернення."
    view = await reports_of(desk).report(report_id)
    assert view is not None and view.assignee_telegram_id == VAG_STAFF
    # Taking is internal: members are not told.
    assert session_of(desk).texts_to(REPORTER) == []


# ------------------------------------------------------------------------------ status


async def test_every_status_change_reaches_both_members_in_their_language(desk: App) -> None:
    report_id, group, card = await reported(desk)
    staff = group.person(VAG_STAFF, "Марія")
    session = session_of(desk)

    await group.press(staff, cb("st", report_id), card)
    choice = buttons(markup_edits(desk, VAG_GROUP)[-1])
    assert list(choice) == ["⛔️ Відхилити (з причиною)", "▶️ У роботі", "⬅️ Назад"]
    await group.press(staff, choice["▶️ У роботі"], card)
    assert alerts(desk)[-1] == "Статус змінено: у роботі."
    assert "📌 Статус: у роботі" in card_text(desk, VAG_GROUP)
    assert "<b>у роботі</b>" in session.texts_to(REPORTER)[-1]
    assert (
        "R-" in session.texts_to(REPORTER)[-1]
        and "Немає &lt;світла&gt;" in (session.texts_to(REPORTER)[-1])
    )
    assert "<b>in progress</b>" in session.texts_to(COSIGNER)[-1]

    await group.press(staff, cb("ss", report_id, "escalated"), card)
    assert "передано на національний рівень" in session.texts_to(REPORTER)[-1]
    assert "escalated to the national level" in session.texts_to(COSIGNER)[-1]
    await group.press(staff, cb("ss", report_id, "resolved"), card)
    assert "<b>вирішено</b>" in session.texts_to(REPORTER)[-1]
    assert "<b>resolved</b>" in session.texts_to(COSIGNER)[-1]
    assert len(session.texts_to(REPORTER)) == 3 and len(session.texts_to(COSIGNER)) == 3
    last_edit = session.edits(VAG_GROUP)[-1]
    assert "📌 Статус: вирішено" in (last_edit.text or "")
    assert buttons(last_edit.reply_markup) == {}  # a closed report keeps no buttons

    # An old button of the closed report changes nothing.
    await group.press(staff, cb("ss", report_id, "in_progress"), card)
    assert alerts(desk)[-1] == "Звернення вже закрито (статус: вирішено)."
    await group.press(staff, cb("st", report_id), card)
    assert alerts(desk)[-1] == "Звернення вже закрито (статус: вирішено)."
    assert len(session.texts_to(REPORTER)) == 3


async def test_a_status_the_rules_do_not_allow_is_refused(desk: App) -> None:
    report_id, group, card = await reported(desk)
    staff = group.person(VAG_STAFF)
    await group.press(staff, cb("ss", report_id, "resolved"), card)  # new → resolved: no
    assert alerts(desk)[-1] == "Цей статус зараз встановити не можна: звернення має статус «нове»."
    await group.press(staff, cb("ss", report_id, "bogus"), card)
    assert alerts(desk)[-1].startswith("Цей статус зараз встановити не можна")
    await group.press(staff, cb("st", report_id), card)
    await group.press(staff, cb("bk", report_id), card)  # back: the card's own buttons again
    assert set(buttons(markup_edits(desk, VAG_GROUP)[-1])) == set(buttons(card))
    assert session_of(desk).texts_to(REPORTER) == []


async def test_declining_asks_for_a_reason_given_by_reply(desk: App) -> None:
    report_id, group, card = await reported(desk)
    staff, other = group.person(VAG_STAFF, "Марія"), group.person(VAG_STAFF_2, "Іван")
    session = session_of(desk)
    await group.press(staff, cb("st", report_id), card)
    await group.press(staff, cb("ss", report_id, "declined"), card)
    assert alerts(desk)[-1].startswith("Щоб відхилити звернення R-")
    assert (await reports_of(desk).report(report_id)).status == "new"  # type: ignore[union-attr]
    # Another staff member's reply meanwhile is an ordinary answer.
    await group.send(other, "Дякуємо, розглядаємо.", reply_to=card)
    assert "Дякуємо, розглядаємо." in session.texts_to(REPORTER)[-1]
    await group.send(staff, "Питання не належить до <повноважень> асоціації.", reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1].startswith("⛔️ Звернення відхилено.")
    reporter_text = session.texts_to(REPORTER)[-1]
    assert "<b>відхилено</b>" in reporter_text
    assert "Причина: Питання не належить до &lt;повноважень&gt; асоціації." in reporter_text
    assert "Reason: Питання не належить" in session.texts_to(COSIGNER)[-1]
    assert "📌 Статус: відхилено" in card_text(desk, VAG_GROUP)
    assert "Причина відхилення: Питання не належить до &lt;повноважень&gt;" in (
        card_text(desk, VAG_GROUP)
    )
    # The request is answered: the next reply is an ordinary one, refused on a closed report?
    await group.send(staff, "Ще одне уточнення", reply_to=card)
    assert "Ще одне уточнення" in session.texts_to(REPORTER)[-1]


# ------------------------------------------------------------------------------ replies


async def test_public_reply_and_internal_note(desk: App) -> None:
    report_id, group, card = await reported(desk)
    staff = group.person(VAG_STAFF, "Марія")
    session = session_of(desk)
    await group.send(staff, "// Перевірити в Мінфіні <терміново>", reply_to=card)
    assert (
        session.texts_to(VAG_GROUP)[-1] == "📝 Внутрішню нотатку збережено. Заявник її не побачить."
    )
    assert session.texts_to(REPORTER) == [] and session.texts_to(COSIGNER) == []
    history = await reports_of(desk).history(report_id, include_internal=True)
    assert history[-1].kind == "note" and history[-1].public is False
    assert await reports_of(desk).history(report_id) == [e for e in history if e.public]

    await group.send(staff, "Звернулися до <b>Мінфіну</b>, чекаємо.", reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1] == (
        "✅ Відповідь надіслано. Отримали: 2 з 2 (заявник і ті, хто підтримав звернення)."
    )
    uk = session.texts_to(REPORTER)[-1]
    assert "💬 Відповідь секретаріату асоціації:" in uk
    assert "Звернулися до &lt;b&gt;Мінфіну&lt;/b&gt;, чекаємо." in uk
    en = session.texts_to(COSIGNER)[-1]
    assert "💬 The association's secretariat answers:" in en and "Report R-" in en
    assert "Перевірити" not in "".join(session.texts_to(REPORTER) + session.texts_to(COSIGNER))
    view = await reports_of(desk).report(report_id)
    assert view is not None and view.first_response_at is not None


async def test_a_member_who_blocked_the_bot_is_marked_and_others_still_told(desk: App) -> None:
    _, group, card = await reported(desk)
    session_of(desk).failing[REPORTER] = "Forbidden: bot was blocked by the user"
    await group.send(group.person(VAG_STAFF), "Відповідь", reply_to=card)
    assert (
        session_of(desk)
        .texts_to(VAG_GROUP)[-1]
        .startswith("✅ Відповідь надіслано. Отримали: 1 з 2")
    )
    assert "Відповідь" in session_of(desk).texts_to(COSIGNER)[-1]
    profile = await MemberService(desk.db).get(REPORTER)
    assert profile is not None and not profile.reachable


async def test_replies_from_outsiders_and_not_text_are_refused(desk: App) -> None:
    report_id, group, card = await reported(desk)
    session = session_of(desk)
    await group.send(group.person(STRANGER, "Петро"), "Я теж хочу відповісти", reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1].startswith("⛔️ Відповідати на звернення можуть лише")
    await group.send(group.person(UAROR_STAFF), "Відповідь УАРОР", reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1].startswith("⛔️ Відповідати на звернення можуть лише")
    await group.send_sticker(group.person(STRANGER), reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1].startswith("⛔️ Відповідати на звернення можуть лише")
    await group.send_sticker(group.person(VAG_STAFF), reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1] == "Будь ласка, надішліть відповідь текстом."
    await group.send(group.person(VAG_STAFF), "/help", reply_to=card)  # a command is no answer
    assert session.texts_to(REPORTER) == []
    history = await reports_of(desk).history(report_id, include_internal=True)
    assert [e.kind for e in history] == ["status", "cosign"]


async def test_question_cards_and_report_cards_share_the_group(desk: App) -> None:
    """Replies to a question's card stay the expert desk's; to a report's card, ours."""
    report_id, group, card = await reported(desk)
    await send_to_experts(
        desk.bot,
        QuestionService(desk.db),
        desk.dp["translations"],
        telegram_id=REPORTER,
        text="Що таке DREAM?",
        locale="uk",
    )
    question_card = [m for m in session_of(desk).to(VAG_GROUP) if (m.text or "").startswith("❓")]
    staff = group.person(VAG_STAFF)
    await group.send(staff, "DREAM — це екосистема.", reply_to=question_card[-1])
    assert session_of(desk).texts_to(VAG_GROUP)[-1].startswith("✅ Відповідь надіслано членові")
    await group.send(staff, "Відповідь на звернення", reply_to=card)
    history = await reports_of(desk).history(report_id)
    assert history[-1].kind == "reply" and history[-1].text == "Відповідь на звернення"


# ------------------------------------------------------------------------------ rights


async def test_outsiders_pressing_buttons_are_refused(desk: App) -> None:
    report_id, group, card = await reported(desk)
    for user_id in (STRANGER, UAROR_STAFF):
        for action in ("tk", "st", "jn", "mg"):
            await group.press(group.person(user_id), cb(action, report_id), card)
            assert alerts(desk)[-1].startswith("⛔️ Працювати з цим зверненням можуть лише")
    await group.press(group.person(STRANGER), cb("ss", report_id, "in_progress"), card)
    assert alerts(desk)[-1].startswith("⛔️")
    view = await reports_of(desk).report(report_id)
    assert view is not None and view.status == "new" and view.assignee_telegram_id is None
    assert not view.joint
    # The admin may act on any report.
    await group.press(group.person(ADMIN, "Адмін"), cb("tk", report_id), card)
    assert alerts(desk)[-1] == "Звернення закріплено за вами."


async def test_stale_and_forged_buttons(desk: App) -> None:
    report_id, group, card = await reported(desk)
    staff = group.person(VAG_STAFF)
    await group.press(staff, cb("tk", 99_999), card)
    assert alerts(desk)[-1] == "Звернення не знайдено."
    await group.press(staff, cb("zz", report_id), card)
    assert alerts(desk)[-1] == "Ця кнопка застаріла."
    await group.press(staff, "rd:tk:abc:", card)  # not a report id: the desk's catch-all
    assert alerts(desk)[-1] == "Ця кнопка застаріла. Ось поточне меню."
    await group.press(staff, cb("pv", report_id, "vag.s"), card)  # not joint
    assert alerts(desk)[-1] == "Ця кнопка застаріла."
    await group.press(staff, cb("po", report_id), card)
    assert alerts(desk)[-1] == "Ця кнопка застаріла."
    view = await reports_of(desk).report(report_id)
    assert view is not None and view.status == "new" and view.positions == ()


# ------------------------------------------------------------------------------ joint


async def test_joint_issue_reaches_every_group_and_positions_show(desk: App) -> None:
    report_id, group, card = await reported(desk)
    session = session_of(desk)
    await group.press(group.person(VAG_STAFF), cb("jn", report_id), card)
    assert alerts(desk)[-1].startswith("Звернення позначено як спільне питання.")
    assert cards_in(desk, AOTG_GROUP) and cards_in(desk, UAROR_GROUP)
    assert "🤝 <b>Joint issue of all associations</b>" in (last_card(desk, AOTG_GROUP).text or "")
    assert "Звернення визнано спільним питанням" in session.texts_to(REPORTER)[-1]
    assert "joint issue of all associations" in session.texts_to(COSIGNER)[-1]
    await group.press(group.person(VAG_STAFF), cb("jn", report_id), card)
    assert alerts(desk)[-1] == "Звернення вже визнано спільним питанням."
    view = await reports_of(desk).report(report_id)
    assert view is not None and len(view.cards) == 3

    # UAROR's staff, in their own group, states UAROR's position with a comment.
    uaror = Group(desk, UAROR_GROUP)
    uaror_card = last_card(desk, UAROR_GROUP)
    staff = uaror.person(UAROR_STAFF, "Оксана")
    await uaror.press(staff, cb("po", report_id), uaror_card)
    choice = buttons(markup_edits(desk, UAROR_GROUP)[-1])
    assert list(choice) == ["✅ Підтримує", "➖ Нейтральна позиція", "❌ Не підтримує", "⬅️ Назад"]
    await uaror.press(staff, choice["❌ Не підтримує"], uaror_card)
    assert alerts(desk)[-1] == "Позицію асоціації зафіксовано."
    assert "• УАРОР: не підтримує" in card_text(desk, UAROR_GROUP)
    assert "• ВАГ: позицію ще не визначено" in card_text(desk, VAG_GROUP)
    assert "UAROR: does not support" in card_text(desk, AOTG_GROUP)
    comment = buttons(markup_edits(desk, UAROR_GROUP)[-1])
    await uaror.press(staff, comment["💬 Додати коментар до позиції"], uaror_card)
    await uaror.send(staff, "Суперечить <закону> про місцеве самоврядування", reply_to=uaror_card)
    assert session.texts_to(UAROR_GROUP)[-1] == "Позицію асоціації зафіксовано."
    assert (
        "• УАРОР: не підтримує — Суперечить &lt;закону&gt; про місцеве самоврядування"
        in card_text(desk, UAROR_GROUP)
    )
    # Positions are the associations' own business: members are not told.
    assert "Суперечить" not in "".join(session.texts_to(REPORTER))
    # Speaking for another association is refused.
    await uaror.press(staff, cb("pv", report_id, "vag.s"), uaror_card)
    assert alerts(desk)[-1].startswith("⛔️")
    # Any association's staff may act on a joint report now.
    await uaror.press(staff, cb("tk", report_id), uaror_card)
    assert alerts(desk)[-1] == "Звернення закріплено за вами."


# ------------------------------------------------------------------------------ merge


async def test_merge_by_reply_with_the_reference(desk: App) -> None:
    target_id, group, _ = await reported(desk, cosigner=False)
    await register(desk, COSIGNER, codes=("vag",), locale="en", name="Ivan Bondar", hromada="Bar")
    await register(desk, 1003, codes=("vag",), locale="en", name="Petro", hromada="Lityn")
    source_id = await submit(desk, telegram_id=COSIGNER, title="No power at the school")
    await reports_of(desk).cosign(source_id, 1003)
    await publish(desk, source_id)
    source_card = last_card(desk, VAG_GROUP)
    target = await reports_of(desk).report(target_id)
    assert target is not None
    staff = group.person(VAG_STAFF)
    session = session_of(desk)

    await group.press(staff, cb("mg", source_id), source_card)
    assert alerts(desk)[-1].startswith("Щоб об’єднати звернення R-")
    await group.send(staff, "R-1999-1", reply_to=source_card)
    assert session.texts_to(VAG_GROUP)[-1].startswith("Звернення з таким номером не знайдено.")
    typed = target.reference.lower().replace("-", " ")  # "r 2026 00001"
    await group.send(staff, typed, reply_to=source_card)
    assert session.texts_to(VAG_GROUP)[-1].startswith(
        f"🔗 Звернення об’єднано з {target.reference}."
    )

    source = await reports_of(desk).report(source_id)
    target = await reports_of(desk).report(target_id)
    assert source is not None and target is not None
    assert source.status == "merged" and source.merged_into_id == target_id
    assert {s.telegram_id for s in target.supporters} == {COSIGNER, 1003}
    for member in (COSIGNER, 1003):
        text = session.texts_to(member)[-1]
        assert f"merged into a similar report, {target.reference}" in text
        assert len([t for t in session.texts_to(member) if "merged" in t]) == 1
    assert f"приєднано подібне звернення {source.reference}" in session.texts_to(REPORTER)[-1]
    edits = [e.text or "" for e in session.edits(VAG_GROUP)]
    assert any(f"🔗 Об’єднано зі зверненням {target.reference}" in e for e in edits)
    # Merging a closed report again is refused.
    await group.press(staff, cb("mg", source_id), source_card)
    assert alerts(desk)[-1] == "Звернення вже закрито (статус: об’єднано з іншим зверненням)."


async def test_merge_into_itself_or_a_report_of_another_association(desk: App) -> None:
    report_id, group, card = await reported(desk, cosigner=False)
    await register(desk, COSIGNER, codes=("uaror",), locale="en", name="Ivan", hromada="Bar")
    foreign_id = await submit(desk, telegram_id=COSIGNER, category="health_social")
    service = reports_of(desk)
    view, foreign = await service.report(report_id), await service.report(foreign_id)
    assert view is not None and foreign is not None
    staff = group.person(VAG_STAFF)
    session = session_of(desk)
    await group.press(staff, cb("mg", report_id), card)
    await group.send(staff, view.reference, reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1].startswith("Звернення не можна об’єднати із самим")
    await group.send(staff, foreign.reference, reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1].startswith(f"Звернення {foreign.reference} спрямовано")
    await group.press(staff, cb("bk", report_id), card)  # changed their mind
    await group.send(staff, foreign.reference, reply_to=card)  # now an answer to the reporter
    assert foreign.reference in session.texts_to(REPORTER)[-1]
    view = await service.report(report_id)
    assert view is not None and view.status == "new"


# ------------------------------------------------------------------------------ private chat


async def private_card(app: App, report_id: int, staff_id: int = VAG_STAFF) -> Message:
    """The card as /queue shows it in a staff member's private chat."""
    view = await reports_of(app).report(report_id)
    assert view is not None
    t = app.dp["translations"].get("uk")
    return await app.bot.send_message(
        staff_id,
        render_report_card(t, view, reports_of(app).timezone),
        reply_markup=report_card_keyboard(t, view, "hromada_test_bot"),
    )


async def test_the_card_buttons_work_in_private_chat(desk: App) -> None:
    report_id, _, _ = await reported(desk)
    card = await private_card(desk, report_id)
    chat = Group(desk, VAG_STAFF, type="private")
    staff = chat.person(VAG_STAFF, "Марія")
    session = session_of(desk)

    await chat.press(staff, cb("tk", report_id), card)
    assert alerts(desk)[-1] == "Звернення закріплено за вами."
    assert "🙋 Опрацьовує: Марія Коваль" in card_text(desk, VAG_STAFF)  # the card here
    assert "🙋 Опрацьовує: Марія Коваль" in card_text(desk, VAG_GROUP)  # and in the group

    await chat.press(staff, cb("st", report_id), card)
    helper = session.to(VAG_STAFF)[-1]
    assert helper.text is not None and helper.text.startswith("📌 R-")
    assert "▶️ У роботі" in buttons(helper)
    await chat.press(staff, cb("ss", report_id, "declined"), helper)
    prompt = session.to(VAG_STAFF)[-1]
    assert prompt.text is not None and prompt.text.startswith("⛔️ Надішліть причину відхилення")
    assert any(
        isinstance(c, DeleteMessage) and c.message_id == helper.message_id for c in session.calls
    )
    await chat.send(staff, "Не належить до повноважень асоціації.", reply_to=prompt)
    assert session.texts_to(VAG_STAFF)[-1].startswith("⛔️ Звернення відхилено.")
    assert "Причина: Не належить до повноважень" in session.texts_to(REPORTER)[-1]
    assert "📌 Статус: відхилено" in card_text(desk, VAG_GROUP)
    # A reply to the card itself in private chat is no answer to the reporter.
    await chat.send(staff, "Ще щось", reply_to=card)
    assert not any("Ще щось" in t for t in session.texts_to(REPORTER))


async def test_merge_from_private_chat(desk: App) -> None:
    target_id, _, _ = await reported(desk, cosigner=False)
    await register(desk, COSIGNER, codes=("vag",), locale="en", name="Ivan Bondar", hromada="Bar")
    source_id = await submit(desk, telegram_id=COSIGNER, title="No heating")
    await publish(desk, source_id)
    target = await reports_of(desk).report(target_id)
    assert target is not None
    card = await private_card(desk, source_id)
    chat = Group(desk, VAG_STAFF, type="private")
    staff = chat.person(VAG_STAFF, "Марія")
    session = session_of(desk)
    await chat.press(staff, cb("mg", source_id), card)
    prompt = session.to(VAG_STAFF)[-1]
    assert prompt.text is not None and prompt.text.startswith("🔗 Надішліть відповіддю")
    await chat.send(staff, target.reference, reply_to=prompt)
    assert session.texts_to(VAG_STAFF)[-1].startswith(
        f"🔗 Звернення об’єднано з {target.reference}"
    )
    assert f"merged into a similar report, {target.reference}" in session.texts_to(COSIGNER)[-1]
    source = await reports_of(desk).report(source_id)
    assert source is not None and source.status == "merged"


async def test_answering_in_private_chat_by_the_card_link(desk: App) -> None:
    report_id, _, _ = await reported(desk)
    session = session_of(desk)
    member = desk.member(STRANGER)
    await member.send(f"/start r{report_id}")
    assert member.replies()[-1] == "Ця дія доступна лише працівникам секретаріату асоціацій."
    other = desk.member(UAROR_STAFF)
    await other.send(f"/start r{report_id}")
    assert other.replies()[-1].startswith("⛔️ Працювати з цим зверненням можуть лише")
    staff = desk.member(VAG_STAFF, first_name="Марія", last_name="Коваль")
    await staff.send("/start r999")
    assert staff.replies()[-1] == "Звернення не знайдено."

    await staff.send(f"/start r{report_id}")
    window = staff.window()
    assert "🚨 <b>Звернення R-" in window and "Надішліть відповідь для заявника" in window
    await staff.send("Перевірити <бюджет>")
    assert "Перевірити &lt;бюджет&gt;" in staff.window()
    await staff.click("Зберегти як внутрішню нотатку")
    assert "Внутрішню нотатку збережено" in staff.window()
    assert session.texts_to(REPORTER) == [] and session.texts_to(COSIGNER) == []
    notes = await reports_of(desk).history(report_id, include_internal=True)
    assert notes[-1].kind == "note" and notes[-1].text == "Перевірити <бюджет>"

    await staff.click("Написати ще")
    await staff.send("Питання <взято> на контроль.")
    window = staff.window()
    assert "👀 Так відповідь побачить заявник:" in window
    assert "Відповідь секретаріату асоціації" in window and "&lt;взято&gt;" in window
    await staff.click("Змінити")
    await staff.send("Питання взято на контроль.")
    await staff.click("Надіслати заявникові")
    assert "Отримали: 2 з 2" in staff.window()
    assert "Питання взято на контроль." in session.texts_to(REPORTER)[-1]
    assert "The association's secretariat answers" in session.texts_to(COSIGNER)[-1]
    assert len(session.texts_to(REPORTER)) == 1  # the note never went


async def test_private_answer_rechecks_rights_when_sending(desk: App) -> None:
    from sqlalchemy import delete

    from storage.models import StaffRight

    report_id, _, _ = await reported(desk)
    staff = desk.member(VAG_STAFF)
    await staff.send(f"/start r{report_id}")
    await staff.send("Відповідь")
    async with desk.db.transaction() as session:
        await session.execute(delete(StaffRight).where(StaffRight.telegram_id == VAG_STAFF))
    await staff.click("Надіслати заявникові")
    assert alerts(desk)[-1].startswith("⛔️ Працювати з цим зверненням можуть лише")
    assert session_of(desk).texts_to(REPORTER) == []


async def test_the_reporters_answer_appears_under_every_card(desk: App) -> None:
    await register(desk, REPORTER, codes=("uaror",))
    report_id = await submit(desk, category="investment")  # AOTG (English) and UAROR groups
    await publish(desk, report_id)
    service = reports_of(desk)
    entry = await service.reporter_reply(report_id, REPORTER, "Дякую! Додаю <кошторис>.")
    posted = await post_reporter_reply(desk.bot, service, desk.dp["translations"], report_id, entry)
    assert posted == 2
    session = session_of(desk)
    for chat_id, heading in (
        (AOTG_GROUP, "The reporter answers"),
        (UAROR_GROUP, "Відповідь заявника"),
    ):
        card = last_card(desk, chat_id)
        answer = next(
            c
            for c in session.calls
            if isinstance(c, SendMessage) and c.chat_id == chat_id and c.text != card.text
        )
        assert heading in answer.text and "Дякую! Додаю &lt;кошторис&gt;." in answer.text
        assert answer.reply_parameters is not None
        assert answer.reply_parameters.message_id == card.message_id


async def test_a_long_answer_reaches_members_in_several_messages(desk: App) -> None:
    _, group, card = await reported(desk, cosigner=False)
    staff = group.person(VAG_STAFF)
    await group.send(staff, "Так. " * 1000, reply_to=card)  # 5000 characters: over the limit
    too_long = session_of(desk).texts_to(VAG_GROUP)[-1]
    assert too_long.startswith("Текст задовгий: не більше 4") and too_long.endswith("000 символів.")
    answer = "Кошторис & акт. " * 249  # 3984 characters, 249 of them `&`
    await group.send(staff, answer, reply_to=card)
    received = session_of(desk).texts_to(REPORTER)
    assert len(received) == 2 and all(len(text) <= 4096 for text in received)
    joined = " ".join(received)
    assert joined.count("Кошторис") == 249 and joined.count("&amp;") == 249


def test_escaped_pieces_fit_the_limit() -> None:
    from dialogs.report_card_texts import escaped_pieces

    for text in ("&" * 5000, "a & b " * 900, "<b>" * 1500, "просто текст " * 400):
        pieces = escaped_pieces(text, 4096, 300)
        assert len(pieces[0]) + 300 <= 4096 and all(len(p) <= 4096 for p in pieces)
        assert "".join(pieces).replace(" ", "") == esc(text).replace(" ", "")


async def test_joint_and_position_with_a_comment_from_private_chat(desk: App) -> None:
    report_id, _, _ = await reported(desk)
    card = await private_card(desk, report_id)
    chat = Group(desk, VAG_STAFF, type="private")
    staff = chat.person(VAG_STAFF, "Марія")
    session = session_of(desk)
    await chat.press(staff, cb("jn", report_id), card)
    assert cards_in(desk, AOTG_GROUP) and cards_in(desk, UAROR_GROUP)
    assert "🗳 Позиція асоціації" in buttons(session.edits(VAG_STAFF)[-1].reply_markup)

    await chat.press(staff, cb("po", report_id), card)
    helper = session.to(VAG_STAFF)[-1]
    assert list(buttons(helper)) == [
        "✅ Підтримує",
        "➖ Нейтральна позиція",
        "❌ Не підтримує",
        "⬅️ Назад",
    ]
    await chat.press(staff, buttons(helper)["✅ Підтримує"], helper)
    offer = buttons(markup_edits(desk, VAG_STAFF)[-1])  # the same message, now the offer
    await chat.press(staff, offer["💬 Додати коментар до позиції"], helper)
    prompt = session.to(VAG_STAFF)[-1]
    assert (prompt.text or "").startswith("💬 Надішліть коментар до позиції")
    await chat.send(staff, "Підтримуємо, це системне питання.", reply_to=prompt)
    assert session.texts_to(VAG_STAFF)[-1] == "Позицію асоціації зафіксовано."
    assert "• ВАГ: підтримує — Підтримуємо, це системне питання." in card_text(desk, UAROR_GROUP)
