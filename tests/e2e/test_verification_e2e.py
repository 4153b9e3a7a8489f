"""A new member's verification card in the bound staff group, approved there: the real bot process
over HTTP against the fake Bot API server."""

from __future__ import annotations

from collections.abc import Callable

from bot.emulator import BotProcess, FakeTelegram
from bot.services.members import MemberService
from bot.services.staff import StaffService
from storage.db import Database
from storage.models import StaffRole
from tests.e2e.test_member_e2e import register, started


async def test_staff_approve_a_new_member_in_the_bound_group(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    await started(bot_factory, fake_telegram, admin_ids=[1])
    admin = fake_telegram.user(1, first_name="Адмін")
    staff = fake_telegram.user(500, first_name="Ірина", last_name="Коваль")
    await StaffService(db, frozenset({1})).grant(500, StaffRole.STAFF, "vag")
    group = fake_telegram.group(-1001234567890, "Секретаріат ВАГ")
    await admin.send("/bind vag", chat=group)
    await admin.wait_for("Групу прив’язано", chat=group)

    # A member registers (VAG, phone shared): the card appears in the group.
    member = fake_telegram.user(1001, first_name="Олена", last_name="Петренко")
    staff.mark()
    await register(member)
    card = await staff.wait_for("Новий член", chat=group)
    assert "Олена Петренко — Голова громади" in card["text"]
    assert "Іллінецька, Вінницька область" in card["text"]
    # Not everyone in the group is staff: the card says a phone was shared, not the number.
    assert member.phone_number not in card["text"]
    assert "Номер телефону надано" in card["text"]
    assert staff.buttons(card, chat=group) == [
        "✅ Підтвердити",
        "❌ Відхилити",
        "📞 Номер телефону",
    ]
    [[_, _], [phone_button]] = card["reply_markup"]["inline_keyboard"]
    assert phone_button["url"] == "https://t.me/hromada_test_bot?start=vp1001"

    # The button's link, opened by staff in private chat, shows the number there.
    staff.mark()
    await staff.send("/start vp1001")
    shown = await staff.wait_for("📞")
    assert member.phone_number in shown["text"]

    # Someone in the group without staff rights is refused.
    outsider = fake_telegram.user(777, first_name="Сторонній")
    refused = await outsider.wait_answer(
        await outsider.click("Підтвердити", message=card, chat=group)
    )
    assert refused["text"].startswith("⛔ Підтверджувати членство можуть лише")

    # Staff approve: the card shows who decided, and the member is told.
    member.mark()
    answered = await staff.wait_answer(await staff.click("Підтвердити", message=card, chat=group))
    assert answered["text"] == "✅ Членство підтверджено, члена сповіщено."
    edited = await staff.wait_for("Членство підтвердив", chat=group)
    assert "Ірина Коваль" in edited["text"]
    assert staff.buttons(edited, chat=group) == ["📞 Номер телефону"]
    await member.wait_for("Секретаріат асоціації підтвердив ваше членство")

    profile = await MemberService(db).get(1001)
    assert profile is not None and profile.verification == "verified"
    fake_telegram.assert_no_violations()
