"""The operator console over HTTP: login, cookies, CSRF, queue, claim, reply, resolve, calls, roles."""
import re

import aiohttp
import pytest
from sqlalchemy import select

from core.messages import Channel
from storage.tickets import AuditEntry
from tests.conftest import sqlite_url
from tests.handoff.conftest import PASSWORD
from tests.handoff.console_client import ConsoleClient
from tests.support.app import running_bot
from tests.support.conversation import BotClient, started


@pytest.fixture
async def app(tmp_path):
    async with running_bot(sqlite_url(tmp_path)) as bot:
        await bot.accounts.add("aida", "operator", PASSWORD)
        await bot.accounts.add("bolat", "operator", PASSWORD)
        await bot.accounts.add("zhanna", "manager", PASSWORD)
        yield bot


@pytest.fixture
async def console(app):
    client = ConsoleClient(app.base_url)
    yield client
    await client.close()


async def actions(app) -> list[tuple[str, str]]:
    async with app.db.sessions() as session:
        return [(e.actor, e.action) for e in await session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


async def open_ticket(app, user=None, lang="ru") -> BotClient:
    # A web chat sender the server signed, as POST /webhooks/rest/session issues them.
    user = user or app.channels[Channel.webchat].sender_ids.issue()
    client = await started(app.engine, lang, channel=Channel.webchat, user_id=user)
    await client.send("/operator")
    return client


async def test_login_required_and_cookie_flags(app, console):
    status, body = await console.get("/console")
    assert status == 200 and 'action="/console/login"' in body  # redirected to the login page
    async with console.http.get(app.base_url + "/console/tickets/1/feed") as response:
        assert response.status == 401
    await console.get("/console/login")
    _, _, response = await console.post("/console/login", {"name": "aida", "password": PASSWORD},
                                        allow_redirects=False)
    assert response.status == 303
    cookie = response.cookies["zb_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
    assert not cookie["secure"]  # plain http on loopback
    status, body = await console.get("/console")
    assert status == 200 and "aida" in body


async def test_secure_cookie_behind_https(tmp_path):
    async with running_bot(sqlite_url(tmp_path), public_base_url="https://bot.example.org") as bot:
        await bot.accounts.add("aida", "operator", PASSWORD)
        # A Secure cookie is not sent back over plain http: replay it by hand, as a browser on https would.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            async with http.get(bot.base_url + "/console/login") as response:
                login_cookie = response.cookies["zb_login_csrf"]
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', await response.text()).group(1)
            assert login_cookie["secure"]
            async with http.post(bot.base_url + "/console/login", allow_redirects=False,
                                 data={"name": "aida", "password": PASSWORD, "csrf_token": csrf},
                                 headers={"Cookie": f"zb_login_csrf={login_cookie.value}"}) as response:
                assert response.status == 303
                cookie = response.cookies["zb_console"]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_failed_login_is_audited(app, console):
    status, body = await console.login("aida", "wrong-password")
    assert status == 401 and "Неверное имя или пароль" in body
    assert ("aida", "login_failed") in await actions(app)


async def test_csrf_is_checked_on_every_post(app, console):
    await open_ticket(app)
    # The login form: a missing or wrong token is refused.
    await console.get("/console/login")
    status, _, _ = await console.post("/console/login", {"name": "aida", "password": PASSWORD}, csrf="forged")
    assert status == 403
    await console.login("aida", PASSWORD)
    for path in ("/console/tickets/1/claim", "/console/tickets/1/reply", "/console/logout", "/console/calls"):
        status, body, _ = await console.post(path, {"text": "x"}, csrf="forged")
        assert status == 403, path
        status, body, _ = await console.post(path, {"text": "x"}, csrf="")
        assert status == 403, path
    assert all(action != "claim" for _, action in await actions(app))


async def test_queue_claim_reply_resolve(app, console):
    user = await open_ticket(app)
    await user.send("Когда заканчивается приём заявок?")
    await console.login("aida", PASSWORD)
    status, body = await console.get("/console")
    assert "T-0001" in body and "Открыт" in body
    status, body = await console.get("/console/tickets/1")
    # The whole history, the bot's part before the hand-off included.
    assert "Когда заканчивается приём заявок?" in body and "Хорошо, говорим по-русски." in body
    status, body, _ = await console.post("/console/tickets/1/claim")
    assert "Вы взяли обращение" in body
    status, body, _ = await console.post("/console/tickets/1/reply", {"text": "До 15 декабря."})
    assert "Отправлено" in body
    # The web chat user gets it by long polling.
    async with aiohttp.ClientSession() as http:
        async with http.get(app.base_url + "/webhooks/rest/messages",
                            params={"sender": user.user_id, "after": "0", "timeout": "0"}) as response:
            texts = [m["text"] for m in (await response.json())["messages"]]
    assert "До 15 декабря." in texts
    # The live feed (what the page's script polls).
    async with console.http.get(app.base_url + "/console/tickets/1/feed?after=0") as response:
        feed = await response.json()
    assert feed["status"] == "assigned" and feed["messages"][-1]["author"] == "operator:aida"
    last_id = feed["messages"][-1]["id"]
    await user.send("Спасибо!")
    async with console.http.get(app.base_url + f"/console/tickets/1/feed?after={last_id}") as response:
        assert [m["text"] for m in (await response.json())["messages"]] == ["Спасибо!"]
    status, body, _ = await console.post("/console/tickets/1/resolve", {"resolution": "Сроки объяснены"})
    assert "закрыто" in body.lower()
    await user.send("/help")
    assert user.texts  # the bot answers again
    log = await actions(app)
    for action in ("login", "claim", "reply", "resolve"):
        assert ("aida", action) in log


async def test_another_operator_cannot_take_a_claimed_ticket(app, console):
    await open_ticket(app)
    await console.login("aida", PASSWORD)
    await console.post("/console/tickets/1/claim")
    other = ConsoleClient(app.base_url)
    try:
        await other.login("bolat", PASSWORD)
        await other.get("/console/tickets/1")
        status, body, _ = await other.post("/console/tickets/1/reply", {"text": "я тоже"})
        assert "другим оператором" in body or "Конфликт" in body
        status, body = await other.get("/console/tickets/99")
        assert status == 404
    finally:
        await other.close()


async def test_hand_back_and_search(app, console):
    await open_ticket(app, user="Айгерим")
    await console.login("aida", PASSWORD)
    await console.get("/console/tickets/1")
    await console.post("/console/tickets/1/handback")
    assert ("aida", "hand_back") in await actions(app)
    for query in ("T-0001", "t1", "1", "ZP-0001", "zp1"):  # old ZP- numbers still find theirs
        _, body = await console.get(f"/console/search?q={query}")
        assert "/console/tickets/1" in body
    # Names are found whatever the case of their Cyrillic letters (SQLite folds ASCII only).
    async with app.db.unit_of_work() as uow:
        contact = await uow.contacts.find("webchat", "Айгерим")
        contact.display_name = "Айгерим Серікқызы"
    for query in ("айгерим", "АЙГЕРИМ", "серікқызы", "СЕРІКҚЫЗЫ"):
        _, body = await console.get(f"/console/search?q={query}")
        assert "/console/tickets/1" in body, query
    _, body = await console.get("/console/search?q=nothing-like-this")
    assert "/console/tickets/1" not in body
    assert "Контакты не найдены" in body


async def test_phone_call_logged_from_the_console(app, console):
    await console.login("aida", PASSWORD)
    await console.get("/console/calls")
    status, body, _ = await console.post("/console/calls", {
        "phone": "+7 701 000 11 22", "language": "ru", "topics": "deadline, documents",
        "notes": "Спросил про сроки", "minutes": "4.5", "outcome": "answered"})
    assert status == 200 and "Звонок записан" in body
    status, body, _ = await console.post("/console/calls", {"phone": "12", "language": "ru", "minutes": "x"})
    assert status == 400
    assert ("aida", "call_logged") in await actions(app)


async def test_call_form_speaks_words_topics_ticked_by_title(app, console):
    """The call form shows languages and FAQ topics by name; ticked topics are noted."""
    from sqlalchemy import select

    from storage.models import Consultation

    await console.login("aida", PASSWORD)
    _, page = await console.get("/console/calls")
    assert ">русский</option>" in page and ">RU</option>" not in page
    assert '<option value="documents"' in page and "deadline, documents" not in page
    status, body, _ = await console.post("/console/calls", [
        ("phone", "+7 701 000 11 22"), ("language", "kk"), ("topics", "documents"), ("topics", "deadline"),
        ("minutes", "3"), ("outcome", "answered")])
    assert status == 200 and "Звонок записан" in body
    async with app.db.sessions() as session:
        [call] = list(await session.scalars(select(Consultation)))
    assert sorted(topic.topic for topic in call.topics) == ["deadline", "documents"]


async def test_past_phone_call_with_region_and_age_band_from_the_console(app, console):
    from datetime import datetime, timezone

    from sqlalchemy import select

    from storage.models import Consultation

    await console.login("aida", PASSWORD)
    _, page = await console.get("/console/calls")
    assert 'name="date"' in page and 'name="region"' in page and "Мангистауская область" in page
    assert "17–22 года" in page
    status, body, _ = await console.post("/console/calls", {
        "phone": "+7 701 000 11 22", "language": "ru", "date": "27.10.2025", "time": "15:40", "region": "almaty",
        "age_band": "23-27", "minutes": "2", "outcome": "answered"})
    assert status == 200
    future = {"phone": "+7 701 000 11 22", "language": "ru", "date": "2099-01-01", "time": "10:00",
              "region": "almaty", "age_band": "23-27"}
    status, body, _ = await console.post("/console/calls", future)
    assert status == 400 and "не может быть в будущем" in body  # the operator's language, not the API's English
    assert 'value="2099-01-01"' in body  # what was typed stays in the form
    status, body, _ = await console.post("/console/calls", {**future, "date": "2025-10-27", "time": ""})
    assert status == 400 and "и время звонка" in body
    async with app.db.sessions() as session:
        [call] = list(await session.scalars(select(Consultation)))
    assert call.opened_at == datetime(2025, 10, 27, 10, 40, tzinfo=timezone.utc)
    assert (call.region, call.age_band, call.duration_seconds) == ("almaty", "23-27", 120)


async def test_manager_page_export_and_roles(app, console):
    await open_ticket(app)
    await console.login("aida", PASSWORD)
    status, _ = await console.get("/console/manage")
    assert status == 403
    status, _, _ = await console.post("/console/manage/export", {"date_from": "2020-01-01", "date_to": "2030-01-01"})
    assert status == 403
    manager = ConsoleClient(app.base_url)
    try:
        await manager.login("zhanna", PASSWORD)
        status, body = await manager.get("/console/manage")
        assert status == 200 and "aida" in body and "bolat" in body
        status, body, response = await manager.post("/console/manage/export", {
            "date_from": "2020-01-01", "date_to": "2030-01-01", "by": "message", "format": "csv"})
        assert status == 200 and response.headers["Content-Disposition"].startswith("attachment")
        assert body.lstrip("\ufeff").startswith("№ сообщения,Время,Канал,") and "message_id" not in body
        await manager.get("/console/manage")
        status, body, _ = await manager.post("/console/manage/operators",
                                             {"name": "dana", "role": "operator", "password": "long-enough-pw"})
        assert "dana" in body
        # The audit log says what happened in words, not action codes.
        assert "Выгрузка (данные скрыты)" in body and "Добавлен оператор" in body
        assert "<td>export</td>" not in body and "<td>operator_added</td>" not in body
        log = await actions(app)
        assert ("zhanna", "export") in log and ("zhanna", "operator_added") in log
    finally:
        await manager.close()


async def test_language_switch_and_logout(app, console):
    await console.login("aida", PASSWORD)
    status, body = await console.get("/console/lang/kk?next=/console")
    assert "Кезек" in body
    status, body = await console.get("/console/lang/en?next=/console")
    assert "Queue" in body
    status, body, _ = await console.post("/console/logout")
    assert 'action="/console/login"' in body
    status, body = await console.get("/console")
    assert 'action="/console/login"' in body
    assert ("aida", "logout") in await actions(app)


async def test_ticket_page_shows_words_not_codes(app, console):
    """Channel, language, delivery status, canned answers and button presses as an operator
    reads them, in the console's language; the codes stay in the JSON feed."""
    await open_ticket(app)
    await console.login("aida", PASSWORD)
    await console.get("/console/lang/ru")
    status, body = await console.get("/console/tickets/1")
    assert status == 200
    assert "Чат на сайте · русский" in body and "webchat" not in body
    assert "▸ Русский" in body and "lang:ru" not in body  # what the user pressed, not its payload
    assert ">Приветствие (русский)</option>" in body and ">greeting" not in body
    assert "Доставлено" in body or "Отправлено" in body
    async with console.http.get(app.base_url + "/console/tickets/1/feed?after=0") as response:
        feed = await response.json()
    pressed = [m for m in feed["messages"] if m["payload"] == "lang:ru"]
    assert pressed and pressed[0]["pressed"] == "Русский"
    assert {m["delivery_label"] for m in feed["messages"] if m["direction"] == "out"} <= {"Доставлено", "Отправлено", ""}
    await console.get("/console/lang/kk")
    status, body = await console.get("/console/tickets/1")
    assert "Сайттағы чат · орысша" in body and ">Сәлемдесу (орысша)</option>" in body
    status, body = await console.get("/console")
    assert "Сайттағы чат" in body


async def test_live_views_answer_when_something_changes(app, console):
    """The queue's and a ticket's feeds hold the request until a write wakes them (in-process
    on SQLite; tests/ops/test_console_live.py covers two workers on PostgreSQL)."""
    import asyncio

    await console.login("aida", PASSWORD)
    status, page = await console.get("/console")
    digest = re.search(r'id="queue" data-digest="([0-9a-f]+)"', page).group(1)
    loop = asyncio.get_running_loop()

    async def feed(path):
        async with console.http.get(app.base_url + path) as response:
            assert response.status == 200
            return await response.json(), loop.time()

    queue = asyncio.create_task(feed(f"/console/queue/feed?wait=20&since={digest}"))
    await asyncio.sleep(0.3)
    assert not queue.done()
    user = await open_ticket(app)
    await user.send("Когда дедлайн?")
    written = loop.time()
    body, woke = await asyncio.wait_for(queue, 25)
    assert body["count"] == 1 and "T-0001" in body["html"] and woke - written < 2
    same, _ = await feed(f"/console/queue/feed?wait=0&since={body['digest']}")
    assert same["html"] is None and same["digest"] == body["digest"]

    first, _ = await feed("/console/tickets/1/feed")
    last_id = first["messages"][-1]["id"]
    conversation = asyncio.create_task(feed(f"/console/tickets/1/feed?wait=20&after={last_id}"))
    await asyncio.sleep(0.3)
    assert not conversation.done()
    await user.send("Спасибо!")
    written = loop.time()
    body, woke = await asyncio.wait_for(conversation, 25)
    assert "Спасибо!" in [m["text"] for m in body["messages"]] and woke - written < 2
