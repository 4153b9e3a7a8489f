"""Tests of the fake Telegram server itself, driven by real aiogram over HTTP."""

from __future__ import annotations

import asyncio
import re
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.emulator import BotProcess, FakeTelegram
from bot.emulator.server import NOT_MODIFIED, QUERY_INVALID

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuv"


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    assert server.base_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    client = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        yield client
    finally:
        await client.session.close()


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


async def test_get_me_unknown_method_and_bad_token(server: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "hromada_test_bot")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.base_url}/bot{TOKEN}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.post(f"{server.base_url}/botnot-a-token/getMe") as response:
            assert response.status == 401
    assert ("noSuchMethod", "Not Found: method not found") in server.violations


async def test_long_polling_offset_and_limit(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(1001)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_polling(timeout=2)
    await asyncio.sleep(0.1)
    assert not poll.done()
    await user.send("/start hello")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 2  # woken by the update, not by the timeout
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start hello"
    assert message.entities is not None and message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/start")
    assert message.from_user is not None and message.from_user.language_code == "uk"

    # not confirmed yet: delivered again; queued updates come back at once
    for text in ("two", "three"):
        await user.send(text)
    again = await bot.get_updates(timeout=5)
    assert [u.message.text for u in again if u.message] == ["/start hello", "two", "three"]
    limited = await bot.get_updates(offset=again[0].update_id + 1, limit=1)
    assert [u.message.text for u in limited if u.message] == ["two"]
    rest = await bot.get_updates(offset=limited[0].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["three"]
    # a negative offset keeps only the last updates
    await user.send("four")
    await user.send("five")
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last if u.message] == ["five"]
    assert len(server.pending_updates) == 1
    rest = await bot.get_updates(offset=last[0].update_id + 1, timeout=0)
    assert rest == []
    empty_started = time.monotonic()
    assert await bot.get_updates(offset=last[0].update_id + 1, timeout=1) == []
    assert 0.8 < time.monotonic() - empty_started < 3


async def test_second_poller_terminates_the_first_with_409(server: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_polling()
    await asyncio.sleep(0.1)
    second = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError):
        await asyncio.wait_for(first, 3)
    assert await second == []
    assert server.conflicts == 1 and not server.violations


async def test_send_to_unknown_chat_and_html_limits(server: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(555, "hello")
    assert server.violations == [("sendMessage", "Bad Request: chat not found")]

    user = server.user(1001)
    await user.send("hi")
    # 4096 visible characters: the markup and escapes do not count
    ok = await bot.send_message(1001, "<b>" + "&amp;" * 4096 + "</b>")
    assert ok.text == "&" * 4096
    assert ok.entities is not None and ok.entities[0].length == 4096
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "<i>" + "ї" * 4097 + "</i>")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(1001, "<div>x</div>")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Can't find end tag"):
        await bot.send_message(1001, "<b>unclosed")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unmatched end tag"):
        await bot.send_message(1001, "<b>x</i>")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(1001, "1 < 2")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1001, "<b> </b>")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "x" * 4097, parse_mode=None)
    assert len(server.violations) == 8
    assert all(d.startswith("Bad Request: ") for _, d in server.violations)
    # nothing rejected reached the chat
    assert [m["message_id"] for m in user.messages] == [1, 2]


async def test_markup_caption_and_markdown_limits(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(1001)
    await user.send("hi")
    await bot.send_message(1001, "ok", reply_markup=keyboard([("a", "x" * 64)]))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        # 33 Cyrillic letters are 66 bytes of UTF-8
        await bot.send_message(1001, "data", reply_markup=keyboard([("a", "ї" * 33)]))
    with pytest.raises(TelegramBadRequest, match="in a row"):
        await bot.send_message(
            1001, "row", reply_markup=keyboard([(str(i), str(i)) for i in range(9)])
        )
    many = [[(f"{r}-{c}", f"{r}-{c}") for c in range(8)] for r in range(13)]
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await bot.send_message(1001, "many", reply_markup=keyboard(*many))
    photo = BufferedInputFile(b"\x89PNG...", filename="p.png")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(1001, photo, caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="reserved and must be escaped"):
        await bot.send_message(1001, "Hello.", parse_mode="MarkdownV2")
    sent = await bot.send_message(1001, "*Hi* there\\.", parse_mode="MarkdownV2")
    assert sent.text == "Hi there."
    assert len(server.violations) == 5


async def test_edit_delete_and_not_modified(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(1001)
    await user.send("hi")
    markup = keyboard([("Так", "yes")])
    sent = await bot.send_message(1001, "Питання?", reply_markup=markup)
    with pytest.raises(TelegramBadRequest) as error:
        await bot.edit_message_text(
            text="Питання?", chat_id=1001, message_id=sent.message_id, reply_markup=markup
        )
    assert error.value.message == NOT_MODIFIED
    edited = await bot.edit_message_text(
        text="<b>Питання?</b>", chat_id=1001, message_id=sent.message_id, reply_markup=markup
    )
    assert not isinstance(edited, bool) and edited.edit_date is not None
    # an edit without reply_markup removes the inline keyboard
    await bot.edit_message_text(text="Відповідь", chat_id=1001, message_id=sent.message_id)
    assert user.last_message() is not None
    assert "reply_markup" not in user.chat.messages[sent.message_id]
    assert user.buttons() == []
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=1001, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=1001, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text(text="x", chat_id=1001, message_id=1)
    assert await bot.delete_message(1001, sent.message_id) is True
    assert user.chat.messages[sent.message_id]["deleted"] is True
    assert user.last_message() is None
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(1001, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="y", chat_id=1001, message_id=sent.message_id)


async def test_callback_click_and_answer(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(1001, first_name="Петро")
    await user.send("hi")
    await bot.send_message(
        1001, "Оберіть", reply_markup=keyboard([("Так ✅", "yes"), ("Ні", "no")])
    )
    assert user.buttons() == ["Так ✅", "Ні"]
    with pytest.raises(AssertionError, match="no inline button matching"):
        await user.click("Можливо")
    query_id = await user.click("^Так")
    updates = await bot.get_updates(timeout=1)
    query = updates[-1].callback_query
    assert query is not None and query.id == query_id and query.data == "yes"
    assert query.message is not None and query.message.message_id == 2
    assert query.from_user.first_name == "Петро"

    waiter = asyncio.create_task(user.wait_answer(query_id, timeout=3))
    await asyncio.sleep(0.05)
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="Збережено", show_alert=True)
    answer = await waiter
    assert answer["text"] == "Збережено" and answer["show_alert"] is True
    with pytest.raises(TelegramBadRequest) as error:
        await bot.answer_callback_query(query_id)
    assert error.value.message == QUERY_INVALID
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("12345")

    forged = await user.send_callback("admin:delete:1")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    assert updates[-1].callback_query is not None
    assert (updates[-1].callback_query.id, updates[-1].callback_query.data) == (
        forged,
        "admin:delete:1",
    )
    with pytest.raises(AssertionError, match="was not answered"):
        await user.wait_answer(forged, timeout=0.2)


async def test_commands_and_descriptions(server: FakeTelegram, bot: Bot) -> None:
    commands = [
        BotCommand(command="start", description="Почати"),
        BotCommand(command="help", description="Довідка"),
    ]
    assert await bot.set_my_commands(commands, language_code="uk")
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeAllPrivateChats())
    assert server.commands[("default", "uk")] == [
        {"command": "start", "description": "Почати"},
        {"command": "help", "description": "Довідка"},
    ]
    assert server.commands[("all_private_chats", "")] == [
        {"command": "start", "description": "Почати"}
    ]
    got = await bot.get_my_commands(language_code="uk")
    assert [c.command for c in got] == ["start", "help"]
    for bad in (
        [BotCommand(command="Start", description="x")],
        [BotCommand(command="x" * 33, description="x")],
        [BotCommand(command="ok", description="d" * 257)],
        [BotCommand(command=f"c{i}", description="d") for i in range(101)],
    ):
        with pytest.raises(TelegramBadRequest):
            await bot.set_my_commands(bad)
    with pytest.raises(TelegramBadRequest, match="language code"):
        await bot.set_my_commands(commands, language_code="ukr")
    assert len(server.violations) == 5
    # a chat scope needs a chat that exists: an admin who never wrote gets "chat not found"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=1001))
    await server.user(1001).send("/start")
    assert await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=1001))
    assert [c["command"] for c in server.commands[("chat:1001", "")]] == ["start", "help"]
    assert await bot.delete_my_commands(language_code="uk")
    assert ("default", "uk") not in server.commands
    assert await bot.set_my_description("Опис", language_code="uk")
    assert server.descriptions == {"uk": "Опис"}
    with pytest.raises(TelegramBadRequest):
        await bot.set_my_short_description("s" * 121)


async def test_injected_errors_and_blocked_chats(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(1001)
    await user.send("hi")
    server.inject("sendMessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(1001, "a")
    assert retry.value.retry_after == 7
    assert "retry after 7" in retry.value.message
    server.inject("sendMessage", 403, "Forbidden: user is deactivated", chat_id=1001, times=2)
    for _ in range(2):
        with pytest.raises(TelegramForbiddenError, match="user is deactivated"):
            await bot.send_message(1001, "b")
    server.inject("sendMessage", 502, times=1)
    with pytest.raises(TelegramServerError):
        await bot.send_message(1001, "c")
    server.inject(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1001234567890,
    )
    with pytest.raises(TelegramMigrateToChat) as migrate:
        await bot.send_message(1001, "d")
    assert migrate.value.migrate_to_chat_id == -1001234567890
    # an injection for another chat does not fire here
    server.inject("sendMessage", 500, chat_id=2002)
    await bot.send_message(1001, "e")

    server.block(1001)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(1001, "f")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(1001, "typing")
    server.unblock(1001)
    await bot.send_message(1001, "g")
    assert [m.get("text") for m in user.messages] == ["hi", "e", "g"]
    assert server.violations == []  # deliberate failures are not the bot's fault
    assert [code for _, code, _ in server.errors] == [429, 403, 403, 502, 400, 403, 403]


async def test_files_media_copy_forward(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(1001)
    await user.send("hi")
    photo = await bot.send_photo(
        1001, BufferedInputFile(b"\x89PNG-bytes", filename="p.png"), caption="<b>Фото</b>"
    )
    assert photo.photo is not None and photo.caption == "Фото"
    file_id = photo.photo[-1].file_id
    again = await bot.send_photo(1001, file_id)
    assert again.photo is not None and again.photo[-1].file_id == file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(1001, "no-such-file-id")
    document = await bot.send_document(1001, BufferedInputFile(b"%PDF-1.4", filename="report.pdf"))
    assert document.document is not None and document.document.file_name == "report.pdf"
    downloaded = await bot.download(document.document.file_id)
    assert downloaded is not None and downloaded.read() == b"%PDF-1.4"
    album = await bot.send_media_group(
        1001,
        [
            InputMediaPhoto(media=BufferedInputFile(b"1", filename="1.png"), caption="один"),
            InputMediaPhoto(media=file_id),
        ],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    with pytest.raises(TelegramBadRequest, match="2-10"):
        await bot.send_media_group(1001, [InputMediaPhoto(media=file_id)])

    user_photo = await user.send_photo(caption="скан")
    sticker = await user.send_sticker()
    contact = await user.send_contact("+380671112233")
    assert contact["contact"]["user_id"] == 1001
    forged = await user.send_contact("+380671112233", user_id=42)
    assert forged["contact"]["user_id"] == 42
    updates = await bot.get_updates(timeout=0)
    kinds = [u.message.content_type for u in updates if u.message]
    assert kinds[-4:] == ["photo", "sticker", "contact", "contact"]
    incoming = await bot.get_file(user_photo["photo"][-1]["file_id"])
    assert incoming.file_path
    assert sticker["sticker"]["type"] == "regular"

    replaced = await bot.edit_message_media(
        InputMediaDocument(media=BufferedInputFile(b"new", filename="new.txt"), caption="нове"),
        chat_id=1001,
        message_id=photo.message_id,
    )
    assert not isinstance(replaced, bool) and replaced.document is not None
    assert replaced.photo is None and replaced.caption == "нове"

    copy = await bot.copy_message(1001, 1001, user_photo["message_id"], caption="копія")
    assert user.chat.messages[copy.message_id]["caption"] == "копія"
    forwarded = await bot.forward_message(1001, 1001, user_photo["message_id"])
    assert forwarded.forward_origin is not None
    chat = await bot.get_chat(1001)
    assert chat.type == "private" and chat.first_name == "Олена"
    member = await bot.get_chat_member(1001, 1001)
    assert member.status == "member"
    assert [d for _, d in server.violations] == [
        "Bad Request: wrong file identifier/HTTP URL specified",
        "Bad Request: wrong number of media in the album: must be 2-10",
    ]


async def test_reply_keyboard_contact_and_groups(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(1001, phone_number="+380501234567")
    await user.send("hi")
    assert user.reply_keyboard is None
    await bot.send_message(
        1001,
        "Поділіться номером",
        reply_markup=ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text="📱 Надіслати номер", request_contact=True)],
                [KeyboardButton(text="Скасувати")],
            ],
            one_time_keyboard=True,
            resize_keyboard=True,
        ),
    )
    assert user.reply_keyboard is not None
    assert user.reply_keyboard[0][0]["text"] == "📱 Надіслати номер"
    message = await user.press_reply_button("номер")
    assert message["contact"] == {
        "phone_number": "+380501234567",
        "first_name": "Олена",
        "user_id": 1001,
    }
    assert user.reply_keyboard is None  # one-time keyboard hides after use
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].message is not None and updates[-1].message.contact is not None
    await bot.send_message(
        1001, "menu", reply_markup=ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Меню")]])
    )
    await user.press_reply_button("Меню")
    assert user.reply_keyboard is not None  # a persistent keyboard stays
    await bot.send_message(1001, "bye", reply_markup=ReplyKeyboardRemove())
    assert user.reply_keyboard is None
    with pytest.raises(AssertionError, match="no reply keyboard"):
        await user.press_reply_button("Меню")

    group = server.group(-1001500, "Громада")
    await user.send("/help@hromada_test_bot", chat=group)
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    group_message = updates[-1].message
    assert group_message is not None and group_message.chat.type == "supergroup"
    assert group_message.from_user is not None and group_message.from_user.id == 1001
    await bot.send_message(-1001500, "Відповідь у групі")
    found = await user.wait_for("у групі", chat=group, timeout=1)
    assert found["chat"]["id"] == -1001500
    assert group.messages[found["message_id"]]["text"] == "Відповідь у групі"


async def test_wait_for_marks_and_timeout_message(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(1001)
    await user.send("hi")
    await bot.send_message(1001, "Старе повідомлення", reply_markup=keyboard([("Кнопка", "b")]))
    await user.send("ще")  # marks: the old message no longer counts
    with pytest.raises(AssertionError) as error:
        await user.wait_for("Старе", timeout=0.3)
    text = str(error.value)
    assert "no bot message matching 'Старе'" in text
    assert "Старе повідомлення" in text and "Кнопка" in text and "'ще'" in text

    async def reply_later() -> None:
        await asyncio.sleep(0.2)
        sent = await bot.send_message(1001, "Перше")
        await asyncio.sleep(0.1)
        await bot.edit_message_text(
            text="Оновлене <i>друге</i>", chat_id=1001, message_id=sent.message_id
        )

    task = asyncio.create_task(reply_later())
    first = await user.wait_for("Перше", timeout=2)
    edited = await user.wait_for(r"Оновлене\s+друге", timeout=2)
    await task
    assert first["message_id"] == edited["message_id"]
    assert edited["text"] == "Оновлене друге"
    assert user.last_message()["text"] == "Оновлене друге"  # type: ignore[index]


ECHO_BOT = textwrap.dedent(
    """
    import asyncio, html, logging, os
    from aiogram import Bot, Dispatcher, F
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
    from aiogram.filters import Command
    from aiogram.types import (CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup,
                               KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove)
    from aiogram.utils.backoff import BackoffConfig

    logging.basicConfig(level=logging.INFO)
    dp = Dispatcher()

    @dp.message(Command("kb"))
    async def kb(message: Message) -> None:
        await message.answer("Оберіть:", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="Так ✅", callback_data="yes"),
            InlineKeyboardButton(text="Ні", callback_data="no")]]))

    @dp.callback_query()
    async def clicked(query: CallbackQuery) -> None:
        await query.answer(f"got {query.data}")
        await query.message.edit_text(f"Ви обрали <b>{query.data}</b>")

    @dp.message(Command("long"))
    async def long(message: Message) -> None:
        await message.answer("<b>" + "&lt;" * 4096 + "</b>")
        try:
            await message.answer("<i>" + "x" * 4097 + "</i>")
        except TelegramBadRequest as error:
            await message.answer(f"error: {html.escape(error.message)}")

    @dp.message(Command("retry"))
    async def retry(message: Message) -> None:
        try:
            await message.answer("first try")
        except TelegramRetryAfter as error:
            await message.answer(f"retry_after={error.retry_after}")

    @dp.message(Command("phone"))
    async def phone(message: Message) -> None:
        await message.answer("Поділіться номером", reply_markup=ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="📱 Номер", request_contact=True)]],
            one_time_keyboard=True))

    @dp.message(F.contact)
    async def contact(message: Message) -> None:
        await message.answer(f"phone {message.contact.phone_number} of "
                             f"{message.contact.user_id}", reply_markup=ReplyKeyboardRemove())

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer("echo: " + html.escape(message.text))

    async def main() -> None:
        api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
        bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api),
                  default=DefaultBotProperties(parse_mode="HTML"))
        await bot.delete_webhook()
        await dp.start_polling(bot, polling_timeout=5, backoff_config=BackoffConfig(
            min_delay=0.2, max_delay=1.0, factor=1.5, jitter=0.1))

    asyncio.run(main())
    """
)


@pytest.mark.process
async def test_echo_bot_process_end_to_end(server: FakeTelegram, tmp_path: Path) -> None:
    script = tmp_path / "echo_bot.py"
    script.write_text(ECHO_BOT, encoding="utf-8")
    assert server.base_url
    process = BotProcess(
        server.base_url,
        "sqlite+aiosqlite:///unused.sqlite3",
        workdir=tmp_path,
        argv=[sys.executable, str(script)],
        extra_env={"ECHO": "1"},
    )
    env = process.environment()
    assert env["BOT_TOKEN"] == TOKEN and env["TELEGRAM_API_URL"] == server.base_url
    assert env["REDIS_URL"] == "" and env["PYTHONUNBUFFERED"] == "1"
    await process.start()
    try:
        await server.wait_polling(timeout=90)  # a loaded machine starts Python slowly
        user = server.user(2002, first_name="Іван")

        await user.send("Привіт <світ>")
        reply = await user.wait_for("^echo: Привіт <світ>$")
        assert reply["from"]["is_bot"] is True

        await user.send("/kb")
        await user.wait_for("Оберіть")
        query_id = await user.click("Так")
        answer = await user.wait_answer(query_id)
        assert answer["text"] == "got yes"
        await user.wait_for("Ви обрали yes")
        assert user.buttons() == []  # the edit dropped the keyboard

        await user.send("/long")
        await user.wait_for("error: Bad Request: message is too long")
        assert user.messages[-2]["text"] == "<" * 4096

        server.inject("sendMessage", 429, retry_after=3, chat_id=2002)
        await user.send("/retry")
        await user.wait_for("retry_after=3")

        await user.send("/phone")
        await user.wait_for("Поділіться")
        await user.press_reply_button("Номер")
        await user.wait_for(re.escape(f"phone {user.phone_number} of 2002"))
        assert user.reply_keyboard is None

        # polling survives a 429 and a 502 on getUpdates (the update wakes the current long
        # poll, so the next two getUpdates calls fail)
        server.inject("getUpdates", 429, retry_after=1)
        server.inject("getUpdates", 502)
        await user.send("before errors")
        await user.wait_for("echo: before errors")
        await user.send("after errors")
        await user.wait_for("echo: after errors", timeout=15)
        assert [e[:2] for e in server.errors if e[0] == "getUpdates"] == [
            ("getUpdates", 429),
            ("getUpdates", 502),
        ]

        assert server.violations == [("sendMessage", "Bad Request: message is too long")]
        server.assert_no_violations(ignore=("message is too long",))
        assert await process.stop() == 0  # SIGTERM: aiogram shuts polling down cleanly
        log = process.log_text()
        assert "Start polling" in log
    finally:
        await process.kill()


@pytest.mark.process
async def test_bot_process_kill_and_log(server: FakeTelegram, tmp_path: Path) -> None:
    assert server.base_url
    process = BotProcess(
        server.base_url,
        "sqlite+aiosqlite:///unused.sqlite3",
        workdir=tmp_path,
        argv=[
            sys.executable,
            "-c",
            "import os, time; print('token', os.environ['BOT_TOKEN']);"
            "print('admins', os.environ['ADMIN_IDS']); time.sleep(60)",
        ],
        admin_ids=[1, 2],
    )
    await process.start()
    for _ in range(100):
        if "admins" in process.log_text():
            break
        await asyncio.sleep(0.05)
    assert process.running
    assert await process.kill() == -9
    assert process.returncode == -9
    assert f"token {TOKEN}" in process.log_text() and "admins 1,2" in process.log_text()


async def test_unknown_method_raises_not_found(server: FakeTelegram, bot: Bot) -> None:
    class NoSuchMethod(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "noSuchMethod"

    with pytest.raises(TelegramNotFound, match="method not found"):
        await bot(NoSuchMethod())
