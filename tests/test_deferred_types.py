"""aiogram's Telegram types imported with their validators deferred (bot/deferred_types.py).

Each check runs in a new interpreter, since whether the types are deferred is decided by the
first import of `aiogram.types` in a process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.process

# An update and answers that reach deep into the types: entities, a reply, a keyboard, a
# callback query carrying a message, a contact, a document, chat members. It runs in a function:
# pydantic's first-use build reads the namespace five frames up, which a module's top level
# lacks (a script's concern only; the bot parses inside its event loop).
_SAMPLES = textwrap.dedent(
    """
    import json


    def samples():
        from aiogram.methods import Response, SendMessage, EditMessageText
        from aiogram.types import (
            InlineKeyboardButton,
            InlineKeyboardMarkup, Message, Update, User,
        )

        chat = {"id": -100, "type": "supergroup", "title": "Секретаріат"}
        user = {"id": 7, "is_bot": False, "first_name": "Олена", "language_code": "uk"}
        message = {
            "message_id": 5, "date": 1764800000, "chat": chat, "from": user,
            "text": "/start звернення",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "reply_to_message": {
                "message_id": 4, "date": 1764790000, "chat": chat, "text": "картка"},
            "reply_markup": {"inline_keyboard": [[{"text": "Взяти", "callback_data": "r:tk:1"}]]},
            "document": {"file_id": "d1", "file_unique_id": "u1", "file_name": "акт.pdf"},
            "contact": {"phone_number": "+380501234567", "first_name": "Олена", "user_id": 7},
        }
        updates = [
            {"update_id": 1, "message": message},
            {"update_id": 2, "callback_query": {
                "id": "q", "from": user, "chat_instance": "ci", "data": "r:tk:1",
                "message": message}},
            {"update_id": 3, "my_chat_member": {
                "chat": chat, "from": user, "date": 1764800001,
                "old_chat_member": {"status": "member", "user": user},
                "new_chat_member": {"status": "left", "user": user}}},
        ]
        return {
            "updates": Response[list[Update]].model_validate(
                {"ok": True, "result": updates}).model_dump(mode="json"),
            "message": Response[Message].model_validate(
                {"ok": True, "result": message}).model_dump(mode="json"),
            "me": Response[User].model_validate(
                {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "b"}}).model_dump(),
            "send": SendMessage(chat_id=7, text="Так", reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Так", callback_data="y")]]
            )).model_dump(mode="json", exclude_none=True, exclude_defaults=True),
            "edit": EditMessageText(chat_id=7, message_id=5, text="Готово").model_dump(
                mode="json", exclude_none=True, exclude_defaults=True),
        }
    """
)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_bot_imports_aiogram_types_without_building_them() -> None:
    out = _run(
        "import bot, aiogram\n"
        "from bot import deferred_types\n"
        "from aiogram.types import Giveaway, Update\n"
        "from aiogram.methods import SendGift\n"
        "print(deferred_types.deferred(), Giveaway.__pydantic_complete__,"
        " Update.__pydantic_complete__, SendGift.__pydantic_complete__)\n"
    )
    assert out.split() == ["True", "False", "False", "False"]


def test_deferred_types_parse_and_dump_exactly_as_eagerly_built_ones() -> None:
    deferred = _run("import bot\n" + _SAMPLES + "print(json.dumps(samples(), sort_keys=True))")
    eager = _run(
        "import aiogram.types\nassert not hasattr(aiogram.types.__loader__, '_loader')\n"
        + _SAMPLES
        + "print(json.dumps(samples(), sort_keys=True))"
    )
    assert json.loads(deferred) == json.loads(eager)
    assert json.loads(deferred)["updates"]["result"][1]["callback_query"]["data"] == "r:tk:1"


def test_every_type_and_method_builds_on_first_use() -> None:
    """Resolving the fields at import must leave every model buildable by pydantic's own path."""
    out = _run(
        "import bot, inspect, aiogram.types as t, aiogram.methods as m\n"
        "from pydantic import BaseModel\n"
        "def build_all():\n"
        "    built = 0\n"
        "    for module in (t, m):\n"
        "        for name, cls in vars(module).items():\n"
        "            if inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__"
        ".startswith(module.__name__) and not inspect.isabstract(cls):\n"
        "                cls.__pydantic_validator__.validate_python  # pydantic's first-use build\n"
        "                cls.__pydantic_serializer__.to_python\n"
        "                assert cls.__pydantic_complete__, name\n"
        "                built += 1\n"
        "    return built\n"
        "print(build_all())\n"
    )
    assert int(out) > 400
