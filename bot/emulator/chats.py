"""A chat as the fake Telegram keeps it, and a callback query a simulated user sent."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeChat:
    """One chat as the fake keeps it: every message in its current state."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None
    # (sequence number, snapshot) of every bot send and edit, in order
    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    last_message_id: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def info(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def next_message_id(self) -> int:
        self.last_message_id = next(self._ids)
        return self.last_message_id

    def continue_ids_after(self, last_message_id: int) -> None:
        """Message ids go on from `last_message_id` (a chat restored from the state file)."""
        self.last_message_id = last_message_id
        self._ids = itertools.count(last_message_id + 1)

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def bot_messages(self) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages.values()
            if m.get("from", {}).get("is_bot") and not m.get("deleted")
        ]


@dataclass
class CallbackQuery:
    id: str
    chat_id: int
    message_id: int
    data: str
    user_id: int = 0
    answered: bool = False
    answer: dict[str, Any] | None = None
