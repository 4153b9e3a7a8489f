"""Registration: language → consent → name → role → oblast → hromada → associations → phone.

The same windows edit one profile field when started with `{"edit": <field>}` from the profile.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import (
    Back,
    Button,
    Column,
    Group,
    ManagedMultiselect,
    RequestContact,
    Row,
    SwitchTo,
)
from aiogram_dialog.widgets.markup.reply_keyboard import ReplyKeyboardFactory

from bot.services.members import (
    ROLES,
    InvalidInput,
    MemberProfile,
    RegistrationForm,
    clean_hromada_text,
    clean_name,
)
from delivery.verification_cards import announce_new_member
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    associations_of,
    bot_of,
    esc,
    hromadas_of,
    indexed_select,
    item_number,
    members_of,
    pressed_item,
    refuse_input,
    translator,
    use_locale,
    user_id,
)
from dialogs.presenters import hromada_label, is_kyiv, oblast_name
from dialogs.states import Menu, Registration
from dialogs.widgets import ticked_select

NAME_INPUT = "name"
HROMADA_INPUT = "hromada_q"
ASSOCIATIONS_SELECT = "assoc"


# Getters ------------------------------------------------------------------------------------


def _editing(manager: DialogManager) -> str | None:
    start_data = manager.start_data
    return start_data.get("edit") if isinstance(start_data, dict) else None


async def get_common(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"editing": _editing(dialog_manager) is not None}


async def get_name(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    user = dialog_manager.middleware_data["event_from_user"]
    telegram_name = " ".join(filter(None, [user.first_name, user.last_name]))[:100]
    return {
        "telegram_name": esc(telegram_name),
        "telegram_name_plain": telegram_name,
        "has_telegram_name": bool(telegram_name.strip()),
    }


async def get_roles(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = translator(dialog_manager)
    return {"roles": [(str(i), t(f"role-{code}")) for i, code in enumerate(ROLES)]}


async def get_oblasts(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    oblasts = hromadas_of(dialog_manager).oblasts
    return {"oblasts": [(str(i), oblast_name(o, locale)) for i, o in enumerate(oblasts)]}


async def get_hromada(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    directory = hromadas_of(dialog_manager)
    oblast = directory.oblast(dialog_manager.dialog_data.get("oblast_code", ""))
    return {
        "oblast": oblast_name(oblast, translator(dialog_manager).locale),
        "codifier": await directory.has_codifier(),
    }


async def get_matches(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    matches = dialog_manager.dialog_data.get("matches", [])
    return {
        "query": esc(dialog_manager.dialog_data.get("query", "")),
        "matches": [(str(i), m["label"]) for i, m in enumerate(matches)],
    }


async def get_associations(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    associations = associations_of(dialog_manager)
    return {
        "associations": [(str(i), a.short(locale)) for i, a in enumerate(associations)],
        "association_list": "\n".join(
            f"• <b>{esc(a.short(locale))}</b>: {esc(a.name(locale))}" for a in associations
        ),
    }


async def get_phone(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    member = await members_of(dialog_manager).get(user_id(dialog_manager))
    return {
        "editing": _editing(dialog_manager) is not None,
        "has_phone": bool(member and member.phone),
    }


# Moving on ----------------------------------------------------------------------------------


async def _advance(manager: DialogManager, next_state: Any, **changes: Any) -> None:
    """Store the answers, then go to the next step, or save them when editing the profile."""
    manager.dialog_data.update(changes)
    editing = _editing(manager)
    if editing is None:
        await manager.switch_to(next_state)
        return
    if editing == "oblast" and next_state == Registration.hromada:
        await manager.switch_to(next_state)
        return
    fields = {key: value for key, value in changes.items() if key != "matches"}
    if editing == "oblast":
        fields["oblast_code"] = manager.dialog_data["oblast_code"]
    await _save_edit(manager, **fields)
    await manager.done()


async def _save_edit(manager: DialogManager, **fields: Any) -> None:
    """Save a profile edit; a rejected member's corrected profile goes back to the secretariat."""
    earlier: MemberProfile | None = manager.middleware_data.get("member")
    profile = await members_of(manager).update_profile(user_id(manager), **fields)
    if earlier is not None and earlier.verification != profile.verification:
        await announce_new_member(manager.middleware_data, profile)
        await bot_of(manager).send_message(
            user_id(manager), translator(manager)("profile-review-again")
        )
        manager.show_mode = ShowMode.SEND  # the profile below the notice, not above it


async def _finish(manager: DialogManager) -> None:
    data = manager.dialog_data
    form = RegistrationForm(
        full_name=data["full_name"],
        role=data["role"],
        oblast_code=data["oblast_code"],
        hromada_code=data.get("hromada_code"),
        hromada_text=data.get("hromada_text"),
        association_codes=list(data.get("association_codes", [])),
        associations_unsure=bool(data.get("associations_unsure")),
        phone=data.get("phone"),
        consent_at=datetime.fromisoformat(data["consent_at"]) if "consent_at" in data else None,
    )
    before = manager.middleware_data.get("member")
    profile = await members_of(manager).register(user_id(manager), form)
    if before is None or not before.registered:  # the first registration: staff are asked
        await announce_new_member(manager.middleware_data, profile)
    # The menu below renders in this same update: show it the member just saved.
    manager.middleware_data["member"] = profile
    await manager.start(Menu.main, data={"welcome": True}, mode=StartMode.RESET_STACK)


# Callbacks ----------------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    """When editing associations, show the member's current choice ticked."""
    if _editing(manager) != "associations":
        return
    member = await members_of(manager).get(user_id(manager))
    if member is None:
        return
    widget: ManagedMultiselect[str] = manager.find(ASSOCIATIONS_SELECT)  # type: ignore[assignment]
    for index, association in enumerate(associations_of(manager)):
        if association.code in member.association_codes:
            await widget.set_checked(str(index), True)


async def on_language(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    locale = "uk" if button.widget_id == "lang_uk" else "en"
    await members_of(manager).set_locale(callback.from_user.id, locale)
    use_locale(manager, locale)
    await manager.switch_to(Registration.consent)


async def on_consent(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    manager.dialog_data["consent_at"] = datetime.now(UTC).isoformat()
    await manager.switch_to(Registration.name)


async def on_name(
    _message: Message, _widget: ManagedTextInput[str], manager: DialogManager, name: str
) -> None:
    await _advance(manager, Registration.role, full_name=name)


async def on_telegram_name(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    name = " ".join(filter(None, [callback.from_user.first_name, callback.from_user.last_name]))
    try:
        cleaned = clean_name(name)
    except InvalidInput as error:
        await answer(
            manager,
            callback,
            translator(manager)(f"registration-name-{error.code}", **error.limits),
        )
        return
    await _advance(manager, Registration.role, full_name=cleaned)


async def on_input_error(
    message: Message, _widget: ManagedTextInput[Any], manager: DialogManager, error: ValueError
) -> None:
    """A typed answer broke a rule: say which, keep the window where it is."""
    t = translator(manager)
    limits = error.limits if isinstance(error, InvalidInput) else {}
    code = error.code if isinstance(error, InvalidInput) else "too-short"
    prefix = (
        "registration-name"
        if manager.current_context().state == Registration.name
        else ("registration-hromada")
    )
    await refuse_input(message, manager, t(f"{prefix}-{code}", **limits))


async def on_not_text(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await refuse_input(message, manager, translator(manager)("error-text-expected"))


async def on_role(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    role = await pressed_item(manager, callback, item_id, ROLES)
    if role is None:
        return
    await _advance(manager, Registration.oblast, role=role)


async def on_oblast(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    oblast = await pressed_item(manager, callback, item_id, hromadas_of(manager).oblasts)
    if oblast is None:
        return
    manager.dialog_data["oblast_code"] = oblast.code
    if is_kyiv(oblast.code):
        # Kyiv is a hromada of its own: nothing more to ask.
        await _advance(
            manager, Registration.associations, hromada_code=oblast.code, hromada_text=None
        )
        return
    await _advance(manager, Registration.hromada)


async def on_hromada_text(
    message: Message, _widget: ManagedTextInput[str], manager: DialogManager, text: str
) -> None:
    t = translator(manager)
    directory = hromadas_of(manager)
    try:
        # The same rule for a name typed in and for a search in the codifier.
        query = clean_hromada_text(text)
    except InvalidInput as error:
        await refuse_input(
            message, manager, t(f"registration-hromada-{error.code}", **error.limits)
        )
        return
    if not await directory.has_codifier():
        await _advance(manager, Registration.associations, hromada_code=None, hromada_text=query)
        return
    oblast_code = manager.dialog_data["oblast_code"]
    matches = await directory.search(oblast_code, query, limit=8)
    if not matches:
        oblast = oblast_name(directory.oblast(oblast_code), t.locale)
        await refuse_input(
            message, manager, t("registration-hromada-not-found", query=esc(query), oblast=oblast)
        )
        return
    manager.dialog_data["query"] = query
    manager.dialog_data["matches"] = [
        {"code": m.code, "label": hromada_label(t, m)} for m in matches
    ]
    await manager.switch_to(Registration.hromada_pick)


async def on_hromada_pick(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    match = await pressed_item(manager, callback, item_id, manager.dialog_data.get("matches", []))
    if match is None:
        return
    await _advance(
        manager, Registration.associations, hromada_code=match["code"], hromada_text=None
    )


async def on_associations_done(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    widget: ManagedMultiselect[str] = manager.find(ASSOCIATIONS_SELECT)  # type: ignore[assignment]
    checked = widget.get_checked()
    associations = associations_of(manager)
    # A forged tick is stored like a real one: only the association buttons shown count.
    ticked = sorted({item_number(i) for i in checked} & set(range(len(associations))))
    if not ticked:
        await answer(
            manager, callback, translator(manager)("registration-associations-none"), alert=True
        )
        return
    codes = [associations[i].code for i in ticked]
    await _advance(manager, Registration.phone, association_codes=codes, associations_unsure=False)


async def on_associations_unsure(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await _advance(manager, Registration.phone, association_codes=[], associations_unsure=True)


async def _save_phone(manager: DialogManager, phone: str | None) -> None:
    if _editing(manager) is not None:
        await members_of(manager).update_profile(user_id(manager), phone=phone)
        await manager.done()
        return
    manager.dialog_data["phone"] = phone
    await _finish(manager)


async def on_contact(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    contact = message.contact
    if contact is None or message.from_user is None or contact.user_id != message.from_user.id:
        # A forwarded or typed-in card of someone else: never store another person's number.
        await refuse_input(message, manager, translator(manager)("registration-phone-not-yours"))
        return
    await _save_phone(manager, contact.phone_number)


async def on_phone_other(message: Message, _widget: MessageInput, manager: DialogManager) -> None:
    await refuse_input(message, manager, translator(manager)("registration-phone-use-button"))


async def on_phone_skip(_callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    if _editing(manager) is not None:
        await manager.done()
        return
    await _save_phone(manager, None)


async def on_phone_remove(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    await _save_phone(manager, None)


async def on_back_or_close(
    _callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    """Back one step while registering; back to the profile while editing."""
    if _editing(manager) is not None:
        await manager.done()
    else:
        await manager.back()


# Windows ------------------------------------------------------------------------------------

BACK = Button(Tr("common-back"), id="back", on_click=on_back_or_close)
NOT_TEXT = MessageInput(on_not_text, content_types=ContentType.ANY)

language_window = Window(
    Tr("registration-language-prompt"),
    Row(
        Button(Tr("language-uk"), id="lang_uk", on_click=on_language),
        Button(Tr("language-en"), id="lang_en", on_click=on_language),
    ),
    USE_BUTTONS,
    state=Registration.language,
)

consent_window = Window(
    Tr("registration-consent-text"),
    Button(Tr("registration-consent-agree"), id="agree", on_click=on_consent),
    SwitchTo(Tr("registration-consent-decline"), id="decline", state=Registration.declined),
    Back(Tr("common-back")),
    USE_BUTTONS,
    state=Registration.consent,
)

declined_window = Window(
    Tr("registration-consent-declined"),
    SwitchTo(Tr("registration-consent-reconsider"), id="reconsider", state=Registration.consent),
    USE_BUTTONS,
    state=Registration.declined,
)

name_window = Window(
    Tr("registration-name-prompt"),
    Tr("registration-name-suggest", when="has_telegram_name"),
    Button(
        Tr("registration-name-use-telegram"),
        id="tg_name",
        on_click=on_telegram_name,
        when="has_telegram_name",
    ),
    BACK,
    TextInput(NAME_INPUT, type_factory=clean_name, on_success=on_name, on_error=on_input_error),
    NOT_TEXT,
    state=Registration.name,
    getter=get_name,
)


def _buttons_step(step: str, *widgets: Any, getter: Any) -> Window:
    """A step answered with buttons: its prompt, its choices, back."""
    return Window(
        Tr(f"registration-{step}-prompt"),
        *widgets,
        BACK,
        USE_BUTTONS,
        state=getattr(Registration, step),
        getter=getter,
    )


role_window = _buttons_step(
    "role", Column(indexed_select("role", "roles", on_role)), getter=get_roles
)
oblast_window = _buttons_step(
    "oblast", Group(indexed_select("oblast", "oblasts", on_oblast), width=2), getter=get_oblasts
)

hromada_window = Window(
    Tr("registration-hromada-search-prompt", when="codifier"),
    Tr("registration-hromada-free-prompt", when=lambda data, *_: not data["codifier"]),
    Back(Tr("registration-hromada-other-oblast")),
    TextInput(HROMADA_INPUT, on_success=on_hromada_text),
    NOT_TEXT,
    state=Registration.hromada,
    getter=get_hromada,
)

hromada_pick_window = Window(
    Tr("registration-hromada-pick"),
    Column(indexed_select("hromada", "matches", on_hromada_pick)),
    SwitchTo(Tr("registration-hromada-search-again"), id="again", state=Registration.hromada),
    TextInput("hromada_q2", on_success=on_hromada_text),
    NOT_TEXT,
    state=Registration.hromada_pick,
    getter=get_matches,
)

associations_window = _buttons_step(
    "associations",
    Column(ticked_select(ASSOCIATIONS_SELECT, "associations")),
    Button(Tr("registration-associations-unsure"), id="unsure", on_click=on_associations_unsure),
    Button(Tr("common-next"), id="assoc_done", on_click=on_associations_done),
    getter=get_associations,
)

phone_window = Window(
    Tr("registration-phone-prompt"),
    RequestContact(Tr("registration-phone-share")),
    Button(
        Tr("registration-phone-remove"), id="phone_rm", on_click=on_phone_remove, when="has_phone"
    ),
    Button(Tr("registration-phone-skip"), id="phone_skip", on_click=on_phone_skip),
    BACK,
    MessageInput(on_contact, content_types=ContentType.CONTACT),
    MessageInput(on_phone_other, content_types=ContentType.ANY),
    markup_factory=ReplyKeyboardFactory(resize_keyboard=True, one_time_keyboard=True),
    state=Registration.phone,
    getter=get_phone,
)


def registration_dialog() -> Dialog:
    return Dialog(
        language_window,
        consent_window,
        declined_window,
        name_window,
        role_window,
        oblast_window,
        hromada_window,
        hromada_pick_window,
        associations_window,
        phone_window,
        on_start=on_start,
        getter=get_common,
    )
