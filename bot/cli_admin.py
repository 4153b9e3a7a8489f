"""`hromada-bot db …`, `hromadas import` and `admin …`: the database and who administers the bot."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.i18n import Translations
    from bot.services.staff import Rights
    from storage.db import Database
    from storage.models import StaffRole

from bot.cli_common import command_database, load_settings, safe_url


def _db_upgrade(_args: argparse.Namespace) -> int:
    settings = load_settings()

    async def upgrade_and_sync() -> None:
        from bot.app import Content, prepare_database

        db = await prepare_database(settings, Content.load())
        await db.close()

    asyncio.run(upgrade_and_sync())
    print(f"Database is at the latest schema: {safe_url(settings.database_url)}")
    return 0


# Exit codes of `db backup`: written, not written (see the message), PostgreSQL (use pg_dump).
BACKED_UP, BACKUP_REFUSED, USE_PG_DUMP = 0, 1, 2


def _db_backup(args: argparse.Namespace) -> int:
    """An online copy of the SQLite database; for PostgreSQL, the pg_dump/pg_restore commands."""
    settings = load_settings()
    from storage.backup import BackupError, backup_sqlite, postgres_commands

    if settings.database_url.startswith("postgresql"):
        commands = postgres_commands(settings.database_url, args.path)
        lines = [
            "DATABASE_URL is a PostgreSQL database: back it up with PostgreSQL's own pg_dump "
            "(safe while the bot runs); this command copies only SQLite databases.",
            "",
            "Back up:",
            f"  {commands.dump}",
            "Restore (stop the bot first; then 'hromada-bot db upgrade', and start it):",
            f"  {commands.restore}",
        ]
        if commands.password_needed:
            lines.append("The password is not shown: give it in PGPASSWORD or ~/.pgpass.")
        if commands.ignored_options:
            lines.append(
                f"DATABASE_URL's options ({', '.join(commands.ignored_options)}) are not in "
                "these commands: set their libpq equivalents (PGSSLMODE for ssl)."
            )
        lines.append("See README.md, 'Running in production'.")
        print("\n".join(lines), file=sys.stderr)
        return USE_PG_DUMP
    source = settings.sqlite_path()
    if source is None:
        print("DATABASE_URL names no SQLite file, so there is nothing to back up.", file=sys.stderr)
        return BACKUP_REFUSED
    try:
        summary = backup_sqlite(source, Path(args.path), overwrite=args.force)
    except BackupError as error:
        print(f"No backup was made: {error}", file=sys.stderr)
        return BACKUP_REFUSED
    revision = summary.revision or "none"
    print(
        f"Backed up {source} to {summary.path}: {_size(summary.size_bytes)}, "
        f"schema revision {revision}, SQLite's integrity check ok."
    )
    filled = {table: rows for table, rows in summary.rows.items() if rows}
    print(f"{summary.total_rows} rows in {len(filled)} of {len(summary.rows)} tables:")
    width = max((len(table) for table in filled), default=0)
    for table, rows in filled.items():
        print(f"  {table:<{width}}  {rows}")
    return BACKED_UP


def _size(size: int) -> str:
    """Bytes for people: 512 bytes, 384.0 KiB, 12.5 MiB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1024 / 1024:.1f} MiB"


def _hromadas_import(args: argparse.Namespace) -> int:
    settings = load_settings()
    from bot.services.katottg import (
        CodifierError,
        import_codifier,
        import_shipped_codifier,
    )

    async def run() -> str:
        async with command_database(settings) as db:
            if args.file is not None:
                return (await import_codifier(db, Path(args.file))).format()
            # The shipped edition only fills an empty table: over a newer file it would be a
            # step back.
            report = await import_shipped_codifier(db)
            if report is None:
                return (
                    "The codifier is already imported; nothing was changed. To import a newer "
                    "edition, give its file: hromada-bot hromadas import kodifikator-*.csv"
                )
            return report.format()

    try:
        print(asyncio.run(run()))
    except CodifierError as error:
        print(f"Import refused, nothing was changed:\n  {error}", file=sys.stderr)
        return 1
    return 0


def _association_missing(role: StaffRole, association: str | None) -> bool:
    """True (and said) when a staff right names no association."""
    from storage.models import StaffRole

    if role != StaffRole.STAFF or association:
        return False
    print(
        "Staff rights belong to one association: add its code (vag, aotg, uaror).",
        file=sys.stderr,
    )
    return True


def _admin_grant(args: argparse.Namespace) -> int:
    settings = load_settings()
    from bot.app import Content
    from bot.services.staff import StaffService, UnknownAssociation
    from storage.models import StaffRole

    role = StaffRole(args.role)
    if _association_missing(role, args.association):
        return 2

    async def run() -> bool:
        async with command_database(settings, Content.load()) as db:
            service = StaffService(db, settings.admin_ids)
            return await service.grant(
                args.user_id, role, args.association if role == StaffRole.STAFF else None
            )

    try:
        created = asyncio.run(run())
    except UnknownAssociation as error:
        print(f"No association has the code {error.code!r}.", file=sys.stderr)
        return 2
    where = f" of {args.association}" if role == StaffRole.STAFF else ""
    if created:
        print(f"User {args.user_id} is now {role.value}{where}.")
    else:
        print(f"User {args.user_id} already was {role.value}{where}; nothing changed.")
    return 0


# Exit codes of `admin revoke`: revoked, nothing to revoke, a wrong argument, an ADMIN_IDS admin.
REVOKED, NOT_HELD, BAD_ARGUMENT, FROM_SETTINGS = 0, 1, 2, 3


def _admin_revoke(args: argparse.Namespace) -> int:
    settings = load_settings()
    from bot.app import Content
    from bot.services.staff import (
        NotHeld,
        Revoked,
        SettingsAdmin,
        StaffService,
        UnknownAssociation,
    )
    from storage.models import StaffRole

    role = StaffRole(args.role)
    if _association_missing(role, args.association):
        return BAD_ARGUMENT
    code = args.association if role == StaffRole.STAFF else None
    where = f" of {code}" if code else ""

    async def run() -> tuple[Revoked, bool | None]:
        content = Content.load()
        async with command_database(settings, content) as db:
            revoked = await StaffService(db, settings.admin_ids).revoke(args.user_id, role, code)
            refreshed = await _refresh_commands(settings, db, content.translations, revoked.rights)
            return revoked, refreshed

    try:
        revoked, refreshed = asyncio.run(run())
    except UnknownAssociation as error:
        print(f"No association has the code {error.code!r}.", file=sys.stderr)
        return BAD_ARGUMENT
    except SettingsAdmin:
        print(
            f"User {args.user_id} is an admin through the ADMIN_IDS setting, not the database: "
            "remove them from ADMIN_IDS and restart the bot.",
            file=sys.stderr,
        )
        return FROM_SETTINGS
    except NotHeld:
        print(f"User {args.user_id} is not {role.value}{where}; nothing changed.", file=sys.stderr)
        return NOT_HELD
    print(f"User {args.user_id} is no longer {role.value}{where}.")
    left = revoked.rights
    if left.is_staff:
        still = (["admin"] if left.is_admin else []) + [
            f"staff of {c}" for c in sorted(left.staff_of)
        ]
        print(f"They still are: {', '.join(still)}.")
    if revoked.invites_withdrawn:
        print(f"Invite links of theirs withdrawn: {revoked.invites_withdrawn}.")
    if refreshed is None:
        print(
            "BOT_TOKEN is not set here, so their command list in Telegram is unchanged until "
            "an admin revokes in the bot; the bot refuses them either way."
        )
    elif refreshed:
        print("Their command list in Telegram is updated.")
    else:
        print("They have no private chat with the bot, so no command list to update.")
    return REVOKED


async def _refresh_commands(
    settings: Settings, db: Database, translations: Translations, rights: Rights
) -> bool | None:
    """The user's command list after a revoke: None without BOT_TOKEN, else whether Telegram
    took it."""
    if settings.bot_token is None:
        return None
    from bot.app import create_bot
    from bot.services.members import MemberService
    from delivery.commands import refresh_chat_commands

    bot = create_bot(settings)
    try:
        return await refresh_chat_commands(bot, MemberService(db), translations, rights)
    finally:
        await bot.session.close()


def _admin_list(_args: argparse.Namespace) -> int:
    settings = load_settings()
    from datetime import datetime

    from bot.app import Content
    from bot.services.staff import Roster, StaffService

    async def run() -> Roster:
        async with command_database(settings, Content.load()) as db:
            return await StaffService(db, settings.admin_ids).roster()

    roster = asyncio.run(run())

    def when(moment: datetime | None) -> str:
        return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    def who(telegram_id: int, name: str | None) -> str:
        return f"{telegram_id} ({name})" if name else str(telegram_id)

    print(f"Rights ({len(roster.rights)}), times in {settings.timezone}:")
    for right in roster.rights:
        what = "admin" if right.association_code is None else f"staff of {right.association_code}"
        if right.from_settings:
            origin = "from ADMIN_IDS (revoke by editing the setting)"
        else:
            by = "the command line" if right.granted_by is None else str(right.granted_by)
            origin = f"since {when(right.granted_at)}, granted by {by}"
        print(f"  {who(right.telegram_id, right.name)}: {what}, {origin}")
    if not roster.rights:
        print("  nobody: grant one with 'hromada-bot admin grant USER_ID admin'")
    print(f"Invite links still working ({len(roster.invites)}):")
    for invite in roster.invites:
        print(
            f"  #{invite.id} for staff of {invite.association_code}, created by "
            f"{who(invite.created_by, invite.created_by_name)} on {when(invite.created_at)}, "
            f"expires {when(invite.expires_at)}"
        )
    return 0
