"""Keeps aiogram's parsed-answer model classes alive, so each Bot API answer does not build one.

aiogram parses every Bot API answer with `Response[method.__returning__]` (in
`BaseSession.check_response`), a pydantic generic model parametrised per call. pydantic caches
parametrised classes only weakly (`pydantic._internal._generics._GENERIC_TYPES_CACHE` is a
`WeakValueDictionary`, since pydantic/pydantic#5052, and see pydantic/pydantic#6672 on
collecting them), and nothing in aiogram holds the class after the call: the next garbage
collection frees it, and the next answer builds a new class with its core schema, about 10 ms
of CPU each. Profiles of the bot showed a third of its CPU per update there.

`KeepResponseModels`, a session middleware, holds a strong reference to `Response[T]` for each
answer type it meets (a few dozen at most), so pydantic's cache keeps it and `check_response`
finds it. The upstream fix would be for aiogram to keep its own cache of these classes (a dict
keyed by `__returning__` in `BaseSession`).
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

# Answer type (a class, a union or a list of one) → its Response model class, held for good.
_KEPT: dict[Any, type[Response[Any]]] = {}


def response_model(returning: Any) -> type[Response[Any]]:
    """`Response[returning]`, built once per process and kept."""
    model = _KEPT.get(returning)
    if model is None:
        model = _KEPT[returning] = Response[returning]
    return model


class KeepResponseModels(BaseRequestMiddleware):
    """Makes sure `Response[method.__returning__]` is alive before aiogram parses the answer."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        response_model(method.__returning__)
        return await make_request(bot, method)
