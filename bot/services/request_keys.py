"""A press handled once: an action given a request key (the button press or message that asked
for it) stores the key with what it wrote, under a unique constraint. When two processes handle
the same press at once, the second one's write is refused and it answers with the first one's
result instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Member

T = TypeVar("T")


class _MembersRow(Protocol):
    """A row a member's press wrote: a report, a question, a consultation answer."""

    @property
    def member_id(self) -> int | None: ...


R = TypeVar("R", bound=_MembersRow)


@dataclass(frozen=True, kw_only=True)
class KeyedResult:
    """What a keyed action returns: `repeated` when an earlier press with the same key did it
    (nothing new to send)."""

    repeated: bool = False


async def once_per_key(
    db: Database,
    request_key: str | None,
    attempt: Callable[[], Awaitable[T]],
    earlier: Callable[[AsyncSession, str], Awaitable[T | None]],
) -> T:
    """Run `attempt` (which checks the key in its own transaction); when another process
    recorded the same key at the same moment, the unique key refuses this one and the
    earlier result is read instead: theirs stands."""
    try:
        return await attempt()
    except IntegrityError:
        if request_key is None:
            raise
        async with db.transaction() as session:
            found = await earlier(session, request_key)
        if found is None:
            raise
        return found


async def members_own(
    session: AsyncSession,
    find: Callable[[AsyncSession, str], Awaitable[R | None]],
    request_key: str,
    telegram_id: int,
) -> R | None:
    """The row `find` reads under `request_key` when this member wrote it: a key is the
    member's own, someone else's never shows theirs."""
    row = await find(session, request_key)
    if row is None or row.member_id is None:
        return None
    member = await session.get(Member, row.member_id)
    return row if member is not None and member.telegram_id == telegram_id else None
