"""Questions members send to the experts: routing, answers, kb feedback and kb drafts.

A question goes to the member's associations, or to every active association when the member
is not sure or named none. Staff of any of those associations (and admins) may answer; every
answer is kept, and the first one marks the question answered.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.filing_limits import UNLIMITED, WINDOW, FilingLimits
from bot.services.hromadas import HromadaDirectory, place_key
from bot.services.members import InvalidInput, MemberProfile
from bot.services.message_limits import TEXT_LIMIT, utf16_len
from bot.services.question_views import (
    AnswerInfo,
    AnswerReceipt,
    AskedQuestion,
    QuestionPage,
    QuestionSummary,
    QuestionView,
    association_info,
)
from bot.services.request_keys import members_own, once_per_key
from bot.services.row_views import view_of
from bot.services.staff import PermissionDenied, Rights, StaffGuarded
from bot.services.staff_chats import CardRef, StaffChatService, bound_chats
from bot.services.text_input import clean_block
from storage.db import Database
from storage.models import (
    AuditAction,
    DraftStatus,
    KbDraft,
    Member,
    Question,
    QuestionAnswer,
    QuestionCard,
    QuestionStatus,
    utcnow,
)
from storage.repositories import associations as associations_repo
from storage.repositories import filing as filing_repo
from storage.repositories import members as members_repo
from storage.repositories import questions as repo
from storage.repositories.audit import add_event

QUESTION_MAX = 4000
STAFF_NAME_MAX = 200
DRAFT_SHORT_MAX = 700


class UnknownQuestion(LookupError):
    """No question has this id."""

    def __init__(self, question_id: int) -> None:
        super().__init__(f"no question {question_id}")
        self.question_id = question_id


class NotAnswered(Exception):
    """A draft needs an answer to draft from."""


def clean_question(text: str) -> str:
    """The question as typed, cleaned and trimmed; InvalidInput `empty`, `no-letters` or
    `too-long` (over QUESTION_MAX)."""
    return clean_block(text, maximum=QUESTION_MAX)


def clean_answer(text: str) -> str:
    """A staff answer, cleaned and trimmed, of any length (delivery splits it); InvalidInput
    `empty` or `no-letters`."""
    return clean_block(text, maximum=sys.maxsize)


# ----------------------------------------------------------------------------- text helpers


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of `text` of at most `limit` UTF-16 units."""
    if utf16_len(text) <= limit:
        return text
    size = 0
    for index, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            return text[:index]
    return text


def split_message(
    text: str, limit: int = TEXT_LIMIT, *, first_limit: int | None = None
) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units (`first_limit` for the first one), cut
    at the last paragraph break, else line break, else space that leaves a piece of at least a
    quarter of the limit; a longer run without any is cut where the limit falls. Nothing is lost
    but the whitespace at the cuts."""
    if limit < 1 or (first_limit is not None and first_limit < 1):
        raise ValueError("limits must be positive")
    pieces: list[str] = []
    rest = text.strip()
    current = first_limit or limit
    while rest:
        if utf16_len(rest) <= current:
            pieces.append(rest)
            break
        window = _prefix_within(rest, current)
        cut = len(window)
        for separator in ("\n\n", "\n", " "):
            found = window.rfind(separator)
            if found >= max(1, current // 4):
                cut = found
                break
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip()
        current = limit
    return pieces


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters with "…"."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


# ----------------------------------------------------------------------------- kb drafts


@dataclass(frozen=True)
class DraftResult:
    draft_id: int
    created: bool  # False: the question had a draft already


@dataclass(frozen=True)
class Draft:
    id: int
    question_id: int | None
    locale: str
    question_text: str
    answer_text: str
    created_by: int
    created_at: datetime
    status: str


# ----------------------------------------------------------------------------- the service


class QuestionService(StaffGuarded):
    """Use cases on questions to the experts; each method is one transaction."""

    def __init__(
        self,
        db: Database,
        admin_ids: frozenset[int] = frozenset(),
        *,
        hromadas: HromadaDirectory | None = None,
        limits: FilingLimits = UNLIMITED,
        staff_chats: StaffChatService | None = None,
    ) -> None:
        super().__init__(db, admin_ids)
        # The staff groups the cards go to: delivery follows their migrations through it.
        self.staff_chats = staff_chats or StaffChatService(db, admin_ids)
        self.hromadas = hromadas  # names the member's hromada and oblast on cards
        self.limits = limits  # questions per member in 24 hours

    async def ask(
        self, telegram_id: int, text: str, locale: str, *, request_key: str | None = None
    ) -> AskedQuestion:
        """Store a registered member's question, routed to their associations (all when not
        sure); returns it with the staff groups to post it to. InvalidInput: empty, too long,
        or the member is not registered; MemberRejected, or LimitReached. With a `request_key`
        this member asked with already, that question (`repeated`), nothing new."""
        cleaned = clean_question(text)
        return await once_per_key(
            self.db,
            request_key,
            lambda: self._ask(telegram_id, cleaned, locale, request_key),
            lambda session, key: self._asked(session, telegram_id, key),
        )

    async def _asked(
        self, session: AsyncSession, telegram_id: int, request_key: str
    ) -> AskedQuestion | None:
        """The question this member stored with this key, if any."""
        question = await members_own(
            session, repo.question_by_request_key, request_key, telegram_id
        )
        if question is None:
            return None
        codes = list(question.association_codes)
        chats = await bound_chats(session, codes)
        return AskedQuestion(question.id, tuple(codes), tuple(chats), repeated=True)

    async def _ask(
        self, telegram_id: int, cleaned: str, locale: str, request_key: str | None
    ) -> AskedQuestion:
        now = utcnow()
        async with self.db.transaction() as session:
            if request_key is not None:
                # Before the limits: a repeat is no new question, even over the limit now.
                asked = await self._asked(session, telegram_id, request_key)
                if asked is not None:
                    return asked
            member = await members_repo.get_by_telegram_id(session, telegram_id)
            if member is None or member.registered_at is None:
                raise InvalidInput("not-registered")
            self.limits.check(member.verification, (), now)  # rejected: refused before writing
            await filing_repo.lock_member(session, member.id)
            routed = [a for a in member.associations if a.active]
            if member.associations_unsure or not routed:
                routed = [a for a in await associations_repo.all_associations(session) if a.active]
            codes = [a.code for a in routed]
            question = await repo.add_question(
                session,
                Question(
                    member_id=member.id,
                    text=cleaned,
                    locale=locale,
                    association_codes=codes,
                    status=QuestionStatus.OPEN,
                    created_at=now,
                    request_key=request_key,
                ),
            )
            # Counted after the insert: on SQLite the write is what queues a second tap here.
            earlier = await filing_repo.questions_asked_since(
                session, member.id, now - WINDOW, besides=question.id
            )
            self.limits.check(member.verification, earlier, now)
            await add_event(
                session,
                AuditAction.QUESTION_ASKED,
                question.id,
                actor_id=telegram_id,
                after={"associations": codes, "locale": locale, "length": len(cleaned)},
            )
            chats = await bound_chats(session, codes)
            return AskedQuestion(question.id, tuple(codes), tuple(chats))

    async def add_cards(self, question_id: int, cards: Sequence[tuple[int, int]]) -> None:
        """Remember the (chat id, message id) of cards posted, so replies to them answer."""
        if not cards:
            return
        async with self.db.transaction() as session:
            for chat_id, message_id in cards:
                await repo.add_card(
                    session,
                    QuestionCard(question_id=question_id, chat_id=chat_id, message_id=message_id),
                )
            await add_event(
                session,
                AuditAction.QUESTION_POSTED,
                question_id,
                actor_id=None,
                after={"chats": [chat_id for chat_id, _ in cards]},
            )

    async def question_for_card(self, chat_id: int, message_id: int) -> int | None:
        """The question whose card this message is."""
        async with self.db.transaction() as session:
            return await repo.question_id_for_card(session, chat_id, message_id)

    async def answer(
        self,
        question_id: int,
        staff_telegram_id: int,
        staff_name: str,
        text: str,
        *,
        request_key: str | None = None,
    ) -> AnswerReceipt:
        """Store an answer by staff of one of the question's associations, or an admin
        (PermissionDenied otherwise). Any length: delivery splits it. With a `request_key`
        this officer answered with already, that answer (`repeated`): nothing to deliver."""
        cleaned = clean_answer(text)
        rights = await self.staff.rights(staff_telegram_id)
        return await once_per_key(
            self.db,
            request_key,
            lambda: self._answer(
                question_id, staff_telegram_id, staff_name, cleaned, rights, request_key
            ),
            lambda session, key: self._answered(session, staff_telegram_id, rights, key),
        )

    async def _answered(
        self, session: AsyncSession, staff_telegram_id: int, rights: Rights, request_key: str
    ) -> AnswerReceipt | None:
        """The answer this officer stored with this key, if any."""
        answer = await repo.answer_by_request_key(session, request_key)
        if answer is None or answer.staff_telegram_id != staff_telegram_id:
            return None
        question = await repo.get_question(session, answer.question_id)
        assert question is not None
        codes = list(question.association_codes)
        speaks_for = codes if rights.is_admin else [c for c in codes if c in rights.staff_of]
        return await _receipt(
            session,
            question,
            answer,
            speaks_for,
            first=question.answered_at == answer.created_at,
            repeated=True,
        )

    async def _answer(
        self,
        question_id: int,
        staff_telegram_id: int,
        staff_name: str,
        cleaned: str,
        rights: Rights,
        request_key: str | None,
    ) -> AnswerReceipt:
        async with self.db.transaction() as session:
            if request_key is not None:
                earlier = await self._answered(session, staff_telegram_id, rights, request_key)
                if earlier is not None:
                    return earlier
            question = await repo.get_question(session, question_id)
            if question is None:
                raise UnknownQuestion(question_id)
            codes = list(question.association_codes)
            speaks_for = codes if rights.is_admin else [c for c in codes if c in rights.staff_of]
            if not speaks_for:
                raise PermissionDenied
            first = question.answered_at is None
            answer = await repo.add_answer(
                session,
                QuestionAnswer(
                    question_id=question.id,
                    staff_telegram_id=staff_telegram_id,
                    staff_name=" ".join(staff_name.split())[:STAFF_NAME_MAX] or "—",
                    text=cleaned,
                    delivered=False,
                    request_key=request_key,
                ),
            )
            before = question.status
            question.status = QuestionStatus.ANSWERED
            question.answered_at = question.answered_at or answer.created_at
            await add_event(
                session,
                AuditAction.QUESTION_ANSWERED,
                question.id,
                actor_id=staff_telegram_id,
                before={"status": before},
                after={"status": question.status, "answer_id": answer.id, "for": speaks_for},
            )
            return await _receipt(session, question, answer, speaks_for, first=first)

    async def mark_delivered(
        self, answer_id: int, delivered: bool, *, unreachable: bool = False
    ) -> None:
        """Record whether the answer reached the member; `unreachable` when they blocked the bot."""
        async with self.db.transaction() as session:
            answer = await repo.get_answer(session, answer_id)
            if answer is None:
                return
            answer.delivered = delivered
            question = await repo.get_question(session, answer.question_id)
            if unreachable and question is not None:
                member = await session.get(Member, question.member_id)
                if member is not None:
                    member.reachable = False
            if delivered:
                action = AuditAction.QUESTION_ANSWER_DELIVERED
            else:
                action = AuditAction.QUESTION_ANSWER_UNDELIVERED
            after = {"answer_id": answer_id, "unreachable": unreachable}
            await add_event(session, action, answer.question_id, actor_id=None, after=after)

    async def open_questions(
        self, rights: Rights, limit: int = 20, offset: int = 0
    ) -> QuestionPage:
        """Open questions of the associations `rights` may act for (all for admins), newest
        first."""
        async with self.db.transaction() as session:
            visible = [
                question_id
                for question_id, codes in await repo.open_question_codes(session)
                if rights.is_admin or any(code in rights.staff_of for code in codes)
            ]
            rows = await repo.questions_with_askers(session, visible[offset : offset + limit])
            items = tuple(
                QuestionSummary(
                    id=row.id,
                    text=row.text,
                    created_at=row.created_at,
                    association_codes=tuple(row.association_codes),
                    member_name=name,
                )
                for row, name in rows
            )
        return QuestionPage(items, len(visible))

    async def card(self, question_id: int) -> QuestionView | None:
        """The question with its member, answers and cards; None when there is no such one."""
        async with self.db.transaction() as session:
            question = await repo.get_question(session, question_id)
            if question is None:
                return None
            member = await session.get(Member, question.member_id)
            assert member is not None
            by_code = {
                a.code: a
                for a in await associations_repo.by_codes(session, question.association_codes)
            }
            answers = await repo.answers_of(session, question_id)
            cards = await repo.cards_of(session, question_id)
            locales = await repo.chat_locales(session, {c.chat_id for c in cards})
            draft = await repo.draft_for_question(session, question_id)
            profile = MemberProfile.from_row(member)
            view = QuestionView(
                id=question.id,
                text=question.text,
                locale=question.locale,
                status=question.status,
                created_at=question.created_at,
                answered_at=question.answered_at,
                associations=tuple(
                    association_info(by_code[c]) for c in question.association_codes if c in by_code
                ),
                member=profile,
                place=None,
                answers=tuple(
                    AnswerInfo(a.id, a.staff_telegram_id, a.staff_name, a.created_at, a.delivered)
                    for a in answers
                ),
                cards=tuple(
                    CardRef(c.chat_id, c.message_id, locales.get(c.chat_id, "uk")) for c in cards
                ),
                draft_id=draft.id if draft else None,
            )
        if self.hromadas is None:
            return view
        return replace(view, place=await self.hromadas.place(place_key(profile)))

    async def record_feedback(self, telegram_id: int, slug: str, helpful: bool) -> None:
        """The member's "was this helpful?" vote on an entry; a later vote replaces theirs."""
        async with self.db.transaction() as session:
            member = await members_repo.get_or_create(session, telegram_id)
            await repo.upsert_feedback(session, member.id, slug, helpful, utcnow())
            await add_event(
                session,
                AuditAction.KB_FEEDBACK,
                slug,
                actor_id=telegram_id,
                after={"helpful": helpful},
            )

    async def make_draft(self, question_id: int, staff_telegram_id: int) -> DraftResult:
        """A knowledge-base draft from an answered question, once per question; by staff of one
        of its associations or an admin (PermissionDenied), after an answer (NotAnswered)."""
        rights = await self.staff.rights(staff_telegram_id)
        async with self.db.transaction() as session:
            question = await repo.get_question(session, question_id)
            if question is None:
                raise UnknownQuestion(question_id)
            if not (rights.is_admin or set(question.association_codes) & rights.staff_of):
                raise PermissionDenied
            existing = await repo.draft_for_question(session, question_id)
            if existing is not None:
                return DraftResult(existing.id, created=False)
            answers = await repo.answers_of(session, question_id)
            if not answers:
                raise NotAnswered
            draft = await repo.add_draft(
                session,
                KbDraft(
                    question_id=question.id,
                    locale=question.locale,
                    question_text=question.text,
                    answer_text="\n\n".join(a.text for a in answers),
                    created_by=staff_telegram_id,
                    status=DraftStatus.NEW,
                ),
            )
            await add_event(
                session,
                AuditAction.KB_DRAFT_CREATED,
                question.id,
                actor_id=staff_telegram_id,
                after={"draft_id": draft.id},
            )
            return DraftResult(draft.id, created=True)

    async def drafts(self, status: str = DraftStatus.NEW) -> list[Draft]:
        """Drafts with this status, oldest first."""
        async with self.db.transaction() as session:
            return [view_of(Draft, row) for row in await repo.drafts_with_status(session, status)]

    async def mark_exported(self, draft_ids: Iterable[int]) -> int:
        ids = list(draft_ids)
        async with self.db.transaction() as session:
            changed = await repo.set_drafts_status(session, ids, DraftStatus.EXPORTED)
            for draft_id in ids:
                await add_event(
                    session,
                    AuditAction.KB_DRAFT_EXPORTED,
                    draft_id,
                    actor_id=None,
                    after={"status": DraftStatus.EXPORTED},
                )
            return changed


async def _receipt(
    session: AsyncSession,
    question: Question,
    answer: QuestionAnswer,
    speaks_for: list[str],
    *,
    first: bool,
    repeated: bool = False,
) -> AnswerReceipt:
    """What the desk needs to deliver `answer` (or to say it was already given)."""
    member = await session.get(Member, question.member_id)
    assert member is not None
    associations = await associations_repo.by_codes(session, speaks_for)
    return AnswerReceipt(
        answer_id=answer.id,
        question_id=question.id,
        member_telegram_id=member.telegram_id,
        member_locale=member.locale or question.locale,
        question_text=question.text,
        text=answer.text,
        associations=tuple(association_info(a) for a in associations),
        first=first,
        repeated=repeated,
        delivered=answer.delivered,
    )
