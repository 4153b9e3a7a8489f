"""Words of a text in either language: normalised, stop words, Ukrainian lemmas (pymorphy3),
English stems (Snowball), and Ukrainian words typed in Latin letters read back in Cyrillic."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import islice, product

import pymorphy3
import snowballstemmer

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC_RE = re.compile(r"[а-яіїєґёыэъ]")
_APOSTROPHES = str.maketrans({"’": "", "ʼ": "", "'": "", "`": "", "‘": "", "´": ""})
# Letters of the Russian alphabet typed on a Ukrainian phone keyboard by habit.
_RUSSIAN_LETTERS = str.maketrans({"ы": "и", "э": "е", "ё": "е", "ъ": ""})


def _word_list(text: str) -> frozenset[str]:
    return frozenset(text.split())


UK_STOPWORDS = _word_list(
    """
    а або аби адже але б би без був була були було бути в вам вами вас весь ви від він вона вони
    воно все всі всього де для до же з за зі і із інші її їх й його коли котрий ми мене мені мій
    мною на нам нами нас наш не нема немає ні ну о об от по при про та так також там те тим то
    тобто того тоді той треба ту у усі хто це цей ці ця цього цю чи чий чого чому що щоб щодо як
    яка який які якщо я є бо от ось ж мати можна могти хотіти знати скажіть підкажіть будь ласка
    розкажіть поясніть цікаво питання прошу дякую привіт добрий день вже ще тут його-то наша наше
    наші ваш ваша ваше ваші який-небудь де-небудь хтось щось якось нас нашої нашу нашій нашим
    скільки шо шоб взагалі навіщо туди чим саме звідки спочатку просто типу короче якийсь такий
    зараз щас нада надо щоби
    """
)
EN_STOPWORDS = _word_list(
    """
    a about an and are as at be been being but by can could did do does doing for from had has
    have how i if in into is it its me my of on or our please should so tell than that the their
    them then there these they this to us was we were what when where which who whom why will
    with would you your any there's what's how's i'm we're hello hi thanks thank explain know
    need want get got does anyone something anything much many he him his she her hers
    because cant dont doesnt didnt isnt arent wasnt werent wont just also really actually whats
    whos hows wheres whens theres thats im ive weve youre theyre lets those
    """
)

# KMU 2010 romanisation read backwards, plus informal spellings members use.
_LATIN_UNITS: list[tuple[str, tuple[str, ...]]] = [
    ("shch", ("щ",)),
    ("zgh", ("зг",)),
    ("kh", ("х",)),
    ("zh", ("ж",)),
    ("ts", ("ц",)),
    ("ch", ("ч",)),
    ("sh", ("ш",)),
    ("yu", ("ю",)),
    ("ya", ("я",)),
    ("ye", ("є", "е")),
    ("yi", ("ї", "ий")),
    ("iu", ("ю",)),
    ("ia", ("я", "іа")),
    ("ie", ("є", "іе")),
    ("ii", ("ії", "ій", "иі")),
    ("a", ("а",)),
    ("b", ("б",)),
    ("c", ("ц",)),
    ("d", ("д",)),
    ("e", ("е",)),
    ("f", ("ф",)),
    ("g", ("г", "ґ")),
    ("h", ("г",)),
    ("i", ("і", "и", "й")),
    ("j", ("й",)),
    ("k", ("к",)),
    ("l", ("л",)),
    ("m", ("м",)),
    ("n", ("н",)),
    ("o", ("о",)),
    ("p", ("п",)),
    ("q", ("к",)),
    ("r", ("р",)),
    ("s", ("с",)),
    ("t", ("т",)),
    ("u", ("у",)),
    ("v", ("в",)),
    ("w", ("в",)),
    ("x", ("кс",)),
    ("y", ("и", "й")),
    ("z", ("з",)),
]
_MAX_TRANSLIT_VARIANTS = 48
_SOFT_SIGN_VARIANTS = 1
_SOFTENED = frozenset("дзлнстц")
_VOWELS = frozenset("аеиіуєюяї")


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="uk")


@lru_cache(maxsize=1)
def _english() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def normalise(text: str) -> str:
    """Lowercase, NFKC, apostrophes dropped, Russian-only letters mapped to Ukrainian ones."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    return text.translate(_RUSSIAN_LETTERS)


def words(text: str) -> list[str]:
    return _WORD_RE.findall(normalise(text))


@lru_cache(maxsize=100_000)
def ukrainian_lemma(word: str) -> str:
    return str(_morph().parse(word)[0].normal_form).replace("ʼ", "")


@lru_cache(maxsize=100_000)
def known_ukrainian(word: str) -> bool:
    return bool(_morph().word_is_known(word))


@lru_cache(maxsize=100_000)
def english_stem(word: str) -> str:
    return str(_english().stemWord(word))


@lru_cache(maxsize=20_000)
def from_latin(word: str) -> str | None:
    """A Ukrainian word that `word` romanises (`detsentralizatsii` → `децентралізації`), if any."""
    if len(word) < 4:
        return None
    return next(romanised(word, known_ukrainian), None)


@lru_cache(maxsize=20_000)
def latin_stopword(word: str) -> bool:
    """Whether `word` is a Ukrainian stop word typed in Latin letters (`shcho`, `yak`, `maie`)."""
    units = _latin_units(word)
    forms, prefixes = _stopword_forms()

    def reads(position: int, prefix: str) -> bool:
        if position == len(units):
            return prefix in forms
        return any(
            reads(position + 1, prefix + letters)
            for letters in units[position]
            if prefix + letters in prefixes
        )

    return bool(units) and reads(0, "")


@lru_cache(maxsize=1)
def _stopword_forms() -> tuple[frozenset[str], frozenset[str]]:
    """Every form of the Ukrainian stop words (має of мати), spelt as romanisation reads it back
    (without the soft sign and the apostrophe), and every beginning of one."""
    forms = set(UK_STOPWORDS)
    for stopword in UK_STOPWORDS:
        for parse in _morph().parse(stopword):
            if parse.normal_form == stopword:
                forms.update(form.word for form in parse.lexeme)
    spelt = frozenset(normalise(form).replace("ь", "") for form in forms)
    return spelt, frozenset(form[:end] for form in spelt for end in range(1, len(form) + 1))


def _latin_units(word: str) -> list[tuple[str, ...]]:
    """The Cyrillic letters each romanised unit of `word` may stand for (none: not romanised)."""
    if not word.isascii() or not word.isalpha():
        return []
    units: list[tuple[str, ...]] = []
    position = 0
    while position < len(word):
        for latin, cyrillic in _LATIN_UNITS:
            if word.startswith(latin, position):
                units.append(cyrillic)
                position += len(latin)
                break
        else:
            return []
    return units


def romanised(word: str, accept: Callable[[str], bool]) -> Iterator[str]:
    """The Cyrillic readings of a Latin word that `accept` takes, in order of likelihood."""
    units = _latin_units(word)
    if not units:
        return
    variants = ["".join(letters) for letters in islice(product(*units), _MAX_TRANSLIT_VARIANTS)]
    yield from filter(accept, variants)
    # Romanisation drops the soft sign (`spilna` is спільна, `vkhodyt` входить): one put back
    # after a consonant that takes it, in the likeliest reading.
    for candidate in variants[:_SOFT_SIGN_VARIANTS]:
        for index in range(1, len(candidate) + 1):
            # ь follows a consonant and stands before a consonant, о or the word's end.
            if candidate[index - 1] in _SOFTENED and candidate[index : index + 1] not in _VOWELS:
                softened = f"{candidate[:index]}ь{candidate[index:]}"
                if accept(softened):
                    yield softened


def is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC_RE.search(word))
