"""The audit log's catalogue (AuditAction, AuditSubject in storage/models.py) against what the
services really record, on a real database (SQLite or PostgreSQL): every entry's subject type is
the one its action names, and still the string stored before the catalogue (the privacy export,
the erasure and the retention job select entries about a member by it); a member's export holds
every entry about them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.digests import DigestService
from bot.services.members import MemberService, RegistrationForm
from bot.services.privacy import PrivacyService
from bot.services.questions import QuestionService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import VerificationService
from storage.db import Database
from storage.models import AuditAction, AuditEvent, AuditSubject, StaffRole

ADMIN = 1
VAG_STAFF = 765_432_198
MEMBER = 987_654_321
OTHER = 876_543_219
GROUP = -100_500
OBLAST = "UA05000000000010236"
ACTIONS = {action.value: action for action in AuditAction}

# What each of these actions was stored with before the catalogue: rows already in a database
# keep these, so the enum must too.
STORED_SUBJECTS = {
    "member.locale": "member",
    "member.registered": "member",
    "member.updated": "member",
    "member.announcements_muted": "member",
    "member.verification": "member",
    "member.verification_reopened": "member",
    "member.erased": "member",
    "staff.granted": "staff",
    "staff.invite_created": "association",
    "staff_chat.bound": "association",
    "staff_chat.unbound": "association",
    "staff_chat.locale": "chat",
    "kb.feedback": "kb_entry",
}


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    await StaffService(db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    return db


async def register(db: Database, telegram_id: int, name: str) -> None:
    members = MemberService(db)
    await members.set_locale(telegram_id, "en")
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=name,
            role="hromada_head",
            oblast_code=OBLAST,
            hromada_code=None,
            hromada_text="Іллінецька",
            association_codes=["vag"],
            phone="+380501234567",
        ),
    )


async def audit_rows(db: Database) -> list[AuditEvent]:
    async with db.transaction() as session:
        return list(await session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


async def act_on_a_member(db: Database) -> None:
    """The member registers, changes their language and profile, mutes announcements, is
    rejected, corrects the profile (back to review) and rates an article; someone else
    registers."""
    await register(db, MEMBER, "Олена Петренко")
    members = MemberService(db)
    await members.set_locale(MEMBER, "uk")
    await members.set_announcements_muted(MEMBER, True)
    await VerificationService(db).decide(MEMBER, VAG_STAFF, False, staff_name="Ірина Коваль")
    await members.update_profile(MEMBER, full_name="Олена Петренко-Коваль")
    await QuestionService(db).record_feedback(MEMBER, "dream", True)
    await register(db, OTHER, "Іван Бондар")


async def test_each_entry_has_the_subject_its_action_names(synced: Database) -> None:
    db = synced
    admins = frozenset({ADMIN})
    await act_on_a_member(db)
    chats = StaffChatService(db, admins)
    await chats.bind(GROUP, "ВАГ", "vag", ADMIN)
    await DigestService(db, admins).set_group_locale(GROUP, ["vag"], "en", ADMIN)
    await StaffService(db, admins).create_invite(ADMIN, "vag")
    await chats.unbind(GROUP, ADMIN, "vag")
    await PrivacyService(db).erase(OTHER)

    rows = await audit_rows(db)
    recorded = {row.action for row in rows}
    assert set(STORED_SUBJECTS) <= recorded
    for row in rows:
        action = ACTIONS[row.action]  # every action recorded is in the catalogue
        assert row.subject_type == action.subject, row.action
        assert row.subject_type in set(AuditSubject)
        if row.action in STORED_SUBJECTS:
            assert row.subject_type == STORED_SUBJECTS[row.action], row.action
    subjects = {(row.action, row.subject_id) for row in rows}
    assert ("staff_chat.bound", "vag") in subjects
    assert ("staff_chat.locale", str(GROUP)) in subjects
    assert ("member.locale", str(MEMBER)) in subjects
    assert ("kb.feedback", "dream") in subjects


async def test_the_export_holds_every_entry_about_the_member(synced: Database) -> None:
    db = synced
    await act_on_a_member(db)
    await StaffChatService(db, frozenset({ADMIN})).bind(GROUP, "ВАГ", "vag", ADMIN)

    exported = [
        (entry["action"], entry["subject_type"], entry["subject_id"])
        for entry in (await PrivacyService(db).export(MEMBER))["audit"]
    ]
    rows = await audit_rows(db)
    about = [
        (row.action, row.subject_type, row.subject_id)
        for row in rows
        if (ACTIONS[row.action].subject is AuditSubject.MEMBER and row.subject_id == str(MEMBER))
        or row.actor_id == MEMBER
    ]
    assert exported == about
    actions = {action for action, _, _ in exported}
    # Staff's decision is about the member though they did not make it; the rated article is
    # not about them, but they did it.
    assert {
        AuditAction.MEMBER_REGISTERED,
        AuditAction.MEMBER_LOCALE,
        AuditAction.MEMBER_UPDATED,
        AuditAction.MEMBER_ANNOUNCEMENTS_MUTED,
        AuditAction.MEMBER_VERIFICATION,
        AuditAction.MEMBER_VERIFICATION_REOPENED,
        AuditAction.KB_FEEDBACK,
    } <= actions
    assert len(exported) < len(rows)  # the other member's entries and the binding are not in it
