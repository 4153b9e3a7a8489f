"""The knowledge search index, built on a worker thread once polling starts
(bot/services/search_index.py), and a SQLite deployment's start-up without the Redis client."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bot.services import search_index
from bot.services.knowledge import EXAMPLES_DIR, KB_DIR, KnowledgeBase
from bot.services.search_index import SearchIndex


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_the_index_answers_and_is_built_once_across_event_loops(
    knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[str] = []
    real = search_index.KnowledgeSearch

    def counted(base: KnowledgeBase) -> search_index.KnowledgeSearch:
        builds.append(threading.current_thread().name)
        return real(base)

    monkeypatch.setattr(search_index, "KnowledgeSearch", counted)
    index = SearchIndex(knowledge)

    async def ask_twice_at_once() -> list[search_index.KnowledgeSearch]:
        return list(await asyncio.gather(index.get(), index.get()))

    first = asyncio.run(ask_twice_at_once())  # the tests and the sandbox: one loop each
    second = asyncio.run(index.get())
    assert first[0] is first[1] is second
    assert len(builds) == 1
    assert builds[0].startswith("kb-index")  # not on the event loop's thread
    result = second.search("що таке ДФРР", limit=3)
    assert result.hits and result.hits[0].slug == "drrf"


def test_a_background_build_runs_its_follow_up_once_and_a_question_waits_for_it(
    knowledge: KnowledgeBase,
) -> None:
    followed: list[str] = []
    index = SearchIndex(knowledge)

    async def start_then_ask() -> search_index.KnowledgeSearch:
        index.build_in_background(then=lambda: followed.append("frozen"))
        index.build_in_background(then=lambda: followed.append("again"))  # already building
        return await index.get()

    built = asyncio.run(start_then_ask())
    assert asyncio.run(index.get()) is built
    assert followed == ["frozen"]


def test_the_example_questions_are_read_by_the_build_not_at_start(tmp_path: Path) -> None:
    """Start-up reads the articles only; the index's build adds the example questions, and
    without them (a broken file the content check would have refused) still searches."""
    bare = KnowledgeBase.load(examples=False)
    assert bare.examples == ()
    built = asyncio.run(SearchIndex(bare, examples=KB_DIR).get())
    assert len(built.examples) == len(KnowledgeBase.load().examples) > 0

    broken = tmp_path / "kb"
    (broken / EXAMPLES_DIR).mkdir(parents=True)
    (broken / EXAMPLES_DIR / "bad.yaml").write_text("questions: [{q: x, expect: [nope]}]")
    fallback = asyncio.run(SearchIndex(bare, examples=broken).get())
    assert len(fallback.examples) == 0
    assert fallback.search("що таке ДФРР").hits[0].slug == "drrf"


@pytest.mark.process
def test_a_sqlite_start_up_never_imports_the_redis_client_nor_numpy() -> None:
    """Redis is for deployments that set `REDIS_URL`; numpy (a tenth of a second) for the
    example questions' index, built after start-up on the search index's thread."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        import bot.app, bot.cli, bot.runner
        from storage.db import Database
        from storage.fsm import create_fsm_storage, forget_user, is_redis

        async def main():
            db = Database.from_url("sqlite+aiosqlite:///:memory:")
            storage, isolation = create_fsm_storage(db, None)
            assert not is_redis(storage)
            assert await forget_user(object(), 7) == 0
            await db.close()

        asyncio.run(main())
        print(sorted(name for name in sys.modules if name.split(".")[0] in ("redis", "numpy")))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
