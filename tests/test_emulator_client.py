"""The emulator as the sandbox page uses it: live events, violations tied to where they
happened, the state file, reset, the command menu and what a person can press."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    BotCommandScopeChatMember,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.emulator import ClientRefused, FakeTelegram
from bot.emulator.server import SAVE_DELAY

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuv"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GROUP = -1_001_000_000_001


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def bot_for(server: FakeTelegram) -> Bot:
    assert server.base_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


@pytest.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    client = bot_for(server)
    try:
        yield client
    finally:
        await client.session.close()


def drain(queue: asyncio.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


def buttons(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


async def test_events_follow_messages_edits_deletes_answers_and_keyboards(
    server: FakeTelegram, bot: Bot
) -> None:
    user = server.user(710_001, "Олена", "Коваленко", language_code="uk")
    events = server.subscribe()
    await user.write("/start", chat_id=user.id)
    sent = await bot.send_message(
        user.id, "<b>Оберіть</b> мову", reply_markup=buttons([("Українська", "uk")])
    )
    await bot.edit_message_text("Мову обрано", chat_id=user.id, message_id=sent.message_id)
    await bot.send_message(
        user.id,
        "Поділіться номером",
        reply_markup=ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Надіслати номер", request_contact=True)]],
            one_time_keyboard=True,
        ),
    )
    await bot.set_my_commands([BotCommand(command="start", description="Почати")])
    await bot.delete_message(user.id, sent.message_id)

    kinds = [(e["type"], e.get("chat_id"), e.get("message_id")) for e in drain(events)]
    assert kinds == [
        ("message", user.id, 1),
        ("message", user.id, 2),
        ("edit", user.id, 2),
        ("reply_keyboard", user.id, None),
        ("message", user.id, 3),
        ("commands", None, None),
        ("delete", user.id, 2),
    ]

    shown = await bot.send_message(user.id, "Так?", reply_markup=buttons([("Так", "yes")]))
    drain(events)
    query_id = await user.press(chat_id=user.id, message_id=shown.message_id, row=0, column=0)
    await bot.answer_callback_query(query_id, "Збережено", show_alert=True)
    answer = drain(events)[-1]
    assert answer == {
        "type": "callback_answer",
        "chat_id": user.id,
        "message_id": shown.message_id,
        "user_id": user.id,
        "text": "Збережено",
        "show_alert": True,
        "url": None,
        "cache_time": 0,
    }

    contact = await user.press_reply_key("Надіслати номер", chat_id=user.id)
    assert contact["contact"]["user_id"] == user.id
    keyboard_events = [e for e in drain(events) if e["type"] == "reply_keyboard"]
    assert keyboard_events == [{"type": "reply_keyboard", "chat_id": user.id, "keyboard": None}]
    server.unsubscribe(events)


async def test_a_client_that_falls_behind_gets_one_resync(server: FakeTelegram) -> None:
    user = server.user(710_001)
    events = server.subscribe()
    for number in range(events.maxsize + 5):
        await user.write(f"повідомлення {number}", chat_id=user.id)
    assert events.qsize() <= 6
    assert events.get_nowait() == {"type": "resync"}


async def test_violations_name_the_chat_and_the_message(server: FakeTelegram, bot: Bot) -> None:
    user = server.user(710_001)
    await user.write("/start", chat_id=user.id)
    sent = await bot.send_message(user.id, "Текст")
    events = server.subscribe()
    with pytest.raises(TelegramBadRequest):
        await bot.edit_message_text("Текст", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(user.id, "x" * 4097)

    assert [v[0] for v in server.violations] == ["editMessageText", "sendMessage"]
    edit, send = list(server.violation_log)
    assert (edit["chat_id"], edit["message_id"]) == (user.id, sent.message_id)
    assert "message is not modified" in edit["description"]
    assert (send["chat_id"], send["message_id"]) == (user.id, None)
    assert send["description"] == "Bad Request: message is too long"
    assert [e["type"] for e in drain(events)] == ["violation", "violation"]

    view = next(m for m in server.chat_messages(user.id) if m["message_id"] == sent.message_id)
    assert [v["method"] for v in view["violations"]] == ["editMessageText"]
    assert [n["method"] for n in server.chat_notes(user.id)] == ["sendMessage"]


async def test_state_survives_a_restart_with_files_counters_and_commands(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sandbox" / "emulator.json"
    first = FakeTelegram(state_path=path)
    await first.start()
    bot = bot_for(first)
    try:
        user = first.user(710_001)
        first.group(GROUP, "ВАГ — секретаріат")
        await user.write("/start", chat_id=user.id)
        await bot.send_message(
            user.id,
            "Меню",
            reply_markup=ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Звернення")]]),
        )
        chart = await bot.send_photo(user.id, BufferedInputFile(PNG, "chart.png"), caption="Графік")
        await bot.send_document(GROUP, BufferedInputFile(b"a,b\n1,2\n", "digest.csv"))
        await user.send_file(
            PNG, chat_id=user.id, file_name="фото.png", mime_type="image/png", as_photo=True
        )
        await bot.set_my_commands(
            [BotCommand(command="help", description="Довідка")],
            scope=BotCommandScopeAllPrivateChats(),
            language_code="uk",
        )
        await bot.set_my_description("Бот асоціацій")
    finally:
        await bot.session.close()
        await first.stop()

    saved = json.loads(path.read_text(encoding="utf-8"))
    assert "content" not in json.dumps(saved["files"])  # bytes live beside the JSON
    assert sorted(p.name for p in (tmp_path / "sandbox").iterdir()) == [
        "emulator-files",
        "emulator.json",
    ]

    second = FakeTelegram(state_path=path)
    await second.start()
    bot = bot_for(second)
    try:
        chat = second.chat(710_001)
        assert [m.get("text") or m.get("caption") for m in chat.messages.values()] == [
            "/start",
            "Меню",
            "Графік",
            None,
        ]
        assert chat.reply_keyboard == {"keyboard": [[{"text": "Звернення"}]]}
        photo_id = chart.photo[-1].file_id
        assert second.files[photo_id]["content"] == PNG
        assert second.chat(GROUP).title == "ВАГ — секретаріат"
        assert second.commands_for(710_001, 710_001, "uk") == [
            {"command": "help", "description": "Довідка"}
        ]
        assert second.descriptions == {"": "Бот асоціацій"}
        # message ids and update ids go on where they stopped
        reply = await bot.send_message(710_001, "Далі")
        assert reply.message_id == 5
        user = second.user(710_001)
        await user.write("ще", chat_id=710_001)
        assert second.pending_updates[-1]["update_id"] == 3
        document = next(iter(second.chat(GROUP).messages.values()))["document"]
        assert second.files[document["file_id"]]["content"] == b"a,b\n1,2\n"
    finally:
        await bot.session.close()
        await second.stop()


def test_an_unreadable_state_file_is_moved_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "emulator.json"
    path.write_text("{ not json", encoding="utf-8")
    server = FakeTelegram(state_path=path)
    assert server.chats == {}
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("emulator.json.unreadable-")]
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == "{ not json"
    assert "unreadable" in caplog.text and str(aside[0]) in caplog.text

    wrong_shape = {"format": "hromada-bot emulator state", "version": 1, "chats": [{"x": 1}]}
    path.write_text(json.dumps(wrong_shape), encoding="utf-8")
    server = FakeTelegram(state_path=path)
    assert server.chats == {}
    assert not path.exists()
    kept = sorted(p.read_text(encoding="utf-8") for p in tmp_path.iterdir())
    assert kept == ["{ not json", json.dumps(wrong_shape)]


async def test_reset_forgets_everything_and_deletes_the_state(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    server = FakeTelegram(state_path=path)
    await server.start()
    bot = bot_for(server)
    try:
        user = server.user(710_001)
        await user.write("/start", chat_id=user.id)
        shown = await bot.send_message(user.id, "Так?", reply_markup=buttons([("Так", "yes")]))
        await bot.send_document(user.id, BufferedInputFile(b"data", "a.txt"))
        await user.press(chat_id=user.id, message_id=shown.message_id, row=0, column=0)
        await bot.set_my_commands([BotCommand(command="start", description="Почати")])
        server.save_now()
        assert path.exists()
        events = server.subscribe()

        server.reset()

        assert drain(events) == [{"type": "reset"}]
        assert server.chats == {} and server.files == {} and server.commands == {}
        assert server.pending_updates == []
        assert not path.exists() and not (tmp_path / "emulator-files").exists()
        # a new conversation starts at message 1; update ids keep growing for a polling bot
        message = await user.write("/start", chat_id=user.id)
        assert message["message_id"] == 1
        assert server.pending_updates[0]["update_id"] == 3
    finally:
        await bot.session.close()
        await server.stop()


async def test_commands_for_prefers_the_narrowest_scope_and_the_users_language(
    server: FakeTelegram, bot: Bot
) -> None:
    officer = server.user(720_001, language_code="uk")
    head = server.user(710_002, language_code="en")
    server.group(GROUP, "ВАГ — секретаріат")
    await officer.write("/start", chat_id=officer.id)
    await head.write("/start", chat_id=head.id)

    def menu(chat_id: int, user_id: int, language: str | None) -> list[str]:
        return [c["command"] for c in server.commands_for(chat_id, user_id, language)]

    async def put(name: str, scope: Any = None, language: str | None = None) -> None:
        await bot.set_my_commands(
            [BotCommand(command=name, description=name)], scope=scope, language_code=language
        )

    assert menu(head.id, head.id, "en") == []
    await put("default")
    await put("default_uk", language="uk")
    assert menu(head.id, head.id, "en") == ["default"]
    assert menu(officer.id, officer.id, "uk") == ["default_uk"]
    await put("private", BotCommandScopeAllPrivateChats())
    assert menu(officer.id, officer.id, "uk") == ["private"]
    await put("mine", BotCommandScopeChat(chat_id=head.id), "en")
    assert menu(head.id, head.id, "en") == ["mine"]
    assert menu(head.id, head.id, "uk") == ["private"]

    assert menu(GROUP, officer.id, "uk") == ["default_uk"]
    await put("groups", BotCommandScopeAllGroupChats())
    await put("admins", BotCommandScopeAllChatAdministrators())
    assert menu(GROUP, officer.id, "uk") == ["groups"]
    server.set_member_status(GROUP, officer.id, "administrator")
    assert menu(GROUP, officer.id, "uk") == ["admins"]
    await put("this_group", BotCommandScopeChat(chat_id=GROUP))
    assert menu(GROUP, officer.id, "uk") == ["this_group"]
    await put("this_group_admins", BotCommandScopeChatAdministrators(chat_id=GROUP))
    assert menu(GROUP, officer.id, "uk") == ["this_group_admins"]
    await put("just_me", BotCommandScopeChatMember(chat_id=GROUP, user_id=officer.id))
    assert menu(GROUP, officer.id, "uk") == ["just_me"]
    server.set_member_status(GROUP, officer.id, "member")
    assert menu(GROUP, head.id, "en") == ["this_group"]


async def test_presses_name_only_buttons_the_message_shows_now(
    server: FakeTelegram, bot: Bot
) -> None:
    user = server.user(710_001)
    await user.write("/start", chat_id=user.id)
    card = await bot.send_message(
        user.id,
        "Картка",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="Взяти", callback_data="take")],
                [InlineKeyboardButton(text="Сайт", url="https://example.org")],
            ]
        ),
    )
    query_id = await user.press(chat_id=user.id, message_id=card.message_id, row=0, column=0)
    update = server.pending_updates[-1]["callback_query"]
    assert update["id"] == query_id and update["data"] == "take"
    assert update["from"]["id"] == user.id

    for row, column, code in (
        (0, 1, "button_gone"),
        (5, 0, "button_gone"),
        (1, 0, "not_callback_button"),
    ):
        with pytest.raises(ClientRefused) as refused:
            await user.press(chat_id=user.id, message_id=card.message_id, row=row, column=column)
        assert refused.value.code == code

    await bot.edit_message_reply_markup(chat_id=user.id, message_id=card.message_id)
    with pytest.raises(ClientRefused) as refused:
        await user.press(chat_id=user.id, message_id=card.message_id, row=0, column=0)
    assert refused.value.code == "button_gone"
    await bot.delete_message(user.id, card.message_id)
    with pytest.raises(ClientRefused) as refused:
        await user.press(chat_id=user.id, message_id=card.message_id, row=0, column=0)
    assert refused.value.code == "message_not_found"
    pending = len(server.pending_updates)
    with pytest.raises(ClientRefused) as refused:
        await user.press_reply_key("Звернення", chat_id=user.id)
    assert refused.value.code == "no_reply_keyboard"
    assert len(server.pending_updates) == pending  # nothing refused reached the bot


async def test_a_persona_writes_in_a_group_and_sends_files(server: FakeTelegram) -> None:
    officer = server.user(720_001, "Ірина", "Бондар", language_code="uk")
    server.group(GROUP, "ВАГ — секретаріат")
    card = await officer.write("Картка", chat_id=GROUP)
    answer = await officer.write("Відповідь", chat_id=GROUP, reply_to=card["message_id"])
    update = server.pending_updates[-1]["message"]
    assert update["chat"] == {"id": GROUP, "type": "supergroup", "title": "ВАГ — секретаріат"}
    assert update["from"]["id"] == officer.id
    assert update["reply_to_message"]["message_id"] == card["message_id"]
    assert answer["text"] == "Відповідь"

    photo = await officer.send_file(
        PNG, chat_id=GROUP, file_name="знімок.png", mime_type="image/png", as_photo=True
    )
    assert server.files[photo["photo"][-1]["file_id"]]["content"] == PNG
    fake_image = await officer.send_file(
        b"<svg onload=alert(1)>",
        chat_id=GROUP,
        file_name="x.svg",
        mime_type="image/svg+xml",
        as_photo=True,
        caption="Підпис",
    )
    assert "photo" not in fake_image and fake_image["document"]["file_name"] == "x.svg"
    assert fake_image["caption"] == "Підпис"

    for call, code in (
        (officer.write("x" * 4097, chat_id=GROUP), "text_too_long"),
        (officer.write("   ", chat_id=GROUP), "text_empty"),
        (officer.write("x", chat_id=GROUP, reply_to=999), "reply_not_found"),
        (officer.write("x", chat_id=710_002), "chat_not_found"),
        (
            officer.send_file(
                b"x" * (20 * 1024 * 1024 + 1),
                chat_id=GROUP,
                file_name="big.bin",
                mime_type=None,
                as_photo=False,
            ),
            "file_too_large",
        ),
    ):
        with pytest.raises(ClientRefused) as refused:
            await call
        assert refused.value.code == code


async def test_changes_are_written_shortly_after_they_happen(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    server = FakeTelegram(state_path=path)
    server.group(GROUP, "ВАГ — секретаріат")  # before the loop serves: written once it does
    await server.start()
    try:
        user = server.user(720_001)
        await user.write("Перше", chat_id=GROUP)
        await user.write("Друге", chat_id=GROUP)
        assert not path.exists()  # a burst of changes shares one write
        await asyncio.sleep(SAVE_DELAY + 0.3)
        saved = json.loads(path.read_text(encoding="utf-8"))
        (group,) = saved["chats"]
        assert [m["text"] for m in group["messages"]] == ["Перше", "Друге"]
        assert saved["last_update_id"] == 2
    finally:
        await server.stop()
