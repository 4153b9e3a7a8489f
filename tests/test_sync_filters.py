"""Magic filters and State filters run on the event loop, with the same results
(bot/sync_filters.py); other synchronous filters keep aiogram's worker thread."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Chat, Message, User

from bot.sync_filters import run_pure_filters_inline


class Form(StatesGroup):
    name = State()


def message(chat_type: str) -> Message:
    return Message(
        message_id=1,
        date=datetime(2026, 1, 1),
        chat=Chat(id=5, type=chat_type),
        from_user=User(id=5, is_bot=False, first_name="Олена"),
        text="hi",
    )


def plain_filter(message: Message) -> bool:
    return message.text == "hi"


async def handler(message: Message) -> None:
    return None


def routers() -> tuple[Router, Router]:
    outer, inner = Router(), Router()
    inner.message.filter(F.chat.type == "private")
    inner.message.register(handler, F.text, Form.name)
    inner.message.register(handler, plain_filter)
    outer.include_router(inner)
    return outer, inner


async def test_magic_and_state_filters_run_inline_with_the_same_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outer, inner = routers()
    assert run_pure_filters_inline(outer) == 3  # the router's own filter and the handler's two

    async def no_thread(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a pure filter went to a worker thread")

    monkeypatch.setattr(asyncio, "to_thread", no_thread)
    (own,) = inner.message._handler.filters or []
    assert await own.call(message("private")) is True
    assert await own.call(message("group")) is False
    magic, state = inner.message.handlers[0].filters or []
    assert await magic.call(message("private"))
    assert await state.call(message("private"), raw_state=Form.name.state) is True
    assert await state.call(message("private"), raw_state=None) is False


async def test_other_synchronous_filters_keep_the_thread() -> None:
    outer, inner = routers()
    run_pure_filters_inline(outer)
    (plain,) = inner.message.handlers[1].filters or []
    assert plain.awaitable is False
    assert await plain.call(message("private")) is True
    assert run_pure_filters_inline(outer) == 0  # nothing left to change
