"""No dead end after a crash: the real bot process, over HTTP against the fake Bot API server, is
killed (SIGKILL) after it sent a registration step and before it saved the dialog state. After a
restart the member presses a button of that step, which the saved state has not reached: the
press is answered, the step the state is at comes as a new message, and the member goes on with
its buttons to the end of the step the crash interrupted, without typing a command."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

from bot.emulator import BotProcess, FakeTelegram
from bot.i18n import Translations

MEMBER = 1001
STALE = Translations().get("uk")("error-stale-button")
ROLE_STEP = "Оберіть вашу посаду"
NAME_STEP = "Як до вас звертатися"
WAIT = 30  # seconds for each answer of the bot


class HeldSend:
    """The fake's sendMessage, except that the message matching `pattern` is recorded in the
    chat and its answer held back: the bot's request is in flight when the test kills it."""

    def __init__(self, fake: FakeTelegram, pattern: str) -> None:
        self.pattern = pattern
        self.recorded = asyncio.Event()
        self.release = asyncio.Event()
        self._fake = fake
        self._original = fake._handlers["sendmessage"]
        fake._handlers["sendmessage"] = self

    async def __call__(self, token: str, params: dict[str, Any], files: Any) -> Any:
        result = await self._original(token, params, files)
        if self.pattern in str(params.get("text", "")) and not self.recorded.is_set():
            self.recorded.set()
            await self.release.wait()
        return result

    def restore(self) -> None:
        self.release.set()
        self._fake._handlers["sendmessage"] = self._original


async def started(bot_factory: Callable[..., BotProcess], fake: FakeTelegram) -> BotProcess:
    fake.reset_polling_flag()
    process = await bot_factory().start()
    await fake.wait_polling(timeout=90)  # a loaded machine starts Python slowly
    return process


async def forget_locks_of_the_killed_process() -> None:
    """A killed process's per-user Redis locks expire after 60 s; a restart that finds one waits
    that long. The test removes them instead of waiting."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        return
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        async for key in client.scan_iter(match="*:lock"):
            await client.delete(key)
    finally:
        await client.aclose()


async def test_a_step_sent_but_not_saved_is_no_dead_end(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    bot = await started(bot_factory, fake_telegram)
    user = fake_telegram.user(MEMBER, first_name="Олена", last_name="Петренко")
    await user.send("/start")
    await user.wait_for("Оберіть мову", timeout=WAIT)
    await user.click("Українська")
    await user.wait_for("Згода на обробку", timeout=WAIT)
    await user.click("Погоджуюся")
    name_prompt = await user.wait_for(NAME_STEP, timeout=WAIT)

    held = HeldSend(fake_telegram, ROLE_STEP)
    try:
        await user.send("Олена Петренко")
        await asyncio.wait_for(held.recorded.wait(), WAIT)
        await bot.kill()  # the role step is in the chat; the dialog state still at the name
    finally:
        held.restore()
    role_message = user.last_message()
    assert role_message is not None and ROLE_STEP in role_message["text"]
    assert role_message["message_id"] > name_prompt["message_id"]
    await forget_locks_of_the_killed_process()

    await started(bot_factory, fake_telegram)
    callback_id = await user.click("^Голова громади$", message=role_message)
    assert (await user.wait_answer(callback_id, timeout=WAIT)).get("text") == STALE
    shown_again = await user.wait_for(NAME_STEP, timeout=WAIT)
    assert shown_again["message_id"] > role_message["message_id"]  # a new message, below
    assert user.buttons(role_message["message_id"]) == []  # the outdated buttons are gone

    await user.click("Олена Петренко", message=shown_again)
    await user.wait_for(ROLE_STEP, timeout=WAIT)
    await user.click("^Голова громади$")
    await user.wait_for("Оберіть область", timeout=WAIT)
    assert not fake_telegram.violations
