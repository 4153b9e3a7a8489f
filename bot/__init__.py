"""The bot package: importing it first lets aiogram's types build lazily (see deferred_types)."""

from bot import deferred_types

deferred_types.install()
