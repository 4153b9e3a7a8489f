"""An announcement to 200 members: the real bot process over HTTP against the fake Bot API server
in its limits mode (30 sends/s overall, 1/s per chat, 429 beyond that), with blocked and
deactivated chats, injected 429s and random 5xx. A staff member composes it in private chat;
afterwards every member's chat is checked: each reachable member got exactly one copy, in their
language; the blocked ones got none and are marked unreachable."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.emulator import BotProcess, FakeTelegram
from bot.emulator.server import BLOCKED, DEACTIVATED, FakeUser, SendLimits
from bot.services.members import MemberService, RegistrationForm
from bot.services.verification import VerificationService
from storage.db import Database
from storage.models import BroadcastDelivery, DeliveryStatus, Member
from tests.e2e.test_member_e2e import started

ADMIN = 1
MEMBERS = 200
FIRST_MEMBER = 20_000
SEED = 5
ASSOCIATIONS = ("vag", "aotg", "uaror")
OBLASTS = (
    "UA05000000000010236",
    "UA07000000000024379",
    "UA12000000000090473",
    "UA14000000000091971",
    "UA18000000000041385",
)
TEXT_UK = "Засідання правління відбудеться у четвер о 10:00. Порядок денний додаємо."
TEXT_EN = "The board meets on Thursday at 10:00. The agenda is attached."
# Members the fake answers 403 for besides the seeded share: they blocked the bot.
BLOCKED_BY_HAND = (FIRST_MEMBER + 7, FIRST_MEMBER + 150)
# Members who must not receive it: not verified, and one who muted announcements.
UNVERIFIED = 30_001
MUTED = 30_002


def member_locale(index: int) -> str:
    return "en" if index % 3 == 0 else "uk"


async def seed_members(fake: FakeTelegram, db: Database) -> dict[int, str]:
    """200 registered, verified members (mixed locales, associations, oblasts, positions) and
    two who must get nothing; returns the recipients' locales by chat id."""
    members = MemberService(db)
    verification = VerificationService(db, frozenset({ADMIN}))
    locales: dict[int, str] = {}
    roles = ("hromada_head", "hromada_deputy", "council_secretary", "other")
    everyone = [*range(FIRST_MEMBER, FIRST_MEMBER + MEMBERS), UNVERIFIED, MUTED]
    for index, chat_id in enumerate(everyone):
        locale = member_locale(index)
        fake.user(chat_id, first_name=f"Member{index}", language_code=locale).chat  # noqa: B018
        await members.set_locale(chat_id, locale)
        await members.register(
            chat_id,
            RegistrationForm(
                full_name=f"Член Асоціації {index}",
                role=roles[index % len(roles)],
                oblast_code=OBLASTS[index % len(OBLASTS)],
                hromada_code=None,
                hromada_text="Громада",
                association_codes=list({ASSOCIATIONS[index % 3], ASSOCIATIONS[(index * 7) % 3]}),
                associations_unsure=False,
            ),
        )
        if chat_id != UNVERIFIED:
            await verification.decide(chat_id, ADMIN, approve=True)
        if chat_id == MUTED:
            await members.set_announcements_muted(chat_id, True)
        elif chat_id != UNVERIFIED:
            locales[chat_id] = locale
    return locales


async def test_announcement_reaches_every_reachable_member_once_in_their_language(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    limits = SendLimits(
        global_per_second=30,
        per_chat_per_second=1,
        forbidden_share=0.02,
        deactivated_share=0.01,
        server_error_share=0.01,
        seed=SEED,
        exempt_chats=frozenset({ADMIN}),
    )
    fake_telegram.set_limits(limits)
    await started(bot_factory, fake_telegram, admin_ids=[ADMIN])
    locales = await seed_members(fake_telegram, db)
    assert len(locales) == MEMBERS
    for chat_id in BLOCKED_BY_HAND:
        fake_telegram.block(chat_id)
    unreachable = {
        chat_id
        for chat_id in locales
        if chat_id in BLOCKED_BY_HAND or fake_telegram.chat_fault(chat_id) is not None
    }
    assert {fake_telegram.chat_fault(c) for c in unreachable} >= {BLOCKED, DEACTIVATED}
    assert 4 <= len(unreachable) <= 15
    reachable = sorted(set(locales) - unreachable)
    # On top of the limits' own 429s and the random 5xx: a long 429, repeated 5xx for one chat.
    fake_telegram.inject("sendMessage", 429, retry_after=3, chat_id=reachable[0])
    fake_telegram.inject("sendMessage", 502, chat_id=reachable[1], times=2)
    fake_telegram.inject("sendMessage", 500, chat_id=reachable[2])
    fake_telegram.inject("sendMessage", 429, retry_after=1, chat_id=reachable[3], times=2)

    admin = fake_telegram.user(ADMIN, first_name="Оксана", last_name="Мельник")
    await compose_and_confirm(admin)
    final = await admin.wait_for("Підсумок розсилки", timeout=90)
    assert f"надіслано: {len(reachable)}" in final["text"]
    assert f"недоступні: {len(unreachable)}" in final["text"]
    assert "не вдалося надіслати: 0" in final["text"]

    for chat_id, locale in locales.items():
        copies = fake_telegram.chat(chat_id).bot_messages()
        if chat_id in unreachable:
            assert copies == [], chat_id
            continue
        assert len(copies) == 1, (chat_id, [m.get("text") for m in copies])
        text = copies[0]["text"]
        if locale == "en":
            assert text.startswith("📢 Announcement"), text
            assert "The board meets on Thursday at 10:00" in text
        else:
            assert text.startswith("📢 Оголошення"), text
            assert "Засідання правління відбудеться у четвер о 10:00" in text
        assert "reply_markup" not in copies[0]  # no buttons on an announcement
    for chat_id in (UNVERIFIED, MUTED):
        assert fake_telegram.chat(chat_id).bot_messages() == []

    async with db.transaction() as session:
        rows = dict(
            (
                await session.execute(select(BroadcastDelivery.chat_id, BroadcastDelivery.status))
            ).all()
        )
        reachable_flags = dict(
            (await session.execute(select(Member.telegram_id, Member.reachable))).all()
        )
    assert set(rows) == set(locales)
    assert {c for c, s in rows.items() if s == DeliveryStatus.UNREACHABLE} == unreachable
    assert {c for c, s in rows.items() if s == DeliveryStatus.SENT} == set(reachable)
    assert {c for c in locales if not reachable_flags[c]} == unreachable

    stats = fake_telegram.limit_stats
    # The sender kept under the fake's limits by itself: not one 429 of its own making ...
    assert stats.too_many == 0, stats.retry_afters
    # ... and got over the injected ones (each chat above got its copy after them).
    codes = [code for method, code, _ in fake_telegram.errors if method == "sendMessage"]
    assert codes.count(429) == 3
    assert sum(1 for code in codes if code >= 500) == 3 + stats.server_errors
    assert stats.forbidden == len(unreachable) - len(BLOCKED_BY_HAND)  # one 403 each, no retry
    fake_telegram.assert_no_violations()


async def compose_and_confirm(admin: FakeUser) -> None:
    """The admin composes the announcement through /broadcast and confirms it."""
    await admin.send("/broadcast")
    await admin.wait_for("Крок 1 з 5", timeout=20)
    await admin.send(TEXT_UK)
    await admin.wait_for("Крок 2 з 5")
    await admin.send(TEXT_EN)
    await admin.wait_for("Крок 3 з 5")
    await admin.click("Без вкладення")
    await admin.wait_for("Крок 4 з 5")
    await admin.click("Далі")  # no filter chosen: all verified members
    await admin.wait_for("Крок 5 з 5")
    await admin.click("Ні, звичайне")
    preview = await admin.wait_for("Перевірте оголошення")
    assert f"Отримувачів:</b> {MEMBERS}" in preview.get("source_text", "") or (
        f"Отримувачів: {MEMBERS}" in preview["text"]
    ), preview["text"]
    await admin.click("Надіслати")
