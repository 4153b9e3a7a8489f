"""Members: registration, profile changes, locale and reachability."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.staff import Rights, StaffService
from bot.services.text_input import InvalidInput as InvalidInput  # long imported from here
from bot.services.text_input import clean_line
from storage.db import Database
from storage.models import AuditAction, AuditEvent, Member, Verification, utcnow
from storage.repositories import associations as associations_repo
from storage.repositories import members as repo
from storage.repositories.audit import add_event

ROLES = (
    "hromada_head",
    "hromada_deputy",
    "council_secretary",
    "raion_council_head",
    "raion_council_deputy",
    "oblast_council_head",
    "oblast_council_deputy",
    "other",
)
NAME_MIN, NAME_MAX = 2, 100
# A rejected member who corrects one of these is back before the secretariat, unverified.
REVIEWED_FIELDS = frozenset(
    {
        "full_name",
        "role",
        "oblast_code",
        "hromada_code",
        "hromada_text",
        "associations",
        "associations_unsure",
    }
)
HROMADA_TEXT_MIN, HROMADA_TEXT_MAX = 2, 120
_PHONE_RE = re.compile(r"^\+?[0-9]{7,15}$")


def _clean_words(text: str, minimum: int, maximum: int) -> str:
    """One line with a visible letter in it, within the length limits; anything short of
    that is `too-short` (the member is told how many letters it needs)."""
    try:
        return clean_line(text, minimum=minimum, maximum=maximum, letters_only=True)
    except InvalidInput as error:
        if error.code == "too-long":
            raise
        raise InvalidInput("too-short", limit=minimum) from None


def clean_name(text: str) -> str:
    """A person's name as typed."""
    return _clean_words(text, NAME_MIN, NAME_MAX)


def clean_hromada_text(text: str) -> str:
    """A hromada typed as free text (no codifier imported)."""
    return _clean_words(text, HROMADA_TEXT_MIN, HROMADA_TEXT_MAX)


def clean_phone(phone: str) -> str:
    digits = re.sub(r"[\s()-]", "", phone)
    if not _PHONE_RE.match(digits):
        raise InvalidInput("bad-phone")
    return digits if digits.startswith("+") else "+" + digits


@dataclass(frozen=True)
class MemberProfile:
    """What the bot holds about one member, as plain data."""

    telegram_id: int
    full_name: str | None
    role: str | None
    oblast_code: str | None
    hromada_code: str | None
    hromada_text: str | None
    association_codes: tuple[str, ...]
    associations_unsure: bool
    locale: str | None
    consent_at: datetime | None
    verification: str
    reachable: bool
    phone: str | None
    registered_at: datetime | None
    announcements_muted: bool = False
    erased_at: datetime | None = None  # the member deleted their profile: nothing personal left

    @property
    def registered(self) -> bool:
        return self.registered_at is not None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    @classmethod
    def from_columns(cls, rows: Sequence[RowMapping]) -> MemberProfile | None:
        """From `members.profile_rows`: the member's columns, one association code per row."""
        if not rows:
            return None
        codes = tuple(row["association_code"] for row in rows if row["association_code"])
        return cls(association_codes=codes, **{name: rows[0][name] for name in _COLUMNS})

    @classmethod
    def from_row(cls, row: Member) -> MemberProfile:
        codes = tuple(a.code for a in row.associations)
        return cls(association_codes=codes, **{name: getattr(row, name) for name in _COLUMNS})


# The profile's fields that are the `members` columns of the same name.
_COLUMNS = tuple(each.name for each in fields(MemberProfile) if each.name != "association_codes")


@dataclass
class RegistrationForm:
    """Answers collected by the registration dialog."""

    full_name: str
    role: str
    oblast_code: str
    hromada_code: str | None
    hromada_text: str | None
    association_codes: list[str] = field(default_factory=list)
    associations_unsure: bool = False
    phone: str | None = None
    consent_at: datetime | None = None


def profile_values(row: Member) -> dict[str, Any]:
    """What the member says of themselves: name, role, place and associations (for the audit
    log here, for their data export in privacy.py)."""
    return {
        "full_name": row.full_name,
        "role": row.role,
        "oblast_code": row.oblast_code,
        "hromada_code": row.hromada_code,
        "hromada_text": row.hromada_text,
        "associations": [a.code for a in row.associations],
        "associations_unsure": row.associations_unsure,
    }


def _audit_view(row: Member) -> dict[str, Any]:
    """Profile fields for the audit log; the phone is recorded only as present or absent."""
    return {**profile_values(row), "locale": row.locale, "phone": "set" if row.phone else None}


async def verification_changed(
    session: AsyncSession,
    action: AuditAction,
    telegram_id: int,
    change: tuple[Verification, Verification],
    *,
    actor_id: int,
    **details: Any,
) -> AuditEvent:
    """The audit entry of a member's verification going from `change[0]` to `change[1]`;
    `details` join the state after."""
    before, after = change
    return await add_event(
        session,
        action,
        telegram_id,
        actor_id=actor_id,
        before={"verification": str(before)},
        after={"verification": str(after), **details},
    )


class MemberService:
    """Use cases on members; each method is one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> MemberProfile | None:
        async with self.db.reading() as connection:
            return MemberProfile.from_columns(await repo.profile_rows(connection, telegram_id))

    async def get_with_rights(
        self, telegram_id: int, staff: StaffService
    ) -> tuple[MemberProfile | None, Rights]:
        """The member and their staff rights: what every update reads."""
        async with self.db.reading() as connection:
            rows, held = await repo.profile_and_rights(connection, telegram_id)
        return MemberProfile.from_columns(rows), staff.rights_from(telegram_id, held)

    async def set_locale(self, telegram_id: int, locale: str) -> None:
        async with self.db.transaction() as session:
            row = await repo.get_or_create(session, telegram_id)
            if row.locale != locale:
                before = row.locale
                row.locale = locale
                await add_event(
                    session,
                    AuditAction.MEMBER_LOCALE,
                    telegram_id,
                    actor_id=telegram_id,
                    before={"locale": before},
                    after={"locale": locale},
                )

    async def register(self, telegram_id: int, form: RegistrationForm) -> MemberProfile:
        """Save a completed registration; the member stays unverified until staff approve."""
        if form.role not in ROLES:
            raise InvalidInput("bad-role")
        async with self.db.transaction() as session:
            row = await repo.get_or_create(session, telegram_id)
            before = _audit_view(row) if row.registered_at else None
            row.full_name = clean_name(form.full_name)
            row.role = form.role
            row.oblast_code = form.oblast_code
            row.hromada_code = form.hromada_code
            row.hromada_text = form.hromada_text
            row.associations = await associations_repo.by_codes(session, form.association_codes)
            row.associations_unsure = form.associations_unsure or not row.associations
            row.phone = clean_phone(form.phone) if form.phone else None
            row.consent_at = form.consent_at or utcnow()
            row.reachable = True
            if row.registered_at is None:
                row.registered_at = utcnow()
                row.verification = Verification.UNVERIFIED
            await session.flush()
            await add_event(
                session,
                AuditAction.MEMBER_REGISTERED,
                telegram_id,
                actor_id=telegram_id,
                before=before,
                after=_audit_view(row),
            )
            return MemberProfile.from_row(row)

    async def update_profile(self, telegram_id: int, **changes: Any) -> MemberProfile:
        """Change some profile fields of a registered member (names as in RegistrationForm)."""
        allowed = {
            "full_name",
            "role",
            "oblast_code",
            "hromada_code",
            "hromada_text",
            "association_codes",
            "associations_unsure",
            "phone",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown profile fields: {sorted(unknown)}")
        async with self.db.transaction() as session:
            row = await repo.get_by_telegram_id(session, telegram_id)
            if row is None or row.registered_at is None:
                raise InvalidInput("not-registered")
            before = _audit_view(row)
            if "full_name" in changes:
                row.full_name = clean_name(changes["full_name"])
            if "role" in changes:
                if changes["role"] not in ROLES:
                    raise InvalidInput("bad-role")
                row.role = changes["role"]
            if "oblast_code" in changes:
                row.oblast_code = changes["oblast_code"]
            if "hromada_code" in changes or "hromada_text" in changes:
                row.hromada_code = changes.get("hromada_code")
                row.hromada_text = changes.get("hromada_text")
            if "association_codes" in changes:
                row.associations = await associations_repo.by_codes(
                    session, changes["association_codes"]
                )
                row.associations_unsure = bool(changes.get("associations_unsure")) or not (
                    row.associations
                )
            if "phone" in changes:
                row.phone = clean_phone(changes["phone"]) if changes["phone"] else None
            await session.flush()
            after = _audit_view(row)
            if after != before:
                changed = [key for key in after if after[key] != before[key]]
                await add_event(
                    session,
                    AuditAction.MEMBER_UPDATED,
                    telegram_id,
                    actor_id=telegram_id,
                    before={key: before[key] for key in changed},
                    after={key: after[key] for key in changed},
                )
                if row.verification == Verification.REJECTED and REVIEWED_FIELDS & set(changed):
                    # The secretariat decided on what the profile said; corrected, it goes back
                    # to them (once per decision: an unverified member's edits post no card).
                    row.verification = Verification.UNVERIFIED
                    await verification_changed(
                        session,
                        AuditAction.MEMBER_VERIFICATION_REOPENED,
                        telegram_id,
                        (Verification.REJECTED, Verification.UNVERIFIED),
                        actor_id=telegram_id,
                    )
            return MemberProfile.from_row(row)

    async def known(self, telegram_ids: set[int]) -> set[int]:
        """Those of `telegram_ids` who have started the bot (and so have a private chat)."""
        if not telegram_ids:
            return set()
        async with self.db.transaction() as session:
            return await repo.existing_ids(session, telegram_ids)

    async def set_announcements_muted(self, telegram_id: int, muted: bool) -> bool:
        """Mute or unmute non-urgent announcements; False when the member is not registered."""
        async with self.db.transaction() as session:
            row = await repo.get_by_telegram_id(session, telegram_id)
            if row is None or row.registered_at is None:
                return False
            if row.announcements_muted != muted:
                row.announcements_muted = muted
                await add_event(
                    session,
                    AuditAction.MEMBER_ANNOUNCEMENTS_MUTED,
                    telegram_id,
                    actor_id=telegram_id,
                    before={"announcements_muted": not muted},
                    after={"announcements_muted": muted},
                )
            return True

    async def set_reachable(self, telegram_id: int, reachable: bool) -> None:
        async with self.db.transaction() as session:
            row = await repo.get_by_telegram_id(session, telegram_id)
            if row is not None and row.reachable != reachable:
                row.reachable = reachable
