"""A fake Telegram Bot API server and a harness that runs the real bot process against it."""

from .process import BotProcess
from .server import ApiError, ClientRefused, FakeChat, FakeTelegram, FakeUser, visible_text

__all__ = [
    "ApiError",
    "BotProcess",
    "ClientRefused",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "visible_text",
]
