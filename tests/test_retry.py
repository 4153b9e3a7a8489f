"""RetryMiddleware against the fake Bot API server: 429 and 5xx are retried within bounds."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter, TelegramServerError

from bot.emulator import FakeTelegram
from bot.retry import RetryMiddleware


@pytest.fixture
async def bot_and_fake() -> AsyncIterator[tuple[Bot, FakeTelegram]]:
    fake = FakeTelegram()
    url = await fake.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(url))
    session.middleware(RetryMiddleware(attempts=3, max_wait=3, backoff=0.05))
    bot = Bot("123456:TEST-token-abcdefghijklmnopqrstuv", session=session)
    user = fake.user(77)
    await user.send("hi")  # Telegram knows the chat now
    yield bot, fake
    await session.close()
    await fake.stop()


async def test_429_waits_retry_after_and_succeeds(bot_and_fake: tuple[Bot, FakeTelegram]) -> None:
    bot, fake = bot_and_fake
    fake.inject("sendMessage", 429, retry_after=1, times=1)
    started = time.monotonic()
    message = await bot.send_message(77, "після паузи")
    assert time.monotonic() - started >= 1
    assert message.text == "після паузи"
    assert [m["text"] for m in fake.user(77).messages if m.get("from", {}).get("is_bot")] == [
        "після паузи"
    ]


async def test_5xx_is_retried_with_backoff(bot_and_fake: tuple[Bot, FakeTelegram]) -> None:
    bot, fake = bot_and_fake
    fake.inject("sendMessage", 502, times=2)
    assert (await bot.send_message(77, "з третьої спроби")).text == "з третьої спроби"
    assert len(fake.calls("sendMessage")) == 3


async def test_retries_are_bounded(bot_and_fake: tuple[Bot, FakeTelegram]) -> None:
    bot, fake = bot_and_fake
    fake.inject("sendMessage", 500, times=5)
    with pytest.raises(TelegramServerError):
        await bot.send_message(77, "x")
    assert len(fake.calls("sendMessage")) == 3
    fake.inject("sendMessage", 429, retry_after=60, times=1)
    with pytest.raises(TelegramRetryAfter):  # longer than a member should wait
        await bot.send_message(77, "x")


async def test_403_is_not_retried(bot_and_fake: tuple[Bot, FakeTelegram]) -> None:
    bot, fake = bot_and_fake
    fake.block(77)
    before = len(fake.calls("sendMessage"))
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(77, "x")
    assert len(fake.calls("sendMessage")) == before + 1
