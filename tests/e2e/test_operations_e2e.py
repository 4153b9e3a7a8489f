"""Operations, over HTTP: health, readiness and metrics; Telegram out of reach or refusing the
token at start; 409 Conflict in polling; graceful shutdown in webhook mode."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.emulator import BotProcess, FakeTelegram
from tests.tcp_proxy import TcpProxy

SECRET = "webhook-Secret_0123456789abcdefXYZ"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


async def wait_answer(url: str, status: int, seconds: float = 60) -> str:
    """GET `url` until it answers `status` (the server may not listen yet); its body."""
    seen: Any = None
    try:
        async with asyncio.timeout(seconds):
            while True:
                try:
                    seen, body = await get(url)
                except aiohttp.ClientError as error:
                    seen = error
                else:
                    if seen == status:
                        return body
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"{url} did not answer {status} in {seconds}s; last: {seen}") from None


async def wait_log(process: BotProcess, pattern: str, seconds: float = 60) -> str:
    try:
        async with asyncio.timeout(seconds):
            while (found := re.search(pattern, process.log_text())) is None:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"no log line matching {pattern!r} in {seconds}s") from None
    return found.group(0)


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` with these labels in the Prometheus text exposition."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        sample, _, label_text = head.partition("{")
        if sample != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', label_text))
        if all(found.get(key) == wanted for key, wanted in labels.items()):
            total += float(value)
    return total


async def wait_metric(url: str, name: str, at_least: float, **labels: str) -> str:
    """The /metrics text once `name{labels}` reached `at_least` (an update is counted when
    its handler returns, a moment after the member saw the answer)."""
    async with asyncio.timeout(10):
        while True:
            _, text = await get(url)
            if metric(text, name, **labels) >= at_least:
                return text
            await asyncio.sleep(0.05)


async def test_polling_serves_health_readiness_and_metrics(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = await bot_factory(extra_env={"METRICS_PORT": str(port)}).start()
    await fake_telegram.wait_polling(timeout=90)

    assert '"alive": true' in await wait_answer(f"{base}/healthz", 200)
    ready = await wait_answer(f"{base}/readyz", 200)
    assert '"database": true' in ready and '"migrations": true' in ready
    assert '"telegram": true' in ready

    user = fake_telegram.user(5101)
    await user.send("/start")
    await user.wait_for("Оберіть мову")
    await user.click("Українська")
    await user.wait_for("Згода на обробку")

    text = await wait_metric(
        f"{base}/metrics", "hromada_updates_total", 1, type="callback_query", outcome="ok"
    )
    assert metric(text, "hromada_updates_total", type="message", outcome="ok") >= 1
    assert metric(text, "hromada_update_handling_seconds_count", type="message") >= 1
    assert metric(text, "hromada_bot_api_calls_total", method="sendMessage", result="ok") >= 1
    assert metric(text, "hromada_bot_api_calls_total", method="getMe", result="ok") >= 1
    assert metric(text, "hromada_dependency_up", dependency="database") == 1
    assert metric(text, "hromada_dependency_up", dependency="telegram") == 1
    # The database's figures are there from the first refresh, at start.
    assert 'hromada_outbox_rows{state="pending"} 0.0' in text
    assert 'hromada_reports_open{status="new"} 0.0' in text
    assert "hromada_reports_overdue 0.0" in text
    # Labels are bounded: no user's id is a label value of any series (a value's digits may
    # contain it by chance: a timestamp 1.7964067017951014e+09 did).
    assert '"5101"' not in text
    assert await process.stop() == 0
    fake_telegram.assert_no_violations()


async def test_telegram_out_of_reach_at_start_is_waited_out(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    assert fake_telegram.base_url is not None
    proxy = await TcpProxy.in_front_of(fake_telegram.base_url, 80).start()
    proxy.cut()
    api_url = proxy.url_through(fake_telegram.base_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        process = await bot_factory(
            extra_env={"METRICS_PORT": str(port), "TELEGRAM_API_URL": api_url}
        ).start()
        line = await wait_log(process, r"Telegram Bot API at TELEGRAM_API_URL=\S+ not reached.*")
        assert api_url in line
        await wait_log(process, r"not reached \(try 2\)")
        # Alive, not ready: the start-up keeps trying.
        await wait_answer(f"{base}/healthz", 200)
        not_ready = await wait_answer(f"{base}/readyz", 503)
        assert '"telegram": false' in not_ready and '"database": true' in not_ready
        assert process.running

        fake_telegram.reset_polling_flag()
        proxy.restore()
        # The next try comes after the pause reached by then (doubling up to a minute).
        await fake_telegram.wait_polling(timeout=90)
        await wait_answer(f"{base}/readyz", 200)
        user = fake_telegram.user(5201)
        await user.send("/start")
        await user.wait_for("Оберіть мову", timeout=30)
        assert await process.stop() == 0
    finally:
        await proxy.stop()
    log = process.log_text()
    assert "Traceback" not in log
    # One line per try, not a retry storm: tries 1 s, 2 s, 4 s ... apart.
    tries = re.findall(r"not reached \(try (\d+)\)", log)
    assert tries == [str(n) for n in range(1, len(tries) + 1)]
    # The start-up's tries are its own, not the request retries' as well. (A message sent just
    # after the proxy's return may meet a connection the cut left dead and be retried once.)
    assert "retry 1 of GetMe" not in log


async def test_token_refused_stops_with_a_plain_message_and_exit_code_2(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    fake_telegram.inject("getMe", 401, "Unauthorized")
    process = await bot_factory().start()
    assert await process.wait(timeout=60) == 2
    log = process.log_text()
    assert "Traceback" not in log
    refusal = [line for line in log.splitlines() if "refused BOT_TOKEN" in line]
    assert len(refusal) == 1
    assert refusal[0].startswith("The bot will not start: Telegram at http://127.0.0.1:")
    assert "401 Unauthorized" in refusal[0] and "@BotFather" in refusal[0]
    assert fake_telegram.calls("getUpdates") == []


async def test_polling_conflict_is_logged_once_counted_and_outlasted(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    port = free_port()
    process = await bot_factory(extra_env={"METRICS_PORT": str(port)}).start()
    await fake_telegram.wait_polling(timeout=90)
    fake_telegram.inject("getUpdates", 409, times=3)
    user = fake_telegram.user(5301)
    await user.send("/start")  # ends the long poll; the next three get 409
    await user.wait_for("Оберіть мову")
    await wait_log(process, "polling resumed")
    await user.click("English")
    await user.wait_for("Consent to the processing")

    text = await wait_metric(f"http://127.0.0.1:{port}/metrics", "hromada_updates_total", 2)
    assert metric(text, "hromada_polling_conflicts_total") == 3
    assert metric(text, "hromada_bot_api_calls_total", method="getUpdates", result="4xx") == 3
    log = process.log_text()
    errors = [line for line in log.splitlines() if "409 Conflict" in line]
    assert len(errors) == 1, errors
    assert " ERROR " in errors[0]
    assert "another process is polling with this bot's token" in errors[0]
    assert "Failed to fetch updates" not in log  # aiogram's own line per retry
    assert await process.stop() == 0


async def test_webhook_sigterm_finishes_the_update_in_flight_and_exits_0(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = await bot_factory(
        extra_env={
            "WEBHOOK_URL": "https://bot.example.org",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        }
    ).start()
    await fake_telegram.wait_webhook(timeout=90)
    assert '"ready": true' in await wait_answer(f"{base}/readyz", 200)
    _, text = await get(f"{base}/metrics")
    assert metric(text, "hromada_bot_api_calls_total", method="setWebhook", result="ok") == 1
    fake_telegram.deliver_webhooks_to(f"{base}/telegram/webhook")

    # The answer waits 3 s for a 429 to pass: the update is in flight when SIGTERM comes.
    fake_telegram.inject("sendMessage", 429, retry_after=3)
    user = fake_telegram.user(5401, language_code="en")
    await user.send("/start")
    async with asyncio.timeout(20):
        while not any(e[:2] == ("sendMessage", 429) for e in fake_telegram.errors):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert process.process is not None
    process.process.terminate()
    await wait_log(process, r"waiting up to 15s for 1 update\(s\) in flight")
    # Stopping: the webhook refuses new deliveries and /readyz says so; /healthz stays up.
    status, body = await get(f"{base}/readyz")
    assert status == 503 and '"stopping": true' in body
    assert await process.wait(timeout=30) == 0
    await user.wait_for("Choose your language", timeout=1)
    log = process.log_text()
    assert "no update in flight; stopping the background workers" in log
    assert log.rstrip().endswith("stopped")
    assert "Traceback" not in log
    assert fake_telegram.webhook is not None  # left set for the next process
