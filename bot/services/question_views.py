"""What the question service returns: plain data objects, read from the database in one
transaction each (`bot/services/questions.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.content import AssociationInfo
from bot.services.hromadas import Place
from bot.services.members import MemberProfile
from bot.services.request_keys import KeyedResult
from bot.services.row_views import view_of
from bot.services.staff import Rights
from bot.services.staff_chats import BoundChat, CardRef
from storage.models import Association


@dataclass(frozen=True)
class AskedQuestion(KeyedResult):
    question_id: int
    association_codes: tuple[str, ...]
    chats: tuple[BoundChat, ...]  # the staff groups to post its card to


@dataclass(frozen=True)
class AnswerInfo:
    id: int
    staff_telegram_id: int
    staff_name: str
    created_at: datetime
    delivered: bool


@dataclass(frozen=True)
class QuestionView:
    """Everything a card or the staff reply dialog shows about one question."""

    id: int
    text: str
    locale: str
    status: str
    created_at: datetime
    answered_at: datetime | None
    associations: tuple[AssociationInfo, ...]
    member: MemberProfile
    place: Place | None  # the asker's hromada and oblast, named; None without a directory
    answers: tuple[AnswerInfo, ...]
    cards: tuple[CardRef, ...]
    draft_id: int | None

    @property
    def association_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.associations)

    def answerable_by(self, rights: Rights) -> bool:
        return rights.is_admin or any(rights.may_act_for(c) for c in self.association_codes)


@dataclass(frozen=True)
class QuestionSummary:
    id: int
    text: str
    created_at: datetime
    association_codes: tuple[str, ...]
    member_name: str | None


@dataclass(frozen=True)
class QuestionPage:
    items: tuple[QuestionSummary, ...]
    total: int


@dataclass(frozen=True)
class AnswerReceipt:
    """A stored answer and what delivering it needs."""

    answer_id: int
    question_id: int
    member_telegram_id: int
    member_locale: str
    question_text: str
    text: str
    # The associations the answer speaks for: the answerer's among the question's (all of the
    # question's for an admin).
    associations: tuple[AssociationInfo, ...]
    first: bool  # the question's first answer
    repeated: bool = False  # stored by an earlier press with the same key: nothing to deliver
    delivered: bool = False  # a repeat: whether the first press's delivery reached them


def association_info(row: Association) -> AssociationInfo:
    return view_of(AssociationInfo, row)
