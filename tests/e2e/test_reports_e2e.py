"""An urgent-issue report handled by staff in their bound group: the real bot process over HTTP
against the fake Bot API server. The reporter writes in Ukrainian, a co-signer in English; each
change reaches both, each in their own language."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from bot.emulator import BotProcess, FakeTelegram
from bot.emulator.server import FakeUser
from bot.services.members import MemberService, RegistrationForm
from bot.services.staff import StaffService
from storage.db import Database
from storage.models import StaffRole
from tests.e2e.test_member_e2e import register, started

GROUP = -1001234567890
TITLE = "Школа без опалення"
DESCRIPTION = "Котельня школи не працює третій тиждень, діти навчаються в куртках."
REFERENCE_RE = re.compile(r"R-\d{4}-\d{5}")


async def fill_report(user: FakeUser, button: str, category: str, urgency: str) -> None:
    """The report dialog from the main menu up to the similar reports or the preview, with
    no files, residents, groups or DREAM id."""
    shown = user.last_message()
    before = shown["message_id"] if shown else 0
    await user.send("/menu")
    async with asyncio.timeout(10):  # the new menu, not the one registration ended with
        while True:
            menu = user.last_message()
            if menu and menu["message_id"] > before and button in user.buttons(menu):
                break
            await asyncio.sleep(0.02)
    await user.click(button, message=menu)
    await user.wait_for("Крок 1|Step 1")
    await user.click(category)
    await user.wait_for("Крок 2|Step 2")
    await user.click(urgency)
    await user.wait_for("Крок 3|Step 3")
    await user.send(TITLE)
    await user.wait_for("Крок 4|Step 4")
    await user.send(DESCRIPTION)
    await user.wait_for("Крок 5|Step 5")
    await user.click("Пропустити|Skip")
    await user.wait_for("Крок 6|Step 6")
    await user.click("Пропустити|Skip")
    await user.wait_for("Крок 7|Step 7")
    await user.click("Далі|Next")
    await user.wait_for("Крок 8|Step 8")
    await user.click("Пропустити|Skip")


async def test_report_card_handled_by_staff_reaches_reporter_and_cosigner(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    await started(bot_factory, fake_telegram, admin_ids=[1])
    admin = fake_telegram.user(1, first_name="Адмін")
    staff = fake_telegram.user(500, first_name="Ірина", last_name="Коваль")
    await StaffService(db, frozenset({1})).grant(500, StaffRole.STAFF, "vag")
    group = fake_telegram.group(GROUP, "Секретаріат ВАГ")
    await admin.send("/bind vag", chat=group)
    await admin.wait_for("Групу прив’язано", chat=group)

    # The reporter registers in Ukrainian through the bot; the co-signer is an English speaker.
    reporter = fake_telegram.user(1001, first_name="Олена", last_name="Петренко")
    await register(reporter)
    cosigner = fake_telegram.user(1002, first_name="Ivan", language_code="en")
    members = MemberService(db)
    await members.set_locale(1002, "en")
    await members.register(
        1002,
        RegistrationForm(
            full_name="Ivan Bondar",
            role="hromada_head",
            oblast_code="UA05000000000010236",
            hromada_code=None,
            hromada_text="Bar",
            association_codes=["vag"],
            associations_unsure=False,
        ),
    )
    await cosigner.send("/start")  # Telegram lets a bot write only to those who started it
    await cosigner.wait_for("Main menu|main menu|Головне меню")
    # The reporter files the report through the dialog; its card reaches the bound group.
    staff.mark()
    await fill_report(
        reporter, "📝 Повідомити про проблему", "Законодавство та повноваження", "Критична"
    )
    await reporter.wait_for("Перевірте звернення")
    await reporter.click("Надіслати")
    done = await reporter.wait_for("Звернення зареєстровано")
    found = REFERENCE_RE.search(done["text"])
    assert found is not None
    reference = found.group(0)
    card = await staff.wait_for(f"Звернення {reference}", chat=group)
    assert TITLE in card["text"] and "Олена Петренко" in card["text"]
    assert "📌 Статус: нове" in card["text"]

    # The co-signer, writing about the same trouble, is offered the report and joins it.
    await fill_report(cosigner, "📝 Report an issue", "Legislation and powers", "Critical")
    await cosigner.wait_for("Other hromadas may have reported")
    await cosigner.click(f"Join {reference}")
    await cosigner.wait_for("You have joined report")

    # Someone in the group without staff rights can neither press nor answer.
    outsider = fake_telegram.user(777, first_name="Сторонній")
    refused = await outsider.click("Взяти в роботу", message=card, chat=group)
    assert "лише працівники" in (await outsider.wait_answer(refused))["text"]
    outsider.mark()
    await outsider.send("Я теж відповім", chat=group, reply_to=card)
    await outsider.wait_for("Відповідати на звернення можуть лише", chat=group)

    # Staff take it: the card names them; members are not told of an assignment.
    staff.mark()
    taken = await staff.click("Взяти в роботу", message=card, chat=group)
    assert (await staff.wait_answer(taken))["text"] == "Звернення закріплено за вами."
    await staff.wait_for("Опрацьовує: Ірина Коваль", chat=group)

    # A public answer by reply reaches both members, each in their language.
    reporter.mark()
    cosigner.mark()
    staff.mark()
    await staff.send("Звернулися до Мінрегіону, чекаємо відповіді.", chat=group, reply_to=card)
    await staff.wait_for("Отримали: 2 з 2", chat=group)
    uk = await reporter.wait_for("Відповідь секретаріату асоціації")
    assert reference in uk["text"] and "Звернулися до Мінрегіону" in uk["text"]
    en = await cosigner.wait_for("The association's secretariat answers")
    assert reference in en["text"] and TITLE in en["text"]
    # An internal note reaches nobody.
    staff.mark()
    await staff.send("// Уточнити в Мінрегіоні", chat=group, reply_to=card)
    await staff.wait_for("Внутрішню нотатку збережено", chat=group)

    # Status: in progress, then escalated; each change reaches both members.
    for label, uk_name, en_name in (
        ("У роботі", "у роботі", "in progress"),
        ("Передати на національний рівень", "передано на національний рівень", "escalated"),
    ):
        choice = await staff.click("Змінити статус", message=card, chat=group)
        await staff.wait_answer(choice)  # the card's buttons are the choice of statuses now
        reporter.mark()
        cosigner.mark()
        await staff.click(label, message=card, chat=group)
        await staff.wait_for(f"📌 Статус: {uk_name}", chat=group)
        await reporter.wait_for(f"Статус звернення змінено: {uk_name}")
        await cosigner.wait_for(f"The report's status has changed: {en_name}")

    # Declined: the bot asks for the reason, given by replying to the card; both members get it.
    choice = await staff.click("Змінити статус", message=card, chat=group)
    await staff.wait_answer(choice)
    asked = await staff.click("Відхилити", message=card, chat=group)
    assert "надішліть причину" in (await staff.wait_answer(asked))["text"]
    reporter.mark()
    cosigner.mark()
    staff.mark()
    await staff.send(
        "Мінрегіон відмовив: питання поза його повноваженнями.", chat=group, reply_to=card
    )
    await staff.wait_for("Звернення відхилено", chat=group)
    await staff.wait_for("Причина відхилення: Мінрегіон відмовив", chat=group)
    declined = await reporter.wait_for("Статус звернення змінено: відхилено")
    assert "Причина: Мінрегіон відмовив" in declined["text"]
    declined = await cosigner.wait_for("The report's status has changed: declined")
    assert "Reason: Мінрегіон відмовив" in declined["text"]

    texts = [m.get("text", "") for m in reporter.messages + cosigner.messages]
    assert not any("Уточнити" in text for text in texts)
    fake_telegram.assert_no_violations()
