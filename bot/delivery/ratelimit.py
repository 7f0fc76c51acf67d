"""Pacing for bulk sends: evenly spaced slots, a global pause on 429, and per-chat spacing."""
from __future__ import annotations

import asyncio
import collections
import time
from typing import Callable


class Pacer:
    """At most `rate` requests in any window of one second (plus a small `margin`), never two
    closer than 0.8 of the even spacing.

    The window is counted the way Telegram counts it, and conservatively: a request occupies
    the window from the moment it is allowed until its answer has come back (`done(ticket)`),
    and then counts from its *completion* time. The API saw it somewhere in between, so the API
    never sees more than `rate` in its own one-second window, however the event loop or the
    network delayed individual requests. A request delayed by a slow database commit leaves room
    that the next ones may use (the 0.8 spacing lets them catch up), so latency spikes do not
    lower the sustained rate. `pause(seconds)` — after a 429's retry_after — holds every later
    request until the pause is over.
    """

    def __init__(self, rate: float, *, margin: float = 0.005, clock: Callable[[], float] = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        if rate >= 1:
            self.count, self.span = int(rate), 1.0 + margin
        else:
            self.count, self.span = 1, 1.0 / rate + margin
        self.min_gap = 0.8 / rate  # catching up after a stall: at most 1.25 × the rate
        self.clock = clock
        self._completed: collections.deque[float] = collections.deque()
        self._in_flight: set[int] = set()
        self._tickets = 0
        self._last = -1e9
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def _slot(self, now: float) -> float:
        completed = self._completed
        while completed and completed[0] <= now - self.span:
            completed.popleft()
        slot = max(now, self._paused_until, self._last + self.min_gap)
        excess = len(self._in_flight) + len(completed) - self.count
        if excess >= 0:
            if excess < len(completed):
                slot = max(slot, completed[excess] + self.span)
            else:  # the window is full of requests still in flight: wait for an answer
                slot = max(slot, now + 0.002)
        return slot

    async def acquire(self) -> int:
        """Wait for a slot; returns a ticket to give back with `done` once answered."""
        async with self._lock:  # one waiter at a time keeps the slots in order
            while True:
                now = self.clock()
                slot = self._slot(now)
                if slot > now:
                    await asyncio.sleep(slot - now)
                    continue  # a pause or an answer may have come in while we slept
                self._last = now
                self._tickets += 1
                self._in_flight.add(self._tickets)
                return self._tickets

    def done(self, ticket: int) -> None:
        if ticket in self._in_flight:
            self._in_flight.discard(ticket)
            self._completed.append(self.clock())

    def cancel(self, ticket: int) -> None:
        """The request was not made after all: its slot is free again."""
        self._in_flight.discard(ticket)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def pause_left(self) -> float:
        return max(0.0, self._paused_until - self.clock())

    @property
    def paused(self) -> bool:
        return self._paused_until > self.clock()


class ChatSpacing:
    """At most one message per `interval` seconds to the same chat."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.clock = clock
        self._ready: dict[object, float] = {}

    def ready_in(self, chat: object) -> float:
        return max(0.0, self._ready.get(chat, 0.0) - self.clock())

    def mark(self, chat: object) -> None:
        now = self.clock()
        self._ready[chat] = now + self.interval
        if len(self._ready) > 10_000:
            self._ready = {key: when for key, when in self._ready.items() if when > now}
