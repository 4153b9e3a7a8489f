"""Consultation results for staff and the closing worker, on a real database (SQLite, or
PostgreSQL with TEST_DATABASE_URL): the results message in both languages and within Telegram's
limit, the chart, the spreadsheet and who sees which answers in it, the reminder written once,
closing, and the final summary posted to each staff group once — across two workers, a crash
after the claim and a restart."""

# The core tests' fixtures (staffed, service, clock) are imported and taken as arguments.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.methods import SendDocument, SendMessage, SendPhoto
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import Content
from bot.names import Names
from bot.services.broadcasts import Audience
from bot.services.consultation_chart import render_results_chart
from bot.services.consultation_export import results_workbook
from bot.services.consultation_worker import CLAIM_TIMEOUT, ConsultationWorker
from bot.services.consultations import (
    Breakdown,
    CommentRow,
    ConsultationService,
    Count,
    Results,
)
from bot.services.digests import SendOutcome
from bot.services.message_limits import TEXT_LIMIT, utf16_len
from bot.services.staff_chats import BoundChat, StaffChatService
from delivery.consultation_summaries import TelegramSummaryPoster
from dialogs.consultation_result_texts import render_results, results_chart_data
from storage.db import Database
from storage.models import Broadcast, ConsultationSummary
from tests.broadcast_helpers import VOLYN
from tests.flows.test_broadcast import MediaSession
from tests.test_consultations import (  # noqa: F401
    ADMIN,
    OBLASTS,
    VAG,
    Clock,
    clock,
    position,
    priorities,
    seed,
    service,
    staffed,
)

KYIV_TZ = ZoneInfo("Europe/Kyiv")
VAG_GROUP = -100_111
UAROR_GROUP = -100_222
AOTG_GROUP = -100_333


@pytest.fixture(scope="module")
def content() -> Content:
    return Content.load()


@pytest.fixture
def names(content: Content) -> Names:
    return Names.of(content.report_rules, content.oblasts, content.associations)


async def vote(db: Database, service: ConsultationService, clock: Clock, **draft: Any) -> int:
    """Seven members asked by an admin in two associations; five answer, one of them
    unverified, two with comments (one that would be a formula in a spreadsheet)."""
    await seed(db, 2001, codes=("vag",))
    await seed(db, 2002, codes=("vag",), role="council_secretary")
    await seed(db, 2003, codes=("vag", "uaror"), hromada="UA05060000000000002")
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
    await service.answer(2004, made.id, "oppose", '=HYPERLINK("http://x","y")')
    await service.answer(2005, made.id, "support")
    return made.id


# ------------------------------------------------------------------------------ the text


async def test_the_results_message_counts_members_hromadas_and_oblasts_in_ukrainian(
    staffed: Database, service: ConsultationService, clock: Clock, content: Content, names: Names
) -> None:
    results = await service.results(await vote(staffed, service, clock), VAG)
    text = render_results(content.translations.get("uk"), results, names, KYIV_TZ)

    assert "Відповіли 5 з 7 опитаних (71,4\u00a0%)." in text
    assert "Підтверджені члени: 4 члени — з 3 громад у 2 областях." in text
    assert "Непідтверджені: 1 (показано окремо, у підсумок не входять)." in text
    assert "• Підтримують: 2 члени (50\u00a0%), 2 громади; ще 1 непідтверджений" in text
    assert "• Не підтримують: 1 член (25\u00a0%), 1 громада" in text
    assert "• Без позиції: 0 членів (0\u00a0%), 0 громад" in text
    assert "• ВАГ: 3 члени, 2 громади — за: 2 · з поправками: 1" in text
    # Oblasts with answers only (the spreadsheet has all of them).
    assert "• Вінницька область: 3 члени, 2 громади" in text
    assert "• Волинська область: 1 член, 1 громада — проти: 1; ще 1 непідтверджений" in text
    assert "Київська" not in text
    assert "• Секретар ради: 1 член, 1 громада — з поправками: 1" in text
    # Comments as staff quote them, escaped, with where they came from, not who.
    assert "• «Додати статтю про ЦНАП» — Підтримують з поправками; ВАГ, Вінницька область" in text
    assert "Голова 2002" not in text
    assert utf16_len(text) <= TEXT_LIMIT


async def test_the_results_message_in_english_and_before_any_answer(
    staffed: Database, service: ConsultationService, clock: Clock, content: Content, names: Names
) -> None:
    consultation_id = await vote(staffed, service, clock)
    t = content.translations.get("en")
    text = render_results(t, await service.results(consultation_id, ADMIN), names, KYIV_TZ)
    assert "5 of 7 asked have answered (71.4\u00a0%)." in text
    assert "Verified members: 4 members — from 3 hromadas in 2 oblasts." in text
    assert "• Support: 2 members (50\u00a0%), 2 hromadas; 1 more unverified" in text
    assert "• UAROR: 2 members, 2 hromadas — support: 1 · oppose: 1" in text

    await seed(staffed, 3001)
    empty = await service.create(VAG, "Ірина", position(clock))
    text = render_results(t, await service.results(empty.id, VAG), names, KYIV_TZ)
    assert "0 of 5 asked have answered (0\u00a0%)." in text
    assert "No answers yet." in text
    assert "By oblast" not in text


def _many_comments(results: Results, count: int) -> Results:
    base = results.comments[0]
    comments = tuple(
        CommentRow(
            base.choice,
            f"Коментар {i}: " + "дуже довге пояснення позиції громади " * 12,
            base.association_codes,
            base.oblast_code,
            base.role,
            True,
            base.updated_at + timedelta(minutes=i),
        )
        for i in range(count)
    )
    oblasts = tuple(
        Breakdown(b.key, Count(5, 3, 1), {k: Count(1, 1) for k in b.options})
        for b in results.by_oblast
    )
    return Results(
        results.consultation,
        results.asked,
        results.reached,
        results.respondents,
        results.options,
        results.by_association,
        oblasts,
        results.by_role,
        comments,
        results.rows,
    )


async def test_a_long_result_is_cut_to_fit_one_message_and_points_to_the_spreadsheet(
    staffed: Database, service: ConsultationService, clock: Clock, content: Content, names: Names
) -> None:
    results = _many_comments(await service.results(await vote(staffed, service, clock), VAG), 60)
    for locale in ("uk", "en"):
        t = content.translations.get(locale)
        text = render_results(t, results, names, KYIV_TZ, final=True)
        assert utf16_len(text) <= TEXT_LIMIT
        assert t("consult-results-final") in text
        assert "Коментар 59" in text  # the latest first
        more = "у таблиці" if locale == "uk" else "in the spreadsheet"
        assert more in text


async def test_priorities_name_their_options_and_say_the_total_exceeds_100(
    staffed: Database, service: ConsultationService, clock: Clock, content: Content, names: Names
) -> None:
    await seed(staffed, 1001)
    await seed(staffed, 1002)
    made = await service.create(VAG, "Ірина", priorities(clock, count=3, max_choices=2))
    await service.answer(1001, made.id, [0, 2])
    await service.answer(1002, made.id, [2])
    text = render_results(
        content.translations.get("uk"), await service.results(made.id, VAG), names, KYIV_TZ
    )
    assert "сума перевищує 100\u00a0%" in text
    assert "• 3. Пріоритет 2: 2 члени (100\u00a0%), 1 громада" in text
    assert "• ВАГ: 2 члени, 1 громада — 1: 1 · 3: 2" in text


# ------------------------------------------------------------------------------ chart, sheet


async def test_the_chart_is_a_png_split_by_association(
    staffed: Database, service: ConsultationService, clock: Clock, content: Content, names: Names
) -> None:
    results = await service.results(await vote(staffed, service, clock), ADMIN)
    data = results_chart_data(content.translations.get("uk"), results, names)
    assert [name for name, _ in data.series] == ["Усі асоціації", "ВАГ", "УАРОР"]
    assert data.series[0][1] == [2, 1, 1, 0]  # support, amend, oppose, none
    png = render_results_chart(data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def _sheets(data: bytes) -> dict[str, list[list[Any]]]:
    workbook = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in workbook.worksheets
    }


async def test_the_spreadsheet_holds_the_rows_each_association_may_see_and_every_oblast(
    staffed: Database, service: ConsultationService, clock: Clock, content: Content, names: Names
) -> None:
    consultation_id = await vote(staffed, service, clock)
    t = content.translations.get("uk")

    vag = _sheets(results_workbook(t, await service.results(consultation_id, VAG), names, KYIV_TZ))
    assert list(vag) == [
        "Відповіді",
        "За варіантами",
        "За асоціаціями",
        "За областями",
        "За посадами",
        "За громадами",
    ]
    answers = vag["Відповіді"]
    assert answers[0][:3] == ["Член", "Відповідь", "Коментар"]
    assert sorted(row[0] for row in answers[1:]) == ["Голова 2001", "Голова 2002", "Голова 2003"]
    assert vag["За варіантами"][1] == ["Підтримують", 2, 50, 2, 1]
    oblasts = vag["За областями"]
    assert len(oblasts) == 1 + 25 and oblasts[1][0] == "Вінницька область"
    assert [row[0] for row in oblasts[1:]] == [names.oblast(code, "uk") for code in OBLASTS]

    # The final summary for UAROR's group: UAROR's members' rows, the formula kept as text.
    uaror = _sheets(
        results_workbook(t, await service.summary_for(consultation_id, ["uaror"]), names, KYIV_TZ)
    )
    comments = {row[0]: row[2] for row in uaror["Відповіді"][1:]}
    assert set(comments) == {"Голова 2003", "Голова 2004", "Голова 2005"}
    workbook = load_workbook(
        io.BytesIO(
            results_workbook(
                t, await service.summary_for(consultation_id, ["uaror"]), names, KYIV_TZ
            )
        )
    )
    formula = [
        cell
        for row in workbook["Відповіді"].iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=")
    ]
    assert [(c.value, c.data_type) for c in formula] == [('=HYPERLINK("http://x","y")', "s")]


async def test_answers_hidden_from_staff_leave_the_totals_only_in_english_too(
    staffed: Database, service: ConsultationService, clock: Clock, content: Content, names: Names
) -> None:
    hidden_id = await vote(staffed, service, clock, answers_visible_to_staff=False)
    en = _sheets(
        results_workbook(
            content.translations.get("en"),
            await service.results(hidden_id, VAG),
            names,
            KYIV_TZ,
        )
    )
    assert en["Answers"] == [
        ["Individual answers are not shown to you: the spreadsheet holds the totals only."]
    ]
    assert en["By option"][0] == [
        "Option",
        "Verified members",
        "Share of verified, %",
        "Hromadas",
        "Unverified",
    ]
    assert en["By hromada"] == [["Hromada", "Oblast", "Answers", *en["By hromada"][0][3:]]]


# ------------------------------------------------------------------------------ the worker


class Posted:
    """A summary poster that records what it posted; `die_once` stands for a process killed
    right after its claim."""

    def __init__(self, *, die_once: bool = False) -> None:
        self.posts: list[tuple[int, int, tuple[str, ...]]] = []
        self.die_once = die_once

    async def __call__(self, consultation_id: int, chat: BoundChat) -> SendOutcome:
        if self.die_once:
            self.die_once = False
            raise asyncio.CancelledError  # the process stops mid-way: nothing recorded
        await asyncio.sleep(0)
        self.posts.append((consultation_id, chat.chat_id, chat.association_codes))
        return SendOutcome(True, chat.chat_id)


async def bind_groups(db: Database) -> None:
    chats = StaffChatService(db, frozenset({ADMIN}))
    await chats.bind(VAG_GROUP, "ВАГ", "vag", ADMIN)
    await chats.bind(UAROR_GROUP, "УАРОР", "uaror", ADMIN, locale="en")
    await chats.bind(AOTG_GROUP, "АОТГ", "aotg", ADMIN)


def worker(service: ConsultationService, post: Any, clock: Clock) -> ConsultationWorker:
    return ConsultationWorker(
        service,
        StaffChatService(service.db, frozenset({ADMIN})),
        post,
        ("vag", "uaror", "aotg"),
        clock=clock,
    )


async def broadcasts(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Broadcast.purpose).order_by(Broadcast.id)))


async def test_two_workers_remind_once_close_once_and_post_each_group_one_summary(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await bind_groups(staffed)
    consultation_id = await vote(staffed, service, clock)
    other_db = Database.from_url(staffed.engine.url.render_as_string(hide_password=False))
    try:
        rival = ConsultationService(other_db, frozenset({ADMIN}), oblast_codes=OBLASTS, clock=clock)
        posted = Posted()
        first, second = worker(service, posted, clock), worker(rival, posted, clock)

        await asyncio.gather(first.check(), second.check())
        assert await broadcasts(staffed) == ["consultation"]  # nothing due yet

        clock.now += timedelta(days=6, hours=1)  # 23 hours before closing
        await asyncio.gather(first.check(), second.check())
        assert await broadcasts(staffed) == ["consultation", "reminder"]
        await asyncio.gather(first.check(), second.check())
        assert await broadcasts(staffed) == ["consultation", "reminder"]
        assert posted.posts == []

        clock.now += timedelta(hours=23)
        await asyncio.gather(first.check(), second.check())
    finally:
        await other_db.close()
    # Each group of an association asked, once; AOTG's group was not asked.
    assert sorted(posted.posts) == [
        (consultation_id, UAROR_GROUP, ("uaror",)),
        (consultation_id, VAG_GROUP, ("vag",)),
    ]
    assert (await service.view(consultation_id, ADMIN)).status == "closed"
    assert await service.due_summaries() == []
    # A restart: a new worker posts nothing again.
    await worker(service, posted, clock).check()
    assert len(posted.posts) == 2
    async with staffed.transaction() as session:
        runs = list(await session.scalars(select(ConsultationSummary)))
    assert sorted((r.chat_id, r.status) for r in runs) == [
        (UAROR_GROUP, "sent"),
        (VAG_GROUP, "sent"),
    ]


async def test_a_crash_after_the_claim_delays_the_summary_and_never_doubles_it(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await bind_groups(staffed)
    await seed(staffed, 1001)
    made = await service.create(VAG, "Ірина", position(clock))
    await service.answer(1001, made.id, "support")
    clock.now = made.closes_at

    dying = Posted(die_once=True)
    with pytest.raises(asyncio.CancelledError):
        await worker(service, dying, clock).check()
    assert dying.posts == []
    # Restarted at once: the claim is still the dead process's, so nothing yet, not lost.
    restarted = Posted()
    await worker(service, restarted, clock).check()
    assert restarted.posts == []
    assert await service.due_summaries() == [made.id]

    clock.now += CLAIM_TIMEOUT + timedelta(seconds=1)
    await asyncio.gather(
        worker(service, restarted, clock).check(), worker(service, restarted, clock).check()
    )
    assert restarted.posts == [(made.id, VAG_GROUP, ("vag",))]
    assert await service.due_summaries() == []
    clock.now += CLAIM_TIMEOUT * 3
    await worker(service, restarted, clock).check()
    assert len(restarted.posts) == 1
    async with staffed.transaction() as session:
        assert await session.scalar(select(func.count(ConsultationSummary.id))) == 1


async def test_a_consultation_with_no_staff_group_is_done_without_a_post(
    staffed: Database, service: ConsultationService, clock: Clock
) -> None:
    await seed(staffed, 1001)
    made = await service.create(VAG, "Ірина", position(clock))
    clock.now = made.closes_at
    posted = Posted()
    await worker(service, posted, clock).check()
    assert posted.posts == [] and await service.due_summaries() == []


# ------------------------------------------------------------------------------ Telegram side


async def test_the_summary_goes_to_a_group_as_text_chart_and_its_spreadsheet(
    staffed: Database, service: ConsultationService, clock: Clock, content: Content, names: Names
) -> None:
    await bind_groups(staffed)
    consultation_id = await vote(staffed, service, clock)
    clock.now += timedelta(days=8)
    await service.close(consultation_id)
    session = MediaSession()
    bot = Bot("42:TEST", session=session)
    chats = StaffChatService(staffed, frozenset({ADMIN}))
    poster = TelegramSummaryPoster(bot, service, chats, content.translations, names, KYIV_TZ)
    (uaror,) = [c for c in await chats.chats_for(["uaror"])]

    outcome = await poster(consultation_id, uaror)

    assert outcome == SendOutcome(True, UAROR_GROUP, None)
    text, photo, document = session.calls
    assert isinstance(text, SendMessage) and text.chat_id == UAROR_GROUP
    assert text.text.startswith("🏁 <b>Consultation summary</b>")  # the group's language
    assert "5 of 7 asked have answered" in text.text
    assert isinstance(photo, SendPhoto) and isinstance(document, SendDocument)
    assert document.caption == "📎 The answers' spreadsheet: 3 answers"
    sheet = _sheets(document.document.data)  # type: ignore[union-attr]
    assert sorted(row[0] for row in sheet["Answers"][1:]) == [
        "Голова 2003",
        "Голова 2004",
        "Голова 2005",
    ]
