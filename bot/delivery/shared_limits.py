"""Telegram's limits counted in Redis, so that every worker's sends share one budget.

Telegram allows about 30 messages a second per bot and one a second per chat, whichever
process sends them. Each worker keeps its own Pacer (smooth spacing, 429 pauses); with
REDIS_URL set, every Telegram send also takes a hit in moving windows kept in Redis (the
`limits` library's moving-window strategy, one atomic Lua script per hit), so a new leader
right after a failover, or a second sender, cannot exceed what the others already used.
Without Redis, one process sends the outbox at a time (bot/delivery/leader.py) and counts
alone. Redis unreachable: sends go on under the local pacing only, with a warning.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class SharedTelegramLimits:
    def __init__(self, url: str, *, rate: float, per_chat_interval: float, prefix: str = "zhasbot"):
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
