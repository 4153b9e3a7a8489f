"""Reports, the members' side: drafts, filing a report (a reference number, the deadline of
its urgency, routed by the rules), similar open reports, co-signing and withdrawing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.filing_limits import WINDOW
from bot.services.members import InvalidInput
from bot.services.report_base import (
    SIMILAR_MIN_COVERAGE,
    SIMILAR_RELATIVE_CUTOFF,
    ReportBase,
)
from bot.services.report_types import (
    ATTACHMENT_KINDS,
    ATTACHMENTS_MAX,
    OPEN,
    Actor,
    CosignResult,
    ReportClosed,
    ReportForm,
    SavedDraft,
    SimilarReport,
    SubmittedReport,
    _Repeated,
    clean_description,
    clean_dream_id,
    clean_groups,
    clean_residents,
    clean_title,
)
from bot.services.request_keys import members_own, once_per_key
from bot.services.staff_chats import bound_chats
from storage.models import (
    Member,
    Report,
    ReportAttachment,
    ReportEventKind,
    ReportStatus,
    ReportSupporter,
    Verification,
    utcnow,
)
from storage.repositories import associations as associations_repo
from storage.repositories import filing as filing_repo
from storage.repositories import members as members_repo
from storage.repositories import reports as repo

# What a change to a co-signature records: its history entry's before and after; None when
# nothing changed (co-signed or withdrawn already).
_Recorded = tuple[dict[str, Any] | None, dict[str, Any] | None] | None


class ReportFiling(ReportBase):
    """Drafts, filing, similar reports, co-signing."""

    # ------------------------------------------------------------------------- drafts

    async def save_draft(self, telegram_id: int, data: dict[str, Any]) -> None:
        """Keep the member's unfinished form (any JSON data), replacing the previous one."""
        async with self.db.transaction() as session:
            member = await members_repo.get_or_create(session, telegram_id)
            await repo.upsert_draft(session, member.id, data, utcnow())

    async def draft(self, telegram_id: int) -> SavedDraft | None:
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            row = None if member is None else await repo.draft_of(session, member.id)
            return None if row is None else SavedDraft(dict(row.data), row.updated_at)

    async def discard_draft(self, telegram_id: int) -> bool:
        """Forget the member's draft; False when there was none."""
        async with self.db.transaction() as session:
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            return member is not None and await repo.delete_draft(session, member.id)

    # ------------------------------------------------------------------------- submitting

    def clean_form(self, form: ReportForm) -> ReportForm:
        """The form with every field checked and normalised; InvalidInput names the rule
        (`unknown-category`, `too-long` with the limit, `bad-dream-id`...)."""
        if self.rules.category(form.category) is None:
            raise InvalidInput("unknown-category")
        if self.rules.urgency(form.urgency) is None:
            raise InvalidInput("unknown-urgency")
        if len(form.attachments) > ATTACHMENTS_MAX:
            raise InvalidInput("too-many-attachments", limit=ATTACHMENTS_MAX)
        for attachment in form.attachments:
            if attachment.kind not in ATTACHMENT_KINDS or not attachment.file_id:
                raise InvalidInput("bad-attachment")
        return ReportForm(
            category=form.category,
            urgency=form.urgency,
            title=clean_title(form.title),
            description=clean_description(form.description),
            attachments=list(form.attachments),
            residents=clean_residents(form.residents),
            affected_groups=list(clean_groups(form.affected_groups)),
            dream_id=clean_dream_id(form.dream_id),
        )

    async def submit(
        self, telegram_id: int, form: ReportForm, *, request_key: str | None = None
    ) -> SubmittedReport:
        """File a registered member's report: a reference number, the deadline of its urgency,
        routed by the rules; the member's draft is deleted. InvalidInput on a bad form or an
        unregistered member; MemberRejected, or LimitReached (the draft stays). With a
        `request_key` this member filed with already, that report (`repeated`), nothing new."""
        try:
            return await once_per_key(
                self.db,
                request_key,
                lambda: self._submit(telegram_id, form, request_key),
                lambda session, key: self._submitted(session, telegram_id, key),
            )
        except _Repeated as repeated:
            return repeated.result

    async def _submitted(
        self, session: AsyncSession, telegram_id: int, request_key: str
    ) -> SubmittedReport | None:
        """The report this member filed with this key, if any."""
        report = await members_own(session, repo.report_by_request_key, request_key, telegram_id)
        if report is None:
            return None
        codes = await repo.route_codes(session, report.id)
        chats = await bound_chats(session, codes)
        return SubmittedReport(
            report.id,
            report.reference,
            report.deadline_at,
            tuple(codes),
            tuple(chats),
            repeated=True,
        )

    async def _submit(
        self, telegram_id: int, form: ReportForm, request_key: str | None
    ) -> SubmittedReport:
        form = self.clean_form(form)
        urgency = self.rules.urgency(form.urgency)
        assert urgency is not None
        now = utcnow()
        async with self.db.transaction() as session:
            # First statement: on SQLite it takes the write lock, so submissions queue here.
            number = await repo.next_number(session, now.astimezone(self.timezone).year)
            if request_key is not None:
                # Behind the counter's lock: a press handled already is found here, and
                # _Repeated rolls the counter back so no number is spent on the repeat.
                filed = await self._submitted(session, telegram_id, request_key)
                if filed is not None:
                    raise _Repeated(filed)
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None or member.registered_at is None:
                raise InvalidInput("not-registered")
            # Behind the counter's lock (and the member's on PostgreSQL): counted one at a time.
            await filing_repo.lock_member(session, member.id)
            earlier = await filing_repo.reports_filed_since(session, member.id, now - WINDOW)
            self.limits.check(member.verification, earlier, now)
            active = [a for a in await associations_repo.all_associations(session) if a.active]
            codes = self.rules.route(
                form.category,
                [a.code for a in member.associations],
                member.associations_unsure,
                [a.code for a in active],
            )
            report = await repo.add_report(
                session,
                Report(
                    reference=f"R-{now.astimezone(self.timezone).year}-{number:05d}",
                    member_id=member.id,
                    status=ReportStatus.NEW,
                    category=form.category,
                    urgency=form.urgency,
                    title=form.title,
                    description=form.description,
                    residents=form.residents,
                    affected_groups=list(form.affected_groups),
                    dream_id=form.dream_id,
                    hromada_code=member.hromada_code,
                    hromada_text=member.hromada_text,
                    oblast_code=member.oblast_code,
                    locale=member.locale or "uk",
                    reporter_verified=member.verification == Verification.VERIFIED,
                    joint=False,
                    created_at=now,
                    submitted_at=now,
                    deadline_at=now + urgency.deadline,
                    updated_at=now,
                    request_key=request_key,
                ),
            )
            by_code = {a.code: a.id for a in active}
            await repo.add_routes(session, report.id, [by_code[code] for code in codes])
            await repo.add_attachments(
                session,
                (
                    ReportAttachment(
                        report_id=report.id,
                        kind=a.kind,
                        file_id=a.file_id,
                        file_unique_id=a.file_unique_id,
                        file_name=a.file_name,
                    )
                    for a in form.attachments
                ),
            )
            await repo.delete_draft(session, member.id)
            after = {
                "status": str(ReportStatus.NEW),
                "reference": report.reference,
                "category": form.category,
                "urgency": form.urgency,
                "associations": list(codes),
                "attachments": len(form.attachments),
            }
            reporter = Actor(telegram_id, member.full_name or "")
            await self._record(session, report, reporter, ReportEventKind.STATUS, None, after)
            chats = await bound_chats(session, codes)
            result = SubmittedReport(
                report.id, report.reference, report.deadline_at, tuple(codes), tuple(chats)
            )
        self._similar.put(result.id, form.title, form.description)
        return result

    async def _cosign_result(
        self, session: AsyncSession, request_key: str, telegram_id: int
    ) -> CosignResult | None:
        """What an earlier co-signing or withdrawal with this key did."""
        event = await self._keyed_event(session, request_key, telegram_id)
        if event is None:
            return None
        report = await repo.get_report(session, event.report_id)
        assert report is not None
        count = len(await repo.active_supporters(session, report.id))
        return CosignResult(report.id, report.reference, True, count, repeated=True)

    async def similar_open(
        self, text: str, limit: int = 3, exclude_member: int | None = None
    ) -> list[SimilarReport]:
        """Open reports most like `text` (a draft's title and description), best first; none of
        the reports filed by the member with Telegram id `exclude_member`."""
        index = await self._similar.fresh(self.db)
        matches = index.search(text, limit=max(limit, 1) * 4 + 5)
        if not matches:
            return []
        best = matches[0].score
        scores = {
            int(m.key): m.score
            for m in matches
            if m.coverage >= SIMILAR_MIN_COVERAGE and m.score >= best * SIMILAR_RELATIVE_CUTOFF
        }
        if not scores:
            return []
        async with self.db.transaction() as session:
            rows = await _open_reports(session, list(scores), exclude_member)
            hromadas = await repo.hromada_keys(session, [row.id for row in rows])
        found = [
            SimilarReport(
                row.id, row.reference, row.title, len(hromadas[row.id]), round(scores[row.id], 4)
            )
            for row in rows
        ]
        found.sort(key=lambda item: (-item.score, item.id))
        return found[:limit]

    # ------------------------------------------------------------------------- co-signing

    async def cosign(
        self,
        report_id: int,
        telegram_id: int,
        residents: int | None = None,
        *,
        request_key: str | None = None,
    ) -> CosignResult:
        """ "This affects us too": the member's hromada, oblast and residents join an open report.
        InvalidInput `own-report` for the reporter, `not-registered`; ReportClosed. With a
        `request_key` used before, what that press did (`repeated`), nothing new."""
        residents = clean_residents(residents)

        async def join(session: AsyncSession, report: Report, member: Member) -> _Recorded:
            if report.member_id == member.id:
                raise InvalidInput("own-report")
            if report.status not in OPEN:
                raise ReportClosed(report.status)
            row = await repo.supporter(session, report.id, member.id)
            if row is not None and row.withdrawn_at is None:
                return None
            if row is None:
                row = await repo.add_supporter(
                    session,
                    ReportSupporter(
                        report_id=report.id,
                        member_id=member.id,
                        joined_at=utcnow(),
                    ),
                )
            row.hromada_code, row.hromada_text = member.hromada_code, member.hromada_text
            row.oblast_code, row.residents = member.oblast_code, residents
            row.verified = member.verification == Verification.VERIFIED
            row.joined_at, row.withdrawn_at = utcnow(), None
            return None, {"member_id": member.id, "residents": residents}

        return await self._change_support(
            report_id, telegram_id, request_key, ReportEventKind.COSIGN, join
        )

    async def withdraw(
        self, report_id: int, telegram_id: int, *, request_key: str | None = None
    ) -> CosignResult:
        """The member takes back their co-signature (the row stays, dated). With a
        `request_key` used before, what that press did (`repeated`), nothing new."""

        async def leave(session: AsyncSession, report: Report, member: Member) -> _Recorded:
            row = await repo.supporter(session, report.id, member.id)
            if row is None or row.withdrawn_at is not None:
                return None
            row.withdrawn_at = utcnow()
            return {"member_id": member.id}, None

        return await self._change_support(
            report_id, telegram_id, request_key, ReportEventKind.WITHDRAW, leave
        )

    async def _change_support(
        self,
        report_id: int,
        telegram_id: int,
        request_key: str | None,
        kind: ReportEventKind,
        change: Callable[[AsyncSession, Report, Member], Awaitable[_Recorded]],
    ) -> CosignResult:
        """A change to the member's co-signature, in one transaction: with a `request_key`
        used before, what that press did; otherwise `change`, which gives the history entry's
        before and after (None: nothing changed), and the active co-signers counted after it."""

        async def attempt() -> CosignResult:
            async with self.db.transaction() as session:
                if request_key is not None:
                    earlier = await self._cosign_result(session, request_key, telegram_id)
                    if earlier is not None:
                        return earlier
                report, member = await self._report_and_member(session, report_id, telegram_id)
                recorded = await change(session, report, member)
                if recorded is not None:
                    await session.flush()
                    before, after = recorded
                    supporter = Actor(telegram_id, member.full_name or "")
                    await self._record(
                        session, report, supporter, kind, before, after, request_key=request_key
                    )
                count = len(await repo.active_supporters(session, report.id))
                return CosignResult(report.id, report.reference, recorded is not None, count)

        return await once_per_key(
            self.db,
            request_key,
            attempt,
            lambda session, key: self._cosign_result(session, key, telegram_id),
        )


async def _open_reports(
    session: AsyncSession, ids: list[int], exclude_member: int | None
) -> list[Report]:
    """These reports that are still open, without those filed by `exclude_member`."""
    excluded = None
    if exclude_member is not None:
        member = await members_repo.get_by_telegram_id(session, exclude_member)
        excluded = member.id if member is not None else None
    return await repo.open_by_ids(session, ids, exclude_member_id=excluded)
