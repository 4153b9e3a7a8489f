"""The sandbox's first-start data (bot/sandbox/seed.py) on a real database (SQLite, or PostgreSQL
with TEST_DATABASE_URL): what a person trying the sandbox finds, and that seeding again adds
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Content
from bot.sandbox.personas import STAFF_GROUPS, persona
from bot.sandbox.seed import CLOSED_CONSULTATION, EXAMPLE_MEMBERS, seed
from bot.services.broadcasts import BroadcastService
from bot.services.consultations import ConsultationService
from bot.services.hromadas import HromadaDirectory
from bot.services.members import MemberService
from bot.services.reports import ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from storage.db import Database
from storage.models import (
    AdminUnit,
    Base,
    ConsultationKind,
    ConsultationStatus,
    Question,
    QuestionAnswer,
    Report,
    ReportSupporter,
    utcnow,
)


@pytest.fixture(scope="module")
def content() -> Content:
    return Content.load()


async def row_counts(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def test_seed_makes_every_feature_ready_to_try(db: Database, content: Content) -> None:
    summary = await seed(db, content)

    # The codifier is imported, with the example members' hromadas in it.
    async with db.transaction() as session:
        units = await session.scalar(select(func.count()).select_from(AdminUnit))
    assert units is not None and units > 30_000
    hromada = await HromadaDirectory(db, content.oblasts).get(EXAMPLE_MEMBERS[0].hromada_code)
    assert hromada is not None and hromada.name == "Білоцерківська"

    # Each association's staff group is bound to it; each officer is staff of their own.
    chats = StaffChatService(db)
    for group in STAFF_GROUPS:
        bound = await chats.chats_for([group.association])
        assert [(c.chat_id, c.association_codes) for c in bound] == [
            (group.chat_id, (group.association,))
        ]
    staff = StaffService(db)
    for key, code in (("officer-vag", "vag"), ("officer-aotg", "aotg"), ("officer-uaror", "uaror")):
        rights = await staff.rights(persona(key).user_id)
        assert rights.staff_of == frozenset({code}) and not rights.is_admin

    # head-en can use My reports, News and questions at once; head-uk is left to register.
    members = MemberService(db)
    head_en = await members.get(persona("head-en").user_id)
    assert head_en is not None and head_en.registered
    assert (head_en.verification, head_en.locale) == ("verified", "en")
    head_uk = await members.get(persona("head-uk").user_id)
    assert head_uk is None or not head_uk.registered
    waiting = await members.get(EXAMPLE_MEMBERS[-1].telegram_id)
    assert waiting is not None and waiting.verification == "unverified"

    reports = ReportService(db, content.report_rules)
    mine = await reports.member_reports(persona("head-en").user_id)
    assert [(r.status, r.title) for r in mine] == [
        ("in_progress", "Bridge on the road to the district hospital closed for repairs")
    ]
    history = await reports.history(mine[0].id)
    assert [entry.kind for entry in history] == ["status", "status", "reply"]
    assert history[-1].text is not None and "Oblast Administration" in history[-1].text
    async with db.transaction() as session:
        statuses = sorted((await session.scalars(select(Report.status))).all())
        categories = set((await session.scalars(select(Report.category))).all())
        urgencies = set((await session.scalars(select(Report.urgency))).all())
        supporters = (await session.scalars(select(ReportSupporter))).all()
        questions = sorted((await session.scalars(select(Question.status))).all())
        answers = (await session.scalars(select(QuestionAnswer))).all()
    assert statuses == ["in_progress", "new", "new", "new", "new"]
    assert len(summary.reports) == 5 and len(categories) == 5
    assert urgencies == {"critical", "high", "normal"}
    assert len(supporters) == 1 and supporters[0].withdrawn_at is None
    assert questions == ["answered", "open"]
    assert [(a.staff_telegram_id, a.delivered) for a in answers] == [
        (persona("officer-aotg").user_id, True)
    ]

    # One announcement, for every verified member: head-en and three example members.
    progress = await BroadcastService(db).progress(summary.broadcasts[0])
    assert progress.total == 4
    news = await BroadcastService(db).news_for(persona("head-en").user_id)
    # ... and the closed consultation's outcome, named by its title.
    assert [item.consultation_title for item in news] == [CLOSED_CONSULTATION.title, None]

    # The heads' consultations: head-en finds the open one in the menu (two example answers
    # so far); an officer sees its results; the closed one has its outcome published.
    opened, closed = summary.consultations
    consultations = ConsultationService(db)
    assert [c.id for c in await consultations.open_for(persona("head-en").user_id)] == [opened]
    assert await consultations.my_answer(persona("head-en").user_id, opened) is None
    results = await consultations.results(opened, persona("officer-vag").user_id)
    assert results.consultation.kind == ConsultationKind.POSITION
    assert results.consultation.audience.roles == ("hromada_head",)
    assert results.asked == 5  # head-en and the four example members (one unverified)
    assert results.answered == 2 and results.options["amend"].members == 1
    assert timedelta(days=4) < results.consultation.closes_at - utcnow() <= timedelta(days=5)
    done = await consultations.results(closed, persona("officer-aotg").user_id)
    assert done.consultation.status == ConsultationStatus.CLOSED
    assert done.answered == 3 and done.consultation.outcome_broadcast_id is not None
    assert done.options["0"].members == 2


async def test_seeding_again_adds_nothing(db: Database, content: Content) -> None:
    first = await seed(db, content)
    before = await row_counts(db)

    second = await seed(db, content)

    assert second == first
    assert await row_counts(db) == before
