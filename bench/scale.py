"""Several workers: web-chat load, leader failover and a 3-worker broadcast, side by side.

    TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/zb_bench python bench/scale.py \
        [--users 50,200] [--messages 4] [--think 1.0] [--broadcast 600]

Every worker is a real `zhasbot run` process on loopback (fakes/workers.py).
Web chat: each simulated user opens a session, then sends `--messages` messages one after
another, each when the previous one was answered; user i talks to worker i mod n (a proxy
spreading users). Two loads, printed side by side for 1 worker on SQLite, 1 worker on
PostgreSQL and 3 workers on PostgreSQL (requests/s, p50/p99 latency):
- saturation: no think time. Every user sends the next message the moment the reply
  arrives, so N users keep N requests in flight and the worker never idles: latency is
  about N divided by the throughput (what earlier runs of this bench reported alone).
- think: a web-chat user reads the answer and types the next question. Each user starts at
  a random moment within the first `--think` seconds, and waits a random 0.5..1.5 × `--think`
  seconds (default 1 s, so 0.5 to 1.5 s) between receiving a reply and sending the next
  message. A person reading an answer and typing a question takes ten seconds or more; 1 s
  is far more demanding than that: 200 such users send up to 200 messages/s between them.
  `--think 0` leaves this load out.
The issue-16 target (200 users, 1 worker on SQLite, p99 ≤ 300 ms) is checked on each load.
Then, on PostgreSQL with 3 workers
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
TARGET_USERS, TARGET_P99_MS = 200, 300  # issue 16: the single-machine default


async def reset_database(url: str) -> None:
    from fakes.workers import reset_postgres
    from storage.unit_of_work import Database

    await reset_postgres(url)
    db = Database(url)
    await db.upgrade()
    await db.dispose()


async def chat_load(bases: list[str], users: int, messages: int, think: float = 0.0) -> dict:
    """`think` 0: saturation (the next message as soon as the reply came); else each user
    starts within the first `think` seconds and waits 0.5..1.5 × `think` after each reply."""
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
            if think:
                await asyncio.sleep(random.uniform(0, think))  # users arrive spread out
            for n in range(messages):
                if think and n:
                    await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))  # reading, then typing
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


def load_name(think: float) -> str:
    return f"think {think:g} s" if think else "saturation"


async def web_chat(name: str, url: str, workers: int, user_counts: list[int], messages: int, root: Path,
                   thinks: list[float]) -> dict:
    """{think: {users: figures}} for each load (think 0: saturation)."""
    from fakes.workers import start_workers, stop_workers

    if url.startswith("postgresql"):
        await reset_database(url)
    procs = await start_workers(root / name, workers, url, **LOAD_SETTINGS)
    try:
        results: dict[float, dict[int, dict]] = {}
        for think in thinks:
            for users in user_counts:
                got = results.setdefault(think, {})[users] = await chat_load(
                    [w.base_url for w in procs], users, messages, think)
                print(f"  {name:<10} {load_name(think):<11} {users:>4} users: {got['rps']:7.1f} req/s  "
                      f"p50 {got['p50']:6.0f} ms  p99 {got['p99']:6.0f} ms  errors {got['errors']}", flush=True)
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
        thinks = [0.0] + ([args.think] if args.think else [])
        print("web chat (each user sends its next message once answered; saturation: at once"
              + (f", think: {0.5 * args.think:g}..{1.5 * args.think:g} s later" if args.think else "") + "):",
              flush=True)
        chat = {
            "1 worker SQLite": await web_chat("sqlite-1", f"sqlite+aiosqlite:///{root / 'zhasbot.db'}", 1,
                                              user_counts, args.messages, root, thinks),
            "1 worker PG": await web_chat("pg-1", pg, 1, user_counts, args.messages, root, thinks),
            "3 workers PG": await web_chat("pg-3", pg, 3, user_counts, args.messages, root, thinks),
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
    header = f"{'web chat':<16} {'load':<11}" + "".join(
        f" | {n} users: req/s  p50 ms  p99 ms" for n in user_counts)
    print(header)
    for name, by_load in chat.items():
        for think, results in by_load.items():
            print(f"{name if think == thinks[0] else '':<16} {load_name(think):<11}" + "".join(
                f" | {results[n]['rps']:>12.1f} {results[n]['p50']:>7.0f} {results[n]['p99']:>7.0f}"
                for n in user_counts))
    if TARGET_USERS in user_counts:
        for think, results in chat["1 worker SQLite"].items():
            p99 = results[TARGET_USERS]["p99"]
            print(f"target: {TARGET_USERS} users, 1 worker SQLite, p99 <= {TARGET_P99_MS} ms, "
                  f"{load_name(think)}: {p99:.0f} ms, {'met' if p99 <= TARGET_P99_MS else 'NOT met'}")
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
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds a user waits after a reply before the next message, in the "
                             "second load (0.5..1.5 × this; 0: the saturation load only)")
    parser.add_argument("--broadcast", type=int, default=600)
    parser.add_argument("--failover-count", type=int, default=300)
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
