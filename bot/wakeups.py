"""Wake-ups across workers: "something new for X" reaches every process serving X.

A long poll (the web chat's `GET /webhooks/rest/messages`) waits on a topic such as
`webchat:<sender>`. `publish(topic)` wakes the waiters of this process at once and, on
PostgreSQL, sends `NOTIFY zhasbot_wake, '<topic>'`; every worker LISTENs on a dedicated
asyncpg connection (not one of the pool's: a pooled connection is handed to other work and
would drop the subscription) and wakes its own waiters. NOTIFY is best-effort — while the
listening connection is down, or between a reconnect and the next notification, a wake-up
can be missed — so waiters also re-read the database every `fallback_seconds` (short while
the listener is down). SQLite means one process: the in-process wake-up is all there is.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Iterator

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "zhasbot_wake"
MAX_PAYLOAD = 7999  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more


class Watch:
    """One waiter's registration: made *before* reading the database, so a wake-up that
    comes between the read and the wait is not lost."""

    def __init__(self, wakeups: "Wakeups"):
        self._wakeups = wakeups
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` (cut to the polling fallback); True if woken."""
        try:
            await asyncio.wait_for(self._event.wait(), min(timeout, self._wakeups.fallback_seconds))
            return True
        except TimeoutError:
            return False
        finally:
            self._event.clear()


class Wakeups:
    def __init__(self, database_url: str, *, fallback_seconds: float = 5.0,
                 reconnect_seconds: float = 1.0):
        url = make_url(database_url)
        self.cross_process = url.get_backend_name() == "postgresql"
        # asyncpg takes a plain libpq-style DSN, not SQLAlchemy's "+asyncpg" URL.
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False) \
            if self.cross_process else None
        self._fallback = fallback_seconds
        self._reconnect = reconnect_seconds
        self._watches: defaultdict[str, set[Watch]] = defaultdict(set)
        self._connection = None
        self._connection_lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self.listening = asyncio.Event()
        self.received = 0  # notifications from the database (tests and metrics read it)
        self._outgoing: set[str] = set()
        self._sending: asyncio.Future | None = None

    @property
    def fallback_seconds(self) -> float:
        if not self.cross_process:
            return float("inf")
        return self._fallback if self.listening.is_set() else self._reconnect

    # --- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        if self.cross_process and self._task is None:
            self._task = asyncio.create_task(self._listen_forever(), name="wakeups-listen")
            try:  # usually connected at once; a slow database only delays cross-process wake-ups
                await asyncio.wait_for(self.listening.wait(), 5)
            except TimeoutError:
                log.warning("wake-ups: not listening yet; long polls re-read the database meanwhile")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._close()

    async def _close(self) -> None:
        self.listening.clear()
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 2)

    async def _listen_forever(self) -> None:
        import asyncpg

        while True:
            try:
                connection = await asyncpg.connect(self._dsn, timeout=10)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _c: lost.set())
                await connection.add_listener(CHANNEL, self._on_notify)
                self._connection = connection
                self.listening.set()
                # Anything published while we were not listening is unknown: everyone re-reads.
                self._wake_all()
                while not lost.is_set() and not connection.is_closed():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), 5)
                log.warning("wake-ups: listening connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("wake-ups: cannot listen (%s); retrying", exc)
            await self._close()
            await asyncio.sleep(self._reconnect)

    def _on_notify(self, _connection, _pid, _channel, payload: str) -> None:
        self.received += 1
        for topic in payload.split("\n"):
            self._wake_local(topic)

    # --- waiting and waking ---------------------------------------------------------------
    @contextlib.contextmanager
    def watch(self, topic: str) -> Iterator[Watch]:
        watch = Watch(self)
        self._watches[topic].add(watch)
        try:
            yield watch
        finally:
            watches = self._watches.get(topic)
            if watches is not None:
                watches.discard(watch)
                if not watches:
                    del self._watches[topic]

    def _wake_local(self, topic: str) -> None:
        for watch in self._watches.get(topic, ()):
            watch.set()

    def _wake_all(self) -> None:
        for watches in self._watches.values():
            for watch in watches:
                watch.set()

    async def publish(self, *topics: str) -> None:
        """Wake the topics' waiters here and in every other worker (after the write committed).

        NOTIFYs are coalesced: topics published while one is being sent go together in the
        next one (newline-separated), so a busy worker sends about one per round trip.
        """
        for topic in topics:
            self._wake_local(topic)
        if not self.cross_process:
            return
        connection = self._connection
        if connection is None or connection.is_closed():
            return  # the others' polling fallback will find it
        self._outgoing.update(topic for topic in topics if len(topic.encode()) < MAX_PAYLOAD)
        if self._sending is None or self._sending.done():
            self._sending = asyncio.ensure_future(self._send_outgoing())
        await asyncio.shield(self._sending)

    async def _send_outgoing(self) -> None:
        while self._outgoing:
            payloads, size, current = [], 0, []
            for topic in sorted(self._outgoing):
                length = len(topic.encode()) + 1
                if current and size + length > MAX_PAYLOAD:
                    payloads.append("\n".join(current))
                    current, size = [], 0
                current.append(topic)
                size += length
            payloads.append("\n".join(current))
            self._outgoing.clear()
            connection = self._connection
            if connection is None or connection.is_closed():
                return
            try:
                async with self._connection_lock:  # one query at a time on an asyncpg connection
                    for payload in payloads:
                        await connection.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
            except Exception as exc:
                log.warning("wake-ups: NOTIFY failed (%s); other workers will find it by polling", exc)
