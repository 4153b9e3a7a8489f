"""SQLAlchemy models: the tables every part of the bot shares."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every dialect (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Verification(enum.StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"


class StaffRole(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"


class QuestionStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class DraftStatus(enum.StrEnum):
    NEW = "new"
    EXPORTED = "exported"


class Association(Base):
    """One national association; rows are synced from `content/associations.yaml`."""

    __tablename__ = "associations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_uk: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    short_uk: Mapped[str] = mapped_column(String(40))
    short_en: Mapped[str] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AdminUnit(Base):
    """A unit of the КАТОТТГ codifier: oblast (O), Kyiv/Sevastopol (K), raion (P), hromada (H)..."""

    __tablename__ = "admin_units"

    code: Mapped[str] = mapped_column(String(19), primary_key=True)
    category: Mapped[str] = mapped_column(String(1), index=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(19), index=True)
    oblast_code: Mapped[str] = mapped_column(String(19))
    level: Mapped[int] = mapped_column(Integer)
    # Hromadas (and Kyiv) a member can choose at registration.
    selectable: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index("ix_admin_units_oblast_selectable", "oblast_code", "selectable"),)


class Member(Base):
    """A person who started the bot; registered once `registered_at` is set."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(32))
    oblast_code: Mapped[str | None] = mapped_column(String(19))
    hromada_code: Mapped[str | None] = mapped_column(String(19))
    hromada_text: Mapped[str | None] = mapped_column(String(200))
    associations_unsure: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(5))
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    verification: Mapped[str] = mapped_column(String(16), default=Verification.UNVERIFIED)
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Non-urgent announcements are not sent to a member who muted them (News still shows them).
    announcements_muted: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(32))
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    # Set when the member deleted their profile: the personal fields are gone and `telegram_id`
    # is replaced by `-id`, so the row only keeps their reports' and co-signings' place.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    associations: Mapped[list[Association]] = relationship(
        secondary="member_associations", lazy="selectin", order_by=Association.position
    )


class MemberAssociation(Base):
    __tablename__ = "member_associations"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    association_id: Mapped[int] = mapped_column(
        ForeignKey("associations.id", ondelete="CASCADE"), primary_key=True
    )


class StaffRight(Base):
    """A right held by a Telegram user: admin (global) or staff of one association."""

    __tablename__ = "staff_rights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[str] = mapped_column(String(16))
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"))
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("telegram_id", "role", "association_id", name="uq_staff_rights_grant"),
    )


class StaffInvite(Base):
    """A one-time deep link that makes whoever opens it staff of an association."""

    __tablename__ = "staff_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_by: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StaffChat(Base):
    """The staff group chat of one association; one group may serve several associations."""

    __tablename__ = "staff_chats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), unique=True)
    title: Mapped[str | None] = mapped_column(String(255))
    # The group's language: cards and digests posted there use it.
    locale: Mapped[str] = mapped_column(String(5), default="uk")
    bound_by: Mapped[int] = mapped_column(BigInteger)
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class VerificationCard(Base):
    """A member's verification card posted in a staff group: found again to edit it when the
    member deletes their profile."""

    __tablename__ = "verification_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(5), default="uk")
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("chat_id", "message_id", name="uq_verification_cards_message"),
    )


class Question(Base):
    """A member's question sent to the experts of their associations."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5))
    # Codes of the associations it was routed to, in their display order.
    association_codes: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=QuestionStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Exactly-once: the key of the press that made it (a random token fixed when the dialog
    # step was shown, or the Telegram message it answers); a repeat finds this row instead.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_questions_status_created", "status", "created_at"),)


class QuestionCard(Base):
    """A question's card posted in a staff group: a reply to it answers the question."""

    __tablename__ = "question_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_question_cards_message"),)


class QuestionAnswer(Base):
    """A staff answer to a question, and whether it reached the member."""

    __tablename__ = "question_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    staff_telegram_id: Mapped[int] = mapped_column(BigInteger)
    staff_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    # Exactly-once: the key of the press that made it (a random token fixed when the dialog
    # step was shown, or the Telegram message it answers); a repeat finds this row instead.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class KbFeedback(Base):
    """A member's latest "was this helpful?" vote on one knowledge-base entry."""

    __tablename__ = "kb_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("member_id", "slug", name="uq_kb_feedback_vote"),)


class KbDraft(Base):
    """A knowledge-base entry drafted from an answered question, waiting for an editor."""

    __tablename__ = "kb_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), unique=True
    )
    locale: Mapped[str] = mapped_column(String(5))
    question_text: Mapped[str] = mapped_column(Text)
    answer_text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=DraftStatus.NEW, index=True)


class AuditEvent(Base):
    """Who did what, when, with the values before and after. Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Exactly-once for actions recorded only here (a verification decision): the pressed card.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)


class AuditSubject(enum.StrEnum):
    """What an audit entry is about: its `subject_type` (the `subject_id` says which one)."""

    MEMBER = "member"  # by Telegram id
    STAFF = "staff"  # a staff member's rights, by Telegram id
    ASSOCIATION = "association"  # by code
    CHAT = "chat"  # a staff group, by chat id
    QUESTION = "question"
    KB_ENTRY = "kb_entry"  # by slug
    KB_DRAFT = "kb_draft"
    DIGEST = "digest"  # by schedule key
    CONSULTATION = "consultation"
    BROADCAST = "broadcast"
    REPORT = "report"


class AuditAction(enum.StrEnum):
    """Every action the audit log records, as stored in `action`, each with its subject."""

    _value_: str
    subject: AuditSubject

    def __new__(cls, value: str, subject: AuditSubject) -> AuditAction:
        action = str.__new__(cls, value)
        action._value_ = value
        action.subject = subject
        return action

    MEMBER_REGISTERED = "member.registered", AuditSubject.MEMBER
    MEMBER_UPDATED = "member.updated", AuditSubject.MEMBER
    MEMBER_LOCALE = "member.locale", AuditSubject.MEMBER
    MEMBER_ANNOUNCEMENTS_MUTED = "member.announcements_muted", AuditSubject.MEMBER
    MEMBER_VERIFICATION = "member.verification", AuditSubject.MEMBER  # staff decided
    MEMBER_VERIFICATION_REOPENED = "member.verification_reopened", AuditSubject.MEMBER
    MEMBER_VERIFICATION_CARD_SWEPT = "member.verification_card_swept", AuditSubject.MEMBER
    MEMBER_ERASED = "member.erased", AuditSubject.MEMBER

    STAFF_GRANTED = "staff.granted", AuditSubject.STAFF
    STAFF_REVOKED = "staff.revoked", AuditSubject.STAFF
    STAFF_INVITE_REDEEMED = "staff.invite_redeemed", AuditSubject.STAFF
    # An invite is about the association it admits to.
    STAFF_INVITE_CREATED = "staff.invite_created", AuditSubject.ASSOCIATION
    STAFF_INVITE_REVOKED = "staff.invite_revoked", AuditSubject.ASSOCIATION

    # A staff group's binding is about the association it serves; its language, the group.
    STAFF_CHAT_BOUND = "staff_chat.bound", AuditSubject.ASSOCIATION
    STAFF_CHAT_UNBOUND = "staff_chat.unbound", AuditSubject.ASSOCIATION
    STAFF_CHAT_DEACTIVATED = "staff_chat.deactivated", AuditSubject.ASSOCIATION
    STAFF_CHAT_MIGRATED = "staff_chat.migrated", AuditSubject.ASSOCIATION
    STAFF_CHAT_LOCALE = "staff_chat.locale", AuditSubject.CHAT

    QUESTION_ASKED = "question.asked", AuditSubject.QUESTION
    QUESTION_POSTED = "question.posted", AuditSubject.QUESTION
    QUESTION_ANSWERED = "question.answered", AuditSubject.QUESTION
    QUESTION_ANSWER_DELIVERED = "question.answer_delivered", AuditSubject.QUESTION
    QUESTION_ANSWER_UNDELIVERED = "question.answer_undelivered", AuditSubject.QUESTION
    QUESTION_CARD_SWEPT = "question.card_swept", AuditSubject.QUESTION

    KB_FEEDBACK = "kb.feedback", AuditSubject.KB_ENTRY
    KB_DRAFT_CREATED = "kb.draft_created", AuditSubject.QUESTION  # the question drafted from
    KB_DRAFT_EXPORTED = "kb.draft_exported", AuditSubject.KB_DRAFT

    DIGEST_SCHEDULE = "digest.schedule", AuditSubject.DIGEST

    CONSULTATION_CREATED = "consultation.created", AuditSubject.CONSULTATION
    CONSULTATION_ANSWERED = "consultation.answered", AuditSubject.CONSULTATION
    CONSULTATION_REMINDED = "consultation.reminded", AuditSubject.CONSULTATION
    CONSULTATION_CLOSED = "consultation.closed", AuditSubject.CONSULTATION
    CONSULTATION_OUTCOME = "consultation.outcome", AuditSubject.CONSULTATION

    BROADCAST_CREATED = "broadcast.created", AuditSubject.BROADCAST
    # A status change: "broadcast." and the status it went to.
    BROADCAST_PAUSED = "broadcast.paused", AuditSubject.BROADCAST
    BROADCAST_SENDING = "broadcast.sending", AuditSubject.BROADCAST  # resumed
    BROADCAST_CANCELLED = "broadcast.cancelled", AuditSubject.BROADCAST
    BROADCAST_DELIVERIES_REMOVED = "broadcast.deliveries_removed", AuditSubject.BROADCAST

    # A report history entry's audit-log twin: "report." and the entry's kind.
    REPORT_STATUS = "report.status", AuditSubject.REPORT
    REPORT_ASSIGN = "report.assign", AuditSubject.REPORT
    REPORT_REPLY = "report.reply", AuditSubject.REPORT
    REPORT_NOTE = "report.note", AuditSubject.REPORT
    REPORT_REPORTER_REPLY = "report.reporter_reply", AuditSubject.REPORT
    REPORT_JOINT = "report.joint", AuditSubject.REPORT
    REPORT_POSITION = "report.position", AuditSubject.REPORT
    REPORT_MERGE = "report.merge", AuditSubject.REPORT
    REPORT_COSIGN = "report.cosign", AuditSubject.REPORT
    REPORT_WITHDRAW = "report.withdraw", AuditSubject.REPORT
    REPORT_CARD_SWEPT = "report.card_swept", AuditSubject.REPORT


class FsmRecord(Base):
    """aiogram FSM state and data for one storage key (user, chat, bot, destiny)."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


__all__ = [
    "AdminUnit",
    "Association",
    "AuditAction",
    "AuditEvent",
    "AuditSubject",
    "Base",
    "DraftStatus",
    "FsmRecord",
    "KbDraft",
    "KbFeedback",
    "Member",
    "MemberAssociation",
    "Question",
    "QuestionAnswer",
    "QuestionCard",
    "QuestionStatus",
    "StaffChat",
    "StaffInvite",
    "StaffRight",
    "StaffRole",
    "Verification",
    "VerificationCard",
]


# ------------------------------------------------------------------------------ reports


class ReportStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ESCALATED = "escalated"  # to the national level
    RESOLVED = "resolved"
    DECLINED = "declined"
    MERGED = "merged"


OPEN_REPORT_STATUSES = (ReportStatus.NEW, ReportStatus.IN_PROGRESS, ReportStatus.ESCALATED)


class Report(Base):
    """An urgent-issue report from a member, in the associations' joint queue. Never deleted:
    closed by status. `version` guards against two staff changing it at once."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # R-2026-00042
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.NEW, index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    urgency: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    residents: Mapped[int | None] = mapped_column(Integer)
    affected_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    dream_id: Mapped[str | None] = mapped_column(String(32))
    hromada_code: Mapped[str | None] = mapped_column(String(19))
    hromada_text: Mapped[str | None] = mapped_column(String(200))
    oblast_code: Mapped[str | None] = mapped_column(String(19), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="uk")
    reporter_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    joint: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    assignee_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Indexed: each process refreshes its similar-report index from the rows changed lately.
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Exactly-once: the key of the press that made it (a random token fixed when the dialog
    # step was shown, or the Telegram message it answers); a repeat finds this row instead.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_reports_status_deadline", "status", "deadline_at"),)


class ReportAssociation(Base):
    """An association a report was routed to, in routing order (the lead first)."""

    __tablename__ = "report_associations"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    association_id: Mapped[int] = mapped_column(
        ForeignKey("associations.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class ReportCounter(Base):
    """The last reference number given in a year; incremented in the submitting transaction."""

    __tablename__ = "report_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ReportDraft(Base):
    """A member's unfinished report form, to resume later: one per member."""

    __tablename__ = "report_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class ReportAttachment(Base):
    """A photo or document of a report: Telegram's file id, nothing downloaded."""

    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo | document
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))


class ReportSupporter(Base):
    """A member who co-signed a report ("this affects us too"); withdrawing keeps the row."""

    __tablename__ = "report_supporters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    hromada_code: Mapped[str | None] = mapped_column(String(19))
    hromada_text: Mapped[str | None] = mapped_column(String(200))
    oblast_code: Mapped[str | None] = mapped_column(String(19))
    residents: Mapped[int | None] = mapped_column(Integer)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("report_id", "member_id", name="uq_report_supporters_member"),
    )


class ReportEventKind(enum.StrEnum):
    """A report history entry's kind: whether the reporter and co-signers see it (`public`;
    staff notes, assignments, positions and co-signatures never), and its audit-log twin."""

    _value_: str
    public: bool
    action: AuditAction

    def __new__(cls, value: str, public: bool, action: AuditAction) -> ReportEventKind:
        kind = str.__new__(cls, value)
        kind._value_ = value
        kind.public = public
        kind.action = action
        return kind

    STATUS = "status", True, AuditAction.REPORT_STATUS
    ASSIGN = "assign", False, AuditAction.REPORT_ASSIGN
    REPLY = "reply", True, AuditAction.REPORT_REPLY
    NOTE = "note", False, AuditAction.REPORT_NOTE
    REPORTER_REPLY = "reporter_reply", True, AuditAction.REPORT_REPORTER_REPLY
    JOINT = "joint", True, AuditAction.REPORT_JOINT
    POSITION = "position", False, AuditAction.REPORT_POSITION
    MERGE = "merge", True, AuditAction.REPORT_MERGE
    COSIGN = "cosign", False, AuditAction.REPORT_COSIGN
    WITHDRAW = "withdraw", False, AuditAction.REPORT_WITHDRAW
    CARD_SWEPT = "card_swept", False, AuditAction.REPORT_CARD_SWEPT  # posted late by the sweep


class ReportEvent(Base):
    """One entry of a report's history; `public` ones are shown to the reporter and co-signers."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    # Exactly-once: the key of the press that made it (a random token fixed when the dialog
    # step was shown, or the Telegram message it answers); a repeat finds this row instead.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class ReportCard(Base):
    """A report's card posted in a staff group, edited in place as the report changes."""

    __tablename__ = "report_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_report_cards_message"),)


class ReportPosition(Base):
    """An association's stated position on a joint report; a later one replaces it."""

    __tablename__ = "report_positions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"))
    position: Mapped[str] = mapped_column(String(16))  # supports | neutral | opposes
    comment: Mapped[str | None] = mapped_column(Text)
    by_telegram_id: Mapped[int] = mapped_column(BigInteger)
    by_name: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("report_id", "association_id", name="uq_report_positions_association"),
    )


__all__ += [
    "OPEN_REPORT_STATUSES",
    "Report",
    "ReportAssociation",
    "ReportAttachment",
    "ReportCard",
    "ReportCounter",
    "ReportDraft",
    "ReportEvent",
    "ReportEventKind",
    "ReportPosition",
    "ReportStatus",
    "ReportSupporter",
]


# ------------------------------------------------------------------------------ digests


class DigestSchedule(Base):
    """When one digest goes out: `key` is an association's code (its own digest) or `joint`.
    Times are local to the bot's TIMEZONE; weekdays are ISO numbers, Monday = 1."""

    __tablename__ = "digest_schedules"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    weekdays: Mapped[str] = mapped_column(String(20))  # "1,2,3,4,5"
    time_of_day: Mapped[str] = mapped_column(String(5))  # "09:00"
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class DigestRun(Base):
    """One digest of one period for one association's group. The unique key is what makes a
    digest go out once per period, whichever process or restart gets there first."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_key: Mapped[str] = mapped_column(String(16))
    association_code: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[datetime] = mapped_column(UtcDateTime())
    period_end: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))  # claimed | sent | failed
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint(
            "schedule_key", "association_code", "period_end", name="uq_digest_runs_period"
        ),
    )


# ------------------------------------------------------------------------------ broadcasts


class BroadcastStatus(enum.StrEnum):
    SENDING = "sending"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # reserved by a sender for its next slot; nothing sent yet
    SENDING = "sending"  # intent recorded right before the HTTP call, the result not yet
    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403 or chat not found: the member is marked unreachable
    FAILED = "failed"  # retries exhausted
    UNCERTAIN = "uncertain"  # was in flight when a sender died: never sent a second time
    CANCELLED = "cancelled"


class Broadcast(Base):
    """An announcement from staff to members; its recipients are rows of `broadcast_deliveries`,
    written in the same transaction that confirms it."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_telegram_id: Mapped[int] = mapped_column(BigInteger)
    author_name: Mapped[str | None] = mapped_column(String(200))
    text_uk: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    attachment_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    attachment_file_id: Mapped[str | None] = mapped_column(String(255))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"associations": [codes], "oblasts": [codes], "roles": [roles]}; an empty list: everyone
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.SENDING, index=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The author's progress message, edited every few seconds.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_locale: Mapped[str] = mapped_column(String(5), default="uk")
    # A fingerprint of what the progress message shows now, whoever edited it last (the sender
    # or a button press): an edit that would change nothing is not sent.
    progress_shown: Mapped[str | None] = mapped_column(String(40))
    # One per composing dialog: confirming twice (a resent press, a restart between the
    # commit and the dialog's own record of it) finds this broadcast instead of making another.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # What the sender delivers: an announcement, or a consultation's question (with its answer
    # buttons), reminder or outcome; `consultation_id` names the consultation then.
    purpose: Mapped[str] = mapped_column(
        String(16), default="announcement", server_default="announcement"
    )
    # No foreign key: consultations name their broadcasts, and a cycle of keys would make
    # SQLite rebuild this table (and its deliveries' references) to add the column.
    consultation_id: Mapped[int | None] = mapped_column(Integer, index=True)


class BroadcastDelivery(Base):
    """One recipient of one announcement: the outbox row a sender claims, sends and settles."""

    __tablename__ = "broadcast_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("broadcast_id", "member_id", name="uq_broadcast_deliveries_member"),
        Index("ix_broadcast_deliveries_due", "status", "next_attempt_at"),
        Index("ix_broadcast_deliveries_broadcast_status", "broadcast_id", "status"),
    )


class WorkerLease(Base):
    """A named background job that one process at a time may run (the broadcast sender): held
    until `expires_at`, renewed while the holder lives."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


__all__ += [
    "Broadcast",
    "BroadcastDelivery",
    "BroadcastStatus",
    "DeliveryStatus",
    "DigestRun",
    "DigestSchedule",
    "WorkerLease",
]


# ------------------------------------------------------------------------------ housekeeping


class MaintenanceRun(Base):
    """One run of a daily job (the retention sweep) for one day: the unique key makes it run
    once a day, whichever process gets there first."""

    __tablename__ = "maintenance_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the bot's TIMEZONE
    status: Mapped[str] = mapped_column(String(16))  # claimed | done | failed
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # What the run removed, by kind: {"report_drafts": 3, ...}
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("job", "day", name="uq_maintenance_runs_day"),)


__all__ += ["MaintenanceRun"]


# ------------------------------------------------------------------------------ consultations


class BroadcastPurpose(enum.StrEnum):
    ANNOUNCEMENT = "announcement"
    CONSULTATION = "consultation"  # the question, with the answer buttons
    REMINDER = "reminder"  # the question again, to those asked who have not answered
    OUTCOME = "outcome"  # the consolidated position, to everyone asked
    # No message: the answer buttons of the question and the reminder a member got are
    # replaced by the "closed" marker once the consultation closed.
    CLOSING = "closing"


class ConsultationKind(enum.StrEnum):
    POSITION = "position"  # support / support with amendments / oppose / no opinion
    PRIORITIES = "priorities"  # up to `max_choices` of the options


class ConsultationStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Consultation(Base):
    """Staff ask members a question; it reaches them through the announcement outbox (the
    broadcast `broadcast_id`, written in the same transaction) and closes at `closes_at`."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_telegram_id: Mapped[int] = mapped_column(BigInteger)
    author_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    question_uk: Mapped[str] = mapped_column(Text)
    question_en: Mapped[str | None] = mapped_column(Text)
    document_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    document_file_id: Mapped[str | None] = mapped_column(String(255))
    document_name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    # Priorities: [{"uk": ..., "en": ...}], answered by index; empty for a position.
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    # The announcements' audience, as the author's rights left it.
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Individual answers shown to staff of the member's own associations (admins: all).
    answers_visible_to_staff: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default=ConsultationStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    # Set in the transaction that writes the reminder (or outcome) broadcast, only when still
    # empty: whoever sets it first wrote the only one.
    reminder_broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    outcome_broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    # Claimed by the process that posts the final summary to the staff groups.
    summary_posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_consultations_status_closes", "status", "closes_at"),)


class ConsultationAnswer(Base):
    """One member's answer, with who they were when answering (their associations, oblast,
    role, hromada, verification): the breakdowns count that. On erasure the row stays in the
    counts without `member_id`, the comment or the hromada."""

    __tablename__ = "consultation_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    # A position code ("support") or a list of option indices ([0, 3]).
    choice: Mapped[Any] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    association_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    oblast_code: Mapped[str | None] = mapped_column(String(19))
    role: Mapped[str | None] = mapped_column(String(32))
    hromada_code: Mapped[str | None] = mapped_column(String(19))
    hromada_text: Mapped[str | None] = mapped_column(String(200))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # The press that last changed it: a repeat of that press changes nothing.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (
        UniqueConstraint("consultation_id", "member_id", name="uq_consultation_answers_member"),
    )


class ConsultationChoice(Base):
    """One option an answer chose (a position code, or a priority's index as text), and one
    association of the answer's snapshot: what the results GROUP BY, rewritten with the answer."""

    __tablename__ = "consultation_choices"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_answers.id", ondelete="CASCADE"), primary_key=True
    )
    option: Mapped[str] = mapped_column(String(16), primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))

    __table_args__ = (Index("ix_consultation_choices_consultation", "consultation_id", "option"),)


class ConsultationAnswerAssociation(Base):
    """An association the member belonged to when answering (the by-association breakdown)."""

    __tablename__ = "consultation_answer_associations"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_answers.id", ondelete="CASCADE"), primary_key=True
    )
    association_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))

    __table_args__ = (
        Index(
            "ix_consultation_answer_associations_consultation",
            "consultation_id",
            "association_code",
        ),
    )


class ConsultationSummary(Base):
    """The final summary of one closed consultation for one staff group. The unique key lets
    one process have it; a claim left by a process that died is taken over after a timeout."""

    __tablename__ = "consultation_summaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # claimed | sent | failed
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # after a migration, the new id
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("consultation_id", "chat_id", name="uq_consultation_summaries_chat"),
    )


__all__ += [
    "BroadcastPurpose",
    "Consultation",
    "ConsultationAnswer",
    "ConsultationAnswerAssociation",
    "ConsultationChoice",
    "ConsultationKind",
    "ConsultationStatus",
    "ConsultationSummary",
]
