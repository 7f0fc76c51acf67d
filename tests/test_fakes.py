"""The loopback fakes work with the REAL aiogram and twilio clients."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from fakes.telegram_api import FakeTelegramAPI
from fakes.twilio_api import FakeTwilioAPI
from fakes.twilio_sign import inbound_whatsapp_params, signed_post_params

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmno"
REPO = Path(__file__).resolve().parents[1]


def make_bot(api: FakeTelegramAPI, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))


@pytest.fixture
async def tg():
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def bot(tg):
    b = make_bot(tg)
    try:
        yield b
    finally:
        await b.session.close()


# ---------------------------------------------------------------------- Telegram
async def test_get_me_and_base_url(tg, bot):
    assert tg.base_url.startswith("http://127.0.0.1:") and tg.port > 0
    me = await bot.get_me()
    assert me.id == 123456789 and me.is_bot and me.username == "zhas_test_bot"
    assert tg.calls[0].method == "getMe"


async def test_send_message_with_inline_keyboard_is_recorded(tg, bot):
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes"),
                                                InlineKeyboardButton(text="Нет", callback_data="no")]])
    m1 = await bot.send_message(42, "Сәлем!", reply_markup=kb)
    m2 = await bot.send_message(42, "Второе")
    assert m2.message_id > m1.message_id
    assert m1.chat.id == 42 and m1.text == "Сәлем!" and m1.date
    assert m1.reply_markup.model_dump() == kb.model_dump()
    sent = await tg.wait_for_sent(2)
    assert sent[0].chat_id == 42 and sent[0].text == "Сәлем!"
    assert sent[0].reply_markup == {"inline_keyboard": [[{"text": "Да", "callback_data": "yes"},
                                                         {"text": "Нет", "callback_data": "no"}]]}
    assert sent[1].reply_markup is None
    assert [s.text for s in await tg.wait_sent_to(42, 2)] == ["Сәлем!", "Второе"]
    params = tg.calls_of("sendMessage")[0].params
    assert params["chat_id"] == 42 and isinstance(params["reply_markup"], dict)


async def test_json_request_body_is_parsed(tg):
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{tg.base_url}/bot{TOKEN}/sendMessage",
                          json={"chat_id": 7, "text": "hi",
                                "reply_markup": json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]})}) as r:
            body = await r.json()
        assert r.status == 200 and body["ok"] and body["result"]["chat"]["id"] == 7
        assert tg.sent[0].reply_markup == {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
        async with s.post(f"{tg.base_url}/bot{TOKEN}/noSuchMethod") as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404,
                                      "description": "Not Found: method not found"}


async def test_unknown_method_raises_not_found(tg, bot):
    class Bogus(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "bogusMethod"

    with pytest.raises(TelegramNotFound):
        await bot(Bogus())


async def test_set_and_get_my_commands_per_language(tg, bot):
    await bot.set_my_commands([BotCommand(command="start", description="Начать")], language_code="ru")
    await bot.set_my_commands([BotCommand(command="start", description="Бастау")], language_code="kk")
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert tg.commands["ru"] == [{"command": "start", "description": "Начать"}]
    assert tg.commands["kk"][0]["description"] == "Бастау"
    assert tg.commands[""][0]["description"] == "Start"
    got = await bot.get_my_commands(scope=BotCommandScopeDefault(), language_code="kk")
    assert [c.description for c in got] == ["Бастау"]
    assert await bot.get_my_commands(language_code="en") == []
    with pytest.raises(TelegramBadRequest):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_get_updates_offset_semantics(tg, bot):
    u1 = tg.push_text(1, "/start")
    u2 = tg.push_text(2, "привет", language_code="kk", first_name="Айгүл")
    u3 = tg.push_callback(1, "menu:faq")
    assert u2["update_id"] == u1["update_id"] + 1 == u3["update_id"] - 1

    got = await bot.get_updates()
    assert [u.update_id for u in got] == [u1["update_id"], u2["update_id"], u3["update_id"]]
    assert got[0].message.text == "/start" and got[1].message.from_user.language_code == "kk"
    assert got[1].message.from_user.first_name == "Айгүл"
    assert got[2].callback_query.data == "menu:faq"

    # Without a higher offset nothing is confirmed: the same updates come back.
    assert len(await bot.get_updates()) == 3
    # limit
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [u1["update_id"]]
    # offset = u2 confirms u1 only
    again = await bot.get_updates(offset=u2["update_id"])
    assert [u.update_id for u in again] == [u2["update_id"], u3["update_id"]]
    assert tg.confirmed_offset == u2["update_id"]
    assert len(tg.updates) == 2
    # confirm everything
    assert await bot.get_updates(offset=u3["update_id"] + 1) == []
    assert not tg.updates and tg.confirmed_offset == u3["update_id"] + 1
    # negative offset keeps the last -offset updates
    for i in range(5):
        tg.push_text(3, f"m{i}")
    last2 = await bot.get_updates(offset=-2)
    assert [u.message.text for u in last2] == ["m3", "m4"]


async def test_get_updates_long_poll_returns_early_on_push(tg, bot):
    start = time.monotonic()
    empty = await bot.get_updates(timeout=1)
    assert empty == [] and time.monotonic() - start >= 0.9

    async def push_later():
        await asyncio.sleep(0.2)
        tg.push_text(5, "late")

    start = time.monotonic()
    task = asyncio.create_task(push_later())
    got = await bot.get_updates(timeout=10)
    await task
    assert time.monotonic() - start < 2
    assert [u.message.text for u in got] == ["late"]


async def test_concurrent_get_updates_conflict_and_webhook_conflict(tg, bot):
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_for_calls("getUpdates", 1)
    await asyncio.sleep(0.05)
    assert await bot.get_updates() == []
    with pytest.raises(TelegramConflictError):
        await first
    assert await bot.set_webhook("https://bot.example.com/tg", secret_token="s3cret")
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


async def test_all_update_kinds_validate_as_aiogram_updates(tg, bot):
    makers = [
        tg.make_text(1, "hi"),
        tg.make_callback(1, "x"),
        tg.make_sticker(1),
        tg.make_photo(1, caption="фото"),
        tg.make_voice(1),
        tg.make_document(1),
        tg.make_location(1, 43.238, 76.945),
        tg.make_contact(1, "+77011234567"),
    ]
    for i, upd in enumerate(makers):
        upd = {"update_id": 1 + i, **upd}
        Update.model_validate(upd, context={"bot": bot})  # make_* does not queue
    assert not tg.updates
    tg.push_sticker(1)
    tg.push_photo(1, caption="c")
    tg.push_voice(1)
    tg.push_document(1)
    tg.push_location(1, 43.2, 76.9)
    tg.push_contact(1, "+77011234567")
    got = await bot.get_updates()
    m = [u.message for u in got]
    assert m[0].sticker and m[1].photo and m[1].caption == "c" and m[2].voice and m[3].document
    assert m[4].location.latitude == 43.2
    assert m[5].contact.phone_number == "+77011234567" and m[5].contact.user_id == 1


async def test_callback_refers_to_last_bot_message_and_edits(tg, bot):
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]])
    sent = await bot.send_message(9, "choose", reply_markup=kb)
    tg.push_callback(9, "a")
    (upd,) = await bot.get_updates()
    cq = upd.callback_query
    assert cq.message.message_id == sent.message_id
    assert cq.message.reply_markup.model_dump() == kb.model_dump()
    assert await bot.answer_callback_query(cq.id, text="ok")
    edited = await bot.edit_message_text("chosen A", chat_id=9, message_id=sent.message_id)
    assert edited.text == "chosen A" and edited.edit_date
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_text("chosen A", chat_id=9, message_id=sent.message_id)
    await bot.edit_message_reply_markup(chat_id=9, message_id=sent.message_id, reply_markup=kb)
    with pytest.raises(TelegramBadRequest, match="not found"):
        await bot.edit_message_text("x", chat_id=9, message_id=9999)
    assert await bot.send_chat_action(9, "typing")
    assert await bot.close() and await bot.log_out()


async def test_bad_requests(tg, bot):
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(1, "a<br>b", parse_mode="HTML")
    await bot.send_message(1, "<b>ok</b> 1 < 2", parse_mode="HTML")
    assert len(tg.sent) == 1


async def test_rate_limit_429_raises_retry_after(tg, bot):
    tg.rate_limit_per_second = 3
    tg.retry_after = 7
    for i in range(3):
        await bot.send_message(100 + i, "ok")
    with pytest.raises(TelegramRetryAfter) as exc:
        await bot.send_message(200, "too many")
    assert exc.value.retry_after == 7
    assert tg.too_many_requests == 1 and len(tg.sent) == 3
    await asyncio.sleep(1.05)
    await bot.send_message(200, "ok again")


async def test_per_chat_limit(tg, bot):
    tg.per_chat_limit = 1.0
    await bot.send_message(1, "a")
    await bot.send_message(2, "b")
    with pytest.raises(TelegramRetryAfter) as exc:
        await bot.send_message(1, "c")
    assert exc.value.retry_after == 1 and tg.too_many_requests == 1


async def test_blocked_chat_403(tg, bot):
    tg.blocked_chats.add(666)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(666, "hello")
    assert tg.sent == [] and tg.forbidden == 1


async def test_fail_next_5xx(tg, bot):
    tg.fail_next(2, status=502)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(1, "x")
    await bot.send_message(1, "x")
    tg.fail_next(1, status=502, methods=["sendMessage"], body="html")
    await bot.get_me()  # not affected
    with pytest.raises(ClientDecodeError):
        await bot.send_message(1, "x")
    assert tg.injected_failures == 3 and len(tg.sent) == 1


async def test_push_is_efficient_for_many_updates(tg, bot):
    start = time.perf_counter()
    for i in range(10_000):
        tg.push_text(i % 500 + 1, f"msg {i}")
    offset, seen = 0, 0
    while True:
        got = await bot.get_updates(offset=offset or None, limit=100)
        if not got:
            break
        seen += len(got)
        offset = got[-1].update_id + 1
    assert seen == 10_000 and not tg.updates
    assert time.perf_counter() - start < 30


# ---------------------------------------------------------------------- subprocess mode
async def test_subprocess_mode_and_control_api():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fakes.telegram_api", "--port", "0", "--rate-limit", "30",
        cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 15)
        url = line.decode().strip()
        assert url.startswith("http://127.0.0.1:")
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
        try:
            async with aiohttp.ClientSession() as s:
                async with s.post(f"{url}/_fake/push", json={"user_id": 77, "text": "/start"}) as r:
                    ids = (await r.json())["update_ids"]
                async with s.post(f"{url}/_fake/push",
                                  json=[{"user_id": 77, "callback_data": "lang:kk"},
                                        {"message": {"message_id": 1, "date": 0, "text": "raw",
                                                     "chat": {"id": 78, "type": "private"}}}]) as r:
                    ids += (await r.json())["update_ids"]
                got = await bot.get_updates(timeout=2)
                assert [u.update_id for u in got] == ids
                assert got[0].message.text == "/start" and got[1].callback_query.data == "lang:kk"
                assert got[2].message.text == "raw"
                await bot.get_updates(offset=ids[-1] + 1)
                await bot.send_message(77, "Сәлем")
                async with s.get(f"{url}/_fake/wait_sent", params={"count": "1", "timeout": "2"}) as r:
                    assert r.status == 200
                async with s.get(f"{url}/_fake/sent") as r:
                    sent = await r.json()
                assert sent["count"] == 1 and sent["sent"][0]["chat_id"] == 77
                assert sent["sent"][0]["text"] == "Сәлем"
                async with s.get(f"{url}/_fake/stats") as r:
                    stats = await r.json()
                assert stats["confirmed_offset"] == ids[-1] + 1 and stats["pending_updates"] == 0
                assert stats["rate_limit_per_second"] == 30
                async with s.post(f"{url}/_fake/config", json={"blocked_chats": [77]}) as r:
                    assert r.status == 200
                with pytest.raises(TelegramForbiddenError):
                    await bot.send_message(77, "x")
        finally:
            await bot.session.close()
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


# ---------------------------------------------------------------------- Twilio
@pytest.fixture
async def tw():
    async with FakeTwilioAPI(outside_window={"whatsapp:+77000000001"}) as api:
        yield api


@pytest.fixture
async def twilio_client(tw):
    http_client = AsyncTwilioHttpClient()
    client = Client(tw.account_sid, tw.auth_token, http_client=http_client)
    client.api.base_url = tw.base_url  # this alone routes create_async to the fake
    try:
        yield client
    finally:
        await http_client.close()


async def test_twilio_create_async_returns_sid(tw, twilio_client):
    msg = await twilio_client.messages.create_async(
        to="whatsapp:+77011234567", from_="whatsapp:+14155238886", body="Сәлем!",
        status_callback="https://bot.example.com/twilio/status")
    assert msg.sid.startswith("SM") and len(msg.sid) == 34
    assert msg.status == "queued" and msg.to == "whatsapp:+77011234567" and msg.body == "Сәлем!"
    assert msg.account_sid == tw.account_sid and msg.date_created is not None
    assert tw.sent[0].sid == msg.sid and tw.sent[0].from_ == "whatsapp:+14155238886"
    assert tw.sent[0].status_callback == "https://bot.example.com/twilio/status"
    fetched = await twilio_client.messages(msg.sid).fetch_async()
    assert fetched.sid == msg.sid


async def test_twilio_bad_auth_401(tw):
    http_client = AsyncTwilioHttpClient()
    client = Client(tw.account_sid, "wrong-token", http_client=http_client)
    client.api.base_url = tw.base_url
    try:
        with pytest.raises(TwilioRestException) as exc:
            await client.messages.create_async(to="whatsapp:+77011234567",
                                               from_="whatsapp:+14155238886", body="x")
        assert exc.value.status == 401 and exc.value.code == 20003
    finally:
        await http_client.close()
    assert tw.sent == []


async def test_twilio_outside_window_63016_but_template_ok(tw, twilio_client):
    with pytest.raises(TwilioRestException) as exc:
        await twilio_client.messages.create_async(to="whatsapp:+77000000001",
                                                  from_="whatsapp:+14155238886", body="free form")
    assert exc.value.code == 63016 and exc.value.status == 400
    assert "outside the allowed window" in exc.value.msg
    tw.content_templates["HX" + "1" * 32] = "Здравствуйте, {{1}}!"
    msg = await twilio_client.messages.create_async(
        to="whatsapp:+77000000001", from_="whatsapp:+14155238886",
        content_sid="HX" + "1" * 32, content_variables=json.dumps({"1": "Айгүл"}))
    assert msg.sid and msg.body == "Здравствуйте, Айгүл!"
    assert tw.sent[0].content_sid == "HX" + "1" * 32 and tw.rejected_outside_window == 1
    tw.outside_window_mode = "callback"  # accepted now, failure visible later
    late = await twilio_client.messages.create_async(to="whatsapp:+77000000001",
                                                     from_="whatsapp:+14155238886", body="free")
    assert late.status == "queued"
    fetched = await twilio_client.messages(late.sid).fetch_async()
    assert fetched.status == "failed" and fetched.error_code == 63016


async def test_twilio_fail_next_and_rate_limit(tw, twilio_client):
    tw.fail_next(1, status=500)
    with pytest.raises(TwilioRestException) as exc:
        await twilio_client.messages.create_async(to="whatsapp:+7701", from_="whatsapp:+1415", body="x")
    assert exc.value.status == 500
    tw.rate_limit_per_second = 2
    for _ in range(2):
        await twilio_client.messages.create_async(to="whatsapp:+7701", from_="whatsapp:+1415", body="x")
    with pytest.raises(TwilioRestException) as exc:
        await twilio_client.messages.create_async(to="whatsapp:+7701", from_="whatsapp:+1415", body="x")
    assert exc.value.status == 429 and exc.value.code == 20429 and tw.too_many_requests == 1


async def test_twilio_status_callback_is_signed(tw):
    received: list[tuple[dict, str]] = []
    from aiohttp import web

    async def status(request):
        received.append((dict(await request.post()), request.headers["X-Twilio-Signature"]))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/twilio/status", status)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    cb_url = f"http://127.0.0.1:{port}/twilio/status"
    tw.outside_window_mode = "callback"
    http_client = AsyncTwilioHttpClient()
    client = tw.configure_client(Client(tw.account_sid, tw.auth_token, http_client=http_client))
    try:
        msg = await client.messages.create_async(to="whatsapp:+77000000001", from_="whatsapp:+1415",
                                                 body="free", status_callback=cb_url)
        assert msg.status == "queued"
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.02)
        params, sig = received[0]
        assert params["MessageStatus"] == "failed" and params["ErrorCode"] == "63016"
        assert RequestValidator(tw.auth_token).validate(cb_url, params, sig)
    finally:
        await http_client.close()
        await tw.stop()
        await runner.cleanup()


def test_signed_post_params_matches_request_validator():
    params = inbound_whatsapp_params("whatsapp:+77011234567", "Сәлем")
    url = "https://bot.example.com/twilio/whatsapp?x=1"
    sig = signed_post_params(url, params, "tok")
    assert RequestValidator("tok").validate(url, params, sig)
    assert not RequestValidator("other").validate(url, params, sig)
    assert params["WaId"] == "77011234567"
