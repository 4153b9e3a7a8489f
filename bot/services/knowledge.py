"""The reform knowledge base: bilingual entries under `content/kb/`, validated when loaded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.content import CONTENT_DIR, ContentError, read_yaml
from bot.i18n import LOCALES
from bot.services.localized import Localized as Localized  # long imported from here

KB_DIR = CONTENT_DIR / "kb"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]{1,15}$")
ENTRY_FIELDS = frozenset(
    {"slug", "topic", "checked", "title", "aliases", "short", "full", "legal_basis", "sources"}
    | {"related"}
)
LIMITS = {"title": 120, "short": 700, "full": 3500, "legal_basis": 300, "alias": 60}
# Example questions, each with the entries that answer it (none: no entry does), in question-set
# files under the knowledge base's folder: what the search learns members' words from.
EXAMPLES_DIR = "examples"
EXAMPLE_LIMIT = 1000  # characters of one example question
SOURCE_TITLE_LIMIT = 80


@dataclass(frozen=True)
class Source:
    url: str
    title: str | None = None

    @property
    def label(self) -> str:
        """The publisher's name when given, else the site's host name."""
        return self.title or (urlsplit(self.url).hostname or self.url).removeprefix("www.")


@dataclass(frozen=True)
class Topic:
    code: str
    title: Localized


@dataclass(frozen=True)
class Entry:
    slug: str
    topic: str
    title: Localized
    short: Localized
    full: Localized
    legal_basis: Localized | None
    sources: tuple[Source, ...]
    checked: date
    aliases: dict[str, tuple[str, ...]]
    related: tuple[str, ...]
    number: int  # 1-based position in KnowledgeBase.entries: short ids for buttons


@dataclass(frozen=True)
class Example:
    """A question as a member might ask it and the entry that answers it (None: no entry does)."""

    text: str
    slug: str | None
    source: str  # the question set it comes from: its file name without `.yaml`


@dataclass(frozen=True)
class KnowledgeBase:
    topics: tuple[Topic, ...]
    entries: tuple[Entry, ...]
    examples: tuple[Example, ...] = ()
    _by_slug: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_slug", {entry.slug: entry for entry in self.entries})

    def entry(self, slug: str) -> Entry | None:
        return self._by_slug.get(slug)

    def by_number(self, number: int) -> Entry | None:
        if 1 <= number <= len(self.entries):
            return self.entries[number - 1]
        return None

    def topic(self, code: str) -> Topic | None:
        return next((topic for topic in self.topics if topic.code == code), None)

    def in_topic(self, code: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.topic == code]

    def without_examples_from(self, source: str) -> KnowledgeBase:
        """This knowledge base without the example questions of one set: to measure the search on
        that set as on questions it has not learnt from."""
        return replace(self, examples=tuple(e for e in self.examples if e.source != source))

    def with_examples(self, directory: Path | None = None) -> KnowledgeBase:
        """This knowledge base with the example questions under `directory` (content/kb/ by
        default), read when the search index is built, not at start; ContentError lists every
        problem found."""
        folder = directory or KB_DIR
        problems = _Problems(folder)
        slugs = {entry.slug for entry in self.entries}
        examples = _read_examples(folder / EXAMPLES_DIR, slugs, problems)
        if problems.lines:
            raise _invalid(problems.lines)
        return replace(self, examples=examples)

    @classmethod
    def load(cls, directory: Path | None = None, *, examples: bool = True) -> KnowledgeBase:
        """Read and validate every entry (and the example questions unless `examples` is false);
        ContentError lists every problem found."""
        knowledge, problems = read_knowledge_base(directory or KB_DIR, examples=examples)
        if problems:
            raise _invalid(problems)
        assert knowledge is not None
        return knowledge


def _invalid(problems: list[str]) -> ContentError:
    shown = "\n  ".join(problems[:20])
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    return ContentError(f"the knowledge base has {len(problems)} problem(s):\n  {shown}{more}")


class _Problems:
    """Collects 'file: field: what is wrong' lines instead of stopping at the first one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: list[str] = []

    def add(self, path: Path, where: str, message: str) -> None:
        try:
            name = path.relative_to(self.root.parent).as_posix()
        except ValueError:
            name = str(path)
        self.lines.append(f"{name}: {where}: {message}" if where else f"{name}: {message}")


def read_knowledge_base(
    directory: Path, *, examples: bool = True
) -> tuple[KnowledgeBase | None, list[str]]:
    """The knowledge base in `directory` (with its example questions unless `examples` is false)
    and the list of its problems (empty when valid)."""
    problems = _Problems(directory)
    topics = _read_topics(directory / "topics.yaml", problems)
    topic_codes = {topic.code for topic in topics}
    files = sorted(path for path in directory.glob("*.yaml") if path.name != "topics.yaml")
    if not files:
        problems.add(directory, "", "no entry files (*.yaml) found")
    raw: list[tuple[Path, dict[str, Any]]] = []
    for path in files:
        try:
            document = read_yaml(path)
        except ContentError as error:
            problems.lines.append(str(error).replace(str(directory.parent) + "/", ""))
            continue
        if not isinstance(document, dict):
            problems.add(path, "", "expected a mapping of fields (slug, topic, title, ...)")
            continue
        raw.append((path, document))

    slugs: dict[str, Path] = {}
    for path, document in raw:
        slug = document.get("slug")
        if isinstance(slug, str) and slug in slugs:
            problems.add(path, "slug", f"{slug!r} is already used by {slugs[slug].name}")
        elif isinstance(slug, str):
            slugs[slug] = path

    entries: list[Entry] = []
    for path, document in raw:
        entry = _read_entry(path, document, len(entries) + 1, topic_codes, set(slugs), problems)
        if entry is not None:
            entries.append(entry)
    used = {entry.topic for entry in entries}
    for topic in topics:
        if topic.code not in used:
            # Shown in the topics menu, it would open onto an empty list.
            problems.add(directory / "topics.yaml", topic.code, "no entry has this topic")
    found = _read_examples(directory / EXAMPLES_DIR, set(slugs), problems) if examples else ()
    if problems.lines:
        return None, problems.lines
    # Topics in file order; entries grouped by topic in that order, then by file name.
    order = {topic.code: index for index, topic in enumerate(topics)}
    entries.sort(key=lambda entry: (order[entry.topic], entry.slug))
    numbered = tuple(
        Entry(**{**entry.__dict__, "number": number}) for number, entry in enumerate(entries, 1)
    )
    return KnowledgeBase(topics=tuple(topics), entries=numbered, examples=found), []


def _read_examples(folder: Path, slugs: set[str], problems: _Problems) -> tuple[Example, ...]:
    """The example questions of every question set in `folder` (none when there is no folder).

    A set lists `questions` (`q`, `expect`: the slugs of the entries that answer it, `lang`) and
    `out_of_scope` questions (`q`, `lang`) that no entry answers. A question two entries answer
    equally is kept for measuring, not learnt from: it would teach both to each."""
    examples: list[Example] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            document = read_yaml(path)
        except ContentError as error:
            problems.lines.append(str(error).replace(str(folder.parent.parent) + "/", ""))
            continue
        if not isinstance(document, dict) or not set(document) <= {"questions", "out_of_scope"}:
            problems.add(path, "", "expected a mapping with 'questions' and/or 'out_of_scope'")
            continue
        for kind in ("questions", "out_of_scope"):
            items = document.get(kind) or []
            if not isinstance(items, list):
                problems.add(path, kind, "must be a list of questions")
                continue
            for index, item in enumerate(items):
                example = _example(path, f"{kind}[{index}]", item, kind, slugs, problems)
                if example is not None:
                    examples.append(example)
    return tuple(examples)


def _example(
    path: Path, where: str, item: Any, kind: str, slugs: set[str], problems: _Problems
) -> Example | None:
    if not isinstance(item, dict) or not set(item) <= {"q", "expect", "lang"}:
        problems.add(path, where, "expected q, expect and lang")
        return None
    text = item.get("q")
    if not isinstance(text, str) or not text.strip() or len(text) > EXAMPLE_LIMIT:
        problems.add(path, f"{where}.q", f"must be a question of 1 to {EXAMPLE_LIMIT} characters")
        return None
    if item.get("lang") not in (None, *LOCALES):
        problems.add(path, f"{where}.lang", "unknown language (use 'uk' or 'en')")
        return None
    expect = item.get("expect") or []
    if not isinstance(expect, list) or any(slug not in slugs for slug in expect):
        problems.add(path, f"{where}.expect", f"{expect!r} names a slug no entry has")
        return None
    if kind == "out_of_scope":
        if expect:
            problems.add(path, f"{where}.expect", "an out-of-scope question expects no entry")
            return None
        return Example(text.strip(), None, path.stem)
    if not expect:
        problems.add(path, f"{where}.expect", "is required: the slugs of the entries answering it")
        return None
    return Example(text.strip(), expect[0], path.stem) if len(expect) == 1 else None


def _read_topics(path: Path, problems: _Problems) -> list[Topic]:
    try:
        document = read_yaml(path)
    except ContentError as error:
        problems.lines.append(str(error))
        return []
    items = document.get("topics") if isinstance(document, dict) else None
    if not isinstance(items, list) or not items:
        problems.add(path, "topics", "expected a non-empty list")
        return []
    topics: list[Topic] = []
    for index, item in enumerate(items):
        where = f"topics[{index}]"
        if not isinstance(item, dict):
            problems.add(path, where, "must be a mapping with code and title")
            continue
        code = item.get("code")
        if not isinstance(code, str) or not TOPIC_RE.match(code):
            problems.add(path, f"{where}.code", "must be 2-16 characters of a-z, 0-9 and _")
            continue
        if any(topic.code == code for topic in topics):
            problems.add(path, f"{where}.code", f"{code!r} is used twice")
            continue
        title = _localized(path, f"{where}.title", item.get("title"), 60, problems)
        if title is not None:
            topics.append(Topic(code, title))
    return topics


def _read_entry(
    path: Path,
    document: dict[str, Any],
    number: int,
    topic_codes: set[str],
    slugs: set[str],
    problems: _Problems,
) -> Entry | None:
    before = len(problems.lines)
    for key in sorted(set(document) - ENTRY_FIELDS):
        problems.add(path, str(key), "unknown field (check the spelling)")
    slug = document.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        problems.add(path, "slug", "is required: lowercase letters, digits and '-'")
    elif slug != path.stem:
        problems.add(path, "slug", f"{slug!r} must match the file name ({path.stem!r})")
    topic = document.get("topic")
    if not isinstance(topic, str) or topic not in topic_codes:
        known = ", ".join(sorted(topic_codes)) or "none"
        problems.add(path, "topic", f"{topic!r} is not a topic in topics.yaml (known: {known})")
    checked = _checked_date(path, document.get("checked"), problems)
    title = _localized(path, "title", document.get("title"), LIMITS["title"], problems)
    short = _localized(path, "short", document.get("short"), LIMITS["short"], problems)
    full = _localized(path, "full", document.get("full"), LIMITS["full"], problems)
    legal_basis = None
    if document.get("legal_basis") is not None:
        legal_basis = _localized(
            path, "legal_basis", document["legal_basis"], LIMITS["legal_basis"], problems
        )
    aliases = _aliases(path, document.get("aliases"), problems)
    sources = _sources(path, document.get("sources"), problems)
    related = _related(path, document.get("related"), slugs, slug, problems)
    if len(problems.lines) > before:
        return None
    assert isinstance(slug, str) and isinstance(topic, str) and checked is not None
    assert title is not None and short is not None and full is not None
    return Entry(
        slug=slug,
        topic=topic,
        title=title,
        short=short,
        full=full,
        legal_basis=legal_basis,
        sources=sources,
        checked=checked,
        aliases=aliases,
        related=related,
        number=number,
    )


def _localized(
    path: Path, where: str, value: Any, limit: int, problems: _Problems
) -> Localized | None:
    if not isinstance(value, dict):
        problems.add(path, where, "must have both 'uk' and 'en' texts")
        return None
    texts: dict[str, str] = {}
    for locale in LOCALES:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip():
            problems.add(path, f"{where}.{locale}", "is missing or empty")
            continue
        text = _normalise(text)
        if len(text) > limit:
            problems.add(
                path, f"{where}.{locale}", f"is {len(text)} characters; the limit is {limit}"
            )
            continue
        texts[locale] = text
    for key in sorted(set(value) - set(LOCALES), key=str):
        problems.add(path, f"{where}.{key}", "unknown language (use 'uk' and 'en')")
    if len(texts) != len(LOCALES):
        return None
    return Localized(uk=texts["uk"], en=texts["en"])


def _normalise(text: str) -> str:
    """Trim each line and collapse runs of blank lines into one paragraph break."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _checked_date(path: Path, value: Any, problems: _Problems) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            problems.add(path, "checked", f"{value!r} is not a date (write it as 2026-11-29)")
            return None
    if not isinstance(value, date):
        problems.add(path, "checked", "is required: the date the entry was last checked")
        return None
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    if value > tomorrow:
        problems.add(path, "checked", f"{value.isoformat()} is in the future")
        return None
    if value.year < 2014:
        problems.add(path, "checked", f"{value.isoformat()} is implausibly old")
        return None
    return value


def _aliases(path: Path, value: Any, problems: _Problems) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {locale: () for locale in LOCALES}
    if not isinstance(value, dict):
        problems.add(path, "aliases", "must have 'uk' and 'en' lists")
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for locale in LOCALES:
        items = value.get(locale) or []
        if not isinstance(items, list):
            problems.add(path, f"aliases.{locale}", "must be a list of words or short phrases")
            continue
        clean: list[str] = []
        for index, alias in enumerate(items):
            if isinstance(alias, int | float) and not isinstance(alias, bool):
                alias = str(alias)
            if not isinstance(alias, str) or not alias.strip():
                problems.add(path, f"aliases.{locale}[{index}]", "must be non-empty text")
            elif len(alias) > LIMITS["alias"]:
                problems.add(
                    path,
                    f"aliases.{locale}[{index}]",
                    f"is longer than {LIMITS['alias']} characters: aliases are words, not texts",
                )
            else:
                clean.append(alias.strip())
        result[locale] = tuple(clean)
    return result


def _sources(path: Path, value: Any, problems: _Problems) -> tuple[Source, ...]:
    if not isinstance(value, list) or not value:
        problems.add(path, "sources", "at least one source (url) is required")
        return ()
    sources: list[Source] = []
    for index, item in enumerate(value):
        where = f"sources[{index}]"
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict):
            problems.add(path, where, "must be a URL or a mapping with url and title")
            continue
        url = item.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if (
            not isinstance(url, str)
            or parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
        ):
            problems.add(path, f"{where}.url", f"{url!r} is not an http(s) URL")
            continue
        if any(char.isspace() for char in url):
            problems.add(path, f"{where}.url", "contains spaces")
            continue
        title = item.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip()):
            problems.add(path, f"{where}.title", "must be text when given")
            continue
        if isinstance(title, str) and len(title.strip()) > SOURCE_TITLE_LIMIT:
            problems.add(path, f"{where}.title", f"is longer than {SOURCE_TITLE_LIMIT} characters")
            continue
        sources.append(Source(url=url.strip(), title=title.strip() if title else None))
    return tuple(sources)


def _related(
    path: Path, value: Any, slugs: set[str], own: Any, problems: _Problems
) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add(path, "related", "must be a list of entry slugs")
        return ()
    related: list[str] = []
    for index, slug in enumerate(value):
        if slug == own:
            problems.add(path, f"related[{index}]", "an entry cannot be related to itself")
        elif not isinstance(slug, str) or slug not in slugs:
            problems.add(path, f"related[{index}]", f"{slug!r} is not the slug of an entry")
        elif slug not in related:
            related.append(slug)
    return tuple(related)
