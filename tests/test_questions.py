"""Questions to the experts and staff group chats, on a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select

from bot.cli import main
from bot.content import load_associations
from bot.services.associations import sync_associations
from bot.services.kb_drafts import draft_yaml
from bot.services.members import InvalidInput, MemberService
from bot.services.questions import (
    QUESTION_MAX,
    NotAnswered,
    QuestionService,
    UnknownQuestion,
    shorten,
    split_message,
    utf16_len,
)
from bot.services.staff import PermissionDenied, StaffService, UnknownAssociation
from bot.services.staff_chats import BindStatus, StaffChatService
from storage.db import Database
from storage.migrate import upgrade
from storage.models import AuditEvent, KbFeedback, Member, StaffRole
from tests.forms import head_form

ADMIN = 1
VAG_STAFF = 501
UAROR_STAFF = 502
GROUP_A = -100111
GROUP_B = -100222


@pytest.fixture
async def synced(db: Database) -> Database:
    await sync_associations(db, load_associations())
    staff = StaffService(db)
    await staff.grant(VAG_STAFF, StaffRole.STAFF, "vag")
    await staff.grant(UAROR_STAFF, StaffRole.STAFF, "uaror")
    return db


async def register(
    db: Database, telegram_id: int, codes: list[str], *, unsure: bool = False, locale: str = "uk"
) -> None:
    members = MemberService(db)
    await members.set_locale(telegram_id, locale)
    await members.register(
        telegram_id,
        head_form(association_codes=codes, associations_unsure=unsure),
    )


def service(db: Database) -> QuestionService:
    return QuestionService(db, frozenset({ADMIN}))


async def actions(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# ------------------------------------------------------------------------------ asking


async def test_a_question_goes_to_the_members_associations(synced: Database) -> None:
    await register(synced, 11, ["vag", "uaror"])
    asked = await service(synced).ask(11, "  Як подати проєкт у DREAM?  ", "uk")
    assert asked.association_codes == ("vag", "uaror")
    view = await service(synced).card(asked.question_id)
    assert view is not None
    assert view.text == "Як подати проєкт у DREAM?"
    assert view.status == "open" and view.locale == "uk"
    assert view.member.full_name == "Олена Петренко"
    assert "question.asked" in await actions(synced)


async def test_not_sure_goes_to_every_active_association(synced: Database) -> None:
    await register(synced, 12, [], unsure=True)
    asked = await service(synced).ask(12, "Питання", "uk")
    assert asked.association_codes == ("vag", "aotg", "uaror")

    await sync_associations(synced, load_associations()[:2])  # uaror left the platform
    asked = await service(synced).ask(12, "Ще одне", "uk")
    assert asked.association_codes == ("vag", "aotg")


async def test_a_member_of_only_an_inactive_association_reaches_all_active(
    synced: Database,
) -> None:
    await register(synced, 13, ["uaror"])
    await sync_associations(synced, load_associations()[:2])
    asked = await service(synced).ask(13, "Питання", "en")
    assert asked.association_codes == ("vag", "aotg")


@pytest.mark.parametrize(("text", "code"), [("", "empty"), (" \n\t ", "empty")])
async def test_empty_questions_are_refused(synced: Database, text: str, code: str) -> None:
    await register(synced, 14, ["vag"])
    with pytest.raises(InvalidInput) as error:
        await service(synced).ask(14, text, "uk")
    assert error.value.code == code


async def test_question_length_limit(synced: Database) -> None:
    await register(synced, 15, ["vag"])
    asked = await service(synced).ask(15, "я" * QUESTION_MAX + "   ", "uk")
    view = await service(synced).card(asked.question_id)
    assert view is not None and len(view.text) == QUESTION_MAX
    with pytest.raises(InvalidInput) as error:
        await service(synced).ask(15, "я" * (QUESTION_MAX + 1), "uk")
    assert error.value.code == "too-long" and error.value.limits["limit"] == QUESTION_MAX


async def test_an_unregistered_user_cannot_ask(synced: Database) -> None:
    await MemberService(synced).set_locale(16, "uk")  # started the bot, never registered
    with pytest.raises(InvalidInput, match="not-registered"):
        await service(synced).ask(16, "Питання", "uk")
    with pytest.raises(InvalidInput, match="not-registered"):
        await service(synced).ask(17, "Питання", "uk")


async def test_the_question_lists_each_bound_group_once(synced: Database) -> None:
    chats = StaffChatService(synced, frozenset({ADMIN}))
    await chats.bind(GROUP_A, "Секретаріат ВАГ і УАРОР", "vag", ADMIN)
    await chats.bind(GROUP_A, "Секретаріат ВАГ і УАРОР", "uaror", ADMIN)
    await chats.bind(GROUP_B, "AOTG staff", "aotg", ADMIN, locale="en")
    await register(synced, 18, [], unsure=True)
    asked = await service(synced).ask(18, "Питання", "uk")
    assert [(c.chat_id, c.locale, c.association_codes) for c in asked.chats] == [
        (GROUP_A, "uk", ("vag", "uaror")),
        (GROUP_B, "en", ("aotg",)),
    ]
    await register(synced, 19, ["aotg"])
    asked = await service(synced).ask(19, "Питання", "uk")
    assert [c.chat_id for c in asked.chats] == [GROUP_B]
    await register(synced, 20, ["vag"])
    await chats.unbind(GROUP_A, ADMIN)
    assert (await service(synced).ask(20, "Питання", "uk")).chats == ()


# ------------------------------------------------------------------------------ answering


async def test_answering_checks_rights_and_marks_the_question_answered(synced: Database) -> None:
    questions = service(synced)
    await register(synced, 21, ["vag"], locale="en")
    asked = await questions.ask(21, "What is DREAM?", "en")

    with pytest.raises(PermissionDenied):
        await questions.answer(asked.question_id, UAROR_STAFF, "Іван", "Відповідь")
    with pytest.raises(PermissionDenied):
        await questions.answer(asked.question_id, 999, "Stranger", "Answer")
    with pytest.raises(UnknownQuestion):
        await questions.answer(10_000, VAG_STAFF, "Іван", "Відповідь")
    with pytest.raises(InvalidInput, match="empty"):
        await questions.answer(asked.question_id, VAG_STAFF, "Іван", "   ")

    receipt = await questions.answer(asked.question_id, VAG_STAFF, "Іван  Коваль", " DREAM is… ")
    assert receipt.first and receipt.text == "DREAM is…"
    assert receipt.member_telegram_id == 21 and receipt.member_locale == "en"
    assert [a.code for a in receipt.associations] == ["vag"]
    second = await questions.answer(asked.question_id, ADMIN, "Admin", "More details")
    assert not second.first
    view = await questions.card(asked.question_id)
    assert view is not None and view.status == "answered"
    assert [a.staff_name for a in view.answers] == ["Іван Коваль", "Admin"]
    assert view.answered_at == view.answers[0].created_at


async def test_an_admin_speaks_for_all_of_the_questions_associations(synced: Database) -> None:
    await register(synced, 22, [], unsure=True)
    asked = await service(synced).ask(22, "Питання", "uk")
    receipt = await service(synced).answer(asked.question_id, ADMIN, "Адмін", "Відповідь")
    assert [a.code for a in receipt.associations] == ["vag", "aotg", "uaror"]
    receipt = await service(synced).answer(asked.question_id, UAROR_STAFF, "Марія", "Ще")
    assert [a.short("uk") for a in receipt.associations] == ["УАРОР"]


async def test_delivery_failure_marks_the_member_unreachable(synced: Database) -> None:
    questions = service(synced)
    await register(synced, 23, ["vag"])
    asked = await questions.ask(23, "Питання", "uk")
    receipt = await questions.answer(asked.question_id, VAG_STAFF, "Іван", "Відповідь")
    await questions.mark_delivered(receipt.answer_id, False, unreachable=True)
    profile = await MemberService(synced).get(23)
    assert profile is not None and not profile.reachable
    view = await questions.card(asked.question_id)
    assert view is not None and not view.answers[0].delivered
    assert "question.answer_undelivered" in await actions(synced)


async def test_open_questions_newest_first_within_the_staffs_associations(
    synced: Database,
) -> None:
    questions = service(synced)
    await register(synced, 24, ["vag"])
    await register(synced, 25, ["uaror"])
    ids = [
        (await questions.ask(24, "перше ВАГ", "uk")).question_id,
        (await questions.ask(25, "друге УАРОР", "uk")).question_id,
        (await questions.ask(24, "третє ВАГ", "uk")).question_id,
        (await questions.ask(24, "четверте ВАГ", "uk")).question_id,
    ]
    await questions.answer(ids[3], VAG_STAFF, "Іван", "Відповідь")

    staff = await StaffService(synced).rights(VAG_STAFF)
    page = await questions.open_questions(staff, limit=10)
    assert [q.id for q in page.items] == [ids[2], ids[0]] and page.total == 2
    assert page.items[0].member_name == "Олена Петренко"

    admin = await StaffService(synced, frozenset({ADMIN})).rights(ADMIN)
    page = await questions.open_questions(admin, limit=2, offset=1)
    assert [q.id for q in page.items] == [ids[1], ids[0]] and page.total == 3

    nobody = await StaffService(synced).rights(999)
    assert (await questions.open_questions(nobody)).total == 0


async def test_cards_are_found_by_their_message(synced: Database) -> None:
    questions = service(synced)
    chats = StaffChatService(synced, frozenset({ADMIN}))
    await chats.bind(GROUP_B, "AOTG staff", "aotg", ADMIN, locale="en")
    await register(synced, 26, ["aotg"])
    asked = await questions.ask(26, "Питання", "uk")
    await questions.add_cards(asked.question_id, [(GROUP_B, 77), (GROUP_A, 5)])
    assert await questions.question_for_card(GROUP_B, 77) == asked.question_id
    assert await questions.question_for_card(GROUP_B, 78) is None
    view = await questions.card(asked.question_id)
    assert view is not None
    assert [(c.chat_id, c.message_id, c.locale) for c in view.cards] == [
        (GROUP_B, 77, "en"),
        (GROUP_A, 5, "uk"),  # a group never bound: Ukrainian
    ]


# ------------------------------------------------------------------------------ feedback, drafts


async def test_feedback_keeps_the_latest_vote(synced: Database) -> None:
    questions = service(synced)
    await questions.record_feedback(31, "dream", True)
    await questions.record_feedback(31, "dream", False)
    await questions.record_feedback(31, "grb", True)
    await questions.record_feedback(32, "dream", True)
    async with synced.transaction() as session:
        rows = (
            await session.execute(
                select(Member.telegram_id, KbFeedback.slug, KbFeedback.helpful)
                .join(Member, Member.id == KbFeedback.member_id)
                .order_by(Member.telegram_id, KbFeedback.slug)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (31, "dream", False),
        (31, "grb", True),
        (32, "dream", True),
    ]


async def test_drafts_from_answered_questions(synced: Database) -> None:
    questions = service(synced)
    await register(synced, 33, ["vag"])
    asked = await questions.ask(33, "Що таке\nДРІМ?", "uk")
    with pytest.raises(NotAnswered):
        await questions.make_draft(asked.question_id, VAG_STAFF)
    await questions.answer(asked.question_id, VAG_STAFF, "Іван", "DREAM — це екосистема.")
    await questions.answer(asked.question_id, VAG_STAFF, "Іван", "Детальніше: dream.gov.ua")
    with pytest.raises(PermissionDenied):
        await questions.make_draft(asked.question_id, UAROR_STAFF)
    with pytest.raises(UnknownQuestion):
        await questions.make_draft(10_000, VAG_STAFF)

    made = await questions.make_draft(asked.question_id, VAG_STAFF)
    again = await questions.make_draft(asked.question_id, ADMIN)
    assert made.created and not again.created and again.draft_id == made.draft_id
    view = await questions.card(asked.question_id)
    assert view is not None and view.draft_id == made.draft_id

    [draft] = await questions.drafts()
    entry = yaml.safe_load(draft_yaml(draft, date(2026, 11, 29)))
    assert entry["slug"] == f"draft-{draft.id}"
    assert entry["title"] == {"uk": "Що таке ДРІМ?", "en": ""}
    assert entry["short"] == {"uk": "DREAM — це екосистема.", "en": ""}
    assert entry["full"]["uk"] == "DREAM — це екосистема.\n\nДетальніше: dream.gov.ua\n"
    assert entry["checked"] == date(2026, 11, 29)
    assert entry["sources"] == [] and entry["aliases"] == {"uk": [], "en": []}

    assert await questions.mark_exported([draft.id]) == 1
    assert await questions.drafts() == []
    assert [d.id for d in await questions.drafts("exported")] == [draft.id]
    assert {"kb.draft_created", "kb.draft_exported"} <= set(await actions(synced))


def test_kb_drafts_command_writes_entries_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)

    async def prepare() -> None:
        db = Database.from_url(url)
        try:
            await upgrade(db.engine)
            await sync_associations(db, load_associations())
            await StaffService(db).grant(VAG_STAFF, StaffRole.STAFF, "vag")
            await register(db, 41, ["vag"], locale="en")
            questions = QuestionService(db)
            for text in ("What is DREAM?", "How do spatial plans work?"):
                asked = await questions.ask(41, text, "en")
                await questions.answer(asked.question_id, VAG_STAFF, "Ivan", "An answer.")
                await questions.make_draft(asked.question_id, VAG_STAFF)
        finally:
            await db.close()

    def run(*args: str) -> tuple[int | str | None, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(["kb", "drafts", *args])
        return exit_info.value.code, capsys.readouterr().out

    asyncio.run(prepare())
    assert run() == (0, "kb-drafts/draft-1.yaml\nkb-drafts/draft-2.yaml\n")
    entry = yaml.safe_load((tmp_path / "kb-drafts" / "draft-2.yaml").read_text(encoding="utf-8"))
    assert entry["slug"] == "draft-2" and entry["title"] == {
        "en": "How do spatial plans work?",
        "uk": "",
    }
    assert entry["checked"] == datetime.now(ZoneInfo("Europe/Kyiv")).date()
    assert run("--output", "elsewhere") == (0, "No new knowledge-base drafts.\n")


# ------------------------------------------------------------------------------ staff groups


async def test_only_admins_bind_and_codes_must_exist(synced: Database) -> None:
    chats = StaffChatService(synced, frozenset({ADMIN}))
    with pytest.raises(PermissionDenied):
        await chats.bind(GROUP_A, "Група", "vag", VAG_STAFF)
    with pytest.raises(UnknownAssociation):
        await chats.bind(GROUP_A, "Група", "nope", ADMIN)
    with pytest.raises(PermissionDenied):
        await chats.unbind(GROUP_A, VAG_STAFF)
    assert await chats.chat(GROUP_A) is None


async def test_bind_move_and_unbind(synced: Database) -> None:
    chats = StaffChatService(synced, frozenset({ADMIN}))
    first = await chats.bind(GROUP_A, "Група", "vag", ADMIN)
    assert first.status == BindStatus.BOUND and first.chat.association_codes == ("vag",)
    assert (await chats.bind(GROUP_A, "Група", "vag", ADMIN)).status == BindStatus.ALREADY

    both = await chats.bind(GROUP_A, "Група", "uaror", ADMIN, locale="en")
    assert both.chat.association_codes == ("vag", "uaror") and both.chat.locale == "en"

    moved = await chats.bind(GROUP_B, "Нова група", "vag", ADMIN)
    assert moved.status == BindStatus.MOVED and moved.previous_chat_id == GROUP_A
    assert moved.chat.locale == "uk"
    remaining = await chats.chat(GROUP_A)
    assert remaining is not None and remaining.association_codes == ("uaror",)

    assert await chats.unbind(GROUP_A, ADMIN, "vag") == ()
    assert await chats.unbind(GROUP_A, ADMIN) == ("uaror",)
    assert await chats.chat(GROUP_A) is None
    again = await chats.bind(GROUP_A, "Група", "uaror", ADMIN)
    assert again.status == BindStatus.BOUND

    audit = await actions(synced)
    assert audit.count("staff_chat.bound") == 4 and audit.count("staff_chat.unbound") == 1


async def test_removed_bot_and_supergroup_upgrade(synced: Database) -> None:
    chats = StaffChatService(synced, frozenset({ADMIN}))
    await chats.bind(GROUP_A, "Група", "vag", ADMIN)
    await chats.bind(GROUP_A, "Група", "aotg", ADMIN)
    upgraded = -1009999
    assert await chats.migrate(GROUP_A, upgraded) == 2
    assert await chats.chat(GROUP_A) is None
    moved = await chats.chat(upgraded)
    assert moved is not None and moved.association_codes == ("vag", "aotg")
    assert [c.chat_id for c in await chats.chats_for(["aotg", "uaror"])] == [upgraded]

    assert await chats.deactivate_chat(upgraded) == ("vag", "aotg")
    assert await chats.chats_for(["vag", "aotg", "uaror"]) == []
    async with synced.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "staff_chat.deactivated")
        )
    assert count == 2


# ------------------------------------------------------------------------------ splitting


def test_short_text_is_one_piece() -> None:
    assert split_message("  Відповідь  ") == ["Відповідь"]
    assert split_message("") == []
    exact = "а" * 4096
    assert split_message(exact) == [exact]


def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    paragraph = "слово " * 300  # 1800 characters
    text = "\n\n".join([paragraph.strip()] * 3)
    pieces = split_message(text)
    assert len(pieces) == 2
    assert pieces[0] == "\n\n".join([paragraph.strip()] * 2)

    lines = "\n".join(["рядок " * 100] * 10)
    pieces = split_message(lines, 1000)
    assert all(utf16_len(p) <= 1000 for p in pieces)
    assert all(p.endswith("рядок") for p in pieces)  # cut at line ends, never mid-word

    words = "слово " * 2000
    pieces = split_message(words, 100)
    assert all(len(p) <= 100 and p.endswith("слово") for p in pieces)


def test_a_run_without_spaces_is_cut_at_the_limit_and_nothing_is_lost() -> None:
    text = "x" * 10_000
    pieces = split_message(text)
    assert [len(p) for p in pieces] == [4096, 4096, 1808]
    assert "".join(pieces) == text


def test_the_first_piece_leaves_room_for_a_header() -> None:
    text = "a " * 3000
    pieces = split_message(text, 4096, first_limit=1000)
    assert utf16_len(pieces[0]) <= 1000
    assert all(utf16_len(p) <= 4096 for p in pieces[1:])
    assert " ".join(pieces).split() == text.split()


def test_emoji_count_twice_towards_the_limit() -> None:
    text = "🙂" * 3000  # 6000 UTF-16 units
    pieces = split_message(text)
    assert [utf16_len(p) for p in pieces] == [4096, 1904]
    assert "".join(pieces) == text


def test_a_separator_too_early_is_not_used() -> None:
    text = "Так.\n\n" + "x" * 5000
    pieces = split_message(text)
    assert pieces[0].startswith("Так.\n\nxxx") and len(pieces[0]) == 4096


def test_shorten() -> None:
    assert shorten("  коротко \n про  все ", 50) == "коротко про все"
    assert shorten("одне два три чотири п'ять", 16) == "одне два три…"
    assert len(shorten("x" * 500, 100)) == 100
