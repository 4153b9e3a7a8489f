"""Questions to the experts, their cards in staff groups, answers, kb feedback and drafts; and
the staff group chats the cards are posted to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Association,
    KbDraft,
    KbFeedback,
    Member,
    Question,
    QuestionAnswer,
    QuestionCard,
    StaffChat,
)

# ------------------------------------------------------------------------------ questions


async def add_question(session: AsyncSession, question: Question) -> Question:
    session.add(question)
    await session.flush()
    return question


async def question_by_request_key(session: AsyncSession, request_key: str) -> Question | None:
    """The question a submission with this key stored, if any."""
    return await session.scalar(select(Question).where(Question.request_key == request_key))


async def get_question(session: AsyncSession, question_id: int) -> Question | None:
    return await session.get(Question, question_id)


async def open_question_codes(session: AsyncSession) -> list[tuple[int, list[str]]]:
    """(id, association codes) of every open question, newest first."""
    rows = await session.execute(
        select(Question.id, Question.association_codes)
        .where(Question.status == "open")
        .order_by(Question.created_at.desc(), Question.id.desc())
    )
    return [(question_id, list(codes or [])) for question_id, codes in rows.all()]


async def questions_with_askers(
    session: AsyncSession, ids: Sequence[int]
) -> list[tuple[Question, str | None]]:
    """These questions, in the order of `ids`, each with its member's name."""
    if not ids:
        return []
    rows = await session.execute(
        select(Question, Member.full_name)
        .join(Member, Member.id == Question.member_id)
        .where(Question.id.in_(ids))
    )
    order = {question_id: index for index, question_id in enumerate(ids)}
    return [(q, name) for q, name in sorted(rows.all(), key=lambda row: order[row[0].id])]


# ------------------------------------------------------------------------------ cards


async def add_card(session: AsyncSession, card: QuestionCard) -> QuestionCard:
    session.add(card)
    await session.flush()
    return card


async def cards_of(session: AsyncSession, question_id: int) -> list[QuestionCard]:
    rows = await session.scalars(
        select(QuestionCard)
        .where(QuestionCard.question_id == question_id)
        .order_by(QuestionCard.id)
    )
    return list(rows)


async def question_id_for_card(session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    return await session.scalar(
        select(QuestionCard.question_id).where(
            QuestionCard.chat_id == chat_id, QuestionCard.message_id == message_id
        )
    )


# ------------------------------------------------------------------------------ answers


async def add_answer(session: AsyncSession, answer: QuestionAnswer) -> QuestionAnswer:
    session.add(answer)
    await session.flush()
    return answer


async def answer_by_request_key(session: AsyncSession, request_key: str) -> QuestionAnswer | None:
    """The answer a press or reply with this key stored, if any."""
    return await session.scalar(
        select(QuestionAnswer).where(QuestionAnswer.request_key == request_key)
    )


async def answers_of(session: AsyncSession, question_id: int) -> list[QuestionAnswer]:
    rows = await session.scalars(
        select(QuestionAnswer)
        .where(QuestionAnswer.question_id == question_id)
        .order_by(QuestionAnswer.created_at, QuestionAnswer.id)
    )
    return list(rows)


async def get_answer(session: AsyncSession, answer_id: int) -> QuestionAnswer | None:
    return await session.get(QuestionAnswer, answer_id)


# ------------------------------------------------------------------------------ kb feedback


async def upsert_feedback(
    session: AsyncSession, member_id: int, slug: str, helpful: bool, now: datetime
) -> None:
    """The member's vote on an entry, replacing an earlier one (safe against two taps at once)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(KbFeedback).values(
        member_id=member_id, slug=slug, helpful=helpful, created_at=now, updated_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[KbFeedback.member_id, KbFeedback.slug],
            set_={"helpful": stmt.excluded.helpful, "updated_at": stmt.excluded.updated_at},
        )
    )


async def feedback_of(session: AsyncSession, member_id: int, slug: str) -> KbFeedback | None:
    return await session.scalar(
        select(KbFeedback).where(KbFeedback.member_id == member_id, KbFeedback.slug == slug)
    )


# ------------------------------------------------------------------------------ kb drafts


async def add_draft(session: AsyncSession, draft: KbDraft) -> KbDraft:
    session.add(draft)
    await session.flush()
    return draft


async def draft_for_question(session: AsyncSession, question_id: int) -> KbDraft | None:
    return await session.scalar(select(KbDraft).where(KbDraft.question_id == question_id))


async def drafts_with_status(session: AsyncSession, status: str) -> list[KbDraft]:
    rows = await session.scalars(
        select(KbDraft).where(KbDraft.status == status).order_by(KbDraft.id)
    )
    return list(rows)


async def set_drafts_status(session: AsyncSession, ids: Iterable[int], status: str) -> int:
    ids = list(ids)
    if not ids:
        return 0
    result = await session.execute(update(KbDraft).where(KbDraft.id.in_(ids)).values(status=status))
    return int(result.rowcount)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ staff chats


async def binding_of(session: AsyncSession, association_id: int) -> StaffChat | None:
    return await session.scalar(select(StaffChat).where(StaffChat.association_id == association_id))


async def add_binding(session: AsyncSession, binding: StaffChat) -> StaffChat:
    session.add(binding)
    await session.flush()
    return binding


async def bindings_in_chat(
    session: AsyncSession, chat_id: int, *, active_only: bool = True
) -> list[tuple[StaffChat, Association]]:
    """The associations a group serves, in their display order."""
    query = (
        select(StaffChat, Association)
        .join(Association, Association.id == StaffChat.association_id)
        .where(StaffChat.chat_id == chat_id)
        .order_by(Association.position)
    )
    if active_only:
        query = query.where(StaffChat.active.is_(True))
    rows = await session.execute(query)
    return [(binding, association) for binding, association in rows.all()]


async def active_bindings(
    session: AsyncSession, association_codes: Iterable[str] | None = None
) -> list[tuple[StaffChat, Association]]:
    """Active bindings of active associations (of these codes, when given), in display order."""
    query = (
        select(StaffChat, Association)
        .join(Association, Association.id == StaffChat.association_id)
        .where(StaffChat.active.is_(True), Association.active.is_(True))
        .order_by(Association.position)
    )
    if association_codes is not None:
        query = query.where(Association.code.in_(list(association_codes)))
    rows = await session.execute(query)
    return [(binding, association) for binding, association in rows.all()]


async def chat_locales(session: AsyncSession, chat_ids: Iterable[int]) -> dict[int, str]:
    """The language of each of these groups (of any binding, active or not)."""
    chat_ids = list(chat_ids)
    if not chat_ids:
        return {}
    rows = await session.execute(
        select(StaffChat.chat_id, StaffChat.locale)
        .where(StaffChat.chat_id.in_(chat_ids))
        .order_by(StaffChat.active, StaffChat.bound_at)
    )
    return {chat_id: locale for chat_id, locale in rows.all()}  # active, latest come last: win
