"""JSON API for operators' tools, with a per-operator bearer token (`zhasbot operators token NAME`).

401 without a valid token, 403 for a role that may not act, 404 for a missing ticket,
409 for a ticket someone else claimed (or already resolved), 400 for malformed JSON.
"""
from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.console.accounts import Accounts
from bot.web.inputs import BadInput, read_json
from bot.console.views import ConsoleViews
from handoff import phone_log
from handoff.lifecycle import HandoffError
from handoff.service import HandoffService
from storage.tickets import ACTIVE_STATUSES, TicketStatus

STATUS_BY_CODE = {"not_found": 404, "conflict": 409, "forbidden": 403, "invalid": 400}
TICKET_STATUSES = tuple(status.value for status in TicketStatus)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OPERATOR = web.RequestKey("api_operator", object)
BODY = web.RequestKey("api_body", dict)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class Api:
    def __init__(self, handoff: HandoffService, accounts: Accounts):
        self.handoff = handoff
        self.accounts = accounts
        self.views = ConsoleViews(handoff.call_centre.hours.zone)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/tickets", self.list_tickets),
            web.get("/api/tickets/{id:\\d{1,18}}", self.get_ticket),
            web.post("/api/tickets/{id:\\d{1,18}}/claim", self.claim),
            web.post("/api/tickets/{id:\\d{1,18}}/messages", self.reply),
            web.post("/api/tickets/{id:\\d{1,18}}/resolve", self.resolve),
            web.post("/api/consultations", self.log_call),
            web.get("/api/operators", self.list_operators),
        ]

    def authorised(role: str | None = None):  # noqa: N805 — decorator in the class body
        def wrap(handler: Handler) -> Handler:
            @functools.wraps(handler)
            async def inner(self: "Api", request: web.Request) -> web.StreamResponse:
                scheme, _, token = request.headers.get("Authorization", "").partition(" ")
                operator = await self.accounts.by_token(token.strip()) if scheme.lower() == "bearer" else None
                if operator is None:
                    return web.json_response({"error": "a valid bearer token is required"}, status=401,
                                             headers={"WWW-Authenticate": 'Bearer realm="zhasbot"'})
                if role == "manager" and not operator.is_manager:
                    return _error(403, "managers only")
                request[OPERATOR] = operator
                if request.method == "POST":
                    try:
                        body = await read_json(request) if request.can_read_body else {}
                    except BadInput:
                        return _error(400, "the body must be JSON")
                    if not isinstance(body, dict):
                        return _error(400, "the body must be a JSON object")
                    request[BODY] = body
                try:
                    return await handler(self, request)
                except HandoffError as error:
                    return _error(STATUS_BY_CODE.get(error.code, 400), error.reason)

            return inner

        return wrap

    @authorised()
    async def list_tickets(self, request: web.Request) -> web.Response:
        status = request.query.get("status")
        if status and status not in TICKET_STATUSES + ("active", "all"):
            return _error(400, f"status must be one of {', '.join(TICKET_STATUSES + ('active', 'all'))}")
        statuses = {None: ACTIVE_STATUSES, "active": ACTIVE_STATUSES, "all": None}.get(status, (status,))
        return web.json_response({"tickets": self.views.tickets(await self.handoff.list_tickets(statuses))})

    @authorised()
    async def get_ticket(self, request: web.Request) -> web.Response:
        return web.json_response(self.views.ticket_page(await self.handoff.ticket(int(request.match_info["id"]))))

    @authorised()
    async def claim(self, request: web.Request) -> web.Response:
        return web.json_response(self.views.ticket_page(
            await self.handoff.claim(int(request.match_info["id"]), request[OPERATOR])))

    @authorised()
    async def reply(self, request: web.Request) -> web.Response:
        text = request[BODY].get("text")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "'text' must be a non-empty string")
        outcome = await self.handoff.reply(int(request.match_info["id"]), request[OPERATOR], text)
        body: dict[str, Any] = {"status": outcome.status, "reason": outcome.reason, "message_id": outcome.message_id}
        # Refused (WhatsApp window closed, channel off): nothing was sent — say so plainly.
        return web.json_response(body, status={"sent": 201, "refused": 409, "failed": 502}[outcome.status])

    @authorised()
    async def resolve(self, request: web.Request) -> web.Response:
        resolution = request[BODY].get("resolution")
        if not isinstance(resolution, str) or not resolution.strip():
            return _error(400, "'resolution' must be a non-empty string")
        return web.json_response(self.views.ticket_page(
            await self.handoff.resolve(int(request.match_info["id"]), request[OPERATOR], resolution)))

    @authorised()
    async def log_call(self, request: web.Request) -> web.Response:
        body = request[BODY]
        topics = body.get("topics") or []
        duration = body.get("duration_seconds")
        texts = ("phone", "occurred_at", "region", "age_band", "language", "notes", "outcome")
        if not isinstance(body.get("phone"), str) or not isinstance(topics, list) \
                or not all(isinstance(t, str) for t in topics) \
                or any(body.get(key) is not None and not isinstance(body[key], str) for key in texts) \
                or (duration is not None and (not isinstance(duration, int) or isinstance(duration, bool))):
            return _error(400, "expected {phone: str, occurred_at?: str, region?: str, age_band?: str, "
                               "language?: str, topics?: [str], notes?: str, duration_seconds?: int, outcome?: str}")
        occurred_at = phone_log.occurred_at(body.get("occurred_at"), zone=self.handoff.zone, now=self.handoff.clock())
        consultation_id = await self.handoff.log_call(
            request[OPERATOR], phone=body["phone"], language=body.get("language"), topics=topics,
            notes=body.get("notes") or "", duration_seconds=duration, outcome=body.get("outcome") or None,
            occurred_at=occurred_at, region=body.get("region"), age_band=body.get("age_band"))
        return web.json_response({"consultation_id": consultation_id}, status=201)

    @authorised(role="manager")
    async def list_operators(self, request: web.Request) -> web.Response:
        return web.json_response({"operators": [
            {"name": op.name, "role": op.role, "active": op.active} for op in await self.accounts.all()]})

    del authorised
