"""Staff rights: admins from ADMIN_IDS or the database, staff of one association, invites.

Rights are rows of `staff_rights`; revoking one deletes its row (the audit log keeps its
history: every grant, invite, redemption and revoke is an event with its actor, None for the
command line). Admins from the ADMIN_IDS setting hold no row and only the setting unmakes them.
In the bot an admin cannot take their own admin right: whoever revokes there is an admin and
stays one, so the bot is never left without an administrator. An admin who loses the right
loses their invite links that still work too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.db import Database
from storage.models import Association, AuditAction, StaffInvite, StaffRight, StaffRole, utcnow
from storage.repositories import associations as associations_repo
from storage.repositories import staff as repo
from storage.repositories.audit import add_event

INVITE_TTL = timedelta(days=7)
INVITE_PREFIX = "inv_"


class PermissionDenied(Exception):
    """The user lacks the right for this action."""


class UnknownAssociation(ValueError):
    """No association has this code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no association with code {code!r}")
        self.code = code


class NotHeld(LookupError):
    """The user does not hold this right (never had it, or it was revoked already)."""


class SettingsAdmin(Exception):
    """An admin from the ADMIN_IDS setting: only the setting makes or unmakes them."""


class OwnAdminRight(Exception):
    """An admin tried to take their own admin right in the bot."""


class InviteGone(LookupError):
    """The invite no longer works: used, withdrawn or expired."""


@dataclass(frozen=True)
class Rights:
    """What one Telegram user may do as staff."""

    telegram_id: int
    is_admin: bool
    staff_of: frozenset[str]

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.staff_of)

    def may_act_for(self, association_code: str) -> bool:
        return self.is_admin or association_code in self.staff_of


@dataclass(frozen=True)
class Invite:
    token: str
    association_code: str
    expires_at: datetime

    @property
    def payload(self) -> str:
        """The deep-link payload: `t.me/<bot>?start=<payload>`."""
        return INVITE_PREFIX + self.token


class RedeemStatus(StrEnum):
    GRANTED = "granted"
    ALREADY_STAFF = "already-staff"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RedeemResult:
    status: RedeemStatus
    association_code: str | None = None


@dataclass(frozen=True)
class HeldRight:
    """One right as the staff list shows it."""

    id: int | None  # the staff_rights row; None for an admin from ADMIN_IDS
    telegram_id: int
    role: StaffRole
    association_code: str | None
    name: str | None  # their name, when they registered as a member
    granted_at: datetime | None
    granted_by: int | None  # None: the command line (or ADMIN_IDS)
    from_settings: bool  # an admin from ADMIN_IDS: not revocable here

    @property
    def revocable(self) -> bool:
        return self.id is not None and not self.from_settings


@dataclass(frozen=True)
class PendingInvite:
    """An invite link that still works."""

    id: int
    association_code: str
    created_by: int
    created_by_name: str | None
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, invite: StaffInvite, code: str, names: dict[int, str]) -> PendingInvite:
        """The invite, its association's code, and its creator's name from `names`."""
        return cls(
            invite.id,
            code,
            invite.created_by,
            names.get(invite.created_by),
            invite.created_at,
            invite.expires_at,
        )


@dataclass(frozen=True)
class Roster:
    """Who holds which right, and the invite links that still work."""

    rights: tuple[HeldRight, ...]
    invites: tuple[PendingInvite, ...]


@dataclass(frozen=True)
class Revoked:
    """A right taken back; `rights` are what the user still holds after it."""

    right: HeldRight
    rights: Rights
    invites_withdrawn: int  # their own invite links withdrawn with an admin right


class StaffService:
    """Use cases on staff rights; each method is one transaction."""

    def __init__(self, db: Database, admin_ids: frozenset[int] = frozenset()) -> None:
        self.db = db
        self.admin_ids = admin_ids

    async def rights(self, telegram_id: int) -> Rights:
        async with self.db.transaction() as session:
            return await self.rights_in(session, telegram_id)

    async def rights_in(self, session: AsyncSession | AsyncConnection, telegram_id: int) -> Rights:
        """`rights()` inside the caller's transaction."""
        return self.rights_from(telegram_id, await repo.rights_of(session, telegram_id))

    def rights_from(self, telegram_id: int, held: list[tuple[str, str | None]]) -> Rights:
        """The Rights of the (role, association code) pairs `repo.rights_of` read."""
        is_admin = telegram_id in self.admin_ids or any(role == StaffRole.ADMIN for role, _ in held)
        staff_of = frozenset(code for role, code in held if role == StaffRole.STAFF and code)
        return Rights(telegram_id, is_admin, staff_of)

    async def grant(
        self,
        telegram_id: int,
        role: StaffRole,
        association_code: str | None = None,
        *,
        granted_by: int | None = None,
    ) -> bool:
        """Give a right; returns False when the user already held it."""
        if role == StaffRole.STAFF and not association_code:
            raise ValueError("staff rights need an association code")
        async with self.db.transaction() as session:
            association_id = await _association_id(session, role, association_code)
            if await repo.find_right(session, telegram_id, role, association_id):
                return False
            await repo.add_right(
                session,
                StaffRight(
                    telegram_id=telegram_id,
                    role=role,
                    association_id=association_id,
                    granted_by=granted_by,
                ),
            )
            await add_event(
                session,
                AuditAction.STAFF_GRANTED,
                telegram_id,
                actor_id=granted_by,
                after={"role": str(role), "association": association_code},
            )
            return True

    async def create_invite(self, actor_id: int, association_code: str) -> Invite:
        """A one-time staff invite; only admins may create one."""
        if not (await self.rights(actor_id)).is_admin:
            raise PermissionDenied
        token = secrets.token_urlsafe(18)
        expires_at = utcnow() + INVITE_TTL
        async with self.db.transaction() as session:
            association = await associations_repo.by_code(session, association_code)
            if association is None or not association.active:
                raise UnknownAssociation(association_code)
            await repo.add_invite(
                session,
                StaffInvite(
                    token=token,
                    association_id=association.id,
                    created_by=actor_id,
                    expires_at=expires_at,
                ),
            )
            await add_event(
                session,
                AuditAction.STAFF_INVITE_CREATED,
                association_code,
                actor_id=actor_id,
                after={"expires_at": expires_at.isoformat()},
            )
        return Invite(token, association_code, expires_at)

    async def redeem_invite(self, token: str, telegram_id: int) -> RedeemResult:
        """Use an invite: the user becomes staff of its association, once."""
        now = utcnow()
        async with self.db.transaction() as session:
            invite = await repo.get_invite(session, token)
            if invite is None:
                return RedeemResult(RedeemStatus.UNKNOWN)
            association = await session.get(Association, invite.association_id)
            code = association.code if association else None
            if invite.revoked_at is not None:
                return RedeemResult(RedeemStatus.REVOKED, code)
            if invite.used_at is not None:
                status = RedeemStatus.USED
                if invite.used_by == telegram_id:
                    status = RedeemStatus.ALREADY_STAFF
                return RedeemResult(status, code)
            if invite.expires_at <= now:
                return RedeemResult(RedeemStatus.EXPIRED, code)
            if not await repo.claim_invite(session, invite.id, telegram_id, now):
                # Used or withdrawn a moment ago: the row says which.
                await session.refresh(invite)
                gone = RedeemStatus.REVOKED if invite.revoked_at else RedeemStatus.USED
                return RedeemResult(gone, code)
            already = await repo.find_right(
                session, telegram_id, StaffRole.STAFF, invite.association_id
            )
            if already is None:
                await repo.add_right(
                    session,
                    StaffRight(
                        telegram_id=telegram_id,
                        role=StaffRole.STAFF,
                        association_id=invite.association_id,
                        granted_by=invite.created_by,
                    ),
                )
            await add_event(
                session,
                AuditAction.STAFF_INVITE_REDEEMED,
                telegram_id,
                actor_id=telegram_id,
                after={
                    "role": str(StaffRole.STAFF),
                    "association": code,
                    "invite_id": invite.id,
                    "granted_by": invite.created_by,
                },
            )
        status = RedeemStatus.GRANTED if already is None else RedeemStatus.ALREADY_STAFF
        return RedeemResult(status, code)

    async def admin_ids_all(self) -> set[int]:
        async with self.db.transaction() as session:
            return set(self.admin_ids) | set(await repo.admin_telegram_ids(session))

    # ------------------------------------------------------------------------- taking back

    async def roster(self, actor_id: int | None = None) -> Roster:
        """Every right and the invite links that still work. `actor_id` must be an admin;
        None is the command line, whose operator holds the database anyway."""
        async with self.db.transaction() as session:
            await self._check_admin(session, actor_id)
            held = await repo.all_rights(session)
            invites = await repo.pending_invites(session, utcnow())
            people = {right.telegram_id for right, _ in held} | set(self.admin_ids)
            people |= {invite.created_by for invite, _ in invites}
            names = await repo.names_of(session, people)
        in_rows = {r.telegram_id for r, _ in held if r.role == StaffRole.ADMIN}
        from_settings = [
            HeldRight(
                None, telegram_id, StaffRole.ADMIN, None, names.get(telegram_id), None, None, True
            )
            for telegram_id in sorted(self.admin_ids - in_rows)
        ]
        rows = [self._held(right, code, names.get(right.telegram_id)) for right, code in held]
        return Roster(
            rights=tuple(from_settings + rows),
            invites=tuple(PendingInvite.of(invite, code, names) for invite, code in invites),
        )

    async def revoke(
        self, telegram_id: int, role: StaffRole, association_code: str | None = None
    ) -> Revoked:
        """Take a right back from the command line (the audit log's actor is None).
        SettingsAdmin for an ADMIN_IDS admin, UnknownAssociation, NotHeld."""
        if role == StaffRole.STAFF and not association_code:
            raise ValueError("staff rights need an association code")
        if role == StaffRole.ADMIN and telegram_id in self.admin_ids:
            raise SettingsAdmin
        async with self.db.transaction() as session:
            association_id = await _association_id(session, role, association_code)
            right = await repo.find_right(session, telegram_id, role, association_id)
            if right is None:
                raise NotHeld
            return await self._take(session, right, association_code, None)

    async def revoke_right(self, actor_id: int, right_id: int) -> Revoked:
        """Take back one right shown in the bot's staff list. PermissionDenied unless the actor
        is an admin; NotHeld when it is gone; SettingsAdmin; OwnAdminRight."""
        async with self.db.transaction() as session:
            # Two admins revoking each other at once go one after the other (the admins' rows
            # locked in one order on PostgreSQL, the delete's write lock on SQLite), and the
            # actor is checked again after the delete: never both, never no admin left.
            await repo.lock_admin_rights(session)
            await self._check_admin(session, actor_id)
            right = await repo.get_right(session, right_id)
            if right is None:
                raise NotHeld
            if right.role == StaffRole.ADMIN:
                if right.telegram_id in self.admin_ids:
                    raise SettingsAdmin
                if right.telegram_id == actor_id:
                    raise OwnAdminRight
            association = (
                await session.get(Association, right.association_id)
                if right.association_id is not None
                else None
            )
            revoked = await self._take(
                session, right, association.code if association else None, actor_id
            )
            await self._check_admin(session, actor_id)
            return revoked

    async def revoke_invite(self, actor_id: int, invite_id: int) -> PendingInvite:
        """Withdraw an invite link that still works; PermissionDenied unless the actor is an
        admin, InviteGone when it was used, withdrawn or expired meanwhile."""
        now = utcnow()
        async with self.db.transaction() as session:
            await self._check_admin(session, actor_id)
            invite = await session.get(StaffInvite, invite_id)
            if invite is None or not await repo.revoke_invites(session, [invite_id], actor_id, now):
                raise InviteGone
            association = await session.get(Association, invite.association_id)
            code = association.code if association else ""
            await _invite_revoked(session, actor_id, invite, code)
            names = await repo.names_of(session, {invite.created_by})
            return PendingInvite.of(invite, code, names)

    async def _check_admin(self, session: AsyncSession, actor_id: int | None) -> None:
        """PermissionDenied unless `actor_id` is an admin now (None: the command line)."""
        if actor_id is None or actor_id in self.admin_ids:
            return
        held = await repo.rights_of(session, actor_id)
        if not any(role == StaffRole.ADMIN for role, _ in held):
            raise PermissionDenied

    def _held(self, right: StaffRight, code: str | None, name: str | None) -> HeldRight:
        role = StaffRole(right.role)
        return HeldRight(
            right.id,
            right.telegram_id,
            role,
            code,
            name,
            right.granted_at,
            right.granted_by,
            role == StaffRole.ADMIN and right.telegram_id in self.admin_ids,
        )

    async def _take(
        self, session: AsyncSession, right: StaffRight, code: str | None, actor_id: int | None
    ) -> Revoked:
        """Delete the right (NotHeld when another revoke was first), log it, and withdraw the
        invite links of an admin who is no admin any more."""
        names = await repo.names_of(session, {right.telegram_id})
        held = self._held(right, code, names.get(right.telegram_id))
        if not await repo.delete_right(session, right.id):
            raise NotHeld
        await add_event(
            session,
            AuditAction.STAFF_REVOKED,
            right.telegram_id,
            actor_id=actor_id,
            before={
                "role": str(held.role),
                "association": code,
                "granted_by": right.granted_by,
                "granted_at": right.granted_at.isoformat(),
            },
        )
        rights = await self.rights_in(session, right.telegram_id)  # what they still hold
        withdrawn: list[int] = []
        if held.role == StaffRole.ADMIN and not rights.is_admin:
            now = utcnow()
            theirs = await repo.pending_invites(session, now, created_by=right.telegram_id)
            withdrawn = await repo.revoke_invites(
                session, [invite.id for invite, _ in theirs], actor_id, now
            )
            for invite, invite_code in theirs:
                if invite.id in withdrawn:
                    await _invite_revoked(session, actor_id, invite, invite_code)
        return Revoked(held, rights, len(withdrawn))


class StaffGuarded:
    """The base of a service whose use cases check the sender's staff rights: its database, and
    `staff` reading those rights (the settings' admins among them)."""

    def __init__(self, db: Database, admin_ids: frozenset[int] = frozenset()) -> None:
        self.db = db
        self.staff = StaffService(db, admin_ids)


async def _association_id(
    session: AsyncSession, role: StaffRole, association_code: str | None
) -> int | None:
    """The association a staff right belongs to (None for admin). UnknownAssociation."""
    if role != StaffRole.STAFF:
        return None
    assert association_code is not None
    association = await associations_repo.by_code(session, association_code)
    if association is None:
        raise UnknownAssociation(association_code)
    return association.id


async def _invite_revoked(
    session: AsyncSession, actor_id: int | None, invite: StaffInvite, association_code: str
) -> None:
    """The audit entry of an invite revoked, by itself or with its creator's right."""
    await add_event(
        session,
        AuditAction.STAFF_INVITE_REVOKED,
        association_code,
        actor_id=actor_id,
        after={"invite_id": invite.id, "created_by": invite.created_by},
    )
