"""The app factory: content, the Bot, the dispatcher with its services, the database made ready.

Used by the CLI (`bot/cli.py`), the runner (`bot/runner.py`), the sandbox, the tests and the
benchmarks; the one place that decides which service each handler receives."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import aiogram
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.types import TelegramObject, Update
from aiogram_dialog import setup_dialogs
from aiogram_dialog.api.protocols import MessageManagerProtocol

from bot.content import AssociationInfo, PrivacyNotice, load_associations, load_privacy_notice
from bot.i18n import Translations
from bot.middlewares import MemberContextMiddleware, UpdateLogMiddleware
from bot.observability import BotApiMetrics, InFlightUpdates
from bot.response_models import KeepResponseModels
from bot.retry import RetryMiddleware
from bot.services.associations import sync_associations
from bot.services.broadcasts import BroadcastService
from bot.services.consultations import ConsultationService
from bot.services.digests import DigestService
from bot.services.filing_limits import FilingLimits
from bot.services.hromadas import HromadaDirectory, Oblast, load_oblasts
from bot.services.katottg import CodifierError, import_shipped_codifier
from bot.services.knowledge import KB_DIR, KnowledgeBase
from bot.services.members import MemberService
from bot.services.privacy import PrivacyService
from bot.services.questions import QuestionService
from bot.services.report_rules import ReportRules, load_report_rules
from bot.services.reports import ReportService
from bot.services.search_index import SearchIndex
from bot.services.staff import StaffService
from bot.services.staff_chats import StaffChatService
from bot.services.verification import VerificationService
from bot.settings import Settings
from delivery.commands import register_commands
from storage.db import Database
from storage.fsm import update_scope
from storage.migrate import upgrade

if TYPE_CHECKING:
    from delivery.card_sweep import TelegramCardPoster

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
        # The example questions are read by the search index's build, not at start.
        knowledge = KnowledgeBase.load(examples=False)
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

    @cached_property
    def kb_search(self) -> SearchIndex:
        """The knowledge base's search index, built once for this content (lemmatising every
        article takes half a second; the bot process builds it once it is polling)."""
        return SearchIndex(self.knowledge, examples=KB_DIR)


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
    (`storage.fsm.SqlStorage.update_scope`).

    `in_flight` counts the updates from Telegram being handled, whole: shutdown waits for none
    before it closes the storage. The update log's own count (`UpdateLogMiddleware`) runs inside
    aiogram's FSM middleware, which holds the member's lock until the update is done; with Redis
    letting it go is a command of its own, which a shutdown waiting on that count raced."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight = InFlightUpdates()

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        self.in_flight.enter()
        try:
            with update_scope(self.storage):
                return await super().feed_update(bot, update, **kwargs)
        finally:
            self.in_flight.leave()

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        with update_scope(self.storage):
            return await super().propagate_event(update_type, event, **kwargs)


@dataclass(frozen=True)
class Services:
    """The services, built once per process and handed to handlers by these names."""

    members: MemberService
    staff: StaffService
    hromadas: HromadaDirectory
    staff_chats: StaffChatService
    questions: QuestionService
    reports: ReportService
    privacy: PrivacyService
    verification: VerificationService
    kb_search: SearchIndex
    digests: DigestService
    broadcasts: BroadcastService
    consultations: ConsultationService


def create_services(settings: Settings, db: Database, content: Content) -> Services:
    from dialogs.announcement_texts import announcement_renderer
    from dialogs.consultation_texts import consultation_renderer

    admins = settings.admin_ids
    hromadas = HromadaDirectory(db, content.oblasts)
    staff_chats = StaffChatService(db, admins)
    question_limits = FilingLimits(
        settings.question_limit_per_day, settings.question_limit_pending_per_day
    )
    report_limits = FilingLimits(
        settings.report_limit_per_day, settings.report_limit_pending_per_day
    )
    return Services(
        members=MemberService(db),
        staff=StaffService(db, admins),
        hromadas=hromadas,
        staff_chats=staff_chats,
        questions=QuestionService(
            db, admins, hromadas=hromadas, limits=question_limits, staff_chats=staff_chats
        ),
        reports=ReportService(
            db,
            content.report_rules,
            admins,
            timezone=settings.timezone,
            limits=report_limits,
            oblasts=content.oblasts,
            staff_chats=staff_chats,
        ),
        privacy=PrivacyService(db, admins),
        verification=VerificationService(db, admins),
        kb_search=content.kb_search,
        digests=DigestService(db, admins),
        broadcasts=BroadcastService(
            db, admins, render=announcement_renderer(content.translations, content.associations)
        ),
        consultations=ConsultationService(
            db,
            admins,
            oblast_codes=[oblast.code for oblast in content.oblasts],
            render=consultation_renderer(content.translations, settings.tz),
        ),
    )


def create_card_poster(
    bot: Bot, settings: Settings, db: Database, content: Content, services: Services | None = None
) -> TelegramCardPoster:
    """The cards sweep's Telegram side, with the app's services (built here when not given)."""
    from delivery.card_sweep import TelegramCardPoster

    services = services or create_services(settings, db, content)
    return TelegramCardPoster(
        bot,
        db,
        content.translations,
        reports=services.reports,
        questions=services.questions,
        hromadas=services.hromadas,
        associations=content.associations,
        tz=settings.tz,
        members=services.members,
        staff_chats=services.staff_chats,
    )


def create_dispatcher(
    *,
    settings: Settings,
    db: Database,
    content: Content,
    storage: BaseStorage,
    events_isolation: BaseEventIsolation,
    message_manager: MessageManagerProtocol | None = None,
    services: Services | None = None,
) -> Dispatcher:
    """A dispatcher with fresh routers and dialogs, its services (built here when not given)
    injected by name."""
    from dialogs import broadcast_progress, entry, errors, expert_desk, report_desk, verification
    from dialogs.broadcast import broadcast_dialog, create_broadcast_router
    from dialogs.common import BotMessageManager, distinct_intent_ids
    from dialogs.consultation_answer import (
        consultation_comment_dialog,
        create_consultation_answer_router,
    )
    from dialogs.consultation_compose import consultation_compose_dialog
    from dialogs.consultation_desk import (
        consultation_desk_dialog,
        consultation_outcome_dialog,
        create_consult_router,
    )
    from dialogs.consultation_list import consultation_list_dialog
    from dialogs.consultation_results import consultation_results_dialog
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
    from dialogs.staff_groups import create_staff_groups_router

    services = services or create_services(settings, db, content)
    dp = Dispatcher(
        storage=storage,
        events_isolation=events_isolation,
        settings=settings,
        db=db,
        privacy_notice=content.privacy_notice,
        associations=content.associations,
        translations=content.translations,
        knowledge=content.knowledge,
        **vars(services),
    )
    dp.update.outer_middleware(UpdateLogMiddleware())
    dp.update.outer_middleware(
        MemberContextMiddleware(services.members, services.staff, content.translations)
    )
    errors.register_error_handlers(dp)
    dp.include_router(create_digest_router())  # /digest; before the desks' catch-alls
    # Answer buttons and replies to consultation messages; before the desks' catch-alls.
    dp.include_router(create_consultation_answer_router())
    dp.include_router(verification.create_verification_router())  # before the desk's catch-all
    dp.include_router(report_desk.create_report_desk_router())  # before the desk's catch-alls
    dp.include_router(create_staff_groups_router())  # /bind, /unbind, migration, membership
    dp.include_router(expert_desk.create_desk_router())  # replies to question cards, /questions
    dp.include_router(create_queue_router())  # /queue, /export
    dp.include_router(broadcast_progress.create_progress_router())  # ⏸ ▶️ ✖️ of announcements
    dp.include_router(create_broadcast_router())  # /broadcast
    dp.include_router(create_consult_router())  # /consult
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
        consultation_desk_dialog(),
        consultation_compose_dialog(),
        consultation_outcome_dialog(),
        consultation_comment_dialog(),
        consultation_list_dialog(),
        consultation_results_dialog(),
    )
    dp.include_router(entry.create_fallback_router())
    distinct_intent_ids()
    message_manager = message_manager or BotMessageManager()
    dp["message_manager"] = message_manager
    setup_dialogs(dp, events_isolation=events_isolation, message_manager=message_manager)

    async def on_startup(bot: Bot) -> None:
        admin_chats = await services.members.known(await services.staff.admin_ids_all())
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


async def import_codifier_on_first_start(db: Database) -> None:
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
