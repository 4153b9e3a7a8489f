"""`hromada-bot kb …`, `export`, `digest send`, `member …` and `retention run`: content and data."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from bot.cli_common import (
    NO_TOKEN_MESSAGE,
    command_database,
    load_settings,
    unknown_association,
)

T = TypeVar("T")


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
    settings = load_settings()
    from datetime import datetime

    from bot.services.kb_drafts import draft_yaml
    from bot.services.questions import Draft, QuestionService

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
        async with command_database(settings) as db:
            questions = QuestionService(db)
            drafts = await questions.drafts()
            paths = await asyncio.to_thread(write, drafts)
            # Written first, marked after: a failure in between only writes them again.
            await questions.mark_exported(draft.id for draft in drafts)
            return paths

    paths = asyncio.run(run())
    if not paths:
        print("No new knowledge-base drafts.")
    for path in paths:
        print(path)
    return 0


def _export_issues(args: argparse.Namespace) -> int:
    settings = load_settings()
    from datetime import date, datetime

    from bot.content import CONTENT_DIR, load_associations
    from bot.i18n import Translations
    from bot.services.export import export_reports, file_name
    from bot.services.hromadas import load_oblasts
    from bot.services.report_rules import load_report_rules

    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            print(f"--since {args.since!r} is not a date: write it as YYYY-MM-DD.", file=sys.stderr)
            return 2
    codes = [a.code for a in load_associations()]
    if args.association and unknown_association(args.association, codes):
        return 2
    output = Path(args.output or file_name(datetime.now(settings.tz).date(), args.format))
    if output.is_dir():
        output = output / file_name(datetime.now(settings.tz).date(), args.format)

    async def run() -> bytes:
        async with command_database(settings) as db:
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

    data = asyncio.run(run())
    try:
        output.write_bytes(data)
    except OSError as error:
        print(f"Cannot write {output}: {error.strerror}.", file=sys.stderr)
        return 1
    print(output)
    return 0


def _digest_send(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.bot_token is None:
        print(NO_TOKEN_MESSAGE.replace("Run the bot", "Send the digest"), file=sys.stderr)
        return 2
    from bot.content import load_associations
    from bot.services.digest_schedule import JOINT
    from bot.services.digests import RunResult

    codes = [a.code for a in load_associations()]
    if args.association and unknown_association(args.association, codes):
        return 2
    keys = ([args.association] if args.association else []) + ([JOINT] if args.joint else [])

    async def run() -> list[RunResult]:
        from bot.app import Content, create_bot
        from bot.names import Names
        from delivery.digests import create_digest_scheduler

        content = Content.load()
        async with command_database(settings, content) as db:
            bot = create_bot(settings)
            try:
                names = Names.of(content.report_rules, content.oblasts, content.associations)
                scheduler = create_digest_scheduler(bot, db, settings, content.translations, names)
                return await scheduler.send_now(keys or codes)
            finally:
                await bot.session.close()

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
    settings = load_settings()
    from bot.content import CONTENT_DIR
    from bot.i18n import Translations
    from bot.services.hromadas import load_oblasts
    from bot.services.privacy import PersonFound, PrivacyService

    async def run() -> list[PersonFound]:
        async with command_database(settings) as db:
            return await PrivacyService(db, settings.admin_ids).find(args.query, limit=args.limit)

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


def _about_member(user_id: int, work: Coroutine[Any, Any, T]) -> T | None:
    """Run `work` on one member's data; None (and said) when no member has this Telegram id."""
    from bot.services.privacy import NoSuchMember

    try:
        return asyncio.run(work)
    except NoSuchMember:
        print(f"No member has the Telegram id {user_id}.", file=sys.stderr)
        return None


def _member_export(args: argparse.Namespace) -> int:
    """Everything the bot holds about one member, for a request by e-mail or letter."""
    settings = load_settings()
    from datetime import datetime

    from bot.app import Content
    from bot.i18n import resolve_locale
    from bot.names import Names
    from bot.services.privacy import PrivacyService
    from dialogs.privacy_texts import export_html, export_json

    today = datetime.now(settings.tz).date()
    default_name = f"member-{args.user_id}-{today.isoformat()}.json"
    output = Path(args.output or default_name)
    if output.is_dir():
        output = output / default_name
    page_path = output.with_suffix(".html")
    content = Content.load()

    async def run() -> dict[str, object]:
        async with command_database(settings, content) as db:
            return await PrivacyService(db, settings.admin_ids).export(args.user_id)

    data = _about_member(args.user_id, run())
    if data is None:
        return 1
    profile = data["profile"]
    assert isinstance(profile, dict)
    t = content.translations.get(resolve_locale(profile.get("locale"), None))
    names = Names.of(content.report_rules, content.oblasts, content.associations)
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
    settings = load_settings()
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
    from bot.app import Content, create_bot
    from bot.services.hromadas import HromadaDirectory
    from bot.services.privacy import Erasure, PrivacyService, StaffMustBeRevoked
    from bot.services.questions import QuestionService
    from bot.services.reports import ReportService
    from delivery.privacy_cards import edit_cards_after_erasure
    from storage.fsm import create_fsm_storage, forget_user

    content = Content.load()

    async def run() -> Erasure:
        async with command_database(settings, content) as db:
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

    try:
        erasure = _about_member(args.user_id, run())
    except StaffMustBeRevoked:
        print(
            f"User {args.user_id} holds staff rights; their work as staff is the associations' "
            f"record. Revoke the rights first (hromada-bot admin revoke {args.user_id} ...; "
            "an admin from ADMIN_IDS leaves that setting), then delete the profile.",
            file=sys.stderr,
        )
        return 1
    if erasure is None:
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
    settings = load_settings()
    from bot.services.retention import RetentionPeriods, RetentionService, SweepCounts
    from storage.fsm import create_fsm_storage

    periods = RetentionPeriods.from_settings(settings)

    async def run() -> SweepCounts:
        async with command_database(settings) as db:
            storage, isolation = create_fsm_storage(db, settings.redis_url)
            try:
                service = RetentionService(
                    db, periods, keep_telegram_ids=settings.admin_ids, storage=storage
                )
                return await service.sweep(dry_run=args.dry_run)
            finally:
                await storage.close()
                await isolation.close()

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
