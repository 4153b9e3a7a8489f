"""No dead ends: a press the current step cannot take is answered, and the member sees where they
are and can go on without typing a command.

The table below is the whole test: how the member gets there and which message and button they
press; then the short answer to the press, the step (or the menu) shown again, how it is shown
(a new message below, or the pressed message when it is the current one), and a button of what
is shown that takes the member on. "Crash" rows leave the saved dialog state one step behind the
message the member presses, as a process killed between sending a step and saving it does.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram_dialog import ShowMode
from aiogram_dialog.api.entities import DEFAULT_STACK_ID, NewMessage, OldMessage

from bot.i18n import Translations
from bot.services.members import MemberService, RegistrationForm
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from storage.models import StaffRole
from tests.flows.group_harness import Group, GroupSession
from tests.flows.harness import App, Member

MEMBER = 1001
ADMIN = 1  # the app fixture's ADMIN_IDS
VAG_STAFF = 501
VAG_GROUP = -100500
UK = Translations().get("uk")
STALE = UK("error-stale-button")

NAME_STEP = "Як до вас звертатися"
ROLE_STEP = "Оберіть вашу посаду"
OBLAST_STEP = "Оберіть область"
CONSENT_STEP = "Згода на обробку"
MENU = "Головне меню"
HELP = "Довідка</b>"
LANGUAGE_CHOICE = "Оберіть мову спілкування"


@dataclass(frozen=True)
class Press:
    """A button press: `data` on `message` (a message the bot showed earlier)."""

    message: Message
    data: str


def button_data(message: Message, pattern: str) -> str:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup), message.text
    for row in markup.inline_keyboard:
        for button in row:
            if re.search(pattern, button.text):
                return button.callback_data or ""
    raise AssertionError(f"no button {pattern!r} on {message.text!r}")


def on(message: Message, pattern: str) -> Press:
    return Press(message, button_data(message, pattern))


# ------------------------------------------------------------------- the saved dialog state


def _key(app: App, user_id: int, destiny: str) -> StorageKey:
    return StorageKey(bot_id=app.bot.id, chat_id=user_id, user_id=user_id, destiny=destiny)


STACK = f"aiogd:stack:{DEFAULT_STACK_ID}"


async def saved_dialog(app: App, user_id: int) -> dict[str, dict[str, Any]]:
    """The member's dialog state as stored: the stack and each of its contexts."""
    stack = await app.dp.storage.get_data(_key(app, user_id, STACK))
    saved = {STACK: stack}
    for intent in stack.get("intents", []):
        destiny = f"aiogd:context:{intent}"
        saved[destiny] = await app.dp.storage.get_data(_key(app, user_id, destiny))
    return saved


async def put_back(app: App, user_id: int, saved: dict[str, dict[str, Any]]) -> None:
    """Store `saved` as the member's dialog state, as if nothing after it had been saved."""
    for destiny in await saved_dialog(app, user_id):
        if destiny not in saved:
            await app.dp.storage.set_data(_key(app, user_id, destiny), {})
    for destiny, data in saved.items():
        await app.dp.storage.set_data(_key(app, user_id, destiny), data)


# ------------------------------------------------------------------------- getting there


async def to_name_step(member: Member) -> Message:
    await member.send("/start")
    await member.click("Українська")
    await member.click("Погоджуюся")
    assert NAME_STEP in member.window()
    return member.app.windows.last_message()


async def to_role_step(member: Member) -> tuple[Message, Message]:
    """The name typed in: the role step comes as a new message. Returns (name, role) windows."""
    name_window = await to_name_step(member)
    await member.send("Олена Петренко")
    assert ROLE_STEP in member.window()
    return name_window, member.app.windows.last_message()


async def older_step(app: App, member: Member) -> Press:
    name_window, _ = await to_role_step(member)
    return on(name_window, "Олена Петренко")


async def older_step_back(app: App, member: Member) -> Press:
    # "Back" has the same widget id on both steps: only the message tells it is not current.
    name_window, _ = await to_role_step(member)
    return on(name_window, "Назад")


def crash_then(pattern: str) -> Callable[[App, Member], Awaitable[Press]]:
    async def reach(app: App, member: Member) -> Press:
        await to_name_step(member)
        before = await saved_dialog(app, member.user.id)
        await member.send("Олена Петренко")
        role_window = app.windows.last_message()
        assert ROLE_STEP in (role_window.text or "")
        await put_back(app, member.user.id, before)  # the role step was sent, never saved
        return on(role_window, pattern)

    return reach


async def forged_item(app: App, member: Member) -> Press:
    _, role_window = await to_role_step(member)
    data = button_data(role_window, "^Голова громади$")
    return Press(role_window, data.rpartition(":")[0] + ":99")


async def other_step_on_current_message(app: App, member: Member) -> Press:
    # A second tap of "Українська" after the first one moved this message to the consent.
    await member.send("/start")
    language = button_data(app.windows.last_message(), "Українська")
    await member.click("Українська")
    assert CONSENT_STEP in member.window()
    return Press(app.windows.last_message(), language)


async def registered(app: App, member: Member) -> None:
    members = MemberService(app.db)
    await members.set_locale(member.user.id, "uk")
    await members.register(
        member.user.id,
        RegistrationForm(
            full_name="Олена Петренко",
            role="hromada_head",
            oblast_code="UA05000000000010236",
            hromada_code=None,
            hromada_text="Іллінецька громада",
            association_codes=["vag"],
        ),
    )
    await member.send("/start")
    assert MENU in member.window()


async def finished_dialog(app: App, member: Member) -> Press:
    await registered(app, member)
    await member.send("/language")
    chooser = app.windows.last_message()
    await member.click("Українська")  # the chooser is done: back to the menu
    assert MENU in member.window()
    return on(chooser, "English")


async def dialog_below(app: App, member: Member) -> Press:
    await registered(app, member)
    menu = app.windows.last_message()
    await member.send("/language")  # on top of the menu, which stays below it
    assert LANGUAGE_CHOICE in member.window()
    return on(menu, "Довідка")


async def no_dialog(app: App, member: Member) -> Press:
    await registered(app, member)
    menu = app.windows.last_message()
    await put_back(app, member.user.id, {STACK: {}})  # expired and deleted by retention
    return on(menu, "Довідка")


async def no_dialog_foreign_button(app: App, member: Member) -> Press:
    await registered(app, member)
    menu = app.windows.last_message()
    await put_back(app, member.user.id, {STACK: {}})
    return Press(menu, "nonsense")


@dataclass(frozen=True)
class DeadEnd:
    id: str
    reach: Callable[[App, Member], Awaitable[Press]]
    shown: str  # the step (or menu) shown again
    mode: ShowMode  # SEND: a new message below
    then: str  # a button of what is shown ...
    next: str  # ... and what pressing it shows


CASES = [
    DeadEnd("older-step", older_step, ROLE_STEP, ShowMode.SEND, "^Голова громади$", OBLAST_STEP),
    DeadEnd(
        "older-step-back", older_step_back, ROLE_STEP, ShowMode.SEND, "Голова громади$", OBLAST_STEP
    ),
    DeadEnd(
        "crash-newer-step",
        crash_then("^Голова громади$"),
        NAME_STEP,
        ShowMode.SEND,
        "Олена Петренко",
        ROLE_STEP,
    ),
    DeadEnd("crash-newer-back", crash_then("Назад"), NAME_STEP, ShowMode.SEND, "Олена", ROLE_STEP),
    DeadEnd("forged-item", forged_item, ROLE_STEP, ShowMode.SEND, "^Голова громади$", OBLAST_STEP),
    DeadEnd(
        "other-step-on-current-message",
        other_step_on_current_message,
        CONSENT_STEP,
        ShowMode.SEND,
        "Погоджуюся",
        NAME_STEP,
    ),
    DeadEnd("finished-dialog", finished_dialog, MENU, ShowMode.SEND, "Довідка", HELP),
    DeadEnd("dialog-below", dialog_below, LANGUAGE_CHOICE, ShowMode.SEND, "Українська", MENU),
    DeadEnd("no-dialog", no_dialog, MENU, ShowMode.SEND, "Довідка", HELP),
    DeadEnd(
        "no-dialog-foreign-button", no_dialog_foreign_button, MENU, ShowMode.SEND, "Довідка", HELP
    ),
]


@pytest.fixture
def show_modes(app: App) -> list[ShowMode]:
    """How each window was shown (the recorder gives every one a new message id)."""
    modes: list[ShowMode] = []
    show_message = app.windows.show_message

    async def recording(
        bot: Bot, new_message: NewMessage, old_message: OldMessage | None
    ) -> OldMessage:
        modes.append(new_message.show_mode)
        return await show_message(bot, new_message, old_message)

    app.windows.show_message = recording  # type: ignore[method-assign]
    return modes


def answers_to(app: App, callback_id: str) -> list[str]:
    return [
        call.text or ""
        for call in app.session.calls
        if isinstance(call, AnswerCallbackQuery) and call.callback_query_id == callback_id
    ]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_a_press_the_step_cannot_take_shows_where_the_member_is(
    app: App, show_modes: list[ShowMode], case: DeadEnd
) -> None:
    member = app.member(MEMBER)
    press = await case.reach(app, member)
    windows_before = len(app.windows.sent_messages)
    show_modes.clear()

    callback_id = await member.press(press.data, press.message)

    assert answers_to(app, callback_id) == [STALE]
    assert len(app.windows.sent_messages) == windows_before + 1, "no window shown"
    assert case.shown in member.window()
    assert show_modes == [case.mode]
    await member.click(case.then)  # a button of the window just shown
    assert case.next in member.window()


async def test_a_message_where_buttons_are_expected_shows_the_step_again(
    app: App, show_modes: list[ShowMode]
) -> None:
    member = app.member(MEMBER)
    await to_role_step(member)
    show_modes.clear()
    await member.send("голова")
    assert member.replies()[-1] == UK("error-use-buttons")
    assert ROLE_STEP in member.window()
    assert show_modes == [ShowMode.SEND]
    await member.click("^Голова громади$")
    assert OBLAST_STEP in member.window()


async def test_a_stale_press_in_a_staff_group_posts_no_dialog_there(app: App) -> None:
    session = GroupSession()
    app.session = session
    app.bot = Bot("42:TEST", session=session)
    await StaffService(app.db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await StaffChatService(app.db, frozenset({ADMIN})).bind(VAG_GROUP, "ВАГ", "vag", ADMIN)
    group = Group(app, VAG_GROUP)
    staff = group.person(VAG_STAFF)
    await group.send(staff, "/digest")  # a message of the bot's in the group to press on
    panel = session.to(VAG_GROUP)[-1]
    windows_before = len(app.windows.sent_messages)
    sent_before = len(session.to(VAG_GROUP))

    # An intent no stack holds (a dialog's button copied from elsewhere), and a plain unknown one.
    for data in ("0a1b2c\x1dback", "nonsense"):
        await group.press(staff, data, panel)
        assert session.callback_answers()[-1].text == STALE

    assert len(app.windows.sent_messages) == windows_before
    assert len(session.to(VAG_GROUP)) == sent_before
