"""The deploy kit: compose.yaml runs the image of the Dockerfile with PostgreSQL and Redis,
every service health-checked, data on named volumes, secrets from `.env`, and every variable it
gives the bot a setting the bot knows, valid in polling and in webhook mode."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings
from tests.conftest import ROOT

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
BOT: dict[str, Any] = SERVICES["bot"]
# ${NAME}, ${NAME:-default}, ${NAME:?error}: compose fills these in from .env or the shell.
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")
SAMPLE_SECRET = "Ab3_" * 10


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment`, in either of compose's two forms, values as strings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(name): "" if value is None else str(value) for name, value in env.items()}


def filled_in(value: str, values: dict[str, str]) -> str:
    return INTERPOLATION.sub(lambda match: values[match.group(1)], value)


def dockerfile_exposed() -> set[int]:
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    return {
        int(port.split("/")[0])
        for line in lines
        if line.startswith("EXPOSE ")
        for port in line.split()[1:]
    }


def test_every_variable_given_to_the_bot_is_a_setting() -> None:
    known = {name.upper() for name in Settings.model_fields}
    given = set(environment(BOT))
    assert given, "compose.yaml gives the bot no environment"
    assert given <= known, f"not settings of the bot: {sorted(given - known)}"


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_the_bot_environment_is_valid_in_both_modes(
    mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What compose gives the bot, with `.env`'s values filled in, passes the bot's checks."""
    dot_env = {"POSTGRES_PASSWORD": "s3cretPassw0rd", "WEBHOOK_URL": ""}
    if mode == "webhook":
        dot_env["WEBHOOK_URL"] = "https://bot.example.org"
        monkeypatch.setenv("WEBHOOK_SECRET", SAMPLE_SECRET)  # from .env through env_file
    for name in Settings.model_fields:
        if name.upper() != "WEBHOOK_SECRET":
            monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment(BOT).items():
        monkeypatch.setenv(name, filled_in(value, dot_env))
    monkeypatch.chdir(tmp_path)  # no .env of the developer's

    settings = Settings()

    assert (settings.webhook_url is None) == (mode == "polling")
    postgres = environment(SERVICES["postgres"])
    database = f"{postgres['POSTGRES_USER']}:s3cretPassw0rd@postgres:5432/{postgres['POSTGRES_DB']}"
    assert settings.database_url == f"postgresql+asyncpg://{database}"
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.metrics_port is not None and settings.metrics_host == "0.0.0.0"
    assert settings.webhook_host == "0.0.0.0"


def test_the_bot_is_built_from_the_dockerfile() -> None:
    build = BOT["build"]
    assert build["context"] == "."
    assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    assert (ROOT / build["context"] / "Dockerfile").is_file()


def test_postgres_and_redis_are_health_checked_and_awaited() -> None:
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert " ".join(SERVICES["redis"]["healthcheck"]["test"]).endswith("redis-cli ping")
    assert BOT["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_the_bot_health_check_asks_readyz_on_the_metrics_port() -> None:
    test = BOT["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    port = environment(BOT)["METRICS_PORT"]
    assert f"http://127.0.0.1:{port}/readyz" in test[3]


class _Readiness(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = type(self).status if self.path == "/readyz" else 404
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"ready\n" if code == 200 else b"not ready\n")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def readiness_server() -> Iterator[tuple[int, type[_Readiness]]]:
    handler = type("Readiness", (_Readiness,), {"status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


def test_the_bot_health_check_passes_only_on_a_ready_answer(
    readiness_server: tuple[int, type[_Readiness]],
) -> None:
    """The health check's own Python line, run against a stand-in for the bot's /readyz."""
    port, handler = readiness_server
    metrics_port = environment(BOT)["METRICS_PORT"]
    code = BOT["healthcheck"]["test"][3].replace(f":{metrics_port}/", f":{port}/")

    def check() -> int:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, timeout=30, check=False
        ).returncode

    assert check() == 0
    handler.status = 503
    assert check() != 0
    handler.status = 200
    assert check() == 0


def test_data_lives_on_named_volumes() -> None:
    declared = set(COMPOSE["volumes"])
    mounts = {
        name: [str(volume).split(":")[:2] for volume in service.get("volumes", [])]
        for name, service in SERVICES.items()
    }
    assert mounts["postgres"] == [["postgres-data", "/var/lib/postgresql/data"]]
    assert mounts["redis"] == [["redis-data", "/data"]]
    for name, volumes in mounts.items():
        for source, _target in volumes:
            assert source in declared, f"{name} mounts {source}, not a named volume"


def test_the_ports_the_bot_serves_are_exposed_by_the_image() -> None:
    env = environment(BOT)
    serving = {int(env["WEBHOOK_PORT"]), int(env["METRICS_PORT"])}
    published = {int(str(mapping).rsplit(":", 1)[1]) for mapping in BOT["ports"]}
    assert published == serving
    assert serving <= dockerfile_exposed()
    assert Settings.model_fields["webhook_port"].default in dockerfile_exposed()


def test_secrets_come_from_an_env_file_that_is_never_committed_nor_built_in() -> None:
    assert BOT["env_file"] in (".env", [".env"])
    env = environment(BOT)
    assert not {"BOT_TOKEN", "WEBHOOK_SECRET"} & set(env), "secrets belong in .env"
    for service in SERVICES.values():
        for name, value in environment(service).items():
            if "PASSWORD" in name or "@" in value:
                assert "${POSTGRES_PASSWORD" in value, f"{name} holds a password in the file"
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", "var", "tests", "**/*.sqlite3", "**/*.dump"} <= set(ignored)
