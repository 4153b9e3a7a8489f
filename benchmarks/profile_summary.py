"""Where the time goes in a py-spy profile: shares by package, and the top functions of each.

Reads collapsed stacks (`frame;frame;... count` per line), as `registration.py --profile DIR`
writes them (`py-spy record --format raw`):

    .venv/bin/python benchmarks/profile_summary.py DIR/bot-sqlite.txt
    .venv/bin/python benchmarks/profile_summary.py DIR/bot-sqlite.txt --prefix aiogram_dialog \\
        --prefix bot/services/ --top 20

With py-spy's `--threads` (registration.py passes it) each stack starts with its thread; only the
main thread (the event loop) is summarised unless `--thread all` (or another thread's name) is
given, and the samples per thread are listed first.

A function's **inclusive** share is the share of samples with it anywhere on the stack (itself and
what it called); its **self** share, the samples where it was the innermost frame. A package's
self share is where the CPU was actually spent; its inclusive share, how much ran under it.
The frames of the event loop's scheduler (everything up to asyncio's `Handle._run`) are dropped
first, so the entry point and the loop do not count as 100 % inclusive (`--keep-loop` keeps them).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Packages, by the frame's file path (py-spy's short one, `aiogram/types/base.py`, or a full one).
GROUPS: dict[str, str] = {
    "bot code": r"(^|/)(bot|dialogs|storage)/",
    "aiogram_dialog": r"(^|/)aiogram_dialog/",
    "aiogram": r"(^|/)aiogram/",
    "sqlalchemy": r"(^|/)sqlalchemy/|wrapper for sqlalchemy\.",
    "db drivers": r"(^|/)(aiosqlite|asyncpg|sqlite3|psycopg)/",
    "pydantic": r"(^|/)pydantic(_core)?/",
    # fluent.runtime is a namespace package: py-spy's short path is `runtime/...`
    "fluent": r"(^|/)fluent/|^runtime/|fluent\.runtime|(^|/)babel/",
    "aiohttp": r"(^|/)(aiohttp|yarl|multidict)/",
    # the standard library's, not sqlalchemy/ext/asyncio/
    "asyncio": r"^asyncio/|/python3[.\d]*/asyncio/",
    "logging": r"^logging/|/python3[.\d]*/logging/",
}
DEFAULT_DETAIL = ("bot code", "aiogram_dialog", "sqlalchemy", "pydantic", "fluent", "asyncio")
_FRAME_RE = re.compile(r"^(?P<name>.*?) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")
_LOOP_FRAME = re.compile(r"^Handle\._run \((.*/)?asyncio/events\.py")
_THREAD_RE = re.compile(r"^thread \((?P<id>\w+)\)(?:: (?P<name>.*))?$")
MAIN_THREAD = "MainThread"


@dataclass(frozen=True)
class Frame:
    function: str  # `name (file)`: the line dropped, so one function is one key
    file: str


def parse_frame(text: str) -> Frame:
    match = _FRAME_RE.match(text)
    if match is None:
        return Frame(text, "")
    return Frame(f"{match['name']} ({match['file']})", match["file"])


@dataclass
class Profile:
    stacks: list[tuple[list[Frame], int]]  # frames outermost first, sample count
    threads: Counter[str]  # samples per thread ("" when the file has no thread frames)


def read_profile(path: Path, *, thread: str, keep_loop: bool) -> Profile:
    """The stacks of `thread` ("all": every thread; "main": MainThread when threads are named)."""
    lines = []
    threads: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        texts = stack.split(";")
        name = ""
        match = _THREAD_RE.match(texts[0])
        if match is not None:
            name = match["name"] or f"thread {match['id']}"
            texts = texts[1:]
        threads[name] += int(count)
        lines.append((name, texts, int(count)))
    wanted = MAIN_THREAD if thread == "main" and MAIN_THREAD in threads else thread
    stacks = []
    for name, texts, samples in lines:
        if wanted not in ("all", "main") and name != wanted:
            continue
        if not keep_loop:
            starts = [i for i, text in enumerate(texts) if _LOOP_FRAME.match(text)]
            if starts and starts[-1] + 1 < len(texts):
                texts = texts[starts[-1] + 1 :]
        stacks.append(([parse_frame(text) for text in texts], samples))
    return Profile(stacks, threads)


def group_of(file: str, patterns: dict[str, re.Pattern[str]]) -> str:
    for name, pattern in patterns.items():
        if pattern.search(file):
            return name
    return "other"


def share(part: int, total: int) -> str:
    return f"{part / total:6.1%}" if total else "     -"


def summarise(
    stacks: list[tuple[list[Frame], int]], detail: Iterable[tuple[str, re.Pattern[str]]], top: int
) -> str:
    patterns = {name: re.compile(regex) for name, regex in GROUPS.items()}
    total = sum(count for _, count in stacks)
    group_self: Counter[str] = Counter()
    group_incl: Counter[str] = Counter()
    func_self: Counter[Frame] = Counter()
    func_incl: Counter[Frame] = Counter()
    for frames, count in stacks:
        if not frames:
            continue
        leaf = frames[-1]
        func_self[leaf] += count
        group_self[group_of(leaf.file, patterns)] += count
        for frame in set(frames):  # a recursive function counts once per sample
            func_incl[frame] += count
        for name in {group_of(frame.file, patterns) for frame in frames}:
            group_incl[name] += count

    lines = [f"{total} samples", "", f"{'package':<16} {'self':>6} {'incl.':>6}"]
    for name in [*GROUPS, "other"]:
        if group_incl[name]:
            lines.append(
                f"{name:<16} {share(group_self[name], total)} {share(group_incl[name], total)}"
            )
    for title, pattern in detail:
        frames = [frame for frame in func_incl if pattern.search(frame.file)]
        frames.sort(key=lambda frame: (-func_incl[frame], -func_self[frame]))
        lines += [
            "",
            f"{title}: top {top} by inclusive share",
            f"{'incl.':>6} {'self':>6}  function",
        ]
        for frame in frames[:top]:
            lines.append(
                f"{share(func_incl[frame], total)} {share(func_self[frame], total)}  "
                f"{frame.function}"
            )
        if not frames:
            lines.append("    (no samples)")
    return "\n".join(lines)


def detail_patterns(prefixes: list[str] | None) -> list[tuple[str, re.Pattern[str]]]:
    """A package name of GROUPS, or a path prefix (`bot/services/`, `aiogram_dialog/manager`)."""
    chosen = []
    for prefix in prefixes or DEFAULT_DETAIL:
        regex = GROUPS.get(prefix, r"(^|/)" + re.escape(prefix))
        chosen.append((prefix, re.compile(regex)))
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path, help="a collapsed-stacks file (py-spy --format raw)")
    parser.add_argument(
        "--prefix",
        action="append",
        help="a package of the table or a file path prefix to list the top functions of; "
        f"repeatable (default: {', '.join(DEFAULT_DETAIL)})",
    )
    parser.add_argument("--top", type=int, default=12, help="functions per prefix (12)")
    parser.add_argument(
        "--thread",
        default="main",
        help="the thread to summarise, by name: main (the default), all, or e.g. Thread-2",
    )
    parser.add_argument("--keep-loop", action="store_true", help="keep the event loop's own frames")
    args = parser.parse_args(argv)
    if not args.profile.is_file():
        print(f"{args.profile}: no such file", file=sys.stderr)
        return 2
    profile = read_profile(args.profile, thread=args.thread, keep_loop=args.keep_loop)
    if len(profile.threads) > 1 or "" not in profile.threads:
        print("samples per thread:")
        for name, count in profile.threads.most_common():
            print(f"{count:8}  {name or '(no thread frame)'}")
        print(f"summarised: {args.thread}\n")
    print(summarise(profile.stacks, detail_patterns(args.prefix), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
