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


def _officer(
    number: int, association: str, first_name: str, last_name: str, role_uk: str, role_en: str
) -> Persona:
    """A secretariat officer of one association, numbered in the officers' id and phone series."""
    return Persona(
        key=f"officer-{association}",
        user_id=720_000 + number,
        first_name=first_name,
        last_name=last_name,
        language_code="uk",
        phone=f"+3805011200{number:02d}",
        role_uk=role_uk,
        role_en=role_en,
        staff_of=(association,),
    )


PERSONAS: tuple[Persona, ...] = (
    Persona(
        key="head-uk",
        user_id=710_001,
        first_name="Олена",
        last_name="Коваленко",
        language_code="uk",
        phone="+380501110001",
        role_uk="Голова громади (українською)",
        role_en="Hromada head (Ukrainian)",
    ),
    Persona(
        key="head-en",
        user_id=710_002,
        first_name="Andrii",
        last_name="Melnyk",
        language_code="en",
        phone="+380501110002",
        role_uk="Голова громади (англійською)",
        role_en="Hromada head (English)",
    ),
    _officer(1, "vag", "Ірина", "Бондар", "Секретаріат ВАГ", "VAG secretariat"),
    _officer(
        2, "aotg", "Тарас", "Шевчук", "Секретаріат Асоціації ОТГ", "Association of ATH secretariat"
    ),
    _officer(3, "uaror", "Марія", "Ткаченко", "Секретаріат УАРОР", "UAROR secretariat"),
    Persona(
        key="admin",
        user_id=700_001,
        first_name="Сергій",
        last_name="Адміненко",
        language_code="uk",
        phone="+380501100001",
        role_uk="Адміністратор",
        role_en="Administrator",
        admin=True,
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
