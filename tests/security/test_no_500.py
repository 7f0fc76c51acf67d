"""Issue 14: no input answers 5xx, and nothing stored is lost while the server is attacked."""
from __future__ import annotations

import asyncio
import random

import aiohttp
from sqlalchemy import func, select

from storage.models import Consultation, Contact, Message
from storage.tickets import AuditEntry, Ticket
from tests.security.conftest import WEBHOOK_SECRET, new_sender
from tests.security.fuzz_corpus import form_bodies, json_bodies, query_strings, route_paths

# The fields each route reads, so hostile values reach the code behind the parsing.
JSON_FIELDS = {
    "/webhooks/rest/webhook": ["sender", "message", "message_id", "metadata"],
    "/webhooks/telegram": ["update_id", "message"],
    "/api/tickets/{id}/messages": ["text"],
    "/api/tickets/{id}/resolve": ["resolution"],
    "/api/consultations": ["phone", "language", "topics", "notes", "duration_seconds", "outcome", "occurred_at",
                           "region", "age_band"],
}
FORM_FIELDS = {
    "/console/login": ["name", "password", "next"],
    "/console/calls": ["phone", "language", "topics", "notes", "minutes", "outcome", "date", "time", "region",
                       "age_band"],
    "/console/tickets/{id}/reply": ["text"],
    "/console/tickets/{id}/resolve": ["resolution"],
    "/console/manage/operators": ["name", "role", "password"],
    "/console/manage/operators/{name}/active": ["active"],
    "/console/manage/export": ["date_from", "date_to", "by", "format", "channel"],
    "/console/reports/export": ["date_from", "date_to", "kind", "format", "channel", "unmasked"],
    "/webhooks/twilio/whatsapp": ["From", "Body", "MessageSid", "NumMedia"],
    "/webhooks/twilio/status": ["MessageSid", "MessageStatus"],
}

# Fields that stay plausible while another one is hostile, so each check is reached alone.
PLAUSIBLE = {"date_from": "2026-01-01", "date_to": "2026-12-31", "phone": "+77011234567", "text": "Сәлем",
             "resolution": "done", "name": "aigerim", "password": "x" * 12, "kind": "tickets", "format": "csv",
             "From": "whatsapp:+77011234567", "Body": "hi", "MessageSid": "SM1", "MessageStatus": "sent",
             "minutes": "5", "role": "operator", "language": "ru", "active": "1"}


def _routes(app) -> list[tuple[str, str]]:
    routes = []
    for route in app.runner.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        template = info.get("formatter") or info.get("path") or info.get("prefix")
        if route.method == "HEAD" or template is None or template.startswith("/console/static"):
            continue
        routes.append((route.method, template.replace("{id:\\d+}", "{id}")))
    return sorted(set(routes))


def _cases(target, routes, per_field: int) -> list[tuple[str, str, dict, bytes | None]]:
    csrf = target.console.csrf
    rng = random.Random(14)
    cases = []
    for method, template in routes:
        headers = {"Authorization": f"Bearer {target.api_token}"} if template.startswith("/api") else {}
        if template == "/webhooks/telegram":
            headers["X-Telegram-Bot-Api-Secret-Token"] = WEBHOOK_SECRET
        plain = template.split("{")[0] + "1" if "{" in template else template
        for path in route_paths(template):
            cases.append((method, path, headers, None))
        for query in query_strings():
            cases.append((method, f"{plain}?{query}", headers, None))
        if method != "POST":
            continue
        key = template.replace("{name}", "{id}")
        # Logging out with the right token would end the session the other cases use.
        token = None if template == "/console/logout" else csrf
        base = {"sender": target.sender, "message": "сәлем"} if template == "/webhooks/rest/webhook" else {}
        bodies = (json_bodies(JSON_FIELDS.get(key, ["x"]), rng, per_field, base)
                  if template.startswith(("/api", "/webhooks/rest", "/webhooks/telegram"))
                  else form_bodies({f: PLAUSIBLE.get(f, "") for f in FORM_FIELDS.get(key, ["x"])}, token, rng, per_field))
        for extra, body in bodies:
            cases.append((method, plain, headers | extra, body))
    return cases


async def _counts(app) -> dict[str, int]:
    async with app.db.sessions() as session:
        return {model.__tablename__: await session.scalar(select(func.count()).select_from(model))
                for model in (Contact, Consultation, Message, Ticket, AuditEntry)}


async def test_fuzz_every_route_no_5xx_no_lost_rows(target):
    app = target.app
    async with aiohttp.ClientSession() as http:
        seed = await new_sender(http, app.base_url)
        target.sender = await new_sender(http, app.base_url)  # hostile values ride on a valid session
        for text in ("Сәлем", "/start", "оператор"):
            async with http.post(app.base_url + "/webhooks/rest/webhook",
                                 json={"sender": seed, "message": text}) as response:
                assert response.status == 200
    before = await _counts(app)
    routes = _routes(app)
    assert len(routes) >= 25, routes
    # Every structural case on every route; a seeded sample of hostile values per field.
    cases = _cases(target, routes, per_field=6)
    random.Random(14).shuffle(cases)
    assert len(cases) >= 500
    failures: list[str] = []
    limit = asyncio.Semaphore(8)
    http = target.console.http  # the manager's session cookie goes along

    async def one(method, path, headers, body):
        async with limit:
            try:
                async with http.request(method, app.base_url + path, headers=headers, data=body,
                                        allow_redirects=False, timeout=aiohttp.ClientTimeout(total=30)) as response:
                    await response.read()
                    if response.status >= 500:
                        failures.append(f"{response.status} {method} {path[:80]} {headers} {(body or b'')[:80]!r}")
            except aiohttp.ClientError as error:
                failures.append(f"{type(error).__name__} {method} {path[:80]} {(body or b'')[:80]!r}")

    await asyncio.gather(*(one(*case) for case in cases))
    assert not failures, f"{len(failures)} of {len(cases)} requests failed:\n" + "\n".join(failures[:40])
    after = await _counts(app)
    assert all(after[name] >= before[name] for name in before), (before, after)
    async with aiohttp.ClientSession() as fresh:
        async with fresh.get(app.base_url + "/healthz") as response:
            assert response.status == 200
