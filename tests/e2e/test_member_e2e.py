"""The real bot process, over HTTP, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import copy
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiohttp

from bot.emulator import BotProcess, FakeTelegram, FakeUser
from bot.services.katottg import import_codifier
from bot.services.members import MemberService
from bot.settings import DEFAULT_DATABASE_URL
from storage.db import Database
from tests.conftest import FIXTURES, ROOT


async def started(
    bot_factory: Callable[..., BotProcess], fake: FakeTelegram, **kw: object
) -> BotProcess:
    fake.reset_polling_flag()
    process = await bot_factory(**kw).start()
    await fake.wait_polling(timeout=90)
    return process


async def wait_button(
    user: FakeUser, text: str, seconds: float = 10, *, after: int | None = None
) -> None:
    """Wait until the last keyboard shows a button with exactly this text (on a message newer
    than message id `after`, when given: the answer to what was just sent)."""

    def shown() -> bool:
        last = user.last_message()
        newer = after is None or (last is not None and last["message_id"] > after)
        return newer and text in user.buttons()

    async with asyncio.timeout(seconds):
        while not shown():  # noqa: ASYNC110 - the fake has no event for this
            await asyncio.sleep(0.02)


async def register(
    user: FakeUser, *, oblast: str = "Вінницька", hromada: str = "Іллінецька"
) -> None:
    """The whole registration in Ukrainian, with no codifier imported."""
    await user.send("/start")
    await user.wait_for("Оберіть мову", timeout=20)
    await user.click("Українська")
    await user.wait_for("Згода на обробку")
    await user.click("Погоджуюся")
    await user.wait_for("Як до вас звертатися")
    await user.send("Олена Петренко")
    await user.wait_for("Оберіть вашу посаду")
    await user.click("^Голова громади$")
    await user.wait_for("Оберіть область")
    await user.click(oblast)
    await user.wait_for("Надішліть назву вашої громади")
    await user.send(hromada)
    await user.wait_for("Членом яких асоціацій")
    await user.click("ВАГ")
    await wait_button(user, "✅ ВАГ")
    await user.click("Далі")
    await user.wait_for("Останній крок")
    await user.press_reply_button("Поділитися номером")
    await user.wait_for("Реєстрацію завершено")


async def test_bot_starts_registers_commands_and_a_member_registers(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    await started(bot_factory, fake_telegram, admin_ids=[1])
    user = fake_telegram.user(1001, first_name="Олена", last_name="Петренко")
    await register(user)

    profile = await MemberService(db).get(1001)
    assert profile is not None and profile.registered
    assert profile.hromada_text == "Іллінецька" and profile.association_codes == ("vag",)
    assert profile.phone == user.phone_number
    assert user.reply_keyboard is None  # the contact keyboard is gone after the last step
    uk = fake_telegram.commands[("default", "uk")]
    en = fake_telegram.commands[("default", "")]
    assert [c["command"] for c in uk] == [
        "start",
        "menu",
        "profile",
        "language",
        "privacy",
        "help",
        "cancel",
    ]
    assert uk[0]["description"] == "Почати роботу з ботом"
    assert en[0]["description"] == "Start using the bot"
    fake_telegram.assert_no_violations()


async def test_restart_in_the_middle_of_registration_resumes_at_the_same_step(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    first = await started(bot_factory, fake_telegram)
    user = fake_telegram.user(2002)
    await user.send("/start")
    await user.wait_for("Оберіть мову", timeout=20)
    await user.click("Українська")
    await user.wait_for("Згода на обробку")
    await user.click("Погоджуюся")
    await user.wait_for("Як до вас звертатися")
    # aiogram-dialog saves the step just after showing it: give it that moment, then kill -9.
    await asyncio.sleep(1)
    await first.kill()

    await started(bot_factory, fake_telegram)
    await user.send("Марія Коваль")
    await user.wait_for("Оберіть вашу посаду", timeout=20)
    # /start after the restart shows the step the member is on, not the beginning.
    role_step = user.last_message()["message_id"]
    await user.send("/start")
    # The step comes anew below; the earlier message's buttons are outdated from then on.
    await wait_button(user, "Секретар ради", after=role_step)
    assert "Оберіть вашу посаду" in user.last_message()["text"]
    await user.click("Секретар ради")
    await user.wait_for("Оберіть область")
    fake_telegram.assert_no_violations()


async def test_stale_button_after_restart_gets_an_answer_and_the_menu(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    first = await started(bot_factory, fake_telegram)
    user = fake_telegram.user(3003)
    await register(user)
    menu = copy.deepcopy(user.last_message())
    assert menu is not None and "Головне меню" in menu["text"]
    old_data = next(
        button["callback_data"]
        for row in menu["reply_markup"]["inline_keyboard"]
        for button in row
        if "Мій профіль" in button["text"]
    )
    await user.send("/menu")  # a new menu: the old one's dialog is closed
    await user.wait_for("Головне меню")
    await asyncio.sleep(1)
    await first.kill()
    await started(bot_factory, fake_telegram)

    callback_id = await user.send_callback(old_data, message_id=menu["message_id"])
    answer = await user.wait_answer(callback_id, timeout=20)
    assert answer["text"] == "Ця кнопка застаріла. Ось поточне меню."
    await user.wait_for("Головне меню")
    # aiogram-dialog clears the keyboard of the pressed message, which /menu had already cleared.
    fake_telegram.assert_no_violations(ignore=("message is not modified",))


async def test_language_switch_changes_every_later_message(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    await started(bot_factory, fake_telegram)
    user = fake_telegram.user(4004)
    await register(user)
    await user.send("/language")
    await user.wait_for("Оберіть мову спілкування")
    callback_id = await user.click("English")
    assert (await user.wait_answer(callback_id))["text"] == "Language changed: English."
    await user.wait_for("Main menu")
    await user.send("/help")
    await user.wait_for("This bot is the joint platform")
    await user.send("/profile")
    await user.wait_for(r"My profile.*Head of hromada.*Vinnytsia Oblast")
    await user.send("what is this?")
    await user.wait_for("please choose one of the buttons")
    scoped = fake_telegram.commands[("chat:4004", "")]
    assert scoped[0]["description"] == "Start using the bot"
    fake_telegram.assert_no_violations()


async def test_bad_inputs_are_answered_clearly(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    report = await import_codifier(db, FIXTURES / "katottg_small.csv")
    assert report.selectable_hromadas > 0
    await started(bot_factory, fake_telegram)
    user = fake_telegram.user(5005)
    await user.send("/start")
    await user.wait_for("Оберіть мову", timeout=20)

    for forged in ("forged:data", "\x1dforged"):
        shown = user.last_message()["message_id"]
        callback_id = await user.send_callback(forged)
        answer = await user.wait_answer(callback_id)
        assert answer["text"].startswith("Ця кнопка застаріла")
        # The step again, as a new message below.
        await wait_button(user, "🇺🇦 Українська", after=shown)

    await user.click("Українська")
    await user.wait_for("Згода на обробку")
    await user.click("Погоджуюся")
    await user.wait_for("Як до вас звертатися")
    await user.send_sticker()
    await user.wait_for("надішліть відповідь текстом")
    await user.send("Я" * 5000)
    await user.wait_for("Ім’я задовге: 5\xa0000 символів")
    await user.send("Олена Петренко")
    await user.wait_for("Оберіть вашу посаду")
    await user.click("^Голова громади$")
    await user.wait_for("Оберіть область")
    await user.click("Київська")
    await user.wait_for("Надішліть назву вашої громади або кілька перших літер")
    await user.send("Qwerty zzz")
    await user.wait_for("Громаду «Qwerty zzz» в області «Київська область» не знайдено")
    await user.send("bila tserkva")
    await user.wait_for("Ось громади, схожі на «bila tserkva»")
    await wait_button(user, "Білоцерківська громада (Білоцерківський р-н)")
    await user.click("Білоцерківська")
    await user.wait_for("Членом яких асоціацій")
    await user.click("Не впевнений")
    await user.wait_for("Останній крок")
    await user.send_contact("+380671112233", user_id=999)
    await user.wait_for("Це не ваш контакт")
    await user.press_reply_button("Пропустити")
    await user.wait_for("Реєстрацію завершено")
    profile = await MemberService(db).get(5005)
    assert profile is not None and profile.hromada_code == "UA32020010000093088"
    assert profile.phone is None
    fake_telegram.assert_no_violations()


async def test_staff_invite_deep_link_is_admin_only_and_one_time(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    await started(bot_factory, fake_telegram, admin_ids=[1])
    stranger = fake_telegram.user(6006)
    await stranger.send("/invite")
    await stranger.wait_for("лише адміністраторам", timeout=20)

    admin = fake_telegram.user(1)
    await admin.send("/invite")
    await admin.wait_for("Для якої асоціації")
    await admin.click("УАРОР")
    message = await admin.wait_for(r"start=inv_")
    link = next(part for part in message["text"].split() if "start=inv_" in part)
    payload = link.split("start=", 1)[1]

    officer = fake_telegram.user(7007)
    await officer.send(f"/start {payload}")
    await officer.wait_for("Вас додано до працівників секретаріату УАРОР")
    late = fake_telegram.user(8008)
    await late.send(f"/start {payload}")
    await late.wait_for("Це запрошення вже використано")
    await asyncio.sleep(0)
    fake_telegram.assert_no_violations()


async def test_default_sqlite_database_is_created_and_migrated_under_var(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    await started(
        bot_factory,
        fake_telegram,
        database_url=DEFAULT_DATABASE_URL,
        cwd=home,
        extra_env={"PYTHONPATH": str(ROOT)},
    )
    user = fake_telegram.user(9009, language_code="en")
    await user.send("/start")
    await user.wait_for("Choose your language", timeout=20)
    database = home / "var" / "hromada-bot.sqlite3"
    assert database.exists()
    with sqlite3.connect(database) as connection:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        codes = [row[0] for row in connection.execute("SELECT code FROM associations")]
    assert version is not None
    assert sorted(codes) == ["aotg", "uaror", "vag"]


async def test_webhook_mode_checks_the_secret_and_answers(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await bot_factory(
        extra_env={
            "WEBHOOK_URL": "https://bot.example.org",
            "WEBHOOK_SECRET": "webhook-Secret_0123456789abcdefXYZ",
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        }
    ).start()
    webhook = await fake_telegram.wait_webhook(timeout=90)
    assert webhook == {
        "url": "https://bot.example.org/telegram/webhook",
        "secret_token": "webhook-Secret_0123456789abcdefXYZ",
    }
    endpoint = f"http://127.0.0.1:{port}/telegram/webhook"

    async with aiohttp.ClientSession() as session:
        forged = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "/start",
                "chat": {"id": 1, "type": "private"},
            },
        }
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with session.post(endpoint, json=forged, headers=headers) as answer:
                assert answer.status == 401

    fake_telegram.deliver_webhooks_to(endpoint)
    user = fake_telegram.user(9100, language_code="en")
    await user.send("/start")
    await user.wait_for("Choose your language", timeout=20)
    await user.click("English")
    await user.wait_for("Consent to the processing")
    assert fake_telegram.webhook_answers == [200, 200]
    fake_telegram.assert_no_violations()


async def test_registration_completes_through_429_and_5xx(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    await started(bot_factory, fake_telegram)
    fake_telegram.inject("sendMessage", 429, retry_after=1, times=1)
    fake_telegram.inject("editMessageText", 502, times=1)
    fake_telegram.inject("answerCallbackQuery", 500, times=1)
    user = fake_telegram.user(9200, first_name="Олена", last_name="Петренко")
    await register(user)
    injected = sorted(code for _, code, _ in fake_telegram.errors)
    assert injected == [429, 500, 502]
    profile = await MemberService(db).get(9200)
    assert profile is not None and profile.registered
    fake_telegram.assert_no_violations()
