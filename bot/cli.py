"""`hromada-bot`: the bot's one console script."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli_admin import (
    _admin_grant,
    _admin_list,
    _admin_revoke,
    _db_backup,
    _db_upgrade,
    _hromadas_import,
)
from bot.cli_common import NO_TOKEN_MESSAGE, load_settings
from bot.cli_data import (
    _digest_send,
    _export_issues,
    _kb_check,
    _kb_drafts,
    _kb_search,
    _member_export,
    _member_find,
    _member_forget,
    _retention_run,
)

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
    settings = load_settings()
    if settings.bot_token is None:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return 2
    _configure_logging(args.verbose, settings.log_format)
    # Start-up makes a few hundred thousand objects that live as long as the process; the
    # collector's full passes over them while they are made cost a tenth of a second or more.
    # `run_bot` freezes them and turns it back on once the content is loaded.
    gc.disable()
    from bot.content import ContentError
    from bot.i18n import LocaleFilesError
    from bot.runner import TelegramRefused, run_bot

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

    db_commands = _command_group(commands, "db", "database maintenance")
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

    hromada_commands = _command_group(commands, "hromadas", "the КАТОТТГ codifier of hromadas")
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

    kb_commands = _command_group(commands, "kb", "the reform knowledge base under content/kb/")
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

    admin_commands = _command_group(commands, "admin", "staff rights")
    grant = admin_commands.add_parser("grant", help="make a Telegram user staff or admin")
    _right_arguments(grant)
    grant.set_defaults(handler=_admin_grant)
    revoke = admin_commands.add_parser(
        "revoke",
        help="take a right back (not from ADMIN_IDS admins)",
        epilog="Exit codes: 0 revoked, 1 the user does not hold that right, 2 a wrong argument "
        "(an unknown association code), 3 an admin from the ADMIN_IDS setting.",
    )
    _right_arguments(revoke)
    revoke.set_defaults(handler=_admin_revoke)
    admin_commands.add_parser(
        "list", help="who holds which right since when, and the invite links still working"
    ).set_defaults(handler=_admin_list)
    export_commands = _command_group(
        commands, "export", "spreadsheets for the associations' staff", metavar="WHAT"
    )
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

    digest_commands = _command_group(commands, "digest", "the secretariats' digests")
    send = digest_commands.add_parser(
        "send",
        help="send digests now to the bound groups (default: every association's own digest)",
    )
    send.add_argument("--association", metavar="CODE", help="this association's digest")
    send.add_argument("--joint", action="store_true", help="the joint digest, to every bound group")
    send.set_defaults(handler=_digest_send)

    retention_commands = _command_group(
        commands, "retention", "delete personal data past its period"
    )
    retention_run = retention_commands.add_parser(
        "run", help="apply the RETENTION_* periods now (the bot also does it daily at 03:30)"
    )
    retention_run.add_argument(
        "--dry-run", action="store_true", help="count what would go, change nothing"
    )
    retention_run.set_defaults(handler=_retention_run)

    member_commands = _command_group(
        commands, "member", "a member's data: requests by e-mail or letter"
    )
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


def _command_group(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help: str,
    metavar: str = "ACTION",
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """A command of actions (`hromada-bot NAME ACTION ...`): its subparsers."""
    group = commands.add_parser(name, help=help)
    return group.add_subparsers(dest=f"{name}_command", required=True, metavar=metavar)


def _right_arguments(parser: argparse.ArgumentParser) -> None:
    """Who gets or loses which right: `admin grant` and `admin revoke` take the same three."""
    parser.add_argument("user_id", type=int, help="Telegram user id")
    parser.add_argument("role", choices=["staff", "admin"])
    parser.add_argument("association", nargs="?", help="association code (for staff)")


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.handler(args))
