"""Reporting an urgent issue: the whole dialog, bad input, similar reports, drafts."""

from __future__ import annotations

import html
import re
import zlib
from datetime import UTC, datetime
from typing import Any

from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Document, PhotoSize, VideoNote, Voice
from sqlalchemy import select

from bot.services.members import MemberService, RegistrationForm
from bot.services.reports import ReportForm as FormData
from bot.services.reports import ReportService
from storage.models import Report, ReportAttachment, ReportSupporter
from tests.flows.harness import App, Member

STAFF_CHAT = -100700
TITLE = "Немає коштів на ремонт даху школи після обстрілу"
DESCRIPTION = "Після обстрілу 12 листопада дах школи №2 пошкоджено, кошторис 1,2 млн грн."


async def register(
    app: App, user_id: int, *, locale: str = "uk", hromada: str = "Іллінецька"
) -> None:
    members = MemberService(app.db)
    await members.register(
        user_id,
        RegistrationForm(
            full_name="Олена Петренко",
            role="hromada_head",
            oblast_code="UA05000000000010236",
            hromada_code=None,
            hromada_text=f"{hromada} міська громада",
            association_codes=["vag"],
            associations_unsure=False,
            consent_at=datetime.now(UTC),
        ),
    )
    await members.set_locale(user_id, locale)


async def reporter(app: App, user_id: int = 1001, *, locale: str = "uk") -> Member:
    await register(app, user_id, locale=locale)
    member = app.member(user_id, language_code=locale)
    await member.send("/menu")
    await member.click("Повідомити про проблему|Report an issue")
    return member


def reports(app: App) -> ReportService:
    return app.dp["reports"]  # type: ignore[no-any-return]


async def send_photo(member: Member, unique: str) -> None:
    sizes = [
        PhotoSize(file_id=f"{unique}-small", file_unique_id=f"{unique}s", width=90, height=90),
        PhotoSize(file_id=f"{unique}-big", file_unique_id=unique, width=1280, height=960),
    ]
    await member.feed(message=member._message(photo=sizes))


async def send_document(member: Member, name: str) -> None:
    unique = f"u{zlib.crc32(name.encode())}"  # Telegram's are short: the column holds 64
    document = Document(file_id=f"doc-{name}", file_unique_id=unique, file_name=name)
    await member.feed(message=member._message(document=document))


async def send_voice(member: Member) -> None:
    voice = Voice(file_id="v1", file_unique_id="v1u", duration=3)
    await member.feed(message=member._message(voice=voice))


async def fill_to_files(member: Member, title: str = TITLE) -> None:
    await member.click("Освіта")
    await member.click("Висока")
    await member.send(title)
    await member.send(DESCRIPTION)


async def stored_reports(app: App) -> list[Report]:
    async with app.db.transaction() as session:
        return list((await session.execute(select(Report).order_by(Report.id))).scalars())


async def test_whole_flow_with_files_and_bad_input(app: App) -> None:
    member = await reporter(app)
    window = member.window()
    assert "Крок 1" in window
    assert "Освіта" in member.buttons()
    await member.click("Освіта")
    window = member.window()
    assert "Критична" in window and "48\u00a0годин" in window and "30\u00a0днів" in window
    assert any("Висока" in b and "до 7\u00a0днів" in b for b in member.buttons())
    await member.click("Критична")
    assert "до 120 символів" in member.window()

    await member.send("Д" * 130)
    assert "130 символів" in member.replies()[-1]
    assert "не більше ніж 120" in member.replies()[-1]
    assert "Крок 3" in member.window()  # asked again; nothing else lost
    await member.send(f"  {TITLE}  ")
    assert "Крок 4" in member.window()
    await member.send("<b>Дах</b> & стеля " + DESCRIPTION)

    assert "Крок 5" in member.window()
    assert "⏭ Пропустити" in member.buttons()
    await send_photo(member, "p1")
    assert "Додано файлів: 1 з 10" in member.window()
    await send_voice(member)
    assert "голосові повідомлення не приймаються" in member.replies()[-1]
    await member.send_sticker()
    assert "Стікери не додаються" in member.replies()[-1]
    await send_document(member, "кошторис.pdf")
    await send_photo(member, "p1")  # the same photo again counts once
    assert "Додано файлів: 2 з 10" in member.window()
    await member.click("Готово")

    assert "Крок 6" in member.window()
    await member.send("багато")
    assert "Потрібне число" in member.replies()[-1]
    await member.send("1 200")
    assert "Крок 7" in member.window()
    await member.click("Діти")
    await member.click("Люди з інвалідністю")
    assert "✅ Діти" in member.buttons()
    await member.click("Далі")

    assert "Крок 8" in member.window()
    await member.send("DREAM-12345")
    assert "ідентифікатор проєкту DREAM" in member.replies()[-1]
    await member.send("dream-ua-070825-07bff93a")

    preview = member.window()  # no similar open reports: straight to the preview
    assert "Перевірте звернення" in preview
    assert TITLE in preview
    assert "&lt;b&gt;Дах&lt;/b&gt; &amp; стеля" in preview
    assert "Освіта" in preview and "Критична" in preview
    assert "1\xa0200" in preview and "Діти, Люди з інвалідністю" in preview
    assert "DREAM-UA-070825-07BFF93A" in preview
    assert "кошторис.pdf" in preview and "1. фото" in preview
    assert "Іллінецька міська громада" in preview
    assert "не підтверджено" in preview

    await member.click("Надіслати")
    done = member.window()
    assert "Звернення зареєстровано" in done
    year = datetime.now(UTC).year
    assert f"R-{year}-00001" in done and f"«R {year} 1»" in done
    assert "протягом 48\u00a0годин" in done and "за київським часом" in done
    assert "📂 Мої звернення" in member.buttons()

    [report] = await stored_reports(app)
    assert report.reference == f"R-{year}-00001"
    assert report.title == TITLE
    assert report.urgency == "critical" and report.category == "education"
    assert report.residents == 1200
    assert report.affected_groups == ["children", "disabled"]
    assert report.dream_id == "DREAM-UA-070825-07BFF93A"
    assert report.reporter_verified is False
    async with app.db.transaction() as session:
        files = list((await session.execute(select(ReportAttachment))).scalars())
    assert [(f.kind, f.file_id, f.file_name) for f in files] == [
        ("photo", "p1-big", None),
        ("document", "doc-кошторис.pdf", "кошторис.pdf"),
    ]
    assert await reports(app).draft(1001) is None  # submitted: the draft is gone


async def test_preview_edits_return_to_the_preview(app: App, caplog: Any) -> None:
    await app.dp["staff_chats"].bind(STAFF_CHAT, "VAG secretariat", "vag", actor=1, locale="en")
    member = await reporter(app, locale="en")
    await member.click("Education")
    await member.click("Normal")
    await member.send("Broken bridge")
    await member.send("The bridge over the river collapsed.")
    await member.click("Skip")
    await member.click("Skip")
    await member.click("Next")
    await member.click("Skip")
    assert "Check your report" in member.window()
    assert "within 30\u00a0days" in member.window()

    await member.click("✏️ Title")
    await member.send("Broken bridge in Illintsi")
    assert "Check your report" in member.window()
    assert "Broken bridge in Illintsi" in member.window()

    await member.click("✏️ Urgency")
    await member.click("High")
    assert "within 7\u00a0days" in member.window()

    await member.click("✏️ Residents")
    await member.click("Back")  # back to the preview, the figure unchanged
    assert "Check your report" in member.window()

    await member.click("Submit")
    assert "Report filed" in member.window()
    assert "Kyiv time" in member.window()
    [report] = await stored_reports(app)
    assert report.title == "Broken bridge in Illintsi" and report.urgency == "high"
    cards = [m for m in app.session.calls if isinstance(m, SendMessage) and m.chat_id == STAFF_CHAT]
    assert len(cards) == 1 and report.reference in cards[0].text  # the staff card is posted
    assert "not posted" not in caplog.text


async def test_similar_report_is_joined(app: App) -> None:
    await register(app, 2002, hromada="Вінницька")
    await register(app, 2003, hromada="Жмеринська")
    existing = await reports(app).submit(
        2002,
        FormData(
            category="education",
            urgency="high",
            title="Ремонт даху школи після обстрілу",
            description="Дах школи пошкоджено обстрілом, коштів на ремонт немає.",
        ),
    )
    await reports(app).cosign(existing.id, 2003)

    member = await reporter(app)
    await fill_to_files(member)
    await member.click("Пропустити")
    await member.click("Пропустити")
    await member.click("Далі")
    await member.click("Пропустити")

    window = member.window()
    assert "Схожі відкриті звернення" in window
    assert existing.reference in window
    assert "Ремонт даху школи після обстрілу" in window
    assert "Громад: 2" in window
    await member.click(f"Приєднатися до {existing.reference}")
    assert "Ви приєдналися до звернення" in member.window()
    assert existing.reference in member.window()
    assert "📂 Мої звернення" in member.buttons()

    async with app.db.transaction() as session:
        supporters = list((await session.execute(select(ReportSupporter))).scalars())
    assert len([s for s in supporters if s.withdrawn_at is None]) == 2
    assert len(await stored_reports(app)) == 1  # no report of their own
    assert await reports(app).draft(1001) is None


async def test_mine_is_different_goes_to_the_preview(app: App) -> None:
    await register(app, 2002, hromada="Вінницька")
    await reports(app).submit(
        2002,
        FormData(
            category="education",
            urgency="high",
            title="Ремонт даху школи після обстрілу",
            description="Дах школи пошкоджено.",
        ),
    )
    member = await reporter(app)
    await fill_to_files(member)
    await member.click("Пропустити")
    await member.click("Пропустити")
    await member.click("Далі")
    await member.click("Пропустити")
    assert "Схожі відкриті звернення" in member.window()
    await member.click("У мене інша проблема")
    assert "Перевірте звернення" in member.window()
    await member.click("Надіслати")
    assert "Звернення зареєстровано" in member.window()
    assert len(await stored_reports(app)) == 2


async def test_draft_is_resumed_after_leaving_midway(app: App) -> None:
    member = await reporter(app)
    await fill_to_files(member)
    await send_document(member, "акт.pdf")
    await member.send("/cancel")  # the draft stays

    draft = await reports(app).draft(1001)
    assert draft is not None and draft.data["form"]["title"] == TITLE

    await member.send("/menu")

    await member.click("Повідомити про проблему|Report an issue")
    window = member.window()
    assert "незавершене звернення" in window and TITLE in window and "Освіта" in window
    await member.click("Продовжити чернетку")
    assert "Крок 5" in member.window()
    assert "Додано файлів: 1 з 10" in member.window()
    await member.click("Готово")
    await member.send("50")
    await member.click("Жінки")
    await member.click("Далі")
    await member.click("Пропустити")
    preview = member.window()
    assert TITLE in preview and "акт.pdf" in preview and "Жінки" in preview


async def test_draft_is_discarded_and_started_again(app: App) -> None:
    member = await reporter(app)
    await member.click("Освіта")
    await member.click("Висока")
    await member.send("Перша назва")
    await member.click("Скасувати")  # to the menu; the draft stays
    assert any("Реформи" in b for b in member.buttons())
    toasts = [m.text for m in app.session.calls if isinstance(m, AnswerCallbackQuery)]
    assert "Чернетку збережено" in (toasts[-1] or "")

    await member.send("/menu")

    await member.click("Повідомити про проблему|Report an issue")
    assert "незавершене звернення" in member.window()
    await member.click("Видалити")
    assert "Крок 1" in member.window()
    draft = await reports(app).draft(1001)
    assert draft is None
    await member.click("Інше")
    await member.click("Звичайна")
    saved = await reports(app).draft(1001)
    assert saved is not None
    assert saved.data["form"] == {"category": "other", "urgency": "normal"}


async def test_residents_validation_and_groups_resumed(app: App) -> None:
    member = await reporter(app)
    await fill_to_files(member)
    await member.click("Пропустити")
    await member.send("-5")
    assert "Потрібне число" in member.replies()[-1]
    await member.send("99999999999")
    assert "Завелике число" in member.replies()[-1]
    await member.send("300")
    await member.click("Ветерани")
    await member.send("/cancel")
    await member.send("/menu")
    await member.click("Повідомити про проблему|Report an issue")
    await member.click("Продовжити")
    assert "✅ Ветерани та ветеранки" in member.buttons()


async def test_unregistered_member_is_sent_to_register(app: App) -> None:
    member = app.member(3003)
    await member.send("/menu")
    # Reporting is in the members' menu, which opens only after registration.
    assert "Оберіть мову" in member.window()
    assert not any("Повідомити" in button for button in member.buttons())


async def test_stale_button_is_answered(app: App) -> None:
    member = await reporter(app)
    answered: Any = await member.press("forged")
    assert answered in app.windows.answered_callbacks


async def test_long_description_and_eleventh_file_are_refused(app: App) -> None:
    member = await reporter(app)
    await member.click("Освіта")
    await member.click("Висока")
    await member.send(TITLE)
    await member.send("о" * 3001)
    refusal = member.replies()[-1]
    assert "3\xa0001 символ," in refusal and "не більше ніж 3\xa0000" in refusal
    assert "Крок 4" in member.window()
    await member.send(DESCRIPTION)
    for number in range(10):
        await send_document(member, f"акт-{number}.pdf")
    assert "Додано файлів: 10 з 10" in member.window()
    await send_photo(member, "p11")
    assert "не більше ніж 10 файлів" in member.replies()[-1]
    await member.click("Прибрати всі файли")
    assert "⏭ Пропустити" in member.buttons()
    draft = await reports(app).draft(1001)
    assert draft is not None and draft.data["form"]["attachments"] == []


async def test_preview_of_the_longest_report_fits_in_one_message(app: App) -> None:
    member = await reporter(app)
    await member.click("Освіта")
    await member.click("Висока")
    await member.send("Н" * 120)
    await member.send("Дуже & докладно. " * 176)  # 2,992 characters
    for number in range(10):
        await send_document(member, f"{number}-" + "я" * 80 + ".pdf")
    await member.click("Готово")
    await member.click("Пропустити")
    await member.click("Далі")
    await member.click("Пропустити")
    preview = member.window()
    visible = html.unescape(re.sub(r"<[^>]+>", "", preview))
    assert len(visible) <= 4096
    assert "опис скорочено" in preview
    await member.click("Надіслати")
    [report] = await stored_reports(app)
    assert len(report.description) == len(("Дуже & докладно. " * 176).strip())


async def test_video_note_and_text_at_the_files_step_are_explained(app: App) -> None:
    member = await reporter(app, locale="en")
    await member.click("Education")
    await member.click("Normal")
    await member.send("Broken bridge")
    await member.send("The bridge collapsed.")
    note = VideoNote(file_id="vn1", file_unique_id="vn1u", length=240, duration=5)
    await member.feed(message=member._message(video_note=note))
    assert "Videos are not accepted" in member.replies()[-1]
    await member.send("one more thing")
    assert "expects photos or documents" in member.replies()[-1]
    await member.click("Back")
    assert "Step 4" in member.window()
