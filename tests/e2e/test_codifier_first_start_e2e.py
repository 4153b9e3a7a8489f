"""A new deployment's first start: the real bot imports the codifier that ships with it, and a
new member finds their hromada at once; a database that has units is left as it is."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from bot.emulator import BotProcess, FakeTelegram
from bot.services.katottg import import_codifier
from bot.services.members import MemberService
from storage.db import Database
from storage.models import AdminUnit
from tests.conftest import FIXTURES

IMPORT_ON = {"CODIFIER_IMPORT_ON_START": "true"}
IMPORTED = "КАТОТТГ codifier imported from kodifikator-16-05-2025.csv (shipped with the bot)"
BUCHA_HROMADA = "UA32080070000050759"


async def unit_count(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(AdminUnit)) or 0)


async def test_first_start_imports_the_codifier_and_a_member_finds_bucha(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    assert await unit_count(db) == 0
    process = await bot_factory(extra_env=IMPORT_ON).start()
    # The import comes before polling, on a busy machine a few seconds.
    await fake_telegram.wait_polling(timeout=90)
    log = process.log_text()
    assert f"{IMPORTED}: 31748 units, 1469 hromadas offered, in " in log
    assert await unit_count(db) == 31748

    user = fake_telegram.user(9101, first_name="Михайло")
    await user.send("/start")
    await user.wait_for("Оберіть мову", timeout=30)
    await user.click("Українська")
    await user.wait_for("Згода на обробку")
    await user.click("Погоджуюся")
    await user.wait_for("Як до вас звертатися")
    await user.send("Михайло Коваль")
    await user.wait_for("Оберіть вашу посаду")
    await user.click("^Голова громади$")
    await user.wait_for("Оберіть область")
    await user.click("Київська")
    await user.wait_for("Надішліть назву вашої громади або кілька перших літер")
    await user.send("бучанська")
    await user.wait_for("Ось громади, схожі на «бучанська»")
    assert "Бучанська громада (Бучанський р-н)" in user.buttons()
    await user.click("Бучанська громада")
    await user.wait_for("Членом яких асоціацій")
    await user.click("Не впевнений")
    await user.wait_for("Останній крок")
    await user.press_reply_button("Пропустити")
    await user.wait_for("Реєстрацію завершено")

    profile = await MemberService(db).get(9101)
    assert profile is not None and profile.hromada_code == BUCHA_HROMADA
    fake_telegram.assert_no_violations()


async def test_a_database_with_units_is_not_imported_into(
    fake_telegram: FakeTelegram, bot_factory: Callable[..., BotProcess], db: Database
) -> None:
    await import_codifier(db, FIXTURES / "katottg_small.csv")
    process = await bot_factory(extra_env=IMPORT_ON).start()
    await fake_telegram.wait_polling(timeout=60)
    user = fake_telegram.user(9102)
    await user.send("/start")
    await user.wait_for("Оберіть мову", timeout=30)

    assert "КАТОТТГ codifier imported" not in process.log_text()
    assert await unit_count(db) == 45
    fake_telegram.assert_no_violations()
