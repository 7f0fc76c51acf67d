"""WhatsApp: webhooks signed with twilio's RequestValidator, replies to a fake Twilio API."""
import asyncio

import aiohttp
import pytest
from sqlalchemy import select

from core.messages import Address, Channel, Outbound
from core.messages import Reply
from storage.models import Message
from tests.conftest import sqlite_url
from fakes.twilio_api import FakeTwilioAPI
from fakes.twilio_sign import inbound_whatsapp_params, signed_post_params
from tests.support.app import free_port, running_bot

USER = "whatsapp:+77011234567"


@pytest.fixture
async def fake():
    async with FakeTwilioAPI(auto_status_callbacks=True) as api:
        yield api


@pytest.fixture
async def bot(fake, tmp_path):
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    async with running_bot(sqlite_url(tmp_path), twilio_account_sid=fake.account_sid,
                           twilio_auth_token=fake.auth_token, twilio_whatsapp_from="+14155238886",
                           twilio_api_base=fake.base_url, public_base_url=public, http_port=port) as app:
        # Twilio's status callbacks reach the bot at its "public" URL: loopback here.
        app.public = public
        yield app


async def post_signed(app, fake, params, *, path="/webhooks/twilio/whatsapp", signature=None):
    url = app.public + path
    signature = signature if signature is not None else signed_post_params(url, params, fake.auth_token)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    async with aiohttp.ClientSession() as http:
        async with http.post(app.base_url + path, data=params, headers=headers) as response:
            return response.status, await response.text()


async def journal(app, direction=None):
    async with app.db.sessions() as session:
        query = select(Message).where(Message.channel == "whatsapp").order_by(Message.id)
        if direction:
            query = query.where(Message.direction == direction)
        return list(await session.scalars(query))


async def test_conversation_with_numbered_options(bot, fake):
    # A wave says nothing about the language: the picker, as numbered options.
    status, body = await post_signed(bot, fake, inbound_whatsapp_params(USER, "👋"))
    assert status == 200 and "<Response>" in body
    first = (await fake.wait_for_sent(1))[0]
    assert first.to == USER and first.from_ == "whatsapp:+14155238886"
    assert "1. Қазақша" in first.body and "2. Русский" in first.body
    await post_signed(bot, fake, inbound_whatsapp_params(USER, "2"))
    sent = await fake.wait_for_sent(4)
    assert sent[1].body == "Хорошо, говорим по-русски."
    assert "1. 📚 Частые вопросы" in sent[-1].body and "Отправьте номер варианта." in sent[-1].body


async def test_a_kazakh_first_message_is_answered_in_kazakh_without_the_picker(bot, fake):
    await post_signed(bot, fake, inbound_whatsapp_params(USER, "Сәлем"))
    sent = await fake.wait_for_sent(2)
    assert sent[0].body == "Қазақша жауап беремін. Тілді ауыстыру: /language"
    assert "2. Русский" not in sent[1].body and sent[1].body.endswith("Нөмірін жіберіңіз.")  # in Kazakh, no picker


async def test_forged_or_missing_signature_is_refused(bot, fake):
    params = inbound_whatsapp_params(USER, "hello")
    assert (await post_signed(bot, fake, params, signature="Zm9yZ2Vk"))[0] == 403
    assert (await post_signed(bot, fake, params, signature=""))[0] == 403
    forged = signed_post_params(bot.public + "/webhooks/twilio/whatsapp", params, "another-token")
    assert (await post_signed(bot, fake, params, signature=forged))[0] == 403
    tampered = dict(params, Body="tampered")
    good_for_original = signed_post_params(bot.public + "/webhooks/twilio/whatsapp", params, fake.auth_token)
    assert (await post_signed(bot, fake, tampered, signature=good_for_original))[0] == 403
    assert await journal(bot) == []


async def test_redelivered_message_sid_is_stored_and_answered_once(bot, fake):
    params = inbound_whatsapp_params(USER, "hello")
    for _ in range(2):
        assert (await post_signed(bot, fake, params))[0] == 200
    await fake.wait_for_sent(2)  # "I'll answer in English", then the greeting
    assert len(await journal(bot, "in")) == 1
    assert len(fake.sent_to(USER)) == len(await journal(bot, "out")) == 2


async def test_status_callbacks_update_the_journal(bot, fake):
    await post_signed(bot, fake, inbound_whatsapp_params(USER, "hello"))
    sent = (await fake.wait_for_sent(1))[0]
    for _ in range(100):
        outbound = await journal(bot, "out")
        if outbound and outbound[0].delivery_status == "delivered":
            break
        await asyncio.sleep(0.05)
    assert outbound[0].channel_message_id == sent.sid
    assert outbound[0].delivery_status == "delivered", fake.callbacks
    forged = {"MessageSid": sent.sid, "MessageStatus": "failed"}
    assert (await post_signed(bot, fake, forged, path="/webhooks/twilio/status", signature="bad"))[0] == 403
    assert (await journal(bot, "out"))[0].delivery_status == "delivered"
    read = {"MessageSid": sent.sid, "MessageStatus": "read", "AccountSid": fake.account_sid}
    assert (await post_signed(bot, fake, read, path="/webhooks/twilio/status"))[0] == 204
    assert (await journal(bot, "out"))[0].delivery_status == "read"


async def test_media_and_location_get_polite_text(bot, fake):
    await post_signed(bot, fake, inbound_whatsapp_params(USER, "/start"))
    await post_signed(bot, fake, inbound_whatsapp_params(USER, "3"))  # English
    await fake.wait_for_sent(4)
    await post_signed(bot, fake, inbound_whatsapp_params(
        USER, "", media=[("https://api.twilio.com/media/1", "image/jpeg")]))
    await post_signed(bot, fake, inbound_whatsapp_params(USER, "", latitude=43.6, longitude=51.2))
    await post_signed(bot, fake, inbound_whatsapp_params(
        USER, "", media=[("https://api.twilio.com/media/2", "audio/ogg")]))
    sent = await fake.wait_for_sent(7)
    assert sum("only read text" in s.body for s in sent) == 3
    kinds = [m.content_type for m in await journal(bot, "in")]
    assert kinds[-3:] == ["photo", "location", "voice"]


async def test_outside_the_24_hour_window_is_recorded_as_failed(bot, fake):
    fake.outside_window.add("whatsapp:+77019999999")
    result = await bot.deliverer.send(Reply(1, 1, Address(Channel.whatsapp, "+77019999999"), Outbound("hi"), "en"))
    assert (result.status, result.error_code) == ("failed", "63016")


async def test_malformed_status_callback_is_400(bot, fake):
    params = {"MessageSid": "", "MessageStatus": "exploded"}
    assert (await post_signed(bot, fake, params, path="/webhooks/twilio/status"))[0] == 400
