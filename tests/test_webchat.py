"""The web chat over real HTTP on loopback: sessions, Rasa's REST shape, history, long poll, limits."""
import asyncio
import json

import aiohttp
import pytest

from sqlalchemy import select

from core.messages import Channel
from storage.models import Message
from tests.conftest import sqlite_url
from tests.support.app import running_bot


@pytest.fixture
async def bot(tmp_path):
    async with running_bot(sqlite_url(tmp_path)) as app:
        async with aiohttp.ClientSession(app.base_url) as http:
            app.http = http
            yield app


async def session(http, **body) -> str:
    async with http.post("/webhooks/rest/session", json=body or None) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["sender"]


async def post(http, sender, message, **extra):
    async with http.post("/webhooks/rest/webhook", json={"sender": sender, "message": message, **extra}) as r:
        return r.status, await r.json()


async def history(http, sender):
    async with http.get("/webhooks/rest/history", params={"sender": sender}) as r:
        assert r.status == 200
        return await r.json()


async def test_chat_page_is_served_and_never_starts_by_itself(bot):
    async with bot.http.get("/") as response:
        assert response.status == 200
        page = await response.text()
    assert "/webhooks/rest/session" in page and "/webhooks/rest/history" in page
    assert "localStorage" in page
    assert '"/start"' not in page and "'/start'" not in page


async def test_rest_shape_and_button_payload_as_message(bot):
    sender = await session(bot.http)
    status, replies = await post(bot.http, sender, "/start")
    assert status == 200
    assert replies[0]["recipient_id"] == sender and isinstance(replies[0]["id"], int)
    assert {"title", "payload"} <= set(replies[0]["buttons"][0])
    payloads = [b["payload"] for b in replies[0]["buttons"]]
    assert "lang:ru" in payloads
    status, replies = await post(bot.http, sender, "lang:ru")
    assert replies[0]["text"] == "Хорошо, говорим по-русски."
    assert replies[-1]["buttons"][0]["payload"] == "menu:faq"


async def test_session_ids_are_signed_and_any_other_sender_is_refused(bot):
    one, two = await session(bot.http), await session(bot.http)
    assert one != two and len(one) >= 40
    forged = one.split(".")[0] + "." + two.split(".")[1]
    for sender in ("web-1", forged, one + "x", "victim"):
        status, body = await post(bot.http, sender, "hi")
        assert status == 403 and "session" in body["error"]
        for path in ("/webhooks/rest/messages", "/webhooks/rest/history"):
            async with bot.http.get(path, params={"sender": sender, "timeout": "0"}) as r:
                assert r.status == 403
    # Nothing was stored for a refused sender.
    async with bot.db.unit_of_work() as uow:
        assert await uow.contacts.find("webchat", "victim") is None


async def test_a_session_language_starts_the_conversation_in_it(bot):
    sender = await session(bot.http, language="ru")
    status, replies = await post(bot.http, sender, "/start")
    assert status == 200
    assert "lang:kk" not in [b["payload"] for r in replies for b in r["buttons"]]
    assert any("Главное меню" in r["text"] or "меню" in r["text"].lower() for r in replies), replies


async def test_the_first_typed_words_overrule_the_browsers_language(bot):
    """A phone set to English does not make «салем грант канша» an English conversation: the
    page's language holds until the first typed words, which switch it when they are clear."""
    sender = await session(bot.http, language="en")
    status, replies = await post(bot.http, sender, "салем грант канша", metadata={"language": "en"})
    assert status == 200
    assert replies[0]["text"] == "Қазақша жауап беремін. Тілді ауыстыру: /language"
    kazakh = set("әғқңөұүһі")
    assert kazakh & set(replies[1]["text"])  # answered in Kazakh
    status, replies = await post(bot.http, sender, "how much is the grant", metadata={"language": "en"})
    assert "Қазақша жауап" not in replies[0]["text"] and kazakh & set(replies[0]["text"])  # the first words decided

    sender = await session(bot.http, language="ru")
    status, replies = await post(bot.http, sender, "привет")
    assert "Отвечаю по-русски" not in " ".join(r["text"] for r in replies)  # the page was right: nothing said
    assert not kazakh & set(replies[0]["text"]) and "и" in replies[0]["text"]  # Russian


async def test_message_ids_are_deduplicated_per_sender_only(bot):
    alice, mallory = await session(bot.http, language="ru"), await session(bot.http, language="ru")
    # Mallory sends first with the id Alice's page will use: Alice must still be answered.
    _, first = await post(bot.http, mallory, "/menu", message_id="m-1")
    assert first
    _, replies = await post(bot.http, alice, "/menu", message_id="m-1")
    assert replies, "another sender's message id silenced this one"
    # The same sender repeating an id (a retried request) is answered once.
    _, again = await post(bot.http, alice, "/menu", message_id="m-1")
    assert again == []


async def test_history_restores_the_conversation_with_buttons(bot):
    sender = await session(bot.http)
    await post(bot.http, sender, "/start")
    _, replies = await post(bot.http, sender, "lang:ru")
    data = await history(bot.http, sender)
    directions = [m["direction"] for m in data["messages"]]
    assert directions[0] == "in" and "out" in directions
    # The pressed button reads as its title, not as the payload.
    assert any(m["direction"] == "in" and m["text"] == "Русский" for m in data["messages"])
    last = data["messages"][-1]
    assert last["id"] == replies[-1]["id"] == data["last_id"]
    assert last["buttons"] and last["buttons"][0]["payload"] == "menu:faq"
    # Nothing waiting: the long poll after the history's last id is empty (no double messages).
    async with bot.http.get("/webhooks/rest/messages",
                            params={"sender": sender, "after": data["last_id"], "timeout": "0"}) as r:
        assert (await r.json())["messages"] == []


async def test_history_keeps_the_last_fifty(bot):
    sender = await session(bot.http, language="en")
    for _ in range(20):  # three rows each: the command, the welcome and the menu
        await post(bot.http, sender, "/start")
    data = await history(bot.http, sender)
    assert len(data["messages"]) == 50
    assert data["messages"][-1]["direction"] == "out"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"sender": 5, "message": "x"}',
                                  b'{"sender": "a"}', b'{"sender": "", "message": "x"}',
                                  b'{"sender": "a", "message": " \\n "}'])
async def test_malformed_bodies_get_400_and_server_keeps_serving(bot, body):
    async with bot.http.post("/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}) as response:
        assert response.status == 400
        assert "error" in await response.json()
    status, _ = await post(bot.http, await session(bot.http), "/start")
    assert status == 200


async def test_oversized_body_is_refused_cleanly(bot):
    async with bot.http.post("/webhooks/rest/webhook", data=b"x" * (2 * 1024 * 1024)) as response:
        assert response.status == 413


async def test_later_messages_arrive_by_long_poll(bot):
    sender = await session(bot.http)
    await post(bot.http, sender, "/start")

    async def poll():
        async with bot.http.get("/webhooks/rest/messages",
                                params={"sender": sender, "after": "0", "timeout": "5"}) as r:
            return await r.json()

    waiting = asyncio.create_task(poll())
    await asyncio.sleep(0.2)
    assert not waiting.done()  # nothing proactive yet: the request waits
    # A proactive message, as an operator reply is: journaled, then sent by the messenger.
    async with bot.db.unit_of_work() as uow:
        contact = await uow.contacts.find("webchat", sender)
    delivery = await bot.messenger.send(contact.id, "Оператор: здравствуйте!", author="operator:aida")
    message_id = delivery.message_id
    result = await asyncio.wait_for(waiting, 5)
    assert [(m["text"], m["from"]) for m in result["messages"]] == [("Оператор: здравствуйте!", "operator")]
    assert "aida" not in json.dumps(result)  # an operator's login stays in the console
    assert result["last_id"] == message_id
    async with bot.http.get("/webhooks/rest/messages",
                            params={"sender": sender, "after": str(message_id), "timeout": "0"}) as r:
        assert (await r.json())["messages"] == []


async def test_bad_long_poll_query(bot):
    sender = await session(bot.http)
    async with bot.http.get("/webhooks/rest/messages", params={"sender": sender, "after": "abc"}) as r:
        assert r.status == 400


async def test_limits_answer_politely_on_the_webhook_and_429_elsewhere(tmp_path):
    async with running_bot(sqlite_url(tmp_path), webchat_messages_per_sender="3/minute",
                           webchat_sessions_per_ip="2/hour", webchat_polls_per_sender="2/minute") as app:
        async with aiohttp.ClientSession(app.base_url) as http:
            sender = await session(http, language="ru")
            for _ in range(3):
                status, replies = await post(http, sender, "/menu")
                assert status == 200 and replies[0]["id"] is not None
            status, replies = await post(http, sender, "/menu")
            assert status == 200 and replies == [
                {"id": None, "recipient_id": sender, "text": replies[0]["text"], "buttons": []}]
            assert "помедленнее" in replies[0]["text"] or "slower" in replies[0]["text"] \
                or "баяу" in replies[0]["text"]
            await session(http)
            async with http.post("/webhooks/rest/session") as r:
                assert r.status == 429 and int(r.headers["Retry-After"]) >= 1
            for expected in (200, 200, 429):
                async with http.get("/webhooks/rest/history", params={"sender": sender}) as r:
                    assert r.status == expected


async def test_concurrent_users_share_commits_and_each_gets_their_own_replies(tmp_path):
    users = 60
    async with running_bot(sqlite_url(tmp_path), webchat_sessions_per_ip="1000/hour") as app:
        connector = aiohttp.TCPConnector(limit=users)
        async with aiohttp.ClientSession(app.base_url, connector=connector) as http:
            senders = [await session(http, language="ru") for _ in range(users)]
            group = app.channels[Channel.webchat].group_commit
            before = group.batches
            answers = await asyncio.gather(*(post(http, s, "/help") for s in senders))
            batches = group.batches - before
            for sender, (status, replies) in zip(senders, answers):
                assert status == 200 and replies
                assert {r["recipient_id"] for r in replies} == {sender}
            # Fewer engine batches (and commits) than requests: they were shared.
            assert batches < users
            # One sender's messages, sent together, are answered in order, each its own.
            first, second = await asyncio.gather(post(http, senders[0], "/help"), post(http, senders[0], "1"))
            assert first[0] == second[0] == 200 and first[1] and second[1]
            assert first[1][0]["id"] < second[1][0]["id"]
        # Every reply in an HTTP answer is journaled as delivered, batch or not.
        async with app.db.sessions() as db_session:
            statuses = set(await db_session.scalars(
                select(Message.delivery_status).where(Message.direction == "out")))
        assert statuses == {"delivered"}


def test_moving_window_refuses_within_any_window_and_forgets_quiet_keys():
    from bot.channels.webchat_sessions import MovingWindow, parse_rate as parse

    now = [1000.0]
    window = MovingWindow(clock=lambda: now[0], sweep_seconds=300)
    three = parse("3/minute")
    for second in (0, 20, 40):
        now[0] = 1000 + second
        assert window.hit(three, "a")
    now[0] = 1059
    assert not window.hit(three, "a")  # a refused hit is not recorded
    assert window.hit(three, "b")  # another key has its own window
    assert window.retry_after(three, "a") == 2  # the hit at 1000 leaves the window at 1060
    now[0] = 1060
    assert window.hit(three, "a") and not window.hit(three, "a")
    now[0] = 1081
    assert window.hit(three, "a")  # the hit at 1020 left; 1040, 1060 and this one remain
    assert window.retry_after(parse("1/hour"), "nobody") == 1
    now[0] = 1301  # past the sweep: keys whose last hit left the window are dropped
    window.hit(three, "c")
    assert len(window) == 1


@pytest.mark.parametrize("text", ["20/minute", "30 per hour", "10/5 minutes", "1/second", "2/day",
                                  " 5 / Hour ", "120/MINUTE", "3 per 2 hours"])
def test_rates_read_as_the_limits_library_reads_them(text):
    from limits import parse

    from bot.channels.webchat_sessions import parse_rate

    ours, theirs = parse_rate(text), parse(text)
    assert (ours.amount, ours.seconds) == (theirs.amount, theirs.get_expiry())


@pytest.mark.parametrize("text", ["", "minute", "20", "20/", "20/fortnight", "0/minute", "20/minute;", "-1/hour"])
def test_odd_rates_are_refused(text):
    from bot.channels.webchat_sessions import parse_rate

    with pytest.raises(ValueError):
        parse_rate(text)
