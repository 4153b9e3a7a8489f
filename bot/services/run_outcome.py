"""What became of one post of a worker's run (a digest, a consultation summary) and the columns
its row is finished with."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict


class FinishedFields(TypedDict):
    """The columns a sent or failed run is finished with (beside the chat, named per table)."""

    status: str
    error: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class SendOutcome:
    """What became of one digest (or consultation summary): `chat_id` where it went (after a
    migration, the new id)."""

    sent: bool
    chat_id: int | None
    error: str | None = None

    @property
    def status(self) -> str:
        return "sent" if self.sent else "failed"

    def described(self) -> str:
        """For the log: "sent", or "failed: " and the error."""
        return "sent" if self.sent else f"failed: {self.error}"

    def finished(self, now: datetime) -> FinishedFields:
        """The run's row as this outcome leaves it (the error cut to the column's size)."""
        return FinishedFields(
            status=self.status,
            error=self.error[:200] if self.error else None,
            sent_at=now if self.sent else None,
        )


NO_BOUND_GROUP = "no bound group"  # the error of a run whose group was unbound meanwhile


async def outcome_of(
    send: Callable[[], Awaitable[SendOutcome]],
    chat_id: int | None,
    failure: str,
    run_id: int,
    *,
    log: logging.Logger,
) -> SendOutcome:
    """What `send` returns; an exception it raises (other than cancellation) is logged to
    `log` with `failure` % run_id and becomes a failed outcome naming the exception's type."""
    try:
        return await send()
    except asyncio.CancelledError:
        raise
    except Exception as error:
        log.exception(failure, run_id)
        return SendOutcome(False, chat_id, type(error).__name__)
