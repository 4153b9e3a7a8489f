"""Member verification: staff of a member's association approve or reject a new member.

The first decision stands. It is taken with a conditional UPDATE (`... WHERE verification =
'unverified'`), so when two officers press at once exactly one wins; the other is told who
decided, read from the audit log. A press carries a key (the pressed card): the same press
handled again (a resent update, a second process) finds its decision and decides nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.members import MemberProfile, verification_changed
from bot.services.request_keys import once_per_key
from bot.services.staff import PermissionDenied, Rights, StaffGuarded
from bot.services.staff_chats import CardRef
from storage.models import AuditAction, AuditEvent, AuditSubject, Member, Verification, utcnow
from storage.repositories import members as members_repo
from storage.repositories import verification as repo


class UnknownMember(LookupError):
    """No registered member has this Telegram id."""


# A member's verification card in a staff group, and the language it was posted in: a card
# like the reports' and questions' ones.
PostedCard = CardRef


@dataclass(frozen=True)
class Decision:
    """The member's verification after a press: decided now (`changed`) or earlier."""

    member: MemberProfile
    verification: str  # verified | rejected
    decided_by: int | None  # None when the audit log does not say (set outside the bot)
    decided_by_name: str | None
    decided_at: datetime | None
    changed: bool

    @property
    def approved(self) -> bool:
        return self.verification == Verification.VERIFIED


def may_verify(rights: Rights, member: MemberProfile) -> bool:
    """Staff of one of the member's associations, any staff when the member is not sure, admins."""
    if rights.is_admin:
        return True
    if member.associations_unsure or not member.association_codes:
        return bool(rights.staff_of)
    return any(rights.may_act_for(code) for code in member.association_codes)


class VerificationService(StaffGuarded):
    """Use cases on member verification; each method is one transaction."""

    async def decide(
        self,
        member_telegram_id: int,
        staff_telegram_id: int,
        approve: bool,
        *,
        staff_name: str | None = None,
        request_key: str | None = None,
    ) -> Decision:
        """Approve or reject an unverified member. Raises UnknownMember, PermissionDenied.
        A member decided before is left as is: the Decision then names who decided. With a
        `request_key` that decided already, that decision (not `changed`), nothing new."""
        rights = await self.staff.rights(staff_telegram_id)
        return await once_per_key(
            self.db,
            request_key,
            lambda: self._decide(
                member_telegram_id, staff_telegram_id, approve, rights, staff_name, request_key
            ),
            lambda session, key: _keyed_decision(session, member_telegram_id, key),
        )

    async def _decide(
        self,
        member_telegram_id: int,
        staff_telegram_id: int,
        approve: bool,
        rights: Rights,
        staff_name: str | None,
        request_key: str | None,
    ) -> Decision:
        target = Verification.VERIFIED if approve else Verification.REJECTED
        async with self.db.transaction() as session:
            if request_key is not None:
                earlier = await _keyed_decision(session, member_telegram_id, request_key)
                if earlier is not None:
                    return earlier
            row = await members_repo.get_by_telegram_id(session, member_telegram_id)
            if row is None or row.registered_at is None:
                raise UnknownMember(member_telegram_id)
            if not may_verify(rights, MemberProfile.from_row(row)):
                raise PermissionDenied
            result = await session.execute(
                update(Member)
                .where(
                    Member.telegram_id == member_telegram_id,
                    Member.verification == Verification.UNVERIFIED,
                )
                .values(verification=target, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            won = result.rowcount == 1  # type: ignore[attr-defined]
            if won:
                event = await verification_changed(
                    session,
                    AuditAction.MEMBER_VERIFICATION,
                    member_telegram_id,
                    (Verification.UNVERIFIED, target),
                    actor_id=staff_telegram_id,
                    by_name=staff_name,
                )
                event.request_key = request_key
                await session.flush()
            await session.refresh(row)
            profile = MemberProfile.from_row(row)
            if won:
                return Decision(
                    profile, str(target), staff_telegram_id, staff_name, event.at, changed=True
                )
            return await _earlier_decision(session, profile)

    async def contact(self, member_telegram_id: int, staff_telegram_id: int) -> MemberProfile:
        """The member's profile, phone included, for staff who may decide on them (the private
        view of a verification card). Raises UnknownMember, PermissionDenied."""
        rights = await self.staff.rights(staff_telegram_id)
        async with self.db.transaction() as session:
            row = await members_repo.get_by_telegram_id(session, member_telegram_id)
            if row is None or row.registered_at is None:
                raise UnknownMember(member_telegram_id)
            profile = MemberProfile.from_row(row)
        if not may_verify(rights, profile):
            raise PermissionDenied
        return profile

    async def record_cards(self, member_telegram_id: int, cards: list[PostedCard]) -> None:
        """Remember where the member's cards were posted (to check presses and edit them)."""
        if not cards:
            return
        async with self.db.transaction() as session:
            row = await members_repo.get_by_telegram_id(session, member_telegram_id)
            if row is None:
                return
            await repo.add_cards(
                session, row.id, [(c.chat_id, c.message_id, c.locale) for c in cards]
            )

    async def card_owner(self, chat_id: int, message_id: int) -> int | None:
        """The Telegram id of the member whose recorded card this message is, else None."""
        async with self.db.transaction() as session:
            return await repo.card_owner(session, chat_id, message_id)

    async def cards_of(self, member_telegram_id: int) -> list[PostedCard]:
        """Every recorded card of the member, oldest first."""
        async with self.db.transaction() as session:
            row = await members_repo.get_by_telegram_id(session, member_telegram_id)
            if row is None:
                return []
            return [
                PostedCard(card.chat_id, card.message_id, card.locale)
                for card in await repo.cards_of(session, row.id)
            ]


async def _keyed_decision(
    session: AsyncSession, member_telegram_id: int, request_key: str
) -> Decision | None:
    """The decision a press with this key made on this member, if any: as it was then."""
    event = await repo.decision_by_request_key(session, request_key)
    if event is None or event.subject_id != str(member_telegram_id):
        return None
    row = await members_repo.get_by_telegram_id(session, member_telegram_id)
    if row is None:
        return None
    name = (event.after or {}).get("by_name")
    return Decision(
        MemberProfile.from_row(row),
        str((event.after or {}).get("verification", row.verification)),
        event.actor_id,
        str(name) if name else None,
        event.at,
        changed=False,
    )


async def _earlier_decision(session: AsyncSession, profile: MemberProfile) -> Decision:
    event = await session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == AuditSubject.MEMBER,
            AuditEvent.subject_id == str(profile.telegram_id),
            AuditEvent.action == AuditAction.MEMBER_VERIFICATION,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return Decision(profile, profile.verification, None, None, None, changed=False)
    name = (event.after or {}).get("by_name")
    return Decision(
        profile,
        profile.verification,
        event.actor_id,
        str(name) if name else None,
        event.at,
        changed=False,
    )
