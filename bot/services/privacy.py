"""Members' data rights: everything the bot holds about one member, and erasing it.

The export is one transaction and returns plain JSON-ready data (dicts, lists, ISO times), so
the bot's "Download my data" and `hromada-bot member export` share it. Other people's data is
left out of it: the staff who answered or acted are "staff", never named.

Erasure is one transaction. The member row stays, because their reports and co-signatures keep
their place in the associations' records and in the co-signing figures (hromada, oblast,
residents, verification stay); everything that identifies the person goes: name, phone, role,
language, consent time, associations, and the Telegram id, replaced by `-members.id` (never a
Telegram user id). Consultation answers stay in the counts (choice, the associations, oblast,
role and verification of the time) without the member, their comment or their hromada. Their
dialog state, report draft, knowledge-base votes and unsent announcement deliveries are
deleted; the history entries and audit entries they made or that are about them keep the event
without the personal values. A later /start by the same Telegram
user finds no member and registers afresh. The staff cards that showed the member are edited by
the caller afterwards (Telegram is not this module's business); `Erasure` lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.services.members import profile_values
from bot.services.message_limits import visible_text
from bot.services.staff import StaffGuarded
from bot.services.staff_chats import CardRef
from storage.fsm import delete_user_records
from storage.models import AuditAction, AuditEvent, AuditSubject, BroadcastPurpose, Member, utcnow
from storage.repositories import consultations as consultations_repo
from storage.repositories import members as members_repo
from storage.repositories import privacy as repo
from storage.repositories import reports as reports_repo
from storage.repositories.audit import add_event

EXPORT_FORMAT = "hromada-bot/member-data"
EXPORT_VERSION = 1
ERASED = "erased"
# Values in audit entries about a member that say who they are; erasure replaces them.
PERSONAL_AUDIT_FIELDS = ("full_name", "role", "hromada_text", "phone", "associations")
# Values in audit entries that name someone else (the officer who decided): not exported.
THIRD_PARTY_AUDIT_FIELDS = ("by_name",)


class NoSuchMember(LookupError):
    """No member has this Telegram id (never started the bot, or erased already)."""

    def __init__(self, telegram_id: int) -> None:
        super().__init__(f"no member with Telegram id {telegram_id}")
        self.telegram_id = telegram_id


class StaffMustBeRevoked(Exception):
    """The person holds staff rights: their work as staff is the associations' record, so the
    rights are revoked first (by an administrator), then the profile can be deleted."""


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, and the staff cards that still show the member."""

    member_id: int
    erased_at: datetime
    verification_cards: tuple[CardRef, ...]
    report_ids: tuple[int, ...]  # their reports with a card in a staff group
    question_ids: tuple[int, ...]  # their questions with a card in a staff group
    removed: dict[str, int] = field(default_factory=dict)  # what went, by kind

    @property
    def cards(self) -> int:
        return len(self.verification_cards) + len(self.report_ids) + len(self.question_ids)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _chosen_options(options: list[dict[str, Any]], choice: Any) -> list[dict[str, Any]]:
    if not isinstance(choice, list):
        return []
    return [dict(options[index]) for index in choice if 0 <= index < len(options)]


def _json(value: Any) -> Any:
    """Stored JSON as it is, with any datetime made text."""
    if isinstance(value, dict):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """An audit entry's values without the personal ones (the keys stay: what changed)."""
    if values is None:
        return None
    return {
        key: (ERASED if key in PERSONAL_AUDIT_FIELDS and value is not None else value)
        for key, value in values.items()
    }


def _without_third_parties(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {
        key: _json(value) for key, value in values.items() if key not in THIRD_PARTY_AUDIT_FIELDS
    }


@dataclass(frozen=True)
class PersonFound:
    """A member matching a request by e-mail or letter, to tell who is who before exporting."""

    telegram_id: int
    full_name: str | None
    role: str | None
    hromada: str | None
    oblast_code: str | None
    registered_at: datetime | None


def _matches(member: Member, hromada: str | None, words: list[str], digits: str) -> bool:
    if digits:
        phone = "".join(ch for ch in member.phone or "" if ch.isdigit())
        return bool(phone) and phone.endswith(digits)
    haystack = " ".join(filter(None, (member.full_name, hromada))).casefold()
    return all(word in haystack for word in words)


class PrivacyService(StaffGuarded):
    """The export and the erasure of one member's data; each method is one transaction."""

    async def find(self, query: str, *, limit: int = 20) -> list[PersonFound]:
        """Members whose name (and hromada) hold every word of `query`, or, for a query of seven
        or more digits, whose phone ends with them; at most `limit`."""
        digits = "".join(ch for ch in query if ch.isascii() and ch.isdigit())
        digits = digits if len(digits) >= 7 else ""
        words = query.casefold().split()
        if not digits and not words:
            return []
        async with self.db.transaction() as session:
            people = await members_repo.people(session)
        found = []
        for member, codifier_name in people:
            hromada = codifier_name or member.hromada_text
            if _matches(member, hromada, words, digits):
                found.append(
                    PersonFound(
                        member.telegram_id,
                        member.full_name,
                        member.role,
                        hromada,
                        member.oblast_code,
                        member.registered_at,
                    )
                )
        return found[:limit]

    # ------------------------------------------------------------------------- export

    async def export(self, telegram_id: int) -> dict[str, Any]:
        """Everything the bot holds about the member with this Telegram id, as JSON-ready data.
        Raises NoSuchMember."""
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None:
                raise NoSuchMember(telegram_id)
            filed = await repo.reports_filed(session, member.id)
            cosigned = await repo.cosignatures(session, member.id)
            report_ids = sorted({r.id for r in filed} | {r.id for _, r in cosigned})
            history = await repo.public_events(session, report_ids)
            routes = await repo.route_codes(session, report_ids)
            files = await repo.attachments(session, [r.id for r in filed])
            questions = await repo.questions_asked(session, member.id)
            answers = await repo.answers(session, [q.id for q in questions])
            draft = await reports_repo.draft_of(session, member.id)
            deliveries = await repo.deliveries(session, member.id)
            votes = await repo.kb_feedback(session, member.id)
            consulted = await consultations_repo.answers_of_member(session, member.id)
            rights = await repo.staff_rights(session, telegram_id)
            audit = await repo.audit_about(session, telegram_id)
            places = await repo.unit_names(
                session,
                {
                    code
                    for code in (
                        member.hromada_code,
                        *(r.hromada_code for r in filed),
                        *(s.hromada_code for s, _ in cosigned),
                    )
                    if code
                },
            )

            def events(report_id: int) -> list[dict[str, Any]]:
                return [
                    {
                        "at": _time(event.at),
                        "kind": event.kind,
                        "by_you": event.actor_telegram_id == telegram_id,
                        "before": _json(event.before),
                        "after": _json(event.after),
                        "text": event.text,
                    }
                    for event in history.get(report_id, [])
                ]

            return {
                "export": {
                    "format": EXPORT_FORMAT,
                    "version": EXPORT_VERSION,
                    "created_at": _time(utcnow()),
                    "telegram_id": telegram_id,
                },
                "profile": {
                    **_profile(member),
                    "hromada_name": places.get(member.hromada_code or ""),
                },
                "staff_rights": [
                    {"role": right.role, "association": code, "granted_at": _time(right.granted_at)}
                    for right, code in rights
                ],
                "reports": [
                    {
                        "id": report.id,
                        "reference": report.reference,
                        "title": report.title,
                        "description": report.description,
                        "status": report.status,
                        "category": report.category,
                        "urgency": report.urgency,
                        "residents": report.residents,
                        "affected_groups": list(report.affected_groups or []),
                        "dream_id": report.dream_id,
                        "oblast_code": report.oblast_code,
                        "hromada_code": report.hromada_code,
                        "hromada_text": report.hromada_text,
                        "hromada_name": places.get(report.hromada_code or ""),
                        "locale": report.locale,
                        "associations": routes.get(report.id, []),
                        "joint": report.joint,
                        "verified_when_filed": report.reporter_verified,
                        "created_at": _time(report.created_at),
                        "submitted_at": _time(report.submitted_at),
                        "deadline_at": _time(report.deadline_at),
                        "first_response_at": _time(report.first_response_at),
                        "resolved_at": _time(report.resolved_at),
                        "attachments": [
                            {"kind": a.kind, "file_name": a.file_name}
                            for a in files.get(report.id, [])
                        ],
                        "history": events(report.id),
                    }
                    for report in filed
                ],
                "cosigned_reports": [
                    {
                        "report_id": report.id,
                        "reference": report.reference,
                        "title": report.title,
                        "status": report.status,
                        "associations": routes.get(report.id, []),
                        "oblast_code": supporter.oblast_code,
                        "hromada_code": supporter.hromada_code,
                        "hromada_text": supporter.hromada_text,
                        "hromada_name": places.get(supporter.hromada_code or ""),
                        "residents": supporter.residents,
                        "verified_when_joined": supporter.verified,
                        "joined_at": _time(supporter.joined_at),
                        "withdrawn_at": _time(supporter.withdrawn_at),
                        "history": events(report.id),
                    }
                    for supporter, report in cosigned
                ],
                "report_draft": (
                    None
                    if draft is None
                    else {"updated_at": _time(draft.updated_at), "data": _json(draft.data)}
                ),
                "questions": [
                    {
                        "id": question.id,
                        "text": question.text,
                        "locale": question.locale,
                        "associations": list(question.association_codes),
                        "status": question.status,
                        "created_at": _time(question.created_at),
                        "answered_at": _time(question.answered_at),
                        "answers": [
                            {
                                "text": answer.text,
                                "created_at": _time(answer.created_at),
                                "delivered": answer.delivered,
                            }
                            for answer in answers.get(question.id, [])
                        ],
                    }
                    for question in questions
                ],
                "announcements": [
                    {
                        "broadcast_id": broadcast.id,
                        "created_at": _time(broadcast.created_at),
                        "urgent": broadcast.urgent,
                        "locale": delivery.locale,
                        "text": visible_text(
                            broadcast.text_en
                            if delivery.locale == "en" and broadcast.text_en
                            else broadcast.text_uk
                        ),
                        "attachment": broadcast.attachment_name or broadcast.attachment_kind,
                        "status": delivery.status,
                        "finished_at": _time(delivery.finished_at),
                    }
                    for delivery, broadcast in deliveries
                    # A closing only changed the buttons of a message listed here already.
                    if broadcast.purpose != BroadcastPurpose.CLOSING
                ],
                "consultation_answers": [
                    {
                        "consultation_id": consultation.id,
                        "title": consultation.title,
                        "kind": consultation.kind,
                        "choice": _json(answer.choice),
                        # A priorities answer's indices, as the options read (uk and en).
                        "chosen_options": _chosen_options(consultation.options, answer.choice),
                        "comment": answer.comment,
                        "associations": list(answer.association_codes or []),
                        "oblast_code": answer.oblast_code,
                        "role": answer.role,
                        "hromada_code": answer.hromada_code,
                        "hromada_text": answer.hromada_text,
                        "verified_when_answered": answer.verified,
                        "created_at": _time(answer.created_at),
                        "updated_at": _time(answer.updated_at),
                    }
                    for answer, consultation in consulted
                ],
                "kb_feedback": [
                    {
                        "slug": vote.slug,
                        "helpful": vote.helpful,
                        "created_at": _time(vote.created_at),
                        "updated_at": _time(vote.updated_at),
                    }
                    for vote in votes
                ],
                "audit": [_audit_entry(event, telegram_id) for event in audit],
            }

    # ------------------------------------------------------------------------- erasure

    async def erase(self, telegram_id: int, *, by_operator: bool = False) -> Erasure:
        """Delete the member's profile as the module's docstring says. Raises NoSuchMember, and
        StaffMustBeRevoked for someone holding staff rights. `by_operator`: done from the
        command line (a request by e-mail or letter), recorded as such in the audit log."""
        if (await self.staff.rights(telegram_id)).is_staff:
            raise StaffMustBeRevoked
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None:
                raise NoSuchMember(telegram_id)
            new_id = -member.id
            now = utcnow()
            cards = tuple(
                CardRef(card.chat_id, card.message_id, card.locale)
                for card in await repo.verification_cards(session, member.id)
            )
            report_ids = tuple(await repo.reports_with_cards(session, member.id))
            question_ids = tuple(await repo.questions_with_cards(session, member.id))
            removed = {
                "report_draft": int(await reports_repo.delete_draft(session, member.id)),
                "kb_feedback": await repo.delete_kb_feedback(session, member.id),
                "unsent_announcements": await repo.delete_unsent_deliveries(session, member.id),
                "dialog_state": await delete_user_records(session, telegram_id),
            }
            await repo.readdress_deliveries(session, member.id, new_id)
            removed["consultation_answers"] = await consultations_repo.anonymise_answers(
                session, member.id
            )
            removed["history_entries"] = await repo.anonymise_report_events(
                session, telegram_id, new_id
            )
            removed["audit_entries"] = _anonymise_audit(
                await repo.audit_about(session, telegram_id), telegram_id, new_id
            )
            _erase_profile(member, new_id, now)
            await session.flush()
            await add_event(
                session,
                AuditAction.MEMBER_ERASED,
                new_id,
                actor_id=None if by_operator else new_id,
                after={"by": "operator" if by_operator else "member"},
            )
            return Erasure(member.id, now, cards, report_ids, question_ids, removed)


def _profile(member: Member) -> dict[str, Any]:
    return {
        "telegram_id": member.telegram_id,
        **profile_values(member),
        "phone": member.phone,
        "locale": member.locale,
        "verification": member.verification,
        "reachable": member.reachable,
        "announcements_muted": member.announcements_muted,
        "consent_at": _time(member.consent_at),
        "registered_at": _time(member.registered_at),
        "created_at": _time(member.created_at),
        "updated_at": _time(member.updated_at),
    }


def _audit_entry(event: AuditEvent, telegram_id: int) -> dict[str, Any]:
    if event.actor_id == telegram_id:
        by = "you"
    elif event.actor_id is None:
        by = "system"
    else:
        by = "staff"
    return {
        "at": _time(event.at),
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "by": by,
        "before": _without_third_parties(event.before),
        "after": _without_third_parties(event.after),
    }


def _anonymise_audit(events: Iterable[AuditEvent], telegram_id: int, new_id: int) -> int:
    """Entries about the member keep the event and what changed, not the values; the member's
    Telegram id becomes `new_id` wherever it stood."""
    count = 0
    for event in events:
        if event.subject_type == AuditSubject.MEMBER and event.subject_id == str(telegram_id):
            event.subject_id = str(new_id)
            event.before = _scrub(event.before)
            event.after = _scrub(event.after)
        if event.actor_id == telegram_id:
            event.actor_id = new_id
        count += 1
    return count


def _erase_profile(member: Member, new_id: int, now: datetime) -> None:
    """Keep the place (oblast, hromada) and the verification the co-signing figures count;
    drop everything that says who the person is."""
    member.telegram_id = new_id
    member.full_name = None
    member.phone = None
    member.role = None
    member.locale = None
    member.consent_at = None
    member.associations = []
    member.associations_unsure = False
    member.reachable = False
    member.announcements_muted = False
    member.erased_at = now
