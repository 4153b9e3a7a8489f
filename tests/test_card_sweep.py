"""The cards sweep on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): missing
staff-group cards of reports, questions and verifications found and posted once, under the
lease, after the grace period, with the normal path's rules and an entry in each history."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.content import load_associations
from bot.metrics import CARDS_PENDING, CARDS_SWEPT
from bot.services.associations import sync_associations
from bot.services.card_sweep import CardKind, CardSweeper, MissingCard, PostedCard
from bot.services.members import MemberService, RegistrationForm
from bot.services.privacy import PrivacyService
from bot.services.questions import QuestionService
from bot.services.report_rules import load_report_rules
from bot.services.reports import Actor, ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import VerificationService
from storage.db import Database
from storage.models import (
    AuditEvent,
    Member,
    QuestionCard,
    ReportCard,
    StaffChat,
    StaffRole,
    VerificationCard,
    WorkerLease,
    utcnow,
)
from storage.repositories import broadcasts as leases

ADMIN = Actor(1, "Адмін")
VAG = Actor(501, "Ірина з ВАГ")
GROUP_VAG = -100111
GROUP_AOTG = -100222
GROUP_UAROR = -100333
VINNYTSIA = "UA05000000000010236"
LATER = timedelta(minutes=10)  # past the sweep's five-minute grace

SCHOOL = ReportForm(
    category="education",
    urgency="normal",
    title="Закриття опорної школи через оптимізацію мережі",
    description="Міністерство пропонує закрити ліцей, діти їздитимуть за 30 кілометрів.",
)


@dataclass
class FakePoster:
    """Stands for Telegram: every card it is given is 'sent' with the next message id, except
    in `refusing` groups; `gate`, when set, holds each send until it is opened."""

    refusing: set[int] = field(default_factory=set)
    sent: list[MissingCard] = field(default_factory=list)
    gate: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)
    next_id: int = 1000

    async def post(self, card: MissingCard) -> PostedCard | None:
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if card.chat_id in self.refusing:
            return None
        self.sent.append(card)
        self.next_id += 1
        return PostedCard(card.chat_id, self.next_id)


def sweeper(
    db: Database, poster: FakePoster, *, at: timedelta = LATER, holder: str = "sweeper-a"
) -> CardSweeper:
    return CardSweeper(db, poster, holder=holder, clock=lambda: utcnow() + at)


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    await StaffService(db).grant(VAG.telegram_id, StaffRole.STAFF, "vag")
    chats = StaffChatService(db, frozenset({ADMIN.telegram_id}))
    await chats.bind(GROUP_VAG, "ВАГ", "vag", ADMIN.telegram_id)
    await chats.bind(GROUP_AOTG, "АОТГ", "aotg", ADMIN.telegram_id, locale="en")
    await _backdate_bindings(db, timedelta(hours=1))
    return db


async def _backdate_bindings(db: Database, by: timedelta) -> None:
    async with db.transaction() as session:
        for binding in await session.scalars(select(StaffChat)):
            binding.bound_at -= by


def reports(db: Database) -> ReportService:
    return ReportService(db, load_report_rules(), frozenset({ADMIN.telegram_id}))


async def register(db: Database, telegram_id: int, codes: list[str], *, verified: bool) -> None:
    members = MemberService(db)
    await members.set_locale(telegram_id, "uk")
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=f"Голова {telegram_id}",
            role="hromada_head",
            oblast_code=VINNYTSIA,
            hromada_code=None,
            hromada_text="Іллінецька",
            association_codes=codes,
            associations_unsure=not codes,
        ),
    )
    if verified:
        async with db.transaction() as session:
            await session.execute(
                update(Member)
                .where(Member.telegram_id == telegram_id)
                .values(verification="verified")
            )


async def card_rows(db: Database) -> dict[str, list[tuple[int, int]]]:
    async with db.transaction() as session:
        return {
            "report": sorted(
                (r.report_id, r.chat_id) for r in await session.scalars(select(ReportCard))
            ),
            "question": sorted(
                (q.question_id, q.chat_id) for q in await session.scalars(select(QuestionCard))
            ),
            "verification": sorted(
                (v.member_id, v.chat_id) for v in await session.scalars(select(VerificationCard))
            ),
        }


async def swept_audit(db: Database) -> list[tuple[str, str, str, int]]:
    async with db.transaction() as session:
        events = await session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("%card_swept")).order_by(AuditEvent.id)
        )
        return [
            (e.action, e.subject_type, e.subject_id, (e.after or {})["chat_id"]) for e in events
        ]


async def member_id(db: Database, telegram_id: int) -> int:
    async with db.transaction() as session:
        found = await session.scalar(select(Member.id).where(Member.telegram_id == telegram_id))
        assert found is not None
        return found


def metric(gauge_or_counter: object, kind: str) -> float:
    return gauge_or_counter.labels(kind=kind)._value.get()  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ tests


async def test_missing_cards_are_posted_once_with_their_history(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    await register(db, 12, ["aotg"], verified=False)  # waits for verification: a card in AOTG
    report = await reports(db).submit(11, SCHOOL)
    assert report.association_codes == ("vag",)
    asked = await QuestionService(db).ask(11, "Як подати заявку до ДРІМ?", "uk")
    # The normal path died after each commit: no card of any of them was posted.
    assert await card_rows(db) == {"report": [], "question": [], "verification": []}
    swept_before = {k: metric(CARDS_SWEPT, k) for k in ("report", "question", "verification")}

    poster = FakePoster()
    result = await sweeper(db, poster).sweep()

    assert result is not None
    assert result.found == {"report": 1, "question": 1, "verification": 1}
    assert result.posted == result.found
    waiting = await member_id(db, 12)
    assert await card_rows(db) == {
        "report": [(report.id, GROUP_VAG)],
        "question": [(asked.question_id, GROUP_VAG)],
        "verification": [(waiting, GROUP_AOTG)],
    }
    # Oldest first, each in its group's language.
    assert [(c.kind, c.chat_id, c.locale) for c in poster.sent] == [
        (CardKind.VERIFICATION, GROUP_AOTG, "en"),
        (CardKind.REPORT, GROUP_VAG, "uk"),
        (CardKind.QUESTION, GROUP_VAG, "uk"),
    ]
    assert sorted(await swept_audit(db)) == [
        ("member.verification_card_swept", "member", "12", GROUP_AOTG),
        ("question.card_swept", "question", str(asked.question_id), GROUP_VAG),
        ("report.card_swept", "report", str(report.id), GROUP_VAG),
    ]
    # The report's own history says so, for staff only.
    history = await reports(db).history(report.id, include_internal=True)
    assert [e.kind for e in history][-1] == "card_swept"
    assert history[-1].after == {"chat_id": GROUP_VAG, "message_id": 1002, "by": "card_sweep"}
    assert "card_swept" not in [e.kind for e in await reports(db).history(report.id)]
    for kind in ("report", "question", "verification"):
        assert metric(CARDS_SWEPT, kind) == swept_before[kind] + 1
        assert metric(CARDS_PENDING, kind) == 0
    # The card found from the group leads back to the report, as a normal card does.
    assert await reports(db).report_for_card(GROUP_VAG, 1002) == report.id

    again = await sweeper(db, poster).sweep()
    assert again is not None and again.found == {} and again.posted_total == 0
    assert len(poster.sent) == 3


async def test_nothing_is_swept_within_the_grace_period(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    await reports(db).submit(11, SCHOOL)
    poster = FakePoster()
    early = await sweeper(db, poster, at=timedelta(minutes=4)).sweep()
    assert early is not None and early.found == {} and poster.sent == []
    assert metric(CARDS_PENDING, "report") == 0
    late = await sweeper(db, poster, at=timedelta(minutes=6)).sweep()
    assert late is not None and late.posted == {"report": 1}


async def test_cards_the_normal_path_posted_are_not_posted_again(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    form = ReportForm(**{**SCHOOL.__dict__, "category": "legislation"})
    await register(db, 13, ["aotg"], verified=True)
    report = await reports(db).submit(13, form)
    assert set(report.association_codes) == {"vag", "aotg"}
    await reports(db).add_cards(report.id, [(GROUP_VAG, 7)])  # the AOTG send failed
    poster = FakePoster()
    await sweeper(db, poster).sweep()
    assert [(c.record_id, c.chat_id) for c in poster.sent] == [(report.id, GROUP_AOTG)]


async def test_the_lease_keeps_a_second_sweeper_idle(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    await reports(db).submit(11, SCHOOL)
    await reports(db).submit(11, SCHOOL)
    gate = asyncio.Event()
    first_poster, second_poster = FakePoster(gate=gate), FakePoster()
    first = asyncio.create_task(sweeper(db, first_poster, holder="a").sweep())
    await asyncio.wait_for(first_poster.started.wait(), 5)
    # While the first is posting, the second finds the lease taken and does nothing.
    assert await sweeper(db, second_poster, holder="b").sweep() is None
    gate.set()
    done = await first
    assert done is not None and done.posted == {"report": 2}
    assert second_poster.sent == []
    assert len((await card_rows(db))["report"]) == 2
    # The lease was given back at the end of the sweep: the second one may sweep now.
    after = await sweeper(db, second_poster, holder="b").sweep()
    assert after is not None and after.posted_total == 0


async def test_a_lease_held_elsewhere_is_waited_out_unless_its_holder_is_gone(
    synced: Database,
) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    await reports(db).submit(11, SCHOOL)
    now = utcnow() + LATER
    async with db.transaction() as session:
        await leases.acquire_lease(
            session, "card-sweeper", "host:1:dead", now, timedelta(minutes=5)
        )
    poster = FakePoster()
    assert await sweeper(db, poster).sweep() is None
    gone = CardSweeper(
        db, poster, holder="b", holder_is_gone=lambda h: h == "host:1:dead", clock=lambda: now
    )
    result = await gone.sweep()
    assert result is not None and result.posted == {"report": 1}
    async with db.transaction() as session:
        lease = await session.get(WorkerLease, "card-sweeper")
        assert lease is not None and lease.holder == "b" and lease.expires_at <= now


async def test_records_that_need_no_card_are_skipped(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    await register(db, 12, ["vag"], verified=False)  # will delete their profile
    await register(db, 14, ["vag"], verified=False)  # will be approved
    await register(db, 15, ["vag"], verified=True)
    closed = await reports(db).submit(11, SCHOOL)
    await QuestionService(db).ask(12, "Питання від того, хто піде", "uk")
    await PrivacyService(db).erase(12)
    await VerificationService(db, frozenset({ADMIN.telegram_id})).decide(14, VAG.telegram_id, True)
    await reports(db).set_status(closed.id, VAG, "in_progress")
    await reports(db).set_status(closed.id, VAG, "resolved")
    poster = FakePoster()
    result = await sweeper(db, poster).sweep()
    assert result is not None and result.found == {} and poster.sent == []


async def test_a_group_bound_after_the_record_gets_no_card(synced: Database) -> None:
    db = synced
    await register(db, 11, ["uaror"], verified=False)
    submitted = await reports(db).submit(11, SCHOOL)
    chats = StaffChatService(db, frozenset({ADMIN.telegram_id}))
    await chats.bind(GROUP_UAROR, "УАРОР", "uaror", ADMIN.telegram_id)
    poster = FakePoster()
    result = await sweeper(db, poster).sweep()
    assert result is not None and result.found == {} and poster.sent == []
    # Marked joint later: now every group bound by then should have it (what "joint" posts).
    await reports(db).mark_joint(submitted.id, ADMIN)
    result = await sweeper(db, poster, at=timedelta(minutes=20)).sweep()
    assert result is not None
    assert sorted(c.chat_id for c in poster.sent if c.kind == CardKind.REPORT) == sorted(
        [GROUP_VAG, GROUP_AOTG, GROUP_UAROR]
    )


async def test_a_refusing_group_is_left_alone_for_a_while(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    form = ReportForm(**{**SCHOOL.__dict__, "category": "legislation"})
    await register(db, 13, ["aotg"], verified=True)
    report = await reports(db).submit(13, form)
    poster = FakePoster(refusing={GROUP_AOTG})
    clock = {"now": utcnow() + LATER}
    job = CardSweeper(db, poster, holder="a", clock=lambda: clock["now"])
    first = await job.sweep()
    assert first is not None and first.found == {"report": 2} and first.posted == {"report": 1}
    assert metric(CARDS_PENDING, "report") == 1
    assert (await card_rows(db))["report"] == [(report.id, GROUP_VAG)]
    poster.refusing.clear()
    clock["now"] += timedelta(seconds=30)
    paused = await job.sweep()
    assert paused is not None and paused.posted_total == 0
    clock["now"] += timedelta(seconds=60)
    resumed = await job.sweep()
    assert resumed is not None and resumed.posted == {"report": 1}
    assert metric(CARDS_PENDING, "report") == 0


async def test_at_most_a_few_cards_per_group_per_sweep(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    for _ in range(4):
        await reports(db).submit(11, SCHOOL)
    poster = FakePoster()
    job = CardSweeper(db, poster, holder="a", per_chat=3, clock=lambda: utcnow() + LATER)
    first = await job.sweep()
    assert first is not None and first.found == {"report": 4} and first.posted == {"report": 3}
    second = await job.sweep()
    assert second is not None and second.posted == {"report": 1}


async def test_a_migrated_group_keeps_its_old_cards(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    report = await reports(db).submit(11, SCHOOL)
    await reports(db).add_cards(report.id, [(GROUP_VAG, 7)])
    await StaffChatService(db).migrate(GROUP_VAG, -1009999)
    poster = FakePoster()
    result = await sweeper(db, poster).sweep()
    assert result is not None and result.found == {} and poster.sent == []


async def test_a_profile_back_for_review_needs_a_new_card(synced: Database) -> None:
    db = synced
    await register(db, 12, ["vag"], verified=False)
    telegram_id, row_id = 12, await member_id(db, 12)
    async with db.transaction() as session:
        session.add(VerificationCard(member_id=row_id, chat_id=GROUP_VAG, message_id=5))
    poster = FakePoster()
    assert (await sweeper(db, poster).sweep()) is not None and poster.sent == []
    await VerificationService(db, frozenset({ADMIN.telegram_id})).decide(
        telegram_id, VAG.telegram_id, False
    )
    await MemberService(db).update_profile(telegram_id, full_name="Голова Виправлений")
    result = await sweeper(db, poster).sweep()
    assert result is not None and result.posted == {"verification": 1}
    assert [(c.record_id, c.chat_id) for c in poster.sent] == [(row_id, GROUP_VAG)]


async def test_run_sweeps_until_stopped(synced: Database) -> None:
    db = synced
    await register(db, 11, ["vag"], verified=True)
    await reports(db).submit(11, SCHOOL)
    poster = FakePoster()
    job = CardSweeper(db, poster, holder="a", interval=0.05, clock=lambda: utcnow() + LATER)
    running = asyncio.create_task(job.run())
    # The first sweep posts the card (waited for, not slept on: a busy machine is slow) ...
    await asyncio.wait_for(poster.started.wait(), 10)
    # ... and the sweeps after it, every 0.05 s, do not post it again.
    await asyncio.sleep(0.3)
    job.stop()
    await asyncio.wait_for(running, 5)
    assert len(poster.sent) == 1


# ------------------------------------------------------------------------------ the Telegram side


async def test_the_telegram_poster_sends_the_normal_paths_cards(synced: Database) -> None:
    """Through a real aiogram Bot against the fake Bot API: each kind of card as the normal
    path renders it, in the group's language, a migrated group followed, a refusal logged."""
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.content import CONTENT_DIR
    from bot.emulator import FakeTelegram
    from bot.i18n import Translations
    from bot.services.hromadas import HromadaDirectory, load_oblasts
    from delivery.card_sweep import TelegramCardPoster, create_card_sweeper

    db = synced
    await register(db, 11, ["vag"], verified=True)
    await register(db, 12, ["aotg"], verified=False)
    await MemberService(db).update_profile(12, phone="+380671234567")
    report = await reports(db).submit(11, SCHOOL)
    asked = await QuestionService(db).ask(11, "Як подати заявку до ДРІМ?", "uk")
    fake = FakeTelegram()
    base_url = await fake.start()
    vag, aotg = fake.group(GROUP_VAG, "ВАГ"), fake.group(GROUP_AOTG, "АОТГ")
    fake.group(-1005555, "АОТГ", type="supergroup")
    fake.inject("sendMessage", 400, chat_id=GROUP_AOTG, migrate_to_chat_id=-1005555)
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    bot = Bot(
        "123456:TEST-token-abcdefghijklmnopqrstuv",
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    hromadas = HromadaDirectory(db, load_oblasts(CONTENT_DIR / "oblasts.yaml"))
    try:
        job = create_card_sweeper(
            TelegramCardPoster(
                bot,
                db,
                Translations(),
                reports=reports(db),
                questions=QuestionService(db, hromadas=hromadas),
                hromadas=hromadas,
                associations=load_associations(),
                tz=reports(db).timezone,
            )
        )
        job.clock = lambda: utcnow() + LATER
        result = await job.sweep()
    finally:
        await bot.session.close()
        await fake.stop()
    assert result is not None and result.posted_total == 3
    texts = [m["text"] for m in vag.bot_messages()]
    assert len(texts) == 2
    assert report.reference in texts[0] and SCHOOL.title in texts[0]
    assert "Як подати заявку до ДРІМ?" in texts[1]
    # AOTG's group became a supergroup on the way: the card and the binding went there.
    assert aotg.bot_messages() == []
    moved = fake.chat(-1005555).bot_messages()
    assert len(moved) == 1 and "Голова 12" in moved[0]["text"]
    assert "+380671234567" not in moved[0]["text"]  # the phone only in private, as always
    rows = await card_rows(db)
    assert rows["verification"] == [(await member_id(db, 12), -1005555)]
    assert rows["report"] == [(report.id, GROUP_VAG)]
    assert rows["question"] == [(asked.question_id, GROUP_VAG)]
    assert not fake.violations
