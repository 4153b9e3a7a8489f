"""Health, readiness and metrics: what the endpoints answer, what the counters and gauges hold,
and that their labels stay bounded."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import GetUpdates, SendMessage
from aiogram.types import Chat, Message, Update
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.emulator import FakeTelegram
from bot.metrics import REGISTRY, count_statements
from bot.middlewares import UpdateLogMiddleware
from bot.observability import (
    BotApiMetrics,
    GaugeRefresher,
    Heartbeat,
    JsonLogFormatter,
    Readiness,
    add_routes,
    call_result,
)
from bot.retry import PollingConflicts
from storage.db import Database
from storage.models import Broadcast, BroadcastDelivery, Member, Report

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuv"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------------------ Bot API calls


@pytest.fixture
async def counted_bot() -> AsyncIterator[tuple[Bot, FakeTelegram]]:
    fake = FakeTelegram()
    url = await fake.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(url))
    session.middleware(BotApiMetrics())
    bot = Bot(TOKEN, session=session)
    await fake.user(77).send("hi")
    yield bot, fake
    await session.close()
    await fake.stop()


async def test_bot_api_calls_are_counted_by_method_and_result(
    counted_bot: tuple[Bot, FakeTelegram],
) -> None:
    bot, fake = counted_bot
    ok = sample("hromada_bot_api_calls_total", method="sendMessage", result="ok")
    refused = sample("hromada_bot_api_calls_total", method="sendMessage", result="403")
    await bot.send_message(77, "привіт")
    fake.block(77)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(77, "ще раз")
    assert sample("hromada_bot_api_calls_total", method="sendMessage", result="ok") == ok + 1
    assert sample("hromada_bot_api_calls_total", method="sendMessage", result="403") == refused + 1


def test_call_results_are_a_bounded_set() -> None:
    from aiogram.exceptions import (
        TelegramBadRequest,
        TelegramConflictError,
        TelegramEntityTooLarge,
        TelegramNetworkError,
        TelegramRetryAfter,
        TelegramServerError,
        TelegramUnauthorizedError,
    )

    method = SendMessage(chat_id=1, text="x")
    cases = {
        None: "ok",
        TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=3): "429",
        TelegramForbiddenError(method=method, message="Forbidden: bot was blocked"): "403",
        TelegramBadRequest(method=method, message="Bad Request: chat not found"): "4xx",
        TelegramConflictError(method=method, message="Conflict"): "4xx",
        TelegramUnauthorizedError(method=method, message="Unauthorized"): "4xx",
        TelegramEntityTooLarge(method=method, message="Request Entity Too Large"): "4xx",
        TelegramServerError(method=method, message="Bad Gateway"): "5xx",
        TelegramNetworkError(method=method, message="Cannot connect"): "network",
        TimeoutError(): "network",
    }
    for error, result in cases.items():
        assert call_result(error) == result, error


# ------------------------------------------------------------------------------ updates


def _update(update_id: int) -> Update:
    chat = Chat(id=555_000_111, type="private")
    message = Message(message_id=1, date=NOW, chat=chat, text="текст члена")
    return Update(update_id=update_id, message=message)


async def test_updates_are_counted_by_type_and_outcome(caplog: pytest.LogCaptureFixture) -> None:
    middleware = UpdateLogMiddleware()

    async def handled(_event: Any, _data: dict[str, Any]) -> str:
        assert middleware.in_flight.count == 1
        return "done"

    async def broken(_event: Any, _data: dict[str, Any]) -> None:
        raise ValueError("a fault in the handler")

    async def database_down(_event: Any, _data: dict[str, Any]) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "refused"))

    before = {
        outcome: sample("hromada_updates_total", type="message", outcome=outcome)
        for outcome in ("ok", "error", "unavailable")
    }
    count_before = sample("hromada_update_handling_seconds_count", type="message")
    with caplog.at_level(logging.INFO, logger="bot.updates"):
        assert await middleware(handled, _update(1), {}) == "done"
        with pytest.raises(ValueError):
            await middleware(broken, _update(2), {})
        with pytest.raises(OperationalError):
            await middleware(database_down, _update(3), {})
    for outcome in ("ok", "error"):
        after = sample("hromada_updates_total", type="message", outcome=outcome)
        assert after == before[outcome] + 1, outcome
    # An outage's refused update is the outage notice's to count (tests/test_outage.py), once.
    after = sample("hromada_updates_total", type="message", outcome="unavailable")
    assert after == before["unavailable"]
    assert sample("hromada_update_handling_seconds_count", type="message") == count_before + 3
    assert middleware.in_flight.count == 0

    # A JSON line of an update: its fields, neither the member's id nor their text.
    record = next(r for r in caplog.records if getattr(r, "update_id", None) == 2)
    line = json.loads(JsonLogFormatter().format(record))
    assert line["message"] == "update handled"
    assert line["update_id"] == 2 and line["update_type"] == "message"
    assert line["outcome"] == "error" and line["duration_ms"] >= 0
    assert {"time", "level", "logger"} <= set(line)
    assert "555000111" not in json.dumps(line) and "текст" not in json.dumps(line)


# ------------------------------------------------------------------------------ 409 Conflict


async def test_polling_conflicts_are_counted_each_and_logged_once_per_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from aiogram.exceptions import TelegramConflictError

    method = GetUpdates()
    answers: list[Any] = [
        TelegramConflictError(method=method, message="Conflict: terminated by other getUpdates")
    ] * 3 + ["updates"]

    async def make_request(_bot: Any, _method: Any) -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    conflicts = PollingConflicts(first_delay=0.01, max_delay=0.02, window=60)
    before = sample("hromada_polling_conflicts_total")
    with caplog.at_level(logging.INFO, logger="bot.retry"):
        assert await conflicts.poll(make_request, None, method) == "updates"  # type: ignore[arg-type]
    assert sample("hromada_polling_conflicts_total") == before + 3
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "another process is polling with this bot's token" in errors[0].getMessage()
    assert any("polling resumed" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------------------ readiness


async def test_readiness_of_a_migrated_database(db: Database) -> None:
    readiness = Readiness(db, None)
    assert await readiness.check() == {"database": True, "migrations": True, "telegram": False}
    readiness.telegram = True
    assert all((await readiness.check()).values())
    assert sample("hromada_dependency_up", dependency="database") == 1
    assert sample("hromada_dependency_up", dependency="telegram") == 1


async def test_readiness_says_what_is_missing(tmp_path: Any) -> None:
    empty = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    readiness = Readiness(empty, f"redis://127.0.0.1:{closed_port()}/0")
    try:
        checks = await readiness.check()
    finally:
        await readiness.close()
        await empty.close()
    # Reachable but not migrated; Redis refused; Telegram not reached yet.
    assert checks == {"database": True, "migrations": False, "redis": False, "telegram": False}
    assert sample("hromada_dependency_up", dependency="redis") == 0


async def test_health_endpoints(db: Database) -> None:
    heartbeat = Heartbeat()
    readiness = Readiness(db, None)
    app = web.Application()
    add_routes(app, heartbeat, readiness)
    async with TestClient(TestServer(app)) as client:
        answer = await client.get("/healthz")
        assert answer.status == 200 and (await answer.json())["alive"] is True
        answer = await client.get("/readyz")
        assert answer.status == 503  # Telegram not reached yet
        assert (await answer.json())["checks"]["telegram"] is False
        readiness.telegram = True
        answer = await client.get("/readyz")
        assert answer.status == 200 and (await answer.json())["ready"] is True
        readiness.stopping = True
        answer = await client.get("/readyz")
        assert answer.status == 503 and (await answer.json())["stopping"] is True
        heartbeat.last_tick -= 10  # the event loop did not turn for ten seconds
        assert (await client.get("/healthz")).status == 503
        answer = await client.get("/metrics")
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert "hromada_updates_total" in await answer.text()


# ------------------------------------------------------------------------------ gauges


async def test_gauges_count_the_outbox_and_open_reports(db: Database) -> None:
    async with db.transaction() as session:
        members = [Member(telegram_id=9000 + n, locale="uk") for n in range(4)]
        session.add_all(members)
        sending = Broadcast(
            author_telegram_id=1, text_uk="Оголошення", audience={}, status="sending"
        )
        paused = Broadcast(author_telegram_id=1, text_uk="Пауза", audience={}, status="paused")
        session.add_all([sending, paused])
        await session.flush()
        session.add_all(
            [
                BroadcastDelivery(
                    broadcast_id=sending.id,
                    member_id=members[0].id,
                    chat_id=1,
                    locale="uk",
                    status="pending",
                    next_attempt_at=NOW - timedelta(minutes=20),
                ),
                BroadcastDelivery(
                    broadcast_id=sending.id,
                    member_id=members[1].id,
                    chat_id=2,
                    locale="uk",
                    status="sent",
                    next_attempt_at=NOW - timedelta(hours=1),
                ),
                # Waiting on a paused announcement: not a stall.
                BroadcastDelivery(
                    broadcast_id=paused.id,
                    member_id=members[2].id,
                    chat_id=3,
                    locale="uk",
                    status="pending",
                    next_attempt_at=NOW - timedelta(days=1),
                ),
            ]
        )
        for number, (status, deadline) in enumerate(
            [
                ("new", NOW + timedelta(days=1)),
                ("new", NOW - timedelta(hours=1)),  # overdue
                ("in_progress", NOW - timedelta(days=3)),  # overdue
                ("resolved", NOW - timedelta(days=3)),  # closed: neither open nor overdue
            ]
        ):
            session.add(
                Report(
                    reference=f"R-2026-{number:05d}",
                    member_id=members[3].id,
                    status=status,
                    category="education",
                    urgency="normal",
                    title="Школа",
                    description="Опис",
                    deadline_at=deadline,
                )
            )
    await GaugeRefresher(db, Readiness(db, None)).refresh(now=NOW)
    assert sample("hromada_outbox_rows", state="pending") == 2
    assert sample("hromada_outbox_rows", state="sent") == 1
    assert sample("hromada_outbox_rows", state="failed") == 0
    assert sample("hromada_outbox_oldest_due_seconds") == 20 * 60
    assert sample("hromada_reports_open", status="new") == 2
    assert sample("hromada_reports_open", status="in_progress") == 1
    assert sample("hromada_reports_open", status="escalated") == 0
    assert sample("hromada_reports_overdue") == 2


async def test_statement_counter_counts_what_the_engine_sends(db: Database) -> None:
    count_statements(db.engine)
    before = sample("hromada_db_statements_total")
    async with db.transaction() as session:
        await session.execute(text("SELECT 1"))
        await session.execute(text("SELECT 2"))
    assert sample("hromada_db_statements_total") == before + 2
