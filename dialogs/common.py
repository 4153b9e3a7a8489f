"""Widgets and helpers shared by every dialog."""

from __future__ import annotations

import html
import itertools
import operator
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram import Bot, F
from aiogram.enums import ChatType, ContentType
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, DialogProtocol, ShowMode, StartMode
from aiogram_dialog import Window as BaseWindow
from aiogram_dialog.api.entities import stack as dialog_stack
from aiogram_dialog.api.internal import EVENT_SIMULATED
from aiogram_dialog.manager.message_manager import MessageManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Select
from aiogram_dialog.widgets.kbd.select import OnItemClick
from aiogram_dialog.widgets.text import Format, Text
from pydantic import BeforeValidator, Field

from bot.content import AssociationInfo
from bot.i18n import Translations, Translator
from bot.services.broadcasts import BroadcastService
from bot.services.hromadas import HromadaDirectory
from bot.services.knowledge import KnowledgeBase
from bot.services.members import MemberService
from bot.services.questions import QuestionService
from bot.services.reports import ReportService
from bot.services.staff import Rights, StaffService
from bot.services.text_input import ID_MAX, TELEGRAM_ID_MAX, parse_id, parse_int
from dialogs.states import Menu

T = TypeVar("T")


class Tr(Text):
    """A Fluent message in the reader's locale; scalar getter values become its arguments."""

    def __init__(self, message_id: str, when: WhenCondition = None, **fixed: Any) -> None:
        super().__init__(when=when)
        self.message_id = message_id
        self.fixed = fixed

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        args = {
            key: value
            for key, value in data.items()
            if isinstance(value, str | int | float) and not isinstance(value, bool)
        }
        args.update(self.fixed)
        return translator(manager)(self.message_id, **args)


def esc(value: str | None) -> str:
    """User-provided text made safe for HTML parse mode."""
    return html.escape(value or "", quote=False)


def item_number(item_id: str) -> int:
    """A button's numeric item id (an index, or a row id such as an announcement's); -1 for
    anything else (a forged button)."""
    number = parse_int(item_id, ID_MAX)
    return -1 if number is None else number


def _bounded_id(maximum: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, str):
            number = parse_id(value, maximum)
            if number is None:
                raise ValueError("not an id")  # the filter does not match: a stale button
            return number
        return value

    return check


# Ids in CallbackData: ASCII digits within what the column holds, checked when the button is
# unpacked, so a forged one never matches the handler's filter and gets the stale-button
# answer of the catch-alls instead of reaching the database.
RowId = Annotated[int, BeforeValidator(_bounded_id(ID_MAX)), Field(ge=1, le=ID_MAX)]
TelegramId = Annotated[
    int, BeforeValidator(_bounded_id(TELEGRAM_ID_MAX)), Field(ge=1, le=TELEGRAM_ID_MAX)
]


def deep_link(prefix: str) -> CommandStart:
    """`/start <prefix><digits>`: a card's deep link (the id is read by `deep_link_id`)."""
    return CommandStart(deep_link=True, magic=F.args.regexp(rf"^{prefix}[0-9]+$"))


def deep_link_id(command: CommandObject, prefix: str, maximum: int = ID_MAX) -> int | None:
    """The id in a deep link's payload; None when no row could have it (the handler then
    answers as for an unknown id). `maximum`: TELEGRAM_ID_MAX for a Telegram id."""
    return parse_id((command.args or "").removeprefix(prefix), maximum)


def translator(manager: DialogManager) -> Translator:
    return manager.middleware_data["i18n"]  # type: ignore[no-any-return]


def use_locale(manager: DialogManager, locale: str) -> None:
    """Render the rest of this update in `locale` (after the member changed language)."""
    manager.middleware_data["i18n"] = translations_of(manager).get(locale)
    manager.middleware_data["locale"] = locale


# What the wiring hands every update (middleware data), by name and type.


def members_of(manager: DialogManager) -> MemberService:
    return manager.middleware_data["members"]  # type: ignore[no-any-return]


def staff_of(manager: DialogManager) -> StaffService:
    return manager.middleware_data["staff"]  # type: ignore[no-any-return]


def reports_of(manager: DialogManager) -> ReportService:
    return manager.middleware_data["reports"]  # type: ignore[no-any-return]


def broadcasts_of(manager: DialogManager) -> BroadcastService:
    return manager.middleware_data["broadcasts"]  # type: ignore[no-any-return]


def questions_of(manager: DialogManager) -> QuestionService:
    return manager.middleware_data["questions"]  # type: ignore[no-any-return]


def knowledge_of(manager: DialogManager) -> KnowledgeBase:
    return manager.middleware_data["knowledge"]  # type: ignore[no-any-return]


def hromadas_of(manager: DialogManager) -> HromadaDirectory:
    return manager.middleware_data["hromadas"]  # type: ignore[no-any-return]


def associations_of(manager: DialogManager) -> list[AssociationInfo]:
    return manager.middleware_data["associations"]  # type: ignore[no-any-return]


def translations_of(manager: DialogManager) -> Translations:
    return manager.middleware_data["translations"]  # type: ignore[no-any-return]


def bot_of(manager: DialogManager) -> Bot:
    return manager.middleware_data["bot"]  # type: ignore[no-any-return]


def timezone_of(manager: DialogManager) -> ZoneInfo:
    """The time zone dates are shown in (the settings')."""
    return manager.middleware_data["settings"].tz  # type: ignore[no-any-return]


def user_id(manager: DialogManager) -> int:
    return manager.middleware_data["event_from_user"].id  # type: ignore[no-any-return]


async def current_rights(manager: DialogManager) -> Rights:
    """Rights read fresh from the database for this update (never trusted from the client):
    MemberContextMiddleware's, read when the update arrived, else read now."""
    rights: Rights | None = manager.middleware_data.get("rights")
    if rights is not None and rights.telegram_id == user_id(manager):
        return rights
    return await staff_of(manager).rights(user_id(manager))


async def open_menu(_event: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await manager.start(Menu.main, mode=StartMode.RESET_STACK)


MENU_BUTTON = Button(Tr("common-menu"), id="to_menu", on_click=open_menu)

BUTTON_TITLE = 40  # characters of a title on a list button


def distinct_intent_ids() -> None:
    """Dialog ids that do not repeat within a second in this process.

    aiogram-dialog makes an id from the current second plus `random.randint(0, 99)` * 10**8, so
    two dialogs a member starts within one second (the menu, then a command) share an id one
    time in a hundred, and closing one deletes the other's state: the member's next press is
    "outdated". Here the hundred slots are taken in turn (from a random start, so processes
    differ): the same magnitude, so ids are as short in callback data as before.
    """
    if getattr(dialog_stack.new_int_id, "distinct", False):
        return
    slots = itertools.count(random.randrange(100))

    def new_int_id() -> int:
        return int(time.time()) % 100_000_000 + (next(slots) % 100) * 100_000_000

    new_int_id.distinct = True  # type: ignore[attr-defined]
    dialog_stack.new_int_id = new_int_id


class BotMessageManager(MessageManager):
    """aiogram-dialog's message manager, minus the second answer to a query we answered."""

    def __init__(self, remember: int = 1024) -> None:
        super().__init__()
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._remember = remember

    def mark_answered(self, callback_id: str) -> None:
        self._answered[callback_id] = None
        while len(self._answered) > self._remember:
            self._answered.popitem(last=False)

    def was_answered(self, callback_id: str) -> bool:
        return callback_id in self._answered

    async def answer_callback(self, bot: Bot, callback_query: CallbackQuery) -> None:
        if self._answered.pop(callback_query.id, False) is None:
            return
        await super().answer_callback(bot, callback_query)


async def answer(
    manager: DialogManager, callback: CallbackQuery, text: str, *, alert: bool = False
) -> None:
    """Answer a button press with a short text (Telegram allows one answer per press)."""
    await callback.answer(text[:200], show_alert=alert)
    message_manager = manager.middleware_data.get("message_manager")
    if message_manager is not None and hasattr(message_manager, "mark_answered"):
        message_manager.mark_answered(callback.id)


def pressed_current_window(manager: DialogManager, callback: CallbackQuery) -> bool:
    """Whether the pressed message is the one the dialog's current step was last shown in.

    aiogram-dialog gives every step of a dialog the same intent id, so a button of an older step,
    or of a step sent just before a crash and never saved, reaches the current step's window;
    only the message id tells them apart. Unknown ids count as current.
    """
    message = callback.message
    if message is None or manager.middleware_data.get(EVENT_SIMULATED):
        return True  # an inline-mode message, or a reply button aiogram-dialog turned into a press
    last_message_id = manager.current_stack().last_message_id
    return last_message_id is None or message.message_id == last_message_id


async def stale_button(manager: DialogManager, callback: CallbackQuery) -> None:
    """A press the current step cannot take (forged, of another step or another message): say so
    and show the current step again as a new message below (the pressed one loses its buttons),
    so that the member can always go on. In a group the answer alone.

    Never an edit of the pressed message: it may already show the current step (a forged item,
    a double tap), and Telegram refuses an edit that changes nothing.
    """
    await answer(manager, callback, translator(manager)("error-stale-button"))
    if manager.middleware_data["event_chat"].type != ChatType.PRIVATE:
        manager.show_mode = ShowMode.NO_UPDATE
    else:
        manager.show_mode = ShowMode.SEND


async def pressed_item(
    manager: DialogManager, callback: CallbackQuery, item_id: str, items: Sequence[T]
) -> T | None:
    """The item of `items` a list button's index names; None, the press answered as a stale
    button, for a forged or outdated index."""
    index = item_number(item_id)
    if 0 <= index < len(items):
        return items[index]
    await stale_button(manager, callback)
    return None


class Window(BaseWindow):
    """A dialog window that takes presses only on its own message and of its own buttons; any
    other press gets `stale_button`."""

    async def process_callback(
        self, callback: CallbackQuery, dialog: DialogProtocol, manager: DialogManager
    ) -> bool:
        if not pressed_current_window(manager, callback):
            # Even a button this window has too ("Back") meant another step there.
            await stale_button(manager, callback)
            return False  # aiogram-dialog then shows the window in the mode set above
        processed = await super().process_callback(callback, dialog, manager)
        if not processed:
            await stale_button(manager, callback)
        return processed


async def on_use_buttons(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    """A message where the window expects a button: say so and show the buttons again below."""
    await message.answer(translator(manager)("error-use-buttons"))
    manager.show_mode = ShowMode.SEND


USE_BUTTONS = MessageInput(on_use_buttons, content_types=ContentType.ANY)


async def refuse_input(message: Message, manager: DialogManager, text: str) -> None:
    """Say what is wrong with a typed answer and leave the window as it is: it is asked again."""
    await message.answer(text)
    manager.show_mode = ShowMode.NO_UPDATE


def indexed_select(widget_id: str, items: str, on_click: OnItemClick[Any, str]) -> Select[Any]:
    """Buttons for `(index, label)` pairs: short numeric ids keep callback_data within 64 bytes."""
    return Select(
        Format("{item[1]}"),
        id=widget_id,
        item_id_getter=operator.itemgetter(0),
        items=items,
        on_click=on_click,
    )
