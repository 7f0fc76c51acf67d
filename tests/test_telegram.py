"""Telegram: the real aiogram client against a fake Bot API server on loopback."""
import aiohttp
import pytest
from sqlalchemy import select

from bot.channels.telegram import POLL_LIMIT, TEXT_LIMIT
from core.messages import Address, Button, Channel, Outbound
from core.messages import Reply
from storage.models import Message
from tests.conftest import sqlite_url
from fakes.telegram_api import FakeTelegramAPI
from tests.support.app import running_bot

TOKEN = "123456:TEST-token"
SECRET = "webhook-secret-1"


@pytest.fixture
async def fake():
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def polling_bot(fake, tmp_path):
    async with running_bot(sqlite_url(tmp_path), telegram_bot_token=TOKEN,
                           telegram_api_server=fake.base_url) as app:
        yield app


@pytest.fixture
async def webhook_bot(fake, tmp_path):
    async with running_bot(sqlite_url(tmp_path), telegram_bot_token=TOKEN, telegram_api_server=fake.base_url,
                           telegram_mode="webhook", telegram_webhook_secret=SECRET,
                           public_base_url="https://bot.example.org") as app:
        yield app


async def journal(app, direction=None):
    async with app.db.sessions() as session:
        query = select(Message).where(Message.channel == "telegram").order_by(Message.id)
        if direction:
            query = query.where(Message.direction == direction)
        return list(await session.scalars(query))


def inline_payloads(sent):
    markup = sent.reply_markup or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


async def test_commands_registered_in_three_languages(polling_bot, fake):
    await fake.wait_for_calls("setMyCommands", 4)
    assert fake.commands["kk"][2]["description"] == "Өтінім бере аламын ба?"
    for lang in ("kk", "ru", "en"):
        names = [command["command"] for command in fake.commands[lang]]
        assert names == ["start", "menu", "check", "status", "operator", "language", "help", "forget"]
    assert fake.commands["ru"][1]["description"] == "Главное меню"
    assert fake.calls_of("deleteWebhook"), "polling must delete any webhook first"


async def test_polling_conversation_with_inline_buttons(polling_bot, fake):
    fake.push_text(42, "/start", language_code="en")
    sent = await fake.wait_sent_to(42, 2)
    # The language came with the user (language_code): no picker, the welcome in English.
    assert "ZHAS PROJECT" in sent[0].text and inline_payloads(sent[1])[0] == "menu:faq"
    fake.push_callback(42, "menu:language", message_id=sent[1].message_id)
    picker = (await fake.wait_sent_to(42, 3))[2]
    assert inline_payloads(picker)[0] == "lang:en"  # the current language first
    fake.push_callback(42, "lang:ru", message_id=picker.message_id)
    sent = await fake.wait_sent_to(42, 5)
    assert sent[3].text == "Хорошо, говорим по-русски."
    assert inline_payloads(sent[-1])[0] == "menu:faq"
    assert all(len(p.encode()) <= 64 for s in sent for p in inline_payloads(s))
    await fake.wait_for_calls("answerCallbackQuery", 2)
    stored = await journal(polling_bot, "in")
    assert [m.content_type for m in stored] == ["command", "button", "button"]
    assert stored[2].payload == "lang:ru"


async def test_media_gets_polite_text_answer(polling_bot, fake):
    fake.push_text(7, "/start")
    fake.push_callback(7, "lang:en")
    await fake.wait_sent_to(7, 4)
    for push in (fake.push_sticker, fake.push_photo, fake.push_voice, fake.push_document):
        push(7)
    fake.push_location(7, 43.65, 51.17)
    sent = await fake.wait_sent_to(7, 4 + 5, timeout=10)
    answers = [s.text for s in sent[4:] if "only read text" in (s.text or "")]
    assert len(answers) == 5
    kinds = [m.content_type for m in await journal(polling_bot, "in")]
    assert kinds[2:] == ["sticker", "photo", "voice", "document", "location"]


async def test_updates_are_confirmed_only_after_they_are_stored(polling_bot, fake, monkeypatch):
    engine = polling_bot.engine
    original = engine.handle_batch
    failures = {"left": 1}

    async def flaky(inbounds):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("database is away")
        return await original(inbounds)

    monkeypatch.setattr(engine, "handle_batch", flaky)
    update = fake.push_text(99, "/start")
    # The first attempt fails before the commit: the update must come back, and is
    # then stored and answered exactly once.
    await fake.wait_sent_to(99, 2, timeout=10)  # the welcome and the menu
    await fake.wait_for_offset(update["update_id"] + 1)
    stored = [m for m in await journal(polling_bot, "in") if m.event_id == str(update["update_id"])]
    assert len(stored) == 1
    assert len(fake.sent_to(99)) == 2


async def test_a_flood_is_read_in_batches_of_at_most_poll_limit(polling_bot, fake, monkeypatch):
    engine = polling_bot.engine
    original = engine.handle_batch
    batches = []

    async def counted(inbounds):
        batches.append(len(inbounds))
        return await original(inbounds)

    monkeypatch.setattr(engine, "handle_batch", counted)
    users = range(1000, 1000 + 2 * POLL_LIMIT + 10)
    for user in users:
        fake.push_text(user, "сәлем")
    for user in users:
        await fake.wait_sent_to(user, 1, timeout=20)
    assert sum(batches) == len(users)
    assert max(batches) == POLL_LIMIT


async def test_long_reply_respects_4096_limit_and_blocked_user(polling_bot, fake):
    delivery = polling_bot.deliverer
    text = ("Абзац. " * 700).strip()  # about 4,900 characters
    address = Address(Channel.telegram, "55")
    result = await delivery.send(Reply(1, 1, address, Outbound(text), "ru"))
    parts = fake.sent_to(55)
    assert result.status == "sent" and len(parts) == 2
    assert all(len(p.text) <= TEXT_LIMIT for p in parts)
    assert "".join(p.text for p in parts).replace(" ", "") == text.replace(" ", "")
    fake.blocked_chats.add(56)
    blocked = await delivery.send(Reply(2, 1, Address(Channel.telegram, "56"), Outbound("hi"), "ru"))
    assert (blocked.status, blocked.error_code) == ("unreachable", "403")


async def test_send_once_outcomes_and_keyboards(polling_bot, fake):
    """A reply's one attempt (SendText, a JSON body): what arrives, and what each answer means."""
    telegram = polling_bot.deliverer.channels[Channel.telegram]
    menu = Outbound("Меню", buttons=[Button("Вопросы", "menu:faq"), Button("Оператор", "menu:operator")])
    outcome = await telegram.send_once(Reply(1, 1, Address(Channel.telegram, "61"), menu, "ru"))
    (sent,) = fake.sent_to(61)
    assert (outcome.kind, outcome.channel_message_id) == ("sent", str(sent.message_id))
    assert sent.text == "Меню" and inline_payloads(sent) == ["menu:faq", "menu:operator"]
    assert sent.reply_markup["inline_keyboard"][1][0]["text"] == "Оператор"
    phone = Outbound("Номер?", buttons=[Button("Поделиться", "phone:share")], request_contact=True)
    await telegram.send_once(Reply(2, 1, Address(Channel.telegram, "61"), phone, "ru"))
    keyboard = fake.sent_to(61)[1].reply_markup["keyboard"]
    assert keyboard == [[{"text": "Поделиться", "request_contact": True}]]

    fake.per_chat_limit, fake.retry_after = 1, 7
    await telegram.send_once(Reply(3, 1, Address(Channel.telegram, "62"), Outbound("a"), "ru"))
    limited = await telegram.send_once(Reply(4, 1, Address(Channel.telegram, "62"), Outbound("b"), "ru"))
    assert (limited.kind, limited.retry_after, limited.error) == ("rate_limited", 7.0, "429")
    fake.per_chat_limit = None
    fake.fail_next(1, status=502)
    failed = await telegram.send_once(Reply(5, 1, Address(Channel.telegram, "63"), Outbound("c"), "ru"))
    assert failed.kind == "server_error"
    fake.blocked_chats.add(64)
    blocked = await telegram.send_once(Reply(6, 1, Address(Channel.telegram, "64"), Outbound("d"), "ru"))
    assert (blocked.kind, blocked.error) == ("forbidden", "403")


async def test_webhook_mode(webhook_bot, fake):
    assert fake.webhook_url == "https://bot.example.org/webhooks/telegram"
    assert fake.webhook_secret_token == SECRET
    update = {"update_id": 5000, **fake.make_text(31, "/start")}
    url = f"{webhook_bot.base_url}/webhooks/telegram"
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status in (401, 403)
        assert not await journal(webhook_bot)  # nothing from a forged request is stored
        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(url, data=b"{broken", headers=good) as response:
            assert response.status == 400
        async with http.post(url, json={"no": "update_id"}, headers=good) as response:
            assert response.status == 400
        for _ in range(2):  # Telegram redelivers when it did not see our 200 in time
            async with http.post(url, json=update, headers=good) as response:
                assert response.status == 200
        # By the time the 200 came, the inbound message was committed.
        assert len(await journal(webhook_bot, "in")) == 1
    sent = await fake.wait_sent_to(31, 2)
    assert "menu:faq" in inline_payloads(sent[1])  # language_code "ru": no picker
    assert len(fake.sent_to(31)) == 2
