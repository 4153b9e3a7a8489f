"""Consultations as staff read them: the desk's list, one consultation, the live results and
the final summary, counted in SQL by association, oblast and role, by members and by distinct
hromadas, with the individual answers only as the visibility rules allow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcasts import (
    Audience,
)
from bot.services.consultation_types import (
    DESK_LIMIT,
    RECENT_LIMIT,
    AnswerRow,
    Breakdown,
    CommentRow,
    ConsultationError,
    ConsultationView,
    Count,
    DeskRow,
    Renderer,
    Results,
    plain_render,
    stored_choice,
    view_of,
)
from bot.services.members import ROLES
from bot.services.row_views import view_of as row_view
from bot.services.staff import Rights, StaffGuarded
from storage.db import Database
from storage.models import (
    Consultation,
    utcnow,
)
from storage.repositories import consultations as repo


class ConsultationViews(StaffGuarded):
    """What staff read of consultations (the desk, a consultation, its results and the final
    summary), each one transaction; the base of `ConsultationService`."""

    def __init__(
        self,
        db: Database,
        admin_ids: frozenset[int] = frozenset(),
        *,
        oblast_codes: Sequence[str] = (),
        render: Renderer = plain_render,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(db, admin_ids)
        self.oblast_codes = tuple(oblast_codes)
        self.render = render
        self.clock = clock

    # ------------------------------------------------------------------ staff views

    async def view(self, consultation_id: int, viewer_telegram_id: int) -> ConsultationView:
        """The consultation, for staff who may see its results."""
        async with self.db.transaction() as session:
            consultation, _ = await self._viewable(session, consultation_id, viewer_telegram_id)
            return view_of(consultation)

    async def recent(
        self, viewer_telegram_id: int, limit: int = RECENT_LIMIT
    ) -> list[ConsultationView]:
        """The latest consultations this staff member may see, newest first."""
        async with self.db.transaction() as session:
            rights = await self.staff.rights_in(session, viewer_telegram_id)
            if not rights.is_staff:
                raise ConsultationError("not-allowed")
            rows = await repo.recent(session, limit * 5)
            return [view_of(row) for row in rows if may_view(rights, row)][:limit]

    async def desk(self, viewer_telegram_id: int, limit: int = DESK_LIMIT) -> list[DeskRow]:
        """The latest consultations this staff member may see, newest first, each with how
        many were asked and how many answered (the staff's list)."""
        views = await self.recent(viewer_telegram_id, limit)
        async with self.db.transaction() as session:
            return [await _desk_row(session, view) for view in views]

    async def desk_row(self, consultation_id: int, viewer_telegram_id: int) -> DeskRow:
        """One consultation as the staff's list shows it, for staff who may see it."""
        async with self.db.transaction() as session:
            consultation, _ = await self._viewable(session, consultation_id, viewer_telegram_id)
            return await _desk_row(session, view_of(consultation))

    async def _viewable(
        self, session: AsyncSession, consultation_id: int, viewer_telegram_id: int
    ) -> tuple[Consultation, Rights]:
        rights = await self.staff.rights_in(session, viewer_telegram_id)
        consultation = await existing_consultation(session, consultation_id)
        if not may_view(rights, consultation):
            raise ConsultationError("not-allowed")
        return consultation, rights

    async def results(
        self, consultation_id: int, viewer_telegram_id: int, *, with_rows: bool = True
    ) -> Results:
        """Live results for staff who may see them; `rows` only as `answers_visible_to_staff`
        and the viewer's associations allow (admins: all), and only `with_rows` (the window's
        text needs none of the thousands of answers; the spreadsheet does)."""
        async with self.db.transaction() as session:
            consultation, rights = await self._viewable(
                session, consultation_id, viewer_telegram_id
            )
            return await self._results(session, consultation, rights if with_rows else None)

    async def summary(self, consultation_id: int) -> Results:
        """The aggregate results for the final summary in the staff groups: no individual
        answers (each group's staff may see different ones)."""
        async with self.db.transaction() as session:
            consultation = await existing_consultation(session, consultation_id)
            return await self._results(session, consultation, None)

    async def summary_for(self, consultation_id: int, association_codes: Sequence[str]) -> Results:
        """The final summary for the staff group of these associations: the aggregate, and the
        answers their staff may see (none when answers are hidden from staff)."""
        async with self.db.transaction() as session:
            consultation = await existing_consultation(session, consultation_id)
            rights = Rights(telegram_id=0, is_admin=False, staff_of=frozenset(association_codes))
            return await self._results(session, consultation, rights)

    async def _results(
        self, session: AsyncSession, consultation: Consultation, rights: Rights | None
    ) -> Results:
        view = view_of(consultation)
        keys = view.option_keys
        asked, reached = await repo.audience_size(session, consultation.broadcast_id)
        total = _counts(await repo.tally(session, consultation.id, None, by_option=False))
        options = _counts(await repo.tally(session, consultation.id, None, by_option=True))
        breakdowns = {}
        for group in repo.GROUPS:
            respondents = _counts(
                await repo.tally(session, consultation.id, group, by_option=False)
            )
            chosen = _counts(await repo.tally(session, consultation.id, group, by_option=True))
            breakdowns[group] = tuple(
                Breakdown(
                    key,
                    respondents.get((key, None), Count()),
                    {option: chosen.get((key, option), Count()) for option in keys},
                )
                for key in self._group_keys(group, view, respondents)
            )
        comments = tuple(
            row_view(
                CommentRow,
                row,
                choice=stored_choice(row.choice),
                comment=row.comment or "",
                association_codes=tuple(row.association_codes or ()),
            )
            for row in await repo.commented(session, consultation.id)
        )
        return Results(
            consultation=view,
            asked=asked,
            reached=reached,
            respondents=total.get((None, None), Count()),
            options={option: options.get((None, option), Count()) for option in keys},
            by_association=breakdowns["association"],
            by_oblast=breakdowns["oblast"],
            by_role=breakdowns["role"],
            comments=comments,
            rows=await self._rows(session, consultation, rights),
        )

    def _group_keys(
        self, group: str, view: ConsultationView, found: dict[tuple[str | None, str | None], Count]
    ) -> list[str]:
        """Every key a breakdown shows: those expected (zero rows kept), then any others met."""
        expected: tuple[str, ...]
        if group == "association":
            expected = view.audience.associations
        elif group == "oblast":
            expected = view.audience.oblasts or self.oblast_codes
        else:
            expected = view.audience.roles or ROLES
        met = sorted({key or "" for key, _ in found} - set(expected))
        return [*expected, *met]

    async def _rows(
        self, session: AsyncSession, consultation: Consultation, rights: Rights | None
    ) -> tuple[AnswerRow, ...] | None:
        if rights is None or not (rights.is_admin or consultation.answers_visible_to_staff):
            return None
        scope = None if rights.is_admin else sorted(rights.staff_of)
        return tuple(
            row_view(
                AnswerRow,
                row,
                choice=stored_choice(row.choice),
                association_codes=tuple(row.association_codes or ()),
            )
            for row in await repo.answer_rows(session, consultation.id, scope)
        )


async def existing_consultation(
    session: AsyncSession, consultation_id: int, *, for_update: bool = False
) -> Consultation:
    """The consultation; ConsultationError "not-found" when there is none."""
    consultation = await repo.get(session, consultation_id, for_update=for_update)
    if consultation is None:
        raise ConsultationError("not-found")
    return consultation


async def _desk_row(session: AsyncSession, view: ConsultationView) -> DeskRow:
    asked, _ = await repo.audience_size(session, view.broadcast_id)
    total = _counts(await repo.tally(session, view.id, None, by_option=False))
    respondents = total.get((None, None), Count())
    return DeskRow(view, asked, respondents.members + respondents.unverified)


def may_view(rights: Rights, consultation: Consultation) -> bool:
    """Admins; staff of an association it asked (any staff when it asked every association)."""
    if rights.is_admin:
        return True
    if not rights.is_staff:
        return False
    associations = Audience.from_json(consultation.audience).associations
    return not associations or bool(rights.staff_of.intersection(associations))


def _counts(rows: Sequence[repo.TallyRow]) -> dict[tuple[str | None, str | None], Count]:
    """Tally rows folded into Counts by (group, option): verified and unverified apart."""
    found: dict[tuple[str | None, str | None], Count] = {}
    for row in rows:
        key = (None if row.group is None else row.group or "", row.option)
        count = found.get(key, Count())
        if row.verified:
            count = Count(
                count.members + row.members, count.hromadas + row.hromadas, count.unverified
            )
        else:
            count = Count(count.members, count.hromadas, count.unverified + row.members)
        found[key] = count
    return found
