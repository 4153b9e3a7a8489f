"""Staff group chats: which Telegram group receives the question cards of which association.

An association has at most one group; one group may serve several associations. A binding is
kept (inactive) when the group is unbound or the bot is removed, so the audit log and old cards
still make sense; binding again reactivates it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import DEFAULT_LOCALE, LOCALES
from bot.services.staff import PermissionDenied, StaffGuarded, UnknownAssociation
from storage.models import Association, AuditAction, StaffChat, utcnow
from storage.repositories import associations as associations_repo
from storage.repositories import questions as repo
from storage.repositories.audit import add_event

TITLE_MAX = 255


@dataclass(frozen=True)
class BoundChat:
    """A staff group and the associations it serves (their codes in display order)."""

    chat_id: int
    title: str | None
    locale: str
    association_codes: tuple[str, ...]


@dataclass(frozen=True)
class CardRef:
    """A card posted in a staff group, and the group's language (the card is edited in it)."""

    chat_id: int
    message_id: int
    locale: str


class BindStatus(StrEnum):
    BOUND = "bound"  # the association had no active group
    MOVED = "moved"  # the association's group was another one
    ALREADY = "already"  # this group already served the association


@dataclass(frozen=True)
class BindResult:
    status: BindStatus
    association_code: str
    chat: BoundChat  # the group after the change, with every association it serves
    previous_chat_id: int | None = None


def group_bindings(pairs: Iterable[tuple[StaffChat, Association]]) -> list[BoundChat]:
    """One BoundChat per distinct group, in the order of their first association."""
    chats: dict[int, BoundChat] = {}
    for binding, association in pairs:
        known = chats.get(binding.chat_id)
        if known is None:
            chats[binding.chat_id] = BoundChat(
                binding.chat_id, binding.title, binding.locale, (association.code,)
            )
        else:
            codes = (*known.association_codes, association.code)
            chats[binding.chat_id] = BoundChat(known.chat_id, known.title, known.locale, codes)
    return list(chats.values())


async def bound_chats(
    session: AsyncSession, association_codes: Iterable[str] | None = None
) -> list[BoundChat]:
    """The distinct active groups serving any of these associations (of every association
    when None), in the caller's transaction."""
    return group_bindings(await repo.active_bindings(session, association_codes))


class StaffChatService(StaffGuarded):
    """Use cases on staff group bindings; each method is one transaction."""

    async def bind(
        self,
        chat_id: int,
        title: str | None,
        association_code: str,
        actor: int,
        locale: str | None = None,
    ) -> BindResult:
        """Make this group the association's staff group; only admins may. `locale` sets the
        group's language (default: the language it already has, else Ukrainian)."""
        if not (await self.staff.rights(actor)).is_admin:
            raise PermissionDenied
        if locale is not None and locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r}")
        title = title[:TITLE_MAX] if title else None
        async with self.db.transaction() as session:
            association = await associations_repo.by_code(session, association_code)
            if association is None or not association.active:
                raise UnknownAssociation(association_code)
            in_chat = await repo.bindings_in_chat(session, chat_id)
            if locale is None:
                locale = in_chat[0][0].locale if in_chat else DEFAULT_LOCALE
            binding = await repo.binding_of(session, association.id)
            previous = None
            if binding is None:
                status = BindStatus.BOUND
                binding = await repo.add_binding(
                    session,
                    StaffChat(
                        chat_id=chat_id,
                        association_id=association.id,
                        title=title,
                        locale=locale,
                        bound_by=actor,
                        active=True,
                    ),
                )
            else:
                if binding.active and binding.chat_id == chat_id:
                    status = BindStatus.ALREADY
                elif binding.active:
                    status, previous = BindStatus.MOVED, binding.chat_id
                else:
                    status = BindStatus.BOUND
                if status != BindStatus.ALREADY:
                    binding.bound_by = actor
                    binding.bound_at = utcnow()
                binding.chat_id, binding.title, binding.active = chat_id, title, True
            # A group speaks one language: every association it serves uses the same.
            for other, _ in in_chat:
                other.locale = locale
            binding.locale = locale
            await session.flush()
            if status != BindStatus.ALREADY:
                await add_event(
                    session,
                    AuditAction.STAFF_CHAT_BOUND,
                    association_code,
                    actor_id=actor,
                    before={"chat_id": previous} if previous is not None else None,
                    after={"chat_id": chat_id, "locale": locale},
                )
            chat = group_bindings(await repo.bindings_in_chat(session, chat_id))[0]
        return BindResult(status, association_code, chat, previous)

    async def unbind(
        self, chat_id: int, actor: int, association_code: str | None = None
    ) -> tuple[str, ...]:
        """Stop sending cards to this group (for one association, or all it serves); only
        admins may. Returns the codes unbound."""
        if not (await self.staff.rights(actor)).is_admin:
            raise PermissionDenied
        return await self._deactivate(
            chat_id, actor, AuditAction.STAFF_CHAT_UNBOUND, association_code
        )

    async def deactivate_chat(self, chat_id: int) -> tuple[str, ...]:
        """The bot was removed from the group: it serves nobody any more."""
        return await self._deactivate(chat_id, None, AuditAction.STAFF_CHAT_DEACTIVATED, None)

    async def _deactivate(
        self, chat_id: int, actor: int | None, action: AuditAction, association_code: str | None
    ) -> tuple[str, ...]:
        async with self.db.transaction() as session:
            codes = []
            for binding, association in await repo.bindings_in_chat(session, chat_id):
                if association_code is not None and association.code != association_code:
                    continue
                binding.active = False
                codes.append(association.code)
                await add_event(
                    session, action, association.code, actor_id=actor, before={"chat_id": chat_id}
                )
            return tuple(codes)

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        """The group became a supergroup with a new id; its bindings follow. Cards posted before
        stay under the old id: Telegram gives the supergroup's messages new ids."""
        async with self.db.transaction() as session:
            moved = 0
            for binding, association in await repo.bindings_in_chat(
                session, old_chat_id, active_only=False
            ):
                binding.chat_id = new_chat_id
                moved += 1
                await add_event(
                    session,
                    AuditAction.STAFF_CHAT_MIGRATED,
                    association.code,
                    actor_id=None,
                    before={"chat_id": old_chat_id},
                    after={"chat_id": new_chat_id},
                )
            return moved

    async def chats_for(self, association_codes: Iterable[str]) -> list[BoundChat]:
        """The distinct active groups serving any of these associations."""
        async with self.db.transaction() as session:
            return await bound_chats(session, association_codes)

    async def chat(self, chat_id: int) -> BoundChat | None:
        """This group's active bindings, or None when it serves no association."""
        async with self.db.transaction() as session:
            chats = group_bindings(await repo.bindings_in_chat(session, chat_id))
        return chats[0] if chats else None
