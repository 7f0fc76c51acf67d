"""The notifications runtime started by ZhasBot.start: leader election, the outbox sender,
the reminder scheduler and Telegram polling (all only in the leader process)."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Awaitable, Callable

from sqlalchemy.engine import make_url

from core.i18n import Translator
from core.messages import Channel
from bot.delivery.leader import Leadership, leader_present
from bot.delivery.shared_limits import DatabaseTelegramLimits, SharedTelegramLimits
from bot.delivery.sender import OutboxSender, SenderConfig
from bot.delivery.window import MessageWindow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

LEADER_CHECK_SECONDS = 5.0  # the default of settings.leader_check_seconds


def sent_log_path(settings) -> Path | None:
    """OUTBOX_SENT_LOG, else next to a SQLite database file, else data/outbox-sent.log."""
    if settings.outbox_sent_log:
        return Path(settings.outbox_sent_log)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return Path(url.database + ".sent.log")
    return Path("data") / "outbox-sent.log"


def shared_limits(settings, db: Database) -> SharedTelegramLimits | DatabaseTelegramLimits | None:
    """Telegram's limits for several workers: in Redis when REDIS_URL is set, else in
    PostgreSQL; none on SQLite (one process counts alone)."""
    if settings.redis_url:
        return SharedTelegramLimits(settings.redis_url, rate=settings.telegram_notify_rate,
                                    per_chat_interval=settings.notify_per_chat_interval,
                                    prefix=settings.redis_key_prefix)
    if db.dialect == "postgresql":
        return DatabaseTelegramLimits(db.engine)
    return None


class Notifications:
    def __init__(self, settings, db: Database, channels: dict[Channel, object], translator: Translator,
                 window: MessageWindow, *, reminders=None):
        self.settings = settings
        self.db = db
        self.leadership = Leadership(settings.database_url)
        self.sender = OutboxSender(db, channels, window=window, sent_log=sent_log_path(settings),
                                   config=SenderConfig(
                                       telegram_rate=settings.telegram_notify_rate,
                                       twilio_rate=settings.twilio_rate_per_second,
                                       per_chat_interval=settings.notify_per_chat_interval,
                                       max_attempts=settings.outbox_max_attempts,
                                       backoff_base=settings.outbox_retry_base_seconds,
                                       poll_interval=settings.outbox_poll_seconds,
                                       ambiguous_policy=settings.outbox_ambiguous_policy),
                                   shared_limits=shared_limits(settings, db))
        self.scheduler = None
        if settings.reminders_enabled:
            from notify.reminders import ReminderScheduler

            self.scheduler = ReminderScheduler(settings, db, translator, config=reminders)
        self._watch: asyncio.Task | None = None
        self._running = False
        # Other leader duties (Telegram polling): (start, stop) coroutines, run after the
        # sender starts and stopped before it.
        self._duties: list[tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]] = []
        self.check_seconds = settings.leader_check_seconds

    def add_duty(self, start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]) -> None:
        self._duties.append((start, stop))

    async def leader_known(self) -> bool:
        return await leader_present(self.leadership)

    async def start(self) -> None:
        await self._become_leader()  # at once, so a single process is sending when start returns
        self._watch = asyncio.create_task(self._watch_leadership(), name="notifications-leader")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        await self._stop_duties()
        await self.leadership.release()

    async def _become_leader(self) -> None:
        if await self.leadership.try_acquire():
            log.info("this process is the leader: sending the outbox and running reminders")
            await self.sender.start()
            if self.scheduler is not None:
                await self.scheduler.start()
            self._running = True
            for start, _stop in self._duties:
                await start()

    async def _stop_duties(self) -> None:
        if not self._running:
            return
        self._running = False
        for _start, stop in reversed(self._duties):
            await stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
        await self.sender.stop()

    async def _watch_leadership(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                if self._running and not await self.leadership.still_leader():
                    await self._stop_duties()
                elif not self._running:
                    await self._become_leader()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("leader check failed")
