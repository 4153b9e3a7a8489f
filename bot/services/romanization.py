"""Ukrainian → Latin romanization by the official KMU 2010 table (Resolution No. 55, 27.01.2010).

Rules: є, ї, й, ю, я have their own forms at the start of a word (Ye, Yi, Y, Yu, Ya) and inside it
(ie, i, i, iu, ia); "зг" is "zgh" (Згорани → Zghorany) to tell it from "ж"; the soft sign and the
apostrophe are dropped. Capitals are kept: a capital letter gives a capitalized form (Щ → Shch), a
word in capitals stays in capitals (ЩОРС → SHCHORS). Anything that is not a Ukrainian letter is
copied unchanged.
"""

from __future__ import annotations

__all__ = ["APOSTROPHES", "romanize"]

# The straight apostrophe, the typographic one, the modifier letter and the backtick people type.
APOSTROPHES = frozenset("'’ʼ`ʹ‘")

_TABLE: dict[str, str] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "h",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "и": "y",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ь": "",
    "ю": "iu",
    "я": "ia",
}
_INITIAL: dict[str, str] = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def _is_letter(char: str) -> bool:
    return char.isalpha()


def _cased(latin: str, upper: bool, whole_word_upper: bool) -> str:
    if not upper or not latin:
        return latin
    return latin.upper() if whole_word_upper else latin[0].upper() + latin[1:]


def romanize(text: str) -> str:
    """`Андріївська` → `Andriivska`, `Згурівка` → `Zghurivka`, `Їжакевич` → `Yizhakevych`."""
    out: list[str] = []
    length = len(text)
    for index, char in enumerate(text):
        lower = char.lower()
        if lower not in _TABLE:
            if char in APOSTROPHES and 0 < index < length - 1:
                before, after = text[index - 1].lower(), text[index + 1].lower()
                if before in _TABLE and after in _TABLE:
                    continue  # the apostrophe inside a Ukrainian word is not romanized
            out.append(char)
            continue
        # The start of a word: no letter before it (an apostrophe keeps us inside the word).
        prev = index - 1
        while prev >= 0 and text[prev] in APOSTROPHES:
            prev -= 1
        word_start = prev < 0 or not _is_letter(text[prev])
        if word_start and lower in _INITIAL:
            latin = _INITIAL[lower]
        elif lower == "г" and index > 0 and text[index - 1].lower() == "з":
            latin = "gh"
        else:
            latin = _TABLE[lower]
        upper = char != lower
        # All capitals: the next letter is a capital too, or this is the last letter after one.
        nxt = text[index + 1] if index + 1 < length else ""
        if _is_letter(nxt):
            whole_upper = nxt.isupper()
        else:
            whole_upper = index > 0 and _is_letter(text[index - 1]) and text[index - 1].isupper()
        out.append(_cased(latin, upper, whole_upper))
    return "".join(out)
