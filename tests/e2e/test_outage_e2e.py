"""The real bot process with PostgreSQL made unreachable and reachable again by a TCP proxy:
the member gets the static notice during the outage and normal service after, no restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from bot.emulator import BotProcess, FakeTelegram
from tests.conftest import require_service
from tests.tcp_proxy import TcpProxy

NOTICE = "Сервіс тимчасово недоступний"


@pytest.fixture
async def postgres_proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    url = require_service("TEST_DATABASE_URL", "PostgreSQL")
    assert database_url == url  # the fixture reset it for this test
    proxy = await TcpProxy.in_front_of(url, 5432).start()
    try:
        yield proxy
    finally:
        await proxy.stop()


async def test_member_gets_the_notice_during_a_database_outage_and_service_after(
    fake_telegram: FakeTelegram,
    bot_factory: Callable[..., BotProcess],
    postgres_proxy: TcpProxy,
    database_url: str,
) -> None:
    proxy = postgres_proxy
    bot = await bot_factory(database_url=proxy.url_through(database_url)).start()
    await fake_telegram.wait_polling(timeout=60)
    user = fake_telegram.user(1001)
    await user.send("/start")
    language_step = await user.wait_for("Оберіть мову", timeout=20)

    proxy.cut()
    await user.send("/start")
    await user.wait_for(NOTICE, timeout=20)
    pressed = await user.click("Українська", message=language_step["message_id"])
    answer = await user.wait_answer(pressed, timeout=20)
    assert NOTICE in answer["text"] and answer["show_alert"]
    await asyncio.sleep(2)  # the background workers meet the outage too

    proxy.restore()
    shown_before = user.last_message()["message_id"]
    await user.send("/start")
    # Normal service: the language step is sent anew, as a new message with its buttons, and
    # the member goes on with them.
    async with asyncio.timeout(20):
        while (  # noqa: ASYNC110
            user.last_message()["message_id"] <= shown_before
            or "Оберіть мову" not in user.last_message()["text"]
        ):
            await asyncio.sleep(0.05)
    await user.click("Українська", message=user.last_message()["message_id"])
    await user.wait_for("Згода на обробку", timeout=20)

    assert bot.running  # the same process throughout
    log = bot.log_text()
    assert log.count("database unavailable") == 1, log[-5000:]
    assert "database recovered after" in log
    assert "aiogd_context" not in log
    assert "Traceback" not in log, log[-5000:]
    fake_telegram.assert_no_violations()
