"""The process's Prometheus metrics, in one registry served at `/metrics`.

Labels are bounded sets (update types, outcomes, Bot API methods and results, states): never a
user id, chat id or text, so the series count stays small whatever the traffic.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "hromada_updates",
    "Telegram updates handled, by update type and outcome (ok, error, unavailable).",
    ["type", "outcome"],
    registry=REGISTRY,
)
UPDATE_SECONDS = Histogram(
    "hromada_update_handling_seconds",
    "Time to handle one update, from arrival to the handler's return.",
    ["type"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
BOT_API_CALLS = Counter(
    "hromada_bot_api_calls",
    "Bot API calls by method and result (ok, 429, 403, 4xx, 5xx, network).",
    ["method", "result"],
    registry=REGISTRY,
)
POLLING_CONFLICTS = Counter(
    "hromada_polling_conflicts",
    "409 Conflict answers to getUpdates: another process polls with this token.",
    registry=REGISTRY,
)
OUTBOX_ROWS = Gauge(
    "hromada_outbox_rows",
    "Announcement deliveries by state.",
    ["state"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_DUE = Gauge(
    "hromada_outbox_oldest_due_seconds",
    "Age of the oldest delivery due now of an announcement being sent; 0 when none waits. "
    "It grows while the outbox is stalled.",
    registry=REGISTRY,
)
OUTBOX_SENT = Counter(
    "hromada_outbox_sent",
    "Announcement deliveries settled by this process, by result (sent, failed, blocked).",
    ["result"],
    registry=REGISTRY,
)
DIGEST_RUNS = Counter(
    "hromada_digest_runs",
    "Digest runs finished by this process, by result (sent, failed, skipped).",
    ["result"],
    registry=REGISTRY,
)
REPORTS_OPEN = Gauge(
    "hromada_reports_open",
    "Reports not yet closed, by status.",
    ["status"],
    registry=REGISTRY,
)
REPORTS_OVERDUE = Gauge(
    "hromada_reports_overdue",
    "Open reports past their response deadline.",
    registry=REGISTRY,
)
CARDS_PENDING = Gauge(
    "hromada_cards_pending",
    "Staff-group cards missing (reports, questions, verifications) as the last sweep found them.",
    ["kind"],
    registry=REGISTRY,
)
CARDS_SWEPT = Counter(
    "hromada_cards_swept",
    "Cards the sweep posted that the normal path had not, by kind.",
    ["kind"],
    registry=REGISTRY,
)
DEPENDENCY_UP = Gauge(
    "hromada_dependency_up",
    "1 when the dependency answered the last check, else 0 (database, redis, telegram).",
    ["dependency"],
    registry=REGISTRY,
)
DB_STATEMENTS = Counter(
    "hromada_db_statements",
    "SQL statements this process sent to the database; divided by hromada_updates_total it is "
    "what one update costs the database.",
    registry=REGISTRY,
)


def count_statements(engine: AsyncEngine) -> None:
    """Count every statement `engine` executes in DB_STATEMENTS."""
    event.listen(engine.sync_engine, "after_cursor_execute", _count_statement)


def _count_statement(*_args: Any) -> None:
    DB_STATEMENTS.inc()
