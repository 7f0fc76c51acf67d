"""Issue 14: login throttling (per account and per address, growing delays, a lock), scrypt
off the event loop, API tokens that expire and can be revoked, `zhasbot operators sessions`;
security headers and trusted proxies."""
from __future__ import annotations

import asyncio
import io
import time
from datetime import timedelta

import aiohttp

from bot.cli import main
from bot.console.accounts import Accounts, Throttled
from bot.console.throttle import LoginThrottle
from bot.web.security import client_of
from storage.unit_of_work import Database
from tests.conftest import sqlite_url
from tests.handoff.console_client import ConsoleClient
from tests.security.conftest import MANAGER, PASSWORD


class Tick:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_delays_grow_then_lock_and_success_clears():
    clock = Tick()
    throttle = LoginThrottle(free=3, max_delay=30, lock_after=6, address_lock_after=20, lock_for=900, clock=clock)
    waits = []
    for _ in range(5):
        assert throttle.retry_after("aida", "10.0.0.1") == 0
        throttle.failed("aida", "10.0.0.1")
        waits.append(throttle.retry_after("aida", "10.0.0.1"))
        clock.now += waits[-1]
    assert waits == [0, 0, 1, 2, 4]  # free attempts, then doubling
    throttle.failed("aida", "10.0.0.1")  # the 6th: locked
    assert throttle.locked("aida", "10.0.0.1") and throttle.retry_after("aida", "10.0.0.9") == 900
    # The lock is on the account whatever the address, and ends.
    clock.now += 901
    assert throttle.retry_after("aida", "10.0.0.9") == 0
    throttle.succeeded("aida", "10.0.0.9")
    assert throttle.retry_after("aida", "10.0.0.9") == 0


def test_one_address_guessing_many_accounts_is_locked():
    clock = Tick()
    throttle = LoginThrottle(free=100, lock_after=100, address_lock_after=5, lock_for=60, clock=clock)
    for n in range(5):
        throttle.failed(f"user{n}", "203.0.113.7")
    assert throttle.retry_after("someone-else", "203.0.113.7") == 60
    assert throttle.retry_after("someone-else", "203.0.113.8") == 0


async def test_console_login_is_throttled_and_the_loop_stays_free(target):
    app = target.app
    client = ConsoleClient(app.base_url)
    statuses = []
    try:
        for _ in range(4):
            status, _ = await client.login(MANAGER, "wrong password!")
            statuses.append(status)
        # Still inside the growing delay: refused with Retry-After, the right password unchecked.
        status, _ = await client.login(MANAGER, PASSWORD)
        statuses.append(status)
    finally:
        await client.close()
    assert statuses[:3] == [401, 401, 401] and statuses[3] in (401, 429) and statuses[4] == 429

    # Twenty logins at once: scrypt runs in a pool, so the loop keeps answering.
    accounts = Accounts(app.db, throttle=LoginThrottle(free=1000, lock_after=1000, address_lock_after=1000))
    lags = []

    async def probe():
        for _ in range(20):
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - started - 0.01)

    await asyncio.gather(probe(), *(accounts.login(MANAGER, f"wrong-{n}", remote=f"10.1.0.{n}") for n in range(20)))
    assert max(lags) < 0.25, max(lags)  # one scrypt on the loop alone takes 50+ ms each, 20 in a row > 1 s


async def test_tokens_expire_and_can_be_revoked(tmp_path):
    db = Database(sqlite_url(tmp_path))
    await db.upgrade()
    try:
        accounts = Accounts(db)
        await accounts.add("aida", "manager", PASSWORD)
        token = await accounts.issue_token("aida", lifetime=timedelta(days=1))
        assert (await accounts.by_token(token)).name == "aida"
        later = Accounts(db, clock=lambda: accounts.clock() + timedelta(days=2))
        assert await later.by_token(token) is None  # expired
        token = await accounts.issue_token("aida")
        assert await accounts.revoke("aida") == 1
        assert await accounts.by_token(token) is None
    finally:
        await db.dispose()


def test_cli_lists_sessions_and_tokens_and_revokes(tmp_path, monkeypatch, capsys):
    url = sqlite_url(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["operators", "add", "aida", "--role", "manager", "--password-stdin"]) == 0
    assert main(["operators", "token", "aida", "--days", "7"]) == 0

    async def log_in():
        db = Database(url)
        try:
            assert await Accounts(db).login("aida", "a-long-password", remote="192.0.2.5") is not None
        finally:
            await db.dispose()

    asyncio.run(log_in())
    capsys.readouterr()
    assert main(["operators", "sessions"]) == 0
    out = capsys.readouterr().out
    assert "aida\tsession" in out and "from 192.0.2.5" in out and "aida\ttoken" in out
    assert main(["operators", "revoke", "aida"]) == 0
    assert "2 ended" in capsys.readouterr().out
    assert main(["operators", "sessions"]) == 0
    assert "no live sessions or tokens" in capsys.readouterr().out


async def test_security_headers_on_chat_and_console(target):
    app = target.app
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/console/login", "/healthz"):
            async with http.get(app.base_url + path) as response:
                body = await response.text()
                server = response.headers.get("Server", "")
                assert "aiohttp" not in server and "Python" not in server and not any(c.isdigit() for c in server)
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                if path != "/healthz":
                    csp = response.headers["Content-Security-Policy"]
                    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
                    assert response.headers["X-Frame-Options"] == "DENY"
        async with http.get(app.base_url + "/") as response:
            # The chat page's own inline script is allowed by its hash, nothing else inline.
            assert "'sha256-" in response.headers["Content-Security-Policy"]


def test_forwarded_for_is_believed_only_from_trusted_proxies():
    from ipaddress import ip_network

    proxies = (ip_network("10.0.0.0/8"),)
    assert client_of("10.0.0.2", "198.51.100.7", proxies) == "198.51.100.7"
    assert client_of("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.3", proxies) == "198.51.100.7"
    assert client_of("203.0.113.9", "198.51.100.7", proxies) == "203.0.113.9"  # not a proxy: ignored
    assert client_of("10.0.0.2", "not-an-ip", proxies) == "10.0.0.2"
    assert client_of("10.0.0.2", "198.51.100.7", ()) == "10.0.0.2"


async def test_audit_logs_the_client_behind_a_trusted_proxy(database_url):
    from tests.support.app import running_bot

    async with running_bot(database_url, trusted_proxies="127.0.0.1", cookie_secure=False) as app:
        await app.accounts.add("aida", "manager", PASSWORD)
        client = ConsoleClient(app.base_url)
        client.http.headers.update({"X-Forwarded-For": "198.51.100.23", "X-Forwarded-Proto": "https"})
        try:
            await client.login("aida", PASSWORD)
        finally:
            await client.close()
        entries = await app.accounts.recent_audit(5)
        assert any(e.action == "login" and e.details["remote"] == "198.51.100.23" for e in entries)
