"""Bot API calls that meet 429 or a Telegram-side failure are retried, within bounds."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates
from aiogram.methods.base import Response, TelegramMethod, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)


class RetryMiddleware(BaseRequestMiddleware):
    """On 429 wait `retry_after` and send again; on 5xx or a network error back off and retry.

    A member waits at most `max_wait` seconds for one answer; past that the error reaches the
    handler. Long polling has its own backoff and is left alone.
    """

    def __init__(self, *, attempts: int = 3, max_wait: float = 30, backoff: float = 0.5) -> None:
        self.attempts = attempts
        self.max_wait = max_wait
        self.backoff = backoff

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):  # long polling has its own backoff
            return await make_request(bot, method)  # type: ignore[arg-type]
        waited = 0.0
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                delay = float(error.retry_after)
                if attempt >= self.attempts or waited + delay > self.max_wait:
                    raise
            except (TelegramServerError, TelegramNetworkError):
                delay = self.backoff * 2 ** (attempt - 1)
                if attempt >= self.attempts or waited + delay > self.max_wait:
                    raise
            logger.warning("retry %d of %s in %.1fs", attempt, type(method).__name__, delay)
            waited += delay
            attempt += 1
            await asyncio.sleep(delay)
