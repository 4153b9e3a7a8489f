"""Oblasts, romanization and the fuzzy hromada search used at registration."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import CONTENT_DIR, ContentError
from bot.i18n import Translations
from bot.services.hromadas import (
    HromadaDirectory,
    HromadaMatch,
    Oblast,
    Place,
    PlaceKey,
    load_oblasts,
)
from bot.services.katottg import import_codifier, parse_codifier
from bot.services.romanization import romanize
from dialogs.presenters import place_text
from storage.db import Database

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "katottg_small.csv"
REAL = Path(__file__).resolve().parents[2] / "shared/data/katottg/kodifikator-16-05-2025.csv"

KYIV = "UA80000000000093317"
KYIV_OBLAST = "UA32000000000030281"
ZAPORIZHZHIA = "UA23000000000064947"
DNIPROPETROVSK = "UA12000000000090473"
LVIV = "UA46000000000026241"
CRIMEA = "UA01000000000013043"
SEVASTOPOL = "UA85000000000065278"

ANDRIIVSKA = "UA23020030000059558"
ANDRIVSKA = "UA23020010000034566"
BILA_TSERKVA = "UA32020010000093088"
ZGHURIVSKA = "UA32060110000050416"
MYKOLAIVSKA_DNIPRO = "UA12020090000044548"
MYKOLAIVSKA_SYNELNYKOVE = "UA12140170000037152"

TRANSLATIONS = Translations()
UKRAINIAN_ALPHABET = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"


# ------------------------------------------------------------------------------------ romanization


@pytest.mark.parametrize(
    ("ukrainian", "latin"),
    [
        # Examples of the KMU 2010 table itself.
        ("Алушта", "Alushta"),
        ("Борщагівка", "Borshchahivka"),
        ("Вінниця", "Vinnytsia"),
        ("Гадяч", "Hadiach"),
        ("Згорани", "Zghorany"),
        ("Розгон", "Rozghon"),
        ("Ґалаґан", "Galagan"),
        ("Єнакієве", "Yenakiieve"),
        ("Наєнко", "Naienko"),
        ("Житомир", "Zhytomyr"),
        ("Іршава", "Irshava"),
        ("Їжакевич", "Yizhakevych"),
        ("Кадиївка", "Kadyivka"),
        ("Йосипівка", "Yosypivka"),
        ("Стрий", "Stryi"),
        ("Олексій", "Oleksii"),
        ("Юрій", "Yurii"),
        ("Корюківка", "Koriukivka"),
        ("Яготин", "Yahotyn"),
        ("Ічня", "Ichnia"),
        ("Русь", "Rus"),
        ("Львів", "Lviv"),
        ("Щербухи", "Shcherbukhy"),
        ("Гоща", "Hoshcha"),
        ("Хрещатик", "Khreshchatyk"),
        ("Знам’янка", "Znamianka"),
        ("Знам'янка", "Znamianka"),
        ("Знамʼянка", "Znamianka"),
        ("Андріївська", "Andriivska"),
        ("Білоцерківська", "Bilotserkivska"),
        ("Київ", "Kyiv"),
        ("Кам’янець-Подільський", "Kamianets-Podilskyi"),
        ("Бахчисарайський", "Bakhchysaraiskyi"),
        ("ЗГУРІВКА", "ZGHURIVKA"),
        ("Андріївська громада (Бердянський р-н)", "Andriivska hromada (Berdianskyi r-n)"),
        ("Kyiv 2025", "Kyiv 2025"),
    ],
)
def test_romanize(ukrainian: str, latin: str) -> None:
    assert romanize(ukrainian) == latin


# ---------------------------------------------------------------------------------------- oblasts


def ukrainian_key(name: str) -> list[int]:
    place = name.removeprefix("м. ").lower()
    return [UKRAINIAN_ALPHABET.index(c) if c in UKRAINIAN_ALPHABET else -1 for c in place]


def test_oblasts_content() -> None:
    oblasts = load_oblasts(CONTENT_DIR / "oblasts.yaml")
    assert len(oblasts) == 25
    codes = [oblast.code for oblast in oblasts]
    assert len(set(codes)) == 25
    assert KYIV in codes
    assert CRIMEA not in codes and SEVASTOPOL not in codes
    assert not any(code.startswith(("UA01", "UA85")) for code in codes)
    names = [oblast.name_uk for oblast in oblasts]
    assert names == sorted(names, key=ukrainian_key)
    by_code = {oblast.code: oblast for oblast in oblasts}
    assert by_code[KYIV] == Oblast(KYIV, "м. Київ", "Kyiv City")
    assert by_code["UA05000000000010236"] == Oblast(
        "UA05000000000010236", "Вінницька область", "Vinnytsia Oblast"
    )
    assert all(o.name_en.endswith("Oblast") for o in oblasts if o.code != KYIV)
    assert all(o.name_uk.endswith("область") for o in oblasts if o.code != KYIV)
    assert by_code[KYIV].name("en") == "Kyiv City"


def test_oblasts_match_the_fixture() -> None:
    units = {row.code: row for row in parse_codifier(SMALL)}
    oblasts = {o.code: o for o in load_oblasts(CONTENT_DIR / "oblasts.yaml")}
    for code in (KYIV, KYIV_OBLAST, ZAPORIZHZHIA, DNIPROPETROVSK, LVIV):
        assert units[code].category in ("O", "K")
        assert oblasts[code].name_uk.removeprefix("м. ").startswith(units[code].name)


def test_oblasts_match_the_real_codifier() -> None:
    if not REAL.is_file():
        pytest.skip(f"the real codifier is not at {REAL}")
    top = {
        row.code: row.name
        for row in parse_codifier(REAL)
        if row.category in ("O", "K") and not row.code.startswith(("UA01", "UA85"))
    }
    oblasts = load_oblasts(CONTENT_DIR / "oblasts.yaml")
    assert {o.code for o in oblasts} == set(top)
    for oblast in oblasts:
        assert oblast.name_uk.removeprefix("м. ").startswith(top[oblast.code])


def write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "oblasts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("oblasts: []\n", r"oblasts\.yaml: expected a non-empty list under 'oblasts'"),
        ("- a\n", r"oblasts\.yaml: expected a non-empty list under 'oblasts'"),
        ("oblasts:\n  - just text\n", r"oblasts\.yaml: oblasts\[0\] must be a mapping"),
        (
            "oblasts:\n  - name_uk: Вінницька область\n    name_en: Vinnytsia Oblast\n",
            r"oblasts\.yaml: oblasts\[0\]\.code must be a КАТОТТГ code",
        ),
        (
            "oblasts:\n  - code: UA0500000\n    name_uk: Вінницька\n    name_en: Vinnytsia\n",
            r"oblasts\.yaml: oblasts\[0\]\.code must be a КАТОТТГ code",
        ),
        (
            "oblasts:\n  - code: UA05000000000010236\n    name_uk: Вінницька область\n",
            r"oblasts\.yaml: oblasts\[0\]\.name_en is required",
        ),
        (
            "oblasts:\n"
            "  - {code: UA05000000000010236, name_uk: Вінницька, name_en: Vinnytsia}\n"
            "  - {code: UA05000000000010236, name_uk: Волинська, name_en: Volyn}\n",
            r"oblasts\.yaml: oblasts\[1\]\.code UA05000000000010236 is listed twice",
        ),
        ("oblasts: [\n", r"oblasts\.yaml, line \d+: invalid YAML"),
    ],
)
def test_oblasts_validation(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ContentError, match=message):
        load_oblasts(write_yaml(tmp_path, text))


# ----------------------------------------------------------------------------------------- search


@pytest.fixture
def oblasts() -> list[Oblast]:
    return load_oblasts(CONTENT_DIR / "oblasts.yaml")


@pytest.fixture
async def directory(db: Database, oblasts: list[Oblast]) -> HromadaDirectory:
    await import_codifier(db, SMALL)
    return HromadaDirectory(db, oblasts)


def codes(matches: list[HromadaMatch]) -> list[str]:
    return [match.code for match in matches]


async def test_has_codifier_and_no_stale_cache(db: Database, oblasts: list[Oblast]) -> None:
    directory = HromadaDirectory(db, oblasts)
    assert not await directory.has_codifier()
    assert await directory.search(ZAPORIZHZHIA, "Андріївська") == []
    await import_codifier(db, SMALL)  # as a separate import process would
    assert await directory.has_codifier()
    assert codes(await directory.search(ZAPORIZHZHIA, "Андріївська"))[0] == ANDRIIVSKA


@pytest.mark.parametrize(
    "query",
    [
        "Андріївська",
        "андріївська",
        "АНДРІЇВСЬКА",
        "Андрїівська",  # a typo
        "андрiiвська",  # Latin i
        "Андріїівська",
        "Андріївська громада",
        "Андріївська територіальна громада",
        "Андріївська сільська територіальна громада",
        "Андріївська ТГ",
        "Андріївська ОТГ",
        "громада Андріївська",
        "Andriivska",
        "andriivska hromada",
        "Andriyivska",
        "  Андріївська  ",
    ],
)
async def test_search_tolerates_typos_and_extra_words(
    directory: HromadaDirectory, query: str
) -> None:
    matches = await directory.search(ZAPORIZHZHIA, query)
    assert matches, query
    assert matches[0].code == ANDRIIVSKA
    assert matches[0].name == "Андріївська"
    assert matches[0].raion_name == "Бердянський"
    assert len(matches) <= 8


async def test_exact_match_ranks_first(directory: HromadaDirectory) -> None:
    assert codes(await directory.search(ZAPORIZHZHIA, "Андрівська"))[0] == ANDRIVSKA
    matches = await directory.search(ZAPORIZHZHIA, "Андріївська")
    assert codes(matches) == [ANDRIIVSKA, ANDRIVSKA]
    assert matches[0].score == 100.0 > matches[1].score


@pytest.mark.parametrize(
    ("oblast", "query", "code"),
    [
        (KYIV_OBLAST, "Білоцерківська", BILA_TSERKVA),
        (KYIV_OBLAST, "bilotserkivska", BILA_TSERKVA),
        (KYIV_OBLAST, "Bila Tserkva", BILA_TSERKVA),
        (KYIV_OBLAST, "Біла Церква", BILA_TSERKVA),
        (KYIV_OBLAST, "Білоцерковська", BILA_TSERKVA),
        (KYIV_OBLAST, "Zghurivska", ZGHURIVSKA),
        (KYIV_OBLAST, "Zgurivka", ZGHURIVSKA),
        (KYIV_OBLAST, "Згурівка", ZGHURIVSKA),
        (KYIV_OBLAST, "Yahotyn", "UA32040210000086086"),
        (KYIV_OBLAST, "Brovary", "UA32060050000030591"),
        (LVIV, "Lviv", "UA46060250000025047"),
        (LVIV, "Львівська міська територіальна громада", "UA46060250000025047"),
        (KYIV, "Київ", KYIV),
        (KYIV, "Kyiv", KYIV),
        (KYIV, "Kiev", KYIV),
        (KYIV, "м. Київ", KYIV),
    ],
)
async def test_search_transliteration_and_towns(
    directory: HromadaDirectory, oblast: str, query: str, code: str
) -> None:
    assert codes(await directory.search(oblast, query))[:1] == [code]


async def test_kyiv_is_the_city_itself(directory: HromadaDirectory) -> None:
    [match] = await directory.search(KYIV, "Київ")
    assert match == HromadaMatch(code=KYIV, name="Київ", raion_name=None, score=100.0)


async def test_search_stays_within_the_oblast(directory: HromadaDirectory) -> None:
    assert await directory.search(KYIV_OBLAST, "Андріївська") == []
    assert await directory.search(DNIPROPETROVSK, "Львівська") == []


async def test_crimea_and_sevastopol_are_not_offered(directory: HromadaDirectory) -> None:
    assert await directory.search(CRIMEA, "Андріївська") == []
    assert await directory.search(SEVASTOPOL, "Севастополь") == []
    assert directory.oblast(CRIMEA) is None
    assert directory.oblast(SEVASTOPOL) is None


async def test_same_names_in_different_raions(directory: HromadaDirectory) -> None:
    matches = await directory.search(DNIPROPETROVSK, "Миколаївська")
    assert [(m.code, m.name, m.raion_name) for m in matches] == [
        (MYKOLAIVSKA_DNIPRO, "Миколаївська", "Дніпровський"),
        (MYKOLAIVSKA_SYNELNYKOVE, "Миколаївська", "Синельниківський"),
    ]


@pytest.mark.parametrize("query", ["А", "ан", "Ан", "an"])
async def test_short_queries_match_prefixes_only(directory: HromadaDirectory, query: str) -> None:
    matches = await directory.search(ZAPORIZHZHIA, query)
    assert set(codes(matches)) == {ANDRIIVSKA, ANDRIVSKA}
    assert all(m.name.startswith("Андр") for m in matches)


async def test_short_query_without_prefix_match(directory: HromadaDirectory) -> None:
    assert await directory.search(ZAPORIZHZHIA, "др") == []
    assert codes(await directory.search(KYIV_OBLAST, "Бі")) == [BILA_TSERKVA]


@pytest.mark.parametrize(
    "query",
    ["qwerty zzz", "zzz", "asdfgh", "привіт світ", "громада", "ТГ", "", "   ", "12345", "!!"],
)
async def test_nonsense_finds_nothing(directory: HromadaDirectory, query: str) -> None:
    for oblast in (ZAPORIZHZHIA, KYIV_OBLAST, DNIPROPETROVSK, LVIV, KYIV):
        assert await directory.search(oblast, query) == [], (oblast, query)


async def test_prefix_ranks_before_fuzzy(directory: HromadaDirectory) -> None:
    matches = await directory.search(KYIV_OBLAST, "Бро")
    assert codes(matches) == ["UA32060050000030591"]
    matches = await directory.search(DNIPROPETROVSK, "Мико")
    assert {m.code for m in matches} == {MYKOLAIVSKA_DNIPRO, MYKOLAIVSKA_SYNELNYKOVE}


async def test_limit(directory: HromadaDirectory) -> None:
    assert len(await directory.search(DNIPROPETROVSK, "Миколаївська", limit=1)) == 1
    assert await directory.search(DNIPROPETROVSK, "Миколаївська", limit=0) == []


async def test_get_and_oblast(directory: HromadaDirectory) -> None:
    match = await directory.get(BILA_TSERKVA)
    assert match is not None
    assert (match.code, match.name, match.raion_name) == (
        BILA_TSERKVA,
        "Білоцерківська",
        "Білоцерківський",
    )
    kyiv = await directory.get(KYIV)
    assert kyiv is not None and (kyiv.name, kyiv.raion_name) == ("Київ", None)
    assert await directory.get("UA99999999999999999") is None
    oblast = directory.oblast(KYIV_OBLAST)
    assert oblast is not None and oblast.name_en == "Kyiv Oblast"
    assert directory.oblast("nonsense") is None
    assert len(directory.oblasts) == 25


# ------------------------------------------------------------------------- one name for a place


async def test_places_name_codifier_picks_typed_text_and_kyiv(
    directory: HromadaDirectory,
) -> None:
    pick = (BILA_TSERKVA, None, KYIV_OBLAST)
    twin = (MYKOLAIVSKA_DNIPRO, "", DNIPROPETROVSK)
    typed = (None, "  Моя громада ", LVIV)
    kyiv = (None, None, KYIV)
    gone = ("UA99999999999999999", "Стара назва", ZAPORIZHZHIA)
    places = await directory.places([pick, twin, typed, kyiv, gone])

    assert places[pick] == Place("Білоцерківська", directory.oblast(KYIV_OBLAST), None, True)
    # Two Миколаївська hromadas in the oblast: the raion tells them apart.
    assert places[twin] == Place(
        "Миколаївська", directory.oblast(DNIPROPETROVSK), "Дніпровський", True
    )
    assert places[typed] == Place("Моя громада", directory.oblast(LVIV))
    assert places[kyiv].is_kyiv and places[kyiv].hromada == ""
    # A code the codifier no longer has falls back to what the member typed.
    assert places[gone] == Place("Стара назва", directory.oblast(ZAPORIZHZHIA))
    assert await directory.place(pick) == places[pick]


@pytest.mark.parametrize(
    ("locale", "key", "shown"),
    [
        ("uk", (BILA_TSERKVA, None, KYIV_OBLAST), "Білоцерківська громада, Київська область"),
        ("en", (BILA_TSERKVA, None, KYIV_OBLAST), "Bilotserkivska hromada, Kyiv Oblast"),
        (
            "uk",
            (MYKOLAIVSKA_DNIPRO, None, DNIPROPETROVSK),
            "Миколаївська громада (Дніпровський р-н), Дніпропетровська область",
        ),
        ("uk", (None, "Село <b>Нове</b>", LVIV), "Село &lt;b&gt;Нове&lt;/b&gt;, Львівська область"),
        ("en", (None, None, KYIV), "Kyiv City"),
    ],
)
async def test_place_text(
    directory: HromadaDirectory, locale: str, key: PlaceKey, shown: str
) -> None:
    t = TRANSLATIONS.get(locale)
    assert place_text(t, await directory.place(key)) == shown
