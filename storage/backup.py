"""Backups of the bot's database: an online copy of SQLite, the commands for PostgreSQL.

The SQLite copy goes through SQLite's own backup API in one step: it reads one consistent
snapshot (a read transaction; in WAL mode, which the bot uses, writers are never blocked) and
holds only committed data, so it is safe while the bot runs. It is written to a temporary file
beside the target, checked, and only then renamed into place: a failed or interrupted backup
never leaves a half-written file under the target's name.

PostgreSQL is backed up with its own tools, `pg_dump` and `pg_restore`; `postgres_commands`
spells them out for the database of a `DATABASE_URL`.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup that was not made; the message says why, for the operator."""


class TargetExists(BackupError):
    """The target file exists and overwriting was not asked for."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup file holds: its size, schema revision and rows per table."""

    path: Path
    size_bytes: int
    revision: str | None
    rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> BackupSummary:
    """Copy the SQLite database `source` to `target` while it may be in use; BackupError when
    the source is missing, the target exists (without `overwrite`) or the copy is damaged."""
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    if target.exists() and not overwrite:
        raise TargetExists(f"{target} exists; add --force to replace it.")
    if target.resolve() == source.resolve():
        raise BackupError("The backup must go to another file than the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    try:
        # mode=rw: a mistyped path fails instead of creating an empty database to back up.
        with _open(source, "rw") as src, closing(sqlite3.connect(partial)) as copy:
            # pages=-1: the whole database in one step, from one snapshot. Step by step, a
            # write between steps by the running bot would restart the copy, maybe forever.
            src.backup(copy, pages=-1)
            # The copy is one self-contained file, whatever the source's journal mode; the bot
            # switches a restored database back to WAL when it opens it.
            copy.execute("PRAGMA journal_mode=DELETE")
        summary = inspect_sqlite(partial)
        if target.exists() and not overwrite:
            raise TargetExists(f"{target} appeared while the backup was made; nothing replaced.")
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupError(f"The backup of {source} failed: {error}.") from error
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(target, target.stat().st_size, summary.revision, summary.rows)


def inspect_sqlite(path: Path) -> BackupSummary:
    """Rows per table and schema revision of a SQLite file; BackupError unless SQLite's
    integrity check passes."""
    with _open(path, "ro") as connection:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{path} failed SQLite's integrity check: {'; '.join(problems[:5])}")
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        rows = {
            table: connection.execute(f"SELECT count(*) FROM {_identifier(table)}").fetchone()[0]
            for table in tables
        }
        revision = None
        if "alembic_version" in tables:
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
    return BackupSummary(path, path.stat().st_size, revision, rows)


@dataclass(frozen=True)
class PostgresCommands:
    """The commands that back up and restore one PostgreSQL database."""

    dump: str
    restore: str
    password_needed: bool
    ignored_options: tuple[str, ...]


def postgres_commands(database_url: str, path: str) -> PostgresCommands:
    """`pg_dump` and `pg_restore` for the database of `database_url`, without its password."""
    url = make_url(database_url)
    connection = []
    if url.host:
        connection.append(f"--host={shlex.quote(url.host)}")
    if url.port:
        connection.append(f"--port={url.port}")
    if url.username:
        connection.append(f"--username={shlex.quote(url.username)}")
    connection.append(f"--dbname={shlex.quote(url.database or 'postgres')}")
    where = " ".join(connection)
    target = shlex.quote(path)
    return PostgresCommands(
        # Custom format: compressed, and pg_restore can restore all of it or single tables.
        dump=f"pg_dump --format=custom --no-owner {where} --file={target}",
        # Into the stopped bot's database: drops what the dump holds and recreates it, all in
        # one transaction, so a failed restore leaves the database as it was.
        restore=f"pg_restore --clean --if-exists --no-owner --single-transaction {where} {target}",
        password_needed=url.password is not None,
        ignored_options=tuple(sorted(url.query)),
    )


def _open(path: Path, mode: str) -> closing[sqlite3.Connection]:
    """A connection to an existing file (`mode` ro or rw), closed on leaving the block (sqlite3's
    own context manager only ends a transaction). Waits up to 30 s for a writer's lock."""
    return closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30))


def _identifier(name: str) -> str:
    """A table name read from the file's own schema, quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
