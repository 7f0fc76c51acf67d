"""Operator console pages under /console: server-rendered Jinja2, a little vanilla JS.

Every POST needs the session's CSRF token (the login form a pre-session one, double
submit). Actions follow Post/Redirect/Get: the ticket page shows a notice after it.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import math
import secrets
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Sequence
from urllib.parse import urlencode

from aiohttp import web

from bot.console.accounts import ROLES, AccountError, Accounts, Throttled
from bot.console.auth import same
from bot.erasure import erase_person
from bot.web.inputs import BadInput, read_form
from core.text import storable
from core.i18n import LANGUAGES, Translator
from bot.console.views import ConsoleViews
from bot.commit_topics import TICKETS, contact_topic
from bot.wakeups import Wakeups
from handoff import phone_log
from handoff.lifecycle import HandoffError
from handoff.service import HandoffService
from reports.labels import Labels
from storage.reporting import OPERATOR_AGE_BANDS
from storage.tickets import ACTIVE_STATUSES, TicketStatus

if TYPE_CHECKING:
    from voice.desk import CallDesk

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "zb_console"
LOGIN_CSRF_COOKIE = "zb_login_csrf"
LANG_COOKIE = "zb_console_lang"
DEFAULT_CONSOLE_LANGUAGE = "ru"
MAX_WAIT = 25.0  # a live view's long poll, under common proxies' 30-60 s read timeouts
REASONS = ("whatsapp_window_closed", "channel_unavailable", "unknown_contact")
NOTICES = ("claimed", "sent", "refused", "failed", "resolved", "handed_back", "conflict", "invalid",
           "call_logged", "operator_added", "operator_updated", "callback_logged", "callback_dialled",
           "unavailable", "not_found")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OPERATOR = web.RequestKey("console_operator", object)
CSRF = web.RequestKey("console_csrf", str)
SESSION_TOKEN = web.RequestKey("console_session_token", str)
FORM = web.RequestKey("console_form", object)


def _wait_seconds(request: web.Request) -> float:
    """A live view's `wait` (seconds to hold the answer), 0 without one, at most MAX_WAIT."""
    try:
        wait = float(request.query.get("wait", "0"))
    except ValueError:
        return 0.0
    return min(max(wait, 0.0), MAX_WAIT) if math.isfinite(wait) else 0.0


def _digest(tickets: list[dict[str, Any]]) -> str:
    """What the queue's table shows, in a few bytes: a change of any of it changes this."""
    shown = [(t["id"], t["status"], t["assignee"], t["sla_state"], t["waiting_minutes"], t["mode"])
             for t in tickets]
    return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:16]


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def canned_title(translator: Translator, lang: str, answer: dict[str, str]) -> str:
    """What the operator picks a canned answer by: its title in the console's language
    (`console.canned.<key>`), or, for one added to call_centre.yaml without a title yet,
    the answer's first words — never its key."""
    key = f"console.canned.{answer['key']}"
    if translator.has(key, lang):
        return translator.t(lang, key)
    text = " ".join(answer["text"].split())
    return text if len(text) <= 48 else text[:47].rstrip() + "…"


class Console:
    def __init__(self, *, handoff: HandoffService, accounts: Accounts, translator: Translator,
                 secure_cookies: bool, export_journal: Callable[..., Awaitable[int]] | None = None,
                 desk: "CallDesk | None" = None, topics: Sequence[Any] = (), wakeups: Wakeups | None = None):
        self.handoff = handoff
        self.topics = list(topics)  # FAQ topics a logged call can be about (faq.content.Topic)
        # Live views wait on these (bot/commit_topics.py): woken by a write in any worker.
        self.wakeups = wakeups or Wakeups("sqlite://")
        self.views = ConsoleViews(handoff.call_centre.hours.zone)
        self.desk = desk  # the phone line's calls and callbacks (voice/desk.py); None when it is off
        self.accounts = accounts
        self.translator = translator
        self.secure_cookies = secure_cookies
        self.export_journal = export_journal

    def today(self) -> date:
        """Today in the call centre's zone: at 02:00 in Almaty a server on UTC is still on
        yesterday, and a page defaulting to the server's date would leave today out."""
        return datetime.now(self.views.zone).date()

    @functools.cached_property
    def templates(self) -> "jinja2.Environment":
        # Made for the first console page served: Jinja2 costs a process ~2 MB, and a bot
        # whose operators are not logged in has no page to render.
        import jinja2

        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
        )

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/console", self.queue),
            web.get("/console/queue/feed", self.queue_feed),
            web.get("/console/login", self.login_page),
            web.post("/console/login", self.login),
            web.post("/console/logout", self.logout),
            web.get("/console/lang/{lang}", self.set_language),
            web.get("/console/tickets", self.tickets_page),
            web.get("/console/tickets/{id:\\d{1,18}}", self.ticket_page),
            web.get("/console/tickets/{id:\\d{1,18}}/feed", self.ticket_feed),
            web.post("/console/tickets/{id:\\d{1,18}}/claim", self.claim),
            web.post("/console/tickets/{id:\\d{1,18}}/reply", self.reply),
            web.post("/console/tickets/{id:\\d{1,18}}/resolve", self.resolve),
            web.post("/console/tickets/{id:\\d{1,18}}/handback", self.hand_back),
            web.get("/console/search", self.search),
            web.get("/console/contacts/{id:\\d{1,18}}/erase", self.erase_page),
            web.post("/console/contacts/{id:\\d{1,18}}/erase", self.erase),
            web.get("/console/calls", self.call_page),
            web.post("/console/calls", self.log_call),
            web.post("/console/calls/callbacks/{id:\\d+}/claim", self.callback_claim),
            web.post("/console/calls/callbacks/{id:\\d+}/attempt", self.callback_attempt),
            web.post("/console/calls/callbacks/{id:\\d+}/dial", self.callback_dial),
            web.post("/console/calls/callbacks/{id:\\d+}/resolve", self.callback_resolve),
            web.get("/console/manage", self.manage),
            web.post("/console/manage/operators", self.add_operator),
            web.post("/console/manage/operators/{name}/active", self.toggle_operator),
            web.post("/console/manage/export", self.export),
            web.static("/console/static", HERE / "static"),
        ]

    # --- plumbing ----------------------------------------------------------------------
    def lang(self, request: web.Request) -> str:
        lang = request.cookies.get(LANG_COOKIE)
        return lang if lang in LANGUAGES else DEFAULT_CONSOLE_LANGUAGE

    def render(self, request: web.Request, name: str, *, status: int = 200, **context: Any) -> web.Response:
        lang = self.lang(request)
        context.setdefault("refresh", False)

        def t(key: str, **params: Any) -> str:
            return self.translator.t(lang, key, **params)

        html = self.templates.get_template(name).render(
            t=t, label=Labels(self.translator, lang).given, lang=lang, languages=LANGUAGES,
            operator=request.get(OPERATOR),
            csrf=request.get(CSRF, ""), path=request.path_qs, **context)
        response = web.Response(text=html, content_type="text/html", status=status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def _set_cookie(self, response: web.StreamResponse, name: str, value: str, *, max_age: int | None = None,
                    path: str = "/console") -> None:
        response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="Lax",
                            secure=self.secure_cookies)

    @staticmethod
    def redirect(location: str) -> web.HTTPSeeOther:
        return web.HTTPSeeOther(location)

    def page(role: str | None = None):  # noqa: N805 — a decorator used inside the class body
        """Requires a console session (and `role`); every POST must carry the CSRF token."""

        def wrap(handler: Handler) -> Handler:
            @functools.wraps(handler)
            async def inner(self: "Console", request: web.Request) -> web.StreamResponse:
                token = request.cookies.get(SESSION_COOKIE)
                found = await self.accounts.session(token)
                if found is None:
                    if request.method == "GET" and not request.path.endswith("/feed"):
                        raise self.redirect("/console/login?" + urlencode({"next": request.path_qs}))
                    raise web.HTTPUnauthorized(text="login required")
                operator, csrf = found
                request[OPERATOR], request[CSRF], request[SESSION_TOKEN] = operator, csrf, token
                if request.method == "POST":
                    try:
                        form = await read_form(request)
                    except BadInput:
                        return self.render(request, "error.html", status=400, message_key="console.error.invalid")
                    request[FORM] = form
                    if not same(str(form.get("csrf_token", "")), csrf):
                        log.warning("CSRF token mismatch from operator %s on %s", operator.name, request.path)
                        return self.render(request, "error.html", status=403, message_key="console.error.csrf")
                if role == "manager" and not operator.is_manager:
                    return self.render(request, "error.html", status=403, message_key="console.error.forbidden")
                return await handler(self, request)

            return inner

        return wrap

    # --- login -------------------------------------------------------------------------
    async def login_page(self, request: web.Request, *, failed: bool = False, status: int | None = None) -> web.Response:
        token = secrets.token_urlsafe(32)
        next_url = request.query.get("next", "/console")
        response = self.render(request, "login.html", status=status or (401 if failed else 200), login_csrf=token,
                               failed=failed, next_url=next_url if next_url.startswith("/console") else "/console")
        self._set_cookie(response, LOGIN_CSRF_COOKIE, token, max_age=3600)
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        try:
            form = await read_form(request)
        except BadInput:
            return self.render(request, "error.html", status=400, message_key="console.error.invalid")
        if not same(str(form.get("csrf_token", "")), request.cookies.get(LOGIN_CSRF_COOKIE)):
            return self.render(request, "error.html", status=403, message_key="console.error.csrf")
        try:
            login = await self.accounts.login(str(form.get("name", "")).strip(), str(form.get("password", "")),
                                              remote=request.remote)
        except Throttled as throttled:
            response = await self.login_page(request, failed=True, status=429)
            response.headers["Retry-After"] = str(max(1, math.ceil(throttled.retry_after)))
            return response
        if login is None:
            return await self.login_page(request, failed=True)
        next_url = str(form.get("next", "/console"))
        response = self.redirect(next_url if next_url.startswith("/console") and "//" not in next_url else "/console")
        self._set_cookie(response, SESSION_COOKIE, login.session_token)
        response.del_cookie(LOGIN_CSRF_COOKIE, path="/console")
        raise response

    @page()
    async def logout(self, request: web.Request) -> web.StreamResponse:
        await self.accounts.logout(request[SESSION_TOKEN], request[OPERATOR])
        response = self.redirect("/console/login")
        response.del_cookie(SESSION_COOKIE, path="/console")
        raise response

    async def set_language(self, request: web.Request) -> web.StreamResponse:
        lang = request.match_info["lang"]
        next_url = request.query.get("next", "/console")
        response = self.redirect(next_url if next_url.startswith("/console") and "//" not in next_url else "/console")
        if lang in LANGUAGES:
            self._set_cookie(response, LANG_COOKIE, lang, max_age=365 * 24 * 3600)
        raise response

    # --- tickets -----------------------------------------------------------------------
    @page()
    async def queue(self, request: web.Request) -> web.Response:
        tickets = self.views.tickets(await self.handoff.list_tickets(ACTIVE_STATUSES))
        # Live: console.js long-polls /console/queue/feed; the refresh is for pages without JS.
        return self.render(request, "queue.html", tickets=tickets, title_key="console.queue.title",
                           refresh=True, live=True, digest=_digest(tickets))

    @page()
    async def tickets_page(self, request: web.Request) -> web.Response:
        status = request.query.get("status", TicketStatus.resolved.value)
        statuses = (TicketStatus(status),) if status in TicketStatus.__members__ else None
        tickets = self.views.tickets(await self.handoff.list_tickets(statuses))
        return self.render(request, "queue.html", tickets=tickets, title_key=f"console.tickets.{status if statuses else 'all'}",
                           refresh=False)

    @page()
    async def ticket_page(self, request: web.Request) -> web.Response:
        try:
            ticket = self.views.ticket_page(await self.handoff.ticket(int(request.match_info["id"])))
        except HandoffError:
            return self.render(request, "error.html", status=404, message_key="console.error.not_found")
        lang = self.lang(request)
        for answer in ticket["canned"]:
            answer["title"] = canned_title(self.translator, lang, answer)
        notice = request.query.get("notice")
        reason = request.query.get("reason")
        return self.render(request, "ticket.html", ticket=ticket,
                           notice=notice if notice in NOTICES else None,
                           reason=reason if reason in REASONS else None, detail=request.query.get("detail", "")[:200])

    @page()
    async def queue_feed(self, request: web.Request) -> web.Response:
        """The queue's table when it differs from what the page shows (`since`, a digest);
        with `wait`, held until a ticket changes in any worker or the wait ends."""
        since = request.query.get("since", "")
        wait = _wait_seconds(request)
        deadline = asyncio.get_running_loop().time() + wait
        with self.wakeups.watch(TICKETS) as watch:
            while True:
                tickets = self.views.tickets(await self.handoff.list_tickets(ACTIVE_STATUSES))
                digest = _digest(tickets)
                left = deadline - asyncio.get_running_loop().time()
                if digest != since or left <= 0:
                    break
                await watch.wait(left)
        body: dict[str, Any] = {"digest": digest, "count": len(tickets), "html": None}
        if digest != since:
            lang = self.lang(request)
            body["html"] = self.templates.get_template("_tickets_table.html").render(
                t=lambda key, **params: self.translator.t(lang, key, **params),
                label=Labels(self.translator, lang).given, lang=lang, tickets=tickets)
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    @page()
    async def ticket_feed(self, request: web.Request) -> web.Response:
        """The ticket's messages after `after`; with `wait`, held until one comes (written by
        any worker) or the wait ends."""
        ticket_id, after = int(request.match_info["id"]), _int(request.query.get("after"))
        wait = _wait_seconds(request)
        deadline = asyncio.get_running_loop().time() + wait
        try:
            details = await self.handoff.ticket(ticket_id)
            if wait and not any(m.id > after for m in details.messages):
                with self.wakeups.watch(contact_topic(details.ticket.contact_id)) as watch:
                    while True:
                        # Read again once watching: a message committed in between is not missed.
                        details = await self.handoff.ticket(ticket_id)
                        left = deadline - asyncio.get_running_loop().time()
                        if any(m.id > after for m in details.messages) or left <= 0:
                            break
                        await watch.wait(left)
            ticket = self.views.ticket_page(details, after=after)
        except HandoffError:
            raise web.HTTPNotFound()
        ticket.pop("canned", None)
        label = Labels(self.translator, self.lang(request)).given
        for message in ticket["messages"]:  # codes stay in the JSON; the words beside them
            message["delivery_label"] = label("delivery", message["delivery_status"])
        return web.json_response(ticket, headers={"Cache-Control": "no-store"})

    def _back(self, ticket_id: int, notice: str, **extra: str) -> web.HTTPSeeOther:
        return self.redirect(f"/console/tickets/{ticket_id}?" + urlencode({"notice": notice, **extra}))

    async def _act(self, request: web.Request, action: Callable[[int], Awaitable[Any]], notice: str):
        ticket_id = int(request.match_info["id"])
        try:
            result = await action(ticket_id)
        except HandoffError as error:
            if error.code == "not_found":
                return self.render(request, "error.html", status=404, message_key="console.error.not_found")
            raise self._back(ticket_id, error.code, detail=error.reason)
        if notice == "reply":
            extra = {"reason": result.reason} if result.reason else {}
            raise self._back(ticket_id, result.status, **extra)
        raise self._back(ticket_id, notice)

    @page()
    async def claim(self, request: web.Request):
        return await self._act(request, lambda tid: self.handoff.claim(tid, request[OPERATOR]), "claimed")

    @page()
    async def reply(self, request: web.Request):
        text = str(request[FORM].get("text", ""))
        return await self._act(request, lambda tid: self.handoff.reply(tid, request[OPERATOR], text), "reply")

    @page()
    async def resolve(self, request: web.Request):
        note = str(request[FORM].get("resolution", ""))
        return await self._act(request, lambda tid: self.handoff.resolve(tid, request[OPERATOR], note), "resolved")

    @page()
    async def hand_back(self, request: web.Request):
        return await self._act(request, lambda tid: self.handoff.hand_back(tid, request[OPERATOR]), "handed_back")

    @page()
    async def search(self, request: web.Request) -> web.Response:
        query = storable(request.query.get("q", "")).strip()[:100]
        tickets = self.views.tickets(await self.handoff.search(query)) if query else []
        contacts = self.views.contacts(await self.handoff.search_contacts(query)) if query else []
        return self.render(request, "search.html", query=query, tickets=tickets, contacts=contacts,
                           notice=request.query.get("notice"))

    # --- erasing a person (issue 14) ----------------------------------------------------
    @page(role="manager")
    async def erase_page(self, request: web.Request) -> web.Response:
        contact_id = int(request.match_info["id"])
        report = await erase_person(self.handoff.db, actor=request[OPERATOR].name, dry_run=True, contact_id=contact_id)
        return self.render(request, "erase.html", report=report, contact_id=contact_id,
                           status=200 if report.contact_ids else 404)

    @page(role="manager")
    async def erase(self, request: web.Request) -> web.StreamResponse:
        if request[FORM].get("confirm") != "yes":
            return await self.erase_page.__wrapped__(self, request)
        operator = request[OPERATOR]
        report = await erase_person(self.handoff.db, actor=operator.name, operator_id=operator.id,
                                    contact_id=int(request.match_info["id"]))
        if not report.contact_ids:
            return self.render(request, "error.html", status=404, message_key="console.erase.none")
        raise self.redirect("/console/search?notice=erased")

    # --- phone calls -------------------------------------------------------------------
    async def _calls_context(self, request: web.Request) -> dict[str, Any]:
        # The call form: the season's regions, the grant operator's age bands and the FAQ's
        # topics (by title, in the operator's language) to choose from.
        lang = self.lang(request)
        form = {"regions": self.handoff.regions, "age_bands": OPERATOR_AGE_BANDS,
                "topics": [(topic.id, topic.title_for(lang)) for topic in self.topics],
                "today": self.handoff.clock().astimezone(self.handoff.zone).date().isoformat()}
        if self.desk is None:
            return {"line_on": False, "calls": [], "callbacks": [], **form}
        return {"line_on": True, "calls": await self.desk.today(), "callbacks": await self.desk.callbacks(), **form}

    @page()
    async def call_page(self, request: web.Request) -> web.Response:
        notice = request.query.get("notice")
        return self.render(request, "call.html", error=None, values={},
                           logged=_int(request.query.get("logged")) or None,
                           notice=notice if notice in NOTICES else None, detail=request.query.get("detail", "")[:200],
                           **await self._calls_context(request))

    def _calls_back(self, notice: str, **extra: str) -> web.HTTPSeeOther:
        return self.redirect("/console/calls?" + urlencode({"notice": notice, **extra}) + "#callbacks")

    async def _callback_act(self, request: web.Request, action: Callable[[int], Awaitable[Any]], notice: str):
        from voice.desk import DeskError

        if self.desk is None:
            raise self._calls_back("unavailable")
        ticket_id = int(request.match_info["id"])
        try:
            await action(ticket_id)
        except (HandoffError, DeskError) as error:
            raise self._calls_back(error.code, detail=error.reason)
        raise self._calls_back(notice)

    @page()
    async def callback_claim(self, request: web.Request):
        return await self._callback_act(request, lambda tid: self.handoff.claim(tid, request[OPERATOR]), "claimed")

    @page()
    async def callback_attempt(self, request: web.Request):
        form = request[FORM]
        try:
            minutes = float(str(form.get("minutes", "")).replace(",", ".")) if str(form.get("minutes", "")).strip() else None
        except ValueError:
            raise self._calls_back("invalid", detail=self.translator.t(self.lang(request), "console.error.minutes"))

        async def attempt(ticket_id: int):
            await self.handoff.claim(ticket_id, request[OPERATOR])
            return await self.desk.log_attempt(ticket_id, request[OPERATOR], outcome=str(form.get("outcome", "")),
                                               notes=str(form.get("notes", "")),
                                               duration_seconds=round(minutes * 60) if minutes is not None else None)

        return await self._callback_act(request, attempt, "callback_logged")

    @page()
    async def callback_dial(self, request: web.Request):
        async def dial(ticket_id: int):
            await self.handoff.claim(ticket_id, request[OPERATOR])
            return await self.desk.start_call(ticket_id, request[OPERATOR])

        return await self._callback_act(request, dial, "callback_dialled")

    @page()
    async def callback_resolve(self, request: web.Request):
        note = str(request[FORM].get("resolution", ""))
        return await self._callback_act(request, lambda tid: self.handoff.resolve(tid, request[OPERATOR], note),
                                        "resolved")

    @page()
    async def log_call(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        values: dict[str, Any] = {key: str(form.get(key, "")) for key in (
            "phone", "language", "notes", "minutes", "outcome", "date", "time", "region", "age_band")}
        # Topics are ticked on the form (several values); an API-style "a, b" string still works.
        values["topics"] = [part.strip() for value in form.getall("topics", [])
                            for part in str(value).replace(";", ",").split(",") if part.strip()]
        try:
            minutes = float(values["minutes"].replace(",", ".")) if values["minutes"].strip() else None
            if minutes is not None and not 0 <= minutes <= 24 * 60:  # also refuses inf and nan
                raise ValueError("minutes out of range")
            occurred_at = phone_log.occurred_at(values["date"], values["time"], zone=self.handoff.zone,
                                                now=self.handoff.clock())
            consultation_id = await self.handoff.log_call(
                request[OPERATOR], phone=values["phone"], language=values["language"] or None,
                topics=values["topics"], notes=values["notes"],
                duration_seconds=round(minutes * 60) if minutes is not None else None,
                outcome=values["outcome"] or None, occurred_at=occurred_at, region=values["region"],
                age_band=values["age_band"])
        except (HandoffError, ValueError) as error:
            lang = self.lang(request)
            if isinstance(error, phone_log.CallInputError):
                reason = self.translator.t(lang, f"console.call.error.{error.why}")
            elif isinstance(error, HandoffError):
                reason = error.reason
            else:
                reason = self.translator.t(lang, "console.error.minutes")
            return self.render(request, "call.html", status=400, error=reason, values=values, logged=None,
                               notice=None, detail="", **await self._calls_context(request))
        raise self.redirect(f"/console/calls?logged={consultation_id}")

    # --- managers ----------------------------------------------------------------------
    @page(role="manager")
    async def manage(self, request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
        operators = await self.accounts.all()
        audit = await self.accounts.recent_audit(50)
        return self.render(request, "manage.html", status=status, operators=operators, audit=audit, roles=ROLES,
                           error=error, notice=request.query.get("notice") if request.query.get("notice") in NOTICES else None,
                           today=self.today().isoformat(), zone=self.handoff.call_centre.hours.zone)

    @page(role="manager")
    async def add_operator(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        try:
            await self.accounts.add(str(form.get("name", "")).strip(), str(form.get("role", "operator")),
                                    str(form.get("password", "")), actor=request[OPERATOR])
        except AccountError as error:
            return await self.manage.__wrapped__(self, request, error=str(error), status=400)
        raise self.redirect("/console/manage?notice=operator_added")

    @page(role="manager")
    async def toggle_operator(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        active = request[FORM].get("active") == "1"
        try:
            await self.accounts.set_active(name, active, actor=request[OPERATOR])
        except AccountError as error:
            return await self.manage.__wrapped__(self, request, error=str(error), status=404)
        raise self.redirect("/console/manage?notice=operator_updated")

    @page(role="manager")
    async def export(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        try:
            start = date.fromisoformat(str(form.get("date_from", "")))
            end = date.fromisoformat(str(form.get("date_to", "")))
        except ValueError:
            return await self.manage.__wrapped__(
                self, request, error=self.translator.t(self.lang(request), "console.error.dates"), status=400)
        by = "message" if form.get("by") == "message" else "consultation"
        fmt = "xlsx" if form.get("format") == "xlsx" else "csv"
        channel = str(form.get("channel", "")) or None
        if channel not in (None, "telegram", "whatsapp", "webchat", "phone") or end < start \
                or start.year < 2000 or end.year > 2100:
            return await self.manage.__wrapped__(
                self, request, error=self.translator.t(self.lang(request), "console.error.export_range"), status=400)
        content_type = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
                        else "text/csv")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"journal-{start}-{end}.{fmt}"
            count = await self.export_journal(self.handoff.db, start=start, end=end,
                                              zone=self.handoff.call_centre.hours.zone, by=by, fmt=fmt,
                                              path=path, channel=channel, lang=self.lang(request))
            await self.accounts.audit(request[OPERATOR], "export", f"journal:{start}..{end}",
                                      by=by, format=fmt, channel=channel, rows=count)
            # Streamed from the file in chunks: a year of journal never sits in memory.
            response = web.StreamResponse(headers={
                "Content-Type": content_type, "Cache-Control": "no-store",
                "Content-Disposition": f'attachment; filename="{path.name}"'})
            response.content_length = path.stat().st_size
            await response.prepare(request)
            with path.open("rb") as file:
                while chunk := file.read(256 * 1024):
                    await response.write(chunk)
            await response.write_eof()
            return response

    # Kept on the class so other console pages (bot/console/reports.py) use the same checks.
    page = staticmethod(page)
