"""Members' data rights on a real database (SQLite or PostgreSQL): the export holds everything
the database holds about the member and nothing of anyone else; the erasure leaves no trace of
the person while their reports, co-signatures and figures keep their place."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import func, select

from bot.content import (
    CONTENT_DIR,
    ContentError,
    load_associations,
    load_privacy_notice,
)
from bot.i18n import Translations
from bot.names import Names
from bot.services.associations import sync_associations
from bot.services.hromadas import load_oblasts
from bot.services.members import MemberService, RegistrationForm
from bot.services.privacy import (
    ERASED,
    NoSuchMember,
    PrivacyService,
    StaffMustBeRevoked,
)
from bot.services.questions import QuestionService
from bot.services.report_rules import load_report_rules
from bot.services.reports import (
    Actor,
    AttachmentIn,
    QueueFilter,
    ReportForm,
    ReportService,
)
from bot.services.retention import RetentionPeriods
from bot.services.staff import StaffService
from bot.services.verification import VerificationService
from bot.settings import Settings
from dialogs.privacy_texts import export_html, notice_text
from storage.db import Database
from storage.fsm import belongs_to, default_key_builder, delete_user_records, forget_user
from storage.models import (
    AuditEvent,
    Base,
    Broadcast,
    BroadcastDelivery,
    DeliveryStatus,
    FsmRecord,
    KbFeedback,
    Member,
    ReportDraft,
    ReportEvent,
    StaffRole,
    VerificationCard,
    utcnow,
)

ADMIN = 1
VAG_STAFF = 765_432_198
# Distinctive ids, so that a search of every column cannot match them by chance.
MEMBER = 987_654_321
OTHER = 876_543_219
NAME = "Олена Петренко"
PHONE = "+380501234567"
OTHER_NAME = "Іван Бондар"
OTHER_PHONE = "+380679876543"
OBLAST = "UA05000000000010236"


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    await StaffService(db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
    return db


def reports(db: Database) -> ReportService:
    return ReportService(db, load_report_rules(), frozenset({ADMIN}))


async def register(
    db: Database, telegram_id: int, name: str, phone: str, hromada: str, locale: str = "uk"
) -> None:
    members = MemberService(db)
    await members.set_locale(telegram_id, locale)
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name=name,
            role="hromada_head",
            oblast_code=OBLAST,
            hromada_code=None,
            hromada_text=hromada,
            association_codes=["vag"],
            phone=phone,
        ),
    )
    await VerificationService(db).decide(telegram_id, VAG_STAFF, True, staff_name="Ірина Коваль")


async def submit(db: Database, telegram_id: int, title: str, residents: int) -> int:
    return (
        await reports(db).submit(
            telegram_id,
            ReportForm(
                category="legislation",
                urgency="critical",
                title=title,
                description=f"{title}: подробиці.",
                residents=residents,
                attachments=[AttachmentIn("document", "file-1", "uniq-1", "акт.pdf")],
            ),
        )
    ).id


async def seed(db: Database) -> dict[str, Any]:
    """Two members with every kind of row each: reports, co-signatures, history, a draft,
    questions with answers, knowledge-base votes, announcements, dialog state, cards."""
    await register(db, MEMBER, NAME, PHONE, "Іллінецька")
    await register(db, OTHER, OTHER_NAME, OTHER_PHONE, "Барська", locale="en")
    service = reports(db)
    staff = Actor(VAG_STAFF, "Ірина Коваль")
    own = await submit(db, MEMBER, "Школа без опалення", 1200)
    others = await submit(db, OTHER, "Міст зруйновано", 800)
    await service.cosign(own, OTHER, residents=800)
    await service.cosign(others, MEMBER, residents=1200)
    await service.reply(own, staff, "Передали до міністерства.")
    await service.note(own, staff, "Внутрішня примітка для секретаріату")
    await service.reporter_reply(own, MEMBER, "Дякуємо, чекаємо.")
    await service.save_draft(MEMBER, {"title": "Чернетка про дороги"})
    await service.save_draft(OTHER, {"title": "Other's draft"})
    questions = QuestionService(db, frozenset({ADMIN}))
    asked = await questions.ask(MEMBER, "Як подати проєкт у DREAM?", "uk")
    await questions.answer(asked.question_id, VAG_STAFF, "Ірина Коваль", "Через портал DREAM.")
    await questions.ask(OTHER, "Other's question about budgets?", "en")
    await questions.record_feedback(MEMBER, "dream", True)
    await questions.record_feedback(OTHER, "dream", False)
    await reports(db).add_cards(own, [(-100500, 7001)])
    await questions.add_cards(asked.question_id, [(-100500, 7002)])
    async with db.transaction() as session:
        ids = dict((await session.execute(select(Member.telegram_id, Member.id))).all())
        session.add(VerificationCard(member_id=ids[MEMBER], chat_id=-100500, message_id=7000))
        broadcast = Broadcast(
            author_telegram_id=VAG_STAFF,
            text_uk="Засідання <b>правління</b> у вівторок.",
            text_en="Board meeting on Tuesday.",
            audience={"associations": [], "oblasts": [], "roles": []},
            recipients=2,
        )
        pending = Broadcast(
            author_telegram_id=VAG_STAFF,
            text_uk="Ще не надіслане оголошення.",
            audience={"associations": [], "oblasts": [], "roles": []},
            recipients=1,
        )
        session.add_all([broadcast, pending])
        await session.flush()
        for member, locale in ((MEMBER, "uk"), (OTHER, "en")):
            session.add(
                BroadcastDelivery(
                    broadcast_id=broadcast.id,
                    member_id=ids[member],
                    chat_id=member,
                    locale=locale,
                    status=DeliveryStatus.SENT,
                    finished_at=utcnow(),
                )
            )
        session.add(
            BroadcastDelivery(
                broadcast_id=pending.id, member_id=ids[MEMBER], chat_id=MEMBER, locale="uk"
            )
        )
        for user in (MEMBER, OTHER):
            session.add(FsmRecord(key=f"fsm:{user}:{user}:aiogd:stack:", data={"intents": ["a"]}))
            session.add(FsmRecord(key=f"fsm:{user}:{user}:aiogd:context:a{user}", data={"x": 1}))
        # A dialog of the member's in a staff group: its stack names its contexts.
        session.add(
            FsmRecord(key=f"fsm:-100500:-100500:aiogd:stack:<{MEMBER}>", data={"intents": ["g1"]})
        )
        session.add(FsmRecord(key="fsm:-100500:-100500:aiogd:context:g1", data={"y": 2}))
    return {"own": own, "others": others, "question": asked.question_id, "ids": ids}


# ------------------------------------------------------------------------------ export


async def test_the_export_holds_everything_about_the_member_and_nothing_of_others(
    synced: Database,
) -> None:
    db = synced
    seeded = await seed(db)
    await StaffService(db).grant(MEMBER, StaffRole.STAFF, "aotg")
    data = await PrivacyService(db).export(MEMBER)
    member_id = seeded["ids"][MEMBER]

    profile = data["profile"]
    assert data["export"]["telegram_id"] == MEMBER
    assert profile["telegram_id"] == MEMBER and profile["full_name"] == NAME
    assert profile["phone"] == PHONE and profile["hromada_text"] == "Іллінецька"
    assert profile["associations"] == ["vag"] and profile["locale"] == "uk"
    assert profile["verification"] == "verified" and profile["consent_at"]
    assert data["staff_rights"][0]["role"] == "staff"
    assert data["staff_rights"][0]["association"] == "aotg"

    [report] = data["reports"]
    assert report["id"] == seeded["own"] and report["title"] == "Школа без опалення"
    assert report["residents"] == 1200 and report["associations"]
    assert report["attachments"] == [{"kind": "document", "file_name": "акт.pdf"}]
    history = [(e["kind"], e["text"], e["by_you"]) for e in report["history"]]
    assert ("reply", "Передали до міністерства.", False) in history
    assert ("reporter_reply", "Дякуємо, чекаємо.", True) in history
    assert all("Внутрішня примітка" not in str(e) for e in report["history"])  # internal
    [cosigned] = data["cosigned_reports"]
    assert cosigned["report_id"] == seeded["others"] and cosigned["residents"] == 1200
    assert data["report_draft"]["data"] == {"title": "Чернетка про дороги"}
    [question] = data["questions"]
    assert question["text"] == "Як подати проєкт у DREAM?"
    assert [a["text"] for a in question["answers"]] == ["Через портал DREAM."]
    texts = {a["text"]: a["status"] for a in data["announcements"]}
    assert texts == {
        "Засідання правління у вівторок.": "sent",
        "Ще не надіслане оголошення.": "pending",
    }
    assert [(v["slug"], v["helpful"]) for v in data["kb_feedback"]] == [("dream", True)]
    actions = [entry["action"] for entry in data["audit"]]
    for action in ("member.registered", "member.verification", "question.asked", "kb.feedback"):
        assert action in actions
    assert "report.reporter_reply" in actions

    # Compared with the database: one item per row of the member, in every table.
    async with db.transaction() as session:

        async def count(model: Any, *where: Any) -> int:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)))

        assert len(data["announcements"]) == await count(
            BroadcastDelivery, BroadcastDelivery.member_id == member_id
        )
        assert len(data["kb_feedback"]) == await count(
            KbFeedback, KbFeedback.member_id == member_id
        )
        assert len(data["audit"]) == await count(
            AuditEvent,
            ((AuditEvent.subject_type == "member") & (AuditEvent.subject_id == str(MEMBER)))
            | (AuditEvent.actor_id == MEMBER),
        )
        public = await count(
            ReportEvent, ReportEvent.report_id == seeded["own"], ReportEvent.public.is_(True)
        )
        assert len(report["history"]) == public

    dumped = json.dumps(data, ensure_ascii=False)
    for foreign in (OTHER_NAME, OTHER_PHONE, "Other's draft", "Other's question", str(OTHER)):
        assert foreign not in dumped
    assert "Ірина Коваль" not in dumped  # the officer who decided or answered is not named
    assert str(VAG_STAFF) not in dumped


async def test_no_export_for_someone_the_bot_does_not_know(synced: Database) -> None:
    with pytest.raises(NoSuchMember):
        await PrivacyService(synced).export(MEMBER)


# ------------------------------------------------------------------------------ erasure


async def _everything(db: Database) -> list[tuple[str, str, Any]]:
    """(table, column, value) of every non-null cell of every table."""
    cells = []
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(table.select())
            for row in rows.mappings():
                for column, value in row.items():
                    if value is not None:
                        cells.append((table.name, column, value))
    return cells


def _mentions(value: Any, needle: str) -> bool:
    if isinstance(value, dict | list):
        return needle in json.dumps(value, ensure_ascii=False)
    return needle in str(value)


async def test_erasure_leaves_the_telegram_id_and_personal_data_nowhere(
    synced: Database,
) -> None:
    db = synced
    seeded = await seed(db)
    service = reports(db)
    figures_before = await service.figures(seeded["own"])
    others_before = await service.figures(seeded["others"])
    audit_before = await _audit_count(db)

    erasure = await PrivacyService(db).erase(MEMBER)

    member_id = seeded["ids"][MEMBER]
    found = [
        (table, column)
        for table, column, value in await _everything(db)
        for needle in (str(MEMBER), NAME, PHONE)
        if _mentions(value, needle)
    ]
    assert found == []
    # The other member's data is untouched.
    cells = await _everything(db)
    assert any(_mentions(value, OTHER_NAME) for _, _, value in cells)
    assert any(table == "fsm_records" and str(OTHER) in str(v) for table, _, v in cells)

    async with db.transaction() as session:
        row = await session.get(Member, member_id)
        assert row is not None
        assert row.telegram_id == -member_id and row.erased_at is not None
        assert row.full_name is None and row.phone is None and row.role is None
        assert row.locale is None and row.consent_at is None and row.associations == []
        assert row.hromada_text == "Іллінецька" and row.oblast_code == OBLAST
        assert row.verification == "verified" and not row.reachable
        assert (
            await session.scalar(select(ReportDraft).where(ReportDraft.member_id == member_id))
            is None
        )
        assert (
            list(await session.scalars(select(KbFeedback).where(KbFeedback.member_id == member_id)))
            == []
        )
        deliveries = list(
            await session.scalars(
                select(BroadcastDelivery).where(BroadcastDelivery.member_id == member_id)
            )
        )
        assert [(d.status, d.chat_id) for d in deliveries] == [("sent", -member_id)]
        events = list(
            await session.scalars(
                select(ReportEvent).where(ReportEvent.actor_telegram_id == -member_id)
            )
        )
        assert events and all(e.actor_name is None for e in events)
        about = list(
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.subject_type == "member", AuditEvent.subject_id == str(-member_id)
                )
            )
        )
        registered = next(e for e in about if e.action == "member.registered")
        assert registered.after is not None
        assert registered.after["full_name"] == ERASED and registered.after["phone"] == ERASED
        assert registered.after["oblast_code"] == OBLAST  # the place stays, as on the row
        assert next(e for e in about if e.action == "member.erased").after == {"by": "member"}
        keys = set(await session.scalars(select(FsmRecord.key)))
        assert keys == {
            f"fsm:{OTHER}:{OTHER}:aiogd:stack:",
            f"fsm:{OTHER}:{OTHER}:aiogd:context:a{OTHER}",
        }
    assert await _audit_count(db) == audit_before + 1  # every event kept, the erasure added

    # The report stays in the queue as a deleted member's; the figures do not move.
    view = await service.report(seeded["own"])
    assert view is not None and view.reporter_erased and view.reporter_name is None
    assert view.hromada_text == "Іллінецька"
    admin = await StaffService(db, frozenset({ADMIN})).rights(ADMIN)
    queue = await service.queue(admin, QueueFilter())
    assert seeded["own"] in [item.id for item in queue.items]
    assert await service.figures(seeded["own"]) == figures_before
    assert await service.figures(seeded["others"]) == others_before
    cosigners = (await service.report(seeded["others"])).supporters  # type: ignore[union-attr]
    assert [s.erased for s in cosigners] == [True]
    question = await QuestionService(db).card(seeded["question"])
    assert question is not None and question.member.erased and question.member.full_name is None

    # What the caller must edit in the staff groups.
    assert [(c.chat_id, c.message_id) for c in erasure.verification_cards] == [(-100500, 7000)]
    assert erasure.report_ids == (seeded["own"],)
    assert erasure.question_ids == (seeded["question"],)
    assert erasure.removed["unsent_announcements"] == 1
    assert erasure.removed["dialog_state"] == 4

    # The same Telegram user starting again is a new, empty member.
    assert await MemberService(db).get(MEMBER) is None
    await MemberService(db).set_locale(MEMBER, "uk")
    fresh = await MemberService(db).get(MEMBER)
    assert fresh is not None and not fresh.registered and fresh.full_name is None
    assert await reports(db).draft(MEMBER) is None
    assert await reports(db).member_reports(MEMBER) == []
    data = await PrivacyService(db).export(MEMBER)
    assert data["reports"] == [] and data["questions"] == [] and data["announcements"] == []
    assert [e["action"] for e in data["audit"]] == ["member.locale"]


async def _audit_count(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEvent)))


async def test_staff_are_refused_until_their_rights_are_revoked(synced: Database) -> None:
    db = synced
    await register(db, MEMBER, NAME, PHONE, "Іллінецька")
    await StaffService(db).grant(MEMBER, StaffRole.STAFF, "aotg")
    with pytest.raises(StaffMustBeRevoked):
        await PrivacyService(db).erase(MEMBER)
    assert (await MemberService(db).get(MEMBER)) is not None
    with pytest.raises(StaffMustBeRevoked):
        await PrivacyService(db, frozenset({OTHER})).erase(OTHER)  # an ADMIN_IDS admin


async def test_erasing_someone_unknown_or_twice(synced: Database) -> None:
    db = synced
    with pytest.raises(NoSuchMember):
        await PrivacyService(db).erase(MEMBER)
    await register(db, MEMBER, NAME, PHONE, "Іллінецька")
    await PrivacyService(db).erase(MEMBER, by_operator=True)
    with pytest.raises(NoSuchMember):
        await PrivacyService(db).erase(MEMBER)
    async with db.transaction() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "member.erased"))
        assert event is not None and event.actor_id is None
        assert event.after == {"by": "operator"}


async def test_an_unregistered_member_can_be_erased(synced: Database) -> None:
    db = synced
    await MemberService(db).set_locale(MEMBER, "en")
    erasure = await PrivacyService(db).erase(MEMBER)
    assert erasure.cards == 0
    async with db.transaction() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Member).where(Member.telegram_id == MEMBER)
            )
            == 0
        )


# ------------------------------------------------------------------------------ dialog state


def test_the_keys_of_a_user_are_told_from_everyone_elses() -> None:
    assert belongs_to(f"fsm:{MEMBER}:{MEMBER}:aiogd:stack:", MEMBER)
    assert belongs_to(f"fsm:{MEMBER}:{MEMBER}:default", MEMBER)
    assert belongs_to(f"fsm:-100500:{MEMBER}:default", MEMBER)  # plain FSM state in a group
    assert belongs_to(f"fsm:-100500:77:{MEMBER}:default", MEMBER)  # in a forum topic
    assert belongs_to(f"fsm:-100500:-100500:aiogd:stack:<{MEMBER}>", MEMBER)
    assert not belongs_to(f"fsm:{OTHER}:{OTHER}:aiogd:stack:", MEMBER)
    assert not belongs_to(f"fsm:{MEMBER}1:{MEMBER}1:aiogd:stack:", MEMBER)
    assert not belongs_to(f"fsm:-100500:-100500:aiogd:context:{MEMBER}", MEMBER)
    assert not belongs_to("something:else", MEMBER)


async def test_dialog_state_of_one_user_is_deleted_with_the_group_dialogs_it_names(
    db: Database,
) -> None:
    async with db.transaction() as session:
        for key, data in (
            (f"fsm:{MEMBER}:{MEMBER}:aiogd:stack:", {"intents": ["p1"]}),
            (f"fsm:{MEMBER}:{MEMBER}:aiogd:context:p1", {"s": 1}),
            (f"fsm:-100:-100:aiogd:stack:<{MEMBER}>", {"intents": ["g1", "g2"]}),
            ("fsm:-100:-100:aiogd:context:g1", {"s": 1}),
            ("fsm:-100:-100:aiogd:context:g2", {"s": 1}),
            (f"fsm:-100:-100:aiogd:stack:<{OTHER}>", {"intents": ["g3"]}),
            ("fsm:-100:-100:aiogd:context:g3", {"s": 1}),
            (f"fsm:{MEMBER}1:{MEMBER}1:aiogd:stack:", {"intents": []}),
        ):
            session.add(FsmRecord(key=key, data=data))
    async with db.transaction() as session:
        assert await delete_user_records(session, MEMBER) == 5
    async with db.transaction() as session:
        left = set(await session.scalars(select(FsmRecord.key)))
    assert left == {
        f"fsm:-100:-100:aiogd:stack:<{OTHER}>",
        "fsm:-100:-100:aiogd:context:g3",
        f"fsm:{MEMBER}1:{MEMBER}1:aiogd:stack:",
    }


# ------------------------------------------------------------------------------ the notice


def test_the_shipped_notice_names_the_three_associations_and_invents_no_e_mail() -> None:
    notice = load_privacy_notice()
    assert notice.email is None and notice.other_contact("uk") is None
    for name in ("ВАГ", "Асоціація ОТГ", "УАРОР"):
        assert name in notice.controller("uk")
    assert "UAROR" in notice.controller("en")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("email: a@b.org\n", "controller must have exactly two texts, uk and en"),
        ("controller: {uk: Хтось}\n", "controller must have exactly two texts, uk and en"),
        ("controller: {uk: Хтось, en: ''}\n", "controller.en is required and must be text"),
        ("controller: {uk: А, en: B}\nemail: not-an-address\n", "email must be an e-mail"),
        ("controller: {uk: А, en: B}\nother_contact: {uk: Київ}\n", "other_contact must have"),
        ("controller: {uk: А, en: B}\ne-mail: a@b.org\n", "unknown field 'e-mail'"),
        ("controller: [\n", "invalid YAML"),
    ],
)
def test_a_malformed_notice_is_refused_naming_the_field(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "privacy.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_privacy_notice(path)
    assert str(path) in str(error.value) and problem in str(error.value)


def test_the_notice_fits_one_message_with_every_field_at_its_longest(tmp_path: Path) -> None:
    path = tmp_path / "privacy.yaml"
    path.write_text(
        "controller: {uk: '" + "Щ" * 600 + "', en: '" + "W" * 600 + "'}\n"
        "email: " + "d" * 60 + "@associations.example.org\n"
        "other_contact: {uk: '" + "К" * 300 + "', en: '" + "C" * 300 + "'}\n",
        encoding="utf-8",
    )
    notice = load_privacy_notice(path)
    settings = Settings(_env_file=None, retention_audit_days=3650)  # type: ignore[call-arg]
    for translator in Translations():
        shown = notice_text(
            translator, notice, load_associations(), RetentionPeriods.from_settings(settings)
        )
        assert len(shown.encode("utf-16-le")) // 2 <= 4096, (translator.locale, len(shown))
        assert "d" * 60 + "@associations.example.org" in shown


def test_the_notice_states_the_retention_settings() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, retention_unfinished_days=21, retention_audit_days=1095
    )
    uk = Translations().get("uk")
    shown = notice_text(
        uk, load_privacy_notice(), load_associations(), RetentionPeriods.from_settings(settings)
    )
    assert "незавершена реєстрація — через 21\u00a0день" in shown
    assert "чернетка звернення — через 90\u00a0днів" in shown
    assert "через 1\u00a0095\u00a0днів" in shown or "через 1 095\u00a0днів" in shown
    assert "ВАГ — https://communities.org.ua" in shown
    assert "Уповноваженому Верховної Ради України з прав людини" in shown


async def test_the_html_copy_shows_every_section_in_the_members_language(
    synced: Database,
) -> None:
    db = synced
    await seed(db)
    await StaffService(db).grant(MEMBER, StaffRole.STAFF, "aotg")
    await QuestionService(db).ask(MEMBER, "Питання <без> відповіді?", "uk")
    data = await PrivacyService(db).export(MEMBER)
    names = Names.of(
        load_report_rules(), load_oblasts(CONTENT_DIR / "oblasts.yaml"), load_associations()
    )
    translations = Translations()
    page = export_html(translations.get("uk"), data, names, ZoneInfo("Europe/Kyiv"))
    for heading in (
        "Профіль",
        "Права працівника секретаріату",
        "Ваші звернення",
        "Звернення, до яких ви приєдналися",
        "Незавершене звернення (чернетка)",
        "Запитання експертам",
        "Оголошення для вас",
        "Оцінки статей бази знань",
        "Журнал змін, що стосуються вас",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "працівник секретаріату Асоціація ОТГ" in page
    assert "Школа без опалення" in page and "Міст зруйновано" in page
    assert "Питання &lt;без&gt; відповіді?" in page and "Відповіді ще немає." in page
    assert "Засідання правління у вівторок." in page and "доставлено" in page
    assert "Реєстрація" in page and "Рішення щодо членства" in page
    assert "<td>Законодавство та повноваження</td>" in page
    assert OTHER_NAME not in page and "Ірина Коваль" not in page
    english = export_html(translations.get("en"), data, names, ZoneInfo("Europe/Kyiv"))
    assert "<h2>Reports you joined</h2>" in english and "Registration" in english


class _Redis:
    """Just the calls `forget_user` makes of a Redis client, on a dict."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    async def scan_iter(self, match: str, count: int) -> Any:
        for key in list(self.values):
            if fnmatch.fnmatchcase(key, match):
                yield key.encode()

    async def get(self, key: str) -> bytes | None:
        value = self.values.get(key)
        return None if value is None else value.encode()

    async def delete(self, *keys: str) -> int:
        return sum(self.values.pop(key, None) is not None for key in keys)


async def test_dialog_state_of_one_user_is_deleted_from_redis() -> None:
    stack = json.dumps({"intents": ["g1"]})
    values = {
        f"fsm:{MEMBER}:{MEMBER}:aiogd:stack::data": json.dumps({"intents": ["p1"]}),
        f"fsm:{MEMBER}:{MEMBER}:aiogd:context:p1:data": "{}",
        f"fsm:{MEMBER}:{MEMBER}:default:state": "Registration:name",
        f"fsm:-100:-100:aiogd:stack:<{MEMBER}>:data": stack,
        "fsm:-100:-100:aiogd:context:g1:data": "{}",
        f"fsm:{OTHER}:{OTHER}:aiogd:stack::data": "{}",
        f"fsm:{MEMBER}7:{MEMBER}7:aiogd:stack::data": "{}",
    }
    storage = RedisStorage(redis=_Redis(values), key_builder=default_key_builder())  # type: ignore[arg-type]
    assert await forget_user(storage, MEMBER) == 5
    assert set(values) == {
        f"fsm:{OTHER}:{OTHER}:aiogd:stack::data",
        f"fsm:{MEMBER}7:{MEMBER}7:aiogd:stack::data",
    }
