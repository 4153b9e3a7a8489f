"""Bad input at every text and button step of registration, the report form, questions to the
experts and announcements: each is answered in the member's language with a message of the
locale files, leaves the database as it was, and logs no error.

The table below is the whole test: where the input goes (a step, reached afresh for each row),
what is sent, and what the member must be told (a Fluent id with its arguments; `seen` says
whether it comes as a message, as the answer to a button press, or as the window shown).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import select

from bot.services.members import MemberService, RegistrationForm
from bot.services.reports import RESIDENTS_MAX, TITLE_MAX, ReportForm, ReportService
from storage.models import Base
from tests.flows.harness import App, Member, loaded_content

ADMIN = 1  # the app fixture's ADMIN_IDS
MEMBER = 1001
OTHER = 1002
TITLE = "Немає коштів на ремонт даху школи після обстрілу"
DESCRIPTION = "Після обстрілу 12 листопада дах школи №2 пошкоджено, кошторис 1,2 млн грн."
TWENTY_DIGITS = "9" * 20
LONG = "Я" * 5000

Feed = Callable[[Member], Awaitable[Any]]


# ------------------------------------------------------------------------------ what is sent


def text(value: str) -> Feed:
    return lambda member: member.send(value)


def sticker() -> Feed:
    return lambda member: member.send_sticker()


def voice() -> Feed:
    return lambda member: member.send_voice()


def location() -> Feed:
    return lambda member: member.send_location()


def photo() -> Feed:
    return lambda member: member.send_photo()


def document(name: str = "kosht.pdf") -> Feed:
    return lambda member: member.send_document(name)


def someone_elses_contact() -> Feed:
    return lambda member: member.send_contact("+380671112233", user_id=999)


def press(data: str) -> Feed:
    """A button press with callback data of the sender's making."""
    return lambda member: member.press(data)


def forge(button: str, item: str) -> Feed:
    """The button `button` of the window shown, its item id replaced by `item`."""

    async def feed(member: Member) -> None:
        markup = member.app.windows.last_message().reply_markup
        assert isinstance(markup, InlineKeyboardMarkup)
        data = next(
            b.callback_data
            for row in markup.inline_keyboard
            for b in row
            if button in b.text and b.callback_data
        )
        await member.press(data.rpartition(":")[0] + ":" + item)

    return feed


def then(first: Feed, second: Feed) -> Feed:
    async def feed(member: Member) -> None:
        await first(member)
        await second(member)

    return feed


def click(pattern: str) -> Feed:
    return lambda member: member.click(pattern)


# ------------------------------------------------------------------------------ the steps


async def register(app: App, telegram_id: int, locale: str = "uk") -> None:
    members = MemberService(app.db)
    await members.register(
        telegram_id,
        RegistrationForm(
            full_name="Олена Петренко",
            role="hromada_head",
            oblast_code="UA05000000000010236",
            hromada_code=None,
            hromada_text="Іллінецька міська громада",
            association_codes=["vag"],
            consent_at=datetime.now(UTC),
        ),
    )
    await members.set_locale(telegram_id, locale)


async def registration(app: App, step: str, locale: str) -> Member:
    member = app.member(MEMBER, language_code=locale)
    uk = locale == "uk"
    await member.send("/start")
    if step == "language":
        return member
    await member.click("Українська" if uk else "English")
    if step == "consent":
        return member
    await member.click("Погоджуюся" if uk else "I agree")
    path = [
        ("role", text("Олена Петренко" if uk else "Olena Petrenko")),
        ("oblast", click("^Голова громади$|^Head of hromada$")),
        ("hromada", click("Вінницька|Vinnytsia")),
        ("associations", text("Іллінецька міська громада")),
        ("phone", then(click("ВАГ|VAG"), click("Далі|Next"))),
    ]
    for reached, feed in path:
        if step == "name":
            break
        await feed(member)
        if reached == step:
            break
    return member


async def report_form(app: App, step: str, locale: str) -> Member:
    await register(app, MEMBER, locale)
    if step == "similar":
        # Another hromada's open report like this one: the form offers to join it.
        await register(app, OTHER)
        await ReportService(app.db, app.dp["reports"].rules).submit(
            OTHER,
            ReportForm(category="education", urgency="high", title=TITLE, description=DESCRIPTION),
        )
    member = app.member(MEMBER, language_code=locale)
    await member.send("/menu")
    await member.click("Повідомити про проблему|Report an issue")
    path = [
        ("urgency", click("Освіта|Education")),
        ("title", click("Висока|High")),
        ("description", text(TITLE)),
        ("files", text(DESCRIPTION)),
        ("residents", click("Пропустити|Skip")),
        ("groups", click("Пропустити|Skip")),
        ("dream", click("Далі|Next")),
        ("similar", click("Пропустити|Skip")),
    ]
    for reached, feed in path:
        if step == "category":
            break
        await feed(member)
        if reached == step or (step == "preview" and reached == "similar"):
            break
    return member


async def question(app: App, step: str, locale: str) -> Member:
    await register(app, MEMBER, locale)
    member = app.member(MEMBER, language_code=locale)
    await member.send("/menu")
    await member.click("Запитати|Ask")
    return member


async def announcement(app: App, step: str, locale: str) -> Member:
    admin = app.member(ADMIN, language_code=locale)
    await admin.send("/broadcast")
    path = [
        ("text_en", text("<b>Увага!</b> Засідання правління відбудеться 5 грудня.")),
        ("attachment", click("Пропустити")),
        ("audience", click("Без вкладення")),
        ("urgent", click("Далі")),
        ("preview", click("Ні, звичайне")),
        ("edit", click("Змінити")),
    ]
    for reached, feed in path:
        if step == "text_uk":
            break
        await feed(admin)
        if reached == step or (step == "oblasts" and reached == "audience"):
            break
    if step == "oblasts":
        await admin.click("Області")
    return admin


async def menu(app: App, step: str, locale: str) -> Member:
    """A registered member at the main menu (`staff`: an admin), for cards and links."""
    if step == "staff":
        await register(app, ADMIN, locale)
        member = app.member(ADMIN, language_code=locale)
    else:
        await register(app, MEMBER, locale)
        member = app.member(MEMBER, language_code=locale)
    await member.send("/menu")
    return member


DIALOGS: dict[str, Callable[[App, str, str], Awaitable[Member]]] = {
    "registration": registration,
    "report": report_form,
    "question": question,
    "announcement": announcement,
    "menu": menu,
}


# ------------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Bad:
    where: str  # "<dialog>.<step>"
    what: str  # the input, for the test's name
    feed: Feed
    answer: str  # Fluent id of what the member is told
    args: dict[str, Any] = field(default_factory=dict)
    seen: str = "message"  # message | alert | window
    locale: str = "uk"

    @property
    def id(self) -> str:
        return f"{self.where}-{self.what}-{self.locale}"

    @property
    def arguments(self) -> dict[str, Any]:
        return self.args or DEFAULT_ARGS.get(self.answer, {})


def texts_refused(where: str, expected: dict[str, str], seen: str = "message") -> list[Bad]:
    """The usual bad texts at a text step; `expected` maps a kind of input to the answer."""
    inputs = {
        "whitespace": text("   \n\t  "),
        "zero-width": text("\u200b\u200b\u200b"),
        "braille-blank": text("\u2800\u2800\u2800"),
        "hangul-filler": text("\u3164\u3164\u3164"),
        "fillers-and-bidi": text("\u115f\u1160\uffa0\u202e\u2066"),
        "emoji": text("🔥🔥🔥"),
        "punctuation": text("?!…"),
        "empty": text(""),
        "sticker": sticker(),
        "voice": voice(),
        "location": location(),
        "contact": someone_elses_contact(),
        "document": document(),
        "photo": photo(),
    }
    return [
        Bad(where, kind, inputs[kind], answer, seen=seen)
        for kind, answer in expected.items()
        if kind in inputs
    ]


def _every(blank: str, no_letters: str, not_text: str) -> dict[str, str]:
    return {
        "whitespace": blank,
        "zero-width": blank,
        "braille-blank": blank,
        "hangul-filler": blank,
        "fillers-and-bidi": blank,
        "emoji": no_letters,
        "punctuation": no_letters,
        "empty": not_text,
        "sticker": not_text,
        "voice": not_text,
        "location": not_text,
        "contact": not_text,
        "document": not_text,
        "photo": not_text,
    }


NAME_TOO_SHORT = {"limit": 2}
STALE = "error-stale-button"
DEFAULT_ARGS = {
    "registration-name-too-short": NAME_TOO_SHORT,
    "registration-hromada-too-short": NAME_TOO_SHORT,
}

CASES: list[Bad] = [
    # Registration: the language and the consent.
    Bad("registration.language", "text", text("українська"), "error-use-buttons"),
    Bad("registration.language", "garbage", press("\x1d" + "z" * 200), STALE, seen="alert"),
    Bad("registration.consent", "sticker", sticker(), "error-use-buttons"),
    Bad("registration.consent", "location", location(), "error-use-buttons", locale="en"),
    # Registration: the name.
    *texts_refused(
        "registration.name",
        _every("registration-name-too-short", "registration-name-too-short", "error-text-expected"),
    ),
    Bad(
        "registration.name",
        "digits-only",
        text("1234567"),
        "registration-name-too-short",
        NAME_TOO_SHORT,
    ),
    Bad(
        "registration.name",
        "twenty-digits",
        text(TWENTY_DIGITS),
        "registration-name-too-short",
        NAME_TOO_SHORT,
    ),
    Bad(
        "registration.name",
        "over-long",
        text(LONG),
        "registration-name-too-long",
        {"limit": 100, "length": 5000},
    ),
    Bad(
        "registration.name",
        "emoji",
        text("🙂🙂"),
        "registration-name-too-short",
        NAME_TOO_SHORT,
        locale="en",
    ),
    Bad(
        "registration.name",
        "zero-width",
        text("\u200b\u200b"),
        "registration-name-too-short",
        NAME_TOO_SHORT,
        locale="en",
    ),
    # Registration: buttons.
    Bad("registration.role", "text", text("голова"), "error-use-buttons"),
    Bad("registration.role", "superscript-two", forge("Голова громади", "²"), STALE, seen="alert"),
    Bad(
        "registration.role",
        "twenty-digits",
        forge("Голова громади", TWENTY_DIGITS),
        STALE,
        seen="alert",
    ),
    Bad("registration.role", "out-of-range", forge("Голова громади", "99"), STALE, seen="alert"),
    Bad("registration.role", "oversized", forge("Голова громади", "7" * 5000), STALE, seen="alert"),
    Bad("registration.role", "garbage", press("x" * 300), STALE, seen="alert"),
    Bad("registration.oblast", "arabic-digits", forge("Вінницька", "١٢"), STALE, seen="alert"),
    Bad("registration.oblast", "negative", forge("Вінницька", "-1"), STALE, seen="alert"),
    Bad("registration.oblast", "voice", voice(), "error-use-buttons"),
    Bad(
        "registration.associations",
        "forged-tick",
        then(forge("ВАГ", "²"), click("Далі")),
        "registration-associations-none",
        seen="alert",
    ),
    Bad(
        "registration.associations",
        "twenty-digit-tick",
        then(forge("ВАГ", TWENTY_DIGITS), click("Далі")),
        "registration-associations-none",
        seen="alert",
    ),
    Bad("registration.associations", "sticker", sticker(), "error-use-buttons"),
    # Registration: the hromada typed in (no codifier imported in these tests).
    *texts_refused(
        "registration.hromada",
        {
            "zero-width": "registration-hromada-too-short",
            "hangul-filler": "registration-hromada-too-short",
            "emoji": "registration-hromada-too-short",
            "sticker": "error-text-expected",
            "location": "error-text-expected",
        },
    ),
    Bad(
        "registration.hromada",
        "twenty-digits",
        text(TWENTY_DIGITS),
        "registration-hromada-too-short",
        NAME_TOO_SHORT,
    ),
    Bad(
        "registration.hromada",
        "over-long",
        text(LONG),
        "registration-hromada-too-long",
        {"limit": 120, "length": 5000},
    ),
    # Registration: the phone.
    Bad(
        "registration.phone",
        "someone-elses-contact",
        someone_elses_contact(),
        "registration-phone-not-yours",
    ),
    Bad(
        "registration.phone", "typed-number", text("+380501234567"), "registration-phone-use-button"
    ),
    Bad("registration.phone", "location", location(), "registration-phone-use-button"),
    Bad("registration.phone", "document", document(), "registration-phone-use-button"),
    Bad(
        "registration.phone",
        "someone-elses-contact",
        someone_elses_contact(),
        "registration-phone-not-yours",
        locale="en",
    ),
    # The report form: buttons.
    Bad("report.category", "text", text("освіта"), "error-use-buttons"),
    Bad("report.category", "twenty-digits", forge("Освіта", TWENTY_DIGITS), STALE, seen="alert"),
    Bad("report.category", "superscript-two", forge("Освіта", "²"), STALE, seen="alert"),
    Bad("report.urgency", "out-of-range", forge("Висока", "3"), STALE, seen="alert"),
    Bad("report.urgency", "photo", photo(), "error-use-buttons"),
    # The report form: the title and the description.
    *[
        Bad(c.where, c.what, c.feed, c.answer)
        for c in texts_refused(
            "report.title",
            _every("report-form-title-empty", "input-no-letters", "report-form-text-only"),
        )
    ],
    Bad(
        "report.title",
        "over-long",
        text("Д" * (TITLE_MAX + 10)),
        "report-form-title-too-long",
        {"limit": TITLE_MAX, "length": TITLE_MAX + 10},
    ),
    Bad("report.title", "emoji", text("🚒🚒"), "input-no-letters", locale="en"),
    *texts_refused(
        "report.description",
        {
            "zero-width": "report-form-description-empty",
            "braille-blank": "report-form-description-empty",
            "hangul-filler": "report-form-description-empty",
            "emoji": "input-no-letters",
            "voice": "report-form-text-only",
            "location": "report-form-text-only",
            "document": "report-form-text-only",
        },
    ),
    Bad(
        "report.description",
        "over-long",
        text("Д" * 3001),
        "report-form-description-too-long",
        {"limit": 3000, "length": 3001},
    ),
    # The report form: files, residents, groups, the DREAM id, similar reports, the preview.
    Bad("report.files", "text", text("ось фото"), "report-form-file-text"),
    Bad("report.files", "voice", voice(), "report-form-file-voice"),
    Bad("report.files", "sticker", sticker(), "report-form-file-sticker"),
    Bad("report.files", "location", location(), "report-form-file-other"),
    Bad("report.files", "contact", someone_elses_contact(), "report-form-file-other"),
    Bad("report.residents", "superscript-two", text("²"), "report-form-residents-not-a-number"),
    Bad("report.residents", "arabic-digits", text("١٢٠٠"), "report-form-residents-not-a-number"),
    Bad(
        "report.residents",
        "full-width-digits",
        text("１２００"),
        "report-form-residents-not-a-number",
    ),
    Bad("report.residents", "negative", text("-5"), "report-form-residents-not-a-number"),
    Bad("report.residents", "zero-width", text("\u200b"), "report-form-residents-not-a-number"),
    Bad(
        "report.residents",
        "twenty-digits",
        text(TWENTY_DIGITS),
        "report-form-residents-too-large",
        {"limit": RESIDENTS_MAX},
    ),
    Bad("report.residents", "sticker", sticker(), "report-form-text-only"),
    Bad("report.groups", "text", text("діти"), "error-use-buttons"),
    Bad("report.dream", "superscript-two", text("²"), "report-form-dream-invalid"),
    Bad(
        "report.dream",
        "arabic-digits",
        text("DREAM-UA-٠٧٠٨٢٥-07BFF93A"),
        "report-form-dream-invalid",
    ),
    Bad(
        "report.dream", "bidi", text("\u202eDREAM-UA-070825-07BFF93A"), "report-form-dream-invalid"
    ),
    Bad("report.dream", "voice", voice(), "report-form-text-only"),
    Bad(
        "report.similar", "twenty-digits", forge("Приєднатися", TWENTY_DIGITS), STALE, seen="alert"
    ),
    Bad("report.similar", "text", text("так"), "error-use-buttons"),
    Bad("report.preview", "forged-edit", forge("Назва", "owner"), STALE, seen="alert"),
    Bad("report.preview", "oversized-edit", forge("Назва", "t" * 5000), STALE, seen="alert"),
    Bad("report.preview", "document", document(), "error-use-buttons"),
    # Questions to the experts.
    *texts_refused(
        "question.ask",
        {
            "whitespace": "kb-ask-empty",
            "zero-width": "kb-ask-empty",
            "braille-blank": "kb-ask-empty",
            "hangul-filler": "kb-ask-empty",
            "fillers-and-bidi": "kb-ask-empty",
            "emoji": "input-no-letters",
            "sticker": "kb-ask-text-only",
            "voice": "kb-ask-text-only",
            "location": "kb-ask-text-only",
            "document": "kb-ask-text-only",
            "photo": "kb-ask-text-only",
        },
    ),
    Bad("question.ask", "emoji", text("🤔"), "input-no-letters", locale="en"),
    Bad(
        "question.ask",
        "over-long-to-experts",
        then(text("Я" * 4001), click("експертам")),
        "kb-escalate-too-long",
        {"limit": 4000},
        seen="alert",
    ),
    Bad(
        "question.ask",
        "too-short-to-experts",
        then(text("Я?"), click("експертам")),
        "kb-escalate-too-short",
        seen="alert",
    ),
    # Announcements (an admin composing).
    *texts_refused(
        "announcement.text_uk",
        {
            "whitespace": "broadcast-text-empty",
            "zero-width": "broadcast-text-empty",
            "braille-blank": "broadcast-text-empty",
            "hangul-filler": "broadcast-text-empty",
            "emoji": "input-no-letters",
            "sticker": "broadcast-text-expected",
            "voice": "broadcast-text-expected",
            "location": "broadcast-text-expected",
            "document": "broadcast-text-expected",
        },
    ),
    *texts_refused(
        "announcement.text_en",
        {
            "zero-width": "broadcast-text-empty",
            "emoji": "input-no-letters",
            "photo": "broadcast-text-expected",
        },
    ),
    Bad(
        "announcement.attachment",
        "executable",
        document("run.exe"),
        "broadcast-attachment-bad-document",
        {
            "name": "run.exe",
            "kinds": "PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, TXT, CSV, ZIP",
            "max_mb": 20,
        },
    ),
    Bad(
        "announcement.attachment",
        "voice",
        voice(),
        "broadcast-attachment-refused",
        {"kinds": "PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, TXT, CSV, ZIP", "max_mb": 20},
    ),
    Bad("announcement.audience", "text", text("усім"), "error-use-buttons"),
    Bad("announcement.urgent", "voice", voice(), "error-use-buttons"),
    Bad("announcement.preview", "text", text("надіслати"), "error-use-buttons"),
    Bad(
        "announcement.edit",
        "forged-field",
        forge("Український текст", "author"),
        STALE,
        seen="alert",
    ),
    Bad(
        "announcement.edit", "oversized-field", forge("Аудиторія", "a" * 5000), STALE, seen="alert"
    ),
    Bad(
        "announcement.oblasts",
        "forged-tick",
        forge("Вінницька", TWENTY_DIGITS),
        "broadcast-oblasts-prompt",
        {"chosen": ""},
        seen="window",
    ),
    # Card buttons and deep links, forged.
    Bad(
        "menu.member",
        "report-card-twenty-digits",
        press(f"rd:tk:{TWENTY_DIGITS}:"),
        STALE,
        seen="alert",
    ),
    Bad("menu.member", "report-card-superscript", press("rd:tk:²:"), STALE, seen="alert"),
    Bad("menu.member", "report-card-zero", press("rd:tk:0:"), STALE, seen="alert"),
    Bad("menu.member", "report-card-unknown", press("rd:tk:42:"), "rdesk-not-found", seen="alert"),
    Bad(
        "menu.member", "verify-card-twenty-digits", press(f"vrf:ok:{'9' * 25}"), STALE, seen="alert"
    ),
    Bad(
        "menu.member", "draft-twenty-digits", press(f"qdraft:{TWENTY_DIGITS}"), STALE, seen="alert"
    ),
    Bad(
        "menu.member",
        "progress-twenty-digits",
        press(f"bcp:pause:{TWENTY_DIGITS}"),
        STALE,
        seen="alert",
    ),
    Bad("menu.member", "digest-hour", press("dg:h:vag:²"), STALE, seen="alert"),
    Bad("menu.member", "oversized", press("rd:tk:" + "9" * 5000 + ":"), STALE, seen="alert"),
    Bad("menu.member", "report-link", text(f"/start r{TWENTY_DIGITS}"), "rdesk-no-rights"),
    Bad("menu.member", "question-link", text(f"/start q{TWENTY_DIGITS}"), "desk-no-rights"),
    Bad("menu.staff", "report-link", text(f"/start r{TWENTY_DIGITS}"), "rdesk-not-found"),
    Bad("menu.staff", "question-link", text(f"/start q{TWENTY_DIGITS}"), "desk-question-not-found"),
    Bad(
        "menu.staff",
        "report-link-arabic",
        text("/start r١٢"),
        "menu-title",
        {"name": "Олена Петренко"},
        seen="window",
    ),
    Bad("menu.staff", "invite-link", text("/start inv_" + "z" * 40), "invite-unknown"),
    Bad("menu.member", "invisible-question", text("\u200b\u2800\u3164"), "kb-ask-empty"),
    Bad("menu.member", "emoji-question", text("🙂"), "input-no-letters", locale="en"),
    Bad("menu.staff", "phone-link", text(f"/start vp{'9' * 25}"), "verify-member-not-found"),
    Bad(
        "menu.member",
        "long-payload",
        text("/start " + "r1" * 2000),
        "menu-title",
        {"name": "Олена Петренко"},
        seen="window",
    ),
    Bad(
        "menu.member",
        "report-card-twenty-digits",
        press(f"rd:tk:{TWENTY_DIGITS}:"),
        STALE,
        seen="alert",
        locale="en",
    ),
    Bad(
        "menu.staff",
        "report-link",
        text(f"/start r{TWENTY_DIGITS}"),
        "rdesk-not-found",
        locale="en",
    ),
]

# Tables whose rows a bad input must leave as they were (all but the dialog state itself).
WATCHED = [table for table in Base.metadata.sorted_tables if table.name != "fsm_records"]


async def snapshot(app: App) -> dict[str, list[str]]:
    async with app.db.transaction() as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in await session.execute(select(table)))
            for table in WATCHED
        }


def told(app: App, since: int, seen: str, chat_id: int) -> list[str]:
    """What the member was shown since call `since`: messages, button answers, or the window."""
    calls = app.session.calls[since:]
    if seen == "alert":
        return [c.text or "" for c in calls if isinstance(c, AnswerCallbackQuery)]
    if seen == "window":
        return [app.windows.last_message().text or ""]
    return [c.text for c in calls if isinstance(c, SendMessage) and c.chat_id == chat_id]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_bad_input(app: App, caplog: pytest.LogCaptureFixture, case: Bad) -> None:
    dialog, _, step = case.where.partition(".")
    member = await DIALOGS[dialog](app, step, case.locale)
    window_before = member.window()
    before = await snapshot(app)
    since = len(app.session.calls)
    caplog.clear()
    caplog.set_level(logging.INFO)

    await case.feed(member)

    # The bot's own translations (parsed once per process; a parse per case was half the time).
    expected = loaded_content().translations.get(case.locale)(case.answer, **case.arguments)
    shown = told(app, since, case.seen, member.user.id)
    if case.seen == "alert":
        assert expected[:200] in shown, f"{case.id}: {shown}"
    elif case.seen == "window":
        # The window's first line: the rest depends on what the window shows.
        assert expected.split("\n")[0] in shown[0], f"{case.id}: {shown}"
    else:
        assert expected in shown, f"{case.id}: {shown}"
    assert await snapshot(app) == before
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    if case.seen == "message" and not case.what.endswith("link"):
        assert member.window() == window_before  # asked again at the same step
