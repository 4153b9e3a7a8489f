"""Whether the knowledge base's best article answers a question: a logistic model of what the
search knows about it.

The rules of kb_search (enough of the question covered, a real score, a clear lead) and the
example questions' votes (kb_examples) each tell part of it; this weighs them together: the
probability that the first article is the right one for a question some article answers, from the
FEATURES of that article. At THRESHOLD or above the bot answers with it; below, it offers the
articles and the experts. A question asking for a fact no article holds, or about the asker's
private business, is never answered (kb_search decides that before).

The weights are fitted by `benchmarks/kb_confidence.py` on every question set in
`content/kb/examples/` (each set's questions searched without its own examples, as a member's
question is): refit them when sets are added, and paste what it prints here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.kb_examples import Votes
    from bot.services.text_search import Match

# The margin over the best other article counts up to this many times (a lone article: as much).
MAX_MARGIN = 5.0
FEATURES = (
    "coverage",  # the share of the question (by IDF) the article holds
    "focus",  # the share it holds in its title, aliases or summary
    "log_score",  # log(1 + BM25F score without the subject bonus)
    "margin",  # that score over the best other article's, at most MAX_MARGIN
    "phrase",  # 1 when one of its aliases stands whole in the question
    "first",  # 1 when BM25 and its rules put it first (the examples did not move it)
    "rule",  # 1 when kb_search's rules alone would answer with it
    "share",  # its share of the nearest examples' votes
    "similarity",  # how alike its most alike example is (cosine)
    "out_share",  # the out-of-scope examples' share of the votes
    "out_similarity",  # how alike the most alike out-of-scope example is
    "alike",  # 1 when the most alike example is one of its own
    "out_alike",  # 1 when the most alike example is out of scope
)
# Fitted by benchmarks/kb_confidence.py on the 38 question sets of content/kb/examples/ (5,433
# questions sharing a word with an article). Left out one set at a time, answered+right / out of
# scope rejected at THRESHOLD: 94.7 / 97.0 % on holdout14-38, 97.7 / 98.6 % on the older sets.
# THRESHOLD was chosen before the final blind test (holdout36-38) as the lowest at which
# out-of-scope rejection, left out one set at a time, stays at least 96 % on both groups of sets:
# the issue asks for 90 %, and blind sets have come in up to seven points under their
# cross-validated rejection (holdout33-35 at 88.9 % with 0.45, the threshold this rule gave before
# they were added, where they had 96.2 %). With holdout36-38 added the rule would give 0.55
# (94.9 / 96.4 and 97.7 / 98.6 %), but then "Чи можна купити снігоприбиральну техніку коштом
# субвенції на освіту?" is answered from the emergency-recovery article (probability 0.59993),
# so it stays at 0.6, the threshold measured blind. At 0.65, the threshold before (chosen for the
# most right answers less out-of-scope ones answered), 94.3 / 97.5 and 97.6 / 99.1 %.
WEIGHTS: dict[str, float] = {
    "coverage": -1.9597,
    "focus": 4.0445,
    "log_score": 0.5703,
    "margin": 0.3403,
    "phrase": 0.5821,
    "first": 0.4087,
    "rule": 1.6986,
    "share": 3.3470,
    "similarity": 0.3871,
    "out_share": -4.5945,
    "out_similarity": 0.6441,
    "alike": 0.9010,
    "out_alike": -0.3662,
}
BIAS = -4.4657
THRESHOLD = 0.6


def features(
    match: Match, *, rival: float, first: bool, rule: bool, votes: Votes
) -> dict[str, float]:
    """FEATURES of `match`, the article put first; `rival` is the best other article's score
    without its subject bonus."""
    score = max(match.score - match.subject, 0.0)
    alike = votes.most_alike()
    return {
        "coverage": match.coverage,
        "focus": match.focus,
        "log_score": math.log1p(score),
        "margin": min(score / rival, MAX_MARGIN) if rival > 0 else MAX_MARGIN,
        "phrase": float(match.phrase),
        "first": float(first),
        "rule": float(rule),
        "share": votes.share(match.key),
        "similarity": votes.similarity(match.key),
        "out_share": votes.share(None),
        "out_similarity": votes.similarity(None),
        "alike": float(bool(votes.nearest) and alike == match.key),
        "out_alike": float(bool(votes.nearest) and alike is None),
    }


def probability(values: Mapping[str, float]) -> float:
    """The model's probability that the article is the right answer."""
    z = BIAS + sum(WEIGHTS[name] * values[name] for name in FEATURES)
    if z < -60:
        return 0.0
    return 1 / (1 + math.exp(-z))
