"""Sending journaled messages now: replies to an inbound message and operators' answers.

Each message is one `send_once` per attempt on its channel's adapter; the retry policy and
the error vocabulary (bot/delivery/outcomes.py) decide what an answer means, and the result
is written back to the journal. One chat's messages go out in order, chats in parallel.
What became of them is written by group commit: deliveries that finish while one write is
under way share the next, and results waiting while the engine writes an inbound batch ride
in that batch's commit (`write_waiting`) instead of a transaction of their own after it.
The outbox sender (bot/delivery/sender.py) is the other caller of `send_once`: it paces
bulk sends and retries later instead of waiting.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Awaitable, Callable
from weakref import WeakValueDictionary

from bot.delivery.journal import record_results, write_results
from bot.delivery.outcomes import FAILED, RetryPolicy
from core.messages import Channel, Reply, SendOutcome, SendResult
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

REPLY_POLICY = RetryPolicy(max_attempts=4, backoff_base=0.5, backoff_max=8.0)


class Deliverer:
    def __init__(self, db: Database, channels: dict[Channel, object], *,
                 policy: RetryPolicy = REPLY_POLICY, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.db = db
        self.channels = channels  # filled by the app once the adapters exist
        self.policy = policy
        self.sleep = sleep
        # Held only while a chat's messages go out: a lock nobody holds is dropped, so the map
        # does not grow with every chat the bot ever wrote to (as the engine's locks).
        self._chat_locks: WeakValueDictionary[tuple[Channel, str], asyncio.Lock] = WeakValueDictionary()
        self._tasks: set[asyncio.Task] = set()
        self._unrecorded: list[tuple[list[SendResult], asyncio.Future]] = []
        self._recorder: asyncio.Task | None = None
        self.result_writes = 0  # how many commits recorded results (tests read it)
        # Told (channel, outcome kind) after every attempt, as the outbox sender tells it.
        self.on_outcome: Callable[[str, str], None] | None = None

    async def send(self, reply: Reply) -> SendResult:
        """One message, retried as the policy says; never raises for a delivery failure."""
        adapter = self.channels.get(reply.address.channel)
        if adapter is None:
            return SendResult(reply.message_id, None, FAILED, "channel_off")
        attempts = 0
        while True:
            attempts += 1
            try:
                outcome = await adapter.send_once(reply)
            except Exception:  # an adapter bug must not lose the journal update
                log.exception("%s adapter failed to send", reply.address.channel.value)
                outcome = SendOutcome("bad_request", error="adapter_error")
            if self.on_outcome is not None:
                self.on_outcome(reply.address.channel.value, outcome.kind)
            verdict = self.policy.judge(outcome, attempts)
            if verdict.final:
                if verdict.status != "sent":
                    log.info("message %s not delivered on %s: %s", reply.message_id,
                             reply.address.channel.value, verdict.error)
                return SendResult(reply.message_id, outcome.channel_message_id, verdict.status, verdict.error)
            await self.sleep(verdict.retry_in or 0.0)

    async def deliver(self, replies: list[Reply]) -> list[SendResult]:
        """Send and record: each chat's messages in order, chats in parallel."""
        if not replies:
            return []
        by_chat: defaultdict[tuple[Channel, str], list[Reply]] = defaultdict(list)
        for reply in replies:
            by_chat[(reply.address.channel, reply.address.user_id)].append(reply)

        async def one_chat(key: tuple[Channel, str], chat_replies: list[Reply]) -> list[SendResult]:
            lock = self._chat_locks.get(key)
            if lock is None:
                lock = self._chat_locks[key] = asyncio.Lock()
            async with lock:
                return [await self.send(reply) for reply in chat_replies]

        if len(by_chat) == 1:
            ((key, chat_replies),) = by_chat.items()
            results = await one_chat(key, chat_replies)
        else:
            per_chat = await asyncio.gather(*(one_chat(k, r) for k, r in by_chat.items()))
            results = [result for chat_results in per_chat for result in chat_results]
        await self._record(results)
        return results

    async def _record(self, results: list[SendResult]) -> None:
        """Return once `results` are committed, in a write shared with whatever else
        finished meanwhile."""
        done = asyncio.get_running_loop().create_future()
        self._unrecorded.append((results, done))
        if self._recorder is None or self._recorder.done():
            # A task of its own: a cancelled delivery does not cancel the others' write.
            self._recorder = asyncio.create_task(self._record_pending(), name="delivery-results")
        await asyncio.shield(done)

    async def _record_pending(self) -> None:
        while self._unrecorded:
            waiting: list[tuple[list[SendResult], asyncio.Future]] = []
            try:
                # The writer's turn first (the engine's batch, if one is being written, takes
                # what is waiting into its own commit), then whatever is still waiting.
                async with self.db.write_lock:
                    waiting, self._unrecorded = self._unrecorded, []
                    if waiting:
                        await record_results(self.db, [result for results, _ in waiting for result in results])
            except Exception:  # the messages went out; nobody waits for this answer
                log.exception("could not record delivery results")
            if waiting:
                self._recorded(waiting)

    def _recorded(self, waiting: list[tuple[list[SendResult], asyncio.Future]]) -> None:
        self.result_writes += 1
        for _, done in waiting:
            if not done.done():
                done.set_result(None)

    async def write_waiting(self, uow: UnitOfWork) -> "RidingResults | None":
        """Write the results waiting to be recorded in the caller's transaction (the caller
        holds the write lock and commits next); the caller tells the returned object how
        that commit went."""
        if not self._unrecorded:
            return None
        riding = RidingResults(self, self._unrecorded)
        self._unrecorded = []
        try:
            await write_results(uow, [result for results, _ in riding.waiting for result in results])
        except BaseException:
            riding.rolled_back()
            raise
        return riding

    def deliver_later(self, replies: list[Reply], first: Callable[[], Awaitable[None]] | None = None) -> None:
        """Deliver in the background (after `first`, e.g. acknowledging button presses), so
        an inbound batch is confirmed without waiting for its replies to go out."""
        if not replies and first is None:
            return
        task = asyncio.create_task(self._deliver_after(replies, first))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_after(self, replies: list[Reply], first) -> None:
        if first is not None:
            await first()
        await self.deliver(replies)

    async def drain(self) -> None:
        """Wait for background deliveries (before the channels close)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class RidingResults:
    """Delivery results written in another transaction, waiting to hear how it ended."""

    def __init__(self, deliverer: Deliverer, waiting: list[tuple[list[SendResult], asyncio.Future]]):
        self.deliverer = deliverer
        self.waiting = waiting

    def committed(self) -> None:
        self.deliverer._recorded(self.waiting)

    def rolled_back(self) -> None:
        """Queue them again, for a write of their own."""
        deliverer = self.deliverer
        deliverer._unrecorded[:0] = self.waiting
        if deliverer._recorder is None or deliverer._recorder.done():
            deliverer._recorder = asyncio.create_task(deliverer._record_pending(), name="delivery-results")
