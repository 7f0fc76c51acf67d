"""Freed heap pages go back to the system (glibc keeps them otherwise): after start-up, and
after handled batches at most every half second."""
import sys

import pytest

from bot.memory import FreedMemory, return_freed_memory


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_pages_go_back_to_the_system():
    # Blocks above pymalloc's 512 bytes come from glibc's heap; keeping every 64th one
    # pins the heap's top, so freeing the rest leaves ~30 MB of holes glibc would keep.
    blocks = [bytearray(1000) for _ in range(32_000)]
    keep = blocks[::64]
    del blocks
    before = rss_kb()
    return_freed_memory()
    assert before - rss_kb() > 10_000
    assert len(keep) == 500


def test_batches_return_freed_memory_at_most_every_half_second():
    now = [100.0]
    trims = []
    freed = FreedMemory(every=0.5, clock=lambda: now[0], trim=lambda: trims.append(now[0]))
    for step in (0.0, 0.1, 0.2, 0.5, 0.55, 1.2, 1.3):
        now[0] = 100.0 + step
        freed.after_batch()
    assert trims == [100.0, 100.5, 101.2]


async def test_the_running_bot_returns_memory_after_its_batches(tmp_path):
    from core.messages import Channel, Inbound
    from tests.conftest import sqlite_url
    from tests.support.app import running_bot

    trims = []
    async with running_bot(sqlite_url(tmp_path)) as app:
        app.freed_memory.trim = lambda: trims.append(1)
        app.freed_memory.every = 3600.0
        await app.engine.handle_batch([Inbound(channel=Channel.webchat, user_id="w1", text="сәлем")])
        await app.engine.handle_batch([Inbound(channel=Channel.webchat, user_id="w1", text="грант канша")])
    assert trims == [1]  # the second batch came within `every` of the first
