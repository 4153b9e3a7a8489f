"""Staff rights: admins from ADMIN_IDS or the database, staff of one association, invites."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.db import Database
from storage.models import Association, StaffInvite, StaffRight, StaffRole, utcnow
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
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RedeemResult:
    status: RedeemStatus
    association_code: str | None = None


class StaffService:
    """Use cases on staff rights; each method is one transaction."""

    def __init__(self, db: Database, admin_ids: frozenset[int] = frozenset()) -> None:
        self.db = db
        self.admin_ids = admin_ids

    async def rights(self, telegram_id: int) -> Rights:
        async with self.db.transaction() as session:
            held = await repo.rights_of(session, telegram_id)
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
            association_id = None
            if role == StaffRole.STAFF:
                assert association_code is not None
                association = await associations_repo.by_code(session, association_code)
                if association is None:
                    raise UnknownAssociation(association_code)
                association_id = association.id
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
                actor_id=granted_by,
                action="staff.granted",
                subject_type="staff",
                subject_id=telegram_id,
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
                actor_id=actor_id,
                action="staff.invite_created",
                subject_type="association",
                subject_id=association_code,
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
            if invite.used_at is not None:
                status = RedeemStatus.USED
                if invite.used_by == telegram_id:
                    status = RedeemStatus.ALREADY_STAFF
                return RedeemResult(status, code)
            if invite.expires_at <= now:
                return RedeemResult(RedeemStatus.EXPIRED, code)
            if not await repo.claim_invite(session, invite.id, telegram_id, now):
                return RedeemResult(RedeemStatus.USED, code)
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
                actor_id=telegram_id,
                action="staff.invite_redeemed",
                subject_type="staff",
                subject_id=telegram_id,
                after={"association": code, "invite_id": invite.id},
            )
        status = RedeemStatus.GRANTED if already is None else RedeemStatus.ALREADY_STAFF
        return RedeemResult(status, code)

    async def admin_ids_all(self) -> set[int]:
        async with self.db.transaction() as session:
            return set(self.admin_ids) | set(await repo.admin_telegram_ids(session))
