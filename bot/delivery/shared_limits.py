"""Telegram's limits shared by every worker: in Redis, or else in PostgreSQL.

Telegram allows about 30 messages a second per bot and one a second per chat, whichever
process sends them. Each worker keeps its own Pacer (smooth spacing, 429 pauses); with
REDIS_URL set, every Telegram send also takes a hit in moving windows kept in Redis (the
`limits` library's moving-window strategy, one atomic Lua script per hit), so a new leader
right after a failover, or a second sender, cannot exceed what the others already used.
Without Redis on PostgreSQL, one worker at a time holds a lease on sending
(DatabaseTelegramLimits);
one process on SQLite counts alone. Either store unreachable: sends go on under the local
pacing only, with a warning.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time

from storage.send_leases import take_lease

log = logging.getLogger(__name__)


class SharedTelegramLimits:
    def __init__(self, url: str, *, rate: float, per_chat_interval: float, prefix: str = "zhasbot"):
        # Imported with REDIS_URL only: the library costs a process ~2 MB.
        from limits import RateLimitItemPerSecond
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import MovingWindowRateLimiter

        self._limiter = MovingWindowRateLimiter(RedisStorage(url, implementation="redispy", key_prefix=prefix))
        # Whole messages per second; a fractional rate rounds down (never above Telegram's).
        self._global = RateLimitItemPerSecond(max(1, int(rate)))
        # The library counts in whole seconds: an interval rounds up (never faster than asked).
        self._chat = RateLimitItemPerSecond(1, max(1, math.ceil(per_chat_interval))) if per_chat_interval > 0 else None
        self._warned = False

    def _unavailable(self, exc: Exception) -> None:
        if not self._warned:
            log.warning("shared Telegram limits: Redis unavailable (%s); pacing this worker alone", exc)
            self._warned = True

    async def _wait_for(self, item, *keys: str) -> float:
        stats = await self._limiter.get_window_stats(item, *keys)
        return max(0.005, stats.reset_time - time.time())

    async def acquire(self) -> None:
        """Wait until the bot-wide window has room, and take one place in it."""
        while True:
            try:
                if await self._limiter.hit(self._global, "telegram", "global"):
                    self._warned = False
                    return
                wait = await self._wait_for(self._global, "telegram", "global")
            except Exception as exc:  # redis errors of every kind: fail open to local pacing
                self._unavailable(exc)
                return
            await asyncio.sleep(min(wait, 1.0))

    async def take_chat(self, chat: str) -> float:
        """0 when this send may go to `chat` now (its place is taken); else seconds to wait."""
        if self._chat is None:
            return 0.0
        try:
            if await self._limiter.hit(self._chat, "telegram", "chat", chat):
                return 0.0
            return await self._wait_for(self._chat, "telegram", "chat", chat)
        except Exception as exc:
            self._unavailable(exc)
            return 0.0


class DatabaseTelegramLimits:
    """The same limits without Redis, through PostgreSQL (storage/send_leases.py): one sender
    at a time holds a lease and paces itself exactly (bot/delivery/ratelimit.py); another
    worker sends only once that lease has lapsed for longer than Telegram's window and a slow
    request (`GAP`), so two workers never share a second of the bot-wide budget, nor of a
    chat's. One round trip per second or so (a renewal), not per message.

    The usual case is one leader: it holds the lease throughout. Two senders at once happen
    only in a failover's overlap (a leader that lost its lock connection sends until its next
    check): the second waits. Database unreachable: local pacing only, with a warning.
    """

    KEY = "telegram"
    HOLD = 2.0  # seconds a lease lasts
    RENEW_BEFORE = 1.0  # renew when less than this is left
    GAP = 1.5  # Telegram's one-second window plus a slow request's answer

    def __init__(self, engine, *, owner: str | None = None):
        import uuid

        self._engine = engine
        self.owner = owner or uuid.uuid4().hex
        self._until = 0.0  # local monotonic time before which our lease surely holds
        self._warned = False

    async def _take(self) -> float:
        async with self._engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return await take_lease(connection, self.KEY, self.owner, hold=self.HOLD, gap=self.GAP)

    async def acquire(self) -> None:
        """Return once this worker holds the lease for the request about to start."""
        while self._until - time.monotonic() < self.RENEW_BEFORE:
            # Measured before asking: the database's "now" is later, so the lease ends later
            # than we count.
            asked = time.monotonic()
            try:
                wait = await self._take()
            except Exception as exc:
                if not self._warned:
                    log.warning("shared Telegram limits: database unavailable (%s); pacing this worker alone", exc)
                    self._warned = True
                return
            self._warned = False
            if wait == 0:
                self._until = asked + self.HOLD
                return
            if self._until > time.monotonic():
                return  # ours still holds (another cannot have it): renew next time
            await asyncio.sleep(min(wait, 1.0))

    async def take_chat(self, chat: str) -> float:
        """Always 0: with one lease holder at a time its own chat spacing is the whole truth
        (the gap covers the previous holder's last message to any chat)."""
        return 0.0
