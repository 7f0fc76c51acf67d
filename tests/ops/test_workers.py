"""Three `zhasbot run` workers as separate processes on the machine's PostgreSQL."""
import asyncio

import aiohttp
import pytest

from bot.console.accounts import Accounts
from fakes.telegram_api import FakeTelegramAPI
from storage.unit_of_work import Database
from tests.conftest import POSTGRES_URL, reset_postgres
from fakes.workers import start_workers, stop_workers

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")


@pytest.fixture
async def database():
    await reset_postgres(POSTGRES_URL)
    db = Database(POSTGRES_URL)
    await db.upgrade()
    try:
        yield db
    finally:
        await db.dispose()


async def post(http, url, body, **kw):
    async with http.post(url, json=body, **kw) as response:
        return response.status, await response.json()


async def test_operator_reply_on_worker_c_wakes_the_long_poll_on_worker_a(database, tmp_path):
    accounts = Accounts(database)
    await accounts.add("aida", "operator", "long-enough-password-1")
    token = await accounts.issue_token("aida")
    async with FakeTelegramAPI() as telegram:
        # A fallback longer than the poll: only a NOTIFY can wake worker A in time.
        workers = await start_workers(tmp_path, 3, POSTGRES_URL, telegram_api=telegram.base_url,
                                      wakeup_fallback_seconds=60)
        a, b, c = workers
        try:
            async with aiohttp.ClientSession() as http:
                status, session = await post(http, a.base_url + "/webhooks/rest/session", {"language": "ru"})
                assert status == 200
                sender = session["sender"]
                # The user's messages land on different workers, as a proxy may spread them.
                for worker, text in ((a, "/operator"), (b, "Подскажите по документам, пж")):
                    status, replies = await post(http, worker.base_url + "/webhooks/rest/webhook",
                                                 {"sender": sender, "message": text})
                    assert status == 200, (text, replies)
                async with http.get(a.base_url + "/webhooks/rest/history", params={"sender": sender}) as response:
                    last_id = (await response.json())["last_id"]

                async def long_poll():
                    async with http.get(a.base_url + "/webhooks/rest/messages",
                                        params={"sender": sender, "after": str(last_id), "timeout": "25"}) as r:
                        return r.status, await r.json(), asyncio.get_running_loop().time()

                poll = asyncio.create_task(long_poll())
                await asyncio.sleep(1.0)  # the poll is waiting on worker A
                assert not poll.done()
                auth = {"Authorization": f"Bearer {token}"}
                async with http.get(c.base_url + "/api/tickets?status=open", headers=auth) as response:
                    tickets = (await response.json())["tickets"]
                assert len(tickets) == 1
                ticket = tickets[0]["id"]
                status, _ = await post(http, f"{c.base_url}/api/tickets/{ticket}/claim", {}, headers=auth)
                assert status == 200
                status, body = await post(http, f"{c.base_url}/api/tickets/{ticket}/messages",
                                          {"text": "Здравствуйте! Нужен паспорт."}, headers=auth)
                sent_at = asyncio.get_running_loop().time()
                assert status == 201 and body["status"] == "sent", body
                status, answer, woke_at = await asyncio.wait_for(poll, 30)
                assert status == 200
                assert [m["text"] for m in answer["messages"]] == ["Здравствуйте! Нужен паспорт."]
                assert answer["messages"][0]["from"] == "operator"  # a person, without their login
                assert woke_at - sent_at < 10, "woken by NOTIFY, not by the end of the poll"
        finally:
            stop_workers(workers)
        for worker in workers:
            assert "Traceback" not in worker.log, worker.log[-3000:]
