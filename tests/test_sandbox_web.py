"""The sandbox page's web app over a real emulator, through aiohttp's test client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiohttp.test_utils import TestClient, TestServer

from bot.emulator import FakeTelegram
from bot.sandbox.web import create_sandbox_app

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuv"
HEAD = 710_001  # head-uk
OFFICER = 720_001  # officer-vag
VAG = -1_001_000_000_001
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
CLIENT = {"X-Sandbox-Client": "1"}


class FakeHooks:
    def __init__(self, emulator: FakeTelegram) -> None:
        self.emulator = emulator
        self.resets = 0

    async def reset(self) -> None:
        self.resets += 1
        self.emulator.reset()

    def status(self) -> dict[str, object]:
        return {"bot": "running", "data_dir": "./var/sandbox/"}


@pytest.fixture
async def emulator() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def hooks(emulator: FakeTelegram) -> FakeHooks:
    return FakeHooks(emulator)


@pytest.fixture
async def client(emulator: FakeTelegram, hooks: FakeHooks) -> AsyncIterator[TestClient[Any, Any]]:
    app = create_sandbox_app(emulator, hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


@pytest.fixture
async def bot(emulator: FakeTelegram) -> AsyncIterator[Bot]:
    assert emulator.base_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    client = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        yield client
    finally:
        await client.session.close()


async def post(client: TestClient[Any, Any], path: str, body: dict[str, Any]) -> Any:
    return await client.post(path, json=body, headers=CLIENT)


async def test_state_lists_personas_groups_and_the_bot_status(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/api/state")
    assert response.status == 200
    state = await response.json()
    assert state["status"] == {"bot": "running", "data_dir": "./var/sandbox/"}
    assert [p["key"] for p in state["personas"]] == [
        "head-uk",
        "head-en",
        "officer-vag",
        "officer-aotg",
        "officer-uaror",
        "admin",
    ]
    head = state["personas"][0]
    assert head["role"] == {"uk": "Голова громади (українською)", "en": "Hromada head (Ukrainian)"}
    assert head["groups"] == []
    assert state["personas"][2]["groups"] == [VAG]
    assert [g["chat_id"] for g in state["groups"]] == [VAG, VAG - 1, VAG - 2]
    assert state["groups"][0]["members"] == ["officer-vag", "admin"]


async def test_the_page_and_its_script_are_served_with_a_strict_policy(
    client: TestClient[Any, Any],
) -> None:
    page = await client.get("/")
    html = await page.text()
    assert page.status == 200 and 'id="sandbox-banner"' in html and 'id="composer"' in html
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    script = await client.get("/static/app.js")
    assert script.status == 200 and "textContent" in await script.text()
    assert (await client.get("/static/../web.py")).status in (403, 404)


async def test_sending_text_reaches_the_bot_as_the_persona(
    client: TestClient[Any, Any], emulator: FakeTelegram
) -> None:
    response = await post(
        client, "/api/send", {"persona": "head-uk", "chat_id": HEAD, "text": "/start"}
    )
    assert response.status == 200
    update = emulator.pending_updates[-1]["message"]
    assert update["text"] == "/start"
    assert update["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert update["from"]["id"] == HEAD and update["from"]["first_name"] == "Олена"
    assert update["from"]["language_code"] == "uk"
    shown = await (await client.get(f"/api/chats/{HEAD}/messages?persona=head-uk")).json()
    assert [m["text"] for m in shown["messages"]] == ["/start"]


async def test_an_officer_replies_in_the_staff_group(
    client: TestClient[Any, Any], emulator: FakeTelegram, bot: Bot
) -> None:
    card = await bot.send_message(VAG, "<b>Звернення №1</b>")
    response = await post(
        client,
        "/api/send",
        {"persona": "officer-vag", "chat_id": VAG, "text": "Беремо", "reply_to": card.message_id},
    )
    assert response.status == 200
    update = emulator.pending_updates[-1]["message"]
    assert update["chat"]["type"] == "supergroup"
    assert update["from"]["id"] == OFFICER
    assert update["reply_to_message"]["text"] == "Звернення №1"

    # A head is no member of the staff group, yet may write there: the bot decides what
    # someone without staff rights may do.
    guest = await post(
        client, "/api/send", {"persona": "head-uk", "chat_id": VAG, "text": "Привіт"}
    )
    assert guest.status == 200
    update = emulator.pending_updates[-1]["message"]
    assert update["chat"]["id"] == VAG and update["from"]["id"] == HEAD
    other = await post(client, "/api/send", {"persona": "head-uk", "chat_id": OFFICER, "text": "x"})
    assert other.status == 404 and (await other.json())["error"] == "chat_not_found"
    view = await client.get(f"/api/chats/{VAG}/messages?persona=head-uk")
    assert view.status == 200


async def test_pressing_a_button_sends_its_callback_and_stale_presses_are_refused(
    client: TestClient[Any, Any], emulator: FakeTelegram, bot: Bot
) -> None:
    await post(client, "/api/send", {"persona": "head-uk", "chat_id": HEAD, "text": "/start"})
    shown = await bot.send_message(
        HEAD,
        "Оберіть мову",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Українська", callback_data="lang_uk")]]
        ),
    )
    body = {"persona": "head-uk", "chat_id": HEAD, "message_id": shown.message_id, "row": 0}
    response = await post(client, "/api/press", {**body, "col": 0})
    assert response.status == 200
    query = emulator.pending_updates[-1]["callback_query"]
    assert query["data"] == "lang_uk" and query["from"]["id"] == HEAD
    assert query["id"] == (await response.json())["callback_query_id"]

    stale = await post(client, "/api/press", {**body, "col": 1})
    assert stale.status == 400 and (await stale.json())["error"] == "button_gone"
    forged = await post(client, "/api/press", {**body, "col": "0"})
    assert forged.status == 400 and (await forged.json())["error"] == "bad_request"


async def test_reply_keyboard_and_contact(
    client: TestClient[Any, Any], emulator: FakeTelegram, bot: Bot
) -> None:
    await post(client, "/api/send", {"persona": "head-en", "chat_id": 710_002, "text": "/start"})
    await bot.send_message(
        710_002,
        "Share your number",
        reply_markup=ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Share", request_contact=True)]], one_time_keyboard=True
        ),
    )
    shown = await (await client.get("/api/chats/710002/messages?persona=head-en")).json()
    assert shown["reply_keyboard"]["keyboard"][0][0]["text"] == "Share"
    response = await post(
        client, "/api/reply-button", {"persona": "head-en", "chat_id": 710_002, "text": "Share"}
    )
    assert response.status == 200
    contact = emulator.pending_updates[-1]["message"]["contact"]
    assert contact == {
        "phone_number": "+380501110002",
        "first_name": "Andrii",
        "last_name": "Melnyk",
        "user_id": 710_002,
    }
    assert emulator.chat(710_002).reply_keyboard is None
    again = await post(
        client, "/api/reply-button", {"persona": "head-en", "chat_id": 710_002, "text": "Share"}
    )
    assert (await again.json())["error"] == "no_reply_keyboard"
    direct = await post(client, "/api/contact", {"persona": "head-en", "chat_id": 710_002})
    assert direct.status == 200
    assert emulator.pending_updates[-1]["message"]["contact"]["user_id"] == 710_002


async def test_uploaded_photo_comes_back_byte_for_byte(
    client: TestClient[Any, Any], emulator: FakeTelegram
) -> None:
    form = aiohttp.FormData()
    form.add_field("persona", "head-uk")
    form.add_field("chat_id", str(HEAD))
    form.add_field("caption", "Яма на дорозі")
    form.add_field("file", PNG, filename="яма.png", content_type="image/png")
    response = await client.post("/api/upload", data=form, headers=CLIENT)
    assert response.status == 200
    message = (await response.json())["message"]
    assert message["caption"] == "Яма на дорозі"
    update = emulator.pending_updates[-1]["message"]
    assert update["photo"][-1]["file_id"] == message["photo"][-1]["file_id"]

    image = await client.get(f"/files/{message['photo'][-1]['file_id']}")
    assert image.status == 200
    assert await image.read() == PNG
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"].startswith("inline")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert (await client.get("/files/unknown")).status == 404


async def test_documents_download_as_attachments_and_never_render(
    client: TestClient[Any, Any], bot: Bot
) -> None:
    await post(client, "/api/send", {"persona": "head-uk", "chat_id": HEAD, "text": "/privacy"})
    export = b"<html><script>alert(1)</script></html>"
    sent = await bot.send_document(HEAD, BufferedInputFile(export, "мої-дані.html"))
    assert sent.document is not None
    response = await client.get(f"/files/{sent.document.file_id}")
    assert response.status == 200 and await response.read() == export
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D0%BC%D0%BE%D1%97-%D0%B4%D0%B0%D0%BD%D1%96.html" in disposition
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    svg = await bot.send_photo(HEAD, BufferedInputFile(b"<svg onload=alert(1)/>", "a.svg"))
    assert svg.photo is not None
    fake_photo = await client.get(f"/files/{svg.photo[-1].file_id}")
    assert fake_photo.headers["Content-Disposition"].startswith("attachment")
    assert not fake_photo.headers["Content-Type"].startswith("image/svg")


async def test_server_sent_events_deliver_a_bot_message(
    client: TestClient[Any, Any], bot: Bot
) -> None:
    response = await client.get("/api/events")
    assert response.headers["Content-Type"].startswith("text/event-stream")

    async def next_event() -> dict[str, Any]:
        while True:
            line = (await response.content.readline()).decode()
            if line.startswith("data: "):
                event: dict[str, Any] = json.loads(line.removeprefix("data: "))
                return event

    hello = await asyncio.wait_for(next_event(), 5)
    assert hello["type"] == "hello" and hello["status"]["bot"] == "running"
    await bot.send_message(VAG, "<i>Нова картка</i>")
    event = await asyncio.wait_for(next_event(), 5)
    assert event["type"] == "message" and event["chat_id"] == VAG
    assert event["message"]["text"] == "Нова картка"
    assert event["message"]["entities"] == [{"type": "italic", "offset": 0, "length": 11}]
    response.close()


async def test_posts_need_the_client_header_and_a_json_or_multipart_body(
    client: TestClient[Any, Any], emulator: FakeTelegram
) -> None:
    body = {"persona": "head-uk", "chat_id": HEAD, "text": "/start"}
    bare = await client.post("/api/send", json=body)
    assert bare.status == 403 and (await bare.json())["error"] == "client_header_required"
    form = await client.post("/api/send", data={"text": "/start"}, headers=CLIENT)
    assert form.status == 415
    cross_site = await client.post(
        "/api/send", json=body, headers={**CLIENT, "Origin": "http://evil.example"}
    )
    assert cross_site.status == 403
    assert emulator.pending_updates == []


async def test_a_foreign_host_name_is_refused(client: TestClient[Any, Any]) -> None:
    rebound = await client.get("/api/state", headers={"Host": f"evil.example:{client.port}"})
    assert rebound.status == 421
    assert (await rebound.json())["error"] == "forbidden_host"
    wrong_port = await client.get("/api/state", headers={"Host": "localhost:1"})
    assert wrong_port.status == 421
    local = await client.get("/api/state", headers={"Host": f"localhost:{client.port}"})
    assert local.status == 200


async def test_bad_input_is_answered_with_a_code_the_page_translates(
    client: TestClient[Any, Any], emulator: FakeTelegram
) -> None:
    unknown = await post(client, "/api/send", {"persona": "ghost", "chat_id": HEAD, "text": "x"})
    assert unknown.status == 400 and (await unknown.json())["error"] == "unknown_persona"
    too_long = await post(
        client, "/api/send", {"persona": "head-uk", "chat_id": HEAD, "text": "я" * 4097}
    )
    assert too_long.status == 400 and (await too_long.json())["error"] == "text_too_long"
    not_json = await client.post(
        "/api/send", data=b"{", headers={**CLIENT, "Content-Type": "application/json"}
    )
    assert not_json.status == 400 and (await not_json.json())["error"] == "bad_request"
    assert (await client.get("/api/chats/abc/messages?persona=head-uk")).status == 400
    assert (await client.get(f"/api/chats/{HEAD}/messages?persona=nobody")).status == 400
    assert emulator.pending_updates == []

    form = aiohttp.FormData()
    form.add_field("persona", "head-uk")
    form.add_field("chat_id", str(HEAD))
    form.add_field("file", b"x" * (20 * 1024 * 1024 + 1), filename="big.bin")
    big = await client.post("/api/upload", data=form, headers=CLIENT)
    assert big.status == 413 and (await big.json())["error"] == "file_too_large"


async def test_command_menu_and_reset(
    client: TestClient[Any, Any], emulator: FakeTelegram, hooks: FakeHooks, bot: Bot
) -> None:
    await bot.set_my_commands(
        [BotCommand(command="start", description="Почати")], language_code="uk"
    )
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    menu = await client.get(f"/api/commands?persona=head-uk&chat={HEAD}")
    assert (await menu.json())["commands"] == [{"command": "start", "description": "Почати"}]
    menu = await client.get("/api/commands?persona=head-en&chat=710002")
    assert (await menu.json())["commands"] == [{"command": "start", "description": "Start"}]

    unconfirmed = await post(client, "/api/reset", {})
    assert unconfirmed.status == 400 and hooks.resets == 0
    reset = await post(client, "/api/reset", {"confirm": True})
    assert reset.status == 200 and hooks.resets == 1
    assert emulator.commands == {}
    assert VAG in emulator.chats  # the staff groups are there again for the bot to write to
