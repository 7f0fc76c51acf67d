"""Telegram polling has one consumer: only the leader polls, and a new leader takes over
after a kill -9 (3 `zhasbot run` workers on PostgreSQL, polling mode)."""
import asyncio

import pytest

from fakes.telegram_api import FakeTelegramAPI
from fakes.workers import start_workers, stop_workers
from tests.conftest import POSTGRES_URL, reset_postgres

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")


def conflicts(telegram):
    """409 'terminated by other getUpdates request': two pollers at once."""
    return [call for call in telegram.calls_of("getUpdates") if call.status == 409]


async def test_only_the_leader_polls_and_a_new_leader_takes_over(tmp_path):
    await reset_postgres(POSTGRES_URL)
    async with FakeTelegramAPI() as telegram:
        workers = await start_workers(tmp_path, 3, POSTGRES_URL, telegram_api=telegram.base_url,
                                      telegram_mode="polling", leader_check_seconds=2)
        try:
            telegram.push_text(1001, "/start")
            first = await telegram.wait_sent_to(1001, 1, timeout=30)
            await asyncio.sleep(3)  # every worker has had time to poll if it would
            assert not conflicts(telegram), "more than one worker polled getUpdates"
            assert telegram.calls_of("getUpdates")
            replies = len(telegram.sent_to(1001))
            assert replies == len(first) or replies >= 1

            workers[0].kill()  # the first started is the leader
            loop = asyncio.get_running_loop()
            killed_at = loop.time()
            telegram.push_text(1002, "/start")
            await telegram.wait_sent_to(1002, 1, timeout=30)
            assert loop.time() - killed_at <= 15, "the new leader did not take over polling in time"
            await asyncio.sleep(3)
            assert len(telegram.sent_to(1002)) == replies, "answered once, as before the kill"
            assert not conflicts(telegram)
        finally:
            stop_workers(workers)
        for worker in workers[1:]:
            assert "Traceback" not in worker.log, worker.log[-3000:]
