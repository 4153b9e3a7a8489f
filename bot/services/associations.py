"""Associations: synced from the content file into the database at start."""

from __future__ import annotations

from bot.content import AssociationInfo
from storage.db import Database
from storage.models import Association
from storage.repositories import associations as repo


async def sync_associations(db: Database, infos: list[AssociationInfo]) -> None:
    """Insert or update every association of the content file; ones removed become inactive."""
    async with db.transaction() as session:
        await repo.take_turns_syncing(session)
        existing = {row.code: row for row in await repo.all_associations(session)}
        for info in infos:
            row = existing.pop(info.code, None)
            if row is None:
                row = Association(code=info.code)
                session.add(row)
            row.name_uk, row.name_en = info.name_uk, info.name_en
            row.short_uk, row.short_en = info.short_uk, info.short_en
            row.website, row.position, row.active = info.website, info.position, True
        for row in existing.values():
            row.active = False
