"""A member answers a consultation through the dispatcher: the buttons of the message the sender
delivers, changing the answer, "with amendments" asking for a comment, priorities ticked up to K,
a comment by replying, after closing, a member not asked, forged buttons; both languages; and the
main menu's list of open consultations."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
)
from aiogram.types import Chat, InlineKeyboardMarkup, Message, Voice
from sqlalchemy import func, select

from bot.services.broadcasts import Audience
from bot.services.consultations import (
    ConsultationDraft,
    ConsultationService,
    ConsultationView,
    Option,
)
from delivery.consultations import send_consultation
from dialogs.consultation_texts import ConsultAction, ConsultCb
from storage.models import ConsultationAnswer, ConsultationKind, utcnow
from tests.flows.harness import BOT_USER, App, Member
from tests.flows.test_broadcast import ADMIN, add_member

MESSAGE_IDS = itertools.count(50_000)


def service(app: App) -> ConsultationService:
    return app.dp["consultations"]  # type: ignore[no-any-return]


async def consult(
    app: App,
    kind: ConsultationKind = ConsultationKind.POSITION,
    audience: Audience | None = None,
    **draft: Any,
) -> ConsultationView:
    options = (Option("Дороги", "Roads"), Option("Школи", "Schools"), Option("Вода", "Water"))
    return await service(app).create(
        ADMIN,
        "Адміністратор",
        ConsultationDraft(
            title="Законопроєкт про громади",
            question_uk="Чи підтримуєте законопроєкт?",
            question_en="Do you support the draft law?",
            kind=kind,
            closes_at=utcnow() + timedelta(days=3),
            options=options if kind == ConsultationKind.PRIORITIES else (),
            max_choices=2,
            audience=audience or Audience(),
            **draft,
        ),
    )


async def delivered(app: App, member: Member, view: ConsultationView, locale: str) -> Message:
    """The consultation message as the sender delivers it, with its buttons, as the member
    has it in their chat."""
    await send_consultation(app.bot, member.user.id, view, locale, app.dp["translations"])
    sent = [c for c in app.session.calls if isinstance(c, SendMessage)][-1]
    return message_of(member, sent.text, sent.reply_markup)


def message_of(member: Member, text: str, markup: Any) -> Message:
    return Message(
        message_id=next(MESSAGE_IDS),
        date=datetime.now(),
        chat=Chat(id=member.user.id, type="private"),
        from_user=BOT_USER,
        text=text,
        reply_markup=markup,
    )


def labels(markup: InlineKeyboardMarkup) -> list[str]:
    return [button.text for row in markup.inline_keyboard for button in row]


async def press(member: Member, message: Message, pattern: str) -> Message:
    """Press the button whose text contains `pattern`; the message as the bot left it."""
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if pattern in button.text:
                return await press_data(member, message, button.callback_data or "")
    raise AssertionError(f"no button {pattern!r} in {labels(message.reply_markup)}")


async def press_data(member: Member, message: Message, data: str) -> Message:
    calls = len(member.app.session.calls)
    await member.press(data, message)
    text, markup = message.text or "", message.reply_markup
    for call in member.app.session.calls[calls:]:
        if isinstance(call, EditMessageText) and call.message_id == message.message_id:
            text, markup = call.text, call.reply_markup
        if isinstance(call, EditMessageReplyMarkup) and call.message_id == message.message_id:
            markup = call.reply_markup
    return message.model_copy(update={"text": text, "reply_markup": markup})


def last_answer(app: App) -> AnswerCallbackQuery:
    return [c for c in app.session.calls if isinstance(c, AnswerCallbackQuery)][-1]


async def reply(member: Member, message: Message, **content: Any) -> None:
    await member.feed(message=member._message(reply_to_message=message, **content))


async def stored(app: App, consultation_id: int) -> list[tuple[Any, str | None]]:
    async with app.db.transaction() as session:
        rows = await session.scalars(
            select(ConsultationAnswer).where(ConsultationAnswer.consultation_id == consultation_id)
        )
        return [(row.choice, row.comment) for row in rows]


# ---------------------------------------------------------------------------------- tests


async def test_a_member_answers_changes_and_comments_by_reply(app: App) -> None:
    await add_member(app, 2001)
    view = await consult(app)
    member = app.member(2001)
    message = await delivered(app, member, view, "uk")
    assert "Законопроєкт про громади" in (message.text or "")
    assert "Чи підтримуєте законопроєкт?" in (message.text or "")
    assert "за київським часом" in (message.text or "")
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    assert labels(message.reply_markup) == [
        "👍 Підтримую",
        "✍️ Підтримую з поправками",
        "👎 Не підтримую",
        "🤷 Не маю позиції",
    ]

    message = await press(member, message, "Не підтримую")
    assert last_answer(app).text == "Відповідь збережено."
    assert "Ваша відповідь:</b> Не підтримую" in (message.text or "")
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    assert "✅ Не підтримую" in labels(message.reply_markup)
    assert "💬 Коментар" in labels(message.reply_markup)

    message = await press(member, message, "Підтримую")  # changed until closing
    assert "Ваша відповідь:</b> Підтримую" in (message.text or "")
    assert await stored(app, view.id) == [("support", None)]

    await reply(member, message, text="Додати норму про <співфінансування>.")
    assert "✅ Коментар збережено." in member.replies()
    assert await stored(app, view.id) == [("support", "Додати норму про <співфінансування>.")]
    edited = [c for c in app.session.calls if isinstance(c, EditMessageText)][-1]
    assert "Ваш коментар:</b> Додати норму про &lt;співфінансування&gt;." in edited.text


async def test_the_same_press_twice_counts_once(app: App) -> None:
    await add_member(app, 2001)
    view = await consult(app)
    member = app.member(2001)
    message = await delivered(app, member, view, "uk")
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    data = message.reply_markup.inline_keyboard[0][0].callback_data or ""
    await press_data(member, message, data)
    await press_data(member, message, data)
    async with app.db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(ConsultationAnswer))
    assert count == 1


async def test_amendments_need_a_comment_and_cancelling_keeps_the_answer(app: App) -> None:
    await add_member(app, 2001)
    view = await consult(app)
    member = app.member(2001)
    message = await delivered(app, member, view, "uk")
    await press(member, message, "Не маю позиції")

    await press(member, message, "з поправками")
    assert "які поправки пропонуєте" in member.window()
    await member.click("Скасувати")
    assert "попередня відповідь залишилася без змін" in member.window()
    assert await stored(app, view.id) == [("none", None)]

    await press(member, message, "з поправками")
    await member.send_sticker()
    assert member.replies()[-1] == (
        "Коментар приймається лише текстом. Надішліть його текстовим повідомленням."
    )
    await member.send("ж" * 2001)
    assert (
        "Коментар задовгий: 2\xa0001 символ, а можна не більше ніж 2\xa0000"
        in (member.replies()[-1])
    )
    assert await stored(app, view.id) == [("none", None)]
    await member.send("Вилучити статтю 5.")
    assert "Коментар збережено" in member.window()
    assert await stored(app, view.id) == [("amend", "Вилучити статтю 5.")]
    edited = [c for c in app.session.calls if isinstance(c, EditMessageText)][-1]
    assert edited.message_id == message.message_id
    assert "Підтримую з поправками" in edited.text and "Вилучити статтю 5." in edited.text


async def test_priorities_are_ticked_up_to_k_then_submitted(app: App) -> None:
    await add_member(app, 2001)
    view = await consult(app, ConsultationKind.PRIORITIES)
    member = app.member(2001)
    message = await delivered(app, member, view, "uk")
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    assert labels(message.reply_markup) == [
        "▫️ Дороги",
        "▫️ Школи",
        "▫️ Вода",
        "📨 Надіслати (0 з 2)",
    ]
    await press(member, message, "Надіслати")
    assert last_answer(app).text == "Позначте хоча б один пріоритет."
    message = await press(member, message, "Дороги")
    message = await press(member, message, "Вода")
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    assert labels(message.reply_markup)[:4] == [
        "✅ Дороги",
        "▫️ Школи",
        "✅ Вода",
        "📨 Надіслати (2 з 2)",
    ]
    assert await stored(app, view.id) == []  # nothing is saved before "Submit"
    await press(member, message, "Школи")
    assert last_answer(app).show_alert
    assert "не більше ніж 2 пріоритети" in (last_answer(app).text or "")

    message = await press(member, message, "Надіслати")
    assert await stored(app, view.id) == [([0, 2], None)]
    assert "Ваша відповідь:</b> Дороги; Вода" in (message.text or "")

    message = await press(member, message, "Вода")  # changing: untick one, tick another
    message = await press(member, message, "Школи")
    await press(member, message, "Надіслати")
    assert await stored(app, view.id) == [([0, 1], None)]


async def test_after_closing_the_buttons_say_so(app: App) -> None:
    await add_member(app, 2001)
    view = await consult(app)
    member = app.member(2001)
    message = await delivered(app, member, view, "uk")
    assert await service(app).close(view.id)

    message = await press(member, message, "Підтримую")
    assert last_answer(app).show_alert
    assert last_answer(app).text == "Консультацію завершено: відповіді більше не приймаються."
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    assert labels(message.reply_markup) == ["🔒 Консультацію завершено"]
    await press(member, message, "завершено")
    assert "Консультацію завершено" in (last_answer(app).text or "")
    await reply(member, message, text="Запізнілий коментар")
    assert await stored(app, view.id) == []


async def test_a_stale_press_on_a_message_already_closed_edits_nothing(app: App) -> None:
    """Closing replaced the buttons by the marker, but the member's client still had the old
    ones: the press is refused, and the message (showing the marker) is not edited again,
    which Telegram would refuse as "message is not modified"."""
    await add_member(app, 2001)
    view = await consult(app)
    member = app.member(2001)
    message = await delivered(app, member, view, "uk")
    assert isinstance(message.reply_markup, InlineKeyboardMarkup)
    support = message.reply_markup.inline_keyboard[0][0].callback_data or ""
    assert await service(app).close(view.id)
    shown = await press(member, message, "Підтримую")  # the marker is put in place once
    assert isinstance(shown.reply_markup, InlineKeyboardMarkup)
    assert labels(shown.reply_markup) == ["🔒 Консультацію завершено"]

    calls = len(app.session.calls)
    await press_data(member, shown, support)
    assert last_answer(app).show_alert
    assert last_answer(app).text == "Консультацію завершено: відповіді більше не приймаються."
    assert not [c for c in app.session.calls[calls:] if isinstance(c, EditMessageReplyMarkup)]
    assert await stored(app, view.id) == []


async def test_members_not_asked_and_forged_buttons_are_refused(app: App) -> None:
    await add_member(app, 2001)
    await add_member(app, 2002, associations=("uaror",))
    view = await consult(app, audience=Audience(associations=("vag",)))
    outsider = app.member(2002)
    message = await delivered(app, outsider, view, "uk")
    await press(outsider, message, "Підтримую")
    assert last_answer(app).show_alert
    assert last_answer(app).text == (
        "Цю консультацію надіслано не вам, тож відповісти на неї ви не можете."
    )

    member = app.member(2001)
    forged = ConsultCb(action=ConsultAction.POSITION, consultation_id=view.id + 100).pack()
    await press_data(member, message, forged)
    assert last_answer(app).show_alert
    await press_data(member, message, "cns:p:abc:0:0")  # not even a consultation id
    await press_data(member, message, "cns:z:1:0:0")  # an action that does not exist
    assert await stored(app, view.id) == []


async def test_english_members_get_english_texts_and_buttons(app: App) -> None:
    await add_member(app, 2001, locale="en")
    view = await consult(app)
    member = app.member(2001, language_code="en")
    message = await delivered(app, member, view, "en")
    assert "Do you support the draft law?" in (message.text or "")
    assert "Kyiv time" in (message.text or "")
    message = await press(member, message, "I oppose it")
    assert last_answer(app).text == "Your answer is saved."
    assert "Your answer:</b> I oppose it" in (message.text or "")
    await reply(member, message, voice=Voice(file_id="v1", file_unique_id="v1u", duration=3))
    assert member.replies()[-1] == (
        "Comments are accepted as text only. Please send it as a text message."
    )


async def test_the_menu_lists_open_consultations_and_sends_one_again(app: App) -> None:
    await add_member(app, 2001)
    member = app.member(2001)
    await member.send("/menu")
    await member.click("Консультації")
    assert "Зараз немає відкритих консультацій для вас." in member.window()

    view = await consult(app)
    await service(app).answer(2001, view.id, "oppose")
    await member.send("/menu")
    await member.click("Консультації")
    assert "Відкриті консультації" in member.window()
    closes = view.closes_at.astimezone(ZoneInfo("Europe/Kyiv")).strftime("%d.%m.%Y")
    assert member.buttons()[0] == f"✅ Законопроєкт про громади · до {closes}"
    await member.click("Законопроєкт")
    sent = [c for c in app.session.calls if isinstance(c, SendMessage)][-1]
    assert "Ваша відповідь:</b> Не підтримую" in sent.text
    assert isinstance(sent.reply_markup, InlineKeyboardMarkup)
    assert "✅ Не підтримую" in labels(sent.reply_markup)


async def test_unverified_members_answer_and_are_counted_apart(app: App) -> None:
    await add_member(app, 2001, verified=False)
    view = await consult(app)
    member = app.member(2001)
    message = await delivered(app, member, view, "uk")
    await press(member, message, "Підтримую")
    results = await service(app).results(view.id, ADMIN)
    assert (results.respondents.members, results.respondents.unverified) == (0, 1)
