"""Proactive messages: journaled first, sent on the contact's channel, WhatsApp 24-hour rule."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.messages import Channel
from bot.delivery.messenger import Messenger
from bot.delivery.window import MessageWindow
from core.delivery import DeliveryRefused
from storage.models import Message
from tests.conftest import sqlite_url
from fakes.twilio_api import FakeTwilioAPI
from tests.support.app import free_port, running_bot
from tests.support.conversation import BotClient


@pytest.fixture
async def fake():
    async with FakeTwilioAPI() as api:
        yield api


@pytest.fixture
async def bot(fake, tmp_path):
    port = free_port()
    async with running_bot(sqlite_url(tmp_path), twilio_account_sid=fake.account_sid,
                           twilio_auth_token=fake.auth_token, twilio_whatsapp_from="+14155238886",
                           twilio_api_base=fake.base_url, public_base_url=f"http://127.0.0.1:{port}",
                           http_port=port) as app:
        yield app


async def contact_id(app, channel, user):
    async with app.db.unit_of_work() as uow:
        return (await uow.contacts.find(channel, user)).id


async def test_whatsapp_inside_window_sends_free_text(bot, fake):
    await BotClient(bot.engine, channel=Channel.whatsapp, user_id="+77010000001").send("hi")
    delivery = await bot.messenger.send(await contact_id(bot, "whatsapp", "+77010000001"),
                                        "Оператор жауап берді", author="operator:aida")
    assert delivery.result.status == "sent"
    assert fake.sent[-1].body == "Оператор жауап берді" and fake.sent[-1].content_sid is None
    async with bot.db.sessions() as session:
        row = await session.get(Message, delivery.message_id)
    assert (row.author, row.delivery_status, row.channel_message_id) == ("operator:aida", "sent", fake.sent[-1].sid)


async def test_whatsapp_outside_window_needs_a_template(bot, fake):
    await BotClient(bot.engine, channel=Channel.whatsapp, user_id="+77010000002").send("hi")
    later = datetime.now(timezone.utc) + timedelta(hours=25)
    messenger = Messenger(bot.db, bot.deliverer, MessageWindow(default_language="kk"), default_language="kk",
                          clock=lambda: later)
    cid = await contact_id(bot, "whatsapp", "+77010000002")
    before = len(fake.sent)
    with pytest.raises(DeliveryRefused) as refused:
        await messenger.send(cid, "late answer", author="operator:aida", template_key="operator_reply")
    assert refused.value.reason == "whatsapp_window_closed" and len(fake.sent) == before
    async with bot.db.sessions() as session:
        assert not list(await session.scalars(select(Message).where(Message.text == "late answer")))
    messenger.window.templates = {"operator_reply": {"kk": "HX" + "1" * 32}}
    delivery = await messenger.send(cid, "late answer", author="operator:aida", template_key="operator_reply")
    assert delivery.result.status == "sent"
    assert fake.sent[-1].content_sid == "HX" + "1" * 32
    assert '"1": "late answer"' in fake.sent[-1].content_variables


async def test_channel_off_is_refused(bot):
    await BotClient(bot.engine, channel=Channel.telegram, user_id="777").send("/start")
    with pytest.raises(DeliveryRefused) as refused:
        await bot.messenger.send(await contact_id(bot, "telegram", "777"), "x", author="system")
    assert refused.value.reason == "channel_unavailable"
