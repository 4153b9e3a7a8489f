"""Composing an announcement: texts, attachment, audience, urgency, the preview as members get
it, confirmation into the outbox, refusals, edits, and the progress message's buttons."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import (
    Animation,
    Chat,
    Document,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    PhotoSize,
    Video,
    Voice,
)
from sqlalchemy import select

from bot.services.broadcasts import Announcement, Audience, BroadcastService
from bot.services.members import MemberService, RegistrationForm
from bot.services.message_limits import visible_length
from bot.services.verification import VerificationService
from dialogs.announcement_texts import render_announcement
from storage.models import Broadcast, BroadcastDelivery, BroadcastStatus, DeliveryStatus, StaffRole
from tests.flows.harness import BOT_USER, App, Member, RecordingSession, build_app

ADMIN = 1
VAG_STAFF = 3001
VINNYTSIA = "UA05000000000010236"
VOLYN = "UA07000000000024379"
KYIV = "UA80000000000093317"

TEXT_UK = "<b>Увага!</b> Засідання правління асоціації відбудеться 5 грудня о 10:00."
TEXT_EN = "<b>Notice:</b> the association's board meets on 5 December at 10:00."


class MediaSession(RecordingSession):
    """The harness's session, also answering sendPhoto and sendDocument with a message."""

    def __init__(self) -> None:
        super().__init__()
        self._media_ids = itertools.count(50_000)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        if isinstance(method, SendPhoto | SendDocument):
            self.calls.append(method)
            return Message(
                message_id=next(self._media_ids),
                date=datetime.now(),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=BOT_USER,
                caption=method.caption,
            )
        return await super().make_request(bot, method, timeout)


@pytest.fixture
def app(app: App) -> App:
    session = MediaSession()
    app.bot.session = session
    app.session = session
    return app


async def add_member(
    app: App,
    telegram_id: int,
    *,
    locale: str = "uk",
    associations: tuple[str, ...] = ("vag",),
    oblast: str = VINNYTSIA,
    role: str = "hromada_head",
    verified: bool = True,
    reachable: bool = True,
) -> None:
    members = MemberService(app.db)
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=f"Член {telegram_id}",
            role=role,
            oblast_code=oblast,
            hromada_code=None,
            hromada_text="Іллінецька міська громада",
            association_codes=list(associations),
            consent_at=datetime.now(UTC),
        ),
    )
    await members.set_locale(telegram_id, locale)
    if verified:
        await VerificationService(app.db, frozenset({ADMIN})).decide(telegram_id, ADMIN, True)
    if not reachable:
        await members.set_reachable(telegram_id, False)


async def seed(app: App) -> None:
    """Five verified reachable members, one unverified and one unreachable."""
    await add_member(app, 2001)  # vag, Vinnytsia, head
    await add_member(app, 2002, locale="en", associations=("aotg",), oblast=VOLYN)
    await add_member(app, 2003, associations=("uaror", "vag"), role="council_secretary")
    await add_member(app, 2004, associations=("aotg",), oblast=KYIV, role="other")
    await add_member(app, 2005, locale="en", associations=("uaror",), oblast=VOLYN)
    await add_member(app, 2006, verified=False)
    await add_member(app, 2007, reachable=False)


def service(app: App) -> BroadcastService:
    return app.dp["broadcasts"]  # type: ignore[no-any-return]


def photo_message(author: Member, unique: str = "ph1") -> Message:
    sizes = [
        PhotoSize(file_id=f"{unique}-small", file_unique_id=f"{unique}s", width=90, height=90),
        PhotoSize(file_id=f"{unique}-big", file_unique_id=unique, width=1280, height=960),
    ]
    return author._message(photo=sizes)


async def send_photo(author: Member, unique: str = "ph1") -> None:
    await author.feed(message=photo_message(author, unique))


async def send_document(author: Member, name: str, size: int = 10_000) -> None:
    document = Document(file_id=f"doc-{name}", file_unique_id="d1", file_name=name, file_size=size)
    await author.feed(message=author._message(document=document))


async def send_text(author: Member, html_text: str) -> None:
    """A message typed with bold parts: Telegram sends plain text and `bold` entities."""
    plain, entities = "", []
    for index, part in enumerate(re.split(r"</?b>", html_text)):
        if index % 2:
            entities.append(MessageEntity(type="bold", offset=len(plain), length=len(part)))
        plain += part
    await author.feed(message=author._message(text=plain, entities=entities or None))


def sent(app: App, kind: type[TelegramMethod[Any]], chat_id: int) -> list[Any]:
    return [m for m in app.session.calls if isinstance(m, kind) and int(m.chat_id) == chat_id]


async def broadcasts_in_db(app: App) -> list[Broadcast]:
    async with app.db.transaction() as session:
        return list((await session.execute(select(Broadcast).order_by(Broadcast.id))).scalars())


async def deliveries(app: App, broadcast_id: int) -> dict[int, tuple[str, str]]:
    """chat id -> (locale, status) of one broadcast's outbox rows."""
    async with app.db.transaction() as session:
        rows = (
            await session.execute(
                select(BroadcastDelivery).where(BroadcastDelivery.broadcast_id == broadcast_id)
            )
        ).scalars()
        return {row.chat_id: (row.locale, row.status) for row in rows}


async def compose(
    author: Member,
    *,
    text_uk: str = TEXT_UK,
    text_en: str | None = None,
    photo: bool = False,
    urgent: bool = False,
) -> None:
    """/broadcast through the urgency step with the audience left at "all"."""
    await author.send("/broadcast")
    await send_text(author, text_uk)
    if text_en is None:
        await author.click("Пропустити|Skip")
    else:
        await send_text(author, text_en)
    if photo:
        await send_photo(author)
    else:
        await author.click("Без вкладення|No attachment")
    await author.click("^Далі|^Next")
    await author.click("Так, термінове|Yes, urgent" if urgent else "Ні, звичайне|No, normal")


def progress_message(app: App, chat_id: int) -> Message:
    """The progress message as the author's client holds it (the last one sent to them)."""
    [call] = [m for m in sent(app, SendMessage, chat_id) if "bcp:" in str(m.reply_markup)][-1:]
    return Message(
        message_id=777,
        date=datetime.now(),
        chat=Chat(id=chat_id, type="private"),
        from_user=BOT_USER,
        text=call.text,
        reply_markup=call.reply_markup,
    )


async def press_progress(author: Member, message: Message, pattern: str) -> str:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    for row in markup.inline_keyboard:
        for button in row:
            if pattern in button.text:
                return await author.press(button.callback_data or "", message)
    raise AssertionError(
        f"no {pattern!r} among {[b.text for r in markup.inline_keyboard for b in r]}"
    )


def answers(app: App) -> list[str]:
    return [m.text or "" for m in app.session.calls if isinstance(m, AnswerCallbackQuery)]


# ---------------------------------------------------------------------------------- tests


async def test_compose_with_english_and_photo_previews_and_confirms_once(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN, language_code="uk")
    await admin.send("/broadcast")
    window = admin.window()
    assert "Крок 1 з 5" in window and "4\xa0096" in window and "1\xa0024" in window

    await send_text(admin, TEXT_UK)
    assert "Крок 2 з 5" in admin.window()
    await send_text(admin, TEXT_EN)
    assert "Крок 3 з 5" in admin.window()
    await send_photo(admin)
    assert "Крок 4 з 5" in admin.window()
    audience = admin.window()
    assert "Асоціації:</b> усі" in audience and "Області:</b> усі" in audience
    assert "👥 Усі підтверджені члени" in admin.buttons()
    await admin.click("Усі підтверджені члени")  # no filter, and on to the next step
    assert "Крок 5 з 5" in admin.window()
    calls_before = len(app.session.calls)
    await admin.click("Ні, звичайне")

    # The preview: the members' copies, Ukrainian then English, as the sender will send them.
    new_calls = app.session.calls[calls_before:]
    photos = [m for m in new_calls if isinstance(m, SendPhoto)]
    assert [p.photo for p in photos] == ["ph1-big", "ph1-big"]
    assert photos[0].caption == f"📢 <b>Оголошення · ВАГ, Асоціація ОТГ, УАРОР</b>\n\n{TEXT_UK}"
    assert (
        photos[1].caption == f"📢 <b>Announcement · VAG, Association of ATH, UAROR</b>\n\n{TEXT_EN}"
    )
    assert photos[0].reply_markup is None
    intro = [m.text for m in new_calls if isinstance(m, SendMessage)]
    assert intro and "українська та англійська версії" in intro[0]
    preview = admin.window()
    assert "Отримувачів:</b> 5" in preview  # verified and reachable; 2006 and 2007 are not
    assert "Аудиторія:</b> усі підтверджені члени" in preview
    assert "Англійська версія:</b> є" in preview and "Вкладення:</b> фото" in preview
    assert "✅ Надіслати" in admin.buttons()

    await admin.click("Надіслати")
    assert "Оголошення №\u00a01 прийнято до розсилки" in admin.window()
    assert "Отримувачів: 5" in admin.window()
    [broadcast] = await broadcasts_in_db(app)
    assert broadcast.text_uk == TEXT_UK and broadcast.text_en == TEXT_EN
    assert (broadcast.attachment_kind, broadcast.attachment_file_id) == ("photo", "ph1-big")
    assert broadcast.urgent is False and broadcast.recipients == 5
    assert broadcast.author_telegram_id == ADMIN and broadcast.progress_chat_id == ADMIN
    assert await deliveries(app, broadcast.id) == {
        2001: ("uk", DeliveryStatus.PENDING),
        2002: ("en", DeliveryStatus.PENDING),
        2003: ("uk", DeliveryStatus.PENDING),
        2004: ("uk", DeliveryStatus.PENDING),
        2005: ("en", DeliveryStatus.PENDING),
    }
    # The progress message with its buttons, recorded for the sender to edit.
    progress = progress_message(app, ADMIN)
    assert "№\u00a01" in (progress.text or "")
    assert broadcast.progress_message_id is not None

    # A second press on the same Confirm (a slow connection) creates nothing more.
    confirm = next(
        b.callback_data
        for m in app.windows.sent_messages
        if isinstance(m.reply_markup, InlineKeyboardMarkup)
        for row in m.reply_markup.inline_keyboard
        for b in row
        if "Надіслати" in b.text
    )
    await admin.press(confirm or "")
    assert len(await broadcasts_in_db(app)) == 1
    async with app.db.transaction() as session:
        rows = (await session.execute(select(BroadcastDelivery))).scalars().all()
    assert len(rows) == 5


async def test_text_too_long_is_refused_with_the_limit_and_the_length(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await admin.send("/broadcast")
    await admin.send("Д" * 4090)  # fits alone, not with the header
    refusal = admin.replies()[-1]
    assert "не більше ніж 4\xa0096" in refusal
    # English-speaking members get the Ukrainian text under the (longer) English header.
    rendered = render_announcement(
        Announcement("Д" * 4090, None, None, None, None, False, Audience()),
        "en",
        app.dp["translations"],
        app.dp["associations"],
    )
    length = f"{visible_length(rendered):,}".replace(",", "\xa0")
    assert f"разом із заголовком — {length} символ" in refusal
    assert "Крок 1 з 5" in admin.window()
    await admin.send("Д" * 4000)
    assert "Крок 2 з 5" in admin.window()


async def test_caption_too_long_after_an_attachment_offers_shortening_or_dropping(
    app: App,
) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await admin.send("/broadcast")
    await admin.send("Б" * 1500)
    await admin.click("Пропустити")
    await send_photo(admin)
    window = admin.window()
    assert "не вміщується" in window and "не більше ніж 1\xa0024" in window
    assert "Український текст: 1\xa05" in window
    assert "✏️ Скоротити український текст" in admin.buttons()

    await admin.click("Скоротити український текст")
    await admin.send("Б" * 1100)
    assert "підпис" in admin.replies()[-1] and "1\xa0024" in admin.replies()[-1]
    await admin.send("Коротке оголошення з фото.")
    assert "Крок 4 з 5" in admin.window()  # on to the audience, the photo kept
    await admin.click("^Далі")
    await admin.click("Ні, звичайне")
    assert "Вкладення:</b> фото" in admin.window()


async def test_dropping_the_attachment_keeps_the_long_text(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await admin.send("/broadcast")
    await admin.send("Б" * 1500)
    await admin.click("Пропустити")
    await send_document(admin, "звіт.pdf")
    await admin.click("Надіслати без вкладення")
    assert "Крок 4 з 5" in admin.window()
    await admin.click("^Далі")
    await admin.click("Ні, звичайне")
    assert "Вкладення:</b> немає" in admin.window()
    texts = [m.text for m in sent(app, SendMessage, ADMIN)]
    assert any(t and t.endswith("Б" * 1500) for t in texts)  # the preview, as a text message


async def test_unsupported_files_are_refused_with_what_is_accepted(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await admin.send("/broadcast")
    await admin.send_sticker()
    assert "потрібен текст" in admin.replies()[-1]
    await admin.send(TEXT_UK)
    await admin.click("Пропустити")

    video = Video(file_id="v1", file_unique_id="v1u", width=1, height=1, duration=3)
    voice = Voice(file_id="vo1", file_unique_id="vo1u", duration=3)
    gif = Animation(file_id="a1", file_unique_id="a1u", width=1, height=1, duration=1)
    for content in ({"video": video}, {"voice": voice}, {"animation": gif}):
        await admin.feed(message=admin._message(**content))
        refusal = admin.replies()[-1]
        assert (
            "додати не можна" in refusal and "PDF, DOC, DOCX" in refusal and "20\u00a0МБ" in refusal
        )
    await admin.send_sticker()
    assert "стікери" in admin.replies()[-1] and "додати не можна" in admin.replies()[-1]
    await send_document(admin, "setup.exe")
    assert "«setup.exe» додати не можна" in admin.replies()[-1]
    await send_document(admin, "big.pdf", size=25 * 1024 * 1024)
    assert "«big.pdf» додати не можна" in admin.replies()[-1]
    assert "Крок 3 з 5" in admin.window()
    await send_document(admin, "протокол.docx")
    assert "Крок 4 з 5" in admin.window()


async def test_an_empty_audience_cannot_be_confirmed(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await admin.send("/broadcast")
    await admin.send(TEXT_UK)
    await admin.click("Пропустити")
    await admin.click("Без вкладення")
    await admin.click("Посади")
    await admin.click("Голова обласної ради")  # nobody holds it
    await admin.click("Готово")
    assert "Посади:</b> Голова обласної ради" in admin.window()
    await admin.click("^Далі")
    await admin.click("Ні, звичайне")
    preview = admin.window()
    assert "Отримувачів:</b> 0" in preview and "надсилати нікому" in preview
    assert not any("Надіслати" in b for b in admin.buttons())

    # A forged or old Confirm is refused by the service too.
    confirm = "".join(
        b.callback_data or ""
        for m in app.windows.sent_messages
        if isinstance(m.reply_markup, InlineKeyboardMarkup)
        for row in m.reply_markup.inline_keyboard
        for b in row
        if "Ні, звичайне" in b.text
    ).replace("urgent_no", "confirm")
    await admin.press(confirm)
    assert "жодного отримувача" in answers(app)[-1]
    assert await broadcasts_in_db(app) == []


async def test_someone_without_the_right_is_refused(app: App) -> None:
    await seed(app)
    member = app.member(2001)
    await member.send("/broadcast")
    assert "Надсилати оголошення можуть лише" in member.replies()[-1]
    await member.send("/menu")
    assert not any("Нове оголошення" in b for b in member.buttons())
    # The menu's button is not shown; pressed all the same (forged), it is refused.
    news = next(
        b.callback_data or ""
        for m in app.windows.sent_messages[-1:]
        if isinstance(m.reply_markup, InlineKeyboardMarkup)
        for row in m.reply_markup.inline_keyboard
        for b in row
        if "Новини" in b.text
    )
    await member.press(news.replace("news", "broadcast"))
    assert "Надсилати оголошення можуть лише" in answers(app)[-1]
    assert "Головне меню" in member.window()
    english = app.member(2002, language_code="en")
    await english.send("/broadcast")
    assert "Only the bot's administrators" in english.replies()[-1]
    assert await broadcasts_in_db(app) == []


async def test_staff_address_only_their_association(app: App) -> None:
    await seed(app)
    await app.dp["staff"].grant(VAG_STAFF, StaffRole.STAFF, "vag", granted_by=ADMIN)
    # Registered as a member of another association: staff rights, not membership, decide.
    await add_member(app, VAG_STAFF, associations=("aotg",))
    staff = app.member(VAG_STAFF)
    await staff.send("/menu")
    await staff.click("Нове оголошення")
    assert "Крок 1 з 5" in staff.window()
    await staff.send(TEXT_UK)
    await staff.click("Пропустити")
    await staff.click("Без вкладення")
    audience = staff.window()
    assert "лише членам: ВАГ" in audience
    assert "усі доступні вам (ВАГ)" in audience
    assert "👥 Усі підтверджені члени" not in staff.buttons()
    assert "🏛 Асоціації" not in staff.buttons()  # one association: nothing to choose
    # Forged presses: the hidden associations window, then another association's tick.
    oblasts = next(
        b.callback_data or ""
        for row in app.windows.last_message().reply_markup.inline_keyboard  # type: ignore[union-attr]
        for b in row
        if "Області" in b.text
    )
    await staff.press(oblasts.replace("to_oblasts", "to_associations"))
    assert "Позначте асоціації" in staff.window()
    assert staff.buttons()[0] == "▫️ ВАГ"  # their own only
    await staff.press(oblasts.replace("to_oblasts", "assoc:aotg"))
    await staff.press(oblasts.replace("to_oblasts", "chosen"))
    assert "усі доступні вам (ВАГ)" in staff.window()
    await staff.click("^Далі")
    await staff.click("Ні, звичайне")
    [photo_or_text] = [m for m in sent(app, SendMessage, VAG_STAFF) if "Оголошення ·" in m.text]
    assert photo_or_text.text.startswith("📢 <b>Оголошення · ВАГ</b>")
    assert "Отримувачів:</b> 2" in staff.window()  # 2001 and 2003 are VAG members
    assert "Аудиторія:</b> усі члени: ВАГ" in staff.window()
    await staff.click("Надіслати")
    [broadcast] = await broadcasts_in_db(app)
    assert broadcast.audience["associations"] == ["vag"]
    assert set(await deliveries(app, broadcast.id)) == {2001, 2003}


async def test_edit_from_the_preview_changes_the_audience_and_sends_a_fresh_preview(
    app: App,
) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await compose(admin, text_en=TEXT_EN)
    assert "Отримувачів:</b> 5" in admin.window()
    previews = len(sent(app, SendMessage, ADMIN))

    await admin.click("Змінити")
    await admin.click("Аудиторія")
    await admin.click("Асоціації")
    await admin.click("УАРОР")
    await admin.click("Готово")
    await admin.click("Області")
    assert "Київ" in " ".join(admin.buttons()) or "▶" in " ".join(admin.buttons())
    await admin.click("Волинська")
    await admin.click("Готово")
    assert "Асоціації:</b> УАРОР" in admin.window()
    assert "Області:</b> Волинська область" in admin.window()
    await admin.click("^Далі")  # straight back to the preview
    preview = admin.window()
    assert "Отримувачів:</b> 1" in preview  # 2005: UAROR in Volyn
    assert "асоціації — УАРОР; області — Волинська область; посади — усі" in preview
    fresh = [m.text for m in sent(app, SendMessage, ADMIN)][previews:]
    assert any(t.startswith("📢 <b>Оголошення · УАРОР</b>") for t in fresh)
    assert any(t.startswith("📢 <b>Announcement · UAROR</b>") for t in fresh)

    await admin.click("Змінити")
    await admin.click("Український текст")
    await admin.send("Оновлений текст оголошення.")
    assert "Перевірте оголошення" in admin.window()
    assert any(
        t.endswith("Оновлений текст оголошення.")
        for t in [m.text for m in sent(app, SendMessage, ADMIN)]
    )

    await admin.click("Надіслати")
    [broadcast] = await broadcasts_in_db(app)
    assert broadcast.text_uk == "Оновлений текст оголошення."
    assert broadcast.audience == {"associations": ["uaror"], "oblasts": [VOLYN], "roles": []}
    assert await deliveries(app, broadcast.id) == {2005: ("en", DeliveryStatus.PENDING)}


async def test_a_composition_survives_a_restart(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await admin.send("/broadcast")
    await send_text(admin, TEXT_UK)
    await send_text(admin, TEXT_EN)
    assert "Крок 3 з 5" in admin.window()

    # A new process: fresh dispatcher and dialogs over the same database and state storage.
    restarted = await build_app(app.db, admin_ids=str(ADMIN))
    session = MediaSession()
    restarted.bot.session = session
    restarted.session = session
    try:
        again = restarted.member(ADMIN)
        await send_photo(again)
        assert "Крок 4 з 5" in again.window()
        await again.click("^Далі")
        await again.click("Ні, звичайне")
        assert "Англійська версія:</b> є" in again.window()
        assert "Вкладення:</b> фото" in again.window()
        await again.click("Надіслати")
        [broadcast] = await broadcasts_in_db(app)
        assert (broadcast.text_uk, broadcast.text_en) == (TEXT_UK, TEXT_EN)
    finally:
        await restarted.dp.storage.close()


async def test_urgent_header_in_the_preview(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await compose(admin, urgent=True)
    [copy] = [m for m in sent(app, SendMessage, ADMIN) if "Терміново" in m.text]
    assert copy.text.startswith("❗ <b>Терміново · ВАГ, Асоціація ОТГ, УАРОР</b>")
    assert "Терміновість:</b> ❗ термінове" in admin.window()


async def test_cancel_leaves_nothing(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await compose(admin)
    await admin.click("Скасувати")
    assert "Оголошення скасовано" in answers(app)[-1]
    assert await broadcasts_in_db(app) == []


async def test_pause_resume_and_cancel_from_the_progress_message(app: App) -> None:
    await seed(app)
    admin = app.member(ADMIN)
    await compose(admin)
    await admin.click("Надіслати")
    [broadcast] = await broadcasts_in_db(app)
    progress = progress_message(app, ADMIN)

    await press_progress(admin, progress, "Призупинити")
    assert "призупинено" in answers(app)[-1]
    assert (await service(app).progress(broadcast.id)).status == BroadcastStatus.PAUSED
    edits = [m for m in app.session.calls if isinstance(m, EditMessageText)]
    assert edits and "Призупинено" in edits[-1].text

    # Someone else's press is refused, whatever the button says.
    stranger = app.member(2001)
    await press_progress(stranger, progress, "Призупинити")
    assert "немає права" in answers(app)[-1]

    paused = [m for m in app.session.calls if isinstance(m, EditMessageText)][-1]
    progress = Message(
        message_id=progress.message_id,
        date=datetime.now(),
        chat=progress.chat,
        from_user=BOT_USER,
        text=paused.text,
        reply_markup=paused.reply_markup,
    )
    await press_progress(admin, progress, "Продовжити")
    assert "продовжено" in answers(app)[-1]
    assert (await service(app).progress(broadcast.id)).status == BroadcastStatus.SENDING
    await press_progress(admin, progress_message(app, ADMIN), "Призупинити")

    await press_progress(admin, progress, "Скасувати")
    assert (await service(app).progress(broadcast.id)).status == BroadcastStatus.PAUSED
    edited = [m for m in app.session.calls if isinstance(m, EditMessageText)][-1]
    confirm = Message(
        message_id=progress.message_id,
        date=datetime.now(),
        chat=progress.chat,
        from_user=BOT_USER,
        text=edited.text,
        reply_markup=edited.reply_markup,
    )
    await press_progress(admin, confirm, "Так, скасувати")
    assert (await service(app).progress(broadcast.id)).status == BroadcastStatus.CANCELLED
    statuses = {status for _locale, status in (await deliveries(app, broadcast.id)).values()}
    assert statuses == {DeliveryStatus.CANCELLED}
