"""Urgent-issue reports on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
submission, drafts, co-signing, similar reports, staff actions, the queue and the history."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.members import InvalidInput, MemberService, RegistrationForm
from bot.services.report_rules import load_report_rules
from bot.services.reports import (
    ATTACHMENTS_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Actor,
    AlreadyTaken,
    AttachmentIn,
    QueueFilter,
    ReportClosed,
    ReportForm,
    ReportService,
    TransitionRefused,
    UnknownReport,
    normalise_reference,
)
from bot.services.staff import PermissionDenied, StaffService
from bot.services.staff_chats import StaffChatService
from storage.db import Database
from storage.models import AuditEvent, Member, Report, ReportStatus, StaffRole, utcnow

ADMIN = Actor(1, "Адмін")
VAG = Actor(501, "Ірина з ВАГ")
VAG_2 = Actor(503, "Петро з ВАГ")
UAROR = Actor(502, "Олег з УАРОР")
AOTG = Actor(504, "Анна з АОТГ")
GROUP_VAG = -100111
GROUP_AOTG = -100222

VINNYTSIA = "UA05000000000010236"
VOLYN = "UA07000000000024379"

WATER = ReportForm(
    category="energy_utilities",
    urgency="critical",
    title="Зупинилась водопровідна насосна станція після обстрілу",
    description=(
        "Після обстрілу пошкоджено насосну станцію, громада без водопостачання. "
        "Потрібен генератор і ремонтна бригада."
    ),
)
SCHOOL = ReportForm(
    category="education",
    urgency="normal",
    title="Закриття опорної школи через оптимізацію мережі",
    description="Міністерство пропонує закрити ліцей, діти їздитимуть за 30 кілометрів.",
)


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    staff = StaffService(db)
    await staff.grant(VAG.telegram_id, StaffRole.STAFF, "vag")
    await staff.grant(VAG_2.telegram_id, StaffRole.STAFF, "vag")
    await staff.grant(UAROR.telegram_id, StaffRole.STAFF, "uaror")
    await staff.grant(AOTG.telegram_id, StaffRole.STAFF, "aotg")
    return db


def service(db: Database, **kwargs: float) -> ReportService:
    return ReportService(db, load_report_rules(), frozenset({ADMIN.telegram_id}), **kwargs)


async def register(
    db: Database,
    telegram_id: int,
    codes: list[str],
    *,
    hromada: str = "Іллінецька",
    oblast: str = VINNYTSIA,
    verified: bool = True,
    locale: str = "uk",
    unsure: bool = False,
) -> None:
    members = MemberService(db)
    await members.set_locale(telegram_id, locale)
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=f"Голова {telegram_id}",
            role="hromada_head",
            oblast_code=oblast,
            hromada_code=None,
            hromada_text=hromada,
            association_codes=codes,
            associations_unsure=unsure,
        ),
    )
    if verified:
        async with db.transaction() as session:
            await session.execute(
                update(Member)
                .where(Member.telegram_id == telegram_id)
                .values(verification="verified")
            )


async def audit_actions(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# ------------------------------------------------------------------------------ submitting


async def test_submit_numbers_routes_and_sets_the_deadline(synced: Database) -> None:
    await register(synced, 11, ["uaror"])
    reports = service(synced)
    first = await reports.submit(11, WATER)
    second = await reports.submit(
        11, ReportForm(**{**WATER.__dict__, "category": "legislation", "urgency": "high"})
    )
    year = first.deadline_at.astimezone(ZoneInfo("Europe/Kyiv")) - timedelta(hours=48)
    assert first.reference == f"R-{year.year}-00001"
    assert second.reference == f"R-{year.year}-00002"
    assert first.association_codes == ("uaror",)  # no lead for energy: the reporter's own
    assert second.association_codes == ("vag", "uaror")  # legislation: VAG leads
    view = await reports.report(first.id)
    assert view is not None
    assert view.status == "new" and view.reporter_verified
    assert view.deadline_at - view.submitted_at == timedelta(hours=48)
    assert view.hromada_text == "Іллінецька" and view.oblast_code == VINNYTSIA
    second_view = await reports.report(second.id)
    assert second_view is not None
    assert second_view.deadline_at - second_view.submitted_at == timedelta(hours=168)
    assert "report.status" in await audit_actions(synced)


async def test_the_card_goes_to_the_groups_of_the_routed_associations(synced: Database) -> None:
    chats = StaffChatService(synced, frozenset({ADMIN.telegram_id}))
    await chats.bind(GROUP_VAG, "ВАГ", "vag", ADMIN.telegram_id)
    await chats.bind(GROUP_AOTG, "АОТГ", "aotg", ADMIN.telegram_id)
    await register(synced, 11, ["aotg"])
    submitted = await service(synced).submit(
        11, ReportForm(**{**SCHOOL.__dict__, "category": "legislation"})
    )
    assert [c.chat_id for c in submitted.chats] == [GROUP_VAG, GROUP_AOTG]

    reports = service(synced)
    await reports.add_cards(submitted.id, [(GROUP_VAG, 7)])
    assert await reports.report_for_card(GROUP_VAG, 7) == submitted.id
    joint = await reports.mark_joint(submitted.id, VAG)
    assert joint.entry is not None
    assert [c.chat_id for c in joint.chats] == [GROUP_AOTG]  # VAG's group has the card already


async def test_unsure_members_report_to_every_association(synced: Database) -> None:
    await register(synced, 11, [], unsure=True)
    submitted = await service(synced).submit(11, SCHOOL)
    assert submitted.association_codes == ("vag", "aotg", "uaror")


async def test_twenty_submissions_at_once_get_twenty_numbers(synced: Database) -> None:
    for telegram_id in range(100, 120):
        await register(synced, telegram_id, ["vag"])
    reports = service(synced)
    submitted = await asyncio.gather(*(reports.submit(t, SCHOOL) for t in range(100, 120)))
    numbers = sorted(int(s.reference[-5:]) for s in submitted)
    assert numbers == list(range(1, 21))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": "x" * (TITLE_MAX + 1)}, "too-long"),
        ({"title": "   "}, "empty"),
        ({"description": "x" * (DESCRIPTION_MAX + 1)}, "too-long"),
        ({"residents": -1}, "negative"),
        ({"affected_groups": ["women", "aliens"]}, "unknown-group"),
        ({"dream_id": "DREAM-UA-07082-07BFF93A"}, "bad-dream-id"),
        ({"dream_id": "DREAM-UA-070825-07BFF93G"}, "bad-dream-id"),
        ({"category": "weather"}, "unknown-category"),
        ({"urgency": "whenever"}, "unknown-urgency"),
        (
            {"attachments": [AttachmentIn("photo", f"f{i}", f"u{i}") for i in range(11)]},
            "too-many-attachments",
        ),
        ({"attachments": [AttachmentIn("voice", "f", "u")]}, "bad-attachment"),
    ],
)
async def test_bad_forms_are_refused_and_nothing_is_stored(
    synced: Database, change: dict[str, object], code: str
) -> None:
    await register(synced, 11, ["vag"])
    with pytest.raises(InvalidInput) as error:
        await service(synced).submit(11, ReportForm(**{**WATER.__dict__, **change}))  # type: ignore[arg-type]
    assert error.value.code == code
    if code == "too-long" and "title" in change:
        assert error.value.limits["limit"] == TITLE_MAX
    async with synced.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0


async def test_the_optional_fields_are_normalised(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    attachments = [AttachmentIn("photo", f"f{i}", f"u{i}") for i in range(ATTACHMENTS_MAX - 1)]
    attachments.append(AttachmentIn("document", "doc", "udoc", "акт.pdf"))
    form = ReportForm(
        **{
            **WATER.__dict__,
            "title": "  Насосна   станція  ",
            "residents": "12 500",
            "affected_groups": ["veterans", "children", "children", "idp"],
            "dream_id": " dream-ua-070825-07bff93a ",
            "attachments": attachments,
        }
    )
    reports = service(synced)
    view = await reports.report((await reports.submit(11, form)).id)
    assert view is not None
    assert view.title == "Насосна станція"
    assert view.residents == 12500
    assert view.affected_groups == ("children", "idp", "veterans")
    assert view.dream_id == "DREAM-UA-070825-07BFF93A"
    assert len(view.attachments) == ATTACHMENTS_MAX
    assert view.attachments[-1].file_name == "акт.pdf"


async def test_only_registered_members_submit(synced: Database) -> None:
    await MemberService(synced).set_locale(11, "uk")
    with pytest.raises(InvalidInput, match="not-registered"):
        await service(synced).submit(11, WATER)


# ------------------------------------------------------------------------------ drafts


async def test_a_draft_is_resumed_replaced_discarded_and_gone_after_submit(
    synced: Database,
) -> None:
    await register(synced, 11, ["vag"])
    reports = service(synced)
    assert await reports.draft(11) is None
    await reports.save_draft(11, {"category": "education"})
    await reports.save_draft(11, {"category": "education", "title": "Школа"})
    draft = await reports.draft(11)
    assert draft is not None and draft.data == {"category": "education", "title": "Школа"}
    assert await reports.discard_draft(11) is True
    assert await reports.draft(11) is None
    assert await reports.discard_draft(11) is False

    await reports.save_draft(11, {"category": "education"})
    await reports.submit(11, SCHOOL)
    assert await reports.draft(11) is None


# ------------------------------------------------------------------------------ co-signing


async def test_cosigning_counts_verified_members_only(synced: Database) -> None:
    await register(synced, 11, ["vag"], hromada="Іллінецька", oblast=VINNYTSIA)
    await register(synced, 12, ["vag"], hromada="Луцька", oblast=VOLYN)
    await register(synced, 13, ["vag"], hromada="Ковельська", oblast=VOLYN, verified=False)
    await register(synced, 14, ["vag"], hromada="іллінецька", oblast=VINNYTSIA)
    reports = service(synced)
    submitted = await reports.submit(11, ReportForm(**{**WATER.__dict__, "residents": 1000}))
    assert (await reports.cosign(submitted.id, 12, residents=5000)).supporters == 1
    assert (await reports.cosign(submitted.id, 13, residents=700)).supporters == 2
    again = await reports.cosign(submitted.id, 12)
    assert not again.changed and again.supporters == 2
    await reports.cosign(submitted.id, 14, residents=1500)  # the same hromada as the reporter

    figures = await reports.figures(submitted.id)
    assert (figures.hromadas, figures.oblasts) == (2, 2)
    assert figures.residents == 1500 + 5000  # the larger figure for Іллінецька
    assert (figures.members, figures.unverified_members) == (3, 1)
    everyone = await reports.figures(submitted.id, verified_only=False)
    assert (everyone.hromadas, everyone.residents, everyone.members) == (3, 7200, 4)

    withdrawn = await reports.withdraw(submitted.id, 12)
    assert withdrawn.changed and withdrawn.supporters == 2
    assert not (await reports.withdraw(submitted.id, 12)).changed
    figures = await reports.figures(submitted.id)
    assert (figures.hromadas, figures.oblasts, figures.residents) == (1, 1, 1500)

    with pytest.raises(InvalidInput, match="own-report"):
        await reports.cosign(submitted.id, 11)
    with pytest.raises(UnknownReport):
        await reports.cosign(9999, 12)
    await reports.set_status(submitted.id, VAG, "declined", reason="Дублікат")
    with pytest.raises(ReportClosed):
        await reports.cosign(submitted.id, 12)


# ------------------------------------------------------------------------------ similar reports


async def test_similar_open_finds_a_paraphrase_and_not_a_closed_one(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    await register(synced, 12, ["vag"], hromada="Луцька", oblast=VOLYN)
    reports = service(synced)
    water = await reports.submit(11, WATER)
    school = await reports.submit(11, SCHOOL)
    await reports.cosign(water.id, 12)

    found = await reports.similar_open(
        "Немає води в громаді: насосна станція не працює після обстрілу", exclude_member=12
    )
    assert [s.reference for s in found][:1] == [water.reference]
    assert found[0].hromada_count == 2
    assert school.id not in {s.id for s in found}

    assert await reports.similar_open("насосна станція", exclude_member=11) == []  # own
    await reports.set_status(water.id, VAG, "in_progress")
    await reports.set_status(water.id, VAG, "resolved")
    assert await reports.similar_open("насосна станція водопостачання") == []


async def test_similar_open_with_a_whole_draft_as_the_query(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    await register(synced, 12, ["vag"], hromada="Луцька", oblast=VOLYN)
    reports = service(synced)
    water = await reports.submit(11, WATER)
    others = [
        await reports.submit(11, SCHOOL),
        await reports.submit(
            11,
            ReportForm(
                category="budget",
                urgency="high",
                title="Вилучення ПДФО військовослужбовців з місцевих бюджетів",
                description="Громада втратила третину доходів загального фонду бюджету.",
            ),
        ),
        await reports.submit(
            11,
            ReportForm(
                category="land_planning",
                urgency="normal",
                title="Немає коштів на комплексний план просторового розвитку",
                description="Без плану громада не може виділяти земельні ділянки під забудову.",
            ),
        ),
    ]
    draft = (
        "Громада без води. Насосну станцію водоканалу зруйновано під час атаки, "
        "водопостачання відсутнє третю добу; потрібні генератори та кошти на ремонт обладнання."
    )
    found = await reports.similar_open(draft, exclude_member=12)
    assert [s.id for s in found] == [water.id]
    assert not {s.id for s in found} & {report.id for report in others}


async def test_another_process_sees_new_and_closed_reports_after_refresh(
    synced: Database,
) -> None:
    await register(synced, 11, ["vag"])
    here, there = service(synced), service(synced, index_max_age=0.0)
    assert await there.similar_open("насосна станція") == []  # builds its index
    water = await here.submit(11, WATER)
    assert [s.id for s in await there.similar_open("насосна станція")] == [water.id]
    await here.set_status(water.id, VAG, "declined", reason="Вирішено на місці")
    assert await there.similar_open("насосна станція") == []


# ------------------------------------------------------------------------------ staff actions


async def test_two_takes_at_once_one_wins(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    reports = service(synced)
    submitted = await reports.submit(11, WATER)
    results = await asyncio.gather(
        reports.take(submitted.id, VAG), reports.take(submitted.id, VAG_2), return_exceptions=True
    )
    lost = [r for r in results if isinstance(r, AlreadyTaken)]
    assert len(lost) == 1
    view = await reports.report(submitted.id)
    assert view is not None and view.assignee_name in {VAG.name, VAG_2.name}
    assert lost[0].by_name == view.assignee_name
    winner = VAG if view.assignee_name == VAG.name else VAG_2
    assert await reports.take(submitted.id, winner) is None  # theirs already


async def test_two_status_changes_at_once_the_second_sees_the_first(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    reports = service(synced)
    submitted = await reports.submit(11, WATER)
    results = await asyncio.gather(
        reports.set_status(submitted.id, VAG, "in_progress"),
        reports.set_status(submitted.id, VAG_2, "in_progress"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert len(refused) == 1 and refused[0].current == "in_progress"
    history = await reports.history(submitted.id)
    assert [e.after for e in history if e.kind == "status"][1:] == [{"status": "in_progress"}]


async def test_status_transitions(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    reports = service(synced)
    submitted = await reports.submit(11, WATER)
    with pytest.raises(TransitionRefused):
        await reports.set_status(submitted.id, VAG, "resolved")
    with pytest.raises(TransitionRefused):
        await reports.set_status(submitted.id, VAG, "merged")
    with pytest.raises(InvalidInput, match="reason-required"):
        await reports.set_status(submitted.id, VAG, "declined", reason="  ")

    await reports.set_status(submitted.id, VAG, "in_progress")
    view = await reports.report(submitted.id)
    assert view is not None and view.first_response_at is not None and view.resolved_at is None
    await reports.set_status(submitted.id, VAG, "escalated")
    with pytest.raises(TransitionRefused):
        await reports.set_status(submitted.id, VAG, "in_progress")
    entry = await reports.set_status(submitted.id, VAG, "resolved")
    assert (entry.before, entry.after) == ({"status": "escalated"}, {"status": "resolved"})
    view = await reports.report(submitted.id)
    assert view is not None and view.status == "resolved" and view.resolved_at is not None
    with pytest.raises(ReportClosed):
        await reports.set_status(submitted.id, VAG, "declined", reason="Ні")
    with pytest.raises(ReportClosed):
        await reports.take(submitted.id, VAG)


async def test_rights_are_checked_on_every_action(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    await register(synced, 12, ["vag"])
    reports = service(synced)
    submitted = await reports.submit(11, WATER)  # routed to VAG only
    outsider = Actor(999, "Хтось")
    for actor in (UAROR, outsider):
        with pytest.raises(PermissionDenied):
            await reports.take(submitted.id, actor)
        with pytest.raises(PermissionDenied):
            await reports.set_status(submitted.id, actor, "in_progress")
        with pytest.raises(PermissionDenied):
            await reports.reply(submitted.id, actor, "Відповідь")
        with pytest.raises(PermissionDenied):
            await reports.mark_joint(submitted.id, actor)
    with pytest.raises(PermissionDenied):
        await reports.reporter_reply(submitted.id, 12, "Я не автор")
    await reports.note(submitted.id, ADMIN, "Адміністратор може все")

    # Joint: every association's staff may act and state their own association's position.
    with pytest.raises(InvalidInput, match="not-joint"):
        await reports.set_position(submitted.id, VAG, "vag", "supports")
    await reports.mark_joint(submitted.id, VAG)
    await reports.note(submitted.id, UAROR, "Підтримуємо")
    await reports.set_position(submitted.id, UAROR, "uaror", "supports", "Потрібне рішення КМУ")
    await reports.set_position(submitted.id, UAROR, "uaror", "neutral")
    with pytest.raises(PermissionDenied):
        await reports.set_position(submitted.id, UAROR, "vag", "opposes")
    with pytest.raises(PermissionDenied):
        await reports.note(submitted.id, outsider, "Ні")
    with pytest.raises(UnknownReport):
        await reports.take(9999, VAG)
    view = await reports.report(submitted.id)
    assert view is not None and view.joint
    assert [(p.association_code, p.position, p.comment) for p in view.positions] == [
        ("uaror", "neutral", None)
    ]


async def test_history_hides_internal_notes_from_members(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    reports = service(synced)
    submitted = await reports.submit(11, WATER)
    await reports.take(submitted.id, VAG)
    await reports.note(submitted.id, VAG, "Телефонували в ОВА, чекаємо")
    await reports.reply(submitted.id, VAG, "Генератор виїхав")
    await reports.reporter_reply(submitted.id, 11, "Дякуємо, чекаємо")
    await reports.set_status(submitted.id, VAG, "in_progress")

    public = await reports.history(submitted.id)
    assert [e.kind for e in public] == ["status", "reply", "reporter_reply", "status"]
    assert "Телефонували в ОВА, чекаємо" not in [e.text for e in public]
    full = await reports.history(submitted.id, include_internal=True)
    assert [e.kind for e in full] == [
        "status",
        "assign",
        "note",
        "reply",
        "reporter_reply",
        "status",
    ]
    view = await reports.report(submitted.id)
    assert view is not None and view.first_response_at is not None  # the reply
    actions = await audit_actions(synced)
    assert {"report.assign", "report.note", "report.reply", "report.reporter_reply"} <= set(actions)
    async with synced.transaction() as session:
        details = list(await session.scalars(select(AuditEvent.after)))
    assert not any("Телефонували" in str(after) for after in details)  # no text in the audit


async def test_merge_moves_the_reporter_and_cosigners(synced: Database) -> None:
    await register(synced, 11, ["vag"], hromada="Іллінецька")
    await register(synced, 12, ["vag"], hromada="Луцька", oblast=VOLYN, locale="en")
    await register(synced, 13, ["vag"], hromada="Ковельська", oblast=VOLYN)
    await register(synced, 14, ["vag"], hromada="Жмеринська")
    reports = service(synced)
    target = await reports.submit(11, WATER)
    duplicate = await reports.submit(12, ReportForm(**{**WATER.__dict__, "residents": 300}))
    await reports.cosign(duplicate.id, 13)
    await reports.cosign(duplicate.id, 11)  # the target's reporter: not a co-signer of their own
    await reports.cosign(duplicate.id, 14)
    await reports.withdraw(duplicate.id, 14)

    with pytest.raises(InvalidInput, match="merge-self"):
        await reports.merge(duplicate.id, duplicate.id, VAG)
    entry = await reports.merge(duplicate.id, target.id, VAG)
    assert entry.after is not None and entry.after["into"] == target.reference
    assert entry.after["moved"] == 2

    merged = await reports.report(duplicate.id)
    assert merged is not None and merged.status == "merged"
    assert merged.merged_into_reference == target.reference
    view = await reports.report(target.id)
    assert view is not None
    assert {s.telegram_id for s in view.supporters} == {12, 13}
    assert view.figures.hromadas == 3 and view.figures.oblasts == 2
    assert sorted(await reports.recipients(target.id)) == [(11, "uk"), (12, "en"), (13, "uk")]
    assert [r.reference for r in await reports.member_reports(12)] == [
        duplicate.reference,
        target.reference,
    ]
    with pytest.raises(ReportClosed):
        await reports.merge(duplicate.id, target.id, VAG)
    other = await reports.submit(13, SCHOOL)
    with pytest.raises(ReportClosed):
        await reports.merge(other.id, duplicate.id, VAG)  # into a closed one


async def test_recipients_and_member_reports(synced: Database) -> None:
    await register(synced, 11, ["vag"], locale="en")
    await register(synced, 12, ["vag"])
    await register(synced, 13, ["vag"])
    reports = service(synced)
    water = await reports.submit(11, WATER)
    school = await reports.submit(12, SCHOOL)
    await reports.cosign(water.id, 12)
    await reports.cosign(water.id, 13)
    await reports.withdraw(water.id, 13)
    await MemberService(synced).set_reachable(12, False)
    assert await reports.recipients(water.id) == [(11, "en")]
    await MemberService(synced).set_reachable(12, True)
    assert await reports.recipients(water.id) == [(11, "en"), (12, "uk")]

    mine = await reports.member_reports(12)
    assert [(r.reference, r.own, r.status) for r in mine] == [
        (school.reference, True, "new"),
        (water.reference, False, "new"),
    ]
    assert await reports.member_reports(13) == []
    assert await reports.member_report(water.id, 12) is not None
    assert await reports.member_report(water.id, 13) is None  # withdrew


async def test_by_reference_as_read_out(synced: Database) -> None:
    await register(synced, 11, ["vag"])
    reports = service(synced)
    submitted = await reports.submit(11, WATER)
    year, number = submitted.reference.split("-")[1:]
    view = await reports.by_reference(f" r {year} {int(number)} ")
    assert view is not None and view.id == submitted.id
    assert await reports.by_reference("R-1999-00001") is None
    assert await reports.by_reference("щось") is None
    assert normalise_reference("r-2026-42") == "R-2026-00042"


# ------------------------------------------------------------------------------ the queue


async def test_queue_filters_pages_and_overdue(synced: Database) -> None:
    await register(synced, 11, ["vag"], oblast=VINNYTSIA)
    await register(synced, 12, ["uaror"], oblast=VOLYN)
    reports = service(synced)
    normal = await reports.submit(11, SCHOOL)  # vag, normal
    critical = await reports.submit(11, WATER)  # vag, critical
    high = await reports.submit(11, ReportForm(**{**SCHOOL.__dict__, "urgency": "high"}))
    uaror = await reports.submit(12, WATER)  # uaror, Volyn
    vag_rights = await reports.staff.rights(VAG.telegram_id)
    admin_rights = await reports.staff.rights(ADMIN.telegram_id)

    page = await reports.queue(vag_rights)
    assert [i.id for i in page.items] == [critical.id, high.id, normal.id]  # urgency first
    assert page.total == 3 and page.pages == 1
    everything = await reports.queue(admin_rights, per_page=2)
    assert everything.total == 4 and everything.pages == 2
    assert [i.id for i in everything.items] == [critical.id, uaror.id]  # then by deadline
    second = await reports.queue(admin_rights, page=2, per_page=2)
    assert [i.id for i in second.items] == [high.id, normal.id]

    by_oblast = await reports.queue(admin_rights, QueueFilter(oblast_code=VOLYN))
    assert [i.id for i in by_oblast.items] == [uaror.id]
    by_category = await reports.queue(vag_rights, QueueFilter(category="education"))
    assert {i.id for i in by_category.items} == {normal.id, high.id}
    by_urgency = await reports.queue(admin_rights, QueueFilter(urgency="critical"))
    assert {i.id for i in by_urgency.items} == {critical.id, uaror.id}

    async with synced.transaction() as session:
        await session.execute(
            update(Report)
            .where(Report.id.in_([critical.id, uaror.id, high.id]))
            .values(deadline_at=utcnow() - timedelta(hours=1))
        )
    await reports.reply(high.id, VAG, "Відповіли вчасно")  # a response after the deadline...
    overdue = await reports.queue(vag_rights, QueueFilter(overdue=True))
    assert [i.id for i in overdue.items] == [critical.id]  # ...still stops the clock

    await reports.set_status(normal.id, VAG, "in_progress")
    in_progress = await reports.queue(vag_rights, QueueFilter(status="in_progress"))
    assert [i.id for i in in_progress.items] == [normal.id]
    await reports.set_status(normal.id, VAG, "declined", reason="Поза повноваженнями")
    assert normal.id not in {i.id for i in (await reports.queue(vag_rights)).items}
    declined = await reports.queue(vag_rights, QueueFilter(status=ReportStatus.DECLINED))
    assert [i.id for i in declined.items] == [normal.id]

    # UAROR staff see the VAG reports once they are joint.
    uaror_rights = await reports.staff.rights(UAROR.telegram_id)
    assert [i.id for i in (await reports.queue(uaror_rights)).items] == [uaror.id]
    await reports.mark_joint(high.id, VAG)
    assert {i.id for i in (await reports.queue(uaror_rights)).items} == {uaror.id, high.id}

    with pytest.raises(PermissionDenied):
        await reports.queue(await reports.staff.rights(999))
