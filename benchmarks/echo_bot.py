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

from bot import deferred_types  # noqa: F401  (first: aiogram's types build lazily, as in our bot)

# isort: split
from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.response_models import KeepResponseModels

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
# pydantic caches only weakly: our bot keeps these classes alive (bot/response_models.py), and
# so does this bot, with the same middleware, to compare like with like.


async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    session = AiohttpSession(api=api)
    session.middleware(KeepResponseModels())
    bot = Bot(
        os.environ["BOT_TOKEN"],
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    await bot.delete_webhook()
    await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())


if __name__ == "__main__":
    asyncio.run(main())
