"""Telegram's limits shared through PostgreSQL when there is no Redis: two workers together
never exceed 30 messages a second or one a second per chat."""
import asyncio
import collections
import time

import pytest

from bot.delivery.shared_limits import DatabaseTelegramLimits
from fakes.telegram_api import FakeTelegramAPI
from storage.outbox import OutboxMessage
from storage.unit_of_work import Database
from tests.conftest import POSTGRES_URL, reset_postgres
from tests.notify.helpers import run_import, seed_linked, status_rows
from tests.support.app import running_bot
from tests.support.timing import max_in_window

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")


@pytest.fixture
async def two_databases():
    await reset_postgres(POSTGRES_URL)
    first, second = Database(POSTGRES_URL), Database(POSTGRES_URL)  # two pools, as two workers
    await first.upgrade()
    try:
        yield first, second
    finally:
        await first.dispose()
        await second.dispose()


async def test_one_worker_sends_at_a_time_and_the_next_waits_out_the_window(two_databases):
    a, b = (DatabaseTelegramLimits(db.engine) for db in two_databases)
    await a.acquire()
    # While A keeps sending (renewing its lease), B may not start.
    waiting = asyncio.create_task(b.acquire())
    for _ in range(10):
        await asyncio.sleep(0.15)
        await a.acquire()
        assert not waiting.done()
    last_of_a = time.monotonic()
    await asyncio.wait_for(waiting, 10)
    # A's lease (HOLD from its last renewal) plus GAP: longer than Telegram's window, so no
    # second — bot-wide or of one chat — holds sends of both.
    assert time.monotonic() - last_of_a >= 1.0 + 0.2
    blocked = asyncio.create_task(a.acquire())  # now A waits for B
    await asyncio.sleep(0.3)
    assert not blocked.done()
    blocked.cancel()


async def test_database_down_means_local_pacing_only():
    unreachable = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    limits = DatabaseTelegramLimits(unreachable.engine)
    try:
        await asyncio.wait_for(limits.acquire(), 10)
        assert await limits.take_chat("1") == 0
    finally:
        await unreachable.dispose()


async def test_two_senders_at_once_stay_within_telegram_limits(two_databases):
    """Two workers sending the outbox at the same time (a failover's overlap), no REDIS_URL."""
    db = two_databases[0]
    # 10/s rather than 30: two unshared senders would surely exceed it together (20/s).
    count, rate = 40, 10
    async with FakeTelegramAPI(rate_limit_per_second=rate, per_chat_limit=1) as telegram:
        settings = dict(telegram_bot_token="123456:TEST", telegram_api_server=telegram.base_url,
                        telegram_notify_rate=rate,
                        telegram_mode="webhook", public_base_url="https://bot.example.org",
                        telegram_webhook_secret="secret-secret", reminders_enabled=False,
                        outbox_poll_seconds=0.05, redis_url=None)
        async with running_bot(POSTGRES_URL, **settings) as first, running_bot(POSTGRES_URL, **settings) as second:
            assert first.notifications.sender.shared_limits is not None
            assert first.notifications.leadership.is_leader and not second.notifications.leadership.is_leader
            await second.notifications.sender.start()  # a second sender, as if both led
            try:
                await seed_linked(db, count, status="received")
                report = await run_import(db, status_rows(count, "winner"))
                assert report.notifications_queued == count
                deadline = asyncio.get_running_loop().time() + 30
                while True:
                    async with db.sessions() as session:
                        states = collections.Counter(await session.scalars(
                            OutboxMessage.__table__.select().with_only_columns(OutboxMessage.state)))
                    if set(states) == {"sent"}:
                        break
                    assert asyncio.get_running_loop().time() < deadline, states
                    await asyncio.sleep(0.1)
            finally:
                await second.notifications.sender.stop()
        sent = [s for s in telegram.sent if s.text and "Победитель" in s.text]
        assert len(sent) == count and len({s.chat_id for s in sent}) == count
        assert telegram.too_many_requests == 0
        assert max_in_window([s.time for s in sent]) <= rate
