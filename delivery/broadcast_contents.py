"""What each broadcast in the outbox says, read once per broadcast for the broadcast sender: its
news item and, for a consultation's question, reminder or closing, the consultation (read again
while it is open: staff may close it early)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcasts import NewsItem, news_item_from_row
from bot.services.consultations import ConsultationView, view_of
from storage.models import BroadcastPurpose, ConsultationStatus
from storage.repositories import broadcasts as repo
from storage.repositories import consultations as consultations_repo

# The purposes the sender needs the consultation for: those sent with the answer buttons, and
# the closing that replaces them.
_OF_CONSULTATION = (
    BroadcastPurpose.CONSULTATION,
    BroadcastPurpose.REMINDER,
    BroadcastPurpose.CLOSING,
)


class BroadcastContents:
    """The news item of each broadcast claimed from, and the consultation of those that carry
    one, by broadcast id."""

    def __init__(self) -> None:
        self.items: dict[int, NewsItem] = {}
        self.consultations: dict[int, ConsultationView] = {}

    async def load(self, session: AsyncSession, broadcast_ids: set[int]) -> None:
        """These broadcasts read where not read yet; their consultations cached as open read
        again."""
        missing = broadcast_ids - set(self.items)
        for broadcast in await repo.broadcasts_by_ids(session, missing):
            consultation = None
            if broadcast.consultation_id is not None:
                consultation = await consultations_repo.get(session, broadcast.consultation_id)
            if consultation is not None and broadcast.purpose in _OF_CONSULTATION:
                self.consultations[broadcast.id] = view_of(consultation)
            title = consultation.title if consultation is not None else None
            self.items[broadcast.id] = news_item_from_row(broadcast, title)
        await self._refresh_open(session, broadcast_ids - missing)

    async def _refresh_open(self, session: AsyncSession, broadcast_ids: set[int]) -> None:
        """Consultations cached as open are read again: a question claimed after staff closed
        it early goes out closed (the closing broadcast replaced only the buttons sent)."""
        for broadcast_id in broadcast_ids:
            cached = self.consultations.get(broadcast_id)
            if cached is None or cached.status != ConsultationStatus.OPEN:
                continue
            fresh = await consultations_repo.get(session, cached.id)
            if fresh is not None:
                self.consultations[broadcast_id] = view_of(fresh)
