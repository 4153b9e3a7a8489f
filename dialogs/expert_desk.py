"""Questions to the experts, staff side: cards in staff groups, answers, `/bind`, `/questions`.

A member's question is stored and its card posted to each staff group of the associations it is
addressed to, in the group's language. Staff answer by replying to the card in the group, or in
private chat (the card's button, or `/questions`); either way the answer reaches the member in
their language and every card of the question shows who answered and when.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus, ContentType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
)
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    ChatMemberRestricted,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, ScrollingGroup, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from delivery.commands import set_chat_commands
from bot.content import AssociationInfo
from bot.i18n import DEFAULT_LOCALE, LOCALES, Translations, Translator
from bot.services.members import InvalidInput
from bot.services.message_limits import TEXT_LIMIT, utf16_len
from bot.services.question_views import QuestionView
from bot.services.questions import (
    NotAnswered,
    QuestionService,
    UnknownQuestion,
    clean_answer,
    shorten,
    split_message,
)
from bot.services.staff import PermissionDenied, Rights, UnknownAssociation
from bot.services.staff_chats import BoundChat, StaffChatService
from bot.services.text_input import parse_id
from bot.settings import Settings
from dialogs.common import (
    MENU_BUTTON,
    USE_BUTTONS,
    RowId,
    Tr,
    Window,
    answer,
    deep_link_id,
    esc,
    indexed_select,
)
from dialogs.presenters import hromada_label, is_kyiv, local_time, oblast_name
from dialogs.states import ExpertDesk

logger = logging.getLogger(__name__)

GROUP_TYPES = frozenset({"group", "supergroup"})
QUESTION_LINK_PREFIX = "q"  # deep link `?start=q<id>` opens the reply dialog
INTERNAL_PREFIX = "//"  # a reply to a card starting with this is a note among staff
DEFAULT_TZ = ZoneInfo("Europe/Kyiv")
QUOTE_MAX = 150  # characters of the question quoted above the answer
LIST_LIMIT = 96  # questions in /questions: with the pager, within 100 buttons
LIST_ITEM_TEXT = 40
DIALOG_CARD_LIMIT = 3500  # the card inside a dialog window leaves room for the prompt
PREVIEW_MAX = 2500

LIST_SELECT = "question"


class DraftCallback(CallbackData, prefix="qdraft"):
    """The card's "knowledge-base draft" button."""

    question_id: RowId


@dataclass(frozen=True)
class EscalationResult:
    question_id: int
    groups_notified: int  # 0 when no group is bound: the question waits in /questions
    repeated: bool = False  # sent by an earlier press with the same key: nothing posted now


@dataclass(frozen=True)
class AnswerOutcome:
    question_id: int
    delivered: bool
    messages: int  # messages the answer took in the member's chat
    repeated: bool = False  # stored by an earlier press with the same key: not sent again


# ------------------------------------------------------------------------------ rendering


def association_names(
    associations: tuple[AssociationInfo, ...] | list[AssociationInfo], locale: str
) -> str:
    return ", ".join(a.short(locale) for a in associations)


def member_place(t: Translator, view: QuestionView) -> str:
    """Hromada and oblast of the member who asked (HTML-escaped where they typed it)."""
    member = view.member
    oblast = oblast_name(view.oblast, t.locale)
    if is_kyiv(member.oblast_code):
        return oblast
    if view.hromada is not None:
        hromada = esc(hromada_label(t, view.hromada))
    else:
        hromada = esc(member.hromada_text)
    return ", ".join(part for part in (hromada, oblast) if part)


def render_card(
    t: Translator,
    view: QuestionView,
    tz: ZoneInfo,
    *,
    limit: int = TEXT_LIMIT,
    in_group: bool = True,
) -> str:
    """The question's card in one language; the question is shortened to keep within `limit`.
    The member's phone only out of a group (the private reply dialog); a group card says
    whether one was shared."""
    member = view.member
    head = [
        t(
            "desk-card-title",
            id=str(view.id),
            associations=esc(association_names(view.associations, t.locale)),
        ),
        t(
            "desk-card-member",
            name=(
                t("privacy-deleted-member")
                if member.erased
                else esc(member.full_name) or t("desk-no-name")
            ),
            role=t(f"role-{member.role}") if member.role else "—",
        ),
    ]
    place = member_place(t, view)
    if place:
        head.append(t("desk-card-place", place=place))
    if member.phone and not in_group:
        head.append(t("desk-card-phone", phone=esc(member.phone)))
    else:
        head.append(t("desk-card-phone-shared" if member.phone else "desk-card-no-phone"))
    head.append(t("desk-card-status", status=member.verification))
    head.append(t("desk-card-language", language=t(f"desk-language-{view.locale}")))
    tail = [
        t("desk-card-answered", name=esc(a.staff_name), time=local_time(a.created_at, tz))
        for a in view.answers
    ]
    if view.draft_id is not None:
        tail.append(t("desk-card-draft", draft=str(view.draft_id)))
    if in_group and view.status == "open":
        tail.append(t("desk-card-open"))

    def compose(question: str, extra: list[str]) -> str:
        quote = f"<blockquote expandable>{esc(question)}</blockquote>"
        return "\n\n".join(
            part for part in ("\n".join(head), quote, "\n".join(extra + tail)) if part
        )

    full = compose(view.text, [])
    if utf16_len(full) <= limit:
        return full
    # The source with its tags is longer than what Telegram counts, so this budget is safe.
    note = [t("desk-card-truncated")] if in_group else []
    budget = limit - utf16_len(compose("", note)) - 1
    shown = split_message(view.text, max(budget, 1))[0].rstrip(" ,.;:") + "…"
    return compose(shown, note)


def card_keyboard(t: Translator, view: QuestionView, bot_username: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=t("desk-button-reply"),
                url=f"https://t.me/{bot_username}?start={QUESTION_LINK_PREFIX}{view.id}",
            )
        ]
    ]
    if view.answers:
        rows.append(
            [
                InlineKeyboardButton(
                    text=t("desk-button-draft"),
                    callback_data=DraftCallback(question_id=view.id).pack(),
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def member_messages(
    t: Translator, associations: tuple[AssociationInfo, ...], question: str, text: str
) -> list[str]:
    """The answer as the member receives it: a header naming the associations and quoting the
    question, then the answer, split into as many messages as Telegram needs."""
    header = t(
        "questions-answer-header",
        associations=esc(association_names(associations, t.locale)),
        question=esc(shorten(question, QUOTE_MAX)),
    )
    pieces = split_message(text, TEXT_LIMIT, first_limit=TEXT_LIMIT - utf16_len(header) - 2)
    if not pieces:
        return [header]
    return [f"{header}\n\n{esc(pieces[0])}", *(esc(piece) for piece in pieces[1:])]


def answering_for(view: QuestionView, rights: Rights) -> tuple[AssociationInfo, ...]:
    """The question's associations this staff member speaks for (all of them for an admin)."""
    return tuple(a for a in view.associations if rights.is_admin or a.code in rights.staff_of)


# ------------------------------------------------------------------------------ sending


async def _bot_username(bot: Bot) -> str:
    return (await bot.me()).username or ""


async def send_to_experts(
    bot: Bot,
    questions: QuestionService,
    translations: Translations,
    *,
    telegram_id: int,
    text: str,
    locale: str,
    request_key: str | None = None,
) -> EscalationResult:
    """Store a member's question and post its card to every bound staff group of its
    associations. A group that cannot be posted to is logged and skipped: the question is
    stored either way and listed in /questions. InvalidInput: empty, too long, unregistered.
    A `request_key` sent with before: that question, and no card posted again."""
    asked = await questions.ask(telegram_id, text, locale, request_key=request_key)
    if asked.repeated:
        # Its cards went out with the first press, or the cards sweep posts them.
        logger.info("question %s: the same press again, nothing new", asked.question_id)
        return EscalationResult(asked.question_id, 0, repeated=True)
    if not asked.chats:
        logger.info("question %s stored; no staff group bound for it", asked.question_id)
        return EscalationResult(asked.question_id, 0)
    view = await questions.card(asked.question_id)
    assert view is not None
    username = await _bot_username(bot)
    posted: list[tuple[int, int]] = []
    for chat in asked.chats:
        t = translations.get(chat.locale)
        card, markup = render_card(t, view, DEFAULT_TZ), card_keyboard(t, view, username)
        try:
            try:
                sent = await bot.send_message(chat.chat_id, card, reply_markup=markup)
            except TelegramMigrateToChat as error:
                # The group became a supergroup: its binding follows, and the card goes there.
                new_id = error.migrate_to_chat_id
                await StaffChatService(questions.db).migrate(chat.chat_id, new_id)
                sent = await bot.send_message(new_id, card, reply_markup=markup)
        except TelegramAPIError as error:
            logger.warning(
                "question %s: card not posted to chat %s: %s",
                asked.question_id,
                chat.chat_id,
                type(error).__name__,
            )
            continue
        posted.append((sent.chat.id, sent.message_id))
    await questions.add_cards(asked.question_id, posted)
    logger.info("question %s posted to %s group(s)", asked.question_id, len(posted))
    return EscalationResult(asked.question_id, len(posted))


async def refresh_cards(
    bot: Bot, questions: QuestionService, translations: Translations, question_id: int, tz: ZoneInfo
) -> None:
    """Edit every card of the question in place to show its answers and draft."""
    view = await questions.card(question_id)
    if view is None:
        return
    username = await _bot_username(bot)
    for card in view.cards:
        t = translations.get(card.locale)
        try:
            await bot.edit_message_text(
                text=render_card(t, view, tz),
                chat_id=card.chat_id,
                message_id=card.message_id,
                reply_markup=card_keyboard(t, view, username),
            )
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                logger.info(
                    "question %s: card %s/%s not edited: %s",
                    question_id,
                    card.chat_id,
                    card.message_id,
                    error.message,
                )
        except TelegramAPIError as error:
            logger.info(
                "question %s: card in chat %s not edited: %s",
                question_id,
                card.chat_id,
                type(error).__name__,
            )


async def answer_question(
    bot: Bot,
    questions: QuestionService,
    translations: Translations,
    *,
    question_id: int,
    staff: User,
    text: str,
    tz: ZoneInfo,
    request_key: str | None = None,
) -> AnswerOutcome:
    """Store a staff answer, deliver it to the member and update the cards. Raises
    PermissionDenied, UnknownQuestion or InvalidInput (empty) before anything is sent. An
    answer stored with this `request_key` before is not sent again (at most once)."""
    receipt = await questions.answer(
        question_id, staff.id, staff.full_name, text, request_key=request_key
    )
    if receipt.repeated:
        logger.info("answer %s: the same press again, not sent twice", receipt.answer_id)
        return AnswerOutcome(question_id, receipt.delivered, 0, repeated=True)
    t = translations.get(receipt.member_locale)
    messages = member_messages(t, receipt.associations, receipt.question_text, receipt.text)
    delivered, unreachable = True, False
    for message in messages:
        try:
            await bot.send_message(receipt.member_telegram_id, message)
        except TelegramForbiddenError:
            delivered, unreachable = False, True
            break
        except TelegramAPIError as error:
            logger.warning(
                "answer %s to question %s not delivered: %s",
                receipt.answer_id,
                question_id,
                type(error).__name__,
            )
            delivered = False
            break
    await questions.mark_delivered(receipt.answer_id, delivered, unreachable=unreachable)
    logger.info(
        "question %s answered by %s (answer %s, delivered=%s)",
        question_id,
        staff.id,
        receipt.answer_id,
        delivered,
    )
    await refresh_cards(bot, questions, translations, question_id, tz)
    return AnswerOutcome(question_id, delivered, len(messages))


# ------------------------------------------------------------------------------ staff groups


async def _group_translator(
    chat_id: int, staff_chats: StaffChatService, translations: Translations
) -> tuple[Translator, BoundChat | None]:
    """The group's language when it is bound; Ukrainian otherwise."""
    bound = await staff_chats.chat(chat_id)
    return translations.get(bound.locale if bound else DEFAULT_LOCALE), bound


async def bot_can_post(bot: Bot, chat_id: int) -> bool:
    """Whether the bot is in the group and allowed to send messages there."""
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramAPIError as error:
        logger.info("chat %s: bot membership unknown: %s", chat_id, type(error).__name__)
        return False
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        return False
    return not (isinstance(member, ChatMemberRestricted) and not member.can_send_messages)


def _codes_list(associations: list[AssociationInfo], locale: str) -> str:
    return "\n".join(f"• {a.code} — {esc(a.short(locale))}" for a in associations)


def _names(codes: tuple[str, ...], associations: list[AssociationInfo], locale: str) -> str:
    by_code = {a.code: a for a in associations}
    return esc(", ".join(by_code[c].short(locale) if c in by_code else c for c in codes))


async def on_bind(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    staff_chats: StaffChatService,
    translations: Translations,
    associations: list[AssociationInfo],
) -> None:
    assert message.from_user is not None
    t, bound = await _group_translator(message.chat.id, staff_chats, translations)
    if not rights.is_admin:
        await message.reply(t("desk-bind-admins-only"))
        return
    args = (command.args or "").lower().split()
    codes = {a.code for a in associations}
    locale = args[1] if len(args) > 1 else None
    if not args or args[0] not in codes or (locale is not None and locale not in LOCALES):
        text = t("desk-bind-usage", codes=_codes_list(associations, t.locale))
        if bound is not None:
            current = _names(bound.association_codes, associations, t.locale)
            text += "\n\n" + t("desk-bind-current", associations=current)
        await message.reply(text)
        return
    if not await bot_can_post(bot, message.chat.id):
        # The group cannot hear the bot: tell the admin in private chat, if they have one.
        logger.info("bind refused: bot cannot post in chat %s", message.chat.id)
        try:
            await bot.send_message(
                message.from_user.id,
                t("desk-bind-cannot-post", title=esc(message.chat.title or str(message.chat.id))),
            )
        except TelegramAPIError as error:
            logger.info("admin %s not told: %s", message.from_user.id, type(error).__name__)
        return
    try:
        result = await staff_chats.bind(
            message.chat.id, message.chat.title, args[0], message.from_user.id, locale
        )
    except PermissionDenied:
        await message.reply(t("desk-bind-admins-only"))
        return
    except UnknownAssociation:
        await message.reply(t("desk-bind-usage", codes=_codes_list(associations, t.locale)))
        return
    logger.info("chat %s bound to %s: %s", message.chat.id, args[0], result.status)
    t = translations.get(result.chat.locale)
    await message.reply(
        t(
            f"desk-bind-{result.status}",
            association=_names((args[0],), associations, t.locale),
            associations=_names(result.chat.association_codes, associations, t.locale),
            language=t(f"desk-language-{result.chat.locale}"),
        )
    )


async def on_unbind(
    message: Message,
    command: CommandObject,
    rights: Rights,
    staff_chats: StaffChatService,
    translations: Translations,
    associations: list[AssociationInfo],
) -> None:
    assert message.from_user is not None
    t, _ = await _group_translator(message.chat.id, staff_chats, translations)
    if not rights.is_admin:
        await message.reply(t("desk-bind-admins-only"))
        return
    code = (command.args or "").strip().lower() or None
    try:
        unbound = await staff_chats.unbind(message.chat.id, message.from_user.id, code)
    except PermissionDenied:
        await message.reply(t("desk-bind-admins-only"))
        return
    if not unbound:
        await message.reply(t("desk-unbind-none"))
        return
    logger.info("chat %s unbound from %s", message.chat.id, ",".join(unbound))
    await message.reply(t("desk-unbind-done", associations=_names(unbound, associations, t.locale)))


async def on_card_reply(
    message: Message,
    bot: Bot,
    rights: Rights,
    questions: QuestionService,
    staff_chats: StaffChatService,
    translations: Translations,
    settings: Settings,
) -> None:
    """A reply to a question's card: from staff, the answer; from anyone else, a refusal."""
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.from_user.id != bot.id:
        return
    question_id = await questions.question_for_card(message.chat.id, reply.message_id)
    if question_id is None:
        return
    text = message.text
    if text is not None and text.startswith((INTERNAL_PREFIX, "/")):
        return  # staff talking among themselves, or a command
    assert message.from_user is not None
    t, _ = await _group_translator(message.chat.id, staff_chats, translations)
    if text is None:
        key = "desk-answer-text-only" if rights.is_staff else "desk-answer-not-staff"
        await message.reply(t(key))
        return
    try:
        outcome = await answer_question(
            bot,
            questions,
            translations,
            question_id=question_id,
            staff=message.from_user,
            text=text,
            tz=settings.tz,
            # The reply message is the press: delivered again, it is the same answer.
            request_key=f"msg:{message.chat.id}:{message.message_id}",
        )
    except PermissionDenied:
        logger.info(
            "question %s: reply in chat %s by %s, who may not answer it",
            question_id,
            message.chat.id,
            message.from_user.id,
        )
        await message.reply(t("desk-answer-not-staff"))
        return
    except UnknownQuestion:
        return
    except InvalidInput:
        # Nothing readable (an emoji, invisible characters): not sent, and staff are told.
        await message.reply(t("input-no-letters" if rights.is_staff else "desk-answer-not-staff"))
        return
    if outcome.repeated:
        await message.reply(t("once-answer-already-sent"))
        return
    await message.reply(t("desk-answer-sent" if outcome.delivered else "desk-answer-undelivered"))


async def on_make_draft(
    callback: CallbackQuery,
    callback_data: DraftCallback,
    bot: Bot,
    i18n: Translator,
    questions: QuestionService,
    translations: Translations,
    settings: Settings,
) -> None:
    """The card's draft button: rights are checked on every press."""
    try:
        result = await questions.make_draft(callback_data.question_id, callback.from_user.id)
    except UnknownQuestion:
        await callback.answer(i18n("desk-question-not-found")[:200], show_alert=True)
        return
    except PermissionDenied:
        logger.info("draft refused to %s", callback.from_user.id)
        await callback.answer(i18n("desk-not-your-question")[:200], show_alert=True)
        return
    except NotAnswered:
        await callback.answer(i18n("desk-draft-not-answered")[:200], show_alert=True)
        return
    key = "desk-draft-created" if result.created else "desk-draft-exists"
    await callback.answer(i18n(key, draft=str(result.draft_id))[:200], show_alert=True)
    if result.created:
        await refresh_cards(bot, questions, translations, callback_data.question_id, settings.tz)


async def on_group_button(callback: CallbackQuery, i18n: Translator) -> None:
    """A button in a group that no handler knows (forged or old): answered, nothing else."""
    await callback.answer(i18n("error-stale-button"))


async def on_bot_membership(event: ChatMemberUpdated, staff_chats: StaffChatService) -> None:
    """The bot was removed from a group: the group stops receiving cards."""
    if event.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        codes = await staff_chats.deactivate_chat(event.chat.id)
        if codes:
            logger.warning("bot removed from staff chat %s (%s)", event.chat.id, ",".join(codes))


async def on_migrate(message: Message, staff_chats: StaffChatService) -> None:
    """A group became a supergroup: Telegram says so in both the old and the new chat."""
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    else:
        assert message.migrate_from_chat_id is not None
        old, new = message.migrate_from_chat_id, message.chat.id
    if await staff_chats.migrate(old, new):
        logger.info("staff chat %s is now %s", old, new)


# ------------------------------------------------------------------------------ private chat


async def questions_command(
    message: Message, dialog_manager: DialogManager, bot: Bot, rights: Rights, i18n: Translator
) -> None:
    if not rights.is_staff:
        await message.answer(i18n("desk-no-rights"))
        return
    await set_chat_commands(bot, message.chat.id, i18n, admin=rights.is_admin, staff=True)
    await dialog_manager.start(ExpertDesk.questions, mode=StartMode.RESET_STACK)


async def start_with_question(
    message: Message,
    command: CommandObject,
    dialog_manager: DialogManager,
    bot: Bot,
    rights: Rights,
    i18n: Translator,
    questions: QuestionService,
) -> None:
    """`/start q<id>`: the card's "answer in private chat" button."""
    assert command.args is not None
    if not rights.is_staff:
        await message.answer(i18n("desk-no-rights"))
        return
    question_id = deep_link_id(command, QUESTION_LINK_PREFIX)
    view = None if question_id is None else await questions.card(question_id)
    if view is None:
        await message.answer(i18n("desk-question-not-found"))
        return
    if not view.answerable_by(rights):
        await message.answer(i18n("desk-not-your-question"))
        return
    await set_chat_commands(bot, message.chat.id, i18n, admin=rights.is_admin, staff=True)
    await dialog_manager.start(
        ExpertDesk.question, data={"question_id": view.id}, mode=StartMode.RESET_STACK
    )


def create_desk_router() -> Router:
    """Staff groups (binding, replies to cards, draft buttons, membership) and `/questions`.

    Included before the command router: `/questions` would otherwise be an unknown command."""
    router = Router(name="expert_desk")
    in_group = F.chat.type.in_(GROUP_TYPES)
    router.message.register(questions_command, Command("questions"), F.chat.type == "private")
    router.message.register(on_bind, Command("bind"), in_group)
    router.message.register(on_unbind, Command("unbind"), in_group)
    router.message.register(on_migrate, in_group, F.migrate_to_chat_id | F.migrate_from_chat_id)
    router.message.register(on_card_reply, in_group, F.reply_to_message)
    router.callback_query.register(on_make_draft, DraftCallback.filter())
    router.callback_query.register(on_group_button, F.message.chat.type.in_(GROUP_TYPES))
    router.my_chat_member.register(on_bot_membership, in_group)
    return router


# ------------------------------------------------------------------------------ reply dialog


def _questions(manager: DialogManager) -> QuestionService:
    return manager.middleware_data["questions"]  # type: ignore[no-any-return]


def _t(manager: DialogManager) -> Translator:
    return manager.middleware_data["i18n"]  # type: ignore[no-any-return]


def _tz(manager: DialogManager) -> ZoneInfo:
    settings: Settings = manager.middleware_data["settings"]
    return settings.tz


def _question_id(manager: DialogManager) -> int:
    return int(manager.dialog_data.get("question_id") or 0)


async def get_list(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = _t(dialog_manager)
    rights: Rights = dialog_manager.middleware_data["rights"]
    page = await _questions(dialog_manager).open_questions(rights, limit=LIST_LIMIT)
    items = [
        (str(q.id), t("desk-list-item", id=str(q.id), text=shorten(q.text, LIST_ITEM_TEXT)))
        for q in page.items
    ]
    return {
        "items": items,
        "total": str(page.total),
        "shown": str(len(items)),
        "has_items": bool(items),
        "empty": not items,
        "more": page.total > len(items),
    }


async def get_question(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = _t(dialog_manager)
    rights: Rights = dialog_manager.middleware_data["rights"]
    view = await _questions(dialog_manager).card(_question_id(dialog_manager))
    if view is None or not view.answerable_by(rights):
        return {"found": False, "missing": view is None, "foreign": view is not None}
    card = render_card(t, view, _tz(dialog_manager), limit=DIALOG_CARD_LIMIT, in_group=False)
    return {
        "found": True,
        "missing": False,
        "foreign": False,
        "card": card,
        "truncated": esc(view.text) not in card,
        "answered": bool(view.answers),
        "associations": esc(association_names(answering_for(view, rights), t.locale)),
    }


async def get_preview(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    translations: Translations = dialog_manager.middleware_data["translations"]
    rights: Rights = dialog_manager.middleware_data["rights"]
    view = await _questions(dialog_manager).card(_question_id(dialog_manager))
    text = str(dialog_manager.dialog_data.get("answer", ""))
    if view is None or not text:
        return {"preview": "", "several": False, "count": "0"}
    member_t = translations.get(view.member.locale or view.locale)
    associations = answering_for(view, rights)
    messages = member_messages(member_t, associations, view.text, text)
    shown = text
    if utf16_len(text) > PREVIEW_MAX:
        shown = split_message(text, PREVIEW_MAX)[0].rstrip(" ,.;:") + "…"
    first = member_messages(member_t, associations, view.text, shown)[0]
    return {"preview": first, "several": len(messages) > 1, "count": str(len(messages))}


async def get_sent(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    delivered = bool(dialog_manager.dialog_data.get("delivered"))
    return {
        "id": str(_question_id(dialog_manager)),
        "delivered": delivered,
        "undelivered": not delivered,
    }


async def on_pick(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    rights: Rights = manager.middleware_data["rights"]
    question_id = parse_id(item_id)
    view = None if question_id is None else await _questions(manager).card(question_id)
    if view is None:
        await answer(manager, callback, _t(manager)("desk-question-not-found"), alert=True)
        return
    if not view.answerable_by(rights):
        await answer(manager, callback, _t(manager)("desk-not-your-question"), alert=True)
        return
    manager.dialog_data["question_id"] = view.id
    manager.dialog_data.pop("answer", None)
    await manager.switch_to(ExpertDesk.question)


async def on_answer_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    try:
        text = clean_answer(message.text or "")
    except InvalidInput as error:
        refusal = "desk-text-only" if error.code == "empty" else "input-no-letters"
        await message.answer(_t(manager)(refusal))
        manager.show_mode = ShowMode.NO_UPDATE
        return
    manager.dialog_data["answer"] = text
    # The Send button of this preview: the same press handled again sends nothing more.
    manager.dialog_data["answer_key"] = secrets.token_hex(16)
    await manager.switch_to(ExpertDesk.preview)


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await message.answer(_t(manager)("desk-text-only"))
    manager.show_mode = ShowMode.NO_UPDATE


async def on_full_question(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    rights: Rights = manager.middleware_data["rights"]
    view = await _questions(manager).card(_question_id(manager))
    if view is None or not view.answerable_by(rights) or callback.message is None:
        await answer(manager, callback, _t(manager)("desk-question-not-found"), alert=True)
        return
    bot: Bot = manager.middleware_data["bot"]
    for piece in split_message(view.text):
        await bot.send_message(callback.message.chat.id, esc(piece))
    manager.show_mode = ShowMode.SEND  # the window again, below the text


async def on_send(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    text = manager.dialog_data.pop("answer", None)
    if not text:
        await manager.switch_to(ExpertDesk.question)
        return
    t = _t(manager)
    try:
        outcome = await answer_question(
            manager.middleware_data["bot"],
            _questions(manager),
            manager.middleware_data["translations"],
            question_id=_question_id(manager),
            staff=callback.from_user,
            text=text,
            tz=_tz(manager),
            request_key=manager.dialog_data.get("answer_key"),
        )
    except PermissionDenied:
        await answer(manager, callback, t("desk-not-your-question"), alert=True)
        await manager.switch_to(ExpertDesk.questions)
        return
    except (UnknownQuestion, InvalidInput):
        await answer(manager, callback, t("desk-question-not-found"), alert=True)
        await manager.switch_to(ExpertDesk.questions)
        return
    if outcome.repeated:
        await answer(manager, callback, t("once-answer-already-sent"), alert=True)
        manager.dialog_data["delivered"] = outcome.delivered
        await manager.switch_to(ExpertDesk.sent)
        return
    manager.dialog_data["delivered"] = outcome.delivered
    await manager.switch_to(ExpertDesk.sent)


async def on_start(start_data: Any, manager: DialogManager) -> None:
    """Opened by a deep link: straight to that question."""
    if isinstance(start_data, dict) and "question_id" in start_data:
        manager.dialog_data["question_id"] = int(start_data["question_id"])


async def on_cancel(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop("answer", None)
    await manager.switch_to(ExpertDesk.questions)


ANSWER_INPUT = MessageInput(on_answer_text, content_types=ContentType.TEXT)
NOT_TEXT = MessageInput(on_not_text, content_types=ContentType.ANY)
TO_LIST = SwitchTo(Tr("desk-back-to-list"), id="to_list", state=ExpertDesk.questions)

list_window = Window(
    Tr("desk-list-title", when="has_items"),
    Tr("desk-list-more", when="more"),
    Tr("desk-list-empty", when="empty"),
    ScrollingGroup(
        indexed_select(LIST_SELECT, "items", on_pick),
        id="pages",
        width=1,
        height=8,
        hide_on_single_page=True,
    ),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ExpertDesk.questions,
    getter=get_list,
)

question_window = Window(
    Multi(
        Format("{card}", when="found"),
        Tr("desk-answer-again", when="answered"),
        Tr("desk-answer-prompt", when="found"),
        Tr("desk-question-not-found", when="missing"),
        Tr("desk-not-your-question", when="foreign"),
        sep="\n\n",
    ),
    Button(Tr("desk-full-question"), id="full", on_click=on_full_question, when="truncated"),
    TO_LIST,
    ANSWER_INPUT,
    NOT_TEXT,
    state=ExpertDesk.question,
    getter=get_question,
)

preview_window = Window(
    Multi(
        Tr("desk-preview-title"),
        Format("{preview}"),
        Tr("desk-preview-parts", when="several"),
        sep="\n\n",
    ),
    Row(
        Button(Tr("desk-send"), id="send", on_click=on_send),
        SwitchTo(Tr("desk-edit"), id="edit", state=ExpertDesk.question),
    ),
    Button(Tr("desk-cancel"), id="cancel", on_click=on_cancel),
    ANSWER_INPUT,  # a new text replaces the answer
    NOT_TEXT,
    state=ExpertDesk.preview,
    getter=get_preview,
)

sent_window = Window(
    Tr("desk-sent", when="delivered"),
    Tr("desk-sent-undelivered", when="undelivered"),
    SwitchTo(Tr("desk-back-to-list"), id="back_to_list", state=ExpertDesk.questions),
    MENU_BUTTON,
    USE_BUTTONS,
    state=ExpertDesk.sent,
    getter=get_sent,
)


def expert_desk_dialog() -> Dialog:
    return Dialog(list_window, question_window, preview_window, sent_window, on_start=on_start)
