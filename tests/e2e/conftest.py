"""Fixtures of the end-to-end tests: a fake Telegram server and the real bot process against it.

async def test_start(fake_telegram, bot_factory):
    bot = await bot_factory(admin_ids=[1]).start()
    await fake_telegram.wait_polling()
    user = fake_telegram.user(1001)
    await user.send("/start")
    await user.wait_for("Оберіть мову")
    assert not fake_telegram.violations
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotProcess, FakeTelegram

_E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


def _test_failed(request: pytest.FixtureRequest) -> bool:
    for when in ("setup", "call"):
        report = getattr(request.node, f"_e2e_report_{when}", None)
        if report is not None and report.failed:
            return True
    return False


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A started fake Bot API server (stopped after the test)."""
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _flush_redis(url: str) -> None:
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


@pytest.fixture
async def bot_factory(
    fake_telegram: FakeTelegram,
    database_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Callable[..., BotProcess]]:
    """`bot_factory(**kwargs) -> BotProcess` (not started) wired to the fake and a fresh DB.

    kwargs go to BotProcess (admin_ids, token, extra_env, argv, ...). Every process is killed at
    teardown; the logs of all of them are printed when the test failed. The shipped codifier is
    not imported on start (CODIFIER_IMPORT_ON_START=false) unless extra_env turns it on: the
    tests register with free-text hromadas or import a small codifier of their own.
    """
    redis_url = os.environ.get("TEST_REDIS_URL") or None
    if redis_url:
        await _flush_redis(redis_url)
    processes: list[BotProcess] = []

    def factory(**kwargs: Any) -> BotProcess:
        assert fake_telegram.base_url is not None
        options: dict[str, Any] = {
            "redis_url": redis_url,
            "workdir": tmp_path,
        }
        options.update(kwargs)
        options["extra_env"] = {
            "CODIFIER_IMPORT_ON_START": "false",
            **(kwargs.get("extra_env") or {}),
        }
        process = BotProcess(
            fake_telegram.base_url, options.pop("database_url", database_url), **options
        )
        processes.append(process)
        return process

    try:
        yield factory
    finally:
        for process in processes:
            await process.kill()
        if _test_failed(request):
            for number, process in enumerate(processes, 1):
                print(
                    f"\n===== bot process {number} ({process!r}), exit code "
                    f"{process.returncode} ====="
                )
                print(process.log_text()[-20000:] or "(empty log)")
            if fake_telegram.violations:
                print(f"\n===== Bot API violations =====\n{fake_telegram.violations}")
