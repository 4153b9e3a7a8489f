"""The emulator's state on disk: one JSON file, and the files' bytes in a folder beside it.

Writes are atomic (a temporary file renamed over the old one), so a crash leaves the previous
state, never half of one. A state file that cannot be read is moved aside with a warning and
the emulator starts empty: nothing is lost silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)

FORMAT = "hromada-bot emulator state"
VERSION = 1
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,120}$")


class StateFile:
    """`path` (JSON) and `<stem>-files/` holding one blob per known file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.files_dir = self.path.with_name(self.path.stem + "-files")
        self._written: set[str] = set()

    @staticmethod
    def blob_name(file_id: str) -> str:
        """A file name for a file id (ids chosen by a test may hold any character)."""
        if _SAFE_NAME.match(file_id):
            return file_id
        return "h-" + hashlib.sha256(file_id.encode()).hexdigest()

    def load(self) -> dict[str, Any] | None:
        """The saved state with `files` (content included), or None when there is none."""
        if not self.path.exists():
            return None
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(state, dict) or state.get("format") != FORMAT:
                raise ValueError("not an emulator state file")
            if state.get("version") != VERSION:
                raise ValueError(f"unknown version {state.get('version')!r}")
            files = state.get("files", {})
            if not isinstance(files, dict):
                raise ValueError("files is not an object")
        except (OSError, ValueError) as error:
            self.set_aside(str(error))
            return None
        records: dict[str, dict[str, Any]] = {}
        for file_id, meta in files.items():
            record = dict(meta)
            blob = self.files_dir / str(record.pop("blob", self.blob_name(file_id)))
            try:
                record["content"] = blob.read_bytes()
                self._written.add(blob.name)
            except OSError:
                _log.warning("emulator state: the bytes of file %s are missing (%s)", file_id, blob)
                record["content"] = b""
            records[file_id] = record
        state["files"] = records
        return state

    def set_aside(self, reason: str) -> Path | None:
        """Move an unreadable state file out of the way (kept for a person to inspect)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        number = 1
        while aside.exists():  # never overwrite an earlier one
            number += 1
            aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}-{number}")
        try:
            self.path.replace(aside)
        except OSError as error:
            _log.warning(
                "emulator state %s is unreadable (%s) and could not be moved aside (%s); "
                "starting empty",
                self.path,
                reason,
                error,
            )
            return None
        _log.warning(
            "emulator state %s is unreadable (%s); moved to %s, starting empty",
            self.path,
            reason,
            aside,
        )
        return aside

    def save(self, state: Mapping[str, Any], files: Mapping[str, Mapping[str, Any]]) -> None:
        """Write the state and any file bytes not written yet; atomic per file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        metas: dict[str, dict[str, Any]] = {}
        for file_id, record in files.items():
            name = self.blob_name(file_id)
            if name not in self._written:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                _atomic_write(self.files_dir / name, bytes(record.get("content") or b""))
                self._written.add(name)
            metas[file_id] = {k: v for k, v in record.items() if k != "content"} | {"blob": name}
        document = {"format": FORMAT, "version": VERSION, **state, "files": metas}
        _atomic_write(self.path, json.dumps(document, ensure_ascii=False).encode())

    def delete(self) -> None:
        """Remove the state file and the files folder."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        shutil.rmtree(self.files_dir, ignore_errors=True)
        self._written.clear()


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
