"""How much one member may send to the secretariats: reports and questions to the experts.

Each kind has a limit per rolling 24 hours, lower while the member's membership is not yet
confirmed; rejected members file nothing. Co-signing a report is never limited. The check runs
inside the submitting transaction, after a statement that serialises the member's submissions
(a write on SQLite, a row lock on PostgreSQL), so two taps at once cannot both pass the last
free place.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import Verification

WINDOW = timedelta(hours=24)


class FilingRefused(Exception):
    """The member may not file this now."""


class MemberRejected(FilingRefused):
    """The secretariat rejected the membership: no reports or questions to the experts."""


class LimitReached(FilingRefused):
    """The member filed `limit` items in the last 24 hours; the next one is possible at
    `retry_at` (when the oldest counted one leaves the window)."""

    def __init__(self, limit: int, pending: bool, retry_at: datetime) -> None:
        super().__init__(f"{limit} in 24 h; again at {retry_at.isoformat()}")
        self.limit = limit
        self.pending = pending  # the lower limit of a member not yet verified
        self.retry_at = retry_at


@dataclass(frozen=True)
class FilingLimits:
    """Items per rolling 24 hours: for verified members, and for members pending verification."""

    verified: int
    pending: int

    def __post_init__(self) -> None:
        if self.verified < 1 or self.pending < 1:
            raise ValueError("filing limits start at 1")

    def check(self, verification: str, earlier: Iterable[datetime], now: datetime) -> None:
        """Raise MemberRejected or LimitReached for a member (by their verification) who filed
        at `earlier` moments and files again `now`."""
        if verification == Verification.REJECTED:
            raise MemberRejected
        pending = verification != Verification.VERIFIED
        limit = self.pending if pending else self.verified
        retry_at = next_allowed(earlier, limit, now)
        if retry_at is not None:
            raise LimitReached(limit, pending, retry_at)


def next_allowed(earlier: Iterable[datetime], limit: int, now: datetime) -> datetime | None:
    """None when one more fits in the 24 hours before `now`; else the moment enough of the
    counted items have left the window for one more."""
    counted = sorted(moment for moment in earlier if moment > now - WINDOW)
    if len(counted) < limit:
        return None
    # Of n counted items, n - limit + 1 must leave: the (n - limit)-th oldest is the last of them.
    return counted[len(counted) - limit] + WINDOW


# Services built without limits (tests, benchmarks, the command line) still refuse rejected members.
UNLIMITED = FilingLimits(sys.maxsize, sys.maxsize)
