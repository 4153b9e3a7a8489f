"""`hromada-bot`: the bot's one console script."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.i18n import Translations
    from bot.services.staff import Rights
    from storage.db import Database

NO_TOKEN_MESSAGE = """\
BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, open @BotFather, send /newbot and follow the steps; it replies with a token
     like 123456789:AAH...
  2. Put it in a file named .env in this folder (or in the environment):

         BOT_TOKEN=123456789:AAH...

  3. Run the bot again.

To try the bot without Telegram first, run `hromada-bot sandbox` (or `python3 dev.py run` with
no token configured): the real bot, a built-in Telegram emulator and a web page at
http://127.0.0.1:8080, with example data; nothing leaves this computer.
"""


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        lines = ["The bot's settings are not valid:"]
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]).upper() or "settings"
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"  {name}: {message}")
        lines.append("Fix them in the environment or in .env (see README.md, 'Settings').")
        raise SystemExit("\n".join(lines)) from None


# Libraries whose chatty levels print what members wrote: each is held at the level given, also
# with --verbose (which is for our own loggers: `bot`, `dialogs`, `storage`).
QUIET_LOGGERS = {
    "aiosqlite": logging.WARNING,  # DEBUG: every statement with its parameters
    "sqlalchemy": logging.WARNING,  # INFO: statements and parameters; DEBUG: rows
    "asyncpg": logging.WARNING,
    "aiogram.event": logging.WARNING,  # update contents
    "aiogram_dialog": logging.INFO,  # DEBUG: chats, with members' Telegram names
    "aiohttp.access": logging.WARNING,
    "aiohttp.client": logging.WARNING,
    "httpx": logging.WARNING,  # INFO: request URLs, the bot's token in them
    "httpcore": logging.WARNING,
    "redis": logging.WARNING,
}


def _configure_logging(verbose: bool = False, log_format: str = "text") -> None:
    """The bot's logging: INFO, or DEBUG with --verbose; never SQL parameters or message text.
    LOG_FORMAT=json writes one JSON object per line (bot/observability.py JsonLogFormatter)."""
    if log_format == "json":
        from bot.observability import JsonLogFormatter

        handler = logging.StreamHandler()
        handler.setFormatter(JsonLogFormatter())
        logging.basicConfig(handlers=[handler])
    else:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.DEBUG if verbose else logging.INFO)
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def _run(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.bot_token is None:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return 2
    _configure_logging(args.verbose, settings.log_format)
    from bot.__main__ import TelegramRefused, run_bot
    from bot.content import ContentError
    from bot.i18n import LocaleFilesError

    try:
        asyncio.run(run_bot(settings))
    except (ContentError, LocaleFilesError) as error:
        print(f"The bot's content is not valid, so it will not start:\n  {error}", file=sys.stderr)
        return 2
    except TelegramRefused as error:
        print(f"The bot will not start: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    """The sandbox: no settings are read, it brings its own (bot/sandbox/runner.py)."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.WARNING)
    from bot.content import ContentError
    from bot.i18n import LocaleFilesError
    from bot.sandbox.runner import SandboxOptions, run_sandbox
    from bot.sandbox.seed import SeedError
    from bot.services.katottg import CodifierError

    options = SandboxOptions(host=args.host, port=args.port, data_dir=Path(args.data_dir))
    try:
        return asyncio.run(run_sandbox(options))
    except (ContentError, LocaleFilesError) as error:
        print(
            f"The bot's content is not valid, so the sandbox will not start:\n  {error}",
            file=sys.stderr,
        )
        return 2
    except (SeedError, CodifierError) as error:
        print(f"The sandbox could not create its example data:\n  {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    settings = _settings()

    async def upgrade_and_sync() -> None:
        from bot.__main__ import Content, prepare_database

        db = await prepare_database(settings, Content.load())
        await db.close()

    asyncio.run(upgrade_and_sync())
    print(f"Database is at the latest schema: {_safe_url(settings.database_url)}")
    return 0


# Exit codes of `db backup`: written, not written (see the message), PostgreSQL (use pg_dump).
BACKED_UP, BACKUP_REFUSED, USE_PG_DUMP = 0, 1, 2


def _db_backup(args: argparse.Namespace) -> int:
    """An online copy of the SQLite database; for PostgreSQL, the pg_dump/pg_restore commands."""
    settings = _settings()
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
    settings = _settings()
    from bot.services.katottg import (
        CodifierError,
        import_codifier,
        import_shipped_codifier,
    )
    from storage.db import Database
    from storage.migrate import upgrade

    async def run() -> str:
        db = Database.from_url(settings.database_url)
        try:
            await upgrade(db.engine)
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
        finally:
            await db.close()

    try:
        print(asyncio.run(run()))
    except CodifierError as error:
        print(f"Import refused, nothing was changed:\n  {error}", file=sys.stderr)
        return 1
    return 0


def _admin_grant(args: argparse.Namespace) -> int:
    settings = _settings()
    from bot.__main__ import Content, prepare_database
    from bot.services.staff import StaffService, UnknownAssociation
    from storage.models import StaffRole

    role = StaffRole(args.role)
    if role == StaffRole.STAFF and not args.association:
        print(
            "Staff rights belong to one association: add its code (vag, aotg, uaror).",
            file=sys.stderr,
        )
        return 2

    async def run() -> bool:
        db = await prepare_database(settings, Content.load())
        try:
            service = StaffService(db, settings.admin_ids)
            return await service.grant(
                args.user_id, role, args.association if role == StaffRole.STAFF else None
            )
        finally:
            await db.close()

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
    settings = _settings()
    from bot.__main__ import Content, prepare_database
    from bot.services.staff import (
        NotHeld,
        Revoked,
        SettingsAdmin,
        StaffService,
        UnknownAssociation,
    )
    from storage.models import StaffRole

    role = StaffRole(args.role)
    if role == StaffRole.STAFF and not args.association:
        print(
            "Staff rights belong to one association: add its code (vag, aotg, uaror).",
            file=sys.stderr,
        )
        return BAD_ARGUMENT
    code = args.association if role == StaffRole.STAFF else None
    where = f" of {code}" if code else ""

    async def run() -> tuple[Revoked, bool | None]:
        content = Content.load()
        db = await prepare_database(settings, content)
        try:
            revoked = await StaffService(db, settings.admin_ids).revoke(args.user_id, role, code)
            refreshed = await _refresh_commands(settings, db, content.translations, revoked.rights)
            return revoked, refreshed
        finally:
            await db.close()

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
    from bot.__main__ import create_bot
    from bot.commands import refresh_chat_commands
    from bot.services.members import MemberService

    bot = create_bot(settings)
    try:
        return await refresh_chat_commands(bot, MemberService(db), translations, rights)
    finally:
        await bot.session.close()


def _admin_list(_args: argparse.Namespace) -> int:
    settings = _settings()
    from datetime import datetime

    from bot.__main__ import Content, prepare_database
    from bot.services.staff import Roster, StaffService

    async def run() -> Roster:
        db = await prepare_database(settings, Content.load())
        try:
            return await StaffService(db, settings.admin_ids).roster()
        finally:
            await db.close()

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


def _kb_check(args: argparse.Namespace) -> int:
    from bot.i18n import LocaleFilesError, Translations
    from bot.services.knowledge import KB_DIR, read_knowledge_base
    from dialogs.knowledge_texts import oversized_messages

    directory = Path(args.directory) if args.directory else KB_DIR
    knowledge, problems = read_knowledge_base(directory)
    if knowledge is not None:
        try:
            translations = Translations()
        except LocaleFilesError as error:
            problems.append(f"locales: {error}")
        else:
            problems.extend(oversized_messages(knowledge, {t.locale: t for t in translations}))
    if problems:
        print(f"The knowledge base in {directory} has {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    assert knowledge is not None
    print(
        f"The knowledge base is valid: {len(knowledge.entries)} entries in "
        f"{len(knowledge.topics)} topics, both languages, every message within Telegram's limits."
    )
    return 0


def _kb_search(args: argparse.Namespace) -> int:
    import json

    from bot.content import ContentError
    from bot.services.kb_search import KnowledgeSearch
    from bot.services.knowledge import KnowledgeBase

    try:
        knowledge = KnowledgeBase.load()
    except ContentError as error:
        print(f"The knowledge base is not valid:\n  {error}", file=sys.stderr)
        return 2
    search = KnowledgeSearch(knowledge)

    def result(query: str) -> dict[str, object]:
        found = search.search(query, limit=args.limit)
        return {
            "query": query,
            "confident": found.confident,
            "results": [
                {
                    "slug": hit.slug,
                    "title": knowledge.entry(hit.slug).title.get(args.lang),  # type: ignore[union-attr]
                    "score": hit.score,
                }
                for hit in found.hits
            ],
        }

    queries = (
        (line.rstrip("\r\n") for line in sys.stdin) if args.query == "-" else iter([args.query])
    )
    for query in queries:
        if args.query == "-" and not query.strip():
            continue
        found = result(query)
        if args.json:
            print(json.dumps(found, ensure_ascii=False), flush=True)
            continue
        mark = "confident" if found["confident"] else "not confident"
        print(f"{query}  [{mark}]")
        for item in found["results"]:  # type: ignore[attr-defined]
            print(f"  {item['score']:8.3f}  {item['slug']}: {item['title']}")
    return 0


def _kb_drafts(args: argparse.Namespace) -> int:
    settings = _settings()
    from datetime import datetime

    from bot.services.questions import Draft, QuestionService, draft_yaml
    from storage.db import Database
    from storage.migrate import upgrade

    output = Path(args.output)
    today = datetime.now(settings.tz).date()

    def write(drafts: list[Draft]) -> list[Path]:
        output.mkdir(parents=True, exist_ok=True)
        paths = []
        for draft in drafts:
            path = output / f"draft-{draft.id}.yaml"
            path.write_text(draft_yaml(draft, today), encoding="utf-8")
            paths.append(path)
        return paths

    async def run() -> list[Path]:
        db = Database.from_url(settings.database_url)
        try:
            await upgrade(db.engine)
            questions = QuestionService(db)
            drafts = await questions.drafts()
            paths = await asyncio.to_thread(write, drafts)
            # Written first, marked after: a failure in between only writes them again.
            await questions.mark_exported(draft.id for draft in drafts)
            return paths
        finally:
            await db.close()

    paths = asyncio.run(run())
    if not paths:
        print("No new knowledge-base drafts.")
    for path in paths:
        print(path)
    return 0


def _export_issues(args: argparse.Namespace) -> int:
    settings = _settings()
    from datetime import date, datetime

    from bot.content import CONTENT_DIR, load_associations
    from bot.i18n import Translations
    from bot.services.export import export_reports, file_name
    from bot.services.hromadas import load_oblasts
    from bot.services.report_rules import load_report_rules
    from storage.db import Database
    from storage.migrate import upgrade

    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            print(f"--since {args.since!r} is not a date: write it as YYYY-MM-DD.", file=sys.stderr)
            return 2
    codes = [a.code for a in load_associations()]
    if args.association and _unknown_association(args.association, codes):
        return 2
    output = Path(args.output or file_name(datetime.now(settings.tz).date(), args.format))
    if output.is_dir():
        output = output / file_name(datetime.now(settings.tz).date(), args.format)

    async def run() -> bytes:
        db = Database.from_url(settings.database_url)
        try:
            await upgrade(db.engine)
            return await export_reports(
                db,
                load_report_rules(),
                load_oblasts(CONTENT_DIR / "oblasts.yaml"),
                Translations().get("uk"),
                association=args.association,
                since=since,
                fmt=args.format,
                tz=settings.tz,
            )
        finally:
            await db.close()

    data = asyncio.run(run())
    try:
        output.write_bytes(data)
    except OSError as error:
        print(f"Cannot write {output}: {error.strerror}.", file=sys.stderr)
        return 1
    print(output)
    return 0


def _digest_send(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.bot_token is None:
        print(NO_TOKEN_MESSAGE.replace("Run the bot", "Send the digest"), file=sys.stderr)
        return 2
    from bot.content import load_associations
    from bot.services.digests import JOINT, RunResult

    codes = [a.code for a in load_associations()]
    if args.association and _unknown_association(args.association, codes):
        return 2
    keys = ([args.association] if args.association else []) + ([JOINT] if args.joint else [])

    async def run() -> list[RunResult]:
        from bot.__main__ import Content, create_bot, prepare_database
        from dialogs.digest_texts import Names, create_digest_scheduler

        content = Content.load()
        db = await prepare_database(settings, content)
        bot = create_bot(settings)
        try:
            names = Names.of(content.report_rules, content.oblasts, content.associations)
            scheduler = create_digest_scheduler(bot, db, settings, content.translations, names)
            return await scheduler.send_now(keys or codes)
        finally:
            await bot.session.close()
            await db.close()

    results = asyncio.run(run())
    if not results:
        print("No bound staff group receives that digest: bind one with /bind in the group.")
        return 1
    for result in results:
        target, outcome = result.target, result.outcome
        what = "joint digest" if target.key == JOINT else f"digest of {target.key}"
        state = "sent" if outcome.sent else f"NOT sent ({outcome.error})"
        print(f"{what} to chat {outcome.chat_id}: {state}")
    return 0 if all(r.outcome.sent for r in results) else 1


def _member_find(args: argparse.Namespace) -> int:
    """Who a request by e-mail or letter is about: members by name (and hromada) or phone."""
    settings = _settings()
    from bot.content import CONTENT_DIR
    from bot.i18n import Translations
    from bot.services.hromadas import load_oblasts
    from bot.services.privacy import PersonFound, PrivacyService
    from storage.db import Database
    from storage.migrate import upgrade

    async def run() -> list[PersonFound]:
        db = Database.from_url(settings.database_url)
        try:
            await upgrade(db.engine)
            return await PrivacyService(db, settings.admin_ids).find(args.query, limit=args.limit)
        finally:
            await db.close()

    found = asyncio.run(run())
    if not found:
        print(f"No member matches {args.query!r}.", file=sys.stderr)
        return 1
    t = Translations().get("uk")
    oblasts = {o.code: o.name_uk for o in load_oblasts(CONTENT_DIR / "oblasts.yaml")}
    for person in found:
        role = t(f"role-{person.role}") if person.role else "—"
        place = ", ".join(filter(None, (person.hromada, oblasts.get(person.oblast_code or ""))))
        registered = (
            person.registered_at.astimezone(settings.tz).date().isoformat()
            if person.registered_at
            else "registration not finished"
        )
        print(
            f"{person.telegram_id}\t{person.full_name or '—'}\t{role}\t{place or '—'}\t{registered}"
        )
    return 0


def _member_export(args: argparse.Namespace) -> int:
    """Everything the bot holds about one member, for a request by e-mail or letter."""
    settings = _settings()
    from datetime import datetime

    from bot.__main__ import Content, prepare_database
    from bot.i18n import resolve_locale
    from bot.services.privacy import NoSuchMember, PrivacyService
    from dialogs.privacy_texts import ExportNames, export_html, export_json

    today = datetime.now(settings.tz).date()
    default_name = f"member-{args.user_id}-{today.isoformat()}.json"
    output = Path(args.output or default_name)
    if output.is_dir():
        output = output / default_name
    page_path = output.with_suffix(".html")
    content = Content.load()

    async def run() -> dict[str, object]:
        db = await prepare_database(settings, content)
        try:
            return await PrivacyService(db, settings.admin_ids).export(args.user_id)
        finally:
            await db.close()

    try:
        data = asyncio.run(run())
    except NoSuchMember:
        print(f"No member has the Telegram id {args.user_id}.", file=sys.stderr)
        return 1
    profile = data["profile"]
    assert isinstance(profile, dict)
    t = content.translations.get(resolve_locale(profile.get("locale"), None))
    names = ExportNames.of(content.report_rules, content.oblasts, content.associations)
    try:
        output.write_bytes(export_json(data))
        page_path.write_text(export_html(t, data, names, settings.tz), encoding="utf-8")
    except OSError as error:
        print(f"Cannot write {error.filename}: {error.strerror}.", file=sys.stderr)
        return 1
    print(output)
    print(page_path)
    return 0


def _member_forget(args: argparse.Namespace) -> int:
    """Delete one member's profile (a request by e-mail or letter), as /privacy does."""
    settings = _settings()
    if not args.yes:
        if not sys.stdin.isatty():
            print(
                "Not deleting without a confirmation: run it in a terminal, or add --yes.",
                file=sys.stderr,
            )
            return 2
        reply = input(
            f"Delete the profile of Telegram user {args.user_id}? It cannot be undone. "
            "Type 'yes' to delete: "
        )
        if reply.strip().lower() != "yes":
            print("Nothing was deleted.")
            return 1
    from bot.__main__ import Content, create_bot, prepare_database
    from bot.services.hromadas import HromadaDirectory
    from bot.services.privacy import Erasure, NoSuchMember, PrivacyService, StaffMustBeRevoked
    from bot.services.questions import QuestionService
    from bot.services.reports import ReportService
    from dialogs.privacy_cards import edit_cards_after_erasure
    from storage.fsm import create_fsm_storage, forget_user

    content = Content.load()

    async def run() -> Erasure:
        db = await prepare_database(settings, content)
        try:
            erasure = await PrivacyService(db, settings.admin_ids).erase(
                args.user_id, by_operator=True
            )
            if settings.redis_url:
                storage, isolation = create_fsm_storage(db, settings.redis_url)
                try:
                    await forget_user(storage, args.user_id)
                finally:
                    await storage.close()
                    await isolation.close()
            if settings.bot_token is not None and erasure.cards:
                bot = create_bot(settings)
                try:
                    await edit_cards_after_erasure(
                        bot,
                        erasure,
                        translations=content.translations,
                        reports=ReportService(
                            db, content.report_rules, settings.admin_ids, timezone=settings.timezone
                        ),
                        questions=QuestionService(
                            db, settings.admin_ids, hromadas=HromadaDirectory(db, content.oblasts)
                        ),
                        tz=settings.tz,
                    )
                finally:
                    await bot.session.close()
            return erasure
        finally:
            await db.close()

    try:
        erasure = asyncio.run(run())
    except NoSuchMember:
        print(f"No member has the Telegram id {args.user_id}.", file=sys.stderr)
        return 1
    except StaffMustBeRevoked:
        print(
            f"User {args.user_id} holds staff rights; their work as staff is the associations' "
            f"record. Revoke the rights first (hromada-bot admin revoke {args.user_id} ...; "
            "an admin from ADMIN_IDS leaves that setting), then delete the profile.",
            file=sys.stderr,
        )
        return 1
    removed = ", ".join(
        f"{kind.replace('_', ' ')}: {count}" for kind, count in erasure.removed.items()
    )
    print(f"The profile of Telegram user {args.user_id} was deleted ({removed}).")
    if not erasure.cards:
        print("No staff card showed the member.")
    elif settings.bot_token is not None:
        print(f"{erasure.cards} staff card(s) in the groups were edited to drop the member.")
    else:
        print(
            f"BOT_TOKEN is not set, so {erasure.cards} staff card(s) in the groups still show "
            "the member and were not edited. Delete these messages in the groups by hand:"
        )
        for card in erasure.verification_cards:
            print(f"  verification card: chat {card.chat_id}, message {card.message_id}")
        for report_id in erasure.report_ids:
            print(f"  the cards of report id {report_id} (open it with /queue to find them)")
        for question_id in erasure.question_ids:
            print(f"  the cards of question {question_id}")
    return 0


def _retention_run(args: argparse.Namespace) -> int:
    settings = _settings()
    from bot.services.retention import RetentionPeriods, RetentionService, SweepCounts
    from storage.db import Database
    from storage.fsm import create_fsm_storage
    from storage.migrate import upgrade

    periods = RetentionPeriods.from_settings(settings)

    async def run() -> SweepCounts:
        db = Database.from_url(settings.database_url)
        storage, isolation = create_fsm_storage(db, settings.redis_url)
        try:
            await upgrade(db.engine)
            service = RetentionService(
                db, periods, keep_telegram_ids=settings.admin_ids, storage=storage
            )
            return await service.sweep(dry_run=args.dry_run)
        finally:
            await storage.close()
            await isolation.close()
            await db.close()

    counts = asyncio.run(run())
    if args.dry_run:
        print("Dry run, nothing was changed. A run now would remove:")
    else:
        print("Removed:")
    lines = (
        ("unfinished registrations", counts.unfinished_registrations, periods.unfinished_days),
        ("report drafts", counts.report_drafts, periods.draft_days),
        ("dialog state records", counts.dialog_states, periods.dialog_days),
        ("announcement delivery rows", counts.delivery_rows, periods.delivery_days),
        ("audit entries cleared of personal values", counts.audit_entries, periods.audit_days),
    )
    for what, count, days in lines:
        print(f"  {what} (older than {days} days): {count}")
    return 0


def _unknown_association(code: str, codes: list[str]) -> bool:
    """True (and the valid codes said) when no association has `code`."""
    if code in codes:
        return False
    known = ", ".join(codes)
    print(f"No association has the code {code!r}; the codes are: {known}.", file=sys.stderr)
    return True


def _safe_url(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hromada-bot",
        description="Telegram bot of Ukraine's national associations of local self-government.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot (long polling, or webhook if WEBHOOK_URL)")
    run.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    run.set_defaults(handler=_run)

    sandbox = commands.add_parser(
        "sandbox",
        help="try the bot without Telegram: the real bot, a built-in Telegram emulator and a "
        "web page playing every persona, with example data",
        description="The real bot against a built-in Telegram emulator, and a web page at "
        "http://127.0.0.1:8080 that acts as hromada heads, officers and an admin. Nothing leaves "
        "this computer; no BOT_TOKEN, database or Redis is needed, and none configured is used.",
    )
    sandbox.add_argument(
        "--host",
        help="address of the page (default 127.0.0.1; any other lets whoever reaches it act "
        "as every persona)",
    )
    sandbox.add_argument("--port", type=int, default=8080, help="port of the page (default 8080)")
    sandbox.add_argument(
        "--data-dir",
        default="var/sandbox",
        help="where the sandbox keeps its database, chats and log (default ./var/sandbox)",
    )
    sandbox.set_defaults(handler=_sandbox)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations and sync content tables").set_defaults(
        handler=_db_upgrade
    )
    backup = db_commands.add_parser(
        "backup",
        help="copy the SQLite database while the bot runs (PostgreSQL: says how to use pg_dump)",
        epilog="Exit codes: 0 written, 1 not written (the file exists without --force, no "
        "database, a failed copy), 2 the database is PostgreSQL: use the pg_dump it prints.",
    )
    backup.add_argument("path", help="the backup file to write, e.g. backups/hromada-DATE.sqlite3")
    backup.add_argument("--force", action="store_true", help="replace the file if it exists")
    backup.set_defaults(handler=_db_backup)

    hromadas = commands.add_parser("hromadas", help="the КАТОТТГ codifier of hromadas")
    hromada_commands = hromadas.add_subparsers(
        dest="hromadas_command", required=True, metavar="ACTION"
    )
    importer = hromada_commands.add_parser(
        "import",
        help="import the ministry's CSV or XLSX file",
        description="Import or update the КАТОТТГ codifier from the ministry's file. Without "
        "FILE: the edition that ships with the bot, into a database that has none yet (the bot "
        "does this itself on its first start).",
    )
    importer.add_argument(
        "file", nargs="?", metavar="FILE", help="path to kodifikator-*.csv or .xlsx"
    )
    importer.set_defaults(handler=_hromadas_import)

    kb = commands.add_parser("kb", help="the reform knowledge base under content/kb/")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    check = kb_commands.add_parser("check", help="validate every entry; exit 1 on problems")
    check.add_argument("--directory", help="a knowledge-base folder other than content/kb/")
    check.set_defaults(handler=_kb_check)
    search = kb_commands.add_parser("search", help="search the knowledge base")
    search.add_argument("query", help="the question; '-' reads one question per line from stdin")
    search.add_argument("--lang", choices=["uk", "en"], default="uk", help="language of titles")
    search.add_argument("--limit", type=int, default=3, help="results per question (default 3)")
    search.add_argument("--json", action="store_true", help="one JSON object per question")
    search.set_defaults(handler=_kb_search)
    drafts = kb_commands.add_parser(
        "drafts", help="write new drafts made from staff answers as YAML entries for review"
    )
    drafts.add_argument("--output", default="kb-drafts", help="folder (default ./kb-drafts/)")
    drafts.set_defaults(handler=_kb_drafts)

    admin = commands.add_parser("admin", help="staff rights")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    grant = admin_commands.add_parser("grant", help="make a Telegram user staff or admin")
    grant.add_argument("user_id", type=int, help="Telegram user id")
    grant.add_argument("role", choices=["staff", "admin"])
    grant.add_argument("association", nargs="?", help="association code (for staff)")
    grant.set_defaults(handler=_admin_grant)
    revoke = admin_commands.add_parser(
        "revoke",
        help="take a right back (not from ADMIN_IDS admins)",
        epilog="Exit codes: 0 revoked, 1 the user does not hold that right, 2 a wrong argument "
        "(an unknown association code), 3 an admin from the ADMIN_IDS setting.",
    )
    revoke.add_argument("user_id", type=int, help="Telegram user id")
    revoke.add_argument("role", choices=["staff", "admin"])
    revoke.add_argument("association", nargs="?", help="association code (for staff)")
    revoke.set_defaults(handler=_admin_revoke)
    admin_commands.add_parser(
        "list", help="who holds which right since when, and the invite links still working"
    ).set_defaults(handler=_admin_list)
    export = commands.add_parser("export", help="spreadsheets for the associations' staff")
    export_commands = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    issues = export_commands.add_parser(
        "issues", help="every urgent-issue report, one row each (XLSX or CSV)"
    )
    issues.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    issues.add_argument("--association", metavar="CODE", help="only this association's reports")
    issues.add_argument("--since", metavar="YYYY-MM-DD", help="only reports created from this day")
    issues.add_argument(
        "--output", metavar="PATH", help="file to write (default ./reports-YYYY-MM-DD.xlsx)"
    )
    issues.set_defaults(handler=_export_issues)

    digest = commands.add_parser("digest", help="the secretariats' digests")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True, metavar="ACTION")
    send = digest_commands.add_parser(
        "send",
        help="send digests now to the bound groups (default: every association's own digest)",
    )
    send.add_argument("--association", metavar="CODE", help="this association's digest")
    send.add_argument("--joint", action="store_true", help="the joint digest, to every bound group")
    send.set_defaults(handler=_digest_send)

    retention = commands.add_parser("retention", help="delete personal data past its period")
    retention_commands = retention.add_subparsers(
        dest="retention_command", required=True, metavar="ACTION"
    )
    retention_run = retention_commands.add_parser(
        "run", help="apply the RETENTION_* periods now (the bot also does it daily at 03:30)"
    )
    retention_run.add_argument(
        "--dry-run", action="store_true", help="count what would go, change nothing"
    )
    retention_run.set_defaults(handler=_retention_run)

    member = commands.add_parser("member", help="a member's data: requests by e-mail or letter")
    member_commands = member.add_subparsers(dest="member_command", required=True, metavar="ACTION")
    member_find = member_commands.add_parser(
        "find", help="members by name (and hromada) or phone: Telegram id, position, place"
    )
    member_find.add_argument("query", help="words of the name or hromada, or 7+ digits of a phone")
    member_find.add_argument("--limit", type=int, default=20, help="at most this many (20)")
    member_find.set_defaults(handler=_member_find)
    member_export = member_commands.add_parser(
        "export", help="everything the bot holds about a member, as JSON and readable HTML"
    )
    member_export.add_argument("user_id", type=int, help="the member's Telegram user id")
    member_export.add_argument(
        "--output",
        metavar="PATH",
        help="JSON file to write (default ./member-ID-YYYY-MM-DD.json); the HTML goes beside it",
    )
    member_export.set_defaults(handler=_member_export)
    forget = member_commands.add_parser(
        "forget", help="delete a member's profile and edit the staff cards that showed them"
    )
    forget.add_argument("user_id", type=int, help="the member's Telegram user id")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.set_defaults(handler=_member_forget)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.handler(args))
