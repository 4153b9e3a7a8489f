"""The one rule for typed text and numbers: invisible characters, words, ASCII digits, bounds."""

from __future__ import annotations

import pytest

from bot.services.members import clean_hromada_text, clean_name, clean_phone
from bot.services.questions import clean_question
from bot.services.reports import clean_description, clean_residents, clean_title
from bot.services.text_input import (
    ID_MAX,
    InvalidInput,
    clean_block,
    clean_line,
    parse_id,
    parse_int,
    strip_format,
)
from dialogs.common import item_number

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji: three people joined by ZWJ
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
WALES = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("Оле\u200bна", "Олена"),  # zero-width space
        ("\u202eанелО", "анелО"),  # right-to-left override
        ("\u2066Київ\u2069 \u200e\u200f", "Київ "),  # isolates and marks
        ("\ufeffпере\u00adнос", "перенос"),  # byte-order mark, soft hyphen
        ("a\u200db", "a\u200db"),  # a joiner between two visible characters stays
        ("\u200dab\u200d", "ab"),  # at an end it joins nothing
        ("a \u200d b", "a  b"),  # nor beside a space
        (FAMILY, FAMILY),
        (RAINBOW_FLAG, RAINBOW_FLAG),
        (WALES + " Cymru", WALES + " Cymru"),  # tag characters of a subdivision flag stay
        ("x\U000e0067y", "xy"),  # a stray tag character does not
        ("\u3164\u115f\u1160\uffa0\u2800", "     "),  # blank look-alikes become spaces
        ("a\x00b\x07c\x1bd", "abcd"),  # control characters
        ("line\r\nnext\rthird\tcol", "line\nnext\nthird\tcol"),
    ],
)
def test_strip_format(typed: str, cleaned: str) -> None:
    assert strip_format(typed) == cleaned


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("\u200b\u200b\u200b", "empty"),
        ("\u2800\u2800", "empty"),  # Braille blank: a symbol (So) that draws nothing
        ("\u3164\u3164\u3164", "empty"),  # Hangul filler: a letter (Lo) that draws nothing
        ("\u115f\u1160\uffa0", "empty"),
        ("\u202e", "empty"),
        ("\U0001f525\U0001f525", "no-letters"),  # emoji only
        (FAMILY, "no-letters"),
        ("!!! ... ???", "no-letters"),
        ("\u3164!\u3164", "no-letters"),
    ],
)
def test_a_text_needs_a_visible_letter_or_digit(typed: str, code: str) -> None:
    for clean in (
        lambda text: clean_line(text, maximum=100),
        lambda text: clean_block(text, maximum=100),
        clean_title,
        clean_description,
        clean_question,
    ):
        with pytest.raises(InvalidInput) as error:
            clean(typed)
        assert error.value.code == code


def test_cleaned_texts_keep_what_was_meant() -> None:
    assert clean_title("  Дах\u200b школи \u202eпошкоджено  ") == "Дах школи пошкоджено"
    assert clean_title("\U0001f525 Пожежа в школі") == "\U0001f525 Пожежа в школі"
    assert clean_title("2026") == "2026"  # a digit is enough for a title
    assert clean_description(" Перший рядок\n\n  другий\u200b  ") == "Перший рядок\n\n  другий"
    assert clean_question("Що таке ДРІМ?\u2069") == "Що таке ДРІМ?"


def test_limits_count_what_is_left_after_cleaning() -> None:
    assert clean_line("я" * 10 + "\u200b" * 50, maximum=10) == "я" * 10
    with pytest.raises(InvalidInput) as error:
        clean_line("я" * 11, maximum=10)
    assert error.value.code == "too-long"
    assert error.value.limits == {"limit": 10, "length": 11}
    with pytest.raises(InvalidInput) as error:
        clean_line("я", maximum=10, minimum=2)
    assert error.value.code == "too-short"
    assert error.value.limits == {"limit": 2}


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "\u200b\u200b\u200b",
        "\u3164\u3164\u3164",
        "\u2800\u2800",
        "\U0001f600\U0001f600",
        "12345",
        "Я",
    ],
)
def test_a_name_needs_letters(typed: str) -> None:
    for clean in (clean_name, clean_hromada_text):
        with pytest.raises(InvalidInput) as error:
            clean(typed)
        assert error.value.code == "too-short"
        assert error.value.limits == {"limit": 2}


def test_names_are_cleaned() -> None:
    assert clean_name("\u202eОлена\u200b  Петренко\u2066") == "Олена Петренко"
    assert clean_name("О'Ніл Ґонта-Бойко") == "О'Ніл Ґонта-Бойко"
    assert clean_hromada_text("Іллінецька\u00a0міська громада") == "Іллінецька міська громада"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        ("100", 100),
        ("101", None),  # over the bound
        ("-1", None),
        ("+5", None),
        (" 5", None),
        ("5_0", None),
        ("5.0", None),
        ("²", None),  # "²".isdigit() is True
        ("١٢", None),  # Arabic-Indic digits: int() would read 12
        ("１２", None),  # full-width digits
        ("9" * 20, None),
        ("0" * 30 + "1", 1),
        ("9" * 5000, None),  # int() would refuse it outright
        ("", None),
    ],
)
def test_parse_int_reads_ascii_digits_within_bounds(text: str, expected: int | None) -> None:
    assert parse_int(text, 100) == expected


def test_ids_are_bounded_for_the_database() -> None:
    assert parse_id("1") == 1
    assert parse_id(str(ID_MAX)) == ID_MAX
    assert parse_id(str(ID_MAX + 1)) is None
    assert parse_id("0") is None
    assert parse_id("99999999999999999999") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1 200", 1200), ("1’200", 1200), ("0", 0), ("", None), ("10000000", 10_000_000)],
)
def test_residents(typed: str, expected: int | None) -> None:
    assert clean_residents(typed) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("²", "not-a-number"),
        ("١٢٠٠", "not-a-number"),
        ("багато", "not-a-number"),
        ("-5", "not-a-number"),
        ("10000001", "too-large"),
        ("99999999999999999999", "too-large"),
    ],
)
def test_residents_refused(typed: str, code: str) -> None:
    with pytest.raises(InvalidInput) as error:
        clean_residents(typed)
    assert error.value.code == code


def test_phone_digits_are_ascii() -> None:
    assert clean_phone("+380 (50) 123-45-67") == "+380501234567"
    with pytest.raises(InvalidInput):
        clean_phone("+٣٨٠٥٠١٢٣٤٥٦٧")


def test_button_items_are_indices_or_row_ids() -> None:
    assert item_number("0") == 0
    assert item_number("12345") == 12345  # an announcement's id in News
    assert item_number(str(ID_MAX)) == ID_MAX
    for forged in ("", "-1", "²", "١٢", str(ID_MAX + 1), "9" * 5000):
        assert item_number(forged) == -1
