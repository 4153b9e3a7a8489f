"""Reports and questions that cannot flood a secretariat: the rolling 24-hour window, the lower
limit before verification, rejected members, and two taps at once, on a real database; and
how the refusal reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, update

from bot.content import load_associations
from bot.i18n import Translations
from bot.services.associations import sync_associations
from bot.services.filing_limits import (
    WINDOW,
    FilingLimits,
    LimitReached,
    MemberRejected,
    next_allowed,
)
from bot.services.members import MemberService
from bot.services.questions import QuestionService
from bot.services.report_rules import load_report_rules
from bot.services.reports import ReportForm, ReportService
from bot.settings import Settings
from dialogs.filing_texts import again_at, refusal_text
from storage.db import Database
from storage.models import Member, Question, Report, ReportCounter
from tests.forms import head_form

KYIV = ZoneInfo("Europe/Kyiv")
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 14:00 in Kyiv
REPORT_LIMITS = FilingLimits(verified=3, pending=2)
QUESTION_LIMITS = FilingLimits(verified=4, pending=2)
FORM = ReportForm(
    category="education",
    urgency="normal",
    title="Закриття опорної школи",
    description="Міністерство пропонує закрити ліцей, діти їздитимуть за 30 кілометрів.",
)


# ------------------------------------------------------------------------ the window alone


def at(minutes_ago: float) -> datetime:
    return NOW - timedelta(minutes=minutes_ago)


def test_one_more_fits_below_the_limit() -> None:
    assert next_allowed([], 1, NOW) is None
    assert next_allowed([at(60), at(30)], 3, NOW) is None


def test_at_the_limit_the_oldest_counted_item_must_leave() -> None:
    filed = [at(30), at(600), at(90)]
    assert next_allowed(filed, 3, NOW) == at(600) + WINDOW


def test_items_older_than_a_day_do_not_count() -> None:
    filed = [at(24 * 60), at(24 * 60 + 1), at(10), at(20)]
    assert next_allowed(filed, 3, NOW) is None  # exactly 24 h ago has just left
    assert next_allowed(filed, 2, NOW) == at(20) + WINDOW


def test_over_the_limit_after_it_was_lowered_enough_items_must_leave() -> None:
    filed = [at(50), at(40), at(30), at(20), at(10)]
    # Five counted, limit two: four must leave, the fourth oldest (20 minutes ago) last.
    assert next_allowed(filed, 2, NOW) == at(20) + WINDOW


def test_limits_by_verification() -> None:
    limits = FilingLimits(verified=3, pending=1)
    limits.check("verified", [at(5), at(6)], NOW)
    with pytest.raises(LimitReached) as error:
        limits.check("unverified", [at(5)], NOW)
    assert error.value.pending and error.value.limit == 1
    assert error.value.retry_at == at(5) + WINDOW
    with pytest.raises(MemberRejected):
        limits.check("rejected", [], NOW)
    with pytest.raises(ValueError):
        FilingLimits(verified=0, pending=0)


# ------------------------------------------------------------------------------ services


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    return db


async def register(db: Database, telegram_id: int, verification: str) -> None:
    members = MemberService(db)
    await members.register(
        telegram_id,
        head_form(),
    )
    async with db.transaction() as session:
        await session.execute(
            update(Member)
            .where(Member.telegram_id == telegram_id)
            .values(verification=verification)
        )


def reports(db: Database) -> ReportService:
    return ReportService(db, load_report_rules(), limits=REPORT_LIMITS)


def questions(db: Database) -> QuestionService:
    return QuestionService(db, limits=QUESTION_LIMITS)


async def count(db: Database, model: type[Report] | type[Question]) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def age_all(db: Database, model: type[Report] | type[Question], by: timedelta) -> None:
    """Move every row's filing time back by `by`."""
    async with db.transaction() as session:
        for row in await session.scalars(select(model)):
            row.created_at -= by


async def test_a_pending_member_files_two_reports_a_day_and_keeps_the_draft(
    synced: Database,
) -> None:
    await register(synced, 11, "unverified")
    service = reports(synced)
    first = await service.submit(11, FORM)
    await service.submit(11, FORM)
    await service.save_draft(11, {"form": {"title": "Третє"}, "step": "preview"})
    with pytest.raises(LimitReached) as error:
        await service.submit(11, FORM)
    assert error.value.pending and error.value.limit == 2
    async with synced.transaction() as session:
        oldest = await session.scalar(select(Report.created_at).where(Report.id == first.id))
        last_number = await session.scalar(select(ReportCounter.last))
    assert oldest is not None and error.value.retry_at == oldest + WINDOW
    assert await count(synced, Report) == 2 and last_number == 2  # no number used up
    draft = await service.draft(11)
    assert draft is not None and draft.data["form"] == {"title": "Третє"}

    # A day later the two have left the window: the draft can go, and then it is gone.
    await age_all(synced, Report, WINDOW)
    await service.submit(11, FORM)
    assert await service.draft(11) is None


async def test_a_verified_member_has_the_higher_limit(synced: Database) -> None:
    await register(synced, 12, "verified")
    service = reports(synced)
    for _ in range(3):
        await service.submit(12, FORM)
    with pytest.raises(LimitReached) as error:
        await service.submit(12, FORM)
    assert not error.value.pending and error.value.limit == 3
    # Reports of another member do not count against this one.
    await register(synced, 13, "verified")
    await service.submit(13, FORM)


async def test_only_the_last_day_counts(synced: Database) -> None:
    await register(synced, 14, "verified")
    service = reports(synced)
    await service.submit(14, FORM)
    await service.submit(14, FORM)
    await age_all(synced, Report, timedelta(hours=23))
    await service.submit(14, FORM)
    with pytest.raises(LimitReached) as error:
        await service.submit(14, FORM)
    # The two filed 23 hours ago leave in about an hour; the first of them frees a place.
    assert timedelta(minutes=59) < error.value.retry_at - datetime.now(UTC) <= timedelta(hours=1)


async def test_co_signing_is_not_limited(synced: Database) -> None:
    await register(synced, 15, "verified")
    await register(synced, 16, "unverified")
    service = reports(synced)
    others = [await service.submit(15, FORM) for _ in range(3)]
    await service.submit(16, FORM)
    await service.submit(16, FORM)
    for report in others:
        assert (await service.cosign(report.id, 16)).changed


async def test_rejected_members_file_nothing(synced: Database) -> None:
    await register(synced, 17, "rejected")
    for service in (reports(synced), ReportService(synced, load_report_rules())):
        with pytest.raises(MemberRejected):
            await service.submit(17, FORM)
    for asking in (questions(synced), QuestionService(synced)):
        with pytest.raises(MemberRejected):
            await asking.ask(17, "Як подати проєкт у DREAM?", "uk")
    assert await count(synced, Report) == 0 and await count(synced, Question) == 0


async def test_questions_have_their_own_limits(synced: Database) -> None:
    await register(synced, 18, "unverified")
    asking = questions(synced)
    await asking.ask(18, "Перше запитання", "uk")
    await asking.ask(18, "Друге запитання", "uk")
    with pytest.raises(LimitReached) as error:
        await asking.ask(18, "Третє запитання", "uk")
    assert error.value.pending and error.value.limit == 2
    assert await count(synced, Question) == 2
    await reports(synced).submit(18, FORM)  # reports are counted apart

    async with synced.transaction() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == 18).values(verification="verified")
        )
    await asking.ask(18, "Третє запитання", "uk")
    await asking.ask(18, "Четверте запитання", "uk")
    with pytest.raises(LimitReached) as error:
        await asking.ask(18, "П'яте запитання", "uk")
    assert not error.value.pending and error.value.limit == 4
    await age_all(synced, Question, WINDOW + timedelta(seconds=1))
    await asking.ask(18, "П'яте запитання", "uk")


async def test_two_taps_at_once_never_pass_the_limit(synced: Database) -> None:
    await register(synced, 19, "unverified")
    service = reports(synced)
    outcomes = await asyncio.gather(
        *(service.submit(19, FORM) for _ in range(6)), return_exceptions=True
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 2
    assert all(isinstance(o, LimitReached) for o in outcomes if isinstance(o, BaseException))
    assert await count(synced, Report) == 2

    asking = questions(synced)
    outcomes = await asyncio.gather(
        *(asking.ask(19, f"Запитання {n}", "uk") for n in range(6)), return_exceptions=True
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 2
    assert all(isinstance(o, LimitReached) for o in outcomes if isinstance(o, BaseException))
    assert await count(synced, Question) == 2


# ------------------------------------------------------------------------------ the texts


@pytest.fixture(scope="module")
def translations() -> Translations:
    return Translations()


def test_again_at_says_today_tomorrow_or_the_date(translations: Translations) -> None:
    uk, en = translations.get("uk"), translations.get("en")
    later = datetime(2026, 12, 3, 20, 30, tzinfo=UTC)  # 22:30 in Kyiv, the same day
    assert again_at(uk, later, KYIV, NOW) == "сьогодні о 22:30"
    assert again_at(en, later, KYIV, NOW) == "today at 22:30"
    next_day = datetime(2026, 12, 3, 23, 5, tzinfo=UTC)  # 01:05 on 4 December in Kyiv
    assert again_at(uk, next_day, KYIV, NOW) == "завтра о 01:05"
    assert again_at(en, next_day, KYIV, NOW) == "tomorrow at 01:05"
    assert again_at(uk, NOW + timedelta(days=2), KYIV, NOW) == "05.12.2026 14:00"
    assert again_at(en, NOW + timedelta(days=2), KYIV, NOW) == "on 05.12.2026 14:00"


def test_refusals_read_naturally(translations: Translations) -> None:
    uk, en = translations.get("uk"), translations.get("en")
    # 14:05:30 in Kyiv: "14:06", when it is possible, never a minute too early.
    retry = datetime(2026, 12, 4, 12, 5, 30, tzinfo=UTC)
    pending = LimitReached(2, True, retry)
    text = refusal_text(uk, "report", pending, KYIV, NOW)
    assert "не більше 2 звернень за 24\u00a0години" in text and "завтра о 14:06" in text
    assert "збережене як чернетка" in text
    text = refusal_text(en, "report", pending, KYIV, NOW)
    assert "at most 2 reports from you in 24\u00a0hours" in text and "tomorrow at 14:06" in text
    verified = LimitReached(5, False, datetime(2026, 12, 3, 18, 0, tzinfo=UTC))
    text = refusal_text(uk, "report", verified, KYIV, NOW)
    assert "ви вже подали 5 звернень" in text and "сьогодні о 20:00" in text
    one = LimitReached(1, False, datetime(2026, 12, 3, 18, 0, tzinfo=UTC))
    assert "ви вже надіслали експертам 1 запитання" in refusal_text(uk, "question", one, KYIV, NOW)
    assert "sent 1 question to the experts" in refusal_text(en, "question", one, KYIV, NOW)
    assert "не надсилає ваші запитання експертам" in refusal_text(
        uk, "question", MemberRejected(), KYIV, NOW
    )
    assert "does not accept reports from you" in refusal_text(
        en, "report", MemberRejected(), KYIV, NOW
    )


def test_settings_keep_the_pending_limit_at_most_the_verified_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for kind in ("REPORT", "QUESTION"):
        monkeypatch.delenv(f"{kind}_LIMIT_PER_DAY", raising=False)
        monkeypatch.delenv(f"{kind}_LIMIT_PENDING_PER_DAY", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.report_limit_per_day, settings.report_limit_pending_per_day) == (5, 2)
    assert (settings.question_limit_per_day, settings.question_limit_pending_per_day) == (10, 3)
    with pytest.raises(ValidationError) as error:
        Settings(_env_file=None, report_limit_per_day=3, report_limit_pending_per_day=4)  # type: ignore[call-arg]
    assert "REPORT_LIMIT_PENDING_PER_DAY (4) must not exceed REPORT_LIMIT_PER_DAY (3)" in str(
        error.value
    )
    with pytest.raises(ValidationError):
        Settings(_env_file=None, question_limit_pending_per_day=0)  # type: ignore[call-arg]
