"""Group commit for webhook-style channels: concurrent requests share one engine batch.

Each web-chat request used to be its own engine batch — two commits, then a third for
"delivered" — one after another behind SQLite's single writer, so latency grew with the
number of users (≈ 5 ms × users). Here the first request runs at once; requests arriving
while a batch is being written wait for the next one and then share its commits, the way a
Telegram `getUpdates` batch does (bot/engine.py handle_batch). Nothing waits on a timer: a
batch is whatever arrived while the previous one was written. One sender's messages never
share a batch, so every request gets exactly its own replies, in order.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Awaitable, Callable

from core.messages import Inbound, Reply

log = logging.getLogger(__name__)

MAX_BATCH = 100


class GroupCommit:
    def __init__(self, handle_batch: Callable[[list[Inbound]], Awaitable[list[Reply]]], *,
                 max_batch: int = MAX_BATCH):
        self.handle_batch = handle_batch
        self.max_batch = max_batch
        self._pending: list[tuple[Inbound, asyncio.Future]] = []
        self._runner: asyncio.Task | None = None
        self.batches = 0  # how many engine batches ran (the bench and tests read it)

    async def submit(self, inbound: Inbound) -> list[Reply]:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((inbound, future))
        if self._runner is None or self._runner.done():
            # A task of its own: a client that hangs up does not cancel the others' batch.
            self._runner = asyncio.create_task(self._drain(), name="group-commit")
        return await asyncio.shield(future)

    def _take(self) -> list[tuple[Inbound, asyncio.Future]]:
        batch, rest, senders = [], [], set()
        for item in self._pending:
            key = (item[0].channel, item[0].user_id)
            if key in senders or len(batch) >= self.max_batch:
                rest.append(item)
            else:
                senders.add(key)
                batch.append(item)
        self._pending = rest
        return batch

    async def _drain(self) -> None:
        while self._pending:
            batch = self._take()
            try:
                replies = await self.handle_batch([inbound for inbound, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            finally:
                self.batches += 1
            by_sender: defaultdict[tuple, list[Reply]] = defaultdict(list)
            for reply in replies:
                by_sender[(reply.address.channel, reply.address.user_id)].append(reply)
            for inbound, future in batch:
                if not future.done():
                    future.set_result(by_sender.get((inbound.channel, inbound.user_id), []))
