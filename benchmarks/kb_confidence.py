"""Fit the knowledge-base search's confidence model (bot/services/kb_confidence.py) and say how
well it decides, set by set.

    .venv/bin/python benchmarks/kb_confidence.py            # cross-validated figures + weights

Every question of every set in `content/kb/examples/` (the written-* sets are examples only: they
have no out-of-scope half worth measuring and were written from the articles) is searched without
its own set's examples, as a member's question meets the search; the first article's FEATURES and
whether it is right (a question some article answers, and that article first) make one row. A
question asking for a fact no article holds, or about the asker's private business, is never
answered: it counts in the figures, unanswered, and not in the fit. The model is a logistic
regression on the standardised features with an L2 penalty, fitted by gradient descent.

It prints, for the sets of the seventh round (holdout14 on) and for the others: answered+right and
out-of-scope rejection of the rules alone (kb_search's rules, the first article as BM25 put it),
of the model as it stands in kb_confidence.py, and of a model fitted without the set measured
(leave one set out: the honest figure for the weights printed last). Then the weights, to paste
into kb_confidence.py. Exit status 0 always: a measurement and a fit, not a test.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.services import kb_confidence  # noqa: E402
from bot.services.kb_search import KnowledgeSearch  # noqa: E402
from bot.services.knowledge import EXAMPLES_DIR, KB_DIR, KnowledgeBase  # noqa: E402

EXAMPLES = KB_DIR / EXAMPLES_DIR
FIRST_OF_THE_ROUND = 14  # holdout14 on: the sets written since example questions were learnt from
L2 = 1.0
STEPS = 3000
RATE = 0.5
THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)  # what other thresholds would do, left out


@dataclass(frozen=True)
class Row:
    source: str
    in_scope: bool
    right: bool  # in scope, and the first article is one it expects
    may: bool  # not a fact no article holds, nor private business (kb_search.may_answer)
    rule: bool  # what kb_search's rules alone say
    now: bool  # what the search says today (kb_confidence as it stands)
    values: tuple[float, ...]


def rows(kb: KnowledgeBase) -> list[Row]:
    """One row per question some article shares a word with, each set searched without its own
    examples."""
    result: list[Row] = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        if path.stem.startswith("written-"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        engine = KnowledgeSearch(kb.without_examples_from(path.stem))
        asked = [(i["q"], tuple(i["expect"])) for i in data.get("questions") or []]
        asked += [(i["q"], ()) for i in data.get("out_of_scope") or []]
        for question, expect in asked:
            decision = engine.decide(question)
            if decision is None:
                continue
            values = decision.features
            may = engine.may_answer(question, decision.ranked[0].key)
            result.append(
                Row(
                    source=path.stem,
                    in_scope=bool(expect),
                    right=decision.ranked[0].key in expect,
                    may=may,
                    rule=may and bool(values["rule"]),
                    now=decision.confident,
                    values=tuple(values[name] for name in kb_confidence.FEATURES),
                )
            )
    return result


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Raw-scale weights and bias of a logistic regression fitted on standardised features."""
    mean = x.mean(axis=0)
    spread = x.std(axis=0)
    spread[spread == 0] = 1.0
    z = np.hstack([(x - mean) / spread, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) / len(y) + L2 * np.r_[w[:-1], 0.0] / len(y)
        w -= RATE * gradient
    weights = w[:-1] / spread
    return weights, float(w[-1] - (w[:-1] * mean / spread).sum())


def probability(weights: np.ndarray, bias: float, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ weights + bias)))


def figures(rows_: list[Row], answered: list[bool]) -> str:
    """answered+right and out-of-scope rejection over the rows (questions no article shares a
    word with are left out: the search never answers them)."""
    in_scope = [a and r.right for r, a in zip(rows_, answered, strict=True) if r.in_scope]
    out = [a for r, a in zip(rows_, answered, strict=True) if not r.in_scope]
    return f"{100 * sum(in_scope) / len(in_scope):5.1f} / {100 * (1 - sum(out) / len(out)):5.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args(argv)
    kb = KnowledgeBase.load()
    data = rows(kb)
    x = np.array([r.values for r in data])
    y = np.array([float(r.right) for r in data])
    may = np.array([r.may for r in data])
    held_out = np.zeros(len(data))
    for source in sorted({r.source for r in data}):
        test = np.array([r.source == source for r in data])
        weights, bias = fit(x[~test & may], y[~test & may])
        held_out[test] = probability(weights, bias, x[test])
    held = (held_out >= kb_confidence.THRESHOLD) & may
    print("answered+right / out of scope rejected, % (questions sharing a word with an article)")
    for label, keep in (
        (f"holdout{FIRST_OF_THE_ROUND} on", lambda r: _round(r.source)),
        ("the others", lambda r: not _round(r.source)),
    ):
        chosen = [i for i, r in enumerate(data) if keep(r)]
        part = [data[i] for i in chosen]
        print(f"  {label}: {len(part)} questions")
        print(f"    rules alone          {figures(part, [r.rule for r in part])}")
        print(f"    kb_confidence now    {figures(part, [r.now for r in part])}")
        print(f"    fitted, set left out {figures(part, [bool(held[i]) for i in chosen])}")
        for threshold in THRESHOLDS:
            answered = [bool(may[i] and held_out[i] >= threshold) for i in chosen]
            print(f"      at threshold {threshold:.2f}  {figures(part, answered)}")
        net = {
            t: _net(part, [bool(may[i] and held_out[i] >= t) for i in chosen]) for t in THRESHOLDS
        }
        print(f"    right answers less out-of-scope ones answered, by threshold: {net}")
    weights, bias = fit(x[may], y[may])
    print("\n# fitted on every set:")
    print("WEIGHTS: dict[str, float] = {")
    for name, weight in zip(kb_confidence.FEATURES, weights, strict=True):
        print(f'    "{name}": {weight:.4f},')
    print("}")
    print(f"BIAS = {bias:.4f}")
    return 0


def _net(rows_: list[Row], answered: list[bool]) -> float:
    """answered+right less out-of-scope answered, both in % of their kind: what the threshold in
    kb_confidence.py was chosen for (its comment says how)."""
    in_scope = [a and r.right for r, a in zip(rows_, answered, strict=True) if r.in_scope]
    out = [a for r, a in zip(rows_, answered, strict=True) if not r.in_scope]
    return round(100 * (sum(in_scope) / len(in_scope) - sum(out) / len(out)), 1)


def _round(source: str) -> bool:
    number = source.removeprefix("holdout")
    return number.isdigit() and int(number) >= FIRST_OF_THE_ROUND


if __name__ == "__main__":
    sys.exit(main())
