"""Several workers: web-chat load, leader failover and a 3-worker broadcast, side by side.

    TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/zb_bench python bench/scale.py \
        [--users 50,200] [--messages 4] [--broadcast 600]

Every worker is a real `zhasbot run` process on loopback (fakes/workers.py).
Web chat: each simulated user opens a session, then sends `--messages` messages one after
another (a closed loop, like a person waiting for each answer; `--think S` waits a random
0..2S before each message, without it every user sends at once and the load saturates); user i talks to worker
i mod n (a proxy spreading users). Printed: requests/s and p50/p99 latency for 1 worker on
SQLite, 1 worker on PostgreSQL, 3 workers on PostgreSQL. Then, on PostgreSQL with 3 workers
and the fake Bot API limited to 30 messages/s (its own process): a broadcast of
`--broadcast` notifications (rate, duplicates, missing), and the leader killed with kill -9
mid-broadcast (failover time: from the kill to the first message of a row the new leader
claimed, as the fake Bot API received it).
Bounded in count and time; loopback only. The PostgreSQL database is wiped (use your own).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bench._common import control, percentile, start_fake_telegram  # noqa: E402

LOAD_SETTINGS = {"webchat_sessions_per_ip": "100000/hour", "webchat_messages_per_ip": "1000000/minute",
                 "webchat_messages_per_sender": "1000/minute", "notifications_enabled": "false"}
QUESTIONS = ["/help", "сколько денег дают", "кто может участвовать?", "қанша ақша береді", "дедлайн когда"]
MARK = "Победитель"


async def reset_database(url: str) -> None:
    from fakes.workers import reset_postgres
    from storage.unit_of_work import Database

    await reset_postgres(url)
    db = Database(url)
    await db.upgrade()
    await db.dispose()


async def chat_load(bases: list[str], users: int, messages: int, think: float = 0.0) -> dict:
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=users + 10)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        senders = []
        for i in range(users):
            async with http.post(bases[i % len(bases)] + "/webhooks/rest/session", json={"language": "ru"}) as r:
                senders.append((bases[i % len(bases)], (await r.json())["sender"]))

        async def user(i: int, base: str, sender: str) -> None:
            nonlocal errors
            for n in range(messages):
                if think:
                    await asyncio.sleep(random.uniform(0, 2 * think))  # reading, then typing
                started = time.perf_counter()
                async with http.post(base + "/webhooks/rest/webhook",
                                     json={"sender": sender, "message": QUESTIONS[(i + n) % len(QUESTIONS)]}) as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(user(i, base, sender) for i, (base, sender) in enumerate(senders)))
        elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 50) * 1000,
            "p99": percentile(latencies, 99) * 1000, "errors": errors}


async def web_chat(name: str, url: str, workers: int, user_counts: list[int], messages: int, root: Path,
                   think: float = 0.0) -> dict:
    from fakes.workers import start_workers, stop_workers

    if url.startswith("postgresql"):
        await reset_database(url)
    procs = await start_workers(root / name, workers, url, **LOAD_SETTINGS)
    try:
        results = {}
        for users in user_counts:
            results[users] = await chat_load([w.base_url for w in procs], users, messages, think)
            print(f"  {name:<14} {users:>4} users: {results[users]['rps']:7.1f} req/s  "
                  f"p50 {results[users]['p50']:6.0f} ms  p99 {results[users]['p99']:6.0f} ms  "
                  f"errors {results[users]['errors']}", flush=True)
        return results
    finally:
        stop_workers(procs)


async def seed_broadcast(url: str, count: int) -> None:
    from core.i18n import Translator
    from fakes.applications import run_import, seed_linked, status_rows
    from storage.unit_of_work import Database

    db = Database(url)
    await seed_linked(db, count, status="received")
    report = await run_import(db, status_rows(count, "winner"), filename="statuses.csv",
                              translator=Translator(default_language="kk"))
    assert report.notifications_queued == count, report.lines()
    await db.dispose()


def winners(fake: str) -> list[tuple[float, object]]:
    sent = control(fake, "/_fake/sent")["sent"]
    return [(item["time"], item["chat_id"]) for item in sent if item.get("text") and MARK in item["text"]]


async def broadcast(url: str, fake: str, count: int, root: Path, *, kill: bool) -> dict:
    from fakes.workers import start_workers, stop_workers

    await reset_database(url)
    control(fake, "/_fake/reset", {})
    procs = await start_workers(root / ("failover" if kill else "broadcast"), 3, url, telegram_api=fake,
                                outbox_poll_seconds="0.2")
    killed_at = first_after = None
    try:
        await seed_broadcast(url, count)
        deadline = time.monotonic() + count / 20 + 90
        while time.monotonic() < deadline:
            got = winners(fake)
            if kill and killed_at is None and len(got) >= count // 3:
                procs[0].kill()  # the first worker started is the leader
                # The fake stamps with time.monotonic(): one clock for the whole machine on Linux.
                killed_at = time.monotonic()
            stats = await outbox_states(url)
            if set(stats) <= {"sent", "failed"}:
                break
            await asyncio.sleep(0.3)
        await asyncio.sleep(0.5)
    finally:
        stop_workers(procs)
    got = winners(fake)
    stamps = sorted(t for t, _ in got)
    per_chat = collections.Counter(chat for _, chat in got)
    states = await outbox_states(url)
    interrupted = states.get("failed", 0)
    if kill and killed_at is not None:
        # The new leader's first message: the earliest one to a chat whose row it claimed
        # (a request of the dead leader may still reach the API just after the kill).
        chats = await new_leader_chats(url)
        after = [t for t, chat in got if str(chat) in chats]
        first_after = min(after) if after else None
    if kill:
        gaps = sorted((b - a for a, b in zip(stamps, stamps[1:])), reverse=True)
        span = stamps[-1] - stamps[0] - (gaps[0] if gaps else 0)
    else:
        span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0
    return {"rate": (len(stamps) - 1 - (1 if kill else 0)) / span if span else 0.0,
            "duplicates": sum(n - 1 for n in per_chat.values()),
            "missing": max(0, count - len(per_chat) - interrupted), "interrupted": interrupted,
            "too_many": control(fake, "/_fake/stats")["too_many_requests"],
            "failover": (first_after - killed_at) if kill and first_after and killed_at else None}


async def new_leader_chats(url: str) -> set[str]:
    """Chats of the rows claimed by every sender but the first (the killed leader)."""
    from sqlalchemy import select

    from storage.models import Contact
    from storage.outbox import OutboxMessage
    from storage.unit_of_work import Database

    db = Database(url)
    try:
        async with db.sessions() as session:
            rows = (await session.execute(
                select(OutboxMessage.claimed_by, OutboxMessage.claimed_at, Contact.external_id)
                .join(Contact, Contact.id == OutboxMessage.contact_id)
                .where(OutboxMessage.claimed_by.is_not(None)))).all()
    finally:
        await db.dispose()
    if not rows:
        return set()
    first = min(rows, key=lambda row: row.claimed_at).claimed_by
    return {row.external_id for row in rows if row.claimed_by != first}


async def outbox_states(url: str) -> dict:
    from sqlalchemy import func, select

    from storage.outbox import OutboxMessage
    from storage.unit_of_work import Database

    db = Database(url)
    try:
        async with db.sessions() as session:
            return dict((await session.execute(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state))).all())
    finally:
        await db.dispose()


async def main_async(args) -> int:
    pg = os.environ.get("TEST_DATABASE_URL")
    if not pg:
        raise SystemExit("set TEST_DATABASE_URL=postgresql+asyncpg://… (a database of your own: it is wiped)")
    user_counts = [int(n) for n in args.users.split(",")]
    root = Path(tempfile.mkdtemp(prefix="zhasbot-scale-"))
    try:
        print("web chat (closed loop, each user waits for its answer):", flush=True)
        chat = {
            "1 worker SQLite": await web_chat("sqlite-1", f"sqlite+aiosqlite:///{root / 'zhasbot.db'}", 1,
                                              user_counts, args.messages, root, args.think),
            "1 worker PG": await web_chat("pg-1", pg, 1, user_counts, args.messages, root, args.think),
            "3 workers PG": await web_chat("pg-3", pg, 3, user_counts, args.messages, root, args.think),
        }
        fake_process, fake = start_fake_telegram("--rate-limit", "30")
        try:
            print("broadcast with 3 workers on PostgreSQL vs the fake Bot API at 30/s:", flush=True)
            plain = await broadcast(pg, fake, args.broadcast, root, kill=False)
            failover = await broadcast(pg, fake, args.failover_count, root, kill=True)
        finally:
            fake_process.terminate()
            fake_process.wait(10)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print("\n=== bench/scale.py ===")
    header = f"{'web chat':<16}" + "".join(f" | {n} users: req/s  p50 ms  p99 ms" for n in user_counts)
    print(header)
    for name, results in chat.items():
        print(f"{name:<16}" + "".join(
            f" | {results[n]['rps']:>12.1f} {results[n]['p50']:>7.0f} {results[n]['p99']:>7.0f}" for n in user_counts))
    print(f"broadcast, 3 workers: {plain['rate']:.2f} msg/s (target >= 29.5), duplicates {plain['duplicates']}, "
          f"missing {plain['missing']}, 429s {plain['too_many']}")
    print(f"failover after kill -9 of the leader: {failover['failover']:.1f} s (target <= 15) ; "
          f"duplicates {failover['duplicates']}, missing {failover['missing']}, "
          f"interrupted in flight (failed, at most once) {failover['interrupted']}, 429s {failover['too_many']}"
          if failover["failover"] is not None else "failover: the kill did not land mid-broadcast")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="50,200")
    parser.add_argument("--messages", type=int, default=4, help="messages per user")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a user waits before each message (0: at once, a saturating load)")
    parser.add_argument("--broadcast", type=int, default=600)
    parser.add_argument("--failover-count", type=int, default=300)
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
