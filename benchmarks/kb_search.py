"""Search quality of the reform knowledge base on the test set, against a plain BM25 baseline.

    .venv/bin/python benchmarks/kb_search.py                 # table + misses of our engine
    .venv/bin/python benchmarks/kb_search.py --json          # the figures as JSON on stdout
    .venv/bin/python benchmarks/kb_search.py --no-aliases    # + our engine without aliases
    .venv/bin/python benchmarks/kb_search.py --no-examples   # + our engine without examples
    .venv/bin/python benchmarks/kb_search.py --questions PATH --kb DIR --repeat 5
    .venv/bin/python benchmarks/kb_search.py --cpu-time      # timings in CPU time (busy machine)

The question sets (in-scope questions with their expected slugs, out-of-scope questions that no
entry answers): the main set, `content/kb/examples/questions.yaml`, readable while the entries'
aliases were written (some coincide with its slang); and held-out sets written later by helpers who
saw neither the entries nor the other sets, each in its own voice. A held-out set is measured blind
(`tests/kb_questions_<name>.yaml`, its misses hidden: BLIND), its figures go into its header, and
then it is read: aliases may be written from its misses, and it moves to
`content/kb/examples/<name>.yaml`, where the search learns from it as example questions. Their
headers tell each set's history: holdout (18 articles) and holdout2 (the 21 added in issue 15) were
read while aliases were tuned; holdout3 (all 39, with near misses) while the confidence rule was;
holdout4-12 were each measured blind once or twice (before and after a round of work) and read
afterwards; holdout14-38 were each measured blind once, then learnt from (their headers);
`tests/kb_questions_holdout13.yaml` and holdout39-49 there are not read yet. A new blind set is
measured with `--questions PATH` (repeatable): `questions` with `q` and `expect` (a slug or a list
of slugs), `out_of_scope` with `q`; either list may be missing. Two engines run on each set:

1. **ours**: `KnowledgeSearch(KnowledgeBase.load()).search(q, limit=3)` (lemmatised Ukrainian,
   stemmed English, aliases, typo tolerance, example questions, its own `confident` decision),
   without the example questions of the set measured (`KnowledgeBase.without_examples_from`): a
   development set in `content/kb/examples/` is measured as questions the search has not learnt
   from, the blind set in `tests/` is in no example set anyway.
2. **plain BM25** (baseline): `bm25s.BM25()` with its default parameters over each entry's title,
   short and full answer in both languages (no aliases), lowercased and split by bm25s's own
   tokenizer (`bm25s.tokenize`, its default token pattern `\\w\\w+`, no stopwords, no stemmer): no
   lemmatisation, no typo tolerance. It has no notion of "confident", so it gets the score
   threshold that is best *for it on this very set*: the top-1 score threshold that maximises
   (in-scope questions answered with the right top-1) / (in-scope questions) minus (out-of-scope
   questions answered) / (out-of-scope questions). That is tuned on the test set, so the
   baseline's rejection figures are optimistic. Ours has fixed thresholds (kb_search.py).

Figures (both engines):

- `top-1`, `top-3`: share of in-scope questions whose first hit / one of the first three hits is
  one of the expected slugs (whatever `confident` says);
- `answered`: share of in-scope questions with `confident` true;
- `answered+right`: share of in-scope questions with `confident` true and the right top-1;
- `OOS rejected`: share of out-of-scope questions with `confident` false;
- `p50 ms`, `p95 ms`: latency of one search (query analysis included), over `--repeat` passes
  after one warm-up pass;
- `build ms`: building the index from the loaded knowledge base (`KnowledgeSearch(kb)`;
  tokenising and indexing the corpus for the baseline); `KnowledgeBase.load()` is timed apart.

`--no-aliases` adds a row: our engine over the same entries with every alias list emptied, to show
how much of its score comes from the hand-written aliases rather than from the texts;
`--no-examples` one without the example questions (BM25 and its rules alone).

The misses of our engine (question -> got vs expected; out-of-scope questions it was confident
about) are listed after the table, except for a set not yet read (BLIND; `--show-blind` lists
them too). Exit status 0 always (it is a measurement, not a test; the
thresholds are asserted by `tests/test_kb_quality.py`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.services.kb_search import KnowledgeSearch  # noqa: E402
from bot.services.knowledge import KnowledgeBase  # noqa: E402

EXAMPLES = REPO / "content" / "kb" / "examples"
QUESTIONS = EXAMPLES / "questions.yaml"
# Named one by one: a set being written blind is not measured by accident. Once read, a set moves
# from tests/kb_questions_<name>.yaml to content/kb/examples/<name>.yaml, and the search learns
# from it.
HOLDOUTS = (
    *(EXAMPLES / f"holdout{n}.yaml" for n in ("", *range(2, 13))),
    REPO / "tests" / "kb_questions_holdout13.yaml",
    *(EXAMPLES / f"holdout{n}.yaml" for n in range(14, 39)),
    *(REPO / "tests" / f"kb_questions_holdout{n}.yaml" for n in range(39, 50)),
)
# The sets whose misses nobody has read yet (those still in tests/): their figures are printed,
# their misses only with --show-blind, so that measuring them does not spoil them for the next
# honest figure.
BLIND = frozenset(path.name for path in HOLDOUTS if path.parent.name == "tests")
CYRILLIC = re.compile(r"[а-яіїєґ]", re.IGNORECASE)
LIMIT = 3
# The clock of latencies and build times: wall time, or this process's CPU time (--cpu-time) on a
# machine that other work shares.
CLOCK: list[Callable[[], float]] = [time.perf_counter]


# --------------------------------------------------------------------------- the question set


@dataclass(frozen=True)
class Question:
    q: str
    lang: str  # uk | en
    expect: tuple[str, ...] = ()  # empty for out-of-scope


def question_lang(item: dict[str, Any]) -> str:
    """`lang` when given, else uk when the question has a Cyrillic letter, else en."""
    lang = item.get("lang")
    if lang:
        return str(lang)
    return "uk" if CYRILLIC.search(str(item["q"])) else "en"


def load_questions(path: Path = QUESTIONS) -> tuple[list[Question], list[Question]]:
    """(in-scope, out-of-scope) questions of the set.

    A new set may leave out either list, and give `expect` as one slug instead of a list.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    in_scope = [
        Question(str(i["q"]), question_lang(i), _slugs(i["expect"]))
        for i in data.get("questions") or []
    ]
    out_of_scope = [Question(str(i["q"]), question_lang(i)) for i in data.get("out_of_scope") or []]
    return in_scope, out_of_scope


def _slugs(expect: Any) -> tuple[str, ...]:
    return (str(expect),) if isinstance(expect, str) else tuple(str(slug) for slug in expect)


# --------------------------------------------------------------------------- one engine's run


@dataclass(frozen=True)
class Answer:
    slugs: tuple[str, ...]  # best first, at most LIMIT
    top_score: float
    confident: bool


@dataclass
class Miss:
    q: str
    lang: str
    expected: list[str]
    got: list[str]
    confident: bool
    kind: str  # "top-1" (right entry 2nd/3rd), "top-3" (not in the first three), "OOS answered"


@dataclass
class Figures:
    engine: str
    questions: int
    out_of_scope: int
    top1: float = 0.0
    top3: float = 0.0
    answered: float = 0.0
    answered_right: float = 0.0
    oos_rejected: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    build_ms: float = 0.0
    threshold: float | None = None  # the baseline's chosen score threshold
    by_lang: dict[str, dict[str, float]] = field(default_factory=dict)  # top1/top3 per language
    misses: list[Miss] = field(default_factory=list)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of values, 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed_answers(
    search: Callable[[str], Answer], questions: Sequence[Question], repeat: int
) -> tuple[list[Answer], list[float]]:
    """Each question's answer, and the latency (seconds) of every search after a warm-up pass."""
    answers = [search(question.q) for question in questions]  # warm-up, and the answers
    latencies: list[float] = []
    for _ in range(repeat):
        for question in questions:
            started = CLOCK[0]()
            search(question.q)
            latencies.append(CLOCK[0]() - started)
    return answers, latencies


def score(
    engine: str,
    in_scope: Sequence[Question],
    out_of_scope: Sequence[Question],
    answers: Sequence[Answer],
    oos_answers: Sequence[Answer],
) -> Figures:
    figures = Figures(engine=engine, questions=len(in_scope), out_of_scope=len(out_of_scope))
    top1 = top3 = answered = answered_right = 0
    per_lang: dict[str, list[int]] = {}  # lang -> [count, top1, top3]
    for question, answer in zip(in_scope, answers, strict=True):
        first = bool(answer.slugs) and answer.slugs[0] in question.expect
        any3 = any(slug in question.expect for slug in answer.slugs[:LIMIT])
        top1 += first
        top3 += any3
        answered += answer.confident
        answered_right += answer.confident and first
        counts = per_lang.setdefault(question.lang, [0, 0, 0])
        counts[0] += 1
        counts[1] += first
        counts[2] += any3
        if not first or not answer.confident:
            kind = ("top-1" if any3 else "top-3") if not first else "unsure"
            figures.misses.append(
                Miss(
                    question.q,
                    question.lang,
                    list(question.expect),
                    list(answer.slugs),
                    answer.confident,
                    kind,
                )
            )
    rejected = 0
    for question, answer in zip(out_of_scope, oos_answers, strict=True):
        rejected += not answer.confident
        if answer.confident:
            figures.misses.append(
                Miss(question.q, question.lang, [], list(answer.slugs), True, "OOS answered")
            )
    n, m = max(1, len(in_scope)), max(1, len(out_of_scope))
    figures.top1, figures.top3 = top1 / n, top3 / n
    figures.answered, figures.answered_right = answered / n, answered_right / n
    figures.oos_rejected = rejected / m
    figures.by_lang = {
        lang: {"questions": c[0], "top1": c[1] / c[0], "top3": c[2] / c[0]}
        for lang, c in sorted(per_lang.items())
    }
    return figures


# --------------------------------------------------------------------------- our engine


def without_aliases(kb: KnowledgeBase) -> KnowledgeBase:
    """The same entries with empty alias lists."""
    entries = tuple(
        replace(entry, aliases={locale: () for locale in entry.aliases}) for entry in kb.entries
    )
    return replace(kb, entries=entries)


def run_ours(
    kb: KnowledgeBase,
    in_scope: list[Question],
    out_of_scope: list[Question],
    repeat: int,
    name: str = "ours",
) -> Figures:
    started = CLOCK[0]()
    engine = KnowledgeSearch(kb)
    build = CLOCK[0]() - started

    def search(query: str) -> Answer:
        result = engine.search(query, limit=LIMIT)
        hits = result.hits
        return Answer(
            tuple(hit.slug for hit in hits), hits[0].score if hits else 0.0, result.confident
        )

    answers, latencies = timed_answers(search, in_scope + out_of_scope, repeat)
    figures = score(
        name, in_scope, out_of_scope, answers[: len(in_scope)], answers[len(in_scope) :]
    )
    figures.p50_ms = percentile(latencies, 50) * 1000
    figures.p95_ms = percentile(latencies, 95) * 1000
    figures.build_ms = build * 1000
    return figures


# --------------------------------------------------------------------------- plain BM25


def _tokenize(texts: list[str]) -> list[list[str]]:
    tokens = bm25s.tokenize(
        texts, lower=True, stopwords=None, return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]  # type: ignore[union-attr]


class PlainBM25:
    """bm25s with default parameters over unlemmatised title + short + full, both languages."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.slugs = [entry.slug for entry in kb.entries]
        corpus = [
            "\n".join(
                part
                for locale in ("uk", "en")
                for part in (
                    entry.title.get(locale),
                    entry.short.get(locale),
                    entry.full.get(locale),
                )
            )
            for entry in kb.entries
        ]
        self.retriever = bm25s.BM25()
        self.retriever.index(_tokenize(corpus), show_progress=False)
        self.threshold = 0.0

    def ranked(self, query: str) -> tuple[tuple[str, ...], float]:
        """The first LIMIT slugs with a positive score, and the top score (0 for none)."""
        tokens = [t for t in _tokenize([query])[0] if t in self.retriever.vocab_dict]
        if not tokens:
            return (), 0.0
        scores = self.retriever.get_scores(tokens)
        order = np.argsort(-scores, kind="stable")[:LIMIT]
        slugs = tuple(self.slugs[i] for i in order if scores[i] > 0)
        return slugs, float(scores[order[0]]) if slugs else 0.0

    def search(self, query: str) -> Answer:
        slugs, top = self.ranked(query)
        return Answer(slugs, top, bool(slugs) and top >= self.threshold)


def best_threshold(
    in_scope: Sequence[Question],
    in_ranked: Sequence[tuple[tuple[str, ...], float]],
    oos_ranked: Sequence[tuple[tuple[str, ...], float]],
) -> float:
    """The top-score threshold maximising right-top-1-answered share minus OOS-answered share."""
    candidates = sorted({top for _, top in [*in_ranked, *oos_ranked] if top > 0})
    candidates.append(float("inf"))  # never confident
    n, m = max(1, len(in_ranked)), max(1, len(oos_ranked))

    def objective(threshold: float) -> float:
        right = sum(
            1
            for question, (slugs, top) in zip(in_scope, in_ranked, strict=True)
            if slugs and top >= threshold and slugs[0] in question.expect
        )
        false = sum(1 for slugs, top in oos_ranked if slugs and top >= threshold)
        return right / n - false / m

    # the lowest of the best thresholds: ties go to answering more
    return max(candidates, key=lambda t: (objective(t), -t))


def run_baseline(
    kb: KnowledgeBase, in_scope: list[Question], out_of_scope: list[Question], repeat: int
) -> Figures:
    started = CLOCK[0]()
    engine = PlainBM25(kb)
    build = CLOCK[0]() - started
    engine.threshold = best_threshold(
        in_scope,
        [engine.ranked(q.q) for q in in_scope],
        [engine.ranked(q.q) for q in out_of_scope],
    )
    answers, latencies = timed_answers(engine.search, in_scope + out_of_scope, repeat)
    figures = score(
        "plain BM25", in_scope, out_of_scope, answers[: len(in_scope)], answers[len(in_scope) :]
    )
    figures.p50_ms = percentile(latencies, 50) * 1000
    figures.p95_ms = percentile(latencies, 95) * 1000
    figures.build_ms = build * 1000
    figures.threshold = engine.threshold
    return figures


# --------------------------------------------------------------------------- output


def table(results: Sequence[Figures]) -> str:
    columns = [
        ("engine", lambda f: f.engine, "<"),
        ("top-1", lambda f: f"{f.top1:.1%}", ">"),
        ("top-3", lambda f: f"{f.top3:.1%}", ">"),
        ("answered", lambda f: f"{f.answered:.1%}", ">"),
        ("answered+right", lambda f: f"{f.answered_right:.1%}", ">"),
        ("OOS rejected", lambda f: f"{f.oos_rejected:.1%}" if f.out_of_scope else "n/a", ">"),
        ("p50 ms", lambda f: f"{f.p50_ms:.2f}", ">"),
        ("p95 ms", lambda f: f"{f.p95_ms:.2f}", ">"),
        ("build ms", lambda f: f"{f.build_ms:.1f}", ">"),
    ]
    rows = [[name for name, _, _ in columns]] + [
        [str(get(f)) for _, get, _ in columns] for f in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = []
    for row in rows:
        cells = [
            f"{cell:{align}{width}}"
            for cell, (_, _, align), width in zip(row, columns, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def misses_text(figures: Figures) -> str:
    if not figures.misses:
        return f"{figures.engine}: no misses"
    lines = [f"{figures.engine}: misses ({len(figures.misses)})"]
    for miss in figures.misses:
        got = ", ".join(miss.got) or "nothing"
        flag = "confident" if miss.confident else "not confident"
        if miss.kind == "OOS answered":
            lines.append(f"  [OOS answered] {miss.q!r} -> {got} ({flag})")
        elif miss.kind == "unsure":
            lines.append(f"  [right but not confident, {miss.lang}] {miss.q!r} -> {got}")
        else:
            expected = " | ".join(miss.expected)
            lines.append(
                f"  [{miss.kind} miss, {miss.lang}] {miss.q!r} -> {got} ({flag}); "
                f"expected {expected}"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--questions",
        type=Path,
        action="append",
        help="question set (YAML); repeatable; default: the main and held-out sets",
    )
    parser.add_argument("--kb", type=Path, default=None, help="knowledge-base directory")
    parser.add_argument(
        "--no-aliases",
        action="store_true",
        help="also run our engine with every entry's aliases removed (ablation)",
    )
    parser.add_argument(
        "--no-examples",
        action="store_true",
        help="also run our engine without the example questions (ablation)",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed passes over the set (default 5)"
    )
    parser.add_argument(
        "--show-blind",
        action="store_true",
        help="also list the misses of the sets not yet read (BLIND), which reads them",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time searches and builds in this process's CPU time (for a busy machine)",
    )
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, path: Path) -> dict[str, Any] | None:
    """Run both engines on one question set; print the table, or return the JSON payload."""
    in_scope, out_of_scope = load_questions(path)
    hidden = path.name in BLIND and not args.show_blind
    started = time.perf_counter()
    # Measured as questions it has not learnt from (nothing goes for a set that no example set is).
    kb = KnowledgeBase.load(args.kb).without_examples_from(path.stem)
    load_ms = (time.perf_counter() - started) * 1000
    unknown = sorted({s for q in in_scope for s in q.expect if kb.entry(s) is None})
    if unknown:
        print(f"warning: expected slugs not in the knowledge base: {unknown}", file=sys.stderr)
    repeat = max(1, args.repeat)
    results = [
        run_ours(kb, in_scope, out_of_scope, repeat),
        run_baseline(kb, in_scope, out_of_scope, repeat),
    ]
    if args.no_aliases:
        results.append(
            run_ours(without_aliases(kb), in_scope, out_of_scope, repeat, "ours, no aliases")
        )
    if args.no_examples:
        results.append(
            run_ours(replace(kb, examples=()), in_scope, out_of_scope, repeat, "ours, no examples")
        )
    langs: dict[str, int] = {}
    for question in in_scope:
        langs[question.lang] = langs.get(question.lang, 0) + 1
    if args.json:
        return {
            "question_set": path.name,
            "entries": len(kb.entries),
            "questions": len(in_scope),
            "questions_by_lang": langs,
            "out_of_scope": len(out_of_scope),
            "kb_load_ms": load_ms,
            "repeat": repeat,
            "results": [{**asdict(f), **({"misses": None} if hidden else {})} for f in results],
        }
    by_lang = ", ".join(f"{n} {lang}" for lang, n in sorted(langs.items()))
    print(f"===== {path.name}")
    print(
        f"{len(kb.entries)} entries (loaded in {load_ms:.0f} ms); {len(in_scope)} in-scope "
        f"questions ({by_lang}), {len(out_of_scope)} out-of-scope; latency over {repeat} passes"
    )
    print()
    print(table(results))
    baseline = results[1]
    print(
        f"\nplain BM25 'confident' = top score >= {baseline.threshold:.3f}, the threshold that "
        "maximises its own (answered with the right top-1) - (out-of-scope answered) on this set"
    )
    for figures in results:
        per_lang = "; ".join(
            f"{lang}: top-1 {v['top1']:.1%}, top-3 {v['top3']:.1%}"
            for lang, v in figures.by_lang.items()
        )
        print(f"{figures.engine} by language: {per_lang}")
    print()
    if hidden:
        print(f"{results[0].engine}: {len(results[0].misses)} misses, not listed: a blind set")
    else:
        print(misses_text(results[0]))
    print()
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    CLOCK[0] = time.process_time if args.cpu_time else time.perf_counter
    sets = args.questions or [QUESTIONS, *HOLDOUTS]
    payloads = [measure(args, path) for path in sets]
    if args.json:
        print(json.dumps(payloads, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
