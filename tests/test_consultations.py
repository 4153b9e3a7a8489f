"""Consultations on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): composing
within the author's rights, the question written to the announcement outbox once, answering
and changing an answer, the results and their breakdowns, who sees individual answers, the
reminder, closing and the summary claimed once, the outcome to everyone asked, and the
member's export and erasure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.content import CONTENT_DIR, load_associations
from bot.i18n import Translations
from bot.names import Names
from bot.services.broadcasts import Audience, BroadcastService
from bot.services.consultations import (
    ConsultationClosed,
    ConsultationDraft,
    ConsultationError,
    ConsultationService,
    Count,
    Document,
    Option,
    Position,
    outcome_problems,
)
from bot.services.hromadas import load_oblasts
from bot.services.privacy import PrivacyService
from bot.services.report_rules import load_report_rules
from bot.services.staff import StaffService
from dialogs.privacy_texts import export_html
from storage.db import Database
from storage.models import (
    Association,
    AuditEvent,
    Broadcast,
    BroadcastDelivery,
    BroadcastPurpose,
    ConsultationAnswer,
    ConsultationKind,
    DeliveryStatus,
    Member,
    MemberAssociation,
    StaffRole,
    utcnow,
)
from tests.broadcast_helpers import VINNYTSIA, VOLYN, prepare

ADMIN = 1
VAG = 501  # staff of vag
UAROR = 502  # staff of uaror
AOTG = 503  # staff of aotg
NOBODY = 900
OBLASTS = [oblast.code for oblast in load_oblasts(CONTENT_DIR / "oblasts.yaml")]
ILLINTSI = "UA05060000000000001"
KALYNIVKA = "UA05060000000000002"


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def staffed(db: Database) -> Database:
    await prepare(db)
    staff = StaffService(db)
    await staff.grant(VAG, StaffRole.STAFF, "vag")
    await staff.grant(UAROR, StaffRole.STAFF, "uaror")
    await staff.grant(AOTG, StaffRole.STAFF, "aotg")
    return db


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(staffed: Database, clock: Clock) -> ConsultationService:
    return ConsultationService(staffed, frozenset({ADMIN}), oblast_codes=OBLASTS, clock=clock)


async def seed(
    db: Database,
    telegram_id: int,
    *,
    codes: Sequence[str] = ("vag",),
    oblast: str = VINNYTSIA,
    role: str = "hromada_head",
    hromada: str | None = ILLINTSI,
    verification: str = "verified",
    muted: bool = False,
    registered: bool = True,
) -> None:
    now = utcnow()
    async with db.transaction() as session:
        member = Member(
            telegram_id=telegram_id,
            full_name=f"Голова {telegram_id}",
            role=role,
            oblast_code=oblast,
            hromada_code=hromada,
            hromada_text=None if hromada else "Нова громада",
            locale="uk",
            verification=verification,
            announcements_muted=muted,
            registered_at=now if registered else None,
            consent_at=now,
            associations=[],
        )
        session.add(member)
        await session.flush()
        ids = dict((await session.execute(select(Association.code, Association.id))).all())
        session.add_all(
            MemberAssociation(member_id=member.id, association_id=ids[c]) for c in codes
        )


def position(
    clock: Clock, audience: Audience | None = None, **changes: object
) -> ConsultationDraft:
    values: dict[str, object] = {
        "title": "Законопроєкт №1234 про місцеві бюджети",
        "question_uk": "Чи підтримує ваша громада <b>законопроєкт</b>?",
        "question_en": "Does your hromada support the draft law?",
        "kind": ConsultationKind.POSITION,
        "closes_at": clock.now + timedelta(days=7),
        "audience": audience or Audience(),
    }
    values.update(changes)
    return ConsultationDraft(**values)  # type: ignore[arg-type]


def priorities(clock: Clock, count: int = 4, max_choices: int = 2) -> ConsultationDraft:
    return position(
        clock,
        kind=ConsultationKind.PRIORITIES,
        options=tuple(Option(f"Пріоритет {i}", f"Priority {i}") for i in range(count)),
        max_choices=max_choices,
    )


async def deliveries(db: Database, broadcast_id: int | None) -> set[int]:
    async with db.transaction() as session:
        return set(
            await session.scalars(
                select(BroadcastDelivery.chat_id).where(
                    BroadcastDelivery.broadcast_id == broadcast_id
                )
            )
        )


async def table_count(db: Database, column: object) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count(column))) or 0)  # type: ignore[call-overload]


async def error_code(operation: object) -> str:
    with pytest.raises(ConsultationError) as raised:
        await operation  # type: ignore[misc]
    return raised.value.code


# ------------------------------------------------------------------------------ composing


async def test_staff_ask_members_of_their_own_associations_through_the_outbox(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    await seed(staffed, 1002, verification="unverified")  # asked: may answer
    await seed(staffed, 1003, muted=True)  # a question is not news: asked too
    await seed(staffed, 1004, verification="rejected")
    await seed(staffed, 1005, registered=False)
    await seed(staffed, 1006, codes=("uaror",))

    assert await service.count_audience(VAG, Audience()) == 3
    made = await service.create(VAG, "Ірина", position(clock))
    assert made.audience.associations == ("vag",)  # "everyone" means their own
    assert await deliveries(staffed, made.broadcast_id) == {1001, 1002, 1003}
    async with staffed.transaction() as session:
        broadcast = await session.get(Broadcast, made.broadcast_id)
        assert broadcast is not None
        assert (broadcast.purpose, broadcast.consultation_id) == ("consultation", made.id)
        assert broadcast.recipients == 3 and broadcast.status == "sending"
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "consultation.created")
        )
        assert event is not None and event.actor_id == VAG and event.after["recipients"] == 3

    # Another association's members, or a member asking anyone: refused, nothing written.
    assert await error_code(service.create(UAROR, "Х", position(clock, Audience(("vag",))))) == (
        "not-allowed"
    )
    assert await error_code(service.create(NOBODY, "Х", position(clock))) == "not-allowed"
    assert await error_code(service.count_audience(1001, Audience())) == "not-allowed"
    assert await table_count(staffed, Broadcast.id) == 1
    # Nobody to ask: refused too.
    assert await error_code(service.create(AOTG, "Х", position(clock))) == "empty-audience"


async def test_confirming_twice_finds_the_same_consultation(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    first, second = await asyncio.gather(
        service.create(VAG, "Ірина", position(clock), request_key="k-1"),
        service.create(VAG, "Ірина", position(clock), request_key="k-1"),
    )
    assert first.id == second.id
    again = await service.create(VAG, "Ірина", position(clock), request_key="k-1")
    assert again.id == first.id
    assert await table_count(staffed, Broadcast.id) == 1
    assert await table_count(staffed, BroadcastDelivery.id) == 1


async def test_draft_problems_are_codes_a_dialog_can_show(
    service: ConsultationService, clock: Clock
) -> None:
    def codes(draft: ConsultationDraft) -> list[str]:
        return [problem.code for problem in service.problems(draft)]

    assert codes(position(clock)) == []
    assert codes(priorities(clock)) == []
    assert codes(position(clock, title="  ")) == ["empty-title"]
    assert codes(position(clock, title="Д" * 121)) == ["title-too-long"]
    assert codes(position(clock, question_uk="<b> </b>")) == ["empty-question"]
    long = service.problems(position(clock, question_uk="Так " * 1100))
    assert [(p.code, p.locale) for p in long] == [("too-long", "uk")]
    # A document goes on its own before the text: the message's limit still applies.
    document = Document("document", "FILE", "draft.pdf")
    assert codes(position(clock, question_uk="Так " * 300, document=document)) == []
    assert codes(position(clock, question_uk="Так " * 1100, document=document)) == ["too-long"]
    assert codes(position(clock, document=Document("document", "FILE", "virus.exe"))) == [
        "unsupported-attachment"
    ]
    assert codes(priorities(clock, count=11)) == ["too-many-options"]
    assert codes(priorities(clock, count=1, max_choices=1)) == ["too-few-options"]
    assert codes(priorities(clock, count=3, max_choices=4)) == ["bad-max-choices"]
    assert codes(priorities(clock, count=3, max_choices=0)) == ["bad-max-choices"]
    assert codes(position(clock, closes_at=clock.now - timedelta(minutes=1))) == ["closes-in-past"]
    assert codes(position(clock, closes_at=clock.now + timedelta(days=91))) == ["closes-too-late"]
    assert codes(position(clock, options=(Option("Зайве"),))) == ["bad-choice"]


# ------------------------------------------------------------------------------ answering


async def test_a_member_answers_once_and_changes_it_until_closing(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    made = await service.create(VAG, "Ірина", position(clock))
    assert [c.id for c in await service.open_for(1001)] == [made.id]
    assert await service.my_answer(1001, made.id) is None

    first = await service.answer(1001, made.id, Position.SUPPORT)
    assert first.choice == "support" and first.verified
    # Moved to Volyn meanwhile: the snapshot follows the latest answer.
    async with staffed.transaction() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == 1001).values(oblast_code=VOLYN)
        )
    changed = await service.answer(1001, made.id, Position.OPPOSE, "Забагато звітності")
    assert changed.choice == "oppose" and changed.comment == "Забагато звітності"
    assert await service.my_answer(1001, made.id) == changed
    async with staffed.transaction() as session:
        rows = list(await session.scalars(select(ConsultationAnswer)))
        assert len(rows) == 1 and rows[0].oblast_code == VOLYN
        assert rows[0].association_codes == ["vag"]
        answered = await session.scalars(
            select(AuditEvent.after).where(AuditEvent.action == "consultation.answered")
        )
        assert [a["choice"] for a in answered] == ["support", "oppose"]

    clock.now = made.closes_at
    with pytest.raises(ConsultationClosed):
        await service.answer(1001, made.id, Position.SUPPORT)
    assert await service.open_for(1001) == []
    assert (await service.my_answer(1001, made.id)) == changed


async def test_amendments_need_a_comment_which_may_come_afterwards(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    made = await service.create(VAG, "Ірина", position(clock))
    assert await error_code(service.answer(1001, made.id, "amend")) == "comment-required"
    assert await error_code(service.answer(1001, made.id, "amend", "   ")) == "comment-required"
    assert await error_code(service.set_comment(1001, made.id, "Текст")) == "no-answer"
    assert await service.my_answer(1001, made.id) is None

    answered = await service.answer(1001, made.id, "amend", "Стаття 5: прибрати")
    assert answered.comment == "Стаття 5: прибрати"
    # The comment stays when the choice is pressed again, and cannot be removed from "amend".
    assert (await service.answer(1001, made.id, "amend")).comment == "Стаття 5: прибрати"
    assert await error_code(service.set_comment(1001, made.id, "")) == "comment-required"
    assert (await service.set_comment(1001, made.id, "Стаття 6")).comment == "Стаття 6"
    assert (await service.answer(1001, made.id, "support")).comment == "Стаття 6"
    assert (await service.set_comment(1001, made.id, None)).comment is None
    assert await error_code(service.answer(1001, made.id, "maybe")) == "bad-choice"
    assert await error_code(service.answer(1001, made.id, [0])) == "bad-choice"
    too_long = service.set_comment(1001, made.id, "а" * 2001)
    assert await error_code(too_long) == "comment-too-long"


async def test_priorities_take_one_to_k_distinct_options(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    made = await service.create(VAG, "Ірина", priorities(clock, count=4, max_choices=2))
    for wrong in ([], [0, 1, 2], [1, 1], [4], [-1], "support"):
        assert await error_code(service.answer(1001, made.id, wrong)) == "bad-choice", wrong
    assert (await service.answer(1001, made.id, [3, 0])).choice == (0, 3)
    assert (await service.answer(1001, made.id, [2])).choice == (2,)


async def test_only_members_asked_may_answer_and_a_repeated_press_counts_once(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    await seed(staffed, 1002, codes=("uaror",))
    made = await service.create(VAG, "Ірина", position(clock))
    await seed(staffed, 1003)  # joined after it was sent: not asked
    assert (await service.for_member(1001, made.id)) == made
    for outsider in (1002, 1003, NOBODY):
        assert await error_code(service.answer(outsider, made.id, "support")) == ("not-in-audience")
        assert await service.for_member(outsider, made.id) is None
    assert await error_code(service.answer(1001, 999, "support")) == "not-found"

    first, second = await asyncio.gather(
        service.answer(1001, made.id, "support", request_key="press-1"),
        service.answer(1001, made.id, "oppose", request_key="press-2"),
    )
    assert {first.choice, second.choice} == {"support", "oppose"}
    # A resent press changes nothing, even after a later one.
    later = await service.answer(1001, made.id, "none", request_key="press-3")
    assert (await service.answer(1001, made.id, "support", request_key="press-3")) == later
    assert await table_count(staffed, ConsultationAnswer.id) == 1
    # Early closing by staff of another association is refused; by its staff, once.
    assert await error_code(service.close(made.id, actor_telegram_id=UAROR)) == "not-allowed"
    assert await service.close(made.id, actor_telegram_id=VAG)
    assert not await service.close(made.id, actor_telegram_id=VAG)
    with pytest.raises(ConsultationClosed):
        await service.answer(1001, made.id, "support")


# ------------------------------------------------------------------------------ results


async def _vote(db: Database, service: ConsultationService, clock: Clock, **draft: object) -> int:
    """Seven members asked by an admin in two associations; five answer."""
    await seed(db, 2001, codes=("vag",), hromada=ILLINTSI)
    await seed(db, 2002, codes=("vag",), hromada=ILLINTSI, role="council_secretary")
    await seed(db, 2003, codes=("vag", "uaror"), hromada=KALYNIVKA)
    await seed(db, 2004, codes=("uaror",), oblast=VOLYN, hromada=None)
    await seed(db, 2005, codes=("uaror",), oblast=VOLYN, verification="unverified")
    await seed(db, 2006, codes=("vag",))
    await seed(db, 2007, codes=("uaror",))
    made = await service.create(
        ADMIN, "Адмін", position(clock, Audience(("vag", "uaror")), **draft)
    )
    await service.answer(2001, made.id, "support")
    await service.answer(2002, made.id, "amend", "Додати статтю про ЦНАП")
    await service.answer(2003, made.id, "support")
    await service.answer(2004, made.id, "oppose")
    await service.answer(2005, made.id, "support")
    return made.id


async def test_results_count_members_and_hromadas_with_the_unverified_apart(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    consultation_id = await _vote(staffed, service, clock)
    results = await service.results(consultation_id, ADMIN)

    assert (results.asked, results.reached) == (7, 0)
    assert results.answered == 5 and results.response_rate == pytest.approx(5 / 7)
    assert results.respondents == Count(members=4, hromadas=3, unverified=1)
    assert results.options == {
        # 2001 and 2003 (two hromadas); 2005 unverified, apart
        "support": Count(members=2, hromadas=2, unverified=1),
        "amend": Count(members=1, hromadas=1),
        "oppose": Count(members=1, hromadas=1),
        "none": Count(),
    }
    by_association = {b.key: b for b in results.by_association}
    assert list(by_association) == ["vag", "uaror"]
    assert by_association["vag"].respondents == Count(members=3, hromadas=2)
    assert by_association["vag"].options["support"] == Count(members=2, hromadas=2)
    assert by_association["uaror"].respondents == Count(members=2, hromadas=2, unverified=1)

    by_oblast = {b.key: b for b in results.by_oblast}
    assert list(by_oblast) == OBLASTS and len(OBLASTS) == 25  # every oblast and Kyiv, zeros too
    assert by_oblast[VINNYTSIA].respondents == Count(members=3, hromadas=2)
    assert by_oblast[VOLYN].options["oppose"] == Count(members=1, hromadas=1)
    assert by_oblast[VOLYN].options["support"] == Count(unverified=1)
    assert by_oblast[OBLASTS[5]].respondents == Count()

    by_role = {b.key: b for b in results.by_role}
    assert by_role["council_secretary"].options["amend"] == Count(members=1, hromadas=1)
    assert by_role["hromada_head"].respondents == Count(members=3, hromadas=3, unverified=1)
    assert by_role["other"].respondents == Count()

    assert [(c.choice, c.comment, c.role) for c in results.comments] == [
        ("amend", "Додати статтю про ЦНАП", "council_secretary")
    ]

    # The sender delivers: the reach follows the outbox.
    async with staffed.transaction() as session:
        await session.execute(update(BroadcastDelivery).values(status=DeliveryStatus.SENT))
    assert (await service.results(consultation_id, ADMIN)).reached == 7


async def test_individual_answers_only_to_staff_of_the_members_associations(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    consultation_id = await _vote(staffed, service, clock)

    def who(rows: object) -> set[str | None]:
        return {row.member_name for row in rows}  # type: ignore[attr-defined]

    admin = await service.results(consultation_id, ADMIN)
    assert len(admin.rows or ()) == 5
    vag = await service.results(consultation_id, VAG)
    assert who(vag.rows) == {"Голова 2001", "Голова 2002", "Голова 2003"}
    uaror = await service.results(consultation_id, UAROR)
    assert who(uaror.rows) == {"Голова 2003", "Голова 2004", "Голова 2005"}
    assert vag.options == admin.options  # the aggregate is everyone's
    # The results window reads the figures and comments only; the rows are the spreadsheet's.
    window = await service.results(consultation_id, ADMIN, with_rows=False)
    assert window.rows is None
    assert (window.options, window.comments) == (admin.options, admin.comments)
    # Staff of an association it did not ask, and members: not at all.
    assert await error_code(service.results(consultation_id, AOTG)) == "not-allowed"
    assert await error_code(service.results(consultation_id, 2001)) == "not-allowed"
    assert [c.id for c in await service.recent(VAG)] == [consultation_id]
    assert await service.recent(AOTG) == []


async def test_hidden_answers_are_shown_to_admins_only(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    consultation_id = await _vote(staffed, service, clock, answers_visible_to_staff=False)
    assert (await service.results(consultation_id, VAG)).rows is None
    assert len((await service.results(consultation_id, ADMIN)).rows or ()) == 5
    assert (await service.summary(consultation_id)).rows is None


# ------------------------------------------------------------------------------ the worker


async def test_one_reminder_a_day_before_closing_to_those_who_have_not_answered(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    for member in (1001, 1002, 1003):
        await seed(staffed, member)
    made = await service.create(VAG, "Ірина", position(clock))
    await service.answer(1001, made.id, "support")
    async with staffed.transaction() as session:  # 1003 blocked the bot meanwhile
        await session.execute(
            update(Member).where(Member.telegram_id == 1003).values(reachable=False)
        )

    assert await service.due_reminders() == []
    clock.now = made.closes_at - timedelta(hours=23)
    assert await service.due_reminders() == [made.id]
    results = await asyncio.gather(*(service.mark_reminder(made.id) for _ in range(3)))
    sent = [r for r in results if r is not None]
    assert len(sent) == 1
    assert await deliveries(staffed, sent[0]) == {1002}
    assert await service.mark_reminder(made.id) is None
    assert await service.due_reminders() == []
    async with staffed.transaction() as session:
        purposes = list(await session.scalars(select(Broadcast.purpose).order_by(Broadcast.id)))
    assert purposes == ["consultation", "reminder"]


async def test_a_reminder_with_nobody_left_is_recorded_done(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    made = await service.create(VAG, "Ірина", position(clock))
    await service.answer(1001, made.id, "support")
    clock.now = made.closes_at - timedelta(hours=1)
    reminder = await service.mark_reminder(made.id)
    async with staffed.transaction() as session:
        broadcast = await session.get(Broadcast, reminder)
        assert broadcast is not None and broadcast.status == "done" and broadcast.recipients == 0
    assert await service.due_reminders() == []


async def test_closing_and_the_summary_happen_once(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    made = await service.create(VAG, "Ірина", position(clock))
    assert await service.due_closing() == []
    clock.now = made.closes_at
    assert await service.due_closing() == [made.id]
    closed = await asyncio.gather(service.close(made.id), service.close(made.id))
    assert sorted(closed) == [False, True]
    assert await service.due_closing() == []
    assert await service.due_summaries() == [made.id]
    # A second process (its own service and engine) races for the summary: one wins.
    other = Database.from_url(str(staffed.engine.url.render_as_string(hide_password=False)))
    try:
        rival = ConsultationService(other, frozenset({ADMIN}), clock=clock)
        claims = await asyncio.gather(service.claim_summary(made.id), rival.claim_summary(made.id))
    finally:
        await other.close()
    assert sorted(claims) == [False, True]
    assert not await service.claim_summary(made.id)  # after a restart too
    assert await service.due_summaries() == []
    view = await service.view(made.id, VAG)
    assert view.status == "closed" and view.summary_posted_at is not None


async def test_the_outcome_goes_to_everyone_asked_once_and_shows_in_news(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    for member in (1001, 1002):
        await seed(staffed, member)
    await seed(staffed, 1003, verification="unverified")
    made = await service.create(VAG, "Ірина", position(clock))
    await service.answer(1001, made.id, "support")
    outcome = ("Асоціація підтримує законопроєкт з поправками.", None)
    assert await error_code(service.publish_outcome(VAG, "Ірина", made.id, *outcome)) == (
        "still-open"
    )
    clock.now = made.closes_at
    await service.close(made.id)
    assert await error_code(service.publish_outcome(UAROR, "Х", made.id, *outcome)) == (
        "not-allowed"
    )
    assert await error_code(service.publish_outcome(VAG, "Ірина", made.id, "")) == "empty-text"
    broadcast_id = await service.publish_outcome(
        VAG, "Ірина", made.id, *outcome, request_key="outcome-1"
    )
    assert await deliveries(staffed, broadcast_id) == {1001, 1002, 1003}
    assert await service.publish_outcome(VAG, "Ірина", made.id, *outcome) == broadcast_id
    assert (await service.view(made.id, ADMIN)).outcome_broadcast_id == broadcast_id
    async with staffed.transaction() as session:
        found = await session.get(Broadcast, broadcast_id)
        assert found is not None and found.purpose == BroadcastPurpose.OUTCOME
    # News lists the outcome, not the question itself.
    news = await BroadcastService(staffed).news_for(1002)
    assert [item.broadcast_id for item in news] == [broadcast_id]


# ------------------------------------------------------------------------------ privacy


async def test_the_export_holds_the_answers_and_erasure_keeps_them_counted(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    consultation_id = await _vote(staffed, service, clock)
    before = await service.results(consultation_id, ADMIN)

    data = await PrivacyService(staffed).export(2002)
    assert [
        (a["consultation_id"], a["choice"], a["comment"]) for a in data["consultation_answers"]
    ] == [(consultation_id, "amend", "Додати статтю про ЦНАП")]

    erasure = await PrivacyService(staffed).erase(2002)
    assert erasure.removed["consultation_answers"] == 1
    async with staffed.transaction() as session:
        kept = await session.scalar(
            select(ConsultationAnswer).where(ConsultationAnswer.role == "council_secretary")
        )
        assert kept is not None
        assert (kept.member_id, kept.comment, kept.hromada_code, kept.request_key) == (
            None,
            None,
            None,
            None,
        )
        assert (kept.choice, kept.association_codes, kept.verified) == ("amend", ["vag"], True)
    after = await service.results(consultation_id, ADMIN)
    assert after.answered == before.answered == 5
    assert after.options["amend"].members == 1
    assert after.comments == ()
    assert [row.member_name for row in after.rows or () if row.choice == "amend"] == [None]


async def test_the_readable_copy_shows_the_answers_as_the_member_gave_them(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await _vote(staffed, service, clock)
    ranked = await service.create(ADMIN, "Адмін", priorities(clock))
    await service.answer(2002, ranked.id, [2, 0])

    data = await PrivacyService(staffed).export(2002)
    names = Names.of(
        load_report_rules(), load_oblasts(CONTENT_DIR / "oblasts.yaml"), load_associations()
    )
    translations = Translations()
    page = export_html(translations.get("uk"), data, names, ZoneInfo("Europe/Kyiv"))
    assert "<h2>Ваші відповіді на консультації</h2>" in page
    assert "Законопроєкт №1234 про місцеві бюджети" in page
    assert "<td>Підтримую з поправками</td>" in page and "Додати статтю про ЦНАП" in page
    assert "<td>Пріоритет 0; Пріоритет 2</td>" in page
    english = export_html(translations.get("en"), data, names, ZoneInfo("Europe/Kyiv"))
    assert "Відповідь на консультацію" in page
    assert "<h2>Your answers to consultations</h2>" in english
    assert "<td>Priority 0; Priority 2</td>" in english


def test_an_outcome_is_measured_with_the_header_naming_its_consultation() -> None:
    text = "Позиція " * 500  # 4,000 characters: an announcement's header would still fit
    assert outcome_problems(text) == []
    refused = outcome_problems(text, title="Законопроєкт " * 9)
    # English-speaking members get the English header over the Ukrainian text.
    assert [(p.code, p.locale) for p in refused] == [("too-long", "uk"), ("too-long", "en")]
