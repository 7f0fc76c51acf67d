"""Broadcast benchmark: status notifications to Telegram through the outbox sender.

    python bench/broadcast.py [--count 10000] [--rate-limit 30] [--runs plain,kill]

Starts the fake Bot API as its own process (`python -m fakes.telegram_api --rate-limit
30`: 429 with retry_after beyond 30 messages/s), imports a CSV that changes the status of
`count` linked applications (so `count` notifications are queued), then starts the real bot
(`python -m bot run`) and measures what the fake received:

* run "plain": one bot process sends everything;
* run "kill": the bot is killed with SIGKILL at about half-way (a random moment of the send
  cycle) and started again.

Printed per run: sustained send rate (first to last notification, and for the kill run also
without the restart gap), 429s received, duplicates, missing, and what the restarted sender
found in flight. Targets: ≥ 28.5 messages/s, 0 duplicates, 0 missing. A full run of 10,000
takes about 12 minutes (2 × 10,000 / 30 s).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN = "123456:BENCH"
MARK = "Победитель"  # the label in the Russian "winner" notification


def fetch(base: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method="POST" if data is not None else "GET",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def start_fake(rate_limit: float) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "fakes.telegram_api", "--port", "0",
                                "--rate-limit", str(rate_limit)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    base = process.stdout.readline().strip()
    if not base.startswith("http"):
        raise SystemExit("the fake Bot API did not start")
    return process, base


def start_bot(workdir: Path, base: str, url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_SERVER": base,
           "HTTP_PORT": "0", "REMINDERS_ENABLED": "false", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    log = open(workdir / "bot.log", "ab")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=workdir, env=env,
                            stdout=subprocess.DEVNULL, stderr=log)


async def prepare(workdir: Path, count: int) -> str:
    from core.i18n import Translator
    from fakes.applications import run_import, seed_linked, status_rows
    from storage.unit_of_work import Database

    url = f"sqlite+aiosqlite:///{workdir / 'zhasbot.db'}"
    db = Database(url)
    await db.upgrade()
    await seed_linked(db, count, status="received")
    report = await run_import(db, status_rows(count, "winner"), filename="statuses.csv",
                              translator=Translator(default_language="kk"))
    assert report.ok and report.notifications_queued == count, report.lines()
    await db.dispose()
    return url


async def outbox_summary(url: str) -> dict:
    from sqlalchemy import func, select

    from storage.outbox import OutboxMessage
    from storage.unit_of_work import Database

    db = Database(url)
    async with db.sessions() as session:
        states = dict((await session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state))).all())
        ambiguous = await session.scalar(select(func.count()).where(OutboxMessage.last_error.like("%may repeat%")))
    await db.dispose()
    return {"states": states, "ambiguous_resent": ambiguous}


def notification_times(base: str) -> list[tuple[float, int]]:
    sent = fetch(base, "/_fake/sent")["sent"]
    return [(item["time"], item["chat_id"]) for item in sent if item.get("text") and MARK in item["text"]]


def run(name: str, base: str, count: int, kill: bool) -> dict:
    fetch(base, "/_fake/reset", {})
    workdir = Path(tempfile.mkdtemp(prefix=f"zhasbot-bench-{name}-"))
    url = asyncio.run(prepare(workdir, count))
    print(f"[{name}] {count} notifications queued; starting the bot", flush=True)
    bot = start_bot(workdir, base, url)
    killed_at = None
    restart_gap = 0.0
    deadline = time.monotonic() + count / 20 + 120
    try:
        while True:
            stats = fetch(base, "/_fake/stats")
            sent = stats["method_counts"].get("sendMessage", 0) - stats["too_many_requests"]
            if kill and killed_at is None and sent >= count // 2:
                time.sleep(random.uniform(0, 0.5))  # a random moment of the send cycle
                bot.send_signal(signal.SIGKILL)
                bot.wait(10)
                killed_at = len(notification_times(base))
                print(f"[{name}] SIGKILL after {killed_at} messages; restarting", flush=True)
                began = time.monotonic()
                bot = start_bot(workdir, base, url)
                restart_gap = time.monotonic() - began
            if len(notification_times(base)) >= count if sent >= count else False:
                break
            if time.monotonic() > deadline:
                print(f"[{name}] timed out", flush=True)
                break
            time.sleep(0.5)
        time.sleep(1.0)  # let the last outcomes be committed
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(30)
        except subprocess.TimeoutExpired:
            bot.kill()
    times = notification_times(base)
    per_chat = collections.Counter(chat for _, chat in times)
    stamps = sorted(t for t, _ in times)
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    gaps = sorted((b - a for a, b in zip(stamps, stamps[1:])), reverse=True)
    downtime = gaps[0] if kill and gaps else 0.0
    stats = fetch(base, "/_fake/stats")
    summary = asyncio.run(outbox_summary(url))
    result = {
        "run": name, "count": count, "received": len(stamps),
        "rate": (len(stamps) - 1) / span if span else 0.0,
        "rate_without_restart": (len(stamps) - 2) / (span - downtime) if kill and span > downtime else None,
        "restart_gap_s": downtime if kill else None,
        "too_many_requests": stats["too_many_requests"],
        "duplicates": sum(n - 1 for n in per_chat.values()),
        "missing": count - len(per_chat),
        "killed_at": killed_at, "outbox": summary["states"], "ambiguous_resent": summary["ambiguous_resent"],
    }
    print(f"[{name}] sustained rate {result['rate']:.2f} msg/s"
          + (f" ({result['rate_without_restart']:.2f} msg/s without the {downtime:.1f} s restart gap)" if kill else "")
          + f", 429s {result['too_many_requests']}, duplicates {result['duplicates']}, missing {result['missing']}"
          + (f", killed after {killed_at}, ambiguous rows resent {summary['ambiguous_resent']}" if kill else "")
          + f", outbox {summary['states']}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rate-limit", type=float, default=30)
    parser.add_argument("--runs", default="plain,kill")
    args = parser.parse_args(argv)
    fake, base = start_fake(args.rate_limit)
    results = []
    try:
        for name in args.runs.split(","):
            results.append(run(name, base, args.count, kill=name == "kill"))
    finally:
        fake.send_signal(signal.SIGTERM)
        fake.wait(10)
    ok = all(r["rate"] >= 28.5 and r["duplicates"] == 0 and r["missing"] == 0 for r in results)
    print(json.dumps(results, indent=2, default=str))
    print("targets met" if ok else "targets NOT met (≥ 28.5 msg/s, 0 duplicates, 0 missing)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
