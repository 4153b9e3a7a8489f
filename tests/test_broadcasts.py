"""Announcements on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): who may send
to whom, the audience, the outbox written in one transaction, limits, pause / resume / cancel
and their rights (also pressed on the progress message through the real dispatcher), News."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import Chat, InlineKeyboardMarkup, Message
from sqlalchemy import func, select, update

from bot.content import AssociationInfo
from bot.i18n import Translations
from bot.services.broadcasts import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Announcement,
    Audience,
    BroadcastError,
    BroadcastService,
    announcement_problems,
    visible_length,
)
from bot.services.staff import StaffService
from delivery.progress import post_progress_message
from dialogs.announcement_texts import announcement_renderer, render_announcement
from storage.db import Database
from storage.models import (
    AuditEvent,
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    DeliveryStatus,
    StaffRole,
)
from tests.broadcast_helpers import VINNYTSIA, VOLYN, prepare, seed_members
from tests.flows.harness import BOT_USER, build_app

ADMIN = 1
VAG = 501
VAG_2 = 503
UAROR = 502
NOBODY = 900
EVERYONE = Audience()


@pytest.fixture(scope="module")
def translations() -> Translations:
    return Translations()


@pytest.fixture
async def associations(db: Database) -> list[AssociationInfo]:
    found = await prepare(db)
    staff = StaffService(db)
    await staff.grant(VAG, StaffRole.STAFF, "vag")
    await staff.grant(VAG_2, StaffRole.STAFF, "vag")
    await staff.grant(UAROR, StaffRole.STAFF, "uaror")
    return found


@pytest.fixture
def service(db: Database, translations: Translations, associations) -> BroadcastService:
    return BroadcastService(
        db, frozenset({ADMIN}), render=announcement_renderer(translations, associations)
    )


def note(
    text: str = "Засідання правління — <b>15 травня</b>.",
    *,
    audience: Audience = EVERYONE,
    urgent: bool = False,
    text_en: str | None = None,
    kind: str | None = None,
    name: str | None = None,
    size: int | None = None,
) -> Announcement:
    return Announcement(
        text_uk=text,
        text_en=text_en,
        attachment_kind=kind,
        attachment_file_id="FILE" if kind else None,
        attachment_name=name,
        urgent=urgent,
        audience=audience,
        attachment_size=size,
    )


async def create(service: BroadcastService, actor: int, announcement: Announcement) -> int:
    progress = await service.create(
        actor, "Автор", announcement, progress_chat_id=actor, progress_locale="uk"
    )
    return progress.broadcast_id


async def recipients(db: Database, broadcast_id: int) -> set[int]:
    async with db.transaction() as session:
        return set(
            await session.scalars(
                select(BroadcastDelivery.chat_id).where(
                    BroadcastDelivery.broadcast_id == broadcast_id
                )
            )
        )


async def counts(db: Database) -> tuple[int, int]:
    async with db.transaction() as session:
        broadcasts = await session.scalar(select(func.count(Broadcast.id)))
        rows = await session.scalar(select(func.count(BroadcastDelivery.id)))
    return int(broadcasts or 0), int(rows or 0)


# ------------------------------------------------------------------------------ the audience


async def test_recipients_are_verified_reachable_registered_members_not_muted(
    db: Database, service: BroadcastService
) -> None:
    await seed_members(db, [1001, 1002], codes=("vag",))
    await seed_members(db, [1003], codes=("vag",), verified=False)
    await seed_members(db, [1004], codes=("vag",), reachable=False)
    await seed_members(db, [1005], codes=("vag",), registered=False)
    await seed_members(db, [1006], codes=("vag",), muted=True)
    await seed_members(db, [1007], codes=("uaror",), locale="en")

    assert await service.count_recipients(ADMIN, Audience(), urgent=False) == 3
    broadcast_id = await create(service, ADMIN, note())
    assert await recipients(db, broadcast_id) == {1001, 1002, 1007}
    # Urgent reaches those who muted announcements too, never the unverified or unreachable.
    assert await service.count_recipients(ADMIN, Audience(), urgent=True) == 4
    urgent_id = await create(service, ADMIN, note(urgent=True))
    assert await recipients(db, urgent_id) == {1001, 1002, 1006, 1007}
    async with db.transaction() as session:
        locales = dict(
            (chat, locale)
            for chat, locale in await session.execute(
                select(BroadcastDelivery.chat_id, BroadcastDelivery.locale).where(
                    BroadcastDelivery.broadcast_id == urgent_id
                )
            )
        )
    assert locales == {1001: "uk", 1002: "uk", 1006: "uk", 1007: "en"}


async def test_filters_are_anded_and_each_is_any_of(
    db: Database, service: BroadcastService
) -> None:
    await seed_members(db, [1001], codes=("vag",), oblast=VINNYTSIA, role="hromada_head")
    await seed_members(db, [1002], codes=("vag", "aotg"), oblast=VOLYN, role="hromada_head")
    await seed_members(db, [1003], codes=("aotg",), oblast=VOLYN, role="deputy_head")
    await seed_members(db, [1004], codes=("uaror",), oblast=VINNYTSIA, role="deputy_head")

    async def who(audience: Audience) -> int:
        return await service.count_recipients(ADMIN, audience, urgent=False)

    assert await who(Audience(associations=("vag",))) == 2
    assert await who(Audience(associations=("vag", "uaror"))) == 3
    assert await who(Audience(oblasts=(VOLYN,))) == 2
    assert await who(Audience(associations=("aotg",), roles=("deputy_head",))) == 1
    assert await who(Audience(associations=("vag",), oblasts=(VOLYN,))) == 1
    assert await who(Audience(roles=("hromada_head", "deputy_head"))) == 4
    broadcast_id = await create(service, ADMIN, note(audience=Audience(associations=("aotg",))))
    assert await recipients(db, broadcast_id) == {1002, 1003}


async def test_staff_reach_only_members_of_their_association(
    db: Database, service: BroadcastService
) -> None:
    await seed_members(db, [1001, 1002], codes=("vag",))
    await seed_members(db, [1003], codes=("uaror",))
    assert await service.allowed_associations(ADMIN) == ()
    assert await service.allowed_associations(VAG) == ("vag",)
    assert await service.allowed_associations(NOBODY) is None

    # "All" from VAG's staff means all of VAG's members, and is stored so.
    assert await service.count_recipients(VAG, Audience(), urgent=False) == 2
    broadcast_id = await create(service, VAG, note())
    assert await recipients(db, broadcast_id) == {1001, 1002}
    async with db.transaction() as session:
        stored = await session.get(Broadcast, broadcast_id)
    assert stored is not None and stored.audience["associations"] == ["vag"]
    # Another association's members: refused, nothing written.
    before = await counts(db)
    with pytest.raises(BroadcastError) as refused:
        await create(service, VAG, note(audience=Audience(associations=("uaror",))))
    assert refused.value.code == "not-allowed"
    with pytest.raises(BroadcastError) as nobody:
        await create(service, NOBODY, note())
    assert nobody.value.code == "not-allowed"
    with pytest.raises(BroadcastError):
        await service.count_recipients(NOBODY, Audience(), urgent=False)
    assert await counts(db) == before


# ------------------------------------------------------------------------------ confirmation


async def test_create_writes_the_broadcast_and_every_row_in_one_transaction(
    db: Database, service: BroadcastService
) -> None:
    await seed_members(db, range(1001, 1301), codes=("vag",))
    preview = await service.count_recipients(VAG, Audience(), urgent=False)
    progress = await service.create(
        VAG, "Ірина", note(), progress_chat_id=VAG, progress_locale="en"
    )
    assert preview == progress.total == progress.remaining == 300
    assert progress.status == BroadcastStatus.SENDING and progress.sent == 0
    async with db.transaction() as session:
        broadcast = await session.get(Broadcast, progress.broadcast_id)
        statuses = set(await session.scalars(select(BroadcastDelivery.status)))
        audit = list(await session.scalars(select(AuditEvent.action)))
    assert broadcast is not None and broadcast.recipients == 300
    assert broadcast.progress_chat_id == VAG and broadcast.progress_locale == "en"
    assert statuses == {DeliveryStatus.PENDING}
    assert audit[-1] == "broadcast.created"


async def test_a_confirmation_repeated_with_its_key_makes_one_broadcast(
    db: Database, service: BroadcastService
) -> None:
    """The composing dialog's key: a second confirmation (a resent press, or one after a
    restart that lost the dialog's record of the first) returns the same broadcast, and two
    at once (two processes) leave one; another composition makes another."""
    await seed_members(db, range(1001, 1011), codes=("vag",))

    async def confirm(key: str) -> int:
        progress = await service.create(
            VAG, "Ірина", note(), progress_chat_id=VAG, progress_locale="uk", request_key=key
        )
        return progress.broadcast_id

    first = await confirm("k1")
    assert await confirm("k1") == first
    together = await asyncio.gather(confirm("k2"), confirm("k2"))
    assert together[0] == together[1] != first
    assert await counts(db) == (2, 20)


async def test_empty_audience_writes_nothing(db: Database, service: BroadcastService) -> None:
    await seed_members(db, [1001], codes=("vag",))
    with pytest.raises(BroadcastError) as refused:
        await create(service, ADMIN, note(audience=Audience(oblasts=(VOLYN,))))
    assert refused.value.code == "empty-audience"
    assert await counts(db) == (0, 0)


async def test_limits_are_measured_on_the_rendered_message(
    db: Database,
    service: BroadcastService,
    translations: Translations,
    associations: list[AssociationInfo],
) -> None:
    await seed_members(db, [1001], codes=("vag",))
    render = announcement_renderer(translations, associations)
    # English members get the Ukrainian text under the (longer) English header.
    header = {locale: visible_length(render(note(text=""), locale)) for locale in ("uk", "en")}
    assert header["en"] > header["uk"]
    fits = note(text="я" * (TEXT_LIMIT - header["en"]))
    too_long = note(text="я" * (TEXT_LIMIT - header["en"] + 1))
    assert announcement_problems(fits, render) == []
    (problem,) = announcement_problems(too_long, render)
    assert problem.locale == "en"
    assert problem.code == "too-long" and problem.excess == 1 and problem.limit == TEXT_LIMIT
    # Tags and entities do not count; a caption has 1024.
    assert announcement_problems(note(text="<b>R&amp;" + "&amp;" * 900 + "D</b>"), render) == []
    caption = note(text="я" * CAPTION_LIMIT, kind="photo")
    assert {p.code for p in announcement_problems(caption, render)} == {"too-long"}
    # English text is measured with the English header.
    english = note(text="так", text_en="y" * TEXT_LIMIT)
    (en_problem,) = announcement_problems(english, render)
    assert en_problem.locale == "en"
    with pytest.raises(BroadcastError) as refused:
        await create(service, ADMIN, too_long)
    assert refused.value.code == "too-long"
    assert await counts(db) == (0, 0)


def test_attachments_photo_or_listed_documents_up_to_20_mb() -> None:
    def codes(announcement: Announcement) -> set[str]:
        return {p.code for p in announcement_problems(announcement)}

    assert codes(note(kind="photo")) == set()
    assert codes(note(kind="document", name="Порядок денний.PDF")) == set()
    assert codes(note(kind="document", name="table.xlsx", size=20 * 1024 * 1024)) == set()
    assert codes(note(kind="document", name="setup.exe")) == {"unsupported-attachment"}
    assert codes(note(kind="document", name=None)) == {"unsupported-attachment"}
    assert codes(note(kind="video")) == {"unsupported-attachment"}
    assert codes(note(kind="document", name="a.pdf", size=21 * 1024 * 1024)) == {"file-too-large"}
    assert codes(note(text="  ")) == {"empty-text"}


def test_the_member_sees_the_header_of_the_audience_associations(
    translations: Translations, associations: list[AssociationInfo]
) -> None:
    two = note(text="Текст", text_en="Text", audience=Audience(associations=("uaror", "vag")))
    assert render_announcement(two, "uk", translations, associations) == (
        "📢 <b>Оголошення · ВАГ, УАРОР</b>\n\nТекст"
    )
    assert render_announcement(two, "en", translations, associations) == (
        "📢 <b>Announcement · VAG, UAROR</b>\n\nText"
    )
    everyone = note(text="Текст", urgent=True)
    assert render_announcement(everyone, "en", translations, associations) == (
        "❗ <b>Urgent · VAG, Association of ATH, UAROR</b>\n\nТекст"
    )


# ------------------------------------------------------------------------ pause, resume, cancel


async def test_only_the_author_or_an_admin_may_pause_resume_or_cancel(
    db: Database, service: BroadcastService
) -> None:
    await seed_members(db, range(1001, 1011), codes=("vag",))
    broadcast_id = await create(service, VAG, note())
    for outsider in (VAG_2, UAROR, NOBODY):
        for action in (service.pause, service.resume, service.cancel):
            with pytest.raises(BroadcastError) as refused:
                await action(outsider, broadcast_id)
            assert refused.value.code == "not-allowed"
    paused = await service.pause(VAG, broadcast_id)
    assert paused.status == BroadcastStatus.PAUSED
    assert (await service.pause(VAG, broadcast_id)).status == BroadcastStatus.PAUSED  # twice
    assert (await service.resume(ADMIN, broadcast_id)).status == BroadcastStatus.SENDING
    cancelled = await service.cancel(ADMIN, broadcast_id)
    assert cancelled.status == BroadcastStatus.CANCELLED
    assert cancelled.cancelled == 10 and cancelled.remaining == 0
    with pytest.raises(BroadcastError) as finished:
        await service.resume(VAG, broadcast_id)
    assert finished.value.code == "finished"
    with pytest.raises(BroadcastError) as unknown:
        await service.pause(ADMIN, 999)
    assert unknown.value.code == "not-found"
    async with db.transaction() as session:
        actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-3:] == ["broadcast.paused", "broadcast.sending", "broadcast.cancelled"]


async def test_cancel_leaves_rows_in_flight_alone(db: Database, service: BroadcastService) -> None:
    await seed_members(db, range(1001, 1004), codes=("vag",))
    broadcast_id = await create(service, VAG, note())
    async with db.transaction() as session:
        first = await session.scalar(select(func.min(BroadcastDelivery.id)))
        await session.execute(
            update(BroadcastDelivery)
            .where(BroadcastDelivery.id == first)
            .values(status=DeliveryStatus.SENDING, claimed_by="someone")
        )
    progress = await service.cancel(VAG, broadcast_id)
    assert progress.cancelled == 2 and progress.remaining == 1
    assert not progress.is_final


async def test_progress_buttons_through_the_dispatcher(
    db: Database, associations: list[AssociationInfo]
) -> None:
    """⏸, ▶️ and ✖️ (with its confirmation) pressed on the progress message; another staff
    member's press and a forged id are refused politely and change nothing."""
    await seed_members(db, range(1001, 1006), codes=("vag",))
    app = await build_app(db, admin_ids=str(ADMIN))
    service: BroadcastService = app.dp["broadcasts"]
    broadcast_id = await create(service, VAG, note())
    await post_progress_message(app.bot, service, app.dp["translations"], broadcast_id, VAG, "uk")
    sent = next(c for c in app.session.calls if isinstance(c, SendMessage))
    assert isinstance(sent.reply_markup, InlineKeyboardMarkup)
    progress_message = Message(
        message_id=777,
        date=datetime.now(),
        chat=Chat(id=VAG, type="private"),
        from_user=BOT_USER,
        text=sent.text,
        reply_markup=sent.reply_markup,
    )

    def button(markup: object, text: str) -> str:
        assert isinstance(markup, InlineKeyboardMarkup)
        for row in markup.inline_keyboard:
            for candidate in row:
                if text in candidate.text:
                    return candidate.callback_data or ""
        raise AssertionError(f"no {text!r} in {markup}")

    def answers() -> list[AnswerCallbackQuery]:
        return [c for c in app.session.calls if isinstance(c, AnswerCallbackQuery)]

    def edits() -> list[EditMessageText]:
        return [c for c in app.session.calls if isinstance(c, EditMessageText)]

    author = app.member(VAG)
    colleague = app.member(VAG_2)
    pause = button(sent.reply_markup, "Призупинити")

    await colleague.press(pause, progress_message)
    assert answers()[-1].show_alert and "немає права" in (answers()[-1].text or "")
    assert (await service.progress(broadcast_id)).status == BroadcastStatus.SENDING

    await author.press(pause, progress_message)
    assert answers()[-1].text == "Розсилку призупинено."
    assert (await service.progress(broadcast_id)).status == BroadcastStatus.PAUSED
    shown = edits()[-1]
    assert "Призупинено" in shown.text
    resume = button(shown.reply_markup, "Продовжити")

    await author.press(resume, progress_message)
    assert (await service.progress(broadcast_id)).status == BroadcastStatus.SENDING
    cancel = button(edits()[-1].reply_markup, "Скасувати")

    await author.press(cancel, progress_message)
    assert "Скасувати розсилку?" in (answers()[-1].text or "")
    assert (await service.progress(broadcast_id)).status == BroadcastStatus.SENDING
    confirm = button(edits()[-1].reply_markup, "Так, скасувати")
    keep = button(edits()[-1].reply_markup, "Ні, не скасовувати")
    await author.press(keep, progress_message)
    assert (await service.progress(broadcast_id)).status == BroadcastStatus.SENDING

    forged = confirm.replace(f":{broadcast_id}", ":9999")
    await author.press(forged, progress_message)
    assert "не знайдено" in (answers()[-1].text or "")

    admin = app.member(ADMIN)
    await admin.press(confirm, progress_message)
    progress = await service.progress(broadcast_id)
    assert progress.status == BroadcastStatus.CANCELLED and progress.cancelled == 5
    assert "Скасовано" in edits()[-1].text and edits()[-1].reply_markup is None

    await author.press(pause, progress_message)
    assert "вже завершено" in (answers()[-1].text or "")


# ------------------------------------------------------------------------------ News


async def test_news_lists_what_reached_the_member_newest_first(
    db: Database, service: BroadcastService
) -> None:
    await seed_members(db, [1001], codes=("vag",))
    await seed_members(db, [1002], codes=("uaror",))
    await seed_members(db, [1003], codes=("vag",), muted=True)
    await seed_members(db, [1004], codes=("vag",), verified=False)
    first = await create(service, VAG, note(text="Перше"))
    second = await create(service, ADMIN, note(text="Друге", urgent=True))
    third = await create(service, UAROR, note(text="Третє"))
    cancelled = await create(service, VAG, note(text="Скасоване"))
    await service.cancel(VAG, cancelled)

    assert [n.broadcast_id for n in await service.news_for(1001)] == [second, first]
    assert [n.broadcast_id for n in await service.news_for(1002)] == [third, second]
    # Muted: only the urgent one reached them, but News shows what their audience got.
    assert [n.broadcast_id for n in await service.news_for(1003)] == [second, first]
    assert await service.news_for(1004) == []
    assert await service.news_for(NOBODY) == []
    item = await service.news_item(1001, first)
    assert item is not None and item.text_uk == "Перше" and item.audience.associations == ("vag",)
    assert await service.news_item(1001, third) is None  # not theirs
    assert await service.news_item(1001, cancelled) is None
    assert len(await service.news_for(1001, limit=1)) == 1
