"""The ceiling for benchmarks/registration.py: a bare aiogram bot on the same harness.

Every text or contact message is answered with one sendMessage (with a one-button inline keyboard,
so the simulated member has something to click), every callback query with answerCallbackQuery.
No database, no FSM, no dialogs: what is left is aiogram's polling, parsing and HTTP round trips.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import Response, TelegramMethod
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

logging.basicConfig(level=logging.WARNING)
dp = Dispatcher()
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Далі", callback_data="next")]]
)


@dp.message(F.contact)
async def contact(message: Message) -> None:
    assert message.contact is not None
    await message.answer(f"contact {html.escape(message.contact.phone_number)}")


@dp.message(F.text)
async def echo(message: Message) -> None:
    await message.answer("echo: " + html.escape(message.text or ""), reply_markup=KEYBOARD)


@dp.callback_query()
async def clicked(query: CallbackQuery) -> None:
    await query.answer(f"got {query.data}")


# aiogram parses each Bot API answer with pydantic's `Response[method.__returning__]`, a class
# pydantic caches only weakly, so after a garbage collection the next answer builds it again.
# Our bot keeps these classes alive (bot/response_models.py); so does this bot, to compare like
# with like.
_RESPONSE_MODELS: dict[Any, Any] = {}


async def keep_response_model(
    make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
) -> Any:
    returning = method.__returning__
    if returning not in _RESPONSE_MODELS:
        _RESPONSE_MODELS[returning] = Response[returning]  # type: ignore[valid-type]
    return await make_request(bot, method)


async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    session = AiohttpSession(api=api)
    session.middleware(keep_response_model)
    bot = Bot(
        os.environ["BOT_TOKEN"],
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    await bot.delete_webhook()
    await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())


if __name__ == "__main__":
    asyncio.run(main())
