"""Telegram's limits shared by two "workers" through the machine's Redis (127.0.0.1:6379)."""
import asyncio
import time
import uuid

import pytest

from bot.delivery.shared_limits import SharedTelegramLimits

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def prefix():
    redis = pytest.importorskip("redis.asyncio")
    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    name = f"zbtest-{uuid.uuid4().hex}"  # a key prefix of this test's own: nothing else is touched
    yield name
    keys = [key async for key in client.scan_iter(match=f"{name}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_two_workers_share_one_global_window(prefix):
    workers = [SharedTelegramLimits(REDIS_URL, rate=10, per_chat_interval=1, prefix=prefix) for _ in range(2)]
    stamps: list[float] = []

    async def send(limits, n):
        for _ in range(n):
            await limits.acquire()
            stamps.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(send(workers[0], 15), send(workers[1], 15))
    # 30 sends at 10/s together: the first 10 at once, then ~10 per second.
    assert time.monotonic() - started >= 1.8
    stamps.sort()
    # Stamps are taken when acquire returns, which a loaded event loop may delay after the
    # hit in Redis: hence some slack below the one-second window.
    for i in range(len(stamps) - 10):
        assert stamps[i + 10] - stamps[i] >= 0.7, "more than 10 in one second across both workers"


async def test_one_message_per_second_per_chat_across_workers(prefix):
    a, b = (SharedTelegramLimits(REDIS_URL, rate=30, per_chat_interval=1, prefix=prefix) for _ in range(2))
    assert await a.take_chat("100") == 0
    wait = await b.take_chat("100")
    assert 0 < wait <= 1.0
    assert await b.take_chat("101") == 0  # another chat is not held up
    await asyncio.sleep(wait + 0.05)
    assert await b.take_chat("100") == 0


async def test_redis_down_means_local_pacing_only():
    limits = SharedTelegramLimits("redis://127.0.0.1:1/0", rate=1, per_chat_interval=1, prefix="unused")
    await asyncio.wait_for(limits.acquire(), 10)
    assert await limits.take_chat("1") == 0
