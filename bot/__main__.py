"""The one place that wires the bot: settings → storage → services → dispatcher → runner."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram_dialog import setup_dialogs
from aiogram_dialog.api.protocols import MessageManagerProtocol

from bot.commands import register_commands
from bot.content import AssociationInfo, PrivacyNotice, load_associations, load_privacy_notice
from bot.i18n import Translations
from bot.middlewares import MemberContextMiddleware, UpdateLogMiddleware
from bot.retry import RetryMiddleware
from bot.services.associations import sync_associations
from bot.services.broadcast_sender import BroadcastSender, create_sender_bot
from bot.services.broadcasts import BroadcastService
from bot.services.digests import DigestService
from bot.services.filing_limits import FilingLimits
from bot.services.hromadas import HromadaDirectory, Oblast, load_oblasts
from bot.services.kb_search import KnowledgeSearch
from bot.services.knowledge import KnowledgeBase
from bot.services.members import MemberService
from bot.services.privacy import PrivacyService
from bot.services.questions import QuestionService
from bot.services.report_rules import ReportRules, load_report_rules
from bot.services.reports import ReportService
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import VerificationService
from bot.settings import Settings
from storage.db import Database
from storage.fsm import create_fsm_storage
from storage.migrate import upgrade

logger = logging.getLogger("bot")


@dataclass(frozen=True)
class Content:
    """Everything read from `locales/` and `content/`, validated once at start."""

    translations: Translations
    associations: list[AssociationInfo]
    oblasts: list[Oblast]
    knowledge: KnowledgeBase
    report_rules: ReportRules
    privacy_notice: PrivacyNotice

    @classmethod
    def load(cls) -> Content:
        from bot.content import CONTENT_DIR, ContentError
        from dialogs.knowledge_texts import oversized_messages

        translations = Translations()
        knowledge = KnowledgeBase.load()
        oversized = oversized_messages(knowledge, {t.locale: t for t in translations})
        if oversized:
            lines = ["the knowledge base has messages too long:", *oversized]
            raise ContentError("\n  ".join(lines))
        return cls(
            translations=translations,
            associations=load_associations(),
            oblasts=load_oblasts(CONTENT_DIR / "oblasts.yaml"),
            knowledge=knowledge,
            report_rules=load_report_rules(),
            privacy_notice=load_privacy_notice(),
        )


def create_bot(settings: Settings) -> Bot:
    assert settings.bot_token is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(RetryMiddleware())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(
    *,
    settings: Settings,
    db: Database,
    content: Content,
    storage: BaseStorage,
    events_isolation: BaseEventIsolation,
    message_manager: MessageManagerProtocol | None = None,
) -> Dispatcher:
    """A dispatcher with fresh routers and dialogs, its services injected by name."""
    from dialogs import broadcast_progress, entry, errors, expert_desk, report_desk, verification
    from dialogs.announcement_texts import announcement_renderer
    from dialogs.broadcast import broadcast_dialog, create_broadcast_router
    from dialogs.common import BotMessageManager
    from dialogs.digest_settings import create_digest_router
    from dialogs.knowledge import knowledge_dialog
    from dialogs.language import language_dialog
    from dialogs.menu import menu_dialog
    from dialogs.my_reports import my_reports_dialog
    from dialogs.news import news_dialog
    from dialogs.privacy import create_privacy_router, privacy_dialog
    from dialogs.profile import profile_dialog
    from dialogs.queue import create_queue_router, queue_dialog
    from dialogs.registration import registration_dialog
    from dialogs.report import report_dialog
    from dialogs.staff import staff_access_dialog, staff_invites_dialog

    members = MemberService(db)
    staff = StaffService(db, settings.admin_ids)
    hromadas = HromadaDirectory(db, content.oblasts)
    dp = Dispatcher(
        storage=storage,
        events_isolation=events_isolation,
        settings=settings,
        db=db,
        members=members,
        staff=staff,
        hromadas=hromadas,
        questions=QuestionService(
            db,
            settings.admin_ids,
            hromadas=hromadas,
            limits=FilingLimits(
                settings.question_limit_per_day, settings.question_limit_pending_per_day
            ),
        ),
        reports=ReportService(
            db,
            content.report_rules,
            settings.admin_ids,
            timezone=settings.timezone,
            limits=FilingLimits(
                settings.report_limit_per_day, settings.report_limit_pending_per_day
            ),
        ),
        staff_chats=StaffChatService(db, settings.admin_ids),
        privacy=PrivacyService(db, settings.admin_ids),
        privacy_notice=content.privacy_notice,
        verification=VerificationService(db, settings.admin_ids),
        associations=content.associations,
        translations=content.translations,
        knowledge=content.knowledge,
        kb_search=KnowledgeSearch(content.knowledge),
        digests=DigestService(db, settings.admin_ids),
        broadcasts=BroadcastService(
            db,
            settings.admin_ids,
            render=announcement_renderer(content.translations, content.associations),
        ),
    )
    dp.update.outer_middleware(UpdateLogMiddleware())
    dp.update.outer_middleware(MemberContextMiddleware(members, staff, content.translations))
    errors.register_error_handlers(dp)
    dp.include_router(create_digest_router())  # /digest; before the desks' catch-alls
    dp.include_router(verification.create_verification_router())  # before the desk's catch-all
    dp.include_router(report_desk.create_report_desk_router())  # before the desk's catch-alls
    dp.include_router(expert_desk.create_desk_router())  # staff groups, /questions
    dp.include_router(create_queue_router())  # /queue, /export
    dp.include_router(broadcast_progress.create_progress_router())  # ⏸ ▶️ ✖️ of announcements
    dp.include_router(create_broadcast_router())  # /broadcast
    dp.include_router(create_privacy_router())  # /privacy
    dp.include_router(entry.create_command_router())
    dp.include_routers(
        registration_dialog(),
        menu_dialog(),
        profile_dialog(),
        language_dialog(),
        staff_invites_dialog(),
        staff_access_dialog(),
        expert_desk.expert_desk_dialog(),
        report_desk.report_reply_dialog(),
        knowledge_dialog(),
        report_dialog(),
        my_reports_dialog(),
        queue_dialog(),
        broadcast_dialog(),
        news_dialog(),
        privacy_dialog(),
    )
    dp.include_router(entry.create_fallback_router())
    message_manager = message_manager or BotMessageManager()
    dp["message_manager"] = message_manager
    setup_dialogs(dp, events_isolation=events_isolation, message_manager=message_manager)

    async def on_startup(bot: Bot) -> None:
        admin_chats = await members.known(await staff.admin_ids_all())
        await register_commands(bot, content.translations, admin_chats)
        me = await bot.me()
        logger.info("bot @%s (%s) is up", me.username, me.id)

    dp.startup.register(on_startup)
    return dp


async def prepare_database(settings: Settings, content: Content) -> Database:
    """Open the database, migrate it to the latest schema and sync content tables."""
    db = Database.from_url(settings.database_url)
    await upgrade(db.engine)
    await sync_associations(db, content.associations)
    return db


async def run_bot(settings: Settings) -> None:
    """Run until stopped: long polling, or a webhook server when WEBHOOK_URL is set."""
    content = Content.load()
    db = await prepare_database(settings, content)
    storage, isolation = create_fsm_storage(
        db, settings.redis_url, state_ttl=timedelta(days=settings.retention_dialog_days)
    )
    bot = create_bot(settings)
    dp = create_dispatcher(
        settings=settings, db=db, content=content, storage=storage, events_isolation=isolation
    )
    sender_task = asyncio.create_task(_run_broadcast_sender(settings, db, content))
    digest_task = asyncio.create_task(_run_digest_scheduler(settings, db, content, bot))
    retention_task = asyncio.create_task(_run_retention_job(settings, db, storage))
    sweeper_task = asyncio.create_task(_run_card_sweeper(settings, db, content, bot))
    try:
        if settings.webhook_url:
            await _run_webhook(settings, bot, dp)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        sender_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender_task
        digest_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await digest_task
        retention_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retention_task
        sweeper_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper_task
        await bot.session.close()
        await storage.close()
        await isolation.close()
        await db.close()


async def _run_digest_scheduler(
    settings: Settings, db: Database, content: Content, bot: Bot
) -> None:
    """Digests on their schedules; a missed one goes out at once. Cancelled at shutdown."""
    from dialogs.digest_texts import Names, create_digest_scheduler

    names = Names.of(content.report_rules, content.oblasts, content.associations)
    await create_digest_scheduler(bot, db, settings, content.translations, names).run()


async def _run_retention_job(settings: Settings, db: Database, storage: BaseStorage) -> None:
    """The daily retention sweep (RETENTION_* settings), once a day across processes.
    Cancelled at shutdown; a sweep cut short is taken over later and goes on where it was."""
    from bot.services.retention import RetentionJob, RetentionPeriods, RetentionService

    service = RetentionService(
        db,
        RetentionPeriods.from_settings(settings),
        keep_telegram_ids=settings.admin_ids,
        storage=storage,
    )
    await RetentionJob(db, service, settings.tz).run()


async def _run_card_sweeper(settings: Settings, db: Database, content: Content, bot: Bot) -> None:
    """Staff-group cards the normal path did not post, posted by one process at a time.
    Cancelled at shutdown, it stops after the card in flight is recorded (bounded wait)."""
    from dialogs.card_sweep import create_card_sweeper

    hromadas = HromadaDirectory(db, content.oblasts)
    sweeper = create_card_sweeper(
        bot,
        db,
        content.translations,
        reports=ReportService(
            db, content.report_rules, settings.admin_ids, timezone=settings.timezone
        ),
        questions=QuestionService(db, settings.admin_ids, hromadas=hromadas),
        hromadas=hromadas,
        associations=content.associations,
        tz=settings.tz,
    )
    running = asyncio.create_task(sweeper.run())
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError:
        # A card sent but not yet recorded would be posted again: let it be recorded first.
        sweeper.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(running), timeout=10)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        raise


async def _run_broadcast_sender(settings: Settings, db: Database, content: Content) -> None:
    """The announcements' outbox sender, with a Bot of its own (no RetryMiddleware: the outbox
    owns retries). Cancelled at shutdown, it finishes the sends in flight and gives up its lease."""
    assert settings.bot_token is not None
    bot = create_sender_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url)
    sender = BroadcastSender(
        bot,
        db,
        content.translations,
        content.associations,
        rate=settings.broadcast_rate,
        lease_ttl=settings.broadcast_lease_seconds,
        lease_renew=max(1.0, settings.broadcast_lease_seconds / 6),
        admin_ids=settings.admin_ids,
    )
    running = asyncio.create_task(sender.run())
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError:
        # A step is never cut in half: the sender stops between steps and settles its sends.
        await sender.stop()
        await running
        raise
    finally:
        await bot.session.close()


async def _run_webhook(settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    path = "/telegram/webhook"
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token=secret).register(app, path=path)
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    # Only once the server listens does Telegram get the address: no update hits a closed port.
    await bot.set_webhook(
        settings.webhook_url.rstrip("/") + path,
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
    )
    logger.info("webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    from bot.cli import main

    main()
