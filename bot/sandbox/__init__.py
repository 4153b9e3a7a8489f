"""The sandbox: the real bot against the built-in Bot API emulator, and a Telegram-like page."""
