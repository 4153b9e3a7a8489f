"""The admins' staff list in the bot: rights and invite links taken back, through the real
dispatcher and dialogs. User 1 is an admin from ADMIN_IDS in the test app."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, SetMyCommands
from aiogram.types import BotCommandScopeChat
from sqlalchemy import select

from bot.services.staff import StaffService
from delivery.commands import MEMBER_COMMANDS
from storage.models import AuditEvent, StaffRole
from tests.flows.harness import App
from tests.flows.test_report_dialog import register

SETTINGS_ADMIN = 1
DB_ADMIN = 2
OFFICER = 501


def staff(app: App) -> StaffService:
    return app.dp["staff"]  # type: ignore[no-any-return]


def answers(app: App) -> list[str]:
    return [m.text or "" for m in app.session.calls if isinstance(m, AnswerCallbackQuery)]


def commands_of(app: App, chat_id: int) -> list[list[str]]:
    return [
        [c.command for c in call.commands]
        for call in app.session.calls
        if isinstance(call, SetMyCommands)
        and isinstance(call.scope, BotCommandScopeChat)
        and call.scope.chat_id == chat_id
    ]


async def seed(app: App) -> None:
    await staff(app).grant(DB_ADMIN, StaffRole.ADMIN, granted_by=SETTINGS_ADMIN)
    await staff(app).grant(OFFICER, StaffRole.STAFF, "vag", granted_by=SETTINGS_ADMIN)
    await register(app, OFFICER)  # a member too: the list names them


async def test_admin_lists_rights_and_revokes_an_officer(app: App) -> None:
    await seed(app)
    admin = app.member(SETTINGS_ADMIN, first_name="Адмін", last_name=None)
    await admin.send("/staff")
    window = admin.window()
    assert "Адміністратори та працівники секретаріатів</b> (3)" in window
    assert "id 1 — адміністратор з налаштування ADMIN_IDS" in window
    assert "id 2 — адміністратор, з " in window
    assert "<b>Олена Петренко</b> (id 501) — працівник секретаріату ВАГ, з " in window
    # ADMIN_IDS admins have no revoke button; the others do.
    revoke_buttons = [b for b in admin.buttons() if b.startswith("✖️")]
    assert revoke_buttons == ["✖️ id 2 · адміністратор", "✖️ Олена Петренко · ВАГ"]

    await admin.click("Олена Петренко · ВАГ")
    assert "Відкликати це право?" in admin.window()
    assert "Олена Петренко" in admin.window()
    assert (await staff(app).rights(OFFICER)).staff_of == frozenset({"vag"})  # not yet
    await admin.click("Так, відкликати")
    assert "Право відкликано" in admin.window()
    assert not (await staff(app).rights(OFFICER)).is_staff
    # Their command list is the member's again, at once.
    assert commands_of(app, OFFICER)[-1] == list(MEMBER_COMMANDS)
    async with app.db.transaction() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.revoked"))
    assert event is not None and event.actor_id == SETTINGS_ADMIN
    assert event.before is not None and event.before["association"] == "vag"

    await admin.click("До списку")
    assert "(2)" in admin.window() and "Олена Петренко" not in admin.window()


async def test_admin_cannot_revoke_their_own_admin_right(app: App) -> None:
    await seed(app)
    admin = app.member(DB_ADMIN, first_name="Друга", last_name=None)
    await admin.send("/staff")
    assert "✖️ id 2 · адміністратор" not in admin.buttons()
    assert "ваше власне право адміністратора тут не відкликають" in admin.window()


async def test_english_list(app: App) -> None:
    await seed(app)
    admin = app.member(SETTINGS_ADMIN, first_name="Admin", last_name=None, language_code="en")
    await admin.send("/staff")
    window = admin.window()
    assert "Administrators and secretariat staff</b> (3)" in window
    assert "id 1: administrator from the ADMIN_IDS setting" in window
    assert "(id 501): secretariat staff of VAG since " in window
    await admin.click("Олена Петренко · VAG")
    assert "Revoke this right?" in admin.window()
    await admin.click("Yes, revoke")
    assert "Right revoked" in admin.window()


async def test_non_admins_are_refused_and_a_demoted_admin_presses_in_vain(app: App) -> None:
    await seed(app)
    officer = app.member(OFFICER)
    await officer.send("/staff")
    assert officer.replies()[-1] == "⛔ Ця дія доступна лише адміністраторам бота."

    demoted = app.member(DB_ADMIN, first_name="Друга", last_name=None)
    await demoted.send("/staff")
    await demoted.click("Олена Петренко · ВАГ")
    assert "Відкликати це право?" in demoted.window()
    # Another admin takes their admin right while the confirmation is open.
    await staff(app).revoke(DB_ADMIN, StaffRole.ADMIN)
    await demoted.click("Так, відкликати")
    assert answers(app)[-1] == "⛔ Ця дія доступна лише адміністраторам бота."
    assert (await staff(app).rights(OFFICER)).staff_of == frozenset({"vag"})


async def test_a_right_revoked_meanwhile_is_said_to_be_gone(app: App) -> None:
    await seed(app)
    admin = app.member(SETTINGS_ADMIN, first_name="Адмін", last_name=None)
    await admin.send("/staff")
    await admin.click("Олена Петренко · ВАГ")
    await staff(app).revoke(OFFICER, StaffRole.STAFF, "vag")
    await admin.click("Так, відкликати")
    assert answers(app)[-1] == "Цього права вже немає: його відкликали раніше."
    assert "Адміністратори та працівники" in admin.window()


async def test_admin_withdraws_an_invite_and_the_link_then_says_so(app: App) -> None:
    await seed(app)
    admin = app.member(SETTINGS_ADMIN, first_name="Адмін", last_name=None)
    invite = await staff(app).create_invite(DB_ADMIN, "aotg")
    await register(app, SETTINGS_ADMIN)  # a member, so /menu opens the main menu
    await admin.send("/menu")
    await admin.click("Працівники та запрошення")
    await admin.click("Чинні запрошення")
    window = admin.window()
    assert "Чинні запрошення</b> (1)" in window
    assert "Асоціація ОТГ: створено " in window and "автор — id 2; дійсне до " in window
    await admin.click("✖️ Асоціація ОТГ")
    assert "Відкликати це запрошення?" in admin.window()
    await admin.click("Так, відкликати")
    assert "Запрошення відкликано" in admin.window()
    await admin.click("До запрошень")
    assert "Чинних запрошень немає" in admin.window()

    newcomer = app.member(777, first_name="Новий", last_name=None)
    await newcomer.send(f"/start {invite.payload}")
    assert newcomer.replies()[-1].startswith("Це запрошення відкликав адміністратор.")
    assert not (await staff(app).rights(777)).is_staff


async def test_a_forged_right_button_changes_nothing(app: App) -> None:
    await seed(app)
    admin = app.member(SETTINGS_ADMIN, first_name="Адмін", last_name=None)
    await admin.send("/staff")
    markup = app.windows.last_message().reply_markup
    assert markup is not None
    data = next(
        b.callback_data
        for row in markup.inline_keyboard  # type: ignore[union-attr]
        for b in row
        if b.text.startswith("✖️ Олена")
    )
    assert data is not None
    prefix = data.rsplit(":", 1)[0]
    for forged in ("99999999999999999999", "-1", "abc", "1"):  # 1: an ADMIN_IDS admin has no row
        await admin.press(f"{prefix}:{forged}")
        assert answers(app)[-1] == "Цього права вже немає: його відкликали раніше."
    assert len((await staff(app).roster()).rights) == 3
