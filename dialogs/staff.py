"""Admin tools in private chat: one-time staff invite links, and the staff list where rights
and invite links still working are taken back.

Every press re-reads the presser's rights (the service refuses anyone but an admin); an admin
does not revoke their own admin right here, so the bot always keeps one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, TypeVar

from aiogram.types import CallbackQuery
from aiogram_dialog import Dialog, DialogManager
from aiogram_dialog.widgets.kbd import Button, Column, Keyboard, Row, Start, SwitchTo
from aiogram_dialog.widgets.link_preview import LinkPreview
from aiogram_dialog.widgets.text import Format, Text

from bot.i18n import Translator
from bot.services.staff import (
    HeldRight,
    InviteGone,
    NotHeld,
    OwnAdminRight,
    PendingInvite,
    PermissionDenied,
    Roster,
    SettingsAdmin,
    UnknownAssociation,
)
from delivery.commands import refresh_chat_commands
from dialogs.common import (
    USE_BUTTONS,
    Tr,
    Window,
    answer,
    associations_of,
    bot_of,
    esc,
    indexed_select,
    members_of,
    pressed_item,
    staff_of,
    timezone_of,
    translations_of,
    translator,
    user_id,
)
from dialogs.presenters import local_time
from dialogs.states import StaffAccess, StaffInvites
from dialogs.widgets import menu_window

logger = logging.getLogger(__name__)

RIGHT_SELECT = "right"
INVITE_SELECT = "invite"
PAGE_SIZE = 8  # rights per page: the list's text and its buttons stay short
LABEL_NAME_MAX = 32
# Why the service kept a right the admin chose to revoke.
KEPT: dict[type[Exception], str] = {
    NotHeld: "staff-right-gone",
    SettingsAdmin: "staff-right-settings",
    OwnAdminRight: "staff-right-own",
}

T = TypeVar("T")


async def get_associations(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    locale = translator(dialog_manager).locale
    return {
        "associations": [
            (str(i), a.short(locale)) for i, a in enumerate(associations_of(dialog_manager))
        ]
    }


async def get_link(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {
        "link": esc(data.get("link", "")),
        "association": esc(data.get("association", "")),
        "expires": data.get("expires", ""),
    }


async def on_association(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    t = translator(manager)
    association = await pressed_item(manager, callback, item_id, associations_of(manager))
    if association is None:
        return
    try:
        invite = await staff_of(manager).create_invite(user_id(manager), association.code)
    except PermissionDenied:
        await _no_admin(manager, callback)
        return
    except UnknownAssociation:
        await answer(manager, callback, t("staff-unknown-association"), alert=True)
        return
    me = await bot_of(manager).me()
    tz = timezone_of(manager)
    manager.dialog_data.update(
        link=f"https://t.me/{me.username}?start={invite.payload}",
        association=association.short(t.locale),
        expires=invite.expires_at.astimezone(tz).strftime("%d.%m.%Y %H:%M"),
    )
    await manager.switch_to(StaffInvites.link)


association_window = menu_window(
    Tr("invites-choose-association"),
    Column(indexed_select("assoc", "associations", on_association)),
    Start(Tr("staff-open-list"), id="staff_list", state=StaffAccess.rights),
    state=StaffInvites.association,
    getter=get_associations,
)

link_window = menu_window(
    Tr("invites-link"),
    LinkPreview(is_disabled=True),
    SwitchTo(Tr("invites-another"), id="another", state=StaffInvites.association),
    state=StaffInvites.link,
    getter=get_link,
)


def staff_invites_dialog() -> Dialog:
    return Dialog(association_window, link_window)


# ----------------------------------------------------------------------------- the staff list


def _association(manager: DialogManager, code: str | None) -> str:
    names = {a.code: a.short(translator(manager).locale) for a in associations_of(manager)}
    return names.get(code or "", code or "")


def _who(t: Translator, telegram_id: int, name: str | None) -> str:
    if name:
        return t("staff-who-member", name=esc(name), id=str(telegram_id))
    return t("staff-who-id", id=str(telegram_id))


def _right_line(manager: DialogManager, right: HeldRight) -> str:
    t = translator(manager)
    who = _who(t, right.telegram_id, right.name)
    if right.from_settings:
        return t("staff-line-settings", who=who)
    since = local_time(right.granted_at, timezone_of(manager)) if right.granted_at else ""
    if right.association_code is None:
        return t("staff-line-admin", who=who, since=since)
    association = _association(manager, right.association_code)
    return t("staff-line-staff", who=who, association=association, since=since)


def _right_label(manager: DialogManager, right: HeldRight) -> str:
    t = translator(manager)
    name = right.name or t("staff-who-id", id=str(right.telegram_id))
    if len(name) > LABEL_NAME_MAX:
        name = name[: LABEL_NAME_MAX - 1] + "…"
    if right.association_code is None:
        return t("staff-revoke-admin-button", name=name)
    association = _association(manager, right.association_code)
    return t("staff-revoke-staff-button", name=name, association=association)


def _invite_line(manager: DialogManager, invite: PendingInvite) -> str:
    t = translator(manager)
    return t(
        "staff-invite-line",
        association=_association(manager, invite.association_code),
        who=_who(t, invite.created_by, invite.created_by_name),
        created=local_time(invite.created_at, timezone_of(manager)),
        expires=local_time(invite.expires_at, timezone_of(manager)),
    )


async def _roster(manager: DialogManager) -> Roster | None:
    """The roster as the presser may see it now; None when they are no admin (any more)."""
    try:
        return await staff_of(manager).roster(user_id(manager))
    except PermissionDenied:
        return None


def _page(manager: DialogManager, key: str, items: Sequence[T]) -> dict[str, Any]:
    """One page of `items` (the page number kept under `key`), and the pager's figures."""
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(int(manager.dialog_data.get(key, 0)), 0), pages - 1)
    manager.dialog_data[key] = page
    return {
        "shown": items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE],
        "page": page + 1,
        "pages": pages,
        "paged": pages > 1,
    }


async def get_rights(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    roster = await _roster(dialog_manager)
    if roster is None:
        return {"denied": True, "allowed": False, "rights": [], "paged": False}
    paged = _page(dialog_manager, "page", roster.rights)
    shown: Sequence[HeldRight] = paged.pop("shown")
    return {
        **paged,
        "denied": False,
        "allowed": True,
        "count": len(roster.rights),
        # Around Fluent: it refuses an argument over 2,500 characters.
        "lines": "\n".join(_right_line(dialog_manager, right) for right in shown),
        "rights": [
            (str(right.id), _right_label(dialog_manager, right))
            for right in shown
            if right.revocable and not _own_admin(dialog_manager, right)
        ],
        "invites": len(roster.invites),
    }


def _own_admin(manager: DialogManager, right: HeldRight) -> bool:
    return right.association_code is None and right.telegram_id == user_id(manager)


async def get_invites(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    roster = await _roster(dialog_manager)
    if roster is None:
        return {"denied": True, "has_invites": False, "invites": [], "paged": False}
    t = translator(dialog_manager)
    tz = timezone_of(dialog_manager)
    paged = _page(dialog_manager, "invite_page", roster.invites)
    shown: Sequence[PendingInvite] = paged.pop("shown")
    return {
        **paged,
        "denied": False,
        "count": len(roster.invites),
        "has_invites": bool(roster.invites),
        "no_invites": not roster.invites,
        "lines": "\n".join(_invite_line(dialog_manager, invite) for invite in shown),
        "invites": [
            (
                str(invite.id),
                t(
                    "staff-revoke-invite-button",
                    association=_association(dialog_manager, invite.association_code),
                    expires=invite.expires_at.astimezone(tz).strftime("%d.%m %H:%M"),
                ),
            )
            for invite in shown
        ],
    }


def _listed(roster: Roster, kind: str) -> Sequence[HeldRight | PendingInvite]:
    """The roster's rights (`kind` "right") or pending invites ("invite")."""
    return roster.rights if kind == "right" else roster.invites


async def _chosen(manager: DialogManager, kind: str) -> dict[str, Any]:
    """The right or invite chosen from its list, as the presser may see it now."""
    roster = await _roster(manager)
    chosen = manager.dialog_data.get(kind)
    item = next((i for i in _listed(roster, kind) if i.id == chosen), None) if roster else None
    return {
        "item": item,
        "denied": roster is None,
        "gone": roster is not None and item is None,
        "present": item is not None,
    }


async def get_chosen_right(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    chosen = await _chosen(dialog_manager, "right")
    right: HeldRight | None = chosen.pop("item")
    return {
        **chosen,
        "line": _right_line(dialog_manager, right) if right else "",
        "admin": bool(right and right.association_code is None),
    }


async def get_chosen_invite(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    chosen = await _chosen(dialog_manager, "invite")
    invite: PendingInvite | None = chosen.pop("item")
    return {**chosen, "line": _invite_line(dialog_manager, invite) if invite else ""}


async def get_done(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {
        "line": data.get("done_line", ""),
        "withdrawn": int(data.get("withdrawn", 0)),
        "has_withdrawn": bool(data.get("withdrawn")),
        "still": data.get("still", ""),
        "has_still": bool(data.get("still")),
    }


async def _refuse(manager: DialogManager, callback: CallbackQuery, message_id: str) -> None:
    await answer(manager, callback, translator(manager)(message_id), alert=True)


async def _no_admin(manager: DialogManager, callback: CallbackQuery) -> None:
    """The presser is no admin (any more): say so and leave the list."""
    await _refuse(manager, callback, "staff-no-rights")
    await manager.done()


async def on_page(_callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """◀️ / ▶️ of either list; the getter keeps the page within the list."""
    key, _, direction = (button.widget_id or "").rpartition("_")
    step = 1 if direction == "next" else -1
    manager.dialog_data[key] = int(manager.dialog_data.get(key, 0)) + step


def _pager(key: str) -> Row:
    return Row(
        Button(Tr("staff-page-previous"), id=f"{key}_previous", on_click=on_page),
        Button(Tr("staff-page-next"), id=f"{key}_next", on_click=on_page),
        when="paged",
    )


async def _pick(callback: CallbackQuery, manager: DialogManager, kind: str, item_id: str) -> None:
    """A right (only one that may be revoked) or an invite pressed in its list: its confirmation.
    The id is matched against those that exist now: a forged or stale one matches none."""
    roster = await _roster(manager)
    if roster is None:
        await _no_admin(manager, callback)
        return
    listed = _listed(roster, kind)
    item = next((i for i in listed if str(i.id) == item_id and _revocable(i)), None)
    if item is None:
        await _refuse(manager, callback, f"staff-{kind}-gone")
        return
    manager.dialog_data[kind] = item.id
    await manager.switch_to(getattr(StaffAccess, f"confirm_{kind}"))


def _revocable(item: HeldRight | PendingInvite) -> bool:
    return not isinstance(item, HeldRight) or item.revocable


async def on_right(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    await _pick(callback, manager, "right", item_id)


async def on_revoke_right(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
    right_id = manager.dialog_data.get("right")
    staff = staff_of(manager)
    try:
        if not isinstance(right_id, int):
            raise NotHeld
        revoked = await staff.revoke_right(user_id(manager), right_id)
    except PermissionDenied:
        await _no_admin(manager, callback)
        return
    except (NotHeld, SettingsAdmin, OwnAdminRight) as error:
        await _refuse(manager, callback, KEPT[type(error)])
        await manager.switch_to(StaffAccess.rights)
        return
    logger.info("staff right of %s revoked by %s", revoked.right.telegram_id, user_id(manager))
    # Their command list follows at once; every command and button re-checks anyway.
    await refresh_chat_commands(
        bot_of(manager),
        members_of(manager),
        translations_of(manager),
        revoked.rights,
    )
    t = translator(manager)
    left = revoked.rights
    still = [t("staff-still-admin")] if left.is_admin else []
    still += [
        t("staff-still-staff", association=_association(manager, code))
        for code in sorted(left.staff_of)
    ]
    manager.dialog_data.update(
        done_line=_right_line(manager, revoked.right),
        withdrawn=revoked.invites_withdrawn,
        still=", ".join(still),
    )
    await manager.switch_to(StaffAccess.right_revoked)


async def on_invite(
    callback: CallbackQuery, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    await _pick(callback, manager, "invite", item_id)


async def on_revoke_invite(
    callback: CallbackQuery, _button: Button, manager: DialogManager
) -> None:
    invite_id = manager.dialog_data.get("invite")
    try:
        if not isinstance(invite_id, int):
            raise InviteGone
        invite = await staff_of(manager).revoke_invite(user_id(manager), invite_id)
    except PermissionDenied:
        await _no_admin(manager, callback)
        return
    except InviteGone:
        await _refuse(manager, callback, "staff-invite-gone")
        await manager.switch_to(StaffAccess.invites)
        return
    logger.info("staff invite %s revoked by %s", invite.id, user_id(manager))
    manager.dialog_data["done_line"] = _invite_line(manager, invite)
    await manager.switch_to(StaffAccess.invite_revoked)


DENIED = Tr("staff-no-rights", when="denied")
TO_LIST = SwitchTo(Tr("staff-back-list"), id="to_list", state=StaffAccess.rights)
TO_INVITES = SwitchTo(Tr("staff-back-invites"), id="to_invites", state=StaffAccess.invites)
NEW_INVITE = Start(Tr("staff-new-invite"), id="new_invite", state=StaffInvites.association)


def _listing(texts: str, when: str) -> tuple[Text, ...]:
    """A page of the roster's list, shown `when` it has rows: `{texts}-title`, the rows, the
    page number and `{texts}-hint`."""
    return (
        Tr(f"{texts}-title", when=when),
        Format("{lines}", when=when),
        Tr("staff-list-page", when="paged"),
        Tr(f"{texts}-hint", when=when),
    )


rights_window = menu_window(
    DENIED,
    *_listing("staff-list", when="allowed"),
    Column(indexed_select(RIGHT_SELECT, "rights", on_right)),
    _pager("page"),
    SwitchTo(Tr("staff-invites-button"), id="invites", state=StaffAccess.invites, when="allowed"),
    state=StaffAccess.rights,
    getter=get_rights,
)


def _confirm_window(kind: str, on_revoke: Any, back: Keyboard, getter: Any, *notes: Text) -> Window:
    """Revoke the chosen right or invite? It may be gone by now, or the presser no admin."""
    return Window(
        DENIED,
        Tr(f"staff-{kind}-gone", when="gone"),
        Tr(f"staff-confirm-{kind}", when="present"),
        *notes,
        Button(Tr("staff-revoke-yes"), id="revoke", on_click=on_revoke, when="present"),
        back,
        USE_BUTTONS,
        state=getattr(StaffAccess, f"confirm_{kind}"),
        getter=getter,
    )


confirm_right_window = _confirm_window(
    "right",
    on_revoke_right,
    TO_LIST,
    get_chosen_right,
    Tr("staff-confirm-right-admin", when="admin"),
)

right_revoked_window = menu_window(
    Tr("staff-right-revoked"),
    Tr("staff-right-revoked-still", when="has_still"),
    Tr("staff-right-revoked-invites", when="has_withdrawn"),
    TO_LIST,
    state=StaffAccess.right_revoked,
    getter=get_done,
)

invites_window = Window(
    DENIED,
    *_listing("staff-invites", when="has_invites"),
    Tr("staff-invites-none", when="no_invites"),
    Column(indexed_select(INVITE_SELECT, "invites", on_invite)),
    _pager("invite_page"),
    NEW_INVITE,
    TO_LIST,
    USE_BUTTONS,
    state=StaffAccess.invites,
    getter=get_invites,
)

confirm_invite_window = _confirm_window("invite", on_revoke_invite, TO_INVITES, get_chosen_invite)

invite_revoked_window = menu_window(
    Tr("staff-invite-revoked"),
    TO_INVITES,
    TO_LIST,
    state=StaffAccess.invite_revoked,
    getter=get_done,
)


def staff_access_dialog() -> Dialog:
    return Dialog(
        rights_window,
        confirm_right_window,
        right_revoked_window,
        invites_window,
        confirm_invite_window,
        invite_revoked_window,
    )
