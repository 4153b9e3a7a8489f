"""Questions to the experts through the real dispatcher: binding groups, cards, answers by reply
and in private chat, /questions, drafts, and the bot leaving or a group upgrading."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramMigrateToChat
from aiogram.methods import GetChatMember, SendMessage, SetMyCommands, TelegramMethod
from aiogram.types import ChatMemberRestricted, InlineKeyboardMarkup, Message

from bot.services.members import MemberService, RegistrationForm
from bot.services.questions import QuestionService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from delivery.question_cards import send_to_experts
from dialogs.question_texts import DraftCallback
from storage.models import StaffRole
from tests.flows.group_harness import BOT_USER, Group, GroupSession
from tests.flows.harness import App

ADMIN = 1
VAG_STAFF = 501
UAROR_STAFF = 502
STRANGER = 777
MEMBER = 1001
VAG_GROUP = -100500
AOTG_GROUP = -100700


@pytest.fixture
async def desk(app: App) -> App:
    """The app with a session that answers group calls, VAG and UAROR staff, two groups bound."""
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    staff = StaffService(app.db)
    await staff.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.grant(UAROR_STAFF, StaffRole.STAFF, "uaror")
    chats = StaffChatService(app.db, frozenset({ADMIN}))
    await chats.bind(VAG_GROUP, "Секретаріат ВАГ", "vag", ADMIN)
    await chats.bind(AOTG_GROUP, "ATH staff", "aotg", ADMIN, locale="en")
    return app


def session_of(app: App) -> GroupSession:
    assert isinstance(app.session, GroupSession)
    return app.session


async def register(
    app: App, telegram_id: int = MEMBER, codes: tuple[str, ...] = ("vag",), locale: str = "en"
) -> None:
    members = MemberService(app.db)
    await members.set_locale(telegram_id, locale)
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name="Olena Petrenko",
            role="hromada_head",
            oblast_code="UA05000000000010236",
            hromada_code=None,
            hromada_text="Illintsi <hromada>",
            association_codes=list(codes),
            associations_unsure=not codes,
        ),
    )


async def ask(app: App, text: str = "What is DREAM? <b>", telegram_id: int = MEMBER) -> int:
    result = await send_to_experts(
        app.bot,
        app.dp["questions"],
        app.dp["translations"],
        telegram_id=telegram_id,
        text=text,
        locale="en",
    )
    return result.question_id


def card_in(app: App, chat_id: int) -> Message:
    cards = [m for m in session_of(app).to(chat_id) if m.text and "❓" in m.text]
    assert cards, session_of(app).texts_to(chat_id)
    return cards[-1]


def buttons(message: Message | InlineKeyboardMarkup | None) -> dict[str, str]:
    markup = message.reply_markup if isinstance(message, Message) else message
    if not isinstance(markup, InlineKeyboardMarkup):
        return {}
    return {b.text: (b.url or b.callback_data or "") for row in markup.inline_keyboard for b in row}


# ------------------------------------------------------------------------------ binding


async def test_bind_needs_a_bot_admin_and_a_known_code(desk: App) -> None:
    group = Group(desk, -100900, "Нова група")
    session = session_of(desk)
    await group.send(group.person(VAG_STAFF), "/bind vag")
    assert session.texts_to(-100900)[-1] == (
        "⛔ Прив’язати групу до асоціації може лише адміністратор бота."
    )
    admin = group.person(ADMIN, "Адмін")
    await group.send(admin, "/bind")
    assert (
        "Коди асоціацій:\n• vag — ВАГ\n• aotg — Асоціація ОТГ\n• uaror — УАРОР"
        in (session.texts_to(-100900)[-1])
    )
    await group.send(admin, "/bind nope")
    assert "Коди асоціацій" in session.texts_to(-100900)[-1]
    await group.send(admin, "/bind uaror xx")  # an unknown language
    assert "Коди асоціацій" in session.texts_to(-100900)[-1]
    assert await StaffChatService(desk.db).chat(-100900) is None

    await group.send(admin, "/bind@hromada_test_bot UAROR en")
    assert session.texts_to(-100900)[-1].startswith(
        "✅ Group bound: members' questions for UAROR will arrive here."
    )
    checks = [c for c in session.calls if isinstance(c, GetChatMember)]
    assert checks[-1].user_id == BOT_USER.id and checks[-1].chat_id == -100900
    bound = await StaffChatService(desk.db).chat(-100900)
    assert bound is not None and bound.association_codes == ("uaror",) and bound.locale == "en"

    await group.send(admin, "/bind vag")  # VAG moves here from its own group
    assert (
        "will now arrive in this group instead of the previous one"
        in (session.texts_to(-100900)[-1])
    )
    assert "for: VAG, UAROR" in session.texts_to(-100900)[-1]
    assert await StaffChatService(desk.db).chat(VAG_GROUP) is None


async def test_bind_where_the_bot_cannot_post_tells_the_admin_privately(desk: App) -> None:
    group = Group(desk, -100901, "Мовчазна група")
    session = session_of(desk)
    # Only the fields the bot reads: the full object has two dozen permissions.
    session.bot_member[-100901] = ChatMemberRestricted.model_construct(
        user=BOT_USER, status="restricted", can_send_messages=False
    )
    await group.send(group.person(ADMIN, "Адмін"), "/bind aotg")
    assert session.texts_to(-100901) == []
    assert (
        "Бот не може надсилати повідомлення в групу «Мовчазна група»"
        in (session.texts_to(ADMIN)[-1])
    )
    assert await StaffChatService(desk.db).chat(-100901) is None


async def test_unbind(desk: App) -> None:
    group = Group(desk, VAG_GROUP)
    session = session_of(desk)
    await group.send(group.person(VAG_STAFF), "/unbind")
    assert "лише адміністратор бота" in session.texts_to(VAG_GROUP)[-1]
    await group.send(group.person(ADMIN), "/unbind")
    assert session.texts_to(VAG_GROUP)[-1].startswith("Групу відв’язано від: ВАГ.")
    await group.send(group.person(ADMIN), "/unbind")
    assert session.texts_to(VAG_GROUP)[-1] == "Ця група не отримує запитань жодної асоціації."


# ------------------------------------------------------------------------------ cards, answers


async def test_a_card_is_posted_and_a_staff_reply_reaches_the_member(desk: App) -> None:
    session = session_of(desk)
    await register(desk)
    question_id = await ask(desk)

    card = card_in(desk, VAG_GROUP)
    assert session.texts_to(AOTG_GROUP) == []  # the member is in VAG only
    assert f"Запитання №\u00a0{question_id}" in (card.text or "") and "ВАГ" in (card.text or "")
    assert "Olena Petrenko — Голова громади" in (card.text or "")
    # What members typed is escaped: Telegram shows it as typed, never as markup.
    assert "Illintsi &lt;hromada&gt;, Вінницька область" in (card.text or "")
    assert "<blockquote expandable>What is DREAM? &lt;b&gt;</blockquote>" in (card.text or "")
    assert buttons(card) == {
        "✍️ Відповісти в особистому чаті": f"https://t.me/hromada_test_bot?start=q{question_id}"
    }

    group = Group(desk, VAG_GROUP)
    staff = group.person(VAG_STAFF, "Іван", "Коваль")
    await group.send(staff, "DREAM is the digital ecosystem for recovery.", reply_to=card)

    to_member = session.texts_to(MEMBER)
    assert len(to_member) == 1
    assert to_member[0].startswith(
        "💬 <b>Answer from the experts of VAG</b> to your question\n"
        '<i>"What is DREAM? &lt;b&gt;"</i>'
    )
    assert to_member[0].endswith("\n\nDREAM is the digital ecosystem for recovery.")
    assert session.texts_to(VAG_GROUP)[-1] == "✅ Відповідь надіслано членові."
    [edit] = session.edits(VAG_GROUP)
    assert edit.message_id == card.message_id
    assert re.search(
        r"✅ Відповідь надав\(-ла\) Іван Коваль, \d\d\.\d\d\.\d{4} \d\d:\d\d", edit.text
    )
    assert "Щоб відповісти членові" not in edit.text
    assert (
        buttons(edit.reply_markup)["📝 Чернетка для бази знань"]
        == DraftCallback(question_id=question_id).pack()
    )
    view = await QuestionService(desk.db).card(question_id)
    assert view is not None and view.status == "answered" and view.answers[0].delivered


async def test_not_sure_reaches_every_group_and_a_failing_group_is_skipped(desk: App) -> None:
    session = session_of(desk)
    await register(desk, codes=())
    session.failing[AOTG_GROUP] = "Forbidden: bot was kicked from the supergroup chat"
    result = await send_to_experts(
        desk.bot,
        desk.dp["questions"],
        desk.dp["translations"],
        telegram_id=MEMBER,
        text="Питання до всіх",
        locale="uk",
    )
    assert result.groups_notified == 1
    assert "ВАГ, Асоціація ОТГ, УАРОР" in (card_in(desk, VAG_GROUP).text or "")
    view = await QuestionService(desk.db).card(result.question_id)
    assert view is not None and [c.chat_id for c in view.cards] == [VAG_GROUP]

    del session.failing[AOTG_GROUP]
    result = await send_to_experts(
        desk.bot,
        desk.dp["questions"],
        desk.dp["translations"],
        telegram_id=MEMBER,
        text="Ще одне",
        locale="uk",
    )
    assert result.groups_notified == 2
    assert "Question No." in session.texts_to(AOTG_GROUP)[-1]  # that group speaks English


async def test_with_no_group_bound_the_question_is_still_stored(desk: App) -> None:
    await register(desk, codes=("uaror",))
    result = await send_to_experts(
        desk.bot,
        desk.dp["questions"],
        desk.dp["translations"],
        telegram_id=MEMBER,
        text="Питання",
        locale="uk",
    )
    assert result.groups_notified == 0
    assert await QuestionService(desk.db).card(result.question_id) is not None


async def test_replies_from_others_notes_and_non_text_are_not_answers(desk: App) -> None:
    session = session_of(desk)
    await register(desk)
    question_id = await ask(desk)
    card = card_in(desk, VAG_GROUP)
    group = Group(desk, VAG_GROUP)

    await group.send(group.person(STRANGER, "Петро"), "I know the answer!", reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1] == (
        "⛔ Відповідати на запитання можуть лише працівники секретаріату асоціації, "
        "якій його адресовано."
    )
    await group.send(group.person(UAROR_STAFF, "Марія"), "Not ours", reply_to=card)
    assert "лише працівники секретаріату" in session.texts_to(VAG_GROUP)[-1]
    staff = group.person(VAG_STAFF)
    before = len(session.sent)
    await group.send(staff, "// хто візьме це запитання?", reply_to=card)
    await group.send(staff, "Просто повідомлення в групі")
    assert len(session.sent) == before
    await group.send_sticker(staff, reply_to=card)
    assert session.texts_to(VAG_GROUP)[-1] == "Відповідь має бути текстовим повідомленням."

    assert session.texts_to(MEMBER) == []
    view = await QuestionService(desk.db).card(question_id)
    assert view is not None and view.status == "open" and view.answers == ()


async def test_a_long_answer_is_split_never_dropped(desk: App) -> None:
    session = session_of(desk)
    await register(desk)
    await ask(desk)
    group = Group(desk, VAG_GROUP)
    paragraph = "Слово " * 500  # 3000 characters
    answer = "\n\n".join([paragraph.strip()] * 3)
    await group.send(group.person(VAG_STAFF), answer, reply_to=card_in(desk, VAG_GROUP))
    to_member = session.texts_to(MEMBER)
    assert len(to_member) == 3 and all(len(m) <= 4096 for m in to_member)
    body = to_member[0].split("\n\n", 1)[1]
    assert "\n\n".join([body, *to_member[1:]]) == answer


async def test_an_answer_to_a_member_who_blocked_the_bot(desk: App) -> None:
    session = session_of(desk)
    await register(desk)
    await ask(desk)
    session.failing[MEMBER] = "Forbidden: bot was blocked by the user"
    group = Group(desk, VAG_GROUP)
    await group.send(group.person(VAG_STAFF), "Відповідь", reply_to=card_in(desk, VAG_GROUP))
    assert "доставити її не вдалося" in session.texts_to(VAG_GROUP)[-1]
    profile = await MemberService(desk.db).get(MEMBER)
    assert profile is not None and not profile.reachable


# ------------------------------------------------------------------------------ drafts


async def test_draft_button_rights_and_forged_presses(desk: App) -> None:
    session = session_of(desk)
    await register(desk)
    question_id = await ask(desk)
    card = card_in(desk, VAG_GROUP)
    group = Group(desk, VAG_GROUP)
    staff, stranger = group.person(VAG_STAFF), group.person(STRANGER, "Петро")
    data = DraftCallback(question_id=question_id).pack()

    await group.press(staff, data, card)  # an old card that had no button yet
    assert session.callback_answers()[-1].text == "Спершу дайте відповідь на запитання."
    await group.send(staff, "Відповідь", reply_to=card)
    await group.press(stranger, data, card)
    assert session.callback_answers()[-1].text.startswith("⛔ Це запитання адресовано іншій")
    await group.press(staff, data, card)
    assert session.callback_answers()[-1].text.startswith("📝 Чернетку №\u00a01 збережено.")
    assert "📝 Створено чернетку для бази знань (№\u00a01)" in session.edits(VAG_GROUP)[-1].text
    await group.press(group.person(ADMIN), data, card)
    assert (
        session.callback_answers()[-1].text == "Чернетку №\u00a01 для цього запитання вже створено."
    )

    await group.press(staff, DraftCallback(question_id=999).pack(), card)
    assert session.callback_answers()[-1].text.startswith("Запитання не знайдено")
    windows_before = len(desk.windows.sent_messages)
    await group.press(staff, "qdraft:abc", card)
    await group.press(staff, "\x1dforged", card)
    answers = session.callback_answers()[-2:]
    assert [a.text for a in answers] == ["Ця кнопка застаріла. Ось поточне меню."] * 2
    assert len(desk.windows.sent_messages) == windows_before  # no menu posted in the group
    assert len(await QuestionService(desk.db).drafts()) == 1


# ------------------------------------------------------------------------------ private chat


async def test_questions_command_lists_open_questions_of_the_staffs_associations(
    desk: App,
) -> None:
    await register(desk)
    await register(desk, 1002, codes=("uaror",))
    first = await ask(desk, "Перше запитання")
    await ask(desk, "Для УАРОР", telegram_id=1002)
    second = await ask(desk, "Друге запитання")

    member = desk.member(MEMBER)
    await member.send("/questions")
    assert (
        member.replies()[-1] == "⛔ This is available to the associations' secretariat staff only."
    )

    staff = desk.member(VAG_STAFF, first_name="Іван", last_name="Коваль")
    await staff.send("/questions")
    assert "Відкриті запитання: 2" in staff.window()
    assert staff.buttons()[:2] == [
        f"№\u00a0{second} · Друге запитання",
        f"№\u00a0{first} · Перше запитання",
    ]
    commands = [c for c in desk.session.calls if isinstance(c, SetMyCommands)]
    assert "questions" in [c.command for c in commands[-1].commands]

    admin = desk.member(ADMIN)
    await admin.send("/questions")
    assert "Відкриті запитання: 3" in admin.window()


async def test_the_private_reply_dialog(desk: App) -> None:
    session = session_of(desk)
    await register(desk)
    question_id = await ask(desk, "Як працює ДРІМ?")
    card = card_in(desk, VAG_GROUP)

    staff = desk.member(VAG_STAFF, first_name="Іван", last_name="Коваль")
    await staff.send("/questions")
    await staff.click(f"№\u00a0{question_id}")
    window = staff.window()
    assert f"Запитання №\u00a0{question_id}" in window and "Як працює ДРІМ?" in window
    assert "Olena Petrenko — Голова громади" in window and "Членство ще не підтверджено" in window
    assert "Надішліть текст відповіді одним повідомленням" in window and "ВАГ" in window

    await staff.send_sticker()
    assert staff.replies()[-1].startswith("Будь ласка, надішліть відповідь текстом")
    await staff.send("Перша версія")
    assert "Так член побачить вашу відповідь" in staff.window()
    assert "Answer from the experts of VAG" in staff.window()  # in the member's language
    await staff.click("Змінити")
    await staff.send("DREAM — це <цифрова> екосистема.")
    assert "DREAM — це &lt;цифрова&gt; екосистема." in staff.window()
    await staff.click("Надіслати")
    assert f"Відповідь на запитання №\u00a0{question_id} надіслано членові" in staff.window()

    assert session.texts_to(MEMBER)[-1].endswith("DREAM — це &lt;цифрова&gt; екосистема.")
    assert session.edits(VAG_GROUP)[-1].message_id == card.message_id
    assert "Іван Коваль" in session.edits(VAG_GROUP)[-1].text
    await staff.click("До переліку")
    assert "Відкритих запитань немає" in staff.window()


async def test_a_long_answer_in_private_chat_is_previewed_and_split(desk: App) -> None:
    session = session_of(desk)
    await register(desk)
    question_id = await ask(desk)
    staff = desk.member(VAG_STAFF)
    await staff.send(f"/start q{question_id}")
    await staff.send("Рядок відповіді.\n" * 400)  # 6800 characters
    assert "кількома повідомленнями (2)" in staff.window()
    assert len(staff.window()) < 4096
    await staff.click("Надіслати")
    assert len(session.texts_to(MEMBER)) == 2


async def test_deep_link_rights_and_stale_links(desk: App) -> None:
    await register(desk)
    question_id = await ask(desk)

    member = desk.member(MEMBER)
    await member.send(f"/start q{question_id}")
    assert (
        member.replies()[-1] == "⛔ This is available to the associations' secretariat staff only."
    )

    other = desk.member(UAROR_STAFF)
    await other.send(f"/start q{question_id}")
    assert other.replies()[-1].startswith("⛔ Це запитання адресовано іншій асоціації")

    staff = desk.member(VAG_STAFF)
    await staff.send("/start q999")
    assert staff.replies()[-1] == "Запитання не знайдено: можливо, посилання застаріле."
    await staff.send(f"/start q{question_id}")
    assert "Надішліть текст відповіді" in staff.window()
    await staff.click("До переліку")
    assert "Відкриті запитання: 1" in staff.window()


async def test_rights_are_checked_again_when_sending(desk: App) -> None:
    from sqlalchemy import delete

    from storage.models import StaffRight

    await register(desk)
    question_id = await ask(desk)
    staff = desk.member(VAG_STAFF)
    await staff.send(f"/start q{question_id}")
    await staff.send("Відповідь")
    async with desk.db.transaction() as session:
        await session.execute(delete(StaffRight).where(StaffRight.telegram_id == VAG_STAFF))
    await staff.click("Надіслати")
    answers = session_of(desk).callback_answers()
    assert answers[-1].text.startswith("⛔ Це запитання адресовано іншій асоціації")
    assert session_of(desk).texts_to(MEMBER) == []


# ------------------------------------------------------------------------------ membership


async def test_bot_removed_and_group_upgraded(desk: App) -> None:
    chats = StaffChatService(desk.db)
    admin = Group(desk, VAG_GROUP).person(ADMIN)
    await Group(desk, VAG_GROUP, type="group").upgrade_to(-100501, admin)
    assert await chats.chat(VAG_GROUP) is None
    moved = await chats.chat(-100501)
    assert moved is not None and moved.association_codes == ("vag",)

    await Group(desk, AOTG_GROUP).remove_bot(admin)
    assert await chats.chat(AOTG_GROUP) is None
    await register(desk, codes=("aotg",))
    result = await send_to_experts(
        desk.bot,
        desk.dp["questions"],
        desk.dp["translations"],
        telegram_id=MEMBER,
        text="Питання",
        locale="uk",
    )
    assert result.groups_notified == 0


async def test_a_card_sent_to_a_group_that_became_a_supergroup_follows_it(
    desk: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram answers a send to the old id with the new one: the card goes there, the
    binding follows, and a reply to the card there answers the question."""
    session = session_of(desk)
    upgraded = -100555
    old_send = session.make_request

    async def migrated(
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        if isinstance(method, SendMessage) and method.chat_id == VAG_GROUP:
            raise TelegramMigrateToChat(
                method=method, message="migrated", migrate_to_chat_id=upgraded
            )
        return await old_send(bot, method, timeout)

    monkeypatch.setattr(session, "make_request", migrated)
    await register(desk)
    question_id = await ask(desk)

    chats = StaffChatService(desk.db)
    assert await chats.chat(VAG_GROUP) is None
    moved = await chats.chat(upgraded)
    assert moved is not None and moved.association_codes == ("vag",)
    card = card_in(desk, upgraded)
    view = await QuestionService(desk.db).card(question_id)
    assert view is not None and [c.chat_id for c in view.cards] == [upgraded]

    group = Group(desk, upgraded)
    await group.send(
        group.person(VAG_STAFF), "DREAM is the reconstruction register.", reply_to=card
    )
    view = await QuestionService(desk.db).card(question_id)
    assert view is not None and view.status == "answered"
