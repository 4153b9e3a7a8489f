"""Digest schedules: when each digest is due, as time math with no database or Telegram.

Each association's digest goes to its bound staff group; the weekly joint digest (every report)
goes to every bound group, once per group. A missing `digest_schedules` row means the default:
associations daily at 09:00 on working days (Mon–Fri), the joint one on Mondays at 09:00, in the
bot's time zone (TIMEZONE, Europe/Kyiv). Local times survive DST changes: 09:00 is 09:00 in
winter and in summer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.models import DigestSchedule

JOINT = "joint"
WORKING_DAYS = (1, 2, 3, 4, 5)
EVERY_DAY = (1, 2, 3, 4, 5, 6, 7)
MONDAY = (1,)
DEFAULT_TIME = time(9, 0)
# Hours a group can choose from: the working day, whole hours (no DST gap falls in them).
HOURS = tuple(range(7, 21))


# ------------------------------------------------------------------------------ schedules


@dataclass(frozen=True)
class Schedule:
    """When one digest goes out. `weekdays`: ISO numbers, Monday = 1."""

    key: str
    weekdays: tuple[int, ...]
    at: time
    enabled: bool = True
    changed_at: datetime | None = None  # None: the default, never changed
    changed_by: int | None = None

    @property
    def is_default(self) -> bool:
        return self.changed_at is None

    @property
    def preset(self) -> str:
        """`working`, `daily`, `weekly`, `off` or `custom`: the settings' day buttons."""
        if not self.enabled or not self.weekdays:
            return "off"
        return {WORKING_DAYS: "working", EVERY_DAY: "daily", MONDAY: "weekly"}.get(
            self.weekdays, "custom"
        )


PRESETS: dict[str, tuple[int, ...]] = {
    "working": WORKING_DAYS,
    "daily": EVERY_DAY,
    "weekly": MONDAY,
}


def default_window(schedule: Schedule) -> timedelta:
    """How far back the first digest sent off schedule looks: a week for a weekly digest."""
    weekly = schedule.key == JOINT or len(schedule.weekdays) == 1
    return timedelta(days=7 if weekly else 1)


def default_schedule(key: str) -> Schedule:
    return Schedule(key, MONDAY if key == JOINT else WORKING_DAYS, DEFAULT_TIME)


def schedule_of(row: DigestSchedule | None, key: str) -> Schedule:
    """The schedule a `digest_schedules` row holds; the default without one."""
    if row is None:
        return default_schedule(key)
    weekdays = tuple(sorted(int(d) for d in row.weekdays.split(",") if d.strip().isdigit()))
    hours, minutes = (int(part) for part in row.time_of_day.split(":"))
    return Schedule(
        key, weekdays, time(hours, minutes), row.enabled, row.updated_at, row.updated_by
    )


def _slot(day: date, schedule: Schedule, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, schedule.at, tzinfo=tz).astimezone(UTC)


def latest_slot(schedule: Schedule, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The last time (UTC) this schedule was due at or before `now`; None when it is off."""
    if not schedule.enabled or not schedule.weekdays:
        return None
    today = now.astimezone(tz).date()
    for back in range(8):
        day = today - timedelta(days=back)
        if day.isoweekday() in schedule.weekdays:
            slot = _slot(day, schedule, tz)
            if slot <= now:
                return slot
    return None


def next_slot(schedule: Schedule, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The first time (UTC) this schedule is due after `now`; None when it is off."""
    if not schedule.enabled or not schedule.weekdays:
        return None
    today = now.astimezone(tz).date()
    for ahead in range(9):
        day = today + timedelta(days=ahead)
        if day.isoweekday() in schedule.weekdays:
            slot = _slot(day, schedule, tz)
            if slot > now:
                return slot
    return None


def previous_slot(schedule: Schedule, slot: datetime, tz: ZoneInfo) -> datetime:
    """The slot before `slot`; a day before when the schedule is off."""
    found = latest_slot(schedule, slot - timedelta(seconds=1), tz)
    return found if found is not None else slot - timedelta(days=1)


def local_days(
    start: datetime, end: datetime, tz: ZoneInfo
) -> list[tuple[date, datetime, datetime]]:
    """The local days touching [start, end), each with its UTC bounds clipped to the range."""
    days = []
    day = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    while day <= last:
        day_start = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
        day_end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
        days.append((day, max(day_start, start), min(day_end, end)))
        day += timedelta(days=1)
    return days
