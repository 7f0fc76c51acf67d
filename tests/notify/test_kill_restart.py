"""kill -9 of the bot process in the middle of a broadcast, then a restart: nothing lost,
nothing repeated (a real subprocess against the fake Bot API)."""
import asyncio
import collections
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.outbox import OutboxMessage
from storage.unit_of_work import Database
from tests.conftest import sqlite_url
from fakes.telegram_api import FakeTelegramAPI
from tests.notify.helpers import run_import, seed_linked, status_rows

ROOT = Path(__file__).resolve().parents[2]
COUNT = 150


def start_bot(tmp_path, fake, url, policy="fail"):
    env = {**os.environ, "DATABASE_URL": url, "OUTBOX_AMBIGUOUS_POLICY": policy, "TELEGRAM_BOT_TOKEN": "123456:TEST",
           "TELEGRAM_API_SERVER": fake.base_url, "HTTP_PORT": "0", "REMINDERS_ENABLED": "false",
           "TELEGRAM_NOTIFY_RATE": "100", "OUTBOX_POLL_SECONDS": "0.1", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "bot.log", "ab"))


async def wait_for(predicate, timeout, what):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def prepare(tmp_path):
    url = sqlite_url(tmp_path)
    db = Database(url)
    await db.upgrade()
    await seed_linked(db, COUNT, status="received")
    report = await run_import(db, status_rows(COUNT, "winner"))
    assert report.notifications_queued == COUNT
    return url, db


async def outbox(db):
    async with db.sessions() as session:
        return list(await session.scalars(select(OutboxMessage)))


def notifications(fake):
    return collections.Counter(s.chat_id for s in fake.sent if s.text and "Победитель" in s.text)


@pytest.fixture
async def fake():
    async with FakeTelegramAPI() as api:
        yield api


async def test_kill_in_the_middle_then_restart(fake, tmp_path):
    url, db = await prepare(tmp_path)
    bot = start_bot(tmp_path, fake, url)
    try:
        await wait_for(lambda: len(notifications(fake)) >= COUNT // 2, 30, "half of the messages")
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        killed_at = len(notifications(fake))
        assert 0 < killed_at < COUNT
        bot = start_bot(tmp_path, fake, url)
        # Every row settles as sent, or failed when it was in flight at the kill (at most once).
        for _ in range(600):
            rows = await outbox(db)
            if {r.state for r in rows} <= {"sent", "failed"}:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(15)
        await db.dispose()
    counts = notifications(fake)
    interrupted = [r for r in rows if r.state == "failed" and "interrupted" in (r.last_error or "")]
    # At most once: no user ever gets the same status twice. Only a request that was in
    # flight when the process died is unconfirmed; it is failed and shown, never repeated,
    # and it is missing only if it had not reached the API.
    assert set(counts.values()) == {1}, "a message was repeated"
    assert COUNT - len(interrupted) <= len(counts) <= COUNT
    assert len(interrupted) <= 16
    assert {r.state for r in rows} <= {"sent", "failed"}


async def test_kill_with_a_request_in_flight_resends_it_once(fake, tmp_path):
    url, db = await prepare(tmp_path)
    bot = start_bot(tmp_path, fake, url, policy="resend")
    try:
        await wait_for(lambda: len(notifications(fake)) >= 20, 30, "20 messages")
        fake.latency = 3.0  # the next request hangs at the API...
        calls = len(fake.calls_of("sendMessage"))
        await wait_for(lambda: len(fake.calls_of("sendMessage")) > calls, 10, "a request in flight")
        bot.send_signal(signal.SIGKILL)  # ...and the sender dies waiting for the answer
        bot.wait(10)
        states = collections.Counter(r.state for r in await outbox(db))
        assert states["sending"] >= 1  # ambiguous as far as the database knows
        fake.latency = 0
        bot = start_bot(tmp_path, fake, url, policy="resend")
        await wait_for(lambda: len(notifications(fake)) >= COUNT, 30, "every message")
        await asyncio.sleep(0.5)
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(15)
    counts = notifications(fake)
    assert len(counts) == COUNT and set(counts.values()) == {1}
    rows = await outbox(db)
    await db.dispose()
    assert {r.state for r in rows} == {"sent"}


async def test_kill_with_a_request_in_flight_fails_it_by_default(fake, tmp_path):
    url, db = await prepare(tmp_path)
    bot = start_bot(tmp_path, fake, url)
    try:
        await wait_for(lambda: len(notifications(fake)) >= 20, 30, "20 messages")
        fake.latency = 3.0  # the next request hangs at the API...
        calls = len(fake.calls_of("sendMessage"))
        await wait_for(lambda: len(fake.calls_of("sendMessage")) > calls, 10, "a request in flight")
        bot.send_signal(signal.SIGKILL)  # ...and the sender dies waiting for the answer
        bot.wait(10)
        fake.latency = 0
        bot = start_bot(tmp_path, fake, url)
        # Every other message arrives; an interrupted one arrives only if the API kept it.
        for _ in range(300):
            states = {r.state for r in await outbox(db)}
            if states <= {"sent", "failed"}:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(15)
    counts = notifications(fake)
    rows = await outbox(db)
    await db.dispose()
    # Never repeated; the unconfirmed one is failed and flagged for managers, not resent.
    assert set(counts.values()) == {1}
    failed = [r for r in rows if r.state == "failed"]
    # Requests in flight at the kill (up to the sender's in-flight limit) are the only failed ones.
    assert 1 <= len(failed) <= 16 and all("interrupted" in r.last_error for r in failed)
    assert len(counts) >= COUNT - len(failed)
    assert {r.state for r in rows} == {"sent", "failed"}
