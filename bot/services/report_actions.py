"""Reports, the staff side: take, status, public replies and internal notes, the reporter's
answer, joint issues and associations' positions, merging, and the cards posted of a report.
Every action checks the staff member's rights again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.members import InvalidInput
from bot.services.report_base import ReportBase, existing_report
from bot.services.report_types import (
    COMMENT_MAX,
    MESSAGE_MAX,
    OPEN,
    POSITIONS,
    TRANSITIONS,
    Actor,
    AlreadyTaken,
    HistoryEntry,
    JointResult,
    ReportClosed,
    TransitionRefused,
    clean_text,
)
from bot.services.request_keys import once_per_key
from bot.services.staff import PermissionDenied, Rights
from bot.services.staff_chats import bound_chats
from storage.models import (
    Report,
    ReportCard,
    ReportEventKind,
    ReportStatus,
    ReportSupporter,
    Verification,
    utcnow,
)
from storage.repositories import associations as associations_repo
from storage.repositories import members as members_repo
from storage.repositories import reports as repo


class ReportStaffActions(ReportBase):
    """What staff do to a report, each action one transaction."""

    async def _open_staff_report(
        self, session: AsyncSession, report_id: int, rights: Rights
    ) -> Report:
        """The report these rights may act on, still open; ReportClosed when it is not."""
        report, _ = await self._staff_report(session, report_id, rights)
        if report.status not in OPEN:
            raise ReportClosed(report.status)
        return report

    async def take(self, report_id: int, staff: Actor) -> HistoryEntry | None:
        """Assign an open report to this staff member; None when it was theirs already.
        AlreadyTaken (with who has it) when someone else was first."""
        rights = await self.staff.rights(staff.telegram_id)
        async with self.db.transaction() as session:
            report = await self._open_staff_report(session, report_id, rights)
            before = {"assignee": report.assignee_name}
            if report.assignee_telegram_id == staff.telegram_id:
                return None
            claimed = await repo.claim(session, report.id, staff.telegram_id, staff.name, utcnow())
            await session.refresh(report)
            if not claimed:
                if report.status not in OPEN:
                    raise ReportClosed(report.status)
                raise AlreadyTaken(report.assignee_name, report.assignee_telegram_id)
            after = {"assignee": staff.name, "assignee_telegram_id": staff.telegram_id}
            return await self._record(session, report, staff, ReportEventKind.ASSIGN, before, after)

    async def set_status(
        self, report_id: int, staff: Actor, status: str, reason: str | None = None
    ) -> HistoryEntry:
        """Move the report along TRANSITIONS; declining needs a reason (InvalidInput
        `reason-required`). TransitionRefused, ReportClosed, PermissionDenied."""
        cleaned = clean_text(reason, COMMENT_MAX) if reason and reason.strip() else None
        if status == ReportStatus.DECLINED and cleaned is None:
            raise InvalidInput("reason-required")
        rights = await self.staff.rights(staff.telegram_id)

        async def operation() -> HistoryEntry:
            async with self.db.transaction() as session:
                report = await self._open_staff_report(session, report_id, rights)
                if status not in TRANSITIONS.get(report.status, frozenset()):
                    raise TransitionRefused(report.status, status)
                now = utcnow()
                before = {"status": report.status}
                report.status = status
                report.first_response_at = report.first_response_at or now
                if status not in OPEN:
                    report.resolved_at = now
                await session.flush()
                entry = await self._record(
                    session,
                    report,
                    staff,
                    ReportEventKind.STATUS,
                    before,
                    {"status": status},
                    text=cleaned,
                )
            if status not in OPEN:
                self._similar.drop(report_id)
            return entry

        return await self._retrying(operation)

    async def reply(
        self, report_id: int, staff: Actor, text: str, *, request_key: str | None = None
    ) -> HistoryEntry:
        """A public answer, for the reporter and co-signers; the first one meets the deadline.
        With a `request_key` used before, that answer (`repeated`): nothing new to send."""
        return await self._message(report_id, staff, text, ReportEventKind.REPLY, request_key)

    async def note(
        self, report_id: int, staff: Actor, text: str, *, request_key: str | None = None
    ) -> HistoryEntry:
        """An internal note: staff only, never in a member's history."""
        return await self._message(report_id, staff, text, ReportEventKind.NOTE, request_key)

    async def _message(
        self,
        report_id: int,
        staff: Actor,
        text: str,
        kind: ReportEventKind,
        request_key: str | None,
    ) -> HistoryEntry:
        cleaned = clean_text(text, MESSAGE_MAX)
        rights = await self.staff.rights(staff.telegram_id)

        async def operation() -> HistoryEntry:
            async with self.db.transaction() as session:
                if request_key is not None:
                    earlier = await self._message_result(session, request_key, staff.telegram_id)
                    if earlier is not None:
                        return earlier
                report, _ = await self._staff_report(session, report_id, rights)
                if kind.public and report.status == ReportStatus.MERGED:
                    raise ReportClosed(report.status)
                if kind.public and report.first_response_at is None:
                    report.first_response_at = utcnow()
                    await session.flush()
                return await self._record(
                    session, report, staff, kind, text=cleaned, request_key=request_key
                )

        return await once_per_key(
            self.db,
            request_key,
            lambda: self._retrying(operation),
            lambda session, key: self._message_result(session, key, staff.telegram_id),
        )

    async def reporter_reply(self, report_id: int, telegram_id: int, text: str) -> HistoryEntry:
        """The reporter answers back; it reaches the card. PermissionDenied for anyone else."""
        cleaned = clean_text(text, MESSAGE_MAX)
        async with self.db.transaction() as session:
            report = await existing_report(session, report_id)
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None or member.id != report.member_id:
                raise PermissionDenied
            if report.status == ReportStatus.MERGED:
                raise ReportClosed(report.status)
            reporter = Actor(telegram_id, member.full_name or "")
            return await self._record(
                session, report, reporter, ReportEventKind.REPORTER_REPLY, text=cleaned
            )

    async def mark_joint(self, report_id: int, staff: Actor) -> JointResult:
        """Make it a joint issue of all associations: every association's staff may act on it
        and state a position; returns the groups that have no card of it yet."""
        rights = await self.staff.rights(staff.telegram_id)

        async def operation() -> JointResult:
            async with self.db.transaction() as session:
                report = await self._open_staff_report(session, report_id, rights)
                entry = None
                if not report.joint:
                    report.joint = True
                    await session.flush()
                    entry = await self._record(
                        session,
                        report,
                        staff,
                        ReportEventKind.JOINT,
                        {"joint": False},
                        {"joint": True},
                    )
                posted = {card.chat_id for card in await repo.cards_of(session, report.id)}
                chats = [chat for chat in await bound_chats(session) if chat.chat_id not in posted]
                return JointResult(entry, tuple(chats))

        return await self._retrying(operation)

    async def set_position(
        self,
        report_id: int,
        staff: Actor,
        association_code: str,
        position: str,
        comment: str | None = None,
    ) -> HistoryEntry:
        """An association's position on a joint report (a later one replaces it), stated by its
        staff or an admin. InvalidInput `not-joint`, `bad-position`."""
        if position not in POSITIONS:
            raise InvalidInput("bad-position")
        cleaned = clean_text(comment, COMMENT_MAX) if comment and comment.strip() else None
        rights = await self.staff.rights(staff.telegram_id)
        if not rights.may_act_for(association_code):
            raise PermissionDenied
        async with self.db.transaction() as session:
            report, _ = await self._staff_report(session, report_id, rights)
            if not report.joint:
                raise InvalidInput("not-joint")
            association = await associations_repo.by_code(session, association_code)
            if association is None or not association.active:
                raise PermissionDenied
            old = await repo.position_of(session, report.id, association.id)
            before = None if old is None else {"position": old.position, "comment": old.comment}
            await repo.upsert_position(
                session,
                report.id,
                association.id,
                position,
                cleaned,
                staff.telegram_id,
                staff.name,
                utcnow(),
            )
            after = {"association": association_code, "position": position, "comment": cleaned}
            return await self._record(
                session, report, staff, ReportEventKind.POSITION, before, after
            )

    async def merge(self, report_id: int, into_id: int, staff: Actor) -> HistoryEntry:
        """Close a duplicate into another open report: its reporter and co-signers become
        co-signers of the target. Staff must be able to act on both. InvalidInput `merge-self`,
        ReportClosed (either one closed)."""
        if report_id == into_id:
            raise InvalidInput("merge-self")
        rights = await self.staff.rights(staff.telegram_id)

        async def operation() -> HistoryEntry:
            async with self.db.transaction() as session:
                source, _ = await self._staff_report(session, report_id, rights)
                target, _ = await self._staff_report(session, into_id, rights)
                for report in (source, target):
                    if report.status not in OPEN:
                        raise ReportClosed(report.status)
                moving = [
                    (
                        source.member_id,
                        source.hromada_code,
                        source.hromada_text,
                        source.oblast_code,
                        source.residents,
                        source.reporter_verified,
                    )
                ] + [
                    (
                        row.member_id,
                        row.hromada_code,
                        row.hromada_text,
                        row.oblast_code,
                        row.residents,
                        member.verification == Verification.VERIFIED,
                    )
                    for row, member in await repo.active_supporters(session, source.id)
                ]
                moved = 0
                now = utcnow()
                for member_id, code, text, oblast, residents, verified in moving:
                    if member_id == target.member_id:
                        continue
                    row = await repo.supporter(session, target.id, member_id)
                    if row is not None and row.withdrawn_at is None:
                        continue
                    if row is None:
                        row = await repo.add_supporter(
                            session,
                            ReportSupporter(
                                report_id=target.id, member_id=member_id, joined_at=now
                            ),
                        )
                    row.hromada_code, row.hromada_text, row.oblast_code = code, text, oblast
                    row.residents, row.verified = residents, verified
                    row.joined_at, row.withdrawn_at = now, None
                    moved += 1
                before = {"status": source.status}
                source.status = ReportStatus.MERGED
                source.merged_into_id = target.id
                source.resolved_at = now
                source.first_response_at = source.first_response_at or now
                target.updated_at = now
                await session.flush()
                merged_from = {"merged_from": source.reference, "moved": moved}
                await self._record(session, target, staff, ReportEventKind.MERGE, None, merged_from)
                merged_into = {
                    "status": str(ReportStatus.MERGED),
                    "into": target.reference,
                    "moved": moved,
                }
                entry = await self._record(
                    session, source, staff, ReportEventKind.MERGE, before, merged_into
                )
            self._similar.drop(report_id)
            return entry

        return await self._retrying(operation)

    # ------------------------------------------------------------------------- cards

    async def add_cards(self, report_id: int, cards: Sequence[tuple[int, int]]) -> None:
        """Remember the (chat id, message id) of cards posted, to edit them and to find the
        report from a reply or a button."""
        if not cards:
            return
        async with self.db.transaction() as session:
            await existing_report(session, report_id)  # UnknownReport
            for chat_id, message_id in cards:
                await repo.add_card(
                    session, ReportCard(report_id=report_id, chat_id=chat_id, message_id=message_id)
                )

    async def report_for_card(self, chat_id: int, message_id: int) -> int | None:
        async with self.db.transaction() as session:
            return await repo.report_id_for_card(session, chat_id, message_id)
