"""The web chat speaks Rasa's REST channel shape over real HTTP on loopback."""
import asyncio

import aiohttp
import pytest

from tests.conftest import sqlite_url
from tests.support.app import running_bot


@pytest.fixture
async def bot(tmp_path):
    async with running_bot(sqlite_url(tmp_path)) as app:
        async with aiohttp.ClientSession(app.base_url) as http:
            app.http = http
            yield app


async def post(http, sender, message, **extra):
    async with http.post("/webhooks/rest/webhook", json={"sender": sender, "message": message, **extra}) as r:
        return r.status, await r.json()


async def test_chat_page_is_served(bot):
    async with bot.http.get("/") as response:
        assert response.status == 200
        assert "/webhooks/rest/webhook" in await response.text()


async def test_rest_shape_and_button_payload_as_message(bot):
    status, replies = await post(bot.http, "web-1", "/start")
    assert status == 200
    assert replies[0]["recipient_id"] == "web-1"
    assert {"title", "payload"} <= set(replies[0]["buttons"][0])
    payloads = [b["payload"] for b in replies[0]["buttons"]]
    assert "lang:ru" in payloads
    status, replies = await post(bot.http, "web-1", "lang:ru")
    assert replies[0]["text"] == "Хорошо, говорим по-русски."
    assert replies[-1]["buttons"][0]["payload"] == "menu:faq"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"sender": 5, "message": "x"}',
                                  b'{"sender": "a"}', b'{"sender": "", "message": "x"}'])
async def test_malformed_bodies_get_400_and_server_keeps_serving(bot, body):
    async with bot.http.post("/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400
        assert "error" in await response.json()
    status, _ = await post(bot.http, "web-2", "/start")
    assert status == 200


async def test_oversized_body_is_refused_cleanly(bot):
    async with bot.http.post("/webhooks/rest/webhook", data=b"x" * (2 * 1024 * 1024)) as response:
        assert response.status == 413


async def test_later_messages_arrive_by_long_poll(bot):
    await post(bot.http, "web-3", "/start")

    async def poll():
        async with bot.http.get("/webhooks/rest/messages",
                                params={"sender": "web-3", "after": "0", "timeout": "5"}) as r:
            return await r.json()

    waiting = asyncio.create_task(poll())
    await asyncio.sleep(0.2)
    assert not waiting.done()  # nothing proactive yet: the request waits
    # A proactive message, as an operator reply is: journaled, then sent by the messenger.
    async with bot.db.unit_of_work() as uow:
        contact = await uow.contacts.find("webchat", "web-3")
    delivery = await bot.messenger.send(contact.id, "Оператор: здравствуйте!", author="operator:aida")
    message_id = delivery.message_id
    result = await asyncio.wait_for(waiting, 5)
    assert [m["text"] for m in result["messages"]] == ["Оператор: здравствуйте!"]
    assert result["last_id"] == message_id
    async with bot.http.get("/webhooks/rest/messages",
                            params={"sender": "web-3", "after": str(message_id), "timeout": "0"}) as r:
        assert (await r.json())["messages"] == []


async def test_bad_long_poll_query(bot):
    async with bot.http.get("/webhooks/rest/messages", params={"sender": "x", "after": "abc"}) as r:
        assert r.status == 400
