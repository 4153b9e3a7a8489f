"""What a member is told when the bot will not take a report or a question to the experts:
over the daily limit (and when they can file again), or their membership was rejected."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.filing_limits import FilingRefused, LimitReached
from dialogs.presenters import local_time

Kind = Literal["report", "question"]


def again_at(t: Translator, moment: datetime, tz: ZoneInfo, now: datetime) -> str:
    """`сьогодні о 14:05`, `завтра о 09:30`, or the date further on, in the bot's time zone."""
    local = moment.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    time = local.strftime("%H:%M")
    if days <= 0:
        return t("filing-today", time=time)
    if days == 1:
        return t("filing-tomorrow", time=time)
    return t("filing-on", moment=local_time(moment, tz))


def refusal_text(
    t: Translator, kind: Kind, error: FilingRefused, tz: ZoneInfo, now: datetime | None = None
) -> str:
    """Why the bot refused, and what the member can do: when they can file again, or, when
    their membership was rejected, how to get it reviewed."""
    if not isinstance(error, LimitReached):
        return t(f"filing-{kind}-rejected")
    # Rounded up to the minute: at "14:06" it is possible, at 14:05:30 it was not yet.
    retry_at = error.retry_at.replace(second=0, microsecond=0)
    if retry_at < error.retry_at:
        retry_at += timedelta(minutes=1)
    when = again_at(t, retry_at, tz, now or datetime.now(tz))
    variant = "pending" if error.pending else "verified"
    return t(f"filing-{kind}-limit-{variant}", limit=error.limit, when=when)
