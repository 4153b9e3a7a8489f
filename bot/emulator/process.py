"""The real bot (`python -m bot run`) as a subprocess pointed at a fake Telegram server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from bot.settings import Settings

# The folder holding the `bot` package: a source checkout, or site-packages when installed.
REPO_ROOT = Path(__file__).resolve().parents[2]
# In a checkout the child imports the sources from REPO_ROOT whatever its working directory.
_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file()
DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuv"

# Settings the bot reads; inherited values (and a stray .env) must not leak into a test run.
_BOT_ENV = frozenset(name.upper() for name in Settings.model_fields)


class BotProcess:
    """One run of the bot; `start()`, then `stop()` (SIGTERM) or `kill()` (SIGKILL)."""

    _counter = 0

    def __init__(
        self,
        api_url: str,
        database_url: str,
        *,
        redis_url: str | None = None,
        admin_ids: Sequence[int] = (),
        token: str = DEFAULT_TOKEN,
        extra_env: Mapping[str, str] | None = None,
        workdir: Path | str,
        argv: Sequence[str] | None = None,
        cwd: Path | str | None = None,
        log_path: Path | str | None = None,
    ) -> None:
        """`cwd` defaults to the checkout (an installed package: `workdir`); the log goes to
        `log_path`, by default a new `bot-N.log` in `workdir`."""
        self.api_url = api_url
        self.database_url = database_url
        self.redis_url = redis_url
        self.admin_ids = tuple(admin_ids)
        self.token = token
        self.extra_env = dict(extra_env or {})
        self.workdir = Path(workdir)
        self.argv = list(argv) if argv is not None else [sys.executable, "-m", "bot", "run"]
        if cwd is not None:
            self.cwd = Path(cwd)
        else:
            self.cwd = REPO_ROOT if _CHECKOUT else self.workdir
        BotProcess._counter += 1
        self.log_path = (
            Path(log_path)
            if log_path is not None
            else self.workdir / f"bot-{BotProcess._counter}.log"
        )
        self.process: asyncio.subprocess.Process | None = None
        self._log_file: IO[bytes] | None = None

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in _BOT_ENV}
        # Explicit values override whatever a .env in the working directory says; blank
        # REDIS_URL / WEBHOOK_URL mean "unset" to the settings.
        env.update(
            {
                "BOT_TOKEN": self.token,
                "TELEGRAM_API_URL": self.api_url,
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url or "",
                "ADMIN_IDS": ",".join(str(i) for i in self.admin_ids),
                "WEBHOOK_URL": "",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if _CHECKOUT:
            paths = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
            env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        env.update(self.extra_env)
        return env

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> BotProcess:
        if self.running:
            raise RuntimeError("the bot process is already running")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._close_log()
        self._log_file = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=str(self.cwd),
            env=self.environment(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
        return self

    async def wait(self, timeout: float | None = None) -> int:  # noqa: ASYNC109
        """Wait for the process to exit by itself; returns its exit code."""
        if self.process is None:
            raise RuntimeError("the bot process was never started")
        code = await asyncio.wait_for(self.process.wait(), timeout)
        self._close_log()
        return code

    async def kill(self) -> int | None:
        """SIGKILL, like a crash or an OOM kill."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGKILL)
        code = await self.process.wait()
        self._close_log()
        return code

    async def stop(self, timeout: float = 10) -> int | None:  # noqa: ASYNC109
        """SIGTERM (graceful shutdown), SIGKILL after `timeout` seconds."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                return await self.kill()
        self._close_log()
        return self.process.returncode

    def log_text(self) -> str:
        if self._log_file is not None:
            self._log_file.flush()
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __repr__(self) -> str:
        return f"<BotProcess {' '.join(self.argv)!r} pid={getattr(self.process, 'pid', None)}>"
