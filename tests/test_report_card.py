"""ReportService.card: everything a report's card shows, read in one transaction; and the card's
typed button actions on the wire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import CONTENT_DIR, load_associations
from bot.services.associations import sync_associations
from bot.services.hromadas import load_oblasts
from bot.services.members import MemberService
from bot.services.report_rules import load_report_rules
from bot.services.reports import CardViewer, ReportService
from bot.services.staff import StaffService
from dialogs.report_card_texts import ReportAction, ReportCb, render_report_card
from storage.db import Database
from storage.models import StaffRole
from tests.test_reports import ADMIN, VAG, VINNYTSIA, WATER, register

REPORTER = 11
ID_MAX = 2**31 - 1  # the largest report id a button carries


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    await StaffService(db).grant(VAG.telegram_id, StaffRole.STAFF, "vag")
    return db


def oblast_service(db: Database) -> ReportService:
    return ReportService(
        db,
        load_report_rules(),
        frozenset({ADMIN.telegram_id}),
        oblasts=load_oblasts(CONTENT_DIR / "oblasts.yaml"),
    )


def counting_transactions(db: Database) -> list[int]:
    """Count the transactions `db` opens from now on (the list's length)."""
    opened: list[int] = []
    original = db.transaction

    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        opened.append(1)
        async with original() as session:
            yield session

    db.transaction = transaction  # type: ignore[method-assign]
    return opened


async def test_the_card_is_read_in_one_transaction(synced: Database) -> None:
    await register(synced, REPORTER, ["vag"], verified=True)
    await MemberService(synced).update_profile(REPORTER, phone="+380671234567")
    reports = oblast_service(synced)
    filed = await reports.submit(REPORTER, WATER)
    await reports.set_status(filed.id, VAG, "declined", reason="Не наша компетенція")
    opened = counting_transactions(synced)

    card = await reports.card(filed.id)

    assert len(opened) == 1
    assert card is not None and card.view.id == filed.id
    assert card.reporter_role == "hromada_head" and card.reporter_verified
    assert card.reporter_shared_phone and card.reporter_phone is None  # a group sees no number
    assert card.decline_reason == "Не наша компетенція"
    assert card.oblast is not None and card.oblast.code == VINNYTSIA
    assert card.category is not None and card.category.code == WATER.category
    assert card.urgency is not None and card.urgency.code == WATER.urgency
    assert [a.code for a in card.associations] == [a.code for a in load_associations()]
    assert card.hromada is None  # free text: no codifier unit

    private = await reports.card(filed.id, CardViewer.STAFF)
    assert private is not None and private.reporter_phone == "+380671234567"
    assert await reports.card(999_999) is None


async def test_the_card_text_names_what_the_service_read(synced: Database) -> None:
    from bot.i18n import Translations

    await register(synced, REPORTER, ["vag"])
    reports = oblast_service(synced)
    filed = await reports.submit(REPORTER, WATER)
    card = await reports.card(filed.id)
    assert card is not None
    t = Translations().get("uk")
    text = render_report_card(t, card.view, reports.timezone, card=card)
    assert "Вінницька область" in text and "Голова громади" in text
    bare = render_report_card(t, card.view, reports.timezone)  # no card: codes for names
    assert WATER.category in bare and "Вінницька область" not in bare


@pytest.mark.parametrize("action", list(ReportAction))
def test_card_actions_keep_their_wire_format(action: ReportAction) -> None:
    packed = ReportCb(a=action, r=ID_MAX, v="aotg.s").pack()
    assert packed == f"rd:{action.value}:{ID_MAX}:aotg.s" and len(packed.encode()) <= 64
    assert ReportCb.unpack(packed).a is action
    assert ReportCb(a=action.value, r=1).a is action  # tests and old cards spell it as text


def test_an_unknown_action_stays_text() -> None:
    """A card of another version: still unpacked, then answered as a stale button."""
    assert ReportCb.unpack("rd:zz:5:").a == "zz"
