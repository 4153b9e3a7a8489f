"""A knowledge-base draft as the YAML entry an editor finishes (`hromada-bot kb drafts`).

`QuestionService.make_draft` stores a draft from an answered question; here it becomes a
content/kb/ entry with its language filled and the other left for the editor.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from bot.services.questions import Draft, shorten

DRAFT_SHORT_MAX = 700


class _BlockDumper(yaml.SafeDumper):
    """Multi-line texts as `|` blocks, the way content/kb/ entries are written."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_text)


def draft_entry(draft: Draft, checked: date) -> dict[str, Any]:
    """A content/kb/ entry from a draft: its language filled, the other left for the editor."""
    other = "en" if draft.locale == "uk" else "uk"
    answer = draft.answer_text.strip()
    first_paragraph = answer.split("\n\n", 1)[0]

    def both(value: str) -> dict[str, str]:
        return {draft.locale: value, other: ""}

    return {
        "slug": f"draft-{draft.id}",
        "topic": "",
        "checked": checked,
        "title": both(" ".join(draft.question_text.split())),
        "aliases": {draft.locale: [], other: []},
        "short": both(shorten(first_paragraph, DRAFT_SHORT_MAX)),
        "full": both(answer + "\n"),
        "sources": [],
    }


def draft_yaml(draft: Draft, checked: date) -> str:
    """The YAML text of a draft entry, with a note for the editor on top."""
    note = (
        f"# Draft from question {draft.question_id} (kb_drafts.id {draft.id}). Before publishing:\n"
        "# write the title as a short heading, fill the other language, the topic and at least\n"
        "# one source, choose a real slug, and save it as content/kb/<slug>.yaml.\n"
    )
    body = yaml.dump(
        draft_entry(draft, checked),
        Dumper=_BlockDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return note + body
