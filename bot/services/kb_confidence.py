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
# Fitted by benchmarks/kb_confidence.py on the 29 question sets of content/kb/examples/ (4,125
# questions). Left out one set at a time, answered+right / out of scope rejected at THRESHOLD:
# 94.0 / 97.9 % on holdout14-29, 97.6 / 98.6 % on the older sets. THRESHOLD was chosen with the
# sets up to holdout26, where it answered the most questions rightly for the fewest out-of-scope
# ones answered on both groups; with holdout27-29 added, 0.6 does 0.1 point better on the newer
# sets and 0.5 0.5 points on the older (a question or two).
WEIGHTS: dict[str, float] = {
    "coverage": -0.9367,
    "focus": 3.6274,
    "log_score": 0.6343,
    "margin": 0.4885,
    "phrase": 0.3942,
    "first": 0.8912,
    "rule": 1.8012,
    "share": 3.6974,
    "similarity": 0.4689,
    "out_share": -3.1566,
    "out_similarity": 0.1217,
    "alike": 0.9608,
    "out_alike": -0.9920,
}
BIAS = -5.7792
THRESHOLD = 0.65


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
