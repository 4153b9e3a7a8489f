"""Who can be played in the sandbox: members, officers and an admin, and the staff groups.

Fixed ids, so a persona's chat, staff rights and seeded records survive a restart of the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass


class FullName:
    """A person of the sandbox's example data, named as profiles show them."""

    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Persona(FullName):
    """A Telegram account the page can act as."""

    key: str
    user_id: int
    first_name: str
    last_name: str
    language_code: str
    phone: str
    role_uk: str
    role_en: str
    # Association codes this persona is staff of (admins are staff everywhere through ADMIN_IDS).
    staff_of: tuple[str, ...] = ()
    admin: bool = False


@dataclass(frozen=True)
class StaffGroup:
    """The staff group of one association, bound to it on first start."""

    chat_id: int
    association: str
    title: str


def _persona(
    key: str,
    user_id: int,
    first_name: str,
    last_name: str,
    roles: tuple[str, str],
    *,
    language_code: str = "uk",
    staff_of: tuple[str, ...] = (),
    admin: bool = False,
) -> Persona:
    """A persona whose phone number follows from its id (710_002 has +380501110002); `roles`
    in Ukrainian and English."""
    role_uk, role_en = roles
    return Persona(
        key=key,
        user_id=user_id,
        first_name=first_name,
        last_name=last_name,
        language_code=language_code,
        phone=f"+3805011{user_id - 700_000:05d}",
        role_uk=role_uk,
        role_en=role_en,
        staff_of=staff_of,
        admin=admin,
    )


# A head's Telegram language, as their role names it in Ukrainian and English.
_LANGUAGE_NAMES = {"uk": ("українською", "Ukrainian"), "en": ("англійською", "English")}


def _head(number: int, language_code: str, first_name: str, last_name: str) -> Persona:
    """A hromada head whose Telegram is in `language_code`, numbered in the heads' id series."""
    in_uk, in_en = _LANGUAGE_NAMES[language_code]
    roles = (f"Голова громади ({in_uk})", f"Hromada head ({in_en})")
    key = f"head-{language_code}"
    return _persona(
        key, 710_000 + number, first_name, last_name, roles, language_code=language_code
    )


def _officer(
    number: int, association: str, first_name: str, last_name: str, role_uk: str, role_en: str
) -> Persona:
    """A secretariat officer of one association, numbered in the officers' id series."""
    return _persona(
        f"officer-{association}",
        720_000 + number,
        first_name,
        last_name,
        (role_uk, role_en),
        staff_of=(association,),
    )


PERSONAS: tuple[Persona, ...] = (
    _head(1, "uk", "Олена", "Коваленко"),
    _head(2, "en", "Andrii", "Melnyk"),
    _officer(1, "vag", "Ірина", "Бондар", "Секретаріат ВАГ", "VAG secretariat"),
    _officer(
        2, "aotg", "Тарас", "Шевчук", "Секретаріат Асоціації ОТГ", "Association of ATH secretariat"
    ),
    _officer(3, "uaror", "Марія", "Ткаченко", "Секретаріат УАРОР", "UAROR secretariat"),
    _persona(
        "admin", 700_001, "Сергій", "Адміненко", ("Адміністратор", "Administrator"), admin=True
    ),
)

STAFF_GROUPS: tuple[StaffGroup, ...] = (
    StaffGroup(chat_id=-1_001_000_000_001, association="vag", title="ВАГ — секретаріат"),
    StaffGroup(chat_id=-1_001_000_000_002, association="aotg", title="Асоціація ОТГ — секретаріат"),
    StaffGroup(chat_id=-1_001_000_000_003, association="uaror", title="УАРОР — секретаріат"),
)


def persona(key: str) -> Persona:
    """The persona with this key; KeyError for an unknown one."""
    for candidate in PERSONAS:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def group_members(group: StaffGroup) -> tuple[Persona, ...]:
    """Who sits in a staff group: the association's officers and the admin."""
    return tuple(p for p in PERSONAS if p.admin or group.association in p.staff_of)
