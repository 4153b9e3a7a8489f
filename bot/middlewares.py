"""Update-level middlewares: who is writing, in which language, with which rights."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from bot import outage
from bot.i18n import Translations, resolve_locale
from bot.metrics import UPDATE_SECONDS, UPDATES
from bot.observability import InFlightUpdates
from bot.services.members import MemberService
from bot.services.staff import Rights, StaffService
from storage.fsm import is_redis

logger = logging.getLogger("bot.updates")

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class MemberContextMiddleware(BaseMiddleware):
    """Puts `member`, `rights`, `locale` and `i18n` into handler data for every update.

    Registered on `dp.update` so that aiogram-dialog's background updates get them too.
    """

    def __init__(self, members: MemberService, staff: StaffService, translations: Translations):
        self.members = members
        self.staff = staff
        self.translations = translations

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        member = None
        rights = Rights(0, False, frozenset())
        if user is not None and not user.is_bot:
            member, rights = await self.members.get_with_rights(user.id, self.staff)
            # The database answered, and the FSM storage before it: an outage is over.
            outage.monitor.answered(outage.Dependency.DATABASE)
            if is_redis(data.get("fsm_storage")) and data.get("state"):
                outage.monitor.answered(outage.Dependency.REDIS)
            if member is not None and not member.reachable and _private_message(event):
                # They write to the bot (`/start` after unblocking it): announcements reach them.
                await self.members.set_reachable(user.id, True)
                member = dataclasses.replace(member, reachable=True)
        locale = resolve_locale(
            member.locale if member else None, user.language_code if user else None
        )
        data["member"] = member
        data["rights"] = rights
        data["locale"] = locale
        data["i18n"] = self.translations.get(locale)
        return await handler(event, data)


def _private_message(event: TelegramObject) -> bool:
    message = event.message if isinstance(event, Update) else None
    return message is not None and message.chat.type == "private"


class UpdateLogMiddleware(BaseMiddleware):
    """Logs each update's id, type, user id and handling time, never its text; counts it in
    the metrics by type and outcome (ok, error, unavailable) with its handling time, and keeps
    `in_flight`, the updates whose handlers are running. It runs inside the member's lock, so
    shutdown waits on the dispatcher's count of whole updates (`bot.app.Dispatcher.in_flight`)."""

    def __init__(self) -> None:
        self.in_flight = InFlightUpdates()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        started = time.perf_counter()
        user: User | None = data.get("event_from_user")
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        update_id = event.update_id if isinstance(event, Update) else None
        outcome = "ok"
        self.in_flight.enter()
        try:
            return await handler(event, data)
        except Exception as error:
            outcome = "unavailable" if outage.is_outage(error) else "error"
            raise
        finally:
            self.in_flight.leave()
            took = time.perf_counter() - started
            if outcome != "unavailable":
                # An outage's refused update is counted once, by the outage notice
                # (bot/outage.py), which also sees the ones that fail before this middleware.
                UPDATES.labels(type=kind, outcome=outcome).inc()
            UPDATE_SECONDS.labels(type=kind).observe(took)
            logger.info(
                "update=%s type=%s user=%s took=%.1fms",
                update_id,
                kind,
                user.id if user else None,
                took * 1000,
                # For LOG_FORMAT=json: the fields alone, without the user's id.
                extra={
                    "update_id": update_id,
                    "update_type": kind,
                    "outcome": outcome,
                    "duration_ms": round(took * 1000, 1),
                },
            )
