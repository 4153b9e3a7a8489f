"""A report card's buttons, in a staff group or in private chat (a card /queue showed): one
handler per action (ReportAction), each behind the same checks. Rights (read from the database
for this very update by MemberContextMiddleware) are checked on every press, and the action
itself checks them again in ReportService. Alerts are in the presser's language, what shows on
the card in the group's."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message

from bot.content import AssociationInfo
from bot.i18n import Translations, Translator
from bot.services.members import InvalidInput, MemberService
from bot.services.reports import (
    AlreadyTaken,
    CardViewer,
    ConcurrentChange,
    ReportClosed,
    ReportService,
    ReportView,
    TransitionRefused,
    UnknownReport,
)
from bot.services.staff import PermissionDenied, Rights
from bot.services.staff_chats import StaffChatService
from delivery.report_cards import ReportOutbox, bot_username
from dialogs.report_card_texts import (
    CARD_MARK,
    ReportAction,
    ReportCb,
    allowed_statuses,
    card_text,
    comment_keyboard,
    position_keyboard,
    position_value,
    report_card_keyboard,
    status_keyboard,
)
from dialogs.report_staff import (
    actor,
    alert,
    chat_translator,
    clear_pending,
    in_group,
    set_pending,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Press:
    """A press on a card's button, its report read and the presser allowed to act on it."""

    callback: CallbackQuery
    data: ReportCb
    view: ReportView
    t: Translator  # the presser's language: alerts, prompts
    kt: Translator  # the chat's language: what shows on the card
    rights: Rights
    state: FSMContext
    out: ReportOutbox
    associations: list[AssociationInfo]

    @property
    def bot(self) -> Bot:
        return self.out.bot

    @property
    def reports(self) -> ReportService:
        return self.out.reports


Action = Callable[[Press], Awaitable[None]]


async def _actionable(
    callback: CallbackQuery,
    report_id: int,
    action: str,
    t: Translator,
    reports: ReportService,
    rights: Rights,
) -> ReportView | None:
    """The report, when it exists and the presser may act on it; else an alert says why."""
    view = await reports.report(report_id)
    if view is None:
        await alert(callback, t("rdesk-not-found"))
        return None
    if not view.actionable_by(rights):
        logger.info("report %s: button %s refused to %s", report_id, action, callback.from_user.id)
        await alert(callback, t("rdesk-not-staff"))
        return None
    return view


def _on_press(action: Action) -> Callable[..., Awaitable[None]]:
    """The handler of one action: the report read, rights checked, the refusals answered."""

    async def on_card_button(
        callback: CallbackQuery,
        callback_data: ReportCb,
        bot: Bot,
        i18n: Translator,
        reports: ReportService,
        staff_chats: StaffChatService,
        members: MemberService,
        translations: Translations,
        associations: list[AssociationInfo],
        state: FSMContext,
        rights: Rights,
    ) -> None:
        t, user = i18n, callback.from_user
        report_id, name = callback_data.r, str(callback_data.a)
        view = await _actionable(callback, report_id, name, t, reports, rights)
        if view is None:
            return
        message = callback.message
        kt = await chat_translator(
            message.chat.id if message else user.id,
            not in_group(message),
            i18n,
            staff_chats,
            translations,
        )
        out = ReportOutbox(bot, reports, staff_chats, members, translations)
        press = Press(callback, callback_data, view, t, kt, rights, state, out, associations)
        try:
            await action(press)
        except PermissionDenied:
            logger.info("report %s: action %s refused to %s", report_id, name, user.id)
            await alert(callback, t("rdesk-not-staff"))
        except UnknownReport:
            await alert(callback, t("rdesk-not-found"))
        except ReportClosed as closed:
            await alert(callback, t("rdesk-closed", status=t(f"rdesk-status-{closed.status}")))
            await _restore_after_refusal(press)
        except TransitionRefused as refused:
            await alert(
                callback,
                t("rdesk-transition-refused", status=t(f"rdesk-status-{refused.current}")),
            )
            await _restore_after_refusal(press)
        except ConcurrentChange:
            await alert(callback, t("rdesk-try-again"))
        except InvalidInput as error:
            logger.info("report %s: action %s: %s", report_id, name, error)
            await alert(callback, t("rdesk-stale-button"))

    return on_card_button


# ------------------------------------------------------------------------------ the actions


async def take(p: Press) -> None:
    try:
        entry = await p.reports.take(p.view.id, actor(p.callback.from_user))
    except AlreadyTaken as taken:
        name = taken.by_name or p.t("rdesk-no-name")
        await alert(p.callback, p.t("rdesk-taken-by", name=name))
        return
    await alert(p.callback, p.t("rdesk-taken" if entry else "rdesk-yours-already"), show=False)
    if entry is not None:
        await p.out.refresh(p.view.id)
        await _refresh_here(p)


async def show_statuses(p: Press) -> None:
    if not p.view.is_open:
        raise ReportClosed(p.view.status)
    text = p.t("rdesk-choose-status", reference=p.view.reference)
    await _show_keyboard(p, text, status_keyboard(p.kt, p.view))
    await p.callback.answer()


async def set_status(p: Press) -> None:
    view, value = p.view, p.data.v
    if value == "declined":
        if not view.is_open:
            raise ReportClosed(view.status)
        if value not in allowed_statuses(view):
            raise TransitionRefused(view.status, value)
        await _ask_for_text(p, "decline")
        await _restore_keyboard(p, view)
        await _close_private_helper(p)
        return
    entry = await p.reports.set_status(view.id, actor(p.callback.from_user), value)
    status = p.t(f"rdesk-status-{value}")
    await alert(p.callback, p.t("rdesk-status-set", status=status), show=False)
    await p.out.after_change(view.id, entry)
    await _close_private_helper(p)


async def mark_joint(p: Press) -> None:
    result = await p.reports.mark_joint(p.view.id, actor(p.callback.from_user))
    fresh = await p.reports.card(p.view.id)
    if fresh is not None and result.chats:
        await p.out.post_cards(fresh, [(c.chat_id, c.locale) for c in result.chats])
    await alert(p.callback, p.t("rdesk-joint-done" if result.entry else "rdesk-joint-already"))
    await p.out.after_change(p.view.id, result.entry)
    if result.entry is not None:
        await _refresh_here(p)


async def show_positions(p: Press) -> None:
    # The associations whose position this person may state, in display order.
    codes = [a.code for a in p.associations if p.rights.may_act_for(a.code)]
    if not p.view.joint:
        raise InvalidInput("not-joint")
    if not codes:
        raise PermissionDenied
    text = p.t("rdesk-choose-position", reference=p.view.reference)
    await _show_keyboard(p, text, position_keyboard(p.kt, p.view, codes, p.associations))
    await p.callback.answer()


async def set_position(p: Press) -> None:
    code, position = position_value(p.data.v)
    await p.reports.set_position(p.view.id, actor(p.callback.from_user), code, position)
    await alert(p.callback, p.t("rdesk-position-set"), show=False)
    await p.out.refresh(p.view.id)
    text = p.t("rdesk-position-comment-offer", reference=p.view.reference)
    await _show_keyboard(p, text, comment_keyboard(p.kt, p.view, p.data.v))


async def ask_comment(p: Press) -> None:
    code, _ = position_value(p.data.v)
    if not p.rights.may_act_for(code):
        raise PermissionDenied
    await _ask_for_text(p, "comment", p.data.v)
    await _restore_keyboard(p, p.view)
    await _close_private_helper(p)


async def ask_merge(p: Press) -> None:
    if not p.view.is_open:
        raise ReportClosed(p.view.status)
    await _ask_for_text(p, "merge")


async def back(p: Press) -> None:
    await clear_pending(p.state)
    await _restore_keyboard(p, p.view)
    await _close_private_helper(p)
    await p.callback.answer()


ACTIONS: dict[ReportAction, Action] = {
    ReportAction.TAKE: take,
    ReportAction.STATUS: show_statuses,
    ReportAction.SET_STATUS: set_status,
    ReportAction.JOINT: mark_joint,
    ReportAction.POSITION: show_positions,
    ReportAction.SET_POSITION: set_position,
    ReportAction.COMMENT: ask_comment,
    ReportAction.MERGE: ask_merge,
    ReportAction.BACK: back,
}


async def on_unknown_action(
    callback: CallbackQuery,
    callback_data: ReportCb,
    i18n: Translator,
    reports: ReportService,
    rights: Rights,
) -> None:
    """A button of an action this version does not know (a card from another version)."""
    report_id, action = callback_data.r, str(callback_data.a)
    if await _actionable(callback, report_id, action, i18n, reports, rights) is not None:
        await alert(callback, i18n("rdesk-stale-button"))


def register_card_buttons(router: Router) -> None:
    """One handler per action; a button of an unknown action is answered as stale."""
    for action, handler in ACTIONS.items():
        router.callback_query.register(_on_press(handler), ReportCb.filter(F.a == action))
    router.callback_query.register(on_unknown_action, ReportCb.filter())


# ------------------------------------------------------------------------------ the card shown


def _is_card(message: object) -> bool:
    """Whether this is a report's card (in private chat: shown by /queue), not a choice."""
    return isinstance(message, Message) and (message.text or "").startswith(CARD_MARK)


async def _show_keyboard(p: Press, text: str, markup: InlineKeyboardMarkup) -> None:
    """On the card in a group; in private chat, a message of its own under the report (or in
    place of the previous choice)."""
    message = p.callback.message
    if message is None:
        return
    try:
        if in_group(message) or not _is_card(message):
            await p.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
            )
        else:
            await p.bot.send_message(message.chat.id, text, reply_markup=markup)
    except TelegramAPIError as error:
        logger.info("report keyboard not shown in chat %s: %s", message.chat.id, error)


async def _refresh_here(p: Press) -> None:
    """In private chat, the card the button was pressed on shows the change too (the cards in
    the groups are edited by refresh_report_cards)."""
    message = p.callback.message
    if message is None or in_group(message) or not _is_card(message):
        return
    card = await p.reports.card(p.view.id, CardViewer.STAFF)
    if card is None:
        return
    try:
        await p.bot.edit_message_text(
            text=card_text(p.kt, card, p.reports.timezone),
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=report_card_keyboard(p.kt, card.view, await bot_username(p.bot)),
        )
    except TelegramAPIError as error:
        logger.info("report %s: private card not edited: %s", p.view.id, error)


async def _ask_for_text(p: Press, request: str, value: str = "") -> None:
    """Wait for this person's reply: to the card in a group, to a prompt in private chat."""
    message, view = p.callback.message, p.view
    if message is None:
        return
    prompt = p.t(f"rdesk-ask-{request}", reference=view.reference)
    if in_group(message):
        await set_pending(
            p.state, a=request, r=view.id, c=message.chat.id, m=message.message_id, v=value
        )
        await alert(p.callback, p.t(f"rdesk-ask-{request}-group", reference=view.reference))
        return
    sent = await p.bot.send_message(
        message.chat.id, prompt, reply_markup=ForceReply(input_field_placeholder=view.reference)
    )
    await set_pending(p.state, a=request, r=view.id, c=message.chat.id, m=sent.message_id, v=value)
    await p.callback.answer()


async def _restore_after_refusal(p: Press) -> None:
    """A refused choice of status leaves the card with its own buttons again."""
    if p.data.a != ReportAction.SET_STATUS:
        return
    view = await p.reports.report(p.view.id)
    if view is not None:
        await _restore_keyboard(p, view)


async def _restore_keyboard(p: Press, view: ReportView) -> None:
    """The card's own buttons again, in place of a choice shown on it."""
    message = p.callback.message
    if message is None or not in_group(message):
        return
    try:
        await p.bot.edit_message_reply_markup(
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=report_card_keyboard(p.kt, view, await bot_username(p.bot)),
        )
    except TelegramAPIError as error:
        logger.info("report %s: keyboard not restored: %s", view.id, error)


async def _close_private_helper(p: Press) -> None:
    """In private chat, the message that offered a choice goes once it is made."""
    message = p.callback.message
    if message is None or in_group(message):
        return
    if _is_card(message):
        return  # the report itself, shown by /queue
    try:
        await p.bot.delete_message(message.chat.id, message.message_id)
    except TelegramAPIError as error:
        logger.info("helper message not deleted in chat %s: %s", message.chat.id, error)
