"""Reports, reading: one report's view and everything its card shows, who to tell about a
change, the staff queue, a report's history, the members' own reports, and the figures of who
a report affects."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import AssociationInfo
from bot.services.hromadas import place_key
from bot.services.report_base import ReportBase, existing_report
from bot.services.report_types import (
    _NO_ASSOCIATIONS,
    OPEN,
    AttachmentView,
    CardViewer,
    HistoryEntry,
    MemberReport,
    PositionView,
    QueueFilter,
    QueueItem,
    QueuePage,
    ReportCardData,
    ReportFigures,
    ReportView,
    SupporterView,
    _entry,
    _hromada_key,
    normalise_reference,
)
from bot.services.row_views import view_of
from bot.services.staff import PermissionDenied, Rights
from bot.services.staff_chats import CardRef
from storage.models import (
    Member,
    Report,
    ReportStatus,
    ReportSupporter,
    Verification,
    utcnow,
)
from storage.repositories import associations as associations_repo
from storage.repositories import members as members_repo
from storage.repositories import questions as questions_repo
from storage.repositories import reports as repo

_EVERY_OPEN = QueueFilter()


class ReportQueries(ReportBase):
    """Reading reports; no method changes anything."""

    async def figures(self, report_id: int, verified_only: bool = True) -> ReportFigures:
        """Hromadas, oblasts, residents and members behind a report (see ReportFigures)."""
        async with self.db.transaction() as session:
            report = await existing_report(session, report_id)
            return await _figures(session, report, verified_only)

    async def recipients(self, report_id: int) -> list[tuple[int, str]]:
        """(Telegram id, language) of the reporter and active co-signers who can be reached."""
        async with self.db.transaction() as session:
            report = await existing_report(session, report_id)
            reporter = await session.get(Member, report.member_id, options=_NO_ASSOCIATIONS)
            members = [reporter] if reporter is not None else []
            members += [member for _, member in await repo.active_supporters(session, report.id)]
        result: dict[int, str] = {}
        for member in members:
            if member.reachable and member.telegram_id not in result:
                result[member.telegram_id] = member.locale or report.locale
        return list(result.items())

    async def queue(
        self,
        rights: Rights,
        filters: QueueFilter = _EVERY_OPEN,
        page: int = 1,
        per_page: int = 10,
    ) -> QueuePage:
        """Reports of the associations `rights` may act for (joint ones for all staff, every
        one for admins), filtered, most urgent first and then by deadline; `page` from 1."""
        if not rights.is_staff:
            raise PermissionDenied
        page, per_page = max(1, page), max(1, min(per_page, 100))
        query = repo.QueueQuery(
            association_codes=None if rights.is_admin else rights.staff_of,
            statuses=(filters.status,) if filters.status else tuple(OPEN),
            category=filters.category,
            oblast_code=filters.oblast_code,
            urgency=filters.urgency,
            overdue_at=utcnow() if filters.overdue else None,
            urgency_order=tuple(u.code for u in self.rules.urgencies),
        )
        async with self.db.transaction() as session:
            rows, total = await repo.queue_page(session, query, (page - 1) * per_page, per_page)
            places = await self.places.places([place_key(row) for row, _count in rows], session)
        items = tuple(
            view_of(QueueItem, row, supporters=count, place=places[place_key(row)])
            for row, count in rows
        )
        return QueuePage(items, total, page, per_page)

    async def history(self, report_id: int, include_internal: bool = False) -> list[HistoryEntry]:
        """The report's history, oldest first; members see public entries only."""
        async with self.db.transaction() as session:
            await existing_report(session, report_id)  # UnknownReport
            rows = await repo.events_of(session, report_id, public_only=not include_internal)
            return [_entry(row) for row in rows]

    async def member_reports(self, telegram_id: int) -> list[MemberReport]:
        """The member's own and co-signed reports, newest first."""
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None:
                return []
            own = await repo.reported_by(session, member.id)
            cosigned = await repo.cosigned_by(session, member.id)
        items = [
            MemberReport(r.id, r.reference, r.title, r.status, True, r.created_at, r.deadline_at)
            for r in own
        ] + [
            MemberReport(r.id, r.reference, r.title, r.status, False, r.created_at, r.deadline_at)
            for r in cosigned
        ]
        items.sort(key=lambda item: (item.created_at, item.id), reverse=True)
        return items

    async def member_report(self, report_id: int, telegram_id: int) -> ReportView | None:
        """The report when this member filed or co-signs it, else None."""
        view = await self.report(report_id)
        if view is None:
            return None
        if view.reporter_telegram_id == telegram_id:
            return view
        if any(s.telegram_id == telegram_id for s in view.supporters):
            return view
        return None

    async def by_reference(self, reference: str) -> ReportView | None:
        """The report with this reference, as typed or read out (`r 2026 42`)."""
        canonical = normalise_reference(reference)
        if canonical is None:
            return None
        async with self.db.transaction() as session:
            report_id = await repo.id_by_reference(session, canonical)
        return None if report_id is None else await self.report(report_id)

    async def report(self, report_id: int) -> ReportView | None:
        async with self.db.transaction() as session:
            found = await _with_reporter(session, report_id)
            return None if found is None else await _view(session, *found)

    async def card(
        self, report_id: int, viewer: CardViewer = CardViewer.GROUP
    ) -> ReportCardData | None:
        """Everything the report's card shows (see ReportCardData), in one transaction; the
        reporter's phone number itself only for a staff member in private chat."""
        async with self.db.transaction() as session:
            found = await _with_reporter(session, report_id)
            if found is None:
                return None
            report, reporter = found
            view = await _view(session, report, reporter)
            place = await self.places.place(place_key(view), session)
            decline_reason = None
            if view.status == ReportStatus.DECLINED:
                declined = [
                    row
                    for row in await repo.events_of(session, report.id, public_only=True)
                    if row.kind == "status" and (row.after or {}).get("status") == "declined"
                ]
                decline_reason = declined[-1].text if declined else None
            associations = await associations_repo.all_associations(session)
        return ReportCardData(
            view=view,
            reporter_role=reporter.role,
            reporter_verified=reporter.verification == Verification.VERIFIED,
            reporter_shared_phone=bool(reporter.phone),
            reporter_phone=reporter.phone if viewer == CardViewer.STAFF else None,
            place=place,
            decline_reason=decline_reason,
            category=self.rules.category(view.category),
            urgency=self.rules.urgency(view.urgency),
            associations=tuple(
                AssociationInfo(
                    a.code, a.name_uk, a.name_en, a.short_uk, a.short_en, a.website, a.position
                )
                for a in associations
                if a.active
            ),
        )


async def _with_reporter(session: AsyncSession, report_id: int) -> tuple[Report, Member] | None:
    """The report and its reporter (without their associations), or None for no such report."""
    report = await repo.get_report(session, report_id)
    if report is None:
        return None
    reporter = await session.get(Member, report.member_id, options=_NO_ASSOCIATIONS)
    assert reporter is not None  # a member's row outlives erasure: it is emptied, not deleted
    return report, reporter


async def _view(session: AsyncSession, report: Report, reporter: Member) -> ReportView:
    """The report as every reader sees it, read in the caller's transaction."""
    codes = await repo.route_codes(session, report.id)
    attachments = await repo.attachments_of(session, report.id)
    supporters = await repo.active_supporters(session, report.id)
    positions = await repo.positions_of(session, report.id)
    cards = await repo.cards_of(session, report.id)
    locales = await questions_repo.chat_locales(session, {c.chat_id for c in cards})
    merged_into = (
        await repo.references(session, [report.merged_into_id]) if report.merged_into_id else {}
    )
    figures = await _figures(session, report, supporters=supporters)
    return view_of(
        ReportView,
        report,
        affected_groups=tuple(report.affected_groups or ()),
        reporter_telegram_id=reporter.telegram_id,
        reporter_name=reporter.full_name,
        merged_into_reference=merged_into.get(report.merged_into_id or 0),
        association_codes=tuple(codes),
        attachments=tuple(view_of(AttachmentView, a) for a in attachments),
        supporters=tuple(
            view_of(
                SupporterView,
                row,
                telegram_id=member.telegram_id,
                full_name=member.full_name,
                verified=member.verification == Verification.VERIFIED,
                erased=member.erased_at is not None,
            )
            for row, member in supporters
        ),
        figures=figures,
        positions=tuple(
            PositionView(code, p.position, p.comment, p.by_name, p.at) for p, code in positions
        ),
        cards=tuple(CardRef(c.chat_id, c.message_id, locales.get(c.chat_id, "uk")) for c in cards),
        reporter_erased=reporter.erased_at is not None,
    )


async def _figures(
    session: AsyncSession,
    report: Report,
    verified_only: bool = True,
    *,
    supporters: Sequence[tuple[ReportSupporter, Member]] | None = None,
) -> ReportFigures:
    """Counts over the reporter and active co-signers (whose membership is verified now, when
    `verified_only`); `supporters`: the active co-signers when the caller has read them."""
    reporter = await session.get(Member, report.member_id, options=_NO_ASSOCIATIONS)
    people: list[tuple[str | None, str | None, int | None, bool]] = []
    if reporter is not None:
        people.append(
            (
                _hromada_key(report.hromada_code, report.hromada_text),
                report.oblast_code,
                report.residents,
                reporter.verification == Verification.VERIFIED,
            )
        )
    if supporters is None:
        supporters = await repo.active_supporters(session, report.id)
    for row, member in supporters:
        people.append(
            (
                _hromada_key(row.hromada_code, row.hromada_text),
                row.oblast_code,
                row.residents,
                member.verification == Verification.VERIFIED,
            )
        )
    verified = [person for person in people if person[3] or not verified_only]
    residents: dict[str, int] = {}
    for hromada, _, count, _ in verified:
        if hromada and count:
            residents[hromada] = max(residents.get(hromada, 0), count)
    return ReportFigures(
        hromadas=len({hromada for hromada, *_ in verified if hromada}),
        oblasts=len({oblast for _, oblast, *_ in verified if oblast}),
        residents=sum(residents.values()),
        members=len(verified),
        unverified_members=len(people) - len(verified),
        verified_only=verified_only,
    )
