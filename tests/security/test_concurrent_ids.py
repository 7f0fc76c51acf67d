"""Issue 14: eight senders reusing one message id at once — every message stored once, no 5xx."""
from __future__ import annotations

import asyncio

import aiohttp
from sqlalchemy import func, select

from storage.models import Contact, Message
from tests.security.conftest import new_sender
from tests.support.app import running_bot


async def _post(http, base, sender, text, message_id):
    async with http.post(base + "/webhooks/rest/webhook",
                         json={"sender": sender, "message": text, "message_id": message_id}) as response:
        return response.status


async def test_eight_senders_one_message_id(database_url):
    async with running_bot(database_url, notifications_enabled=False) as app:
        async with aiohttp.ClientSession() as http:
            senders = [await new_sender(http, app.base_url) for _ in range(9)]
            statuses = await asyncio.gather(*(
                _post(http, app.base_url, senders[n], f"сәлем {n}", "m-1") for n in range(8)))
            # The same sender sending one id eight times at once: one message.
            statuses += await asyncio.gather(*(
                _post(http, app.base_url, senders[8], "тот же", "m-2") for _ in range(8)))
        assert set(statuses) == {200}, statuses
        async with app.db.sessions() as session:
            inbound = await session.scalar(select(func.count()).select_from(Message).where(Message.direction == "in"))
            contacts = await session.scalar(select(func.count()).select_from(Contact))
        assert inbound == 9 and contacts == 9
