"""One rule for what people type: text cleaned of invisible characters and required to say
something, and numbers and ids read in ASCII digits within bounds.

Text: format characters (Unicode category Cf: zero-width spaces, bidi controls such as U+202E,
the soft hyphen, the byte-order mark) and control characters other than line breaks and tabs
are removed; U+200D ZERO WIDTH JOINER stays only between two visible characters, where it
joins an emoji sequence, and so do the tag characters of a subdivision flag. Characters that
draw nothing although Unicode calls them letters or symbols (the Hangul fillers, the Braille
blank) become plain spaces. What is left must hold a visible letter or digit.

Numbers: `"²".isdigit()` is true but `int("²")` fails, and `int("١٢")` reads Arabic-Indic
digits; only 0-9 count here, and every number has a bound, so an id from a forged button can
never reach the database as a value its column cannot hold.
"""

from __future__ import annotations

import re
import unicodedata

ZWJ = "\u200d"
# Invisible, yet Unicode letters (Lo) or symbols (So): they would pass for text.
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\U0001d159")
# A subdivision flag (England, Scotland, Wales): a black flag and Cf tag characters.
_TAG_FLAG_RE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_KEPT_CONTROLS = frozenset("\n\t")

# Ids from buttons and links: PostgreSQL `integer` columns hold 32 bits, Telegram ids 64.
ID_MAX = 2**31 - 1
TELEGRAM_ID_MAX = 2**63 - 1


class InvalidInput(ValueError):
    """Input a member typed that breaks a rule; `code` names the rule, `limits` its figures."""

    def __init__(self, code: str, **limits: int) -> None:
        super().__init__(code)
        self.code = code
        self.limits = limits


def _removed(char: str) -> bool:
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and char not in _KEPT_CONTROLS)


def _visible(char: str) -> bool:
    return not (char.isspace() or char in BLANKS or _removed(char))


def strip_format(text: str) -> str:
    """`text` without format and control characters; blank look-alikes become spaces."""
    kept_flags = {m.start(): m.group() for m in _TAG_FLAG_RE.finditer(text)}
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        flag = kept_flags.get(index)
        if flag is not None:
            out.append(flag)
            index += len(flag)
            continue
        char = text[index]
        if char == ZWJ:
            before = text[index - 1] if index else ""
            after = text[index + 1] if index + 1 < length else ""
            if before and after and _visible(before) and _visible(after):
                out.append(char)
        elif char in BLANKS:
            out.append(" ")
        elif char == "\r":
            # A lone CR or a CRLF is one line break.
            if not text.startswith("\n", index + 1):
                out.append("\n")
        elif not _removed(char):
            out.append(char)
        index += 1
    return "".join(out)


def has_words(text: str, *, letters_only: bool = False) -> bool:
    """Whether `text` holds a visible letter (or, unless `letters_only`, a digit)."""
    wanted = "L" if letters_only else "LN"
    return any(unicodedata.category(char)[0] in wanted and char not in BLANKS for char in text)


def require_words(text: str, *, letters_only: bool = False) -> None:
    """InvalidInput `empty` when nothing visible is in `text`, `no-letters` when no letter
    or digit (only a letter, with `letters_only`) is."""
    if not any(_visible(char) for char in text):
        raise InvalidInput("empty")
    if not has_words(text, letters_only=letters_only):
        raise InvalidInput("no-letters")


def _check(text: str, minimum: int, maximum: int, letters_only: bool) -> str:
    if not any(_visible(char) for char in text):
        raise InvalidInput("empty")
    if len(text) > maximum:
        raise InvalidInput("too-long", limit=maximum, length=len(text))
    require_words(text, letters_only=letters_only)
    if len(text) < minimum:
        raise InvalidInput("too-short", limit=minimum)
    return text


def clean_line(text: str, *, maximum: int, minimum: int = 1, letters_only: bool = False) -> str:
    """One line (a name, a title): cleaned, one space between words. InvalidInput `empty`,
    `too-long` (limit, length), `no-letters`, `too-short` (limit)."""
    return _check(" ".join(strip_format(text).split()), minimum, maximum, letters_only)


def clean_block(text: str, *, maximum: int, minimum: int = 1) -> str:
    """Text of several lines (a description, a question, an answer): cleaned and trimmed,
    spaces and line breaks within kept as typed. InvalidInput as `clean_line`."""
    return _check(strip_format(text).strip(), minimum, maximum, False)


def ascii_digits(text: str) -> bool:
    """Whether `text` is nothing but the digits 0-9."""
    return bool(text) and text.isascii() and text.isdigit()


def parse_int(text: str, maximum: int, *, minimum: int = 0) -> int | None:
    """A whole number written in ASCII digits 0-9 (nothing else, not even a sign), within
    minimum..maximum; None otherwise."""
    if not ascii_digits(text):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):
        return None
    value = int(digits)
    return value if minimum <= value <= maximum else None


def parse_id(text: str, maximum: int = ID_MAX) -> int | None:
    """A row id from a button or a deep link (1..ID_MAX); None for anything else."""
    return parse_int(text, maximum, minimum=1)
