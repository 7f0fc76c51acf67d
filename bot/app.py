"""The one place that builds the bot: settings → database → services → channels → HTTP."""
from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from core.i18n import Translator
from core.messages import Channel
from core.privacy import mask_personal
from core.regions import programme_regions
from bot.configuration import Configuration, load_configuration
from bot.console.accounts import Accounts
from bot.console.throttle import LoginThrottle
from bot.memory import FreedMemory, return_freed_memory
from bot.metrics import Metrics
from bot.engine import ConversationEngine
from handoff.service import HandoffService
from bot.delivery.deliverer import Deliverer
from bot.delivery.messenger import Messenger
from bot.secret_key import secret_key
from bot.delivery.window import MessageWindow
from bot.settings import Settings
from bot.commit_topics import publish_commits
from bot.wakeups import Wakeups
from bot.web.server import build_web_app
from handlers.status import LinkLimits
from handlers.turn import Services
from storage.unit_of_work import Database

if TYPE_CHECKING:
    from feedback.service import Feedback
    from bot.delivery.service import Notifications
    from voice.service import VoiceLine

log = logging.getLogger(__name__)


def load_faq(topics_dir=None):
    """The FAQ matcher if the FAQ package is present: its index loaded from the cache file
    a child process builds once per content version (faq/index_file.py)."""
    try:
        from faq.index_file import load_matcher
    except ImportError:
        return None
    return load_matcher(topics_dir)


@dataclass
class ZhasBot:
    settings: Settings
    configuration: Configuration  # every config file, read and checked once (bot/configuration.py)
    db: Database
    services: Services
    engine: ConversationEngine
    channels: dict[Channel, object] = field(default_factory=dict)
    deliverer: Deliverer | None = None  # sends replies and operators' answers now (bot/delivery)
    messenger: Messenger | None = None
    handoff: "HandoffService | None" = None  # operators' side of the hand-off (handoff/service.py)
    accounts: "Accounts | None" = None  # operator console accounts (bot/console/accounts.py)
    notifications: "Notifications | None" = None  # outbox sender + reminders (bot/delivery/service.py)
    feedback: "Feedback | None" = None  # CSAT, surveys, idle closer (feedback/service.py)
    voice: "VoiceLine | None" = None  # the phone line's use cases (voice/service.py)
    runner: web.AppRunner | None = None
    metrics: Metrics = field(default_factory=Metrics)
    freed_memory: FreedMemory = field(default_factory=FreedMemory)  # heap pages back to the system (bot/memory.py)
    wakeups: Wakeups | None = None  # cross-worker wake-ups for long polls (bot/wakeups.py)

    @classmethod
    def build(cls, settings: Settings, *, with_faq: bool = True,
              configuration: Configuration | None = None) -> "ZhasBot":
        """The whole bot; reads the configuration first, so a bad file stops it before anything starts."""
        config = configuration or load_configuration(settings)
        db = Database(settings.database_url, background_checkpoints=True)
        translator = Translator(default_language=settings.default_language)
        services = Services(
            translator=translator, programme=config.programme, rules=config.rules,
            default_language=settings.default_language, faq=load_faq(settings.faq_topics_dir) if with_faq else None,
            faq_topics_dir=settings.faq_topics_dir,
            secret_key=secret_key(settings),
            call_centre=config.call_centre, surveys=config.surveys, zone=settings.zone,
            link_limits=LinkLimits(per_number=settings.status_link_failures_per_number,
                                   per_phone=settings.status_link_failures_per_phone,
                                   per_contact=settings.status_link_failures_per_contact,
                                   window=timedelta(minutes=settings.status_link_window_minutes)),
        )
        engine = ConversationEngine(db, services, idle_minutes=settings.consultation_idle_minutes,
                                    masker=mask_personal, max_message_length=settings.max_message_length)
        app = cls(settings=settings, configuration=config, db=db, services=services, engine=engine,
                  wakeups=Wakeups(settings.database_url, fallback_seconds=settings.wakeup_fallback_seconds))

        def after_batch(channel: str, inbound_count: int, seconds: float) -> None:
            app.metrics.observe_batch(channel, inbound_count, seconds)
            app.freed_memory.after_batch()

        engine.observer = after_batch
        # Committed messages and ticket changes wake the console's live views in every worker.
        publish_commits(db, app.wakeups)
        # The one outbound path: every message is decided by one window and sent by one
        # deliverer (or, for bulk notifications, the outbox sender) through `send_once`.
        window = MessageWindow(config.whatsapp_templates,
                               default_language=settings.default_language)
        app.deliverer = Deliverer(db, app.channels)
        app.deliverer.on_outcome = app.metrics.observe_send
        engine.ride_along = app.deliverer.write_waiting
        app._build_channels()
        app.messenger = Messenger(db, app.deliverer, window, default_language=settings.default_language)
        if app.voice is not None:
            app.voice.messenger = app.messenger  # callback confirmations: the one delivery path
        app.handoff = HandoffService(db, app.messenger, translator, services.call_centre,
                                     default_language=settings.default_language,
                                     regions=programme_regions(config.programme))
        app.accounts = Accounts(db, throttle=LoginThrottle.from_settings(settings),
                                token_lifetime=timedelta(days=settings.api_token_days))
        if settings.notifications_enabled:
            from bot.delivery.service import Notifications

            app.notifications = Notifications(settings, db, app.channels, translator, window,
                                              reminders=config.reminders)
            app.notifications.sender.on_outcome = app.metrics.observe_send
            telegram = app.channels.get(Channel.telegram)
            if telegram is not None and telegram.mode == "polling":
                # getUpdates has one consumer: the leader polls, and a new leader takes over.
                telegram.leader_polls = True
                app.notifications.add_duty(telegram.start_polling, telegram.stop_polling)
        from feedback.service import Feedback

        app.feedback = Feedback(db, translator, surveys=services.surveys, templates=window.templates,
                                default_language=settings.default_language,
                                idle_minutes=settings.consultation_idle_minutes, wake=app._wake_outbox)
        app.handoff.on_ticket_resolved(app.feedback.on_ticket_resolved)
        return app

    def _build_channels(self) -> None:
        from bot.channels.webchat import WebChatChannel
        from bot.channels.webchat_sessions import SenderIds, WebChatLimits

        settings = self.settings
        self.channels[Channel.webchat] = WebChatChannel(
            self.engine, self.db, sender_ids=SenderIds(self.services.secret_key),
            limits=WebChatLimits(per_sender=settings.webchat_messages_per_sender,
                                 per_ip=settings.webchat_messages_per_ip,
                                 sessions_per_ip=settings.webchat_sessions_per_ip,
                                 polls_per_sender=settings.webchat_polls_per_sender),
            translator=self.services.translator, default_language=settings.default_language,
            wakeups=self.wakeups)
        if settings.telegram_enabled:
            from bot.channels.telegram import TelegramChannel

            self.channels[Channel.telegram] = TelegramChannel(
                token=settings.telegram_bot_token.get_secret_value(),
                api_server=str(settings.telegram_api_server).rstrip("/"), engine=self.engine,
                delivery=self.deliverer,
                translator=self.services.translator, default_language=settings.default_language,
                mode=settings.telegram_mode.value, webhook_url=settings.public_url("/webhooks/telegram"),
                webhook_secret=settings.telegram_webhook_secret.get_secret_value()
                if settings.telegram_webhook_secret else None,
            )
        if settings.whatsapp_enabled:
            from bot.channels.whatsapp import WhatsAppChannel

            self.channels[Channel.whatsapp] = WhatsAppChannel(
                account_sid=settings.twilio_account_sid,
                auth_token=settings.twilio_auth_token.get_secret_value(),
                whatsapp_from=settings.twilio_whatsapp_from, engine=self.engine, delivery=self.deliverer,
                translator=self.services.translator, public_url=settings.public_url,
                api_base=str(settings.twilio_api_base).rstrip("/") if settings.twilio_api_base else None,
            )
        if settings.voice_enabled:
            self._build_voice()

    def _build_voice(self) -> None:
        from bot.channels.voice import VoiceChannel
        from bot.voice_wiring import build_voice_line

        settings = self.settings
        self.voice = build_voice_line(settings, self.db, self.services)
        self.channels[Channel.phone] = VoiceChannel(
            account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token.get_secret_value(),
            line=self.voice, translator=self.services.translator, public_url=settings.public_url,
            api_base=str(settings.twilio_api_base).rstrip("/") if settings.twilio_api_base else None)

    def web_app(self) -> web.Application:
        from bot.console import console_routes

        from bot.console.faq_misses import faq_misses_routes
        from bot.console.reports import reports_routes

        from bot.web.ops import ops_routes

        return build_web_app([channel.routes() for channel in self.channels.values()]
                             + [console_routes(self), reports_routes(self), faq_misses_routes(self),
                                ops_routes(self)],
                             trusted_proxies=self.settings.proxy_networks)

    async def start(self) -> None:
        await self.db.upgrade()
        self._checkpoints = self.db.start_checkpoints()
        self._retention = None
        if self.settings.retention_days:
            from bot.retention import retention_forever

            self._retention = asyncio.create_task(retention_forever(self.db, self.settings.retention_days),
                                                  name="retention")
        if self.wakeups is not None:
            await self.wakeups.start()  # before serving: a long poll may wait at once
        app = self.web_app()
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        for channel in self.channels.values():
            await channel.start()
        if self.notifications is not None:
            # After the channels: the sender needs their clients (Twilio's is made in start).
            await self.notifications.start()
        if self.feedback is not None:
            await self.feedback.start()  # closes idle consultations (CSAT), sends due surveys
        # What start-up built (aiogram's API models alone are over a million objects) lives
        # as long as the process: keep it out of every later garbage-collection pass.
        gc.collect()
        gc.freeze()
        return_freed_memory()  # what building the FAQ index and reading the configuration freed

    @property
    def bound_port(self) -> int:
        """The port actually listened on (HTTP_PORT=0 picks a free one, as tests do)."""
        assert self.runner is not None
        for site in self.runner.sites:
            server = site._server  # noqa: SLF001 — aiohttp keeps the bound socket there
            if server and server.sockets:
                return server.sockets[0].getsockname()[1]
        return self.settings.http_port

    def _wake_outbox(self) -> None:
        if self.notifications is not None:
            self.notifications.sender.wake()

    async def stop(self) -> None:
        relearning = getattr(self, "faq_relearning", None)
        if relearning is not None and not relearning.done():
            await relearning  # a matcher rebuilt from edited topics (console): let it finish
        if self.feedback is not None:
            await self.feedback.stop()
        if self.notifications is not None:
            # Before the channels close: requests in flight finish and are recorded.
            await self.notifications.stop()
        if self.deliverer is not None:
            await self.deliverer.drain()
        for channel in self.channels.values():
            try:
                await channel.stop()
            except Exception:
                log.exception("stopping %s failed", channel.channel.value)
        if self.runner is not None:
            await self.runner.cleanup()
        if self.wakeups is not None:
            await self.wakeups.stop()
        gc.unfreeze()
        retention = getattr(self, "_retention", None)
        if retention is not None:
            retention.cancel()
            await asyncio.gather(retention, return_exceptions=True)
        checkpoints = getattr(self, "_checkpoints", None)
        if checkpoints is not None:
            checkpoints.cancel()
            await asyncio.gather(checkpoints, return_exceptions=True)
        await self.db.dispose()

    def describe(self) -> list[str]:
        base = f"http://{self.settings.http_host}:{self.settings.http_port}"
        lines = [f"web chat:  on  — {base}/  (POST {base}/webhooks/rest/webhook)"]
        if Channel.telegram in self.channels:
            mode = self.settings.telegram_mode.value
            where = self.settings.public_url("/webhooks/telegram") if mode == "webhook" else str(self.settings.telegram_api_server)
            lines.append(f"telegram:  on  — {mode} ({where})")
        else:
            lines.append("telegram:  off — set TELEGRAM_BOT_TOKEN to turn it on")
        if Channel.whatsapp in self.channels:
            lines.append(f"whatsapp:  on  — webhook {self.settings.public_url('/webhooks/twilio/whatsapp')}")
        else:
            lines.append("whatsapp:  off — set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM")
        if Channel.phone in self.channels:
            operators = len(self.voice.line.operators)
            lines.append(f"phone:     on  — {self.settings.twilio_voice_number}, webhook "
                         f"{self.settings.public_url('/webhooks/twilio/voice')}, status callbacks "
                         f"{self.settings.public_url('/webhooks/twilio/voice/status')}; "
                         + (f"{operators} operator(s), {self.settings.voice_dial_mode}" if operators
                            else "no VOICE_OPERATORS: callers reach voicemail"))
        else:
            lines.append("phone:     off — set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_VOICE_NUMBER "
                         "(and VOICE_OPERATORS)")
        lines.append(f"database:  {self.db.engine.url.render_as_string(hide_password=True)}")
        return lines


async def run_forever(settings: Settings) -> None:
    bot = ZhasBot.build(settings)
    await bot.start()
    for line in bot.describe():
        print(line, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            pass
    try:
        await stop.wait()
    finally:
        await bot.stop()
