"""The sandbox in a real browser: a hromada head registers (the codifier's search), asks the
knowledge base, files a report; the VAG officer approves her membership, takes the report in the
staff group, moves it on and replies to its card; the head sees the status change and the reply.
Headless Chromium through Selenium, against `python -m bot sandbox`: no Telegram, no network.

Everything is asserted as a person sees it (texts in the bubbles, toasts), through the page's DOM
hooks; screenshots of the main screens go to SANDBOX_SCREENSHOTS_DIR (see conftest.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot.sandbox.personas import STAFF_GROUPS, Persona, persona
from tests.browser.conftest import Sandbox

# Waits for one step of a dialog; generous for a loaded two-core machine.
WAIT = 30
# The first answer also waits for the bot to start (migrations, the codifier's first import).
FIRST_ANSWER_WAIT = 120

HEAD = persona("head-uk")
OFFICER = persona("officer-vag")
VAG_GROUP = next(group for group in STAFF_GROUPS if group.association == "vag")
QUESTION = "що таке дрім і навіщо він громаді"
TITLE = "Школа в Іллінцях без опалення"
DESCRIPTION = (
    "Котельня опорного ліцею не працює третій тиждень: пошкоджено теплообмінник, "
    "діти навчаються в куртках. Потрібні кошти на заміну обладнання до морозів."
)
REPLY = "Звернулися до Міносвіти щодо коштів на котельню, відповідь очікуємо цього тижня."
REFERENCE_RE = re.compile(r"R-\d{4}-\d{5}")

T = TypeVar("T")

# One round trip for the whole chat: [id, classes, rendered text, button texts] per bubble.
_MESSAGES_JS = """
return Array.from(document.querySelectorAll('#messages .message')).map(m => [
    m.dataset.messageId || '',
    m.className,
    (m.querySelector('.text') || {innerText: ''}).innerText,
    Array.from(m.querySelectorAll('.inline-button')).map(b => b.innerText.trim()),
]);
"""


class Bubble:
    """One `.message` as the page showed it when it was read."""

    def __init__(self, row: list[Any]) -> None:
        self.id = int(row[0]) if str(row[0]).lstrip("-").isdigit() else 0
        self.classes: set[str] = set(str(row[1]).split())
        self.text: str = row[2]
        self.buttons: list[str] = list(row[3])

    @property
    def from_bot(self) -> bool:
        return "from-bot" in self.classes


class SandboxPage:
    """The sandbox page, driven the way a person would use it."""

    def __init__(self, driver: WebDriver, sandbox: Sandbox, screenshots: Path) -> None:
        self.driver = driver
        self.sandbox = sandbox
        self.screenshots = screenshots

    # ------------------------------------------------------------------ waiting

    def until(
        self, condition: Callable[[WebDriver], T | None], what: str, seconds: float = WAIT
    ) -> T:
        """Wait for `condition` to return something truthy; the failure names `what`."""
        wait = WebDriverWait(
            self.driver,
            seconds,
            poll_frequency=0.2,
            ignored_exceptions=(StaleElementReferenceException, NoSuchElementException),
        )
        try:
            result = wait.until(condition)
        except TimeoutException:
            raise AssertionError(f"waited {seconds} s for {what}; {self.describe()}") from None
        assert result is not None  # until() returns only a truthy value
        return result

    def describe(self) -> str:
        """The open chat and its last bubbles, for a failure's message."""
        title = self.driver.find_element(By.ID, "chat-title").text
        last = [f"[{b.id}] {b.text[:160]!r} {b.buttons}" for b in self.bubbles()[-3:]]
        return f"the chat «{title}» ends with:\n  " + "\n  ".join(last or ["(nothing)"])

    def bubbles(self) -> list[Bubble]:
        return [Bubble(row) for row in self.driver.execute_script(_MESSAGES_JS)]

    def last_id(self) -> int:
        """The id of the newest bubble of the open chat (0 when empty)."""
        return max((bubble.id for bubble in self.bubbles()), default=0)

    def wait_bot(
        self,
        pattern: str,
        *,
        after: int = -1,
        button: str | None = None,
        seconds: float = WAIT,
    ) -> Bubble:
        """The newest bot bubble whose text matches `pattern` (`.` spans lines) and, when given,
        shows a button containing `button`, with an id above `after`."""
        regex = re.compile(pattern, re.DOTALL)

        def shown(_: WebDriver) -> Bubble | None:
            for bubble in reversed(self.bubbles()):
                if (
                    bubble.from_bot
                    and bubble.id > after
                    and regex.search(bubble.text)
                    and (button is None or any(button in b for b in bubble.buttons))
                ):
                    return bubble
            return None

        suffix = f" with a button «{button}»" if button else ""
        return self.until(shown, f"a bot message matching «{pattern}»{suffix}", seconds)

    def toast(self, pattern: str) -> str:
        """The text of the callback answer shown in #toast."""
        regex = re.compile(pattern)

        def shown(driver: WebDriver) -> str | None:
            toast = driver.find_element(By.ID, "toast")
            text = toast.get_attribute("textContent") or ""
            return text if regex.search(text) else None

        return self.until(shown, f"a toast matching «{pattern}»")

    # ------------------------------------------------------------------ acting

    def open(self) -> None:
        self.driver.get(self.sandbox.url)
        self.until(lambda d: d.find_element(By.ID, "persona"), "the persona switch")
        language = Select(self.driver.find_element(By.ID, "ui-lang"))
        if language.first_selected_option.get_attribute("value") != "uk":
            language.select_by_value("uk")

    def act_as(self, who: Persona) -> None:
        """Switch the persona: the chat list then holds who's private chat with the bot."""
        Select(self.driver.find_element(By.ID, "persona")).select_by_value(who.key)
        self.until(
            lambda d: d.find_elements(
                By.CSS_SELECTOR, f'#chat-list [data-chat-id="{who.user_id}"]'
            ),
            f"the private chat of {who.key} in the chat list",
        )

    def open_chat(self, chat_id: int, title: str | None = None) -> None:
        def click_entry(driver: WebDriver) -> bool:
            # Found and clicked in one step: the page redraws its chat list as the state
            # changes, and an entry found just before a redraw is stale (found again then).
            driver.find_element(By.CSS_SELECTOR, f'#chat-list [data-chat-id="{chat_id}"]').click()
            return True

        self.until(click_entry, f"chat {chat_id} in the chat list")
        if title is not None:
            self.until(
                lambda d: title in d.find_element(By.ID, "chat-title").text,
                f"the chat title «{title}»",
            )

    def send(self, text: str, *, enter: bool = False) -> None:
        """Type into the composer and send it (the Send button, or Enter)."""
        composer = self.driver.find_element(By.ID, "composer")
        composer.clear()
        composer.send_keys(text)
        if enter:
            composer.send_keys(Keys.ENTER)
        else:
            self.driver.find_element(By.ID, "send").click()
        self.until(
            lambda d: d.find_element(By.ID, "composer").get_attribute("value") == "",
            "the composer emptied after sending",
        )

    def message(self, bubble: Bubble) -> WebElement:
        return self.driver.find_element(
            By.CSS_SELECTOR, f'#messages .message[data-message-id="{bubble.id}"]'
        )

    def press(self, bubble: Bubble, text: str) -> None:
        """Press the inline button of `bubble` whose text is `text` (or contains it, when no
        button is exactly that)."""

        def button(_: WebDriver) -> WebElement | None:
            buttons = self.message(bubble).find_elements(
                By.CSS_SELECTOR, ".inline-keyboard .inline-button"
            )
            labels = [b.text.strip() for b in buttons]
            exact = [b for b, label in zip(buttons, labels, strict=True) if label == text]
            partial = [b for b, label in zip(buttons, labels, strict=True) if text in label]
            chosen = exact or partial
            return chosen[0] if len(chosen) == 1 else None

        self._click(self.until(button, f"one button «{text}» on message {bubble.id}"))

    def press_reply_keyboard(self, text: str) -> None:
        def button(driver: WebDriver) -> WebElement | None:
            for candidate in driver.find_elements(By.CSS_SELECTOR, "#reply-keyboard .reply-button"):
                if text in candidate.text:
                    return candidate
            return None

        self._click(self.until(button, f"the reply keyboard's «{text}»"))

    def reply_to(self, bubble: Bubble) -> str:
        """The reply action on a bubble; returns what the reply bar then shows."""
        self._click(self.message(bubble).find_element(By.CSS_SELECTOR, "button.reply-action"))

        def bar(driver: WebDriver) -> WebElement | None:
            shown = driver.find_element(By.ID, "reply-bar")
            return shown if shown.is_displayed() else None

        return str(self.until(bar, "the reply bar").text)

    def reply_bar_shown(self) -> bool:
        return bool(self.driver.find_element(By.ID, "reply-bar").is_displayed())

    def _click(self, element: WebElement) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        try:
            element.click()
        except ElementClickInterceptedException:
            # A toast may cover the button for a moment; keyboard users press Enter the same way.
            element.send_keys(Keys.ENTER)

    # ------------------------------------------------------------------ checking

    def violations(self) -> list[str]:
        return [v.text for v in self.driver.find_elements(By.CSS_SELECTOR, ".violation")]

    def screenshot(self, name: str, bubble: Bubble | None = None, *, top: bool = False) -> None:
        """`name`.png of the window, scrolled to the end of `bubble` (or its top, for a long
        one), once no toast covers the chat."""
        if bubble is not None:
            self.driver.execute_script(
                "arguments[0].scrollIntoView({block: arguments[1]})",
                self.message(bubble),
                "start" if top else "end",
            )
        self.until(lambda d: not d.find_element(By.ID, "toast").is_displayed(), "the toast to go")
        self.driver.save_screenshot(str(self.screenshots / f"{name}.png"))


def register_head(page: SandboxPage) -> None:
    """Registration through the bot's dialog, with the hromada found in the codifier."""
    page.send("/start", enter=True)
    step = page.wait_bot("Оберіть мову", button="Українська", seconds=FIRST_ANSWER_WAIT)
    page.press(step, "Українська")
    step = page.wait_bot("Згода на обробку", button="Погоджуюся")
    page.press(step, "Погоджуюся")
    page.wait_bot("Як до вас звертатися")
    page.send(HEAD.full_name)
    step = page.wait_bot("Оберіть вашу посаду", button="Голова громади")
    page.press(step, "Голова громади")
    step = page.wait_bot("Оберіть область", button="Вінницька")
    page.press(step, "Вінницька")
    page.wait_bot("Надішліть назву вашої громади або кілька перших літер")
    page.send("Іллін")
    step = page.wait_bot("Ось громади, схожі на «Іллін»", button="Іллінецька громада")
    assert "Іллінецька громада (Вінницький р-н)" in step.buttons
    page.screenshot("01-registration-hromada-search", step)
    page.press(step, "Іллінецька громада (Вінницький р-н)")
    step = page.wait_bot("Членом яких асоціацій", button="ВАГ")
    page.press(step, "ВАГ")
    step = page.wait_bot("Членом яких асоціацій", button="✅ ВАГ")
    page.press(step, "Далі")
    page.wait_bot("Останній крок")
    page.press_reply_keyboard("Поділитися номером")
    page.wait_bot("Реєстрацію завершено")
    page.until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "#reply-keyboard .reply-button"),
        "the contact keyboard gone after the last step",
    )


def ask_knowledge_base(page: SandboxPage) -> None:
    before = page.last_id()
    page.send(QUESTION)
    found = page.wait_bot(f"За запитом «{QUESTION}» знайдено", after=before, button="DREAM")
    page.press(found, "DREAM — цифрова екосистема")
    answer = page.wait_bot("державна цифрова екосистема", after=before)
    assert "DREAM" in answer.text and "ДФРР" in answer.text
    page.screenshot("02-knowledge-base-answer", answer, top=True)


def file_report(page: SandboxPage) -> str:
    """The report dialog from the main menu to the reference number."""
    before = page.last_id()
    page.send("/menu")
    menu = page.wait_bot("Головне меню", after=before, button="Повідомити про проблему")
    page.press(menu, "Повідомити про проблему")
    step = page.wait_bot("Крок 1", button="Освіта")
    page.press(step, "Освіта")
    step = page.wait_bot("Крок 2", button="Критична")
    page.press(step, "Критична")
    page.wait_bot("Крок 3")
    page.send(TITLE)
    page.wait_bot("Крок 4")
    page.send(DESCRIPTION)
    step = page.wait_bot("Крок 5", button="Пропустити")
    page.press(step, "Пропустити")
    step = page.wait_bot("Крок 6", button="Пропустити")
    page.press(step, "Пропустити")
    step = page.wait_bot("Крок 7", button="Далі")
    page.press(step, "Далі")
    step = page.wait_bot("Крок 8", button="Пропустити")
    page.press(step, "Пропустити")
    step = page.wait_bot("Перевірте звернення|Схожі відкриті звернення")
    if "Схожі відкриті звернення" in step.text:
        # The seeded reports may look alike; this one is a different trouble.
        page.press(step, "У мене інша проблема")
    preview = page.wait_bot("Перевірте звернення", button="Надіслати")
    assert TITLE in preview.text and "Іллінецька" in preview.text
    assert HEAD.full_name in preview.text
    page.press(preview, "Надіслати")
    done = page.wait_bot("Звернення зареєстровано")
    found = REFERENCE_RE.search(done.text)
    assert found is not None, done.text
    page.screenshot("03-report-reference-number", done)
    return found.group(0)


def test_head_registers_asks_files_and_the_officer_answers_in_the_staff_group(
    driver: WebDriver,
    sandbox: Sandbox,
    screenshots_dir: Path,
    failure_capture: None,
) -> None:
    started = time.monotonic()
    page = SandboxPage(driver, sandbox, screenshots_dir)
    page.open()
    banner = driver.find_element(By.ID, "sandbox-banner")
    assert banner.is_displayed() and "var/sandbox" in banner.text
    assert not page.reply_bar_shown()  # nothing to reply to has been chosen

    # The head, in her private chat with the bot.
    page.act_as(HEAD)
    page.open_chat(HEAD.user_id)
    register_head(page)
    ask_knowledge_base(page)
    assert page.violations() == []

    # The VAG officer approves the new member from the card in the staff group.
    page.act_as(OFFICER)
    page.open_chat(VAG_GROUP.chat_id, VAG_GROUP.title)
    card = page.wait_bot(f"Новий член.*{HEAD.full_name}", button="Підтвердити")
    assert f"{HEAD.full_name} — Голова громади" in card.text
    assert "Іллінецька" in card.text
    page.press(card, "Підтвердити")
    assert "Членство підтверджено" in page.toast("Членство підтверджено")
    page.wait_bot(f"Членство підтвердив\\(-ла\\) {OFFICER.full_name}")
    assert page.violations() == []

    # The head is told, and files a report.
    page.act_as(HEAD)
    page.open_chat(HEAD.user_id)
    page.wait_bot("Секретаріат асоціації підтвердив ваше членство")
    reference = file_report(page)
    assert page.violations() == []

    # The officer takes it in the staff group, moves it on and replies to the card.
    page.act_as(OFFICER)
    page.open_chat(VAG_GROUP.chat_id, VAG_GROUP.title)
    card = page.wait_bot(f"Звернення {reference}", button="Взяти в роботу")
    assert TITLE in card.text and HEAD.full_name in card.text
    assert "📌 Статус: нове" in card.text
    page.screenshot("04-staff-group-card", card)
    page.press(card, "Взяти в роботу")
    assert page.toast("закріплено за вами")
    card = page.wait_bot(f"Звернення {reference}.*Опрацьовує: {OFFICER.full_name}")
    page.press(card, "Змінити статус")
    card = page.wait_bot(f"Звернення {reference}", button="У роботі")
    page.press(card, "У роботі")
    card = page.wait_bot(f"Звернення {reference}.*📌 Статус: у роботі", button="Змінити статус")
    before = page.last_id()
    assert reference in page.reply_to(card)
    page.send(REPLY)
    page.wait_bot("Відповідь надіслано. Отримали: 1 з 1", after=before)
    assert not page.reply_bar_shown()
    page.screenshot("05-staff-group-reply")
    assert page.violations() == []

    # The head sees the status change and the officer's reply in her private chat.
    page.act_as(HEAD)
    page.open_chat(HEAD.user_id)
    status = page.wait_bot("Статус звернення змінено: у роботі")
    assert reference in status.text
    reply = page.wait_bot("Відповідь секретаріату асоціації")
    assert reference in reply.text and REPLY in reply.text
    page.screenshot("06-head-status-and-reply", reply)
    assert page.violations() == []
    print(f"browser walkthrough: {time.monotonic() - started:.1f} s")
