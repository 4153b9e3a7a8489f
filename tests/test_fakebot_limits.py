"""The fake Telegram server's limits mode: 30 sends a second overall, 1 a second per chat, stable
blocked chats and transient 5xx, answered with Telegram's own error shapes (real aiogram over
HTTP)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter, TelegramServerError

from bot.emulator import FakeTelegram, FakeUser, limits
from bot.emulator.server import BLOCKED, DEACTIVATED, SendLimits

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuv"


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(limits=SendLimits())
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    assert server.base_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    client = Bot(TOKEN, session=session)
    try:
        yield client
    finally:
        await client.session.close()


def _member(server: FakeTelegram, user_id: int) -> FakeUser:
    """A user whose private chat with the bot exists (they pressed Start)."""
    user = server.user(user_id)
    assert user.chat.id == user_id
    return user


async def _send(bot: Bot, chat_id: int, text: str) -> Exception | None:
    try:
        await bot.send_message(chat_id, text)
    except (TelegramRetryAfter, TelegramForbiddenError, TelegramServerError) as error:
        return error
    return None


async def test_more_than_30_a_second_overall_is_429_with_retry_after(
    server: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    for user_id in range(1, 41):
        _member(server, user_id)
    # All 40 within one second of the limiter's clock, however busy the machine: it is stopped
    # (on a loaded CI machine the 40 round trips once took 1.1 s, and the test's premise failed).
    monkeypatch.setattr(limits, "clock", lambda: 1000.0)
    outcomes = await asyncio.gather(*(_send(bot, i, "hello") for i in range(1, 41)))
    stats = server.limit_stats
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 10 and all(isinstance(o, TelegramRetryAfter) for o in refused)
    assert all(o.retry_after == 1 for o in refused if isinstance(o, TelegramRetryAfter))
    assert sum(len(server.users[i].chat.bot_messages()) for i in range(1, 41)) == 30
    assert (stats.accepted, stats.too_many_global, stats.too_many_per_chat) == (30, 10, 0)
    assert server.violations == []  # throttling is not a Bot API violation

    # the window slides: a second later there is room again
    monkeypatch.setattr(limits, "clock", lambda: 1001.05)
    assert await _send(bot, 1, "again") is None


async def test_429_has_telegrams_exact_shape(server: FakeTelegram, bot: Bot) -> None:
    _member(server, 7)
    await bot.send_message(7, "first")
    assert server.base_url
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.base_url}/bot{TOKEN}/sendMessage", json={"chat_id": 7, "text": "second"}
        ) as answer,
    ):
        assert answer.status == 429
        assert await answer.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }


async def test_second_send_to_one_chat_within_a_second_is_429(
    server: FakeTelegram, bot: Bot
) -> None:
    user = _member(server, 5)
    _member(server, 6)
    await bot.send_message(5, "one")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(5, "two")
    assert refused.value.retry_after == 1
    assert "retry after 1" in refused.value.message
    await bot.send_message(6, "another chat is not held up")
    await asyncio.sleep(1.05)
    await bot.send_message(5, "three")
    assert [m["text"] for m in user.chat.bot_messages()] == ["one", "three"]
    assert server.limit_stats.too_many_per_chat == 1


async def test_retry_after_is_the_time_until_a_slot_frees(server: FakeTelegram, bot: Bot) -> None:
    server.set_limits(SendLimits(global_per_second=100, per_chat_per_second=1))
    _member(server, 9)
    limiter = server._limiter
    assert limiter is not None
    # The slot frees in 3.9 s from now: 4 s rounded up however slow the request is, up to 0.9 s
    # (at 3.2 s a busy CI machine once took over 0.2 s and was told 3).
    limiter._per_chat[9] = deque([time.monotonic() + 2.9])
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(9, "x")
    assert refused.value.retry_after == 4
    assert server.limit_stats.retry_afters == [4]


async def test_blocked_chats_are_stable_and_the_shares_are_roughly_right() -> None:
    chats = range(10_001, 14_001)
    limits = SendLimits(forbidden_share=0.02, deactivated_share=0.01, seed=42)
    first = FakeTelegram(limits=limits)
    second = FakeTelegram(limits=limits)
    faults = {chat: first.chat_fault(chat) for chat in chats}
    assert faults == {chat: second.chat_fault(chat) for chat in reversed(chats)}
    blocked = [c for c, f in faults.items() if f == BLOCKED]
    deactivated = [c for c, f in faults.items() if f == DEACTIVATED]
    assert 60 <= len(blocked) <= 100  # 2 % of 4,000 = 80
    assert 25 <= len(deactivated) <= 55  # 1 % = 40
    other_seed = FakeTelegram(limits=SendLimits(forbidden_share=0.02, seed=43))
    assert {c for c in chats if other_seed.chat_fault(c) == BLOCKED} != set(blocked)
    # staff chats exempt from the per-chat limit are never drawn as blocked
    exempt = FakeTelegram(
        limits=SendLimits(forbidden_share=1.0, exempt_chats=frozenset({blocked[0]}))
    )
    assert exempt.chat_fault(blocked[0]) is None
    assert exempt.chat_fault(blocked[1]) == BLOCKED


async def test_a_blocked_chat_always_answers_403_until_unblocked(server: FakeTelegram) -> None:
    server.set_limits(SendLimits(forbidden_share=0.5, seed=7))
    chat_id = next(c for c in range(100, 200) if server.chat_fault(c) == BLOCKED)
    user = _member(server, chat_id)
    assert server.base_url
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    bot = Bot(TOKEN, session=session)
    try:
        for _ in range(3):
            with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
                await bot.send_message(chat_id, "x")
            await asyncio.sleep(1.05)
        server.unblock(chat_id)  # the member came back (/start)
        await bot.send_message(chat_id, "welcome back")
    finally:
        await bot.session.close()
    assert [m["text"] for m in user.chat.bot_messages()] == ["welcome back"]
    assert server.limit_stats.forbidden == 3
    assert server.violations == []


async def test_server_errors_hit_a_share_of_requests_and_deliver_nothing(
    server: FakeTelegram, bot: Bot
) -> None:
    server.set_limits(
        SendLimits(global_per_second=10_000, per_chat_per_second=10_000, server_error_share=0.1)
    )
    user = _member(server, 3)
    outcomes = [await _send(bot, 3, f"m{i}") for i in range(600)]
    failures = [o for o in outcomes if o is not None]
    assert all(isinstance(o, TelegramServerError) for o in failures)
    assert 35 <= len(failures) <= 90  # 10 % of 600 = 60, transient and random
    assert {str(o) for o in failures} <= {
        "Telegram server says - Internal Server Error",
        "Telegram server says - Bad Gateway",
    }
    assert len(user.chat.bot_messages()) == 600 - len(failures)
    assert server.limit_stats.server_errors == len(failures)
    assert server.limit_stats.accepted == 600 - len(failures)
    # the same chat fails and then succeeds: transient, not per chat
    assert any(o is None for o in outcomes[outcomes.index(failures[0]) :])


async def test_edits_and_unlimited_mode_are_not_throttled(server: FakeTelegram, bot: Bot) -> None:
    _member(server, 11)
    message = await bot.send_message(11, "progress 1")
    for step in range(2, 6):  # edits of a progress message are not sends
        await bot.edit_message_text(f"progress {step}", chat_id=11, message_id=message.message_id)
    server.set_limits(None)
    for step in range(5):
        await bot.send_message(11, f"burst {step}")
    assert server.limits is None
    assert server.limit_stats.too_many == 0


async def test_exempt_chats_only_have_the_global_limit(server: FakeTelegram, bot: Bot) -> None:
    server.set_limits(SendLimits(exempt_chats=frozenset({21})))
    _member(server, 21)
    for step in range(4):
        await bot.send_message(21, f"dialog step {step}")
    assert server.limit_stats.accepted == 4
