"""Registration and member basics, driven through the real dispatcher and dialogs."""

from __future__ import annotations

from aiogram.methods import SetMyCommands

from bot.services.members import MemberService
from tests.flows.harness import App, Member

VINNYTSIA = "UA05000000000010236"


async def register_until_hromada(member: Member, oblast: str = "Вінницька") -> None:
    await member.send("/start")
    await member.click("Українська")
    await member.click("Погоджуюся")
    await member.click("Олена Петренко")
    await member.click("^Голова громади$")
    await member.click(oblast)


async def test_full_registration_without_codifier(app: App) -> None:
    member = app.member()
    await member.send("/start")
    assert "Оберіть мову" in member.window()
    await member.click("Українська")
    assert "Згода на обробку персональних даних" in member.window()
    await member.click("Погоджуюся")
    assert "Як до вас звертатися" in member.window()
    assert "Олена Петренко" in member.window()  # prefilled from Telegram
    await member.click("Олена Петренко")
    assert "Оберіть вашу посаду" in member.window()
    await member.click("^Голова громади$")
    assert "Оберіть область" in member.window()
    assert len(member.buttons()) == 25 + 1  # 24 oblasts and Kyiv, plus "Back"
    await member.click("Вінницька")
    assert "Надішліть назву вашої громади" in member.window()
    await member.send("Іллінецька міська громада")
    assert "Членом яких асоціацій" in member.window()
    await member.click("ВАГ")
    await member.click("УАРОР")
    assert "✅ ВАГ" in member.buttons() and "✅ УАРОР" in member.buttons()
    await member.click("Далі")
    assert "Поділитися номером" in " ".join(member.buttons())
    await member.send_contact("+380501234567")
    assert "Реєстрацію завершено" in member.window()
    assert "Головне меню" in member.window()
    assert "Вітаємо, Олена Петренко!" in member.window()

    profile = await MemberService(app.db).get(1001)
    assert profile is not None and profile.registered
    assert profile.full_name == "Олена Петренко"
    assert profile.role == "hromada_head"
    assert profile.oblast_code == VINNYTSIA
    assert profile.hromada_text == "Іллінецька міська громада"
    assert profile.association_codes == ("vag", "uaror")
    assert profile.phone == "+380501234567"
    assert profile.locale == "uk"


async def test_typed_name_sticker_and_overlong_name(app: App) -> None:
    member = app.member()
    await member.send("/start")
    await member.click("Українська")
    await member.click("Погоджуюся")
    await member.send_sticker()
    assert member.replies()[-1] == "Будь ласка, надішліть відповідь текстом."
    await member.send("Я" * 5000)
    assert "Ім’я задовге: 5\xa0000 символів" in member.replies()[-1]
    assert "Як до вас звертатися" in member.window()  # still on the same step
    await member.send("  Іван   Коваль ")
    assert "Оберіть вашу посаду" in member.window()


async def test_kyiv_skips_the_hromada_step_and_not_sure_means_no_associations(app: App) -> None:
    member = app.member(2002, language_code="en-US")
    await member.send("/start")
    await member.click("English")
    await member.click("I agree")
    await member.send("John Smith")
    await member.click("Council secretary")
    await member.click("Kyiv City")
    assert "Which associations" in member.window()
    await member.click("Not sure")
    await member.press_reply("Skip")
    assert "Registration complete" in member.window()
    profile = await MemberService(app.db).get(2002)
    assert profile is not None
    assert profile.hromada_code == profile.oblast_code == "UA80000000000093317"
    assert profile.associations_unsure and profile.association_codes == ()
    assert profile.phone is None and profile.locale == "en"


async def test_someone_elses_contact_is_refused(app: App) -> None:
    member = app.member()
    await register_until_hromada(member)
    await member.send("Іллінецька")
    await member.click("Не впевнений")
    await member.send_contact("+380671112233", user_id=999)
    assert "Це не ваш контакт" in member.replies()[-1]
    await member.send("hello")
    assert "Поділитися номером" in member.replies()[-1]
    profile = await MemberService(app.db).get(1001)
    assert profile is not None and not profile.registered


async def test_no_associations_ticked_is_refused(app: App) -> None:
    member = app.member()
    await register_until_hromada(member)
    await member.send("Іллінецька")
    await member.click("Далі")
    assert "Членом яких асоціацій" in member.window()


async def test_forged_button_is_answered_and_shows_home(app: App) -> None:
    member = app.member()
    await member.send("/start")
    await member.press("\x1dforged-data")
    await member.press("nonsense")
    assert "Оберіть мову" in member.window()
    answers = [c for c in app.session.calls if type(c).__name__ == "AnswerCallbackQuery"]
    assert len(answers) == 2
    assert all(a.text == "Ця кнопка застаріла. Ось поточне меню." for a in answers)


async def test_language_switch_changes_every_later_message(app: App) -> None:
    member = app.member()
    await register_until_hromada(member)
    await member.send("Іллінецька")
    await member.click("Не впевнений")
    await member.press_reply("Пропустити")
    assert "Головне меню" in member.window()
    await member.send("/language")
    await member.click("English")
    assert "Main menu" in member.window()
    commands = [c for c in app.session.calls if isinstance(c, SetMyCommands)]
    assert commands[-1].commands[0].description == "Start using the bot"
    await member.send("/profile")
    assert "My profile" in member.window() and "Head of hromada" in member.window()
    await member.send("/nonsense")
    assert member.replies()[-1] == "There is no such command. See /help for the list."


async def test_profile_edit_name(app: App) -> None:
    member = app.member()
    await register_until_hromada(member)
    await member.send("Іллінецька")
    await member.click("Не впевнений")
    await member.press_reply("Пропустити")
    await member.send("/profile")
    await member.click("Ім’я")
    await member.send("Олена Коваль")
    assert "Мій профіль" in member.window() and "Олена Коваль" in member.window()
    profile = await MemberService(app.db).get(1001)
    assert profile is not None and profile.full_name == "Олена Коваль"


async def test_invite_command_needs_admin_rights(app: App) -> None:
    stranger = app.member(3003)
    await stranger.send("/invite")
    assert stranger.replies()[-1] == "⛔ Ця дія доступна лише адміністраторам бота."

    admin = app.member(1)
    await admin.send("/invite")
    await admin.click("Асоціація ОТГ")
    assert "https://t.me/hromada_test_bot?start=inv_" in admin.window()


async def test_profile_edit_oblast_and_hromada_with_codifier(app: App) -> None:
    from bot.services.katottg import import_codifier
    from tests.conftest import FIXTURES

    await import_codifier(app.db, FIXTURES / "katottg_small.csv")
    member = app.member()
    await register_until_hromada(member, oblast="Львівська")
    await member.send("львів")
    await member.click("Львівська громада")
    await member.click("Не впевнений")
    await member.press_reply("Пропустити")
    await member.send("/profile")
    assert "Львівська громада (Львівський р-н)" in member.window()

    await member.click("Область і громада")
    await member.click("Київська")
    await member.send("Zghurivska")
    await member.click("Згурівська громада")
    assert "Мій профіль" in member.window()
    assert "Київська область" in member.window() and "Згурівська громада" in member.window()
    profile = await MemberService(app.db).get(1001)
    assert profile is not None
    assert (profile.oblast_code, profile.hromada_code) == (
        "UA32000000000030281",
        "UA32060110000050416",
    )


async def test_profile_edit_associations_starts_from_the_current_choice(app: App) -> None:
    member = app.member()
    await register_until_hromada(member)
    await member.send("Іллінецька")
    await member.click("ВАГ")
    await member.click("Далі")
    await member.press_reply("Пропустити")
    await member.send("/profile")
    await member.click("Асоціації")
    assert "✅ ВАГ" in member.buttons() and "▫️ УАРОР" in member.buttons()
    await member.click("УАРОР")
    await member.click("Далі")
    assert "ВАГ, УАРОР" in member.window()
    profile = await MemberService(app.db).get(1001)
    assert profile is not None and profile.association_codes == ("vag", "uaror")


async def test_a_lost_dialog_under_a_pressed_button_still_leads_home(app: App) -> None:
    """The language is saved and answered even if the dialog below it has vanished."""
    from aiogram.fsm.storage.base import StorageKey

    member = app.member()
    await register_until_hromada(member)
    await member.send("Іллінецька")
    await member.click("Не впевнений")
    await member.press_reply("Пропустити")
    markup = app.windows.last_message().reply_markup
    assert markup is not None
    menu_intent = (markup.inline_keyboard[0][0].callback_data or "").split("\x1d")[0]
    await member.send("/language")
    key = StorageKey(
        bot_id=app.bot.id, chat_id=1001, user_id=1001, destiny=f"aiogd:context:{menu_intent}"
    )
    await app.dp.storage.set_data(key, {})  # the menu's saved dialog is gone
    callback_id = await member.click("English")
    assert "Main menu" in member.window()
    answers = [
        c
        for c in app.session.calls
        if type(c).__name__ == "AnswerCallbackQuery" and c.callback_query_id == callback_id
    ]
    assert [a.text for a in answers] == ["Language changed: English."]
    profile = await MemberService(app.db).get(1001)
    assert profile is not None and profile.locale == "en"
