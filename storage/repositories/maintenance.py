"""Daily maintenance runs repository: one `maintenance_runs` row per job and day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MaintenanceRun


async def add_run(session: AsyncSession, run: MaintenanceRun) -> MaintenanceRun:
    """Insert a claimed run; the unique (job, day) key makes a second one fail on flush."""
    session.add(run)
    await session.flush()
    return run


async def run_for(session: AsyncSession, job: str, day: str) -> MaintenanceRun | None:
    return await session.scalar(
        select(MaintenanceRun)
        .where(MaintenanceRun.job == job, MaintenanceRun.day == day)
        .execution_options(populate_existing=True)
    )


async def take_over(
    session: AsyncSession, run_id: int, old_claimed_at: datetime, holder: str, now: datetime
) -> bool:
    """Claim a run left claimed (or failed) by another process: a compare-and-set on
    `claimed_at`, so of two processes taking it over at once exactly one succeeds."""
    result = await session.execute(
        update(MaintenanceRun)
        .where(
            MaintenanceRun.id == run_id,
            MaintenanceRun.status.in_(("claimed", "failed")),
            MaintenanceRun.claimed_at == old_claimed_at,
        )
        .values(status="claimed", claimed_by=holder, claimed_at=now, error=None)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def touch(session: AsyncSession, run_id: int, holder: str, now: datetime) -> bool:
    """The holder is alive and working: its claim stays fresh. False when it lost the run."""
    result = await session.execute(
        update(MaintenanceRun)
        .where(
            MaintenanceRun.id == run_id,
            MaintenanceRun.status == "claimed",
            MaintenanceRun.claimed_by == holder,
        )
        .values(claimed_at=now)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def finish_run(
    session: AsyncSession,
    run_id: int,
    holder: str,
    *,
    status: str,
    counts: dict[str, Any] | None,
    error: str | None,
    finished_at: datetime,
) -> bool:
    """Record the outcome, if the run is still this holder's."""
    result = await session.execute(
        update(MaintenanceRun)
        .where(MaintenanceRun.id == run_id, MaintenanceRun.claimed_by == holder)
        .values(status=status, counts=counts, error=error, finished_at=finished_at)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]
