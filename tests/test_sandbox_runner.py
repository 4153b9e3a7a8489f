"""`hromada-bot sandbox` as a person starts it: a subprocess serving the page, seeding its data
dir on the first start, answering through the page's JSON API, reset, a clean stop; and how
`dev.py run` leads to it when no token is configured (`hromada-bot run` naming it: test_cli.py)."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.app import Content
from bot.emulator import BotProcess, FakeTelegram
from bot.sandbox import runner
from bot.sandbox.personas import STAFF_GROUPS, persona
from tests.conftest import ROOT

HEAD_UK = persona("head-uk")
HEAD_EN = persona("head-en")
OFFICER_VAG = persona("officer-vag")
VAG_GROUP = next(g.chat_id for g in STAFF_GROUPS if g.association == "vag")
# Settings that would break the bot if they reached the sandbox's bot process.
HOSTILE_SETTINGS = {
    "BOT_TOKEN": "987654321:LEAKED-not-the-sandbox-token-xxxx",
    "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/nothing",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "WEBHOOK_URL": "https://example.invalid/hook",
    "TELEGRAM_API_URL": "http://127.0.0.1:1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxRun:
    """One `python -m bot sandbox` process; its output is collected as it comes."""

    def __init__(self, cwd: Path, data_dir: Path, port: int, *extra: str) -> None:
        self.port = port
        env = {**os.environ, **HOSTILE_SETTINGS, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "bot", "sandbox", "--port", str(port)]
        self.process = subprocess.Popen(
            [*command, "--data-dir", str(data_dir), *extra],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def api(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
            request.add_header("X-Sandbox-Client", "1")
        with urllib.request.urlopen(request, timeout=60) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def texts(self, persona_key: str, chat_id: int) -> list[str]:
        found = self.api(f"/api/chats/{chat_id}/messages?persona={persona_key}")
        return [m.get("text") or m.get("caption") or "" for m in found["messages"]]

    def cards(self, persona_key: str, chat_id: int) -> list[str]:
        """The group's cards: its texts but the closed consultation's final summary (its text,
        chart and spreadsheet), which the bot posts once, on its own time, after the start."""
        return [
            text
            for text in self.texts(persona_key, chat_id)
            if "🏁" not in text and not text.startswith(("📊", "📎"))
        ]

    def wait(self, what: str, check: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the sandbox exited while waiting for {what}:\n{self.output}")
            try:
                if check():
                    return
            except OSError:
                pass  # the page is not listening yet
            time.sleep(0.3)
        raise AssertionError(f"no {what} within {timeout} s; output:\n{self.output}")

    def wait_running(self) -> None:
        self.wait("bot running", lambda: self.api("/api/state")["status"]["bot"] == "running")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code, time.monotonic() - started


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Callable[..., SandboxRun]]:
    """Start sandboxes in tmp_path (with a .env the sandbox must ignore); killed at the end."""
    (tmp_path / ".env").write_text(
        "".join(f"{key}={value}\n" for key, value in HOSTILE_SETTINGS.items()), encoding="utf-8"
    )
    runs: list[SandboxRun] = []

    def start(data_dir: Path, port: int, *extra: str) -> SandboxRun:
        run = SandboxRun(tmp_path, data_dir, port, *extra)
        runs.append(run)
        return run

    yield start
    for run in runs:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


@pytest.mark.process
def test_sandbox_seeds_answers_resets_and_stops(
    sandbox: Callable[..., SandboxRun], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    first = sandbox(data_dir, port)
    first.wait_running()
    assert f"http://127.0.0.1:{port}" in first.output and str(data_dir) in first.output
    assert "Ctrl+C" in first.output and "WARNING" not in first.output
    assert "first start: example data created" in first.output

    # The seeded cards are in the VAG group already, the announcement reached head-en.
    cards = first.cards(OFFICER_VAG.key, VAG_GROUP)
    assert any("Підвезення учнів до опорного ліцею" in text for text in cards)
    assert any("Bridge on the road" in text and "у роботі" in text for text in cards)
    assert any("Як громаді оформити співфінансування" in text for text in cards)
    first.wait(
        "the announcement for head-en",
        lambda: any("Webinar" in t for t in first.texts(HEAD_EN.key, HEAD_EN.user_id)),
    )
    # The closed consultation's final summary reaches the group, the open one head-en.
    first.wait(
        "the closed consultation's summary",
        lambda: any(
            "🏁" in t and "Пріоритети асоціацій на 2027 рік" in t
            for t in first.texts(OFFICER_VAG.key, VAG_GROUP)
        ),
    )
    first.wait(
        "the open consultation for head-en",
        lambda: any(
            "Consultation: Законопроєкт № 1234" in t
            for t in first.texts(HEAD_EN.key, HEAD_EN.user_id)
        ),
    )

    # The Ukrainian head, not registered, starts the bot and is asked for a language.
    first.api("/api/send", {"persona": HEAD_UK.key, "chat_id": HEAD_UK.user_id, "text": "/start"})
    first.wait(
        "the language question",
        lambda: any("Оберіть мову" in t for t in first.texts(HEAD_UK.key, HEAD_UK.user_id)),
    )

    # Reset: the chat is empty again, the cards are back once, the bot runs again.
    first.api("/api/reset", {"confirm": True})
    assert first.texts(HEAD_UK.key, HEAD_UK.user_id) == []
    assert len(first.cards(OFFICER_VAG.key, VAG_GROUP)) == len(cards)
    first.wait_running()

    code, seconds = first.stop()
    assert code == 0, first.output
    assert seconds < 15
    assert "Traceback" not in first.output
    assert "sandbox: stopped" in first.output
    bot_log = (data_dir / "bot.log").read_text(encoding="utf-8")
    assert "Run polling for bot @" in bot_log and "id=100000001" in bot_log  # its own token

    # The same data dir again, on every address: no second seed, the same cards, a warning.
    second = sandbox(data_dir, port, "--host", "0.0.0.0")
    second.wait_running()
    assert "first start" not in second.output
    assert "WARNING" in second.output and "anyone who can reach" in second.output
    assert len(second.cards(OFFICER_VAG.key, VAG_GROUP)) == len(cards)
    code, _ = second.stop(signal.SIGINT)  # Ctrl+C
    assert code == 0, second.output
    assert "Traceback" not in second.output


@pytest.mark.process
def test_port_in_use_is_one_clear_line_and_exit_2(
    sandbox: Callable[..., SandboxRun], tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        run = sandbox(tmp_path / "data", port)
        code = run.process.wait(timeout=60)
    run._reader.join(timeout=5)
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in run.output
    assert "--port" in run.output and "Traceback" not in run.output


# A bot that polls once, then dies: the emulator sees it running, then the process is gone.
POLL_ONCE_AND_DIE = """
import os, sys, time, urllib.request
url = os.environ["TELEGRAM_API_URL"] + "/bot" + os.environ["BOT_TOKEN"] + "/getUpdates"
urllib.request.urlopen(url, data=b"", timeout=10).read()
time.sleep(0.5)
sys.exit(3)
"""


@pytest.mark.process
async def test_a_bot_process_that_dies_is_started_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class DyingBot(BotProcess):
        starts = 0

        async def start(self) -> BotProcess:
            self.argv = [sys.executable, "-c", POLL_ONCE_AND_DIE]
            DyingBot.starts += 1
            return await super().start()

    monkeypatch.setattr(runner, "BotProcess", DyingBot)
    monkeypatch.setattr(runner, "RESTART_FIRST_DELAY", 0.3)
    emulator = FakeTelegram()
    await emulator.start()
    out = io.StringIO()
    sandbox = runner.Sandbox(tmp_path, emulator, Content.load(), out)
    seen = []
    try:
        sandbox.start_bot()
        async with asyncio.timeout(30):
            while DyingBot.starts < 3 or seen[-1:] != ["running"]:
                status = sandbox.status()["bot"]
                if not seen or seen[-1] != status:
                    seen.append(status)
                await asyncio.sleep(0.02)
    finally:
        await sandbox.close()
        await emulator.stop()
    assert seen[:4] == ["starting", "running", "restarting", "starting"]
    status = sandbox.status()
    assert status["bot"] == "stopped" and str(status["data_dir"]).endswith(tmp_path.name)
    said = out.getvalue()
    # The pause doubles: 0.3 s, then 0.6 s.
    assert "the bot process stopped (exit code 3); starting it again in 0 s" in said
    assert "starting it again in 1 s" in said
    assert "bot.log" in os.listdir(tmp_path)


@pytest.fixture(scope="module")
def dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("dotenv", "environ", "configured"),
    [
        (None, {}, False),
        ("", {}, False),
        ("# BOT_TOKEN=123456:commented-out-token-xxxxxxxx\n", {}, False),
        ("BOT_TOKEN=\nDATABASE_URL=sqlite+aiosqlite:///x\n", {}, False),
        ('BOT_TOKEN=""\n', {}, False),
        ("BOT_TOKEN=123456:AAHtoken-token-token-token\n", {}, True),
        ("export BOT_TOKEN='123456:AAHtoken-token-token'  # from BotFather\n", {}, True),
        ('  BOT_TOKEN = "123456:AAHtoken-token-token"\n', {}, True),
        ("BOT_TOKEN=123456:AAHtoken-token-token\nBOT_TOKEN=\n", {}, False),  # the last wins
        (None, {"BOT_TOKEN": "123456:AAHtoken-token-token"}, True),
        (None, {"BOT_TOKEN": "  "}, False),
        ("BOT_TOKEN=123456:AAHtoken-token-token\n", {"BOT_TOKEN": ""}, False),  # env wins
    ],
)
def test_dev_py_sees_whether_a_token_is_configured(
    dev: ModuleType,
    tmp_path: Path,
    dotenv: str | None,
    environ: dict[str, str],
    configured: bool,
) -> None:
    path = tmp_path / ".env"
    if dotenv is not None:
        path.write_text(dotenv, encoding="utf-8")
    assert dev.token_configured(environ, path) is configured


def test_dev_py_help_names_the_sandbox() -> None:
    result = subprocess.run(
        [sys.executable, ROOT / "dev.py", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "dev.py run sandbox" in result.stdout and "no BOT_TOKEN" in result.stdout
