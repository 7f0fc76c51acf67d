"""The console's live views across workers: an operator's console on worker A sees a ticket
and a message created on worker B at once (NOTIFY), not at the next polling round."""
import asyncio
import re

import pytest

from bot.console.accounts import Accounts
from fakes.workers import start_workers, stop_workers
from storage.unit_of_work import Database
from tests.conftest import POSTGRES_URL, reset_postgres
from tests.handoff.console_client import ConsoleClient

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")

PROMPT = 5.0  # seconds; the polling fallback is set to 60, so only a NOTIFY is this quick


async def test_console_on_worker_a_sees_a_ticket_and_a_message_from_worker_b(tmp_path):
    await reset_postgres(POSTGRES_URL)
    db = Database(POSTGRES_URL)
    await db.upgrade()
    await Accounts(db).add("aida", "operator", "long-enough-password-1")
    await db.dispose()
    workers = await start_workers(tmp_path, 2, POSTGRES_URL, wakeup_fallback_seconds=60)
    a, b = workers
    console = ConsoleClient(a.base_url)
    loop = asyncio.get_running_loop()
    try:
        status, _ = await console.login("aida", "long-enough-password-1")
        assert status == 200
        status, page = await console.get("/console")
        digest = re.search(r'id="queue" data-digest="([0-9a-f]+)"', page).group(1)

        async def feed(path):
            async with console.http.get(a.base_url + path) as response:
                assert response.status == 200
                return await response.json(), loop.time()

        # The queue's feed waits on worker A while a web-chat user asks for an operator on B.
        queue = asyncio.create_task(feed(f"/console/queue/feed?wait=20&since={digest}"))
        await asyncio.sleep(1.0)
        assert not queue.done()
        async with console.http.post(b.base_url + "/webhooks/rest/session", json={"language": "ru"}) as r:
            sender = (await r.json())["sender"]
        for text in ("/operator", "Подскажите по грантам, пж"):  # the ticket opens on one of them
            async with console.http.post(b.base_url + "/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text}) as r:
                assert r.status == 200
        written = loop.time()
        body, woke = await asyncio.wait_for(queue, 30)
        assert body["count"] == 1 and body["html"] and "T-" in body["html"]
        assert woke - written < PROMPT, "the queue was not woken by the other worker's write"
        ticket_id = int(re.search(r'href="/console/tickets/(\d+)"', body["html"]).group(1))

        # The ticket's conversation feed on A; the user writes again through B.
        first, _ = await feed(f"/console/tickets/{ticket_id}/feed")
        last_id = max(m["id"] for m in first["messages"])
        conversation = asyncio.create_task(feed(f"/console/tickets/{ticket_id}/feed?wait=20&after={last_id}"))
        await asyncio.sleep(1.0)
        assert not conversation.done()
        async with console.http.post(b.base_url + "/webhooks/rest/webhook",
                                     json={"sender": sender, "message": "Подскажите по документам"}) as r:
            assert r.status == 200
        written = loop.time()
        body, woke = await asyncio.wait_for(conversation, 30)
        assert "Подскажите по документам" in [m["text"] for m in body["messages"]]
        assert woke - written < PROMPT, "the ticket's feed was not woken by the other worker's write"

        # Nothing new: the feed answers empty when its wait ends.
        last_id = max(m["id"] for m in body["messages"])
        started = loop.time()
        body, ended = await feed(f"/console/tickets/{ticket_id}/feed?wait=1&after={last_id}")
        assert body["messages"] == [] and ended - started >= 0.9
    finally:
        await console.close()
        stop_workers(workers)
    for worker in workers:
        assert "Traceback" not in worker.log, worker.log[-3000:]
