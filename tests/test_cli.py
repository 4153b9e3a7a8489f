"""The `hromada-bot` command line, as an operator uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES, ROOT

REAL_CODIFIER = ROOT.parent / "shared" / "data" / "katottg" / "kodifikator-16-05-2025.csv"
SETTINGS_VARS = (
    "BOT_TOKEN",
    "DATABASE_URL",
    "REDIS_URL",
    "ADMIN_IDS",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "TELEGRAM_API_URL",
    "TIMEZONE",
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    env.update(extra)
    return env


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder as the current one (no .env), with a SQLite database URL set."""
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    return tmp_path


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return code if isinstance(code, int) else 1


@pytest.mark.process
def test_run_without_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=clean_env(PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "BOT_TOKEN is not set" in result.stderr
    assert "@BotFather" in result.stderr and ".env" in result.stderr
    # A way to try the bot without Telegram is named, but not started in the token's place.
    assert "hromada-bot sandbox" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var").exists()  # stopped before touching the database


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN: BOT_TOKEN does not look like a token"),
        ("ADMIN_IDS", "12,abc", "ADMIN_IDS: ADMIN_IDS must be comma-separated Telegram user ids"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: DATABASE_URL must start with"),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE: TIMEZONE 'Mars/Olympus' is not an IANA"),
        ("WEBHOOK_URL", "https://bot.example.org", "WEBHOOK_SECRET is required with WEBHOOK_URL"),
        ("ADMIN_IDS", "12,²", "ADMIN_IDS: ADMIN_IDS must be comma-separated Telegram user ids"),
        ("ADMIN_IDS", "١٢", "ADMIN_IDS: ADMIN_IDS must be comma-separated Telegram user ids"),
    ],
)
def test_invalid_settings_are_named(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        main(["run"])
    message = str(exit_info.value.code)
    assert "The bot's settings are not valid" in message
    assert expected in message


@pytest.mark.parametrize(
    "secret",
    [
        "x",
        "s3cret-Token_1",
        "a" * 31,  # one short
        "a" * 257,
        "a" * 31 + "!",  # outside Telegram's alphabet
        "ключ" * 10,
    ],
)
def test_a_weak_webhook_secret_is_refused_at_start(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org")
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    with pytest.raises(SystemExit) as exit_info:
        main(["run"])
    message = str(exit_info.value.code)
    expected = "WEBHOOK_SECRET: WEBHOOK_SECRET must be 32 to 256 characters of A-Z a-z 0-9 _ -"
    assert expected in message
    assert "secrets.token_urlsafe(32)" in message  # how to make a good one
    assert len(secret) < 8 or secret not in message  # a secret, even a bad one, is not shown
    assert not (workdir / "bot.sqlite3").exists()  # refused before anything started


def test_a_webhook_secret_of_32_characters_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    secret = "A-z_0123456789" * 2 + "abcd"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        webhook_url="https://bot.example.org",
        webhook_secret=secret,  # type: ignore[arg-type]
    )
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == secret and len(secret) == 32


def test_settings_come_from_dotenv(workdir: Path) -> None:
    (workdir / ".env").write_text("ADMIN_IDS=5,6\nTIMEZONE=Europe/Kyiv\n", encoding="utf-8")
    from bot.settings import Settings

    assert Settings().admin_ids == frozenset({5, 6})


def test_db_upgrade_creates_the_database(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("db", "upgrade") == 0
    assert "latest schema" in capsys.readouterr().out
    assert (workdir / "bot.sqlite3").exists()


def test_hromadas_import_is_idempotent(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("hromadas", "import", str(FIXTURES / "katottg_small.csv")) == 0
    first = capsys.readouterr().out
    assert "Hromadas offered for registration:" in first
    assert "New: 0" not in first
    assert run_cli("hromadas", "import", str(FIXTURES / "katottg_small.csv")) == 0
    second = capsys.readouterr().out
    assert "New: 0" in second and "Updated: 0" in second


def test_a_malformed_codifier_is_refused_with_its_line(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (FIXTURES / "katottg_small.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(";H;", ";Z;")
    broken = workdir / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_cli("hromadas", "import", str(broken)) == 1
    error = capsys.readouterr().err
    assert "Import refused, nothing was changed" in error
    assert "broken.csv, line 4" in error and "unknown category 'Z'" in error


@pytest.mark.skipif(
    not REAL_CODIFIER.exists(), reason=f"the real codifier is not at {REAL_CODIFIER}"
)
def test_the_real_codifier_offers_1469_hromadas(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("hromadas", "import", str(REAL_CODIFIER)) == 0
    assert (
        "Hromadas offered for registration: 1469 (plus the city of Kyiv)" in capsys.readouterr().out
    )
    assert run_cli("hromadas", "import", str(REAL_CODIFIER)) == 0
    again = capsys.readouterr().out
    assert "New: 0" in again and "Updated: 0" in again


def test_admin_grant(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("admin", "grant", "123", "staff", "vag") == 0
    assert "User 123 is now staff of vag." in capsys.readouterr().out
    assert run_cli("admin", "grant", "123", "staff", "vag") == 0
    assert "already" in capsys.readouterr().out
    assert run_cli("admin", "grant", "123", "staff", "nope") == 2
    assert "No association has the code 'nope'" in capsys.readouterr().err
    assert run_cli("admin", "grant", "123", "staff") == 2
    assert run_cli("admin", "grant", "7", "admin") == 0
    assert "User 7 is now admin." in capsys.readouterr().out
