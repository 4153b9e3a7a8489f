"""How members' data is shown: names of roles, oblasts, hromadas and associations per locale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.content import AssociationInfo
from bot.i18n import Translator
from bot.names import short_names
from bot.services.hromadas import KYIV_PREFIX, HromadaDirectory, HromadaMatch, Oblast, Place
from bot.services.members import MemberProfile
from bot.services.romanization import romanize
from dialogs.common import esc

TIME_FORMAT = "%d.%m.%Y %H:%M"


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """A moment as staff and members read it: `29.11.2026 14:05` in the bot's time zone."""
    return moment.astimezone(tz).strftime(TIME_FORMAT)


def is_kyiv(oblast_code: str | None) -> bool:
    return bool(oblast_code and oblast_code.startswith(KYIV_PREFIX))


def oblast_name(oblast: Oblast | None, locale: str) -> str:
    return "" if oblast is None else oblast.name(locale)


def unit_name(name: str, locale: str) -> str:
    return name if locale == "uk" else romanize(name)


def hromada_label(t: Translator, match: HromadaMatch) -> str:
    """`Андріївська громада (Бахчисарайський р-н)`, or romanized in English."""
    name = unit_name(match.name, t.locale)
    if match.raion_name:
        return t("hromada-label-raion", name=name, raion=unit_name(match.raion_name, t.locale))
    return t("hromada-label", name=name)


def place_text(t: Translator, place: Place) -> str:
    """The one way a member's place is shown (HTML-escaped): `Іллінецька громада, Вінницька
    область`, the raion added when the oblast has two hromadas of that name, what the member typed
    when they did not pick from the codifier, only the oblast for Kyiv."""
    oblast = oblast_name(place.oblast, t.locale)
    if place.is_kyiv or not place.hromada:
        return esc(oblast)
    if place.from_codifier:
        name = unit_name(place.hromada, t.locale)
        if place.raion:
            raion = unit_name(place.raion, t.locale)
            hromada = t("hromada-label-raion", name=name, raion=raion)
        else:
            hromada = t("hromada-label", name=name)
    else:
        hromada = place.hromada
    return esc(", ".join(part for part in (hromada, oblast) if part))


def association_names(
    t: Translator,
    associations: list[AssociationInfo],
    codes: tuple[str, ...] | list[str],
    unsure: bool,
) -> str:
    if unsure or not codes:
        return t("profile-associations-unsure")
    return short_names(associations, codes, t.locale)


async def member_hromada(t: Translator, directory: HromadaDirectory, profile: MemberProfile) -> str:
    """The member's hromada as text (HTML-escaped where the member typed it)."""
    if is_kyiv(profile.oblast_code):
        return oblast_name(directory.oblast(profile.oblast_code or ""), t.locale)
    if profile.hromada_code:
        match = await directory.get(profile.hromada_code)
        if match is not None:
            return esc(hromada_label(t, match))
    return esc(profile.hromada_text)
