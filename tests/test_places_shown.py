"""One way to name a member's place, everywhere staff see it: a hromada picked from the codifier
(with its raion when the oblast has two of that name) and one typed as free text, on the report
card, in /queue's list and among an opened report's co-signers, on the question card and on the
verification card."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.content import CONTENT_DIR, load_associations
from bot.i18n import Translations
from bot.services.associations import sync_associations
from bot.services.hromadas import HromadaDirectory, load_oblasts, place_key
from bot.services.katottg import import_codifier
from bot.services.members import MemberService, RegistrationForm
from bot.services.questions import QuestionService
from bot.services.report_rules import load_report_rules
from bot.services.reports import ReportService
from bot.services.staff import StaffService
from dialogs.presenters import place_text
from dialogs.question_texts import render_card as question_card
from dialogs.queue_report import cosigners_text
from dialogs.report_card_texts import card_text
from dialogs.verification_texts import render_card as verification_card
from storage.db import Database
from storage.models import Member, StaffRole
from tests.conftest import FIXTURES
from tests.test_reports import ADMIN, WATER

KYIV_TZ = ZoneInfo("Europe/Kyiv")
PICKED = 21  # Білоцерківська громада, Київська область, from the codifier
TWIN = 22  # Миколаївська громада of Дніпровський raion: the oblast has two Миколаївська
TYPED = 23  # typed "Іллінецька ТГ" in Вінницька область
PLACES = {
    PICKED: ("UA32020010000093088", None, "UA32000000000030281"),
    TWIN: ("UA12020090000044548", None, "UA12000000000090473"),
    TYPED: (None, "Іллінецька ТГ", "UA05000000000010236"),
}
SHOWN = {
    PICKED: "Білоцерківська громада, Київська область",
    TWIN: "Миколаївська громада (Дніпровський р-н), Дніпропетровська область",
    TYPED: "Іллінецька ТГ, Вінницька область",
}
UK = Translations().get("uk")
VAG_STAFF = 501


@pytest.fixture
async def db_with_members(db: Database) -> Database:
    await import_codifier(db, FIXTURES / "katottg_small.csv")
    await sync_associations(db, load_associations())
    await StaffService(db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    members = MemberService(db)
    for telegram_id, (code, text, oblast) in PLACES.items():
        await members.set_locale(telegram_id, "uk")
        await members.register(
            telegram_id,
            RegistrationForm(
                full_name=f"Голова {telegram_id}",
                role="hromada_head",
                oblast_code=oblast,
                hromada_code=code,
                hromada_text=text or "",
                association_codes=["vag"],
                associations_unsure=False,
            ),
        )
    async with db.transaction() as session:
        await session.execute(update(Member).values(verification="verified"))
    return db


def directory(db: Database) -> HromadaDirectory:
    return HromadaDirectory(db, load_oblasts(CONTENT_DIR / "oblasts.yaml"))


def report_service(db: Database) -> ReportService:
    oblasts = load_oblasts(CONTENT_DIR / "oblasts.yaml")
    return ReportService(db, load_report_rules(), frozenset({ADMIN.telegram_id}), oblasts=oblasts)


@pytest.mark.parametrize("reporter", [PICKED, TWIN, TYPED])
async def test_the_report_card_and_the_queue_list(db_with_members: Database, reporter: int) -> None:
    reports = report_service(db_with_members)
    filed = await reports.submit(reporter, WATER)
    card = await reports.card(filed.id)
    assert card is not None
    assert SHOWN[reporter] in card_text(UK, card, KYIV_TZ)

    page = await reports.queue(await StaffService(db_with_members).rights(VAG_STAFF))
    [item] = page.items
    assert place_text(UK, item.place) == SHOWN[reporter]


async def test_an_opened_reports_cosigners(db_with_members: Database) -> None:
    reports = report_service(db_with_members)
    filed = await reports.submit(PICKED, WATER)
    for cosigner in (TWIN, TYPED):
        await reports.cosign(filed.id, cosigner)
    card = await reports.card(filed.id)
    assert card is not None
    view = card.view
    places = await directory(db_with_members).places(place_key(s) for s in view.supporters)
    shown = "\n".join(cosigners_text(UK, view, places, KYIV_TZ))
    assert SHOWN[TWIN] in shown and SHOWN[TYPED] in shown
    assert "UA12020090000044548" not in shown  # never the raw code


@pytest.mark.parametrize("asker", [PICKED, TWIN, TYPED])
async def test_the_question_card(db_with_members: Database, asker: int) -> None:
    questions = QuestionService(db_with_members, hromadas=directory(db_with_members))
    asked = await questions.ask(asker, "Як подати проєкт у DREAM?", "uk")
    view = await questions.card(asked.question_id)
    assert view is not None
    assert SHOWN[asker] in question_card(UK, view, KYIV_TZ)


@pytest.mark.parametrize("member", [PICKED, TWIN, TYPED])
async def test_the_verification_card(db_with_members: Database, member: int) -> None:
    profile = await MemberService(db_with_members).get(member)
    assert profile is not None
    card = await verification_card(
        UK,
        profile,
        hromadas=directory(db_with_members),
        associations=load_associations(),
        tz=KYIV_TZ,
    )
    assert SHOWN[member] in card
