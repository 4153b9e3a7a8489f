"""Magic filters run on the event loop instead of a worker thread.

aiogram runs every filter that is not a coroutine function through `asyncio.to_thread`
(`aiogram.dispatcher.event.handler.CallableObject.call`): a magic filter such as
`F.chat.type == "private"` and a `State` used as a filter each cost a hand-off to the default
executor and back for a few attribute reads. A message passes some ten such filters on its way
through the routers (the routers' own `router.message.filter(...)` and the handlers' filters
tried before one matches); in `benchmarks/registration.py` the hand-offs were about 8 % of the
event loop's samples (`ThreadPoolExecutor.submit` under `HandlerObject.check`) and kept the
executor's threads busy besides.

`run_pure_filters_inline(dp)` wraps those two kinds, which only read the event and the state
and never block, in a coroutine function that calls them directly; every other synchronous
filter or handler (they might block) keeps aiogram's thread. The filters' results and their
order are unchanged. Upstream, aiogram could mark a `MagicFilter`'s `resolve` as safe to call
inline (its `FilterObject` knows it holds one: `FilterObject.magic`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.fsm.state import State


def _filters(router: Router) -> Iterator[FilterObject]:
    """Every filter of the router and of the routers included in it: the observers' own
    (`router.message.filter(...)`) and their handlers'."""
    for each in router.chain_tail:
        for observer in each.observers.values():
            yield from observer._handler.filters or ()
            for handler in observer.handlers:
                yield from handler.filters or ()


def _pure(filter_object: FilterObject) -> bool:
    return filter_object.magic is not None or isinstance(filter_object.callback, State)


def _inline(function: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    call.__wrapped_filter__ = function  # type: ignore[attr-defined]
    return call


def run_pure_filters_inline(router: Router) -> int:
    """Make the magic filters and `State` filters of `router` and its sub-routers run on the
    event loop; returns how many were changed. The arguments aiogram passes them (worked out
    from the original callable's signature, `params`) stay as they were."""
    changed = 0
    for filter_object in _filters(router):
        if filter_object.awaitable or not _pure(filter_object):
            continue
        filter_object.callback = _inline(filter_object.callback)
        filter_object.awaitable = True
        changed += 1
    return changed


__all__ = ["run_pure_filters_inline"]
