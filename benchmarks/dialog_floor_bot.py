"""The floor for benchmarks/registration.py: our registration as the smallest aiogram-dialog bot.

The same windows and widgets as `dialogs/registration.py` (language, consent, typed name, role
buttons, oblast buttons, typed hromada, association multiselect with «Далі», a request-contact
reply keyboard, then the main menu), with the Ukrainian texts hard-coded: no Fluent, no database,
no middlewares of ours, aiogram's `MemoryStorage`. What our bot costs per update beyond this is
ours to cut; what this costs is aiogram-dialog's (and aiogram's, see echo_bot.py).

`--durable`: the same bot with its dialog state durable as our bot keeps it, and nothing else of
ours: the dispatcher's FSM storage (through which aiogram-dialog keeps its stacks and contexts) is
`storage.fsm.SqlStorage` on DATABASE_URL, built as `bot/app.py` and `bot/runner.py` build it
(`Database.from_url`, the Alembic migration, each update in the storage's update scope, aiogram's
per-chat event isolation). With METRICS_PORT set it serves the statement count at /metrics, as
our bot does. What this costs beyond the plain floor is the price of the durability alone.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import operator
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from bot import deferred_types  # noqa: F401  (first: aiogram's types build lazily, as in our bot)

# isort: split
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ContentType, ParseMode
from aiogram.filters import CommandStart
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode, Window, setup_dialogs
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import (
    Back,
    Button,
    Column,
    Group,
    ManagedMultiselect,
    Multiselect,
    RequestContact,
    Row,
    Select,
    SwitchTo,
)
from aiogram_dialog.widgets.markup.reply_keyboard import ReplyKeyboardFactory
from aiogram_dialog.widgets.text import Const, Format

from bot.response_models import KeepResponseModels

if TYPE_CHECKING:
    from storage.fsm import SqlStorage

logging.basicConfig(level=logging.WARNING)


class Registration(StatesGroup):
    language = State()
    consent = State()
    declined = State()
    name = State()
    role = State()
    oblast = State()
    hromada = State()
    associations = State()
    phone = State()


class Menu(StatesGroup):
    main = State()
    help = State()


ROLES = (
    "Голова громади",
    "Заступник(-ця) голови громади",
    "Секретар ради",
    "Голова районної ради",
    "Заступник(-ця) голови районної ради",
    "Голова обласної ради",
    "Заступник(-ця) голови обласної ради",
    "Інша посада в органі місцевого самоврядування",
)
OBLASTS = (
    "Вінницька область",
    "Волинська область",
    "Дніпропетровська область",
    "Донецька область",
    "Житомирська область",
    "Закарпатська область",
    "Запорізька область",
    "Івано-Франківська область",
    "м. Київ",
    "Київська область",
    "Кіровоградська область",
    "Луганська область",
    "Львівська область",
    "Миколаївська область",
    "Одеська область",
    "Полтавська область",
    "Рівненська область",
    "Сумська область",
    "Тернопільська область",
    "Харківська область",
    "Херсонська область",
    "Хмельницька область",
    "Черкаська область",
    "Чернівецька область",
    "Чернігівська область",
)
ASSOCIATIONS = (
    ("ВАГ", "Всеукраїнська асоціація громад"),
    ("Асоціація ОТГ", "Всеукраїнська асоціація об'єднаних територіальних громад"),
    ("УАРОР", "Українська асоціація районних та обласних рад"),
)
BACK_TEXT = Const("⬅️ Назад")


def clean_words(text: str, shortest: int = 2, longest: int = 100) -> str:
    """Spaces collapsed; too short or too long raises ValueError (TextInput's on_error)."""
    cleaned = " ".join(text.split())
    if not shortest <= len(cleaned) <= longest:
        raise ValueError(f"{shortest}..{longest} characters")
    return cleaned


# Getters ------------------------------------------------------------------------------------


async def get_name(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    user = dialog_manager.middleware_data["event_from_user"]
    name = " ".join(filter(None, [user.first_name, user.last_name]))[:100]
    return {"telegram_name": html.escape(name), "telegram_name_plain": name, "has_name": bool(name)}


async def get_roles(**_: Any) -> dict[str, Any]:
    return {"roles": [(str(i), role) for i, role in enumerate(ROLES)]}


async def get_oblasts(**_: Any) -> dict[str, Any]:
    return {"oblasts": [(str(i), oblast) for i, oblast in enumerate(OBLASTS)]}


async def get_hromada(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"oblast": OBLASTS[dialog_manager.dialog_data["oblast"]]}


async def get_associations(**_: Any) -> dict[str, Any]:
    return {
        "associations": [(str(i), short) for i, (short, _) in enumerate(ASSOCIATIONS)],
        "association_list": "\n".join(
            f"• <b>{html.escape(short)}</b>: {html.escape(name)}" for short, name in ASSOCIATIONS
        ),
    }


async def get_menu(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    start_data = dialog_manager.start_data if isinstance(dialog_manager.start_data, dict) else {}
    return {
        "welcome": bool(start_data.get("welcome")),
        "name": html.escape(start_data.get("name", "")),
    }


# Callbacks ----------------------------------------------------------------------------------


async def on_language(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["locale"] = button.widget_id
    await manager.switch_to(Registration.consent)


async def on_consent(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    manager.dialog_data["consent_at"] = datetime.now(UTC).isoformat()
    await manager.switch_to(Registration.name)


async def on_name(
    _message: Message, _widget: ManagedTextInput[str], manager: DialogManager, name: str
) -> None:
    manager.dialog_data["full_name"] = name
    await manager.switch_to(Registration.role)


async def on_telegram_name(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    name = " ".join(filter(None, [callback.from_user.first_name, callback.from_user.last_name]))
    manager.dialog_data["full_name"] = name
    await manager.switch_to(Registration.role)


async def on_input_error(
    message: Message, _widget: ManagedTextInput[Any], manager: DialogManager, error: ValueError
) -> None:
    await message.answer(f"Надішліть, будь ласка, від {error}.")
    manager.show_mode = ShowMode.NO_UPDATE


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await message.answer("Надішліть, будь ласка, текст.")
    manager.show_mode = ShowMode.NO_UPDATE


async def on_use_buttons(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await message.answer("Скористайтеся, будь ласка, кнопками.")
    manager.show_mode = ShowMode.SEND


async def on_role(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item: str
) -> None:
    manager.dialog_data["role"] = int(item)
    await manager.switch_to(Registration.oblast)


async def on_oblast(
    _callback: CallbackQuery, _widget: Any, manager: DialogManager, item: str
) -> None:
    manager.dialog_data["oblast"] = int(item)
    await manager.switch_to(Registration.hromada)


async def on_hromada(
    _message: Message, _widget: ManagedTextInput[str], manager: DialogManager, text: str
) -> None:
    manager.dialog_data["hromada"] = text
    await manager.switch_to(Registration.associations)


async def on_associations_done(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    widget: ManagedMultiselect[str] = manager.find("assoc")  # type: ignore[assignment]
    if not widget.get_checked():
        await callback.answer("Позначте принаймні одну асоціацію.", show_alert=True)
        return
    manager.dialog_data["associations"] = widget.get_checked()
    await manager.switch_to(Registration.phone)


async def on_associations_unsure(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["associations"] = []
    await manager.switch_to(Registration.phone)


async def finish(manager: DialogManager, phone: str | None) -> None:
    name = manager.dialog_data["full_name"]
    await manager.start(
        Menu.main, data={"welcome": True, "name": name, "phone": phone}, mode=StartMode.RESET_STACK
    )


async def on_contact(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    contact = message.contact
    if contact is None or message.from_user is None or contact.user_id != message.from_user.id:
        await message.answer("Це не ваш контакт.")
        manager.show_mode = ShowMode.NO_UPDATE
        return
    await finish(manager, contact.phone_number)


async def on_phone_skip(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    await finish(manager, None)


async def on_phone_other(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await message.answer("Натисніть кнопку «📱 Поділитися номером» або «Пропустити».")
    manager.show_mode = ShowMode.NO_UPDATE


# Windows ------------------------------------------------------------------------------------

USE_BUTTONS = MessageInput(on_use_buttons, content_types=ContentType.ANY)
NOT_TEXT = MessageInput(on_not_text, content_types=ContentType.ANY)

registration = Dialog(
    Window(
        Const(
            "👋 Вітаємо! Це бот спільної платформи асоціацій органів місцевого самоврядування.\n"
            "Welcome! This is the bot of the associations' joint platform.\n\n"
            "Оберіть мову / Choose your language:"
        ),
        Row(
            Button(Const("🇺🇦 Українська"), id="uk", on_click=on_language),
            Button(Const("🇬🇧 English"), id="en", on_click=on_language),
        ),
        USE_BUTTONS,
        state=Registration.language,
    ),
    Window(
        Const(
            "🔒 <b>Згода на обробку персональних даних</b>\n\n"
            "Для реєстрації бот зберігає ваш ідентифікатор у Telegram, ім'я та прізвище, посаду, "
            "область і громаду, членство в асоціаціях, мову спілкування, а також — за вашим "
            "бажанням — номер телефону.\n\n"
            "Дані обробляються відповідно до Закону України «Про захист персональних даних»."
        ),
        Button(Const("✅ Погоджуюся"), id="agree", on_click=on_consent),
        SwitchTo(Const("Не погоджуюся"), id="decline", state=Registration.declined),
        Back(BACK_TEXT),
        USE_BUTTONS,
        state=Registration.consent,
    ),
    Window(
        Const("Без згоди на обробку персональних даних зареєструватися неможливо."),
        SwitchTo(Const("Повернутися до згоди"), id="reconsider", state=Registration.consent),
        USE_BUTTONS,
        state=Registration.declined,
    ),
    Window(
        Const("✍️ Як до вас звертатися? Надішліть ім'я та прізвище одним повідомленням."),
        Format("Або скористайтеся іменем із Telegram: <b>{telegram_name}</b>", when="has_name"),
        Button(
            Format("✅ {telegram_name_plain}"),
            id="tg_name",
            on_click=on_telegram_name,
            when="has_name",
        ),
        Back(BACK_TEXT),
        TextInput("name", type_factory=clean_words, on_success=on_name, on_error=on_input_error),
        NOT_TEXT,
        state=Registration.name,
        getter=get_name,
    ),
    Window(
        Const("💼 Оберіть вашу посаду:"),
        Column(
            Select(
                Format("{item[1]}"),
                id="role",
                item_id_getter=operator.itemgetter(0),
                items="roles",
                on_click=on_role,
            )
        ),
        Back(BACK_TEXT),
        USE_BUTTONS,
        state=Registration.role,
        getter=get_roles,
    ),
    Window(
        Const("🗺 Оберіть область:"),
        Group(
            Select(
                Format("{item[1]}"),
                id="oblast",
                item_id_getter=operator.itemgetter(0),
                items="oblasts",
                on_click=on_oblast,
            ),
            width=2,
        ),
        Back(BACK_TEXT),
        USE_BUTTONS,
        state=Registration.oblast,
        getter=get_oblasts,
    ),
    Window(
        Format(
            "🏘 {oblast}. Надішліть назву вашої громади, наприклад «Андріївська сільська громада»."
        ),
        Back(Const("⬅️ Інша область")),
        TextInput(
            "hromada", type_factory=clean_words, on_success=on_hromada, on_error=on_input_error
        ),
        NOT_TEXT,
        state=Registration.hromada,
        getter=get_hromada,
    ),
    Window(
        Format(
            "🤝 Членом яких асоціацій є ваша рада? Позначте одну чи кілька й натисніть «Далі».\n\n"
            "{association_list}"
        ),
        Column(
            Multiselect(
                Format("✅ {item[1]}"),
                Format("▫️ {item[1]}"),
                id="assoc",
                item_id_getter=operator.itemgetter(0),
                items="associations",
            )
        ),
        Button(Const("🤷 Не впевнений(-а)"), id="unsure", on_click=on_associations_unsure),
        Button(Const("Далі ➡️"), id="assoc_done", on_click=on_associations_done),
        Back(BACK_TEXT),
        USE_BUTTONS,
        state=Registration.associations,
        getter=get_associations,
    ),
    Window(
        Const(
            "📱 Останній крок: за бажанням поділіться номером телефону — так секретаріату буде "
            "легше з вами зв'язатися.\n\nНатисніть кнопку внизу екрана або «Пропустити»."
        ),
        RequestContact(Const("📱 Поділитися номером")),
        Button(Const("Пропустити"), id="phone_skip", on_click=on_phone_skip),
        Back(BACK_TEXT),
        MessageInput(on_contact, content_types=ContentType.CONTACT),
        MessageInput(on_phone_other, content_types=ContentType.ANY),
        markup_factory=ReplyKeyboardFactory(resize_keyboard=True, one_time_keyboard=True),
        state=Registration.phone,
    ),
)

menu = Dialog(
    Window(
        Const("🎉 Реєстрацію завершено. Дякуємо!", when="welcome"),
        Format("🏠 <b>Головне меню</b>\nВітаємо, {name}! Оберіть, що вас цікавить:"),
        Const("💬 Маєте запитання про реформи? Просто напишіть його повідомленням."),
        Row(Button(Const("📚 Реформи"), id="reforms"), Button(Const("✍️ Запитати"), id="ask")),
        Row(Button(Const("📝 Звернення"), id="report"), Button(Const("📂 Мої"), id="mine")),
        Row(Button(Const("📰 Новини"), id="news"), Button(Const("👤 Мій профіль"), id="profile")),
        Button(Const("🌐 Мова / Language"), id="language"),
        SwitchTo(Const("❓ Довідка"), id="help", state=Menu.help),
        USE_BUTTONS,
        state=Menu.main,
        getter=get_menu,
    ),
    Window(
        Const("Довідка."),
        SwitchTo(Const("🏠 Меню"), id="back", state=Menu.main),
        USE_BUTTONS,
        state=Menu.help,
        getter=get_menu,
    ),
)


async def start(_message: Message, dialog_manager: DialogManager) -> None:
    await dialog_manager.start(Registration.language, mode=StartMode.RESET_STACK)


class ScopedDispatcher(Dispatcher):
    """As `bot.app.Dispatcher`: each update (aiogram-dialog's background ones too) handled in
    the SQL storage's update scope, its dialog state read once and unchanged state not written."""

    def __init__(self, storage: SqlStorage, **kwargs: Any) -> None:
        super().__init__(storage=storage, **kwargs)
        self.sql_storage = storage

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        with self.sql_storage.update_scope():
            return await super().feed_update(bot, update, **kwargs)

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        with self.sql_storage.update_scope():
            return await super().propagate_event(update_type, event, **kwargs)


async def durable_dispatcher() -> Dispatcher:
    """A dispatcher on our durable FSM storage in DATABASE_URL, migrated as our bot migrates it,
    its statements counted at METRICS_PORT's /metrics. Imported here: the plain floor loads
    none of our storage (SQLAlchemy, the models), so its figures stay what they were."""
    from prometheus_client import start_http_server

    from bot.metrics import REGISTRY, count_statements
    from storage.db import Database
    from storage.fsm import SqlStorage
    from storage.migrate import upgrade

    db = Database.from_url(os.environ["DATABASE_URL"])
    metrics_port = os.environ.get("METRICS_PORT")
    if metrics_port:
        count_statements(db.engine)
        start_http_server(int(metrics_port), addr="127.0.0.1", registry=REGISTRY)
    await upgrade(db.engine)
    storage = SqlStorage(db)
    dp = ScopedDispatcher(storage=storage, events_isolation=storage.create_isolation())
    dp.shutdown.register(db.close)
    return dp


# aiogram parses each Bot API answer with pydantic's `Response[method.__returning__]`, a class
# pydantic caches only weakly: our bot keeps these classes alive (bot/response_models.py), and
# so does this bot, with the same middleware, to compare like with like.


async def main(durable: bool) -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    session = AiohttpSession(api=api)
    session.middleware(KeepResponseModels())
    bot = Bot(
        os.environ["BOT_TOKEN"],
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
    # One update per chat at a time, as our bot: aiogram-dialog reads a button's context before
    # it locks the stack, so without this a quick second press would see the previous step.
    if durable:
        dp = await durable_dispatcher()
        # The storage's own locks, as in our bot: each sends its update's writes in one statement.
        isolation = cast(SimpleEventIsolation, dp.fsm.events_isolation)
    else:
        isolation = SimpleEventIsolation()
        dp = Dispatcher(events_isolation=isolation)  # MemoryStorage
    dp.message.register(start, CommandStart())
    dp.include_routers(registration, menu)
    setup_dialogs(dp, events_isolation=isolation)
    await bot.delete_webhook()
    await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--durable",
        action="store_true",
        help="dialog state in storage.fsm.SqlStorage on DATABASE_URL instead of MemoryStorage",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args().durable))
