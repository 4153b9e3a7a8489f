"""The knowledge base's search index, built off the event loop and not in the way of start-up.

Lemmatising every article takes about half a second of CPU. The bot starts polling first and
then builds the index on a worker thread (`build_in_background`); a question that arrives before
it is ready waits for it (`get`), and nothing builds it twice. The example questions the search
learns from (4,600 of them, about 0.1 s to read) are read there too, not at start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from bot.content import ContentError
from bot.services.kb_search import KnowledgeSearch
from bot.services.knowledge import KnowledgeBase

logger = logging.getLogger(__name__)


class SearchIndex:
    """One knowledge base's `KnowledgeSearch`, built once, on a worker thread.

    The build is a thread's future, not an event loop's, so one index serves any loop (the
    tests run each in its own)."""

    def __init__(self, knowledge: KnowledgeBase, examples: Path | None = None) -> None:
        self.knowledge = knowledge
        # The folder whose example questions the build adds (KnowledgeBase.with_examples); None:
        # the knowledge base's own, if any.
        self.examples = examples
        self._building: Future[KnowledgeSearch] | None = None

    def build_in_background(self, then: Callable[[], object] | None = None) -> None:
        """Start building the index on a worker thread, unless it is built or being built;
        `then` runs on that thread once the index is built."""
        if self._building is None:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-index")
            self._building = executor.submit(self._build, then)
            executor.shutdown(wait=False)  # the thread ends when the build does

    def _build(self, then: Callable[[], object] | None) -> KnowledgeSearch:
        knowledge = self.knowledge
        if self.examples is not None:
            try:
                knowledge = knowledge.with_examples(self.examples)
            except ContentError:
                # `kb check` (run by CI) refuses such content; a bot given it anyway searches.
                logger.exception("example questions not read; searching without them")
        index = KnowledgeSearch(knowledge)
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
