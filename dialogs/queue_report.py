"""One report opened from `/queue`: its card with the staff buttons (in this private chat with
the reporter's phone), its photos and documents, who co-signed it and its full history with the
internal notes, each in messages within Telegram's limit."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InputMediaDocument, InputMediaPhoto
from aiogram_dialog import DialogManager

from bot.content import AssociationInfo
from bot.i18n import Translator
from bot.names import short_name
from bot.services.hromadas import Place, PlaceKey, place_key
from bot.services.message_limits import TEXT_LIMIT, utf16_len
from bot.services.questions import split_message
from bot.services.reports import (
    AttachmentView,
    HistoryEntry,
    ReportCardData,
    ReportView,
    SupporterView,
)
from dialogs.common import (
    associations_of,
    bot_of,
    esc,
    hromadas_of,
    reports_of,
    timezone_of,
    translator,
)
from dialogs.presenters import local_time, place_text
from dialogs.report_card_texts import card_text, report_card_keyboard

logger = logging.getLogger(__name__)

MEDIA_GROUP_MAX = 10
# History pieces are cut from the raw text and escaped after: escaping may lengthen them.
HISTORY_PIECE = 3000
HISTORY_PIECE_SMALL = 800  # for a piece that escaping made too long


def _place(t: Translator, places: Mapping[PlaceKey, Place], supporter: SupporterView) -> str:
    return place_text(t, places[place_key(supporter)]) or "—"


def cosigners_text(
    t: Translator, view: ReportView, places: Mapping[PlaceKey, Place], tz: ZoneInfo
) -> list[str]:
    """Who co-signed the report, verified or not, in messages within Telegram's limit;
    `places`: each co-signer's place, named (HromadaDirectory.places)."""
    if not view.supporters:
        return [t("queue-cosigners-none", reference=view.reference)]
    lines = [
        t(
            "queue-cosigner",
            name=t("privacy-deleted-member")
            if s.erased
            else esc(s.full_name) or t("queue-no-name"),
            place=_place(t, places, s)
            if not s.residents
            else t(
                "queue-cosigner-residents",
                place=_place(t, places, s),
                residents=str(s.residents),
            ),
            verified="yes" if s.verified else "no",
            joined=local_time(s.joined_at, tz),
        )
        for s in view.supporters
    ]
    title = t("queue-cosigners-title", reference=view.reference, count=len(view.supporters))
    return _pack([title, *lines], "\n")


def _history_head(
    t: Translator, view: ReportView, entry: HistoryEntry, associations: Sequence[AssociationInfo]
) -> str:
    before, after = entry.before or {}, entry.after or {}
    if entry.kind == "status" and not before:
        return t("queue-history-submitted")
    if entry.kind == "status":
        return t(
            "queue-history-status",
            before=t(f"queue-status-{before.get('status', '')}"),
            after=t(f"queue-status-{after.get('status', '')}"),
        )
    if entry.kind == "merge" and after.get("into"):
        return t("queue-history-merged-into", reference=str(after["into"]))
    if entry.kind == "merge":
        return t("queue-history-merged-from", reference=str(after.get("merged_from", "")))
    if entry.kind == "position":
        return t(
            "queue-history-position",
            association=esc(short_name(associations, str(after.get("association", "")), t.locale)),
            position=str(after.get("position", "")),
        )
    if entry.kind in (
        "assign",
        "reply",
        "note",
        "reporter_reply",
        "cosign",
        "withdraw",
        "joint",
        "card_swept",
    ):
        return t(f"queue-history-{entry.kind.replace('_', '-')}")
    return esc(entry.kind)


def _escaped_pieces(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in split_message(text, HISTORY_PIECE):
        if utf16_len(esc(piece)) <= HISTORY_PIECE + 500:
            pieces.append(esc(piece))
        else:
            pieces.extend(esc(small) for small in split_message(piece, HISTORY_PIECE_SMALL))
    return pieces


def _actor(t: Translator, entry: HistoryEntry) -> str:
    """Who made a history entry; a member who deleted their profile (a negative id) is not."""
    if (entry.actor_telegram_id or 0) < 0:
        return t("privacy-deleted-member")
    return esc(entry.actor_name) or t("queue-no-name")


def history_text(
    t: Translator,
    view: ReportView,
    entries: Sequence[HistoryEntry],
    tz: ZoneInfo,
    associations: Sequence[AssociationInfo],
) -> list[str]:
    """The full history, internal notes marked, oldest first, in messages within the limit."""
    blocks = [t("queue-history-title", reference=view.reference)]
    for entry in entries:
        head = t(
            "queue-history-entry",
            time=local_time(entry.at, tz),
            actor=_actor(t, entry),
            what=_history_head(t, view, entry, associations),
        )
        position = entry.after or {}
        comment = position.get("comment") if entry.kind == "position" else None
        text = entry.text or (str(comment) if comment else "")
        if not text:
            blocks.append(head)
            continue
        pieces = _escaped_pieces(text)
        blocks.append(f"{head}\n{pieces[0]}")
        blocks.extend(pieces[1:])
    return _pack(blocks, "\n\n")


def _pack(blocks: Sequence[str], separator: str) -> list[str]:
    """Blocks joined into as few messages as Telegram's limit allows (each block fits alone)."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}{separator}{block}" if current else block
        if utf16_len(candidate) <= TEXT_LIMIT:
            current = candidate
            continue
        messages.append(current)
        current = block
    if current:
        messages.append(current)
    return messages


async def _send_attachments(bot: Bot, chat_id: int, t: Translator, view: ReportView) -> None:
    """Photos together and documents together (Telegram does not mix them in one album)."""
    caption = t("queue-attachments-caption", reference=view.reference)
    photos = [a for a in view.attachments if a.kind == "photo"]
    documents = [a for a in view.attachments if a.kind != "photo"]
    for group, kind in ((photos, "photo"), (documents, "document")):
        for start in range(0, len(group), MEDIA_GROUP_MAX):
            chunk = group[start : start + MEDIA_GROUP_MAX]
            await _send_media(bot, chat_id, chunk, kind, caption if start == 0 else None)


async def _send_media(
    bot: Bot, chat_id: int, chunk: list[AttachmentView], kind: str, caption: str | None
) -> None:
    if len(chunk) == 1 and kind == "photo":
        await bot.send_photo(chat_id, chunk[0].file_id, caption=caption)
    elif len(chunk) == 1:
        await bot.send_document(chat_id, chunk[0].file_id, caption=caption)
    elif kind == "photo":
        await bot.send_media_group(
            chat_id,
            [
                InputMediaPhoto(media=a.file_id, caption=caption if i == 0 else None)
                for i, a in enumerate(chunk)
            ],
        )
    else:
        await bot.send_media_group(
            chat_id,
            [
                InputMediaDocument(
                    media=a.file_id, caption=caption if i == len(chunk) - 1 else None
                )
                for i, a in enumerate(chunk)
            ],
        )


async def send_report(manager: DialogManager, chat_id: int, card: ReportCardData) -> None:
    """The card (read for a staff viewer: with the reporter's phone) with its buttons, the
    attachments, the co-signers and the full history."""
    bot = bot_of(manager)
    t, tz, reports = translator(manager), timezone_of(manager), reports_of(manager)
    username = (await bot.me()).username or ""
    view = card.view
    await bot.send_message(
        chat_id, card_text(t, card, tz), reply_markup=report_card_keyboard(t, view, username)
    )
    if view.attachments:
        try:
            await _send_attachments(bot, chat_id, t, view)
        except TelegramAPIError as error:
            # A file id Telegram no longer knows must not keep the rest from staff.
            logger.info("report %s: attachments not sent: %s", view.id, type(error).__name__)
            await bot.send_message(chat_id, t("queue-attachments-failed"))
    places = await hromadas_of(manager).places(place_key(s) for s in view.supporters)
    for text in cosigners_text(t, view, places, tz):
        await bot.send_message(chat_id, text)
    entries = await reports.history(view.id, include_internal=True)
    for text in history_text(t, view, entries, tz, associations_of(manager)):
        await bot.send_message(chat_id, text)
