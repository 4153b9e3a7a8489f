"""The one place that wires the bot: settings → storage → services → dispatcher → runner."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiogram
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.types import TelegramObject, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiogram_dialog import setup_dialogs
from aiogram_dialog.api.protocols import MessageManagerProtocol
from aiohttp import web

from bot.commands import register_commands
from bot.content import AssociationInfo, PrivacyNotice, load_associations, load_privacy_notice
from bot.i18n import Translations
from bot.metrics import DEPENDENCY_UP, count_statements
from bot.middlewares import MemberContextMiddleware, UpdateLogMiddleware
from bot.observability import (
    BotApiMetrics,
    GaugeRefresher,
    Heartbeat,
    Readiness,
    add_routes,
    start_server,
)
from bot.response_models import KeepResponseModels
from bot.retry import RetryMiddleware, single_attempt
from bot.services.associations import sync_associations
from bot.services.broadcast_sender import BroadcastSender, create_sender_bot
from bot.services.broadcasts import BroadcastService
from bot.services.digests import DigestService
from bot.services.filing_limits import FilingLimits
from bot.services.hromadas import HromadaDirectory, Oblast, load_oblasts
from bot.services.katottg import CodifierError, import_shipped_codifier
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
from storage.fsm import create_fsm_storage, update_scope
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
    session.middleware(KeepResponseModels())
    session.middleware(RetryMiddleware())
    session.middleware(BotApiMetrics())  # last: each retry counted as the call it is
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


class Dispatcher(aiogram.Dispatcher):
    """aiogram's dispatcher, each update (aiogram-dialog's background ones too) handled in the
    FSM storage's update scope: its dialog state read once, unchanged state not written again
    (`storage.fsm.SqlStorage.update_scope`)."""

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        with update_scope(self.storage):
            return await super().feed_update(bot, update, **kwargs)

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        with update_scope(self.storage):
            return await super().propagate_event(update_type, event, **kwargs)


def create_dispatcher(
    *,
    settings: Settings,
    db: Database,
    content: Content,
    storage: BaseStorage,
    events_isolation: BaseEventIsolation,
    message_manager: MessageManagerProtocol | None = None,
    update_log: UpdateLogMiddleware | None = None,
) -> Dispatcher:
    """A dispatcher with fresh routers and dialogs, its services injected by name."""
    from dialogs import broadcast_progress, entry, errors, expert_desk, report_desk, verification
    from dialogs.announcement_texts import announcement_renderer
    from dialogs.broadcast import broadcast_dialog, create_broadcast_router
    from dialogs.common import BotMessageManager, distinct_intent_ids
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
    dp.update.outer_middleware(update_log or UpdateLogMiddleware())
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
    distinct_intent_ids()
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
    await migrate_and_sync(db, content)
    return db


async def migrate_and_sync(db: Database, content: Content) -> None:
    """Migrate the database to the latest schema and sync content tables."""
    await upgrade(db.engine)
    await sync_associations(db, content.associations)


async def _import_shipped_codifier(db: Database) -> None:
    """A new deployment's first start: the codifier shipped with the bot, into the empty table.

    A damaged package is logged, not fatal: registration then takes the hromada as free text.
    """
    try:
        report = await import_shipped_codifier(db)
    except CodifierError as error:
        logger.error(
            "the shipped КАТОТТГ codifier was not imported: %s; registration takes the hromada "
            "as free text until `hromada-bot hromadas import FILE`",
            error,
        )
        return
    if report is not None:
        logger.info(
            "КАТОТТГ codifier imported from %s: %d units, %d hromadas offered, in %.1f s",
            report.source,
            report.total,
            report.selectable_hromadas,
            report.seconds,
        )


class TelegramRefused(Exception):
    """Telegram refused the bot's token or webhook at start: trying again will not help."""


# How long shutdown waits for the updates being handled before it closes everything.
SHUTDOWN_GRACE = 15.0
# The start-up connection to Telegram: first pause, then doubled up to this.
CONNECT_FIRST_DELAY = 1.0
CONNECT_MAX_DELAY = 60.0
WEBHOOK_PATH = "/telegram/webhook"


async def run_bot(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT: long polling, or a webhook server when WEBHOOK_URL is set.

    The health server comes first, so `/healthz` and `/readyz` answer while the database is
    migrated (and, on a new deployment's first start, the shipped codifier imported) and while
    Telegram is out of reach (start-up keeps trying, `/readyz` says 503).
    On a signal: no new updates, the ones in flight finish (up to SHUTDOWN_GRACE seconds),
    the background workers stop, sessions close; the exit code is 0.
    """
    content = Content.load()
    stop = _stop_event()
    async with contextlib.AsyncExitStack() as stack:
        db = Database.from_url(settings.database_url)
        count_statements(db.engine)
        stack.push_async_callback(db.close)
        heartbeat = Heartbeat()
        readiness = Readiness(db, settings.redis_url)
        stack.push_async_callback(readiness.close)
        _in_background(stack, heartbeat.run())
        webhook = WebhookEndpoint() if settings.webhook_url else None
        for host, port, app in _health_apps(settings, heartbeat, readiness, webhook):
            runner = await start_server(app, host, port)
            stack.push_async_callback(runner.cleanup)
            logger.info(
                "health and metrics on http://%s:%s (/healthz /readyz /metrics)", host, port
            )

        await migrate_and_sync(db, content)
        if settings.codifier_import_on_start:
            await _import_shipped_codifier(db)
        _in_background(stack, GaugeRefresher(db, readiness).run())
        storage, isolation = create_fsm_storage(
            db, settings.redis_url, state_ttl=timedelta(days=settings.retention_dialog_days)
        )
        stack.push_async_callback(isolation.close)
        stack.push_async_callback(storage.close)
        bot = create_bot(settings)
        stack.push_async_callback(bot.session.close)
        update_log = UpdateLogMiddleware()
        dp = create_dispatcher(
            settings=settings,
            db=db,
            content=content,
            storage=storage,
            events_isolation=isolation,
            update_log=update_log,
        )
        workers = [
            asyncio.create_task(_run_broadcast_sender(settings, db, content)),
            asyncio.create_task(_run_digest_scheduler(settings, db, content, bot)),
            asyncio.create_task(_run_retention_job(settings, db, storage)),
            asyncio.create_task(_run_card_sweeper(settings, db, content, bot)),
        ]
        stack.push_async_callback(_stop_workers, workers)

        if webhook is not None:
            await _run_webhook(settings, bot, dp, webhook, readiness, stop)
        else:
            await _run_polling(settings, bot, dp, readiness, stop)
        readiness.stopping = True
        if update_log.in_flight.count:
            logger.info(
                "stopping: waiting up to %.0fs for %d update(s) in flight",
                SHUTDOWN_GRACE,
                update_log.in_flight.count,
            )
        if await update_log.in_flight.wait_idle(SHUTDOWN_GRACE):
            logger.info("stopping: no update in flight; stopping the background workers")
        else:
            logger.warning(
                "stopping: %d update(s) still in flight after %.0fs are cut short",
                update_log.in_flight.count,
                SHUTDOWN_GRACE,
            )
    logger.info("stopped")


def _stop_event() -> asyncio.Event:
    """An event SIGTERM and SIGINT set (a deploy, `docker stop`, Ctrl+C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(signum, stop.set)
    return stop


def _in_background(stack: contextlib.AsyncExitStack, job: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(job)
    stack.push_async_callback(_stop_workers, [task])


async def _stop_workers(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the background tasks and wait for each to finish its own way."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _health_apps(
    settings: Settings, heartbeat: Heartbeat, readiness: Readiness, webhook: WebhookEndpoint | None
) -> list[tuple[str, int, web.Application]]:
    """The webhook server (with the health routes) in webhook mode, and the METRICS_PORT
    server when that is set, in either mode."""
    apps = []
    if webhook is not None:
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, webhook.handle)
        add_routes(app, heartbeat, readiness)
        apps.append((settings.webhook_host, settings.webhook_port, app))
    if settings.metrics_port is not None:
        app = web.Application()
        add_routes(app, heartbeat, readiness)
        apps.append((settings.metrics_host, settings.metrics_port, app))
    return apps


async def _connect(
    settings: Settings, stop: asyncio.Event, step: Callable[[], Awaitable[None]]
) -> bool:
    """Run `step` (calls to the Bot API) until it succeeds: True; or until `stop`: False.

    Telegram out of reach is waited out with a doubling pause (one log line per try, naming
    TELEGRAM_API_URL and the cause); a refused token or webhook raises TelegramRefused.
    """
    delay = CONNECT_FIRST_DELAY
    attempt = 1
    while not stop.is_set():
        try:
            with single_attempt():
                if await _unless_stopped(step(), stop):
                    return True
            return False
        except TelegramUnauthorizedError:
            raise TelegramRefused(
                f"Telegram at {settings.telegram_api_url} refused BOT_TOKEN (401 Unauthorized): "
                "the token is wrong or was revoked. Get the current one from @BotFather "
                "(/mybots, API Token) and set BOT_TOKEN."
            ) from None
        except TelegramBadRequest as error:
            raise TelegramRefused(
                f"Telegram at {settings.telegram_api_url} refused {error.method.__api_method__}: "
                f"{error.message}. Check WEBHOOK_URL and WEBHOOK_SECRET."
            ) from None
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as error:
            wait = max(delay, float(getattr(error, "retry_after", 0)))
            cause = f"{type(error).__name__}: {error.message}"
            logger.warning(
                "Telegram Bot API at TELEGRAM_API_URL=%s not reached (try %d): %s; "
                "trying again in %.0fs, not ready until then",
                settings.telegram_api_url,
                attempt,
                cause,
                wait,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            delay = min(delay * 2, CONNECT_MAX_DELAY)
            attempt += 1
    return False


async def _unless_stopped(job: Awaitable[None], stop: asyncio.Event) -> bool:
    """Await `job`; False (and `job` cancelled) when `stop` is set first."""
    task = asyncio.ensure_future(job)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


async def _run_polling(
    settings: Settings, bot: Bot, dp: Dispatcher, readiness: Readiness, stop: asyncio.Event
) -> None:
    async def reach_telegram() -> None:
        await bot.me()
        await bot.delete_webhook(drop_pending_updates=False)

    if not await _connect(settings, stop, reach_telegram):
        return
    readiness.telegram = True
    DEPENDENCY_UP.labels(dependency="telegram").set(1)
    polling = asyncio.create_task(
        dp.start_polling(
            bot,
            allowed_updates=dp.resolve_used_update_types(),
            handle_signals=False,  # ours: they also end the start-up's waiting
            close_bot_session=False,  # closed after the updates in flight finish
        )
    )
    if await _unless_stopped(asyncio.shield(polling), stop):
        return
    try:
        await dp.stop_polling()
    except RuntimeError:  # the signal came before polling began
        polling.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await polling


class WebhookEndpoint:
    """The webhook route: 503 until the dispatcher is ready and again once stopping (Telegram
    delivers the update later, to this or another process); else aiogram's handler."""

    def __init__(self) -> None:
        self.handler: SimpleRequestHandler | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.handler is None:
            return web.Response(status=503, text="not ready")
        return await self.handler.handle(request)


async def _run_webhook(
    settings: Settings,
    bot: Bot,
    dp: Dispatcher,
    webhook: WebhookEndpoint,
    readiness: Readiness,
    stop: asyncio.Event,
) -> None:
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    url = settings.webhook_url.rstrip("/") + WEBHOOK_PATH
    workflow = {"dispatcher": dp, "bots": (bot,), **dp.workflow_data}
    started = False

    async def reach_telegram() -> None:
        nonlocal started
        await bot.me()
        if not started:
            await dp.emit_startup(bot=bot, **workflow)
            started = True
        webhook.handler = SimpleRequestHandler(dp, bot, secret_token=secret)
        # Only once the server listens and the dispatcher is ready does Telegram get the
        # address: no update hits a closed port.
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=dp.resolve_used_update_types(),
        )

    try:
        if not await _connect(settings, stop, reach_telegram):
            return
        readiness.telegram = True
        DEPENDENCY_UP.labels(dependency="telegram").set(1)
        logger.info(
            "webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port
        )
        await stop.wait()
    finally:
        # New deliveries get 503 from here on; the ones accepted finish in run_bot.
        webhook.handler = None
        if started:
            await dp.emit_shutdown(bot=bot, **workflow)


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
    from dialogs.card_sweep import TelegramCardPoster, create_card_sweeper

    hromadas = HromadaDirectory(db, content.oblasts)
    sweeper = create_card_sweeper(
        TelegramCardPoster(
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


if __name__ == "__main__":
    from bot.cli import main

    main()
