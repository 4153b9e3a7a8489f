"""Where members land: `/start` and the other commands, and anything no dialog handled."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.i18n import Translator
from bot.services.members import MemberProfile, MemberService
from bot.services.staff import INVITE_PREFIX, RedeemStatus, Rights, StaffService
from bot.services.text_input import has_words
from delivery.commands import set_chat_commands
from dialogs.common import deep_link
from dialogs.expert_desk import start_with_question
from dialogs.knowledge import start_question
from dialogs.question_texts import QUESTION_LINK_PREFIX
from dialogs.states import LanguageChoice, Menu, Profile, Registration, StaffAccess, StaffInvites

logger = logging.getLogger(__name__)


async def open_home(
    manager: DialogManager, member: MemberProfile | None, *, show_mode: ShowMode | None = None
) -> None:
    """The main menu for members; registration for everyone else, resumed where they left it."""
    if member is not None and member.registered:
        await manager.start(Menu.main, mode=StartMode.RESET_STACK, show_mode=show_mode)
        return
    if manager.has_context() and manager.current_context().state.group is Registration:
        # A member who was mid-registration (even before a restart) continues at the same step.
        await manager.show(ShowMode.SEND)
        return
    await manager.start(Registration.language, mode=StartMode.RESET_STACK, show_mode=show_mode)


async def show_current_step(manager: DialogManager, member: MemberProfile | None) -> None:
    """After a press nothing could take: the dialog's current step again as a new message below,
    or home when no dialog is open. Private chats only: a group gets the answer alone."""
    chat = manager.middleware_data.get("event_chat")
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    if manager.has_context():
        await manager.show(ShowMode.SEND)
        return
    await open_home(manager, member, show_mode=ShowMode.SEND)


async def start_with_invite(
    message: Message,
    command: CommandObject,
    dialog_manager: DialogManager,
    staff: StaffService,
    i18n: Translator,
    member: MemberProfile | None,
    associations: list,  # type: ignore[type-arg]
) -> None:
    assert message.from_user is not None and command.args is not None
    result = await staff.redeem_invite(command.args[len(INVITE_PREFIX) :], message.from_user.id)
    names = {a.code: a.short(i18n.locale) for a in associations}
    association = names.get(result.association_code or "", "")
    await message.answer(i18n(f"invite-{result.status}", association=association))
    if result.status == RedeemStatus.GRANTED:
        logger.info("staff invite redeemed by %s", message.from_user.id)
        if message.bot is not None:
            rights = await staff.rights(message.from_user.id)
            await set_chat_commands(
                message.bot, message.chat.id, i18n, admin=rights.is_admin, staff=True
            )
    await open_home(dialog_manager, member)


async def start(
    message: Message,
    dialog_manager: DialogManager,
    member: MemberProfile | None,
    rights: Rights,
    i18n: Translator,
) -> None:
    if rights.is_staff and message.bot is not None:
        # Telegram knows this chat now: show admins and staff their commands too.
        await set_chat_commands(
            message.bot, message.chat.id, i18n, admin=rights.is_admin, staff=True
        )
    await open_home(dialog_manager, member)


async def menu(
    message: Message, dialog_manager: DialogManager, member: MemberProfile | None
) -> None:
    await open_home(dialog_manager, member)


async def help_command(message: Message, i18n: Translator) -> None:
    # A plain message: help must not disturb a dialog the member is in the middle of.
    await message.answer(i18n("help-text"))


async def profile(
    message: Message, dialog_manager: DialogManager, member: MemberProfile | None, i18n: Translator
) -> None:
    if member is None or not member.registered:
        await message.answer(i18n("profile-register-first"))
        await open_home(dialog_manager, member)
        return
    await dialog_manager.start(Profile.view, mode=StartMode.RESET_STACK)


async def language(message: Message, dialog_manager: DialogManager) -> None:
    # On top of the stack: after the choice the member returns to where they were.
    await dialog_manager.start(LanguageChoice.choose)


async def cancel(
    message: Message, dialog_manager: DialogManager, member: MemberProfile | None, i18n: Translator
) -> None:
    if member is not None and member.registered:
        await message.answer(i18n("cancel-done"))
        await dialog_manager.start(Menu.main, mode=StartMode.RESET_STACK)
        return
    await dialog_manager.reset_stack()
    await message.answer(i18n("cancel-registration"))


def _admin_command(state: State) -> Callable[..., Awaitable[None]]:
    """A command that opens an admin dialog at `state` (the right is read for this update)."""

    async def open_admin_dialog(
        message: Message, dialog_manager: DialogManager, rights: Rights, i18n: Translator
    ) -> None:
        if not rights.is_admin:
            await message.answer(i18n("staff-no-rights"))
            return
        await dialog_manager.start(state, mode=StartMode.RESET_STACK)

    return open_admin_dialog


invite = _admin_command(StaffInvites.association)
staff_list = _admin_command(StaffAccess.rights)


async def bot_status_changed(event: ChatMemberUpdated, members: MemberService) -> None:
    """A member unblocked the bot (`member`) or blocked it (`kicked`): announcements follow."""
    status = event.new_chat_member.status
    if status == ChatMemberStatus.MEMBER:
        await members.set_reachable(event.chat.id, True)
    elif status == ChatMemberStatus.KICKED:
        await members.set_reachable(event.chat.id, False)
    logger.info("member %s set the bot's status to %s", event.chat.id, status)


async def unknown_command(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("error-unknown-command"))


async def anything_else(
    message: Message, dialog_manager: DialogManager, member: MemberProfile | None, i18n: Translator
) -> None:
    """A message no dialog expected: text from a member is a question; anything else is not."""
    text = message.text or ""
    if member is not None and member.registered and has_words(text):
        await start_question(dialog_manager, text)
        return
    await message.answer(i18n("error-not-understood"))
    await open_home(dialog_manager, member)


async def unknown_button(
    callback: CallbackQuery,
    dialog_manager: DialogManager,
    member: MemberProfile | None,
    i18n: Translator,
) -> None:
    """A button no handler knows (forged or old): answer it, never leave it spinning."""
    await callback.answer(i18n("error-stale-button"), show_alert=False)
    await show_current_step(dialog_manager, member)


def create_command_router() -> Router:
    """Commands; included before the dialogs, so a command is never taken for an answer."""
    router = Router(name="commands")
    router.message.filter(F.chat.type == "private")
    router.message.register(
        start_with_invite, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX))
    )
    router.message.register(start_with_question, deep_link(QUESTION_LINK_PREFIX))
    router.message.register(start, CommandStart())
    router.message.register(menu, Command("menu"))
    router.message.register(help_command, Command("help"))
    router.message.register(profile, Command("profile"))
    router.message.register(language, Command("language"))
    router.message.register(cancel, Command("cancel"))
    router.message.register(invite, Command("invite"))
    router.message.register(staff_list, Command("staff"))
    router.message.register(unknown_command, F.text.startswith("/"))
    router.my_chat_member.register(bot_status_changed, F.chat.type == "private")
    return router


def create_fallback_router() -> Router:
    """Catch-alls; included after the dialogs, so they see only what no dialog handled."""
    router = Router(name="fallback")
    router.message.register(anything_else, F.chat.type == "private")
    router.callback_query.register(unknown_button)
    return router
