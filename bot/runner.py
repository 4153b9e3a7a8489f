"""Running the bot: long polling or a webhook, the background workers beside it, a graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.fsm.storage.base import BaseStorage
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app import (
    Content,
    Dispatcher,
    Services,
    create_bot,
    create_card_poster,
    create_dispatcher,
    create_services,
    import_codifier_on_first_start,
    migrate_and_sync,
)
from bot.metrics import DEPENDENCY_UP, count_statements
from bot.observability import (
    GaugeRefresher,
    Heartbeat,
    Readiness,
    add_routes,
    start_server,
)
from bot.retry import single_attempt
from bot.settings import Settings
from bot.sync_filters import run_pure_filters_inline
from delivery.broadcast_sender import BroadcastSender, create_sender_bot
from storage.db import Database
from storage.fsm import create_fsm_storage

logger = logging.getLogger("bot")


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
    # What the imports and the content made lives as long as the process (the CLI held the
    # collector off meanwhile): out of its sight from here on.
    gc.freeze()
    gc.enable()
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
            await import_codifier_on_first_start(db)
        _in_background(stack, GaugeRefresher(db, readiness).run())
        storage, isolation = create_fsm_storage(
            db, settings.redis_url, state_ttl=timedelta(days=settings.retention_dialog_days)
        )
        stack.push_async_callback(isolation.close)
        stack.push_async_callback(storage.close)
        bot = create_bot(settings)
        stack.push_async_callback(bot.session.close)
        services = create_services(settings, db, content)
        dp = create_dispatcher(
            settings=settings,
            db=db,
            content=content,
            storage=storage,
            events_isolation=isolation,
            services=services,
        )
        run_pure_filters_inline(dp)  # magic filters on the loop, not in a worker thread each
        dp.startup.register(_index_once_polling(content))
        # What start-up built (the services, the routers and dialogs) lives as long as the
        # process: frozen out of the collector's sight, a full collection walks only what updates
        # make. Unfrozen, one took ~180 ms and struck one results view in five.
        gc.freeze()
        workers = [
            asyncio.create_task(_run_broadcast_sender(settings, db, content)),
            asyncio.create_task(_run_digest_scheduler(settings, db, content, bot)),
            asyncio.create_task(_run_retention_job(settings, db, storage)),
            asyncio.create_task(_run_card_sweeper(settings, db, content, bot, services)),
            asyncio.create_task(_run_consultation_worker(settings, content, bot, services)),
        ]
        stack.push_async_callback(_stop_workers, workers)

        if webhook is not None:
            await _run_webhook(settings, bot, dp, webhook, readiness, stop)
        else:
            await _run_polling(settings, bot, dp, readiness, stop)
        readiness.stopping = True
        if dp.in_flight.count:
            logger.info(
                "stopping: waiting up to %.0fs for %d update(s) in flight",
                SHUTDOWN_GRACE,
                dp.in_flight.count,
            )
        if await dp.in_flight.wait_idle(SHUTDOWN_GRACE):
            logger.info("stopping: no update in flight; stopping the background workers")
        else:
            logger.warning(
                "stopping: %d update(s) still in flight after %.0fs are cut short",
                dp.in_flight.count,
                SHUTDOWN_GRACE,
            )
    logger.info("stopped")


def _index_once_polling(content: Content) -> Callable[[], Awaitable[None]]:
    """A startup handler (aiogram's last step before its first getUpdates or the webhook's
    first update) that starts building the search index on a worker thread. Built before,
    it added half a second to start-up; a question asked before it is ready waits for it."""

    async def build_search_index() -> None:
        # Frozen once built, like what start-up made: it lives as long as the content.
        content.kb_search.build_in_background(then=gc.freeze)

    return build_search_index


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
    from bot.names import Names
    from delivery.digests import create_digest_scheduler

    names = Names.of(content.report_rules, content.oblasts, content.associations)
    await create_digest_scheduler(bot, db, settings, content.translations, names).run()


async def _run_consultation_worker(
    settings: Settings, content: Content, bot: Bot, services: Services
) -> None:
    """Consultations' reminders, closing and final summaries, checked every minute in every
    process (the database makes each happen once). Cancelled at shutdown."""
    from bot.names import Names
    from delivery.consultation_summaries import create_consultation_worker

    names = Names.of(content.report_rules, content.oblasts, content.associations)
    worker = create_consultation_worker(
        bot,
        services.consultations,
        services.staff_chats,
        content.translations,
        names,
        settings.tz,
    )
    await worker.run()


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


async def _run_card_sweeper(
    settings: Settings, db: Database, content: Content, bot: Bot, services: Services
) -> None:
    """Staff-group cards the normal path did not post, posted by one process at a time.
    Cancelled at shutdown, it stops after the card in flight is recorded (bounded wait)."""
    from delivery.card_sweep import create_card_sweeper

    sweeper = create_card_sweeper(create_card_poster(bot, settings, db, content, services))
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
