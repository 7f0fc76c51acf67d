"""Dialogue stories benchmark: run every story (tests/dialogues/*.yaml) on each of its channels.

    python bench/dialogues.py [--errors]

Starts the whole bot on loopback (HTTP on a free port, SQLite in a temporary folder), runs
the stories one after another — the web chat over HTTP, the terminal through `zhasbot
chat` — and prints how many pass, then the p50/p99 time of a turn (one user message to
the bot's full answer) per channel and overall.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fakes.dialogues import StoryBench, load_stories  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def main(show_errors: bool) -> int:
    stories = load_stories()
    outcomes = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        async with StoryBench(Path(workdir)) as bench:
            for story in stories:
                for channel in story.channels:
                    outcomes.append(await bench.run(story, channel))
    elapsed = time.perf_counter() - started
    passed = sum(outcome.passed for outcome in outcomes)
    print(f"stories: {len(stories)}  runs (story × channel): {len(outcomes)}  passed: {passed}  "
          f"failed: {len(outcomes) - passed}  in {elapsed:.1f} s")
    for channel in ("webchat", "terminal", None):
        turns = [t for o in outcomes if channel in (None, o.channel) for t in o.turn_seconds]
        label = channel or "all"
        if turns:
            print(f"  {label:<8} turns: {len(turns):4d}  p50 {percentile(turns, 50) * 1000:6.1f} ms  "
                  f"p99 {percentile(turns, 99) * 1000:6.1f} ms  max {max(turns) * 1000:6.1f} ms  "
                  f"mean {statistics.fmean(turns) * 1000:6.1f} ms")
    if show_errors:
        for outcome in outcomes:
            if not outcome.passed:
                print(f"\nFAIL {outcome.story.id_for(outcome.channel)}")
                for failure in outcome.failures:
                    print(f"  {failure}")
    return 0 if passed == len(outcomes) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the failing stories and why")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.errors)))
