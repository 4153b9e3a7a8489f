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
    phone: Mapped[str | None] = mapped_column(String(32))
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

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

    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)


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
    "AuditEvent",
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
]
