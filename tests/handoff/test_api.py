"""The JSON API: bearer tokens, roles, status codes, and the same rules as the console."""
import aiohttp
import pytest
from sqlalchemy import select

from core.messages import Channel
from storage.models import Consultation, Message
from storage.tickets import AuditEntry
from tests.conftest import sqlite_url
from tests.handoff.conftest import PASSWORD
from tests.support.app import running_bot
from tests.support.conversation import started


@pytest.fixture
async def app(tmp_path):
    async with running_bot(sqlite_url(tmp_path)) as bot:
        for name, role in (("aida", "operator"), ("bolat", "operator"), ("zhanna", "manager")):
            await bot.accounts.add(name, role, PASSWORD)
        bot.tokens = {name: await bot.accounts.issue_token(name) for name in ("aida", "bolat", "zhanna")}
        yield bot


async def call(app, method, path, *, token=None, json=None, data=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http:
        async with http.request(method, app.base_url + path, headers=headers, json=json, data=data) as response:
            try:
                body = await response.json()
            except aiohttp.ContentTypeError:
                body = await response.text()
            return response.status, body


async def open_ticket(app, user="api-user"):
    client = await started(app.engine, "ru", channel=Channel.webchat, user_id=user)
    await client.send("/operator")
    await client.send("Подскажите по документам")
    return client


async def test_unauthenticated_requests_get_401(app):
    for method, path in (("GET", "/api/tickets"), ("GET", "/api/tickets/1"), ("POST", "/api/tickets/1/claim"),
                         ("POST", "/api/consultations")):
        assert (await call(app, method, path))[0] == 401
        assert (await call(app, method, path, token="not-a-token"))[0] == 401
    async with aiohttp.ClientSession() as http:
        async with http.get(app.base_url + "/api/tickets", headers={"Authorization": "Basic abc"}) as response:
            assert response.status == 401 and "Bearer" in response.headers["WWW-Authenticate"]


async def test_ticket_flow_over_the_api(app):
    user = await open_ticket(app)
    aida = app.tokens["aida"]
    status, body = await call(app, "GET", "/api/tickets?status=open", token=aida)
    assert status == 200 and [t["number"] for t in body["tickets"]] == ["T-0001"]
    status, body = await call(app, "GET", "/api/tickets/1", token=aida)
    assert status == 200 and any(m["text"] == "Подскажите по документам" for m in body["messages"])
    assert body["window"]["open"] is True
    status, body = await call(app, "POST", "/api/tickets/1/claim", token=aida)
    assert status == 200 and body["assignee"] == "aida"
    status, body = await call(app, "POST", "/api/tickets/1/messages", token=aida, json={"text": "Нужен паспорт."})
    assert status == 201 and body["status"] == "sent"
    status, body = await call(app, "POST", "/api/tickets/1/resolve", token=aida, json={"resolution": "ok"})
    assert status == 200 and body["status"] == "resolved"
    status, body = await call(app, "GET", "/api/tickets?status=resolved", token=aida)
    assert [t["number"] for t in body["tickets"]] == ["T-0001"]
    await user.send("/help")
    assert user.texts


async def test_404_409_400_and_403(app):
    await open_ticket(app)
    aida, bolat, zhanna = (app.tokens[n] for n in ("aida", "bolat", "zhanna"))
    assert (await call(app, "GET", "/api/tickets/42", token=aida))[0] == 404
    assert (await call(app, "POST", "/api/tickets/42/claim", token=aida))[0] == 404
    assert (await call(app, "POST", "/api/tickets/1/claim", token=aida))[0] == 200
    assert (await call(app, "POST", "/api/tickets/1/claim", token=bolat))[0] == 409
    assert (await call(app, "POST", "/api/tickets/1/messages", token=bolat, json={"text": "x"}))[0] == 409
    assert (await call(app, "POST", "/api/tickets/1/resolve", token=bolat, json={"resolution": "x"}))[0] == 409
    assert (await call(app, "POST", "/api/tickets/1/messages", token=aida, data=b"{not json"))[0] == 400
    assert (await call(app, "POST", "/api/tickets/1/messages", token=aida, json=["text"]))[0] == 400
    assert (await call(app, "POST", "/api/tickets/1/messages", token=aida, json={"text": ""}))[0] == 400
    assert (await call(app, "POST", "/api/tickets/1/resolve", token=aida, json={}))[0] == 400
    assert (await call(app, "GET", "/api/tickets?status=bogus", token=aida))[0] == 400
    # Managing operators is for managers.
    assert (await call(app, "GET", "/api/operators", token=aida))[0] == 403
    status, body = await call(app, "GET", "/api/operators", token=zhanna)
    assert status == 200 and {o["name"] for o in body["operators"]} == {"aida", "bolat", "zhanna"}


async def test_whatsapp_refusal_is_a_409_with_the_reason(app, monkeypatch):
    await open_ticket(app)
    # The messenger refuses as it does outside WhatsApp's 24-hour window with no template.
    from core.delivery import DeliveryRefused

    async def refuse(*args, **kwargs):
        raise DeliveryRefused("whatsapp_window_closed")

    monkeypatch.setattr(app.messenger, "send", refuse)
    status, body = await call(app, "POST", "/api/tickets/1/messages", token=app.tokens["aida"], json={"text": "x"})
    assert status == 409 and body == {"status": "refused", "reason": "whatsapp_window_closed", "message_id": None}


async def test_phone_consultation_over_the_api(app):
    status, body = await call(app, "POST", "/api/consultations", token=app.tokens["bolat"], json={
        "phone": "+7 702 123 45 67", "language": "ru", "topics": ["deadline"], "notes": "Спросил про сроки",
        "duration_seconds": 240, "outcome": "answered"})
    assert status == 201
    async with app.db.sessions() as session:
        consultation = await session.get(Consultation, body["consultation_id"])
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "call_logged")))
    assert consultation.channel == "phone" and consultation.duration_seconds == 240
    assert entries[0].actor == "bolat"
    assert (await call(app, "POST", "/api/consultations", token=app.tokens["bolat"],
                       json={"phone": 77021234567}))[0] == 400
    assert (await call(app, "POST", "/api/consultations", token=app.tokens["bolat"],
                       json={"phone": "+7 702 123 45 67", "duration_seconds": "long"}))[0] == 400
    assert (await call(app, "POST", "/api/consultations", token=app.tokens["bolat"],
                       json={"phone": "123"}))[0] == 400


async def test_phone_consultation_when_where_and_age(app):
    """occurred_at defaults to now, takes a past local time (the programme's zone), refuses
    the future; region is a season region or unknown; the age band one of the grant operator's."""
    from datetime import datetime, timedelta, timezone

    token = app.tokens["bolat"]
    before = datetime.now(timezone.utc)
    status, now_body = await call(app, "POST", "/api/consultations", token=token, json={
        "phone": "+7 702 123 45 67", "duration_seconds": 60})
    assert status == 201
    status, past_body = await call(app, "POST", "/api/consultations", token=token, json={
        "phone": "8 702 123 45 67", "occurred_at": "2025-03-10T14:30", "region": "mangystau",
        "age_band": "17–22", "duration_seconds": 300, "topics": ["deadline"]})
    assert status == 201
    status, typed_body = await call(app, "POST", "/api/consultations", token=token, json={
        "phone": "+77021234568", "occurred_at": "11.03.2025 09:05", "region": "unknown", "age_band": "unknown"})
    assert status == 201
    async with app.db.sessions() as session:
        now_call = await session.get(Consultation, now_body["consultation_id"])
        past = await session.get(Consultation, past_body["consultation_id"])
        typed = await session.get(Consultation, typed_body["consultation_id"])
        [message] = list(await session.scalars(select(Message).where(Message.consultation_id == past.id)))
    assert before - timedelta(seconds=61) <= now_call.opened_at <= datetime.now(timezone.utc)
    assert now_call.region is None and now_call.age_band is None
    # 14:30 in Asia/Almaty (UTC+5) is 09:30 UTC; the call ends five minutes later.
    assert past.opened_at == datetime(2025, 3, 10, 9, 30, tzinfo=timezone.utc)
    assert past.closed_at == datetime(2025, 3, 10, 9, 35, tzinfo=timezone.utc)
    assert (past.region, past.age_band, past.contact_id) == ("mangystau", "17-22", now_call.contact_id)
    assert message.created_at == past.opened_at
    assert typed.opened_at == datetime(2025, 3, 11, 4, 5, tzinfo=timezone.utc)
    assert (typed.region, typed.age_band) == (None, None)

    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    for body, words in (({"occurred_at": tomorrow}, "future"), ({"occurred_at": "31.02.2025 10:00"}, "date"),
                        ({"occurred_at": "2025-03-10"}, "time"), ({"region": "shymkent"}, "region"),
                        ({"age_band": "18-24"}, "age_band"), ({"occurred_at": 1741600000}, "expected")):
        status, error = await call(app, "POST", "/api/consultations", token=token,
                                   json={"phone": "+7 702 123 45 67", **body})
        assert status == 400 and words in error["error"], (body, error)
    async with app.db.sessions() as session:
        assert len(list(await session.scalars(select(Consultation)))) == 3
