"""The knowledge base's search index, built off the event loop and not in the way of start-up.

Lemmatising every article takes about half a second of CPU. The bot starts polling first and
then builds the index on a worker thread (`build_in_background`); a question that arrives before
it is ready waits for it (`get`), and nothing builds it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.services.kb_search import KnowledgeSearch
from bot.services.knowledge import KnowledgeBase


class SearchIndex:
    """One knowledge base's `KnowledgeSearch`, built once, on a worker thread.

    The build is a thread's future, not an event loop's, so one index serves any loop (the
    tests run each in its own)."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self._building: Future[KnowledgeSearch] | None = None

    def build_in_background(self, then: Callable[[], object] | None = None) -> None:
        """Start building the index on a worker thread, unless it is built or being built;
        `then` runs on that thread once the index is built."""
        if self._building is None:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-index")
            self._building = executor.submit(self._build, then)
            executor.shutdown(wait=False)  # the thread ends when the build does

    def _build(self, then: Callable[[], object] | None) -> KnowledgeSearch:
        index = KnowledgeSearch(self.knowledge)
        if then is not None:
            then()
        return index

    async def get(self) -> KnowledgeSearch:
        """The index; the first calls wait for it to be built (and start that if nobody has)."""
        self.build_in_background()
        assert self._building is not None
        if self._building.done():
            return self._building.result()
        # Shielded: a question whose update is cancelled must not cancel the build others
        # wait for.
        return await asyncio.shield(asyncio.wrap_future(self._building))
