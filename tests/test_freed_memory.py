"""Start-up hands the heap pages it freed back to the system (glibc keeps them otherwise)."""
import sys

import pytest

from bot.app import return_freed_memory


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
