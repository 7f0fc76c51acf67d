"""kill -9 of the leader mid-broadcast, 3 workers on PostgreSQL: another worker finishes it."""
import asyncio
import collections

import pytest
from sqlalchemy import select

from fakes.telegram_api import FakeTelegramAPI
from storage.outbox import OutboxMessage
from storage.unit_of_work import Database
from tests.conftest import POSTGRES_URL, reset_postgres
from tests.notify.helpers import run_import, seed_linked, status_rows
from fakes.workers import start_workers, stop_workers

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")

COUNT = 210  # 7 s at 30/s: the kill lands in the middle
CHECK_SECONDS = 2


async def rows(db):
    async with db.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_leader_killed_mid_broadcast_another_worker_finishes(tmp_path):
    await reset_postgres(POSTGRES_URL)
    db = Database(POSTGRES_URL)
    await db.upgrade()
    # The fake enforces Telegram's limits: a 429 would show two senders at once.
    async with FakeTelegramAPI(rate_limit_per_second=30, per_chat_limit=1) as telegram:
        workers = await start_workers(tmp_path, 3, POSTGRES_URL, telegram_api=telegram.base_url,
                                      outbox_poll_seconds=0.2, leader_check_seconds=CHECK_SECONDS)
        try:
            await seed_linked(db, COUNT, status="received")
            report = await run_import(db, status_rows(COUNT, "winner"))
            assert report.notifications_queued == COUNT

            def winners():
                return collections.Counter(s.chat_id for s in telegram.sent if s.text and "Победитель" in s.text)

            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while len(winners()) < COUNT // 3:
                assert loop.time() < deadline, "the broadcast did not start"
                await asyncio.sleep(0.02)
            leader = workers[0]  # started first, so it took the lock
            leader.kill()
            killed_at, sent_at_kill = loop.time(), len(winners())
            assert sent_at_kill < COUNT
            first_after = None
            deadline = loop.time() + 60
            while True:
                if first_after is None and len(winners()) > sent_at_kill:
                    first_after = loop.time()
                states = {r.state for r in await rows(db)}
                if states <= {"sent", "failed"}:
                    break
                assert loop.time() < deadline, f"not settled: {collections.Counter(r.state for r in await rows(db))}"
                await asyncio.sleep(0.1)
            final = await rows(db)
        finally:
            stop_workers(workers)
            await db.dispose()
        counts = winners()
        assert not [c for c in telegram.calls if c.status == 429]
    failover = first_after - killed_at
    assert failover <= 15, f"failover took {failover:.1f} s"
    # 0 duplicates; 0 lost: every row is sent, or failed as interrupted in flight (at most once).
    assert set(counts.values()) == {1}, "a message was repeated"
    interrupted = [r for r in final if r.state == "failed"]
    assert all("interrupted" in (r.last_error or "") for r in interrupted)
    assert len(counts) + len(interrupted) >= COUNT and len(counts) <= COUNT
    assert len(interrupted) <= 16
    # Never two senders at once: every claim of the dead leader precedes the new one's first.
    by_owner = collections.defaultdict(list)
    for row in final:
        by_owner[row.claimed_by].append(row.claimed_at)
    assert len(by_owner) == 2, by_owner.keys()
    (first, a), (second, b) = sorted(by_owner.items(), key=lambda item: min(item[1]))
    assert max(a) < min(b)
    for worker in workers[1:]:
        assert "Traceback" not in worker.log, worker.log[-3000:]
