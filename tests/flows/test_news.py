"""Members' side of announcements: News, muting non-urgent ones, reachable again after /start."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import (
    ChatMemberBanned,
    ChatMemberMember,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
)
from sqlalchemy import select

from bot.services.broadcasts import Announcement, Audience, BroadcastService
from bot.services.members import MemberService
from dialogs.announcement_texts import render_announcement
from storage.models import BroadcastDelivery, Member
from tests.flows.harness import BOT_USER, App
from tests.flows.test_broadcast import ADMIN, add_member, answers

TEXT = "<b>Засідання правління</b> відбудеться 5 грудня."


def service(app: App) -> BroadcastService:
    return app.dp["broadcasts"]  # type: ignore[no-any-return]


async def announce(
    app: App,
    text_uk: str = TEXT,
    *,
    text_en: str | None = None,
    urgent: bool = False,
    audience: Audience | None = None,
    photo: str | None = None,
) -> int:
    """An announcement confirmed by the admin, as the compose dialog does."""
    created = await service(app).create(
        ADMIN,
        "Адміністратор",
        Announcement(
            text_uk=text_uk,
            text_en=text_en,
            attachment_kind="photo" if photo else None,
            attachment_file_id=photo,
            attachment_name=None,
            urgent=urgent,
            audience=audience or Audience(),
        ),
        progress_chat_id=ADMIN,
        progress_locale="uk",
    )
    return created.broadcast_id


async def recipients(app: App, broadcast_id: int) -> set[int]:
    async with app.db.transaction() as session:
        rows = await session.scalars(
            select(BroadcastDelivery.chat_id).where(BroadcastDelivery.broadcast_id == broadcast_id)
        )
        return set(rows)


async def test_news_lists_and_opens_the_members_announcements(app: App) -> None:
    await add_member(app, 2001)
    await add_member(app, 2002, associations=("aotg",))
    await announce(app, "Перше оголошення для всіх.")
    urgent = await announce(app, "Термінове: зміни до бюджету.", urgent=True, photo="ph-news")
    await announce(app, "Лише для Асоціації ОТГ.", audience=Audience(associations=("aotg",)))
    member = app.member(2001)
    await member.send("/menu")
    await member.click("Новини")

    window = member.window()
    assert "Останні оголошення асоціацій для вас" in window
    buttons = member.buttons()
    today = datetime.now(ZoneInfo("Europe/Kyiv")).strftime("%d.%m.%Y")
    assert buttons[:2] == [
        f"❗ {today} · Термінове: зміни до бюджету.",
        f"{today} · Перше оголошення для всіх.",
    ]
    assert not any("Асоціації ОТГ" in b for b in buttons)  # not addressed to this member

    await member.click("Термінове")
    shown = app.windows.last_message()
    item = await service(app).news_item(2001, urgent)
    assert item is not None
    expected = render_announcement(item, "uk", app.dp["translations"], app.dp["associations"])
    assert shown.caption == expected and expected.startswith("❗ <b>Терміново")
    assert shown.photo is not None and shown.photo[-1].file_id == "ph-news"

    await member.click("До новин")
    await member.click("Перше оголошення")
    assert member.window().endswith("Перше оголошення для всіх.")
    assert app.windows.last_message().photo is None


async def test_news_in_english_uses_the_english_text(app: App) -> None:
    await add_member(app, 2002, locale="en")
    await announce(app, "Текст українською.", text_en="The text in English.")
    member = app.member(2002, language_code="en")
    await member.send("/menu")
    await member.click("News")
    assert member.buttons()[0].endswith("· The text in English.")
    await member.click("The text in English")
    assert member.window().startswith("📢 <b>Announcement")
    assert member.window().endswith("The text in English.")


async def test_news_empty_and_unverified(app: App) -> None:
    await add_member(app, 2001)
    await add_member(app, 2006, verified=False)
    member = app.member(2001)
    await member.send("/menu")
    await member.click("Новини")
    assert "Оголошень для вас поки немає" in member.window()

    await announce(app)  # goes to verified members only
    newcomer = app.member(2006)
    await newcomer.send("/menu")
    await newcomer.click("Новини")
    window = newcomer.window()
    assert "чиє членство підтвердив секретаріат" in window
    assert [b for b in newcomer.buttons() if "·" in b] == []


async def test_a_forged_news_id_is_refused(app: App) -> None:
    await add_member(app, 2001)
    await add_member(app, 2002, associations=("aotg",))
    mine = await announce(app, "Для всіх.")
    theirs = await announce(app, "Лише для ОТГ.", audience=Audience(associations=("aotg",)))
    member = app.member(2001)
    await member.send("/menu")
    await member.click("Новини")
    markup = app.windows.last_message().reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    data = next(
        b.callback_data or "" for row in markup.inline_keyboard for b in row if "Для всіх" in b.text
    )
    assert data.endswith(str(mine))
    for forged in (data[: -len(str(mine))] + str(theirs), data[: -len(str(mine))] + "abc"):
        await member.press(forged)
        assert answers(app)[-1] == "Це оголошення вам недоступне."
        assert "Останні оголошення" in member.window()  # still the list


async def test_mute_keeps_urgent_and_news(app: App) -> None:
    await add_member(app, 2001)
    await add_member(app, 2003)
    member = app.member(2001)
    await member.send("/profile")
    window = member.window()
    assert "надходять усі" in window
    await member.click("Вимкнути нетермінові")
    assert "Нетермінові оголошення вимкнено" in answers(app)[-1]
    assert "надходять лише термінові" in member.window()
    assert "🔔 Увімкнути всі оголошення" in member.buttons()
    async with app.db.transaction() as session:
        muted = await session.scalar(
            select(Member.announcements_muted).where(Member.telegram_id == 2001)
        )
    assert muted is True

    assert await service(app).count_recipients(ADMIN, Audience(), urgent=False) == 1
    normal = await announce(app, "Звичайне оголошення.")
    urgent = await announce(app, "Термінове оголошення.", urgent=True)
    assert await recipients(app, normal) == {2003}
    assert await recipients(app, urgent) == {2001, 2003}

    await member.send("/profile")
    await member.click("Увімкнути всі")
    assert "Усі оголошення знову надходитимуть" in answers(app)[-1]
    assert (await MemberService(app.db).get(2001)).announcements_muted is False  # type: ignore[union-attr]
    again = await announce(app, "Ще одне звичайне.")
    assert await recipients(app, again) == {2001, 2003}


async def test_news_shows_what_was_muted_as_well(app: App) -> None:
    await add_member(app, 2001)
    await add_member(app, 2003)
    await MemberService(app.db).set_announcements_muted(2001, True)
    ordinary = await announce(app, "Звичайне оголошення.")
    assert await recipients(app, ordinary) == {2003}
    await announce(app, "Термінове оголошення.", urgent=True)
    member = app.member(2001)
    await member.send("/menu")
    await member.click("Новини")
    buttons = " ".join(member.buttons())
    assert "Термінове оголошення." in buttons
    assert "Звичайне оголошення." in buttons


async def test_start_after_blocking_makes_the_member_reachable_again(app: App) -> None:
    members = MemberService(app.db)
    await add_member(app, 2001, reachable=False)
    assert await service(app).count_recipients(ADMIN, Audience(), urgent=True) == 0
    member = app.member(2001)
    await member.send("/start")
    assert (await members.get(2001)).reachable is True  # type: ignore[union-attr]
    assert "Головне меню" in member.window()
    assert await service(app).count_recipients(ADMIN, Audience(), urgent=True) == 1


async def test_blocking_and_unblocking_the_bot_are_recorded(app: App) -> None:
    members = MemberService(app.db)
    await add_member(app, 2001)
    member = app.member(2001)

    async def status_change(blocked: bool) -> None:
        before = ChatMemberMember(user=BOT_USER)
        after = ChatMemberBanned(user=BOT_USER, until_date=datetime.fromtimestamp(0))
        await member.feed(
            my_chat_member=ChatMemberUpdated(
                chat=member.chat,
                from_user=member.user,
                date=datetime.now(),
                old_chat_member=before if blocked else after,
                new_chat_member=after if blocked else before,
            )
        )

    await status_change(blocked=True)
    assert (await members.get(2001)).reachable is False  # type: ignore[union-attr]
    await status_change(blocked=False)
    assert (await members.get(2001)).reachable is True  # type: ignore[union-attr]
    assert "my_chat_member" in app.dp.resolve_used_update_types()
