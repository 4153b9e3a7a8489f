"""The sandbox's first-start data, created through the services as the bot itself would.

After `seed()` the database has the schema, the associations, the shipped КАТОТТГ codifier, the
three staff groups bound, each officer persona granted staff of their association, head-en
registered and verified (head-uk is left to register), and a few example members from different
oblasts with reports, questions, one announcement and two consultations of the hromada heads (one
open with a couple of answers, one closed with its outcome published), so every feature can be
tried at once.

Idempotent: every step either checks what is there or goes through the services' request keys,
so a seed cut short by a crash is simply run again, and a second run changes nothing. Nothing
here talks to Telegram: the staff-group cards and the announcement's copies are sent by the
sandbox runner and the bot process (see bot/sandbox/runner.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from bot.app import Content, migrate_and_sync
from bot.sandbox.personas import PERSONAS, STAFF_GROUPS, FullName, Persona, persona
from bot.services.broadcasts import Announcement, Audience, BroadcastService
from bot.services.consultations import ConsultationDraft, ConsultationService, Option, Position
from bot.services.hromadas import HromadaDirectory
from bot.services.katottg import import_shipped_codifier
from bot.services.members import MemberService, RegistrationForm
from bot.services.questions import QuestionService
from bot.services.reports import Actor, ReportForm, ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import VerificationService
from storage.db import Database
from storage.models import ConsultationKind, StaffRole, utcnow

KEY = "sandbox-seed"  # the prefix of every request key the seed uses


class SeedError(RuntimeError):
    """The seed cannot go on (e.g. a hromada of the example data is not in the codifier)."""


@dataclass(frozen=True)
class ExampleMember(FullName):
    """A registered member who is not a persona: another hromada's head, for example data."""

    telegram_id: int
    first_name: str
    last_name: str
    locale: str
    oblast_code: str
    hromada_code: str  # a hromada (category H) of the shipped codifier
    associations: tuple[str, ...]
    phone: str
    verified_by: str | None  # the persona key of the officer who verified them; None: waits


@dataclass(frozen=True)
class ExampleReport:
    key: str
    reporter: int
    form: ReportForm
    taken_by: str | None = None  # persona key of the officer who took it
    status: str | None = None  # a status it moved to after being taken
    reply: str | None = None  # the officer's public answer
    cosigned_by: tuple[int, ...] = ()


@dataclass(frozen=True)
class ExampleQuestion:
    key: str
    asker: int
    text: str
    answered_by: str | None = None  # persona key; None: waits in the staff group
    answer: str | None = None


@dataclass(frozen=True)
class SeedSummary:
    """What the seeded database holds, for the runner's first lines and the tests."""

    members: int
    reports: list[str] = field(default_factory=list)  # reference numbers
    questions: list[int] = field(default_factory=list)
    broadcasts: list[int] = field(default_factory=list)
    consultations: list[int] = field(default_factory=list)  # the open one, then the closed one


HEAD_EN = persona("head-en")
HEAD_EN_HROMADA = ("UA32000000000030281", "UA32040210000086086")  # Kyiv Oblast, Yahotyn

EXAMPLE_MEMBERS: tuple[ExampleMember, ...] = (
    ExampleMember(
        730_001,
        "Петро",
        "Савченко",
        "uk",
        "UA32000000000030281",  # Київська область
        "UA32020010000093088",  # Білоцерківська
        ("vag",),
        "+380501130001",
        verified_by="officer-vag",
    ),
    ExampleMember(
        730_002,
        "Наталія",
        "Гончаренко",
        "uk",
        "UA12000000000090473",  # Дніпропетровська область
        "UA12140010000024967",  # Брагинівська
        ("aotg",),
        "+380501130002",
        verified_by="officer-aotg",
    ),
    ExampleMember(
        730_003,
        "Богдан",
        "Кравець",
        "uk",
        "UA46000000000026241",  # Львівська область
        "UA46060250000025047",  # Львівська
        ("vag", "uaror"),
        "+380501130003",
        verified_by="officer-uaror",
    ),
    ExampleMember(
        730_004,
        "Оксана",
        "Литвиненко",
        "uk",
        "UA23000000000064947",  # Запорізька область
        "UA23020030000059558",  # Андріївська
        ("aotg",),
        "+380501130004",
        verified_by=None,  # her verification card waits in the AOTG group
    ),
)

EXAMPLE_REPORTS: tuple[ExampleReport, ...] = (
    ExampleReport(
        "report-1",
        730_001,
        ReportForm(
            category="education",
            urgency="high",
            title="Підвезення учнів до опорного ліцею: бракує шкільного автобуса",
            description=(
                "Після ремонту мосту маршрут подовжився, і єдиний шкільний автобус не встигає "
                "за два рейси. Сорок дітей із трьох сіл щодня запізнюються на перший урок. "
                "Просимо підтримати звернення громади до МОН щодо автобуса за програмою "
                "«Шкільний автобус»."
            ),
            residents=4200,
            affected_groups=["children"],
        ),
    ),
    ExampleReport(
        "report-2",
        HEAD_EN.user_id,
        ReportForm(
            category="infrastructure",
            urgency="normal",
            title="Bridge on the road to the district hospital closed for repairs",
            description=(
                "The only bridge between the villages on the left bank and the district hospital "
                "has been closed since spring; the detour is 38 km. The road service has no money "
                "for the repair this year. We ask the association to raise it with the Oblast "
                "Administration."
            ),
            residents=6100,
            affected_groups=["older", "disabled"],
        ),
        taken_by="officer-vag",
        status="in_progress",
        reply=(
            "We have written to the Oblast Administration and to the Agency for Restoration, "
            "asking for the bridge to be included in this year's repair list. We will let you "
            "know their answer here."
        ),
    ),
    ExampleReport(
        "report-3",
        730_002,
        ReportForm(
            category="land_planning",
            urgency="normal",
            title="Землі за межами сіл досі не передані у комунальну власність",
            description=(
                "Громада третій рік чекає на передачу земель державної власності за межами "
                "населених пунктів. Без цього не можемо розробити комплексний план просторового "
                "розвитку і залучити інвестора під індустріальний парк."
            ),
        ),
        cosigned_by=(730_003,),
    ),
    ExampleReport(
        "report-4",
        730_003,
        ReportForm(
            category="health_social",
            urgency="critical",
            title="Амбулаторія в селі лишилася без лікаря та ліків",
            description=(
                "Сімейна лікарка звільнилася, заміни немає вже місяць; аптечний пункт закрито. "
                "Найближча лікарня за 25 км, автобус ходить двічі на тиждень. Потрібне "
                "тимчасове відрядження лікаря і виїзні прийоми."
            ),
            residents=1800,
            affected_groups=["older", "children"],
        ),
    ),
    ExampleReport(
        "report-5",
        730_001,
        ReportForm(
            category="legislation",
            urgency="normal",
            title="Законопроєкт про зміну ставок місцевих податків: потрібна позиція асоціації",
            description=(
                "Проєкт зменшує частку ПДФО, що лишається громадам. Просимо проаналізувати "
                "наслідки для малих громад і надати позицію асоціації до другого читання."
            ),
        ),
    ),
)

EXAMPLE_QUESTIONS: tuple[ExampleQuestion, ...] = (
    ExampleQuestion(
        "question-1",
        730_002,
        "Чи можна подати проєкт відновлення школи в DREAM, якщо проєктно-кошторисна "
        "документація ще не пройшла експертизу?",
        answered_by="officer-aotg",
        answer=(
            "Так, проєкт можна внести в DREAM на етапі концепції, а документацію додати пізніше. "
            "Але для відбору на фінансування експертиза має бути пройдена; радимо планувати її "
            "одразу, це займає 1–2 місяці."
        ),
    ),
    ExampleQuestion(
        "question-2",
        730_001,
        "Як громаді оформити співфінансування ремонту укриття в школі з обласного бюджету?",
    ),
)

ANNOUNCEMENT = Announcement(
    text_uk=(
        "<b>Вебінар для голів громад: відновлення соціальної інфраструктури</b>\n\n"
        "Асоціації запрошують на онлайн-зустріч про те, як підготувати проєкт до DREAM і "
        "пройти відбір на фінансування. Запис буде доступний усім членам асоціацій."
    ),
    text_en=(
        "<b>Webinar for hromada heads: restoring social infrastructure</b>\n\n"
        "The associations invite you to an online meeting on preparing a project for DREAM and "
        "getting through the funding selection. The recording will be available to everyone "
        "on the platform."
    ),
    attachment_kind=None,
    attachment_file_id=None,
    attachment_name=None,
    urgent=False,
    audience=Audience(),
)

HEADS = Audience(roles=("hromada_head",))
OPEN_CONSULTATION = ConsultationDraft(
    title="Законопроєкт № 1234 про ставки місцевих податків",
    question_uk=(
        "Чи підтримуєте ви <b>законопроєкт № 1234</b>, який зменшує частку ПДФО, що лишається "
        "громадам, з 64 % до 60 %, і водночас дозволяє громадам самим встановлювати ставку "
        "туристичного збору?"
    ),
    question_en=(
        "Do you support <b>draft law No. 1234</b>, which cuts the share of personal income tax "
        "left to hromadas from 64 % to 60 % and lets hromadas set the tourist tax themselves?"
    ),
    kind=ConsultationKind.POSITION,
    closes_at=utcnow(),  # set when seeding: five days ahead
    audience=HEADS,
)
# (member, a position or the chosen options, a comment)
Answer = tuple[int, str | list[int], str | None]
OPEN_ANSWERS: tuple[Answer, ...] = (
    (730_001, Position.SUPPORT, None),
    (730_003, Position.AMEND, "Залишити громадам 64 % ПДФО, а туристичний збір підтримуємо."),
)
CLOSED_CONSULTATION = ConsultationDraft(
    title="Пріоритети асоціацій на 2027 рік",
    question_uk="Які питання асоціації мають обстоювати перед урядом у 2027 році насамперед?",
    question_en="Which issues should the associations raise with the government first in 2027?",
    kind=ConsultationKind.PRIORITIES,
    closes_at=utcnow(),  # set when seeding: a day ahead, then closed early
    options=(
        Option("Фінансова спроможність громад", "Hromadas' finances"),
        Option("Відновлення інфраструктури", "Restoring infrastructure"),
        Option("Освіта й підвезення учнів", "Schools and school transport"),
        Option("Земельні питання", "Land issues"),
    ),
    max_choices=2,
    audience=HEADS,
)
CLOSED_ANSWERS: tuple[Answer, ...] = (
    (730_001, [0, 2], None),
    (730_002, [0, 3], "Без передачі земель громади не можуть планувати розвиток."),
    (730_003, [1], None),
)
OUTCOME_UK = (
    "<b>Пріоритети на 2027 рік</b>: більшість громад, що відповіли, назвала першим "
    "фінансову спроможність громад. Асоціації внесуть це до спільного звернення до уряду."
)
OUTCOME_EN = (
    "<b>Priorities for 2027</b>: most hromadas that answered put their finances first. The "
    "associations will include it in their joint letter to the government."
)


async def seed(db: Database, content: Content) -> SeedSummary:
    """Bring the sandbox's database to its first-start state; safe to run again."""
    admin = persona("admin")
    admin_ids = frozenset({admin.user_id})
    await migrate_and_sync(db, content)
    await import_shipped_codifier(db, only_if_empty=True)

    chats = StaffChatService(db, admin_ids)
    for group in STAFF_GROUPS:
        await chats.bind(group.chat_id, group.title, group.association, admin.user_id)
    staff = StaffService(db, admin_ids)
    for officer in PERSONAS:
        for code in officer.staff_of:
            await staff.grant(officer.user_id, StaffRole.STAFF, code, granted_by=admin.user_id)

    await _register_members(db, content)
    reports = await _file_reports(db, content, admin_ids)
    questions = await _ask_questions(db, admin_ids)
    broadcast = await BroadcastService(db, admin_ids).create(
        admin.user_id,
        admin.full_name,
        ANNOUNCEMENT,
        progress_chat_id=admin.user_id,
        progress_locale=admin.language_code,
        request_key=f"{KEY}:announcement-1",
    )
    consultations = await _consult(db, admin_ids)
    return SeedSummary(
        members=len(EXAMPLE_MEMBERS) + 1,
        reports=reports,
        questions=questions,
        broadcasts=[broadcast.broadcast_id],
        consultations=consultations,
    )


async def _register_members(db: Database, content: Content) -> None:
    members = MemberService(db)
    verification = VerificationService(db)
    directory = HromadaDirectory(db, content.oblasts)
    people: list[tuple[Persona | ExampleMember, str, str, tuple[str, ...], str | None]] = [
        (HEAD_EN, *HEAD_EN_HROMADA, ("vag",), "officer-vag"),
        *(
            (m, m.oblast_code, m.hromada_code, m.associations, m.verified_by)
            for m in EXAMPLE_MEMBERS
        ),
    ]
    for person, oblast_code, hromada_code, associations, verified_by in people:
        telegram_id = person.user_id if isinstance(person, Persona) else person.telegram_id
        locale = person.language_code if isinstance(person, Persona) else person.locale
        if await directory.get(hromada_code) is None:
            raise SeedError(f"the codifier has no hromada {hromada_code} ({person.full_name})")
        profile = await members.get(telegram_id)
        if profile is None or not profile.registered:
            await members.set_locale(telegram_id, locale)
            await members.register(
                telegram_id,
                RegistrationForm(
                    full_name=person.full_name,
                    role="hromada_head",
                    oblast_code=oblast_code,
                    hromada_code=hromada_code,
                    hromada_text=None,
                    association_codes=list(associations),
                    phone=person.phone,
                ),
            )
        if verified_by is not None:
            officer = persona(verified_by)
            # A member decided before is left as is, so a second run changes nothing.
            await verification.decide(
                telegram_id, officer.user_id, approve=True, staff_name=officer.full_name
            )


async def _file_reports(db: Database, content: Content, admin_ids: frozenset[int]) -> list[str]:
    service = ReportService(db, content.report_rules, admin_ids)
    references = []
    for example in EXAMPLE_REPORTS:
        filed = await service.submit(
            example.reporter, example.form, request_key=f"{KEY}:{example.key}"
        )
        references.append(filed.reference)
        for number, supporter in enumerate(example.cosigned_by, 1):
            await service.cosign(
                filed.id, supporter, request_key=f"{KEY}:{example.key}:cosign-{number}"
            )
        if example.taken_by is None:
            continue
        officer = persona(example.taken_by)
        actor = Actor(officer.user_id, officer.full_name)
        view = await service.report(filed.id)
        assert view is not None
        if view.assignee_telegram_id is None:
            await service.take(filed.id, actor)
        if example.status is not None and view.status != example.status:
            await service.set_status(filed.id, actor, example.status)
        if example.reply is not None:
            await service.reply(
                filed.id, actor, example.reply, request_key=f"{KEY}:{example.key}:reply"
            )
    return references


async def _ask_questions(db: Database, admin_ids: frozenset[int]) -> list[int]:
    service = QuestionService(db, admin_ids)
    members = MemberService(db)
    ids = []
    for example in EXAMPLE_QUESTIONS:
        profile = await members.get(example.asker)
        locale = profile.locale if profile is not None and profile.locale else "uk"
        asked = await service.ask(
            example.asker, example.text, locale, request_key=f"{KEY}:{example.key}"
        )
        ids.append(asked.question_id)
        if example.answered_by is None or example.answer is None:
            continue
        officer = persona(example.answered_by)
        receipt = await service.answer(
            asked.question_id,
            officer.user_id,
            officer.full_name,
            example.answer,
            request_key=f"{KEY}:{example.key}:answer",
        )
        if not receipt.repeated:
            # The example exchange happened before the sandbox began: the member had it.
            await service.mark_delivered(receipt.answer_id, True)
    return ids


async def _consult(db: Database, admin_ids: frozenset[int]) -> list[int]:
    """The heads' two consultations: one open for five days with a couple of example answers,
    one closed early with its outcome published (its summary goes to the staff groups when the
    bot starts). Every step is keyed, or changes nothing the second time."""
    admin = persona("admin")
    service = ConsultationService(db, admin_ids)
    now = utcnow()
    examples: tuple[tuple[ConsultationDraft, timedelta, Sequence[Answer]], ...] = (
        (OPEN_CONSULTATION, timedelta(days=5), OPEN_ANSWERS),
        (CLOSED_CONSULTATION, timedelta(days=1), CLOSED_ANSWERS),
    )
    ids = []
    for number, (draft, ahead, answers) in enumerate(examples, 1):
        key = f"{KEY}:consultation-{number}"
        view = await service.create(
            admin.user_id,
            admin.full_name,
            replace(draft, closes_at=now + ahead),
            progress_chat_id=admin.user_id,
            progress_locale=admin.language_code,
            request_key=key,
        )
        for member, choice, comment in answers:
            await service.answer(member, view.id, choice, comment, request_key=f"{key}:{member}")
        ids.append(view.id)
    closed = ids[-1]
    await service.close(closed, actor_telegram_id=admin.user_id)
    await service.publish_outcome(
        admin.user_id,
        admin.full_name,
        closed,
        OUTCOME_UK,
        OUTCOME_EN,
        request_key=f"{KEY}:consultation-2:outcome",
        progress_chat_id=admin.user_id,
        progress_locale=admin.language_code,
    )
    return ids
