"""What the command-line commands share: the settings or a clear exit, and small checks."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import Content
    from storage.db import Database

NO_TOKEN_MESSAGE = """\
BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, open @BotFather, send /newbot and follow the steps; it replies with a token
     like 123456789:AAH...
  2. Put it in a file named .env in this folder (or in the environment):

         BOT_TOKEN=123456789:AAH...

  3. Run the bot again.

To try the bot without Telegram first, run `hromada-bot sandbox` (or `python3 dev.py run` with
no token configured): the real bot, a built-in Telegram emulator and a web page at
http://127.0.0.1:8080, with example data; nothing leaves this computer.
"""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        lines = ["The bot's settings are not valid:"]
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]).upper() or "settings"
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"  {name}: {message}")
        lines.append("Fix them in the environment or in .env (see README.md, 'Settings').")
        raise SystemExit("\n".join(lines)) from None


@asynccontextmanager
async def command_database(
    settings: Settings, content: Content | None = None
) -> AsyncIterator[Database]:
    """The bot's database for one command: migrated to the latest schema (and the content
    tables synced, as the bot does on start, when `content` is given); closed afterwards."""
    from bot.app import migrate_and_sync
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database.from_url(settings.database_url)
    try:
        if content is None:
            await upgrade(db.engine)
        else:
            await migrate_and_sync(db, content)
        yield db
    finally:
        await db.close()


def unknown_association(code: str, codes: list[str]) -> bool:
    """True (and the valid codes said) when no association has `code`."""
    if code in codes:
        return False
    known = ", ".join(codes)
    print(f"No association has the code {code!r}; the codes are: {known}.", file=sys.stderr)
    return True


def safe_url(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
