"""Shared by the broadcast tests: members seeded straight into the database, a clock that does
not sleep, and the translations of the announcement texts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.content import AssociationInfo, load_associations
from bot.i18n import Translations
from bot.services.associations import sync_associations
from storage.db import Database
from storage.models import Association, Member, MemberAssociation, utcnow

VINNYTSIA = "UA05000000000010236"
VOLYN = "UA07000000000024379"


class FakeClock:
    """Wall and monotonic time that move only when something sleeps on them."""

    def __init__(self) -> None:
        self.base = utcnow()
        self.t = 1000.0

    def now(self) -> datetime:
        return self.base + timedelta(seconds=self.t - 1000.0)

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t = max(self.t, self.t + max(seconds, 0.0))
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


async def seed_members(
    db: Database,
    telegram_ids: Sequence[int],
    *,
    codes: Sequence[str] = ("vag",),
    oblast: str = VINNYTSIA,
    role: str = "hromada_head",
    locale: str | None = "uk",
    verified: bool = True,
    registered: bool = True,
    reachable: bool = True,
    muted: bool = False,
) -> None:
    """Members as registration leaves them, without going through it (fast for hundreds)."""
    now = utcnow()
    async with db.transaction() as session:
        association_ids = {
            a.code: a.id
            for a in await session.scalars(
                select(Association).where(Association.code.in_(list(codes)))
            )
        }
        members = [
            Member(
                telegram_id=telegram_id,
                full_name=f"Голова {telegram_id}",
                role=role,
                oblast_code=oblast,
                hromada_text="Іллінецька",
                locale=locale,
                verification="verified" if verified else "unverified",
                reachable=reachable,
                announcements_muted=muted,
                registered_at=now if registered else None,
                consent_at=now,
                associations=[],
            )
            for telegram_id in telegram_ids
        ]
        session.add_all(members)
        await session.flush()
        session.add_all(
            MemberAssociation(member_id=member.id, association_id=association_ids[code])
            for member in members
            for code in codes
        )


async def prepare(db: Database) -> list[AssociationInfo]:
    associations = load_associations()
    await sync_associations(db, associations)
    return associations


def translations() -> Translations:
    return Translations()
