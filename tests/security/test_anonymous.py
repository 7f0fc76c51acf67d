"""Issue 14: an anonymous grievance exposes nothing that links it to the person — not in the
API, the console pages and feed, search, exports (even unmasked) or the audit log.

The person first introduces themselves (name, phone) and then complains anonymously in the
same consultation: the worst case for linking."""
from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import aiohttp

from core.i18n import Translator
from reports.exports import CSAT_HEADER, TICKET_HEADER, export
from reports.journal import CONSULTATION_HEADER, MESSAGE_HEADER
from reports.labels import Labels
from storage.tickets import ticket_number
from tests.security.conftest import MANAGER, new_sender

NAME, PHONE = "Айгерим Садыкова", "87015551234"
IDENTIFYING = ("Айгерим", "Садыкова", "5551234")
GRIEVANCE = "Сотрудник фонда грубо ответил мне по телефону"


async def _say(http, base, sender, text):
    async with http.post(base + "/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _anonymous_grievance(app) -> tuple[int, int]:
    async with aiohttp.ClientSession() as http:
        sender = await new_sender(http, app.base_url)
        for text in ("/start", "lang:ru", f"Меня зовут {NAME}, мой номер {PHONE}", "complaint:start",
                     "complaint:complaint", "complaint:complaint:anon", GRIEVANCE):
            await _say(http, app.base_url, sender, text)
    async with app.db.unit_of_work() as uow:
        contact = await uow.contacts.find("webchat", sender)
        ticket = await uow.tickets.active_for(contact.id)
        assert ticket is not None and ticket.anonymous
        return ticket.id, contact.id


def _assert_unlinked(text: str, contact_id: int, where: str) -> None:
    for needle in IDENTIFYING:
        assert needle not in text, f"{needle!r} appears in {where}"
    assert f'"contact_id": {contact_id}' not in text, where


async def test_api_shows_no_contact(target):
    app = target.app
    ticket_id, contact_id = await _anonymous_grievance(app)
    headers = {"Authorization": f"Bearer {target.api_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for path in ("/api/tickets", f"/api/tickets/{ticket_id}", f"/api/tickets/{ticket_id}/claim"):
            method = http.post if path.endswith("claim") else http.get
            async with method(app.base_url + path) as response:
                body = await response.text()
                assert response.status == 200, body
            _assert_unlinked(body, contact_id, path)
            views = json.loads(body).get("tickets") or [json.loads(body)]
            for view in views:
                assert view["contact_id"] is None and view["consultation_id"] is None
                assert view["contact"] == {"name": None, "phone": None, "anonymous": True}
        assert GRIEVANCE in json.dumps(views, ensure_ascii=False)  # the grievance itself is there


async def test_console_pages_and_feed_show_no_contact(target):
    app = target.app
    ticket_id, contact_id = await _anonymous_grievance(app)
    for path in ("/console", f"/console/tickets/{ticket_id}", f"/console/tickets/{ticket_id}/feed",
                 "/console/tickets?status=all"):
        status, body = await target.console.get(path)
        assert status == 200
        _assert_unlinked(body, contact_id, path)
    status, body = await target.console.get(f"/console/tickets/{ticket_id}")
    assert "грубо" in body


async def test_search_by_earlier_messages_does_not_find_it(target):
    app = target.app
    ticket_id, _contact_id = await _anonymous_grievance(app)
    number = ticket_number(ticket_id)
    for query in ("Айгерим", "Садыкова", "5551234"):
        status, body = await target.console.get(f"/console/search?q={query}")
        assert status == 200 and number not in body, query
    found = await app.handoff.search("Айгерим")
    assert all(record.ticket.id != ticket_id for record in found)
    # What was said in the grievance itself still finds it.
    assert any(record.ticket.id == ticket_id for record in await app.handoff.search("грубо"))


async def test_exports_even_unmasked_show_no_contact_on_it(target, tmp_path):
    app = target.app
    ticket_id, contact_id = await _anonymous_grievance(app)
    today = date.today()
    labels = Labels(Translator(), "ru")
    for kind, by in (("tickets", "consultation"), ("journal", "message"), ("journal", "consultation"),
                     ("csat", "consultation")):
        path = Path(tmp_path) / f"{kind}-{by}.csv"
        await export(app.db, kind, start=today - timedelta(days=1), end=today + timedelta(days=1),
                     zone=app.settings.zone, fmt="csv", path=path, masked=False, by=by)
        # Rows keyed by column code (the file's headings are words in the manager's language).
        columns = {"tickets": TICKET_HEADER, "csat": CSAT_HEADER}.get(
            kind, MESSAGE_HEADER if by == "message" else CONSULTATION_HEADER)
        raw = list(csv.reader(path.open(encoding="utf-8-sig")))
        assert raw[0] == labels.header(columns)
        rows = [dict(zip(columns, values)) for values in raw[1:]]
        if kind == "tickets":
            [row] = rows
            assert row["anonymous"] == labels.yes_no(True) and not row["contact_id"] and not row["phone"]
        if kind == "journal" and by == "message":
            grievance = [r for r in rows if r["text"] == GRIEVANCE]
            assert grievance and all(not r["contact_id"] and not r["phone"] for r in grievance)
            consultation = grievance[0]["consultation_id"]
            # No row pairs the person with the grievance's consultation.
            assert not any(r["consultation_id"] == consultation and r["contact_id"] for r in rows)
        if kind == "journal" and by == "consultation":
            assert rows and all(not r["contact_id"] for r in rows if r["human_involved"] == labels.yes_no(True)
                                or r["outcome"] == labels("outcome", "handed_off"))


async def test_audit_log_names_no_contact(target):
    app = target.app
    ticket_id, contact_id = await _anonymous_grievance(app)
    operator = await _manager(app)
    await app.handoff.reply(ticket_id, operator, "Спасибо, разберёмся")
    await app.handoff.resolve(ticket_id, operator, "Разобрались с сотрудником")
    entries = await app.accounts.recent_audit(100)
    text = json.dumps([{"target": e.target, "details": e.details} for e in entries], ensure_ascii=False)
    _assert_unlinked(text, contact_id, "the audit log")
    assert "message_id\": null" in text.replace(" ", " ")  # the reply is audited without its journal id
    status, body = await target.console.get("/console/manage")
    assert status == 200
    _assert_unlinked(body, contact_id, "/console/manage")


async def _manager(app):
    from storage.tickets import Operators

    async with app.db.unit_of_work() as uow:
        return await Operators(uow.session).by_name(MANAGER)
