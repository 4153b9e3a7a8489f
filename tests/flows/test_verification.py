"""Member verification through the real dispatcher: a member registers, the card reaches the bound
staff groups, staff approve or reject, the member is told; refusals and a second press."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramMigrateToChat
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy import delete

from bot.services.members import MemberService
from bot.services.reports import ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import PostedCard, VerificationService
from delivery.report_cards import publish_report
from dialogs.verification_texts import VerifyAction, VerifyCallback, card_keyboard
from storage.models import StaffRole, VerificationCard
from tests.flows.group_harness import Group, GroupSession
from tests.flows.harness import App, Member

ADMIN = 1
VAG_STAFF = 501
UAROR_STAFF = 502
AOTG_STAFF = 503
STRANGER = 777
MEMBER = 1001
VAG_GROUP = -100500
AOTG_GROUP = -100700
TIME = r"\d\d\.\d\d\.\d{4} \d\d:\d\d"


@pytest.fixture
async def desk(app: App) -> App:
    """Staff of every association; groups bound for VAG (Ukrainian) and AOTG (English) only."""
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    staff = StaffService(app.db)
    await staff.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.grant(UAROR_STAFF, StaffRole.STAFF, "uaror")
    await staff.grant(AOTG_STAFF, StaffRole.STAFF, "aotg")
    chats = StaffChatService(app.db, frozenset({ADMIN}))
    await chats.bind(VAG_GROUP, "Секретаріат ВАГ", "vag", ADMIN)
    await chats.bind(AOTG_GROUP, "ATH staff", "aotg", ADMIN, locale="en")
    return app


def session_of(app: App) -> GroupSession:
    assert isinstance(app.session, GroupSession)
    return app.session


async def register_uk(member: Member, *associations: str) -> None:
    """Registration in Ukrainian, Vinnytsia oblast, a typed hromada, the phone shared."""
    await member.send("/start")
    await member.click("Українська")
    await member.click("Погоджуюся")
    await member.click("Олена Петренко")
    await member.click("^Голова громади$")
    await member.click("Вінницька")
    await member.send("Іллінецька <громада>")
    for association in associations:
        await member.click(f" {association}$")
    await member.click("Далі")
    await member.send_contact("+380501234567")
    assert "Реєстрацію завершено" in member.window()


async def register_en(member: Member, *associations: str) -> None:
    """Registration in English, Vinnytsia oblast, no phone; no associations means "Not sure"."""
    await member.send("/start")
    await member.click("English")
    await member.click("I agree")
    await member.send("John Smith")
    await member.click("^Head of hromada$")
    await member.click("Vinnytsia")
    await member.send("Illintsi")
    if associations:
        for association in associations:
            await member.click(f" {association}$")
        await member.click("Next")
    else:
        await member.click("Not sure")
    await member.press_reply("Skip")
    assert "Registration complete" in member.window()


def cards_in(app: App, chat_id: int) -> list[Message]:
    return [m for m in session_of(app).to(chat_id) if m.text and "🪪" in m.text]


def card_in(app: App, chat_id: int) -> Message:
    cards = cards_in(app, chat_id)
    assert len(cards) == 1, session_of(app).texts_to(chat_id)
    return cards[0]


def buttons(message: Message) -> dict[str, str]:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return {
        b.text: b.callback_data or ""
        for row in markup.inline_keyboard
        for b in row
        if b.callback_data is not None
    }


def link_buttons(message: Message) -> dict[str, str]:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return {b.text: b.url or "" for row in markup.inline_keyboard for b in row if b.url}


def last_answer(app: App) -> AnswerCallbackQuery:
    answers = [c for c in session_of(app).calls if isinstance(c, AnswerCallbackQuery)]
    assert answers
    return answers[-1]


async def press(app: App, chat_id: int, user_id: int, pattern: str, card: Message) -> None:
    group = Group(app, chat_id)
    staff = group.person(user_id)
    [data] = [data for text, data in buttons(card).items() if re.search(pattern, text)]
    await group.press(staff, data, card)


async def verification_of(app: App, telegram_id: int = MEMBER) -> str:
    profile = await MemberService(app.db).get(telegram_id)
    assert profile is not None
    return profile.verification


async def test_a_new_member_is_approved_from_the_card(desk: App) -> None:
    session = session_of(desk)
    member = desk.member(MEMBER, language_code="en")
    await register_en(member, "VAG")
    assert "has not been confirmed" in member.window()

    card = card_in(desk, VAG_GROUP)
    assert cards_in(desk, AOTG_GROUP) == []  # the member is in VAG only
    text = card.text or ""
    assert text.startswith("🪪 <b>Новий член: підтвердження членства</b>")
    assert "👤 John Smith — Голова громади" in text
    assert "📍 Illintsi, Вінницька область" in text
    assert "🏛 Асоціації: ВАГ" in text
    assert "📞 Номер телефону не вказано" in text
    assert re.search(f"🕓 Зареєстровано: {TIME}", text)
    assert text.endswith("Підтвердьте або відхиліть членство.")
    assert buttons(card) == {
        "✅ Підтвердити": VerifyCallback(action=VerifyAction.APPROVE, member_id=MEMBER).pack(),
        "❌ Відхилити": VerifyCallback(action=VerifyAction.REJECT, member_id=MEMBER).pack(),
    }

    await press(desk, VAG_GROUP, VAG_STAFF, "Підтвердити", card)

    assert last_answer(desk).text == "✅ Членство підтверджено, члена сповіщено."
    [edit] = session.edits(VAG_GROUP)
    assert edit.message_id == card.message_id
    assert edit.reply_markup is None
    assert "👤 John Smith — Голова громади" in edit.text
    assert re.search(f"✅ Членство підтвердив\\(-ла\\) Іван Коваль, {TIME}$", edit.text)
    assert "Підтвердьте або відхиліть" not in edit.text
    assert session.texts_to(MEMBER) == [
        "✅ The association's secretariat has confirmed your membership. "
        "Thank you for being with us!"
    ]
    assert await verification_of(desk) == "verified"

    await member.send("/menu")
    assert "Main menu" in member.window()
    assert "has not been confirmed" not in member.window()


async def test_a_rejected_member_is_told_how_to_fix_their_profile(desk: App) -> None:
    session = session_of(desk)
    member = desk.member(MEMBER)
    await register_uk(member, "ВАГ")
    card = card_in(desk, VAG_GROUP)
    text = card.text or ""
    # Not everyone in the group is staff: the card says a phone was shared, never the number;
    # what the member typed is escaped.
    assert "+380501234567" not in text and "380" not in text
    assert "📞 Номер телефону надано; у групі його не показуємо" in text
    assert "📍 Іллінецька &lt;громада&gt;, Вінницька область" in text
    assert link_buttons(card) == {
        "📞 Номер телефону": f"https://t.me/hromada_test_bot?start=vp{MEMBER}"
    }

    await press(desk, VAG_GROUP, VAG_STAFF, "Відхилити", card)

    assert last_answer(desk).text == "❌ Членство відхилено, члена сповіщено."
    [edit] = session.edits(VAG_GROUP)
    assert re.search(f"❌ Членство відхилив\\(-ла\\) Іван Коваль, {TIME}$", edit.text)
    assert "380" not in edit.text
    # Decided: only the phone button stays.
    assert isinstance(edit.reply_markup, InlineKeyboardMarkup)
    [[phone_button]] = edit.reply_markup.inline_keyboard
    assert phone_button.url == f"https://t.me/hromada_test_bot?start=vp{MEMBER}"
    [told] = session.texts_to(MEMBER)
    assert told.startswith("Секретаріат асоціації не зміг підтвердити ваше членство")
    assert "/profile" in told
    assert await verification_of(desk) == "rejected"
    await member.send("/menu")
    assert "не зміг підтвердити ваше членство" in member.window()
    assert "ще не підтверджено" not in member.window()


async def test_a_rejected_member_who_corrects_the_profile_is_reviewed_again(desk: App) -> None:
    session = session_of(desk)
    member = desk.member(MEMBER)
    await register_uk(member, "ВАГ")
    await press(desk, VAG_GROUP, VAG_STAFF, "Відхилити", card_in(desk, VAG_GROUP))
    assert await verification_of(desk) == "rejected"

    # A phone change is not what the secretariat decided on: nothing is reopened.
    await member.send("/profile")
    await member.click("Телефон")
    await member.press_reply("Пропустити")
    assert await verification_of(desk) == "rejected"
    assert len(cards_in(desk, VAG_GROUP)) == 1

    # Correcting the associations sends the profile back, with a new card in each group.
    await member.send("/profile")
    await member.click("Асоціації")
    await member.click(" Асоціація ОТГ$")
    await member.click("Зберегти|Далі")
    assert await verification_of(desk) == "unverified"
    assert session.texts_to(MEMBER)[-1].startswith(
        "📨 Виправлений профіль знову надіслано секретаріату"
    )
    assert "Мій профіль" in member.window()
    cards = cards_in(desk, VAG_GROUP)
    assert len(cards) == 2 and "Підтвердьте або відхиліть" in (cards[-1].text or "")
    assert len(cards_in(desk, AOTG_GROUP)) == 1

    # Unverified now, a further edit posts no further card; approving from the new card works.
    await member.send("/profile")
    await member.click("Ім’я")
    await member.send("Олена Коваль")
    assert len(cards_in(desk, VAG_GROUP)) == 2
    await press(desk, VAG_GROUP, VAG_STAFF, "Підтвердити", cards[-1])
    assert await verification_of(desk) == "verified"


async def test_a_press_by_someone_without_the_right_is_refused_and_logged(
    desk: App, caplog: pytest.LogCaptureFixture
) -> None:
    session = session_of(desk)
    await register_uk(desk.member(MEMBER), "ВАГ")
    card = card_in(desk, VAG_GROUP)

    with caplog.at_level(logging.INFO, logger="dialogs.verification"):
        for outsider in (STRANGER, AOTG_STAFF):  # AOTG staff, but the member is in VAG
            await press(desk, VAG_GROUP, outsider, "Підтвердити", card)
            answer = last_answer(desk)
            assert answer.text == (
                "⛔ Підтверджувати членство можуть лише працівники секретаріату асоціації, "
                "до якої належить громада чи рада цієї особи."
            )
            assert answer.show_alert

    assert session.edits(VAG_GROUP) == []
    assert session.texts_to(MEMBER) == []
    assert await verification_of(desk) == "unverified"
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals == [
        f"verification of member {MEMBER} refused to {STRANGER}",
        f"verification of member {MEMBER} refused to {AOTG_STAFF}",
    ]


async def test_a_second_press_is_told_who_decided_and_shows_the_decision(desk: App) -> None:
    session = session_of(desk)
    await register_uk(desk.member(MEMBER), "ВАГ", "Асоціація ОТГ")
    vag_card, aotg_card = card_in(desk, VAG_GROUP), card_in(desk, AOTG_GROUP)
    # The AOTG group reads English.
    assert (aotg_card.text or "").startswith("🪪 <b>New member: please confirm the membership</b>")
    assert "🏛 Associations: VAG, Association of ATH" in (aotg_card.text or "")

    await press(desk, VAG_GROUP, VAG_STAFF, "Підтвердити", vag_card)
    await press(desk, AOTG_GROUP, AOTG_STAFF, "Reject", aotg_card)

    answer = last_answer(desk)
    assert answer.text == "Членство цієї особи вже підтвердив(-ла) Іван Коваль."
    assert answer.show_alert
    [edit] = session.edits(AOTG_GROUP)
    assert edit.message_id == aotg_card.message_id
    assert isinstance(edit.reply_markup, InlineKeyboardMarkup)
    assert [b.text for row in edit.reply_markup.inline_keyboard for b in row] == ["📞 Phone number"]
    assert re.search(f"✅ Membership approved by Іван Коваль, {TIME}$", edit.text)
    assert await verification_of(desk) == "verified"
    assert len(session.texts_to(MEMBER)) == 1  # told once

    # The same card pressed again after the edit (an old client): the same answer.
    await press(desk, VAG_GROUP, VAG_STAFF, "Відхилити", vag_card)
    assert last_answer(desk).text == "Членство цієї особи вже підтвердив(-ла) Іван Коваль."
    assert await verification_of(desk) == "verified"


async def test_a_member_not_sure_of_their_association_reaches_every_bound_group(
    desk: App,
) -> None:
    await register_en(desk.member(MEMBER, language_code="en"))
    vag_card, aotg_card = card_in(desk, VAG_GROUP), card_in(desk, AOTG_GROUP)
    assert "картку отримали секретаріати всіх асоціацій" in (vag_card.text or "")
    assert "every secretariat has this card" in (aotg_card.text or "")
    # Any association's staff may decide, even one without a bound group.
    await press(desk, VAG_GROUP, UAROR_STAFF, "Підтвердити", vag_card)
    assert await verification_of(desk) == "verified"


async def test_registration_completes_without_a_bound_group_or_when_posting_fails(
    desk: App,
) -> None:
    session = session_of(desk)
    await register_uk(desk.member(MEMBER), "УАРОР")  # UAROR has no group
    assert cards_in(desk, VAG_GROUP) == [] and cards_in(desk, AOTG_GROUP) == []

    session.failing[VAG_GROUP] = "Forbidden: bot was kicked from the supergroup chat"
    await register_uk(desk.member(MEMBER + 1), "ВАГ")
    assert cards_in(desk, VAG_GROUP) == []
    profile = await MemberService(desk.db).get(MEMBER + 1)
    assert profile is not None and profile.registered


async def test_only_the_first_registration_posts_a_card(desk: App) -> None:
    member = desk.member(MEMBER)
    await register_uk(member, "ВАГ")
    await member.send("/start")  # a registered member gets the menu, not the dialog again
    await member.send("/profile")
    await member.click("Ім’я")
    await member.send("Олена Коваль")
    assert "Олена Коваль" in member.window()
    assert len(cards_in(desk, VAG_GROUP)) == 1


async def test_a_member_who_blocked_the_bot_is_marked_unreachable(desk: App) -> None:
    session = session_of(desk)
    await register_uk(desk.member(MEMBER), "ВАГ")
    card = card_in(desk, VAG_GROUP)
    session.failing[MEMBER] = "Forbidden: bot was blocked by the user"
    await press(desk, VAG_GROUP, VAG_STAFF, "Підтвердити", card)
    assert last_answer(desk).text == (
        "Рішення збережено, але надіслати членові повідомлення не вдалося."
    )
    profile = await MemberService(desk.db).get(MEMBER)
    assert profile is not None and profile.verification == "verified" and not profile.reachable


async def test_a_card_of_an_unknown_member(desk: App) -> None:
    group = Group(desk, VAG_GROUP)
    data = VerifyCallback(action=VerifyAction.APPROVE, member_id=4242).pack()
    # A card posted before cards were recorded: known by its keyboard.
    message = Message.model_validate(
        {
            "message_id": 9,
            "date": 0,
            "chat": group.chat.model_dump(),
            "text": "card",
            "reply_markup": card_keyboard(desk.dp["translations"].get("uk"), 4242).model_dump(),
        }
    )
    await group.press(group.person(VAG_STAFF), data, message)
    assert last_answer(desk).text == (
        "Цієї особи немає серед зареєстрованих: можливо, вона видалила профіль."
    )
    assert session_of(desk).edits(VAG_GROUP) == []


# ------------------------------------------------------------------------------ which message


STALE = "Ця кнопка застаріла."


async def test_cards_are_recorded_where_they_were_posted(desk: App) -> None:
    await register_uk(desk.member(MEMBER), "ВАГ", "Асоціація ОТГ")
    vag_card, aotg_card = card_in(desk, VAG_GROUP), card_in(desk, AOTG_GROUP)
    verification: VerificationService = desk.dp["verification"]
    assert set(await verification.cards_of(MEMBER)) == {
        PostedCard(VAG_GROUP, vag_card.message_id, "uk"),
        PostedCard(AOTG_GROUP, aotg_card.message_id, "en"),
    }
    assert await verification.card_owner(VAG_GROUP, vag_card.message_id) == MEMBER
    assert await verification.card_owner(VAG_GROUP, aotg_card.message_id) is None


async def test_a_forged_verification_press_on_a_report_card_changes_nothing(
    desk: App, caplog: pytest.LogCaptureFixture
) -> None:
    session = session_of(desk)
    await register_uk(desk.member(MEMBER), "ВАГ")
    reports: ReportService = desk.dp["reports"]
    submitted = await reports.submit(
        MEMBER,
        ReportForm(
            category="legislation", urgency="critical", title="Немає світла", description="Опис."
        ),
    )
    await publish_report(
        desk.bot, reports, desk.dp["staff_chats"], desk.dp["translations"], submitted.id
    )
    [report_card] = [m for m in session.to(VAG_GROUP) if (m.text or "").startswith("🚨")]

    group = Group(desk, VAG_GROUP)
    forged = VerifyCallback(action=VerifyAction.APPROVE, member_id=MEMBER).pack()
    with caplog.at_level(logging.INFO, logger="dialogs.verification"):
        await group.press(group.person(VAG_STAFF), forged, report_card)

    answer = last_answer(desk)
    assert answer.text == STALE and answer.show_alert
    assert session.edits(VAG_GROUP) == []  # the report card stays a report card
    assert session.texts_to(MEMBER) == []
    assert await verification_of(desk) == "unverified"
    assert any("no card of its member" in r.getMessage() for r in caplog.records)


async def test_a_card_answers_for_its_own_member_only(desk: App) -> None:
    session = session_of(desk)
    await register_uk(desk.member(MEMBER), "ВАГ")
    await register_en(desk.member(MEMBER + 1, language_code="en"), "VAG")
    first, second = cards_in(desk, VAG_GROUP)

    group = Group(desk, VAG_GROUP)
    forged = VerifyCallback(action=VerifyAction.REJECT, member_id=MEMBER).pack()
    await group.press(group.person(VAG_STAFF), forged, second)

    assert last_answer(desk).text == STALE
    assert session.edits(VAG_GROUP) == []
    assert await verification_of(desk, MEMBER) == "unverified"
    assert await verification_of(desk, MEMBER + 1) == "unverified"
    await press(desk, VAG_GROUP, VAG_STAFF, "Відхилити", first)  # its own card still works
    assert await verification_of(desk, MEMBER) == "rejected"


async def test_a_card_posted_before_cards_were_recorded_is_known_by_its_keyboard(
    desk: App,
) -> None:
    session = session_of(desk)
    await register_uk(desk.member(MEMBER), "ВАГ")
    await register_en(desk.member(MEMBER + 1, language_code="en"), "VAG")
    first, second = cards_in(desk, VAG_GROUP)
    async with desk.db.transaction() as db_session:
        await db_session.execute(delete(VerificationCard))

    group = Group(desk, VAG_GROUP)
    forged = VerifyCallback(action=VerifyAction.APPROVE, member_id=MEMBER).pack()
    await group.press(group.person(VAG_STAFF), forged, second)  # the other member's buttons
    assert last_answer(desk).text == STALE
    assert session.edits(VAG_GROUP) == []

    await press(desk, VAG_GROUP, VAG_STAFF, "Підтвердити", first)
    assert last_answer(desk).text == "✅ Членство підтверджено, члена сповіщено."
    assert await verification_of(desk, MEMBER) == "verified"
    [edit] = session.edits(VAG_GROUP)
    assert edit.message_id == first.message_id


class MigratingSession(GroupSession):
    """A group that has become a supergroup: a send to the old id is refused with the new one."""

    def __init__(self, old_chat_id: int, new_chat_id: int) -> None:
        super().__init__()
        self.moved = {old_chat_id: new_chat_id}

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        if isinstance(method, SendMessage) and int(method.chat_id) in self.moved:
            self.calls.append(method)
            raise TelegramMigrateToChat(
                method=method,
                message="Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.moved[int(method.chat_id)],
            )
        return await super().make_request(bot, method, timeout)


async def test_a_card_posted_to_a_group_become_supergroup_is_recorded_there(desk: App) -> None:
    supergroup = -1009990
    session = MigratingSession(VAG_GROUP, supergroup)
    desk.session = session
    desk.bot = Bot("42:TEST", session=session)
    await register_uk(desk.member(MEMBER), "ВАГ")

    card = card_in(desk, supergroup)
    assert cards_in(desk, VAG_GROUP) == []
    verification: VerificationService = desk.dp["verification"]
    assert await verification.cards_of(MEMBER) == [PostedCard(supergroup, card.message_id, "uk")]
    await press(desk, supergroup, VAG_STAFF, "Підтвердити", card)
    assert await verification_of(desk) == "verified"


async def test_a_group_that_removed_the_bot_gets_no_more_cards(desk: App) -> None:
    """A 403 on posting a card deactivates the group's binding (as for report cards and
    digests): the next member's card is not even tried there."""
    session = session_of(desk)
    session.failing[VAG_GROUP] = "Forbidden: bot was kicked from the supergroup chat"
    await register_uk(desk.member(MEMBER), "ВАГ")
    assert cards_in(desk, VAG_GROUP) == []
    assert await StaffChatService(desk.db).chat(VAG_GROUP) is None

    def tries() -> int:
        return sum(isinstance(c, SendMessage) and c.chat_id == VAG_GROUP for c in session.calls)

    before = tries()
    await register_uk(desk.member(MEMBER + 1), "ВАГ")
    assert tries() == before
    profile = await MemberService(desk.db).get(MEMBER + 1)
    assert profile is not None and profile.registered
