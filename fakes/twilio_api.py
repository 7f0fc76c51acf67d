"""A fake Twilio REST API (Programmable Messaging) on loopback, for tests and benchmarks.

Pointing the real twilio client at it (verified against twilio 9.13's source)::

    async with FakeTwilioAPI() as api:
        http_client = AsyncTwilioHttpClient()          # create inside the running loop
        client = Client(api.account_sid, api.auth_token, http_client=http_client)
        client.api.base_url = api.base_url             # "http://127.0.0.1:PORT"
        try:
            msg = await client.messages.create_async(
                to="whatsapp:+77011234567", from_="whatsapp:+14155238886", body="Сәлем")
        finally:
            await http_client.close()

Why this works: ``client.messages`` is ``client.api.v2010.account.messages``; every request goes
through ``twilio.base.domain.Domain.absolute_url``, which reads ``self.base_url`` of the ``Api``
domain *at request time* (``"{base_url}/{version}/{uri}"``) — so setting ``client.api.base_url``
after construction (even after ``client.messages`` was first touched) routes ``create_async`` to
the fake.  ``client.api`` is lazily created and cached by the ``Client``, so the attribute sticks.

Caveats found in the source:

* ``ClientBase.get_hostname`` rewrites the host when an *edge* or *region* is configured
  (``Client(region=..., edge=...)`` or the ``TWILIO_REGION`` / ``TWILIO_EDGE`` environment
  variables): "127.0.0.1" would become e.g. "127.sydney.au1.0.1".  Leave both unset, or set
  ``client.edge = client.region = None`` (``FakeTwilioAPI.configure_client`` does all of this).
* Other domains (``client.content``, ``client.messaging``, ...) have their own ``base_url``;
  only the ``api`` domain (Accounts/…/Messages.json) is emulated here.
* Close the ``AsyncTwilioHttpClient`` (``await http_client.close()``) — it owns an aiohttp session.
* Error bodies here use Twilio's legacy shape ``{"code", "message", "more_info", "status"}``, for
  which twilio raises ``TwilioRestException`` (``.status`` = HTTP status, ``.code`` = Twilio code,
  ``.msg`` = "Unable to create record: <message>").

Behaviour
---------
* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form: To, From, Body, ContentSid,
  ContentVariables, StatusCallback, MessagingServiceSid, MediaUrl): HTTP Basic auth must be
  ``account_sid:auth_token`` else 401 (code 20003); another account in the path → 404 (20404);
  validation errors 21604 (no To), 21603 (no From / MessagingServiceSid), 21619 (no Body,
  ContentSid or MediaUrl), 21617 (Body over 1600 characters); otherwise 201 with a realistic
  Message resource (sid "SM"+32 hex, status "queued" — "accepted" via a Messaging Service only,
  to, from, body, date_created RFC 2822, account_sid, uri, subresource_uris …).
  A ContentSid send gets ``body`` rendered from ``content_templates[ContentSid]`` (``{{1}}``
  placeholders filled from ContentVariables) or "" if unknown.
* ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` fetches a sent message.
* ``outside_window``: set of "whatsapp:+7…" numbers outside the 24-hour session.  A free-form
  send (no ContentSid) to them → 400 ``{"code": 63016, ...}``.  With
  ``outside_window_mode="callback"`` the create succeeds (201 queued) and the failure is
  reported only through the StatusCallback (status "failed", ErrorCode 63016) or, without a
  StatusCallback, by fetching the message — Twilio does both, depending on the sender.  Template sends (ContentSid) always succeed.
* ``fail_next(n, status=500)``; ``rate_limit_per_second`` → 429 with code 20429 (sliding 1 s
  window; counted in ``too_many_requests``); ``latency`` seconds per request.
* Status callbacks: ``auto_status_callbacks=True`` POSTs "sent" then "delivered" to each message's
  StatusCallback, signed (X-Twilio-Signature) with ``auth_token``; or call
  ``await api.send_status_callback(sid, "read")`` yourself.  Results in ``api.callbacks``.

* ``POST /2010-04-01/Accounts/{AccountSid}/Calls.json`` (Programmable Voice, outbound calls; form: To,
  From, Url or Twiml, StatusCallback, StatusCallbackEvent, StatusCallbackMethod): 21201 without To,
  21213 without From, 21205 without Url or Twiml; otherwise 201 with a Call resource (sid "CA"+32
  hex, status "queued", direction "outbound-api"). Recorded in ``api.calls`` (:class:`TwilioCall`);
  ``await api.send_call_status(sid, "completed", duration=42)`` POSTs a signed call status callback
  (CallSid, CallStatus, CallDuration, From, To, Direction …) to the call's StatusCallback.

Recorded: ``api.sent`` (list of :class:`TwilioSent`: to, from_, body, content_sid,
content_variables, status_callback, messaging_service_sid, sid, time, params), ``api.requests``
(every request: method, path, status, params, time), ``api.messages`` (sid → resource dict).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import email.utils
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import aiohttp
from aiohttp import web

__all__ = ["FakeTwilioAPI", "TwilioSent", "TwilioCall", "TwilioRequest", "OUTSIDE_WINDOW_MESSAGE"]

OUTSIDE_WINDOW_MESSAGE = (
    "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template."
)


@dataclass
class TwilioSent:
    to: str
    from_: str | None
    body: str | None
    content_sid: str | None
    content_variables: str | None
    status_callback: str | None
    messaging_service_sid: str | None
    sid: str
    time: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TwilioCall:
    to: str
    from_: str
    url: str | None
    twiml: str | None
    status_callback: str | None
    status_callback_event: list[str]
    sid: str
    time: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TwilioRequest:
    method: str
    path: str
    status: int
    params: dict[str, Any]
    time: float


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {"code": code, "message": message,
         "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status=status,
    )


class FakeTwilioAPI:
    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str = "fake_auth_token_0123456789abcdef",
        host: str = "127.0.0.1",
        port: int = 0,
        outside_window: Iterable[str] | None = None,
        outside_window_mode: str = "sync",
        rate_limit_per_second: float | None = None,
        latency: float = 0.0,
        auto_status_callbacks: bool = False,
        content_templates: dict[str, str] | None = None,
    ) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token
        self.host = host
        self.port = port
        self.outside_window: set[str] = set(outside_window or ())
        if outside_window_mode not in ("sync", "callback"):
            raise ValueError("outside_window_mode must be 'sync' or 'callback'")
        self.outside_window_mode = outside_window_mode
        self.rate_limit_per_second = rate_limit_per_second
        self.latency = latency
        self.auto_status_callbacks = auto_status_callbacks
        self.content_templates: dict[str, str] = dict(content_templates or {})

        self.sent: list[TwilioSent] = []
        self.calls: list[TwilioCall] = []
        self.requests: list[TwilioRequest] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.callbacks: list[dict[str, Any]] = []  # status callbacks delivered: url, params, status
        self.too_many_requests = 0
        self.rejected_outside_window = 0
        self._fail_queue: collections.deque[int] = collections.deque()
        self._stamps: collections.deque[float] = collections.deque()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sent_signal: asyncio.Event | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("FakeTwilioAPI is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> "FakeTwilioAPI":
        if self._runner is not None:
            return self
        app = web.Application()
        base = "/2010-04-01/Accounts/{account_sid}"
        app.router.add_post(base + "/Messages.json", self._create_message)
        app.router.add_get(base + "/Messages/{sid}.json", self._fetch_message)
        app.router.add_post(base + "/Calls.json", self._create_call)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port, reuse_address=True).start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> "FakeTwilioAPI":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def configure_client(self, client: Any) -> Any:
        """Point a ``twilio.rest.Client`` at this fake (api domain, no edge/region rewriting)."""
        client.edge = None
        client.region = None
        client.api.base_url = self.base_url
        return client

    # ------------------------------------------------------------------ helpers
    def fail_next(self, n: int = 1, status: int = 500) -> None:
        self._fail_queue.extend([status] * n)

    def sent_to(self, to: str) -> list[TwilioSent]:
        return [s for s in self.sent if s.to == to]

    async def wait_for_sent(self, count: int, timeout: float = 5.0) -> list[TwilioSent]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.sent) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"expected {count} Twilio sends, got {len(self.sent)}")
            if self._sent_signal is None:
                self._sent_signal = asyncio.Event()
            try:
                await asyncio.wait_for(self._sent_signal.wait(), remaining)
            except (asyncio.TimeoutError, TimeoutError):
                pass
        return self.sent

    def _notify(self) -> None:
        ev, self._sent_signal = self._sent_signal, None
        if ev is not None:
            ev.set()

    def _check_auth(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == self.account_sid and password == self.auth_token

    def _rate_limited(self) -> bool:
        rate = self.rate_limit_per_second
        if not rate:
            return False
        count, span = (int(rate), 1.0) if rate >= 1 else (1, 1.0 / rate)
        now = time.monotonic()
        while self._stamps and self._stamps[0] <= now - span:
            self._stamps.popleft()
        if len(self._stamps) >= count:
            return True
        self._stamps.append(now)
        return False

    def _render(self, content_sid: str, variables: str | None) -> str:
        template = self.content_templates.get(content_sid)
        if template is None:
            return ""
        try:
            values = json.loads(variables) if variables else {}
        except ValueError:
            values = {}
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: str(values.get(m.group(1), m.group(0))), template)

    # ------------------------------------------------------------------ handlers
    async def _guard(self, request: web.Request, params: dict[str, Any]) -> web.Response | None:
        if self.latency:
            await asyncio.sleep(self.latency)
        if not self._check_auth(request):
            return _error(401, 20003, "Authenticate")
        if request.match_info["account_sid"] != self.account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        if self._fail_queue:
            status = self._fail_queue.popleft()
            return _error(status, 20500, "An internal server error has occurred")
        return None

    def _log(self, request: web.Request, status: int, params: dict[str, Any]) -> None:
        self.requests.append(TwilioRequest(request.method, request.path, status, params, time.monotonic()))

    async def _create_message(self, request: web.Request) -> web.Response:
        form = await request.post()
        params: dict[str, Any] = {}
        for key in form.keys():
            values = form.getall(key)
            params[key] = values[0] if len(values) == 1 else list(values)
        resp = await self._guard(request, params) or self._create(params)
        self._log(request, resp.status, params)
        return resp

    def _create(self, p: dict[str, Any]) -> web.Response:
        to, from_ = p.get("To"), p.get("From")
        body, content_sid = p.get("Body"), p.get("ContentSid")
        service = p.get("MessagingServiceSid")
        media = p.get("MediaUrl")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not from_ and not service:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body and not content_sid and not media:
            return _error(400, 21619, "A text message body or media urls must be specified.")
        if body and len(body) > 1600:
            return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if self._rate_limited():
            self.too_many_requests += 1
            return _error(429, 20429, "Too Many Requests")
        outside = to in self.outside_window and not content_sid
        if outside and self.outside_window_mode == "sync":
            self.rejected_outside_window += 1
            return _error(400, 63016, OUTSIDE_WINDOW_MESSAGE)

        sid = "SM" + secrets.token_hex(16)
        now = email.utils.formatdate(usegmt=False).replace("-0000", "+0000")
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        text = body if body else (self._render(content_sid, p.get("ContentVariables")) if content_sid else "")
        resource = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": text,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": service,
            "num_media": "1" if media else "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not from_ else "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json",
                "feedback": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Feedback.json",
            },
            "to": to,
            "uri": uri,
        }
        self.messages[sid] = resource
        self.sent.append(TwilioSent(
            to=to, from_=from_, body=body, content_sid=content_sid,
            content_variables=p.get("ContentVariables"), status_callback=p.get("StatusCallback"),
            messaging_service_sid=service, sid=sid, time=time.monotonic(), params=p,
        ))
        self._notify()
        callback = p.get("StatusCallback")
        if callback:
            if outside:
                self.rejected_outside_window += 1
                self._spawn(self._callback_sequence(sid, [("failed", 63016)]))
            elif self.auto_status_callbacks:
                self._spawn(self._callback_sequence(sid, [("sent", None), ("delivered", None)]))
        response = web.json_response(resource, status=201)  # serialised now: "queued"
        if outside and not callback:
            # no StatusCallback: the failure is only visible when the message is fetched
            self.rejected_outside_window += 1
            resource["status"] = "failed"
            resource["error_code"] = 63016
            resource["error_message"] = OUTSIDE_WINDOW_MESSAGE
        return response

    async def _fetch_message(self, request: web.Request) -> web.Response:
        resp = await self._guard(request, {})
        if resp is None:
            resource = self.messages.get(request.match_info["sid"])
            resp = web.json_response(resource) if resource else \
                _error(404, 20404, f"The requested resource {request.path} was not found")
        self._log(request, resp.status, {})
        return resp

    async def _create_call(self, request: web.Request) -> web.Response:
        form = await request.post()
        params: dict[str, Any] = {key: (form.getall(key) if len(form.getall(key)) > 1 else form.get(key))
                                  for key in form.keys()}
        resp = await self._guard(request, params) or self._place_call(params)
        self._log(request, resp.status, params)
        return resp

    def _place_call(self, p: dict[str, Any]) -> web.Response:
        if not p.get("To"):
            return _error(400, 21201, "No 'To' number is specified")
        if not p.get("From"):
            return _error(400, 21213, "No 'From' number is specified")
        if not p.get("Url") and not p.get("Twiml"):
            return _error(400, 21205, "Url parameter is required.")
        sid = "CA" + secrets.token_hex(16)
        now = email.utils.formatdate(usegmt=False).replace("-0000", "+0000")
        events = p.get("StatusCallbackEvent") or []
        events = [events] if isinstance(events, str) else list(events)
        self.calls.append(TwilioCall(to=p["To"], from_=p["From"], url=p.get("Url"), twiml=p.get("Twiml"),
                                     status_callback=p.get("StatusCallback"), status_callback_event=events,
                                     sid=sid, time=time.monotonic(), params=p))
        self._notify()
        resource = {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "sid": sid,
            "date_created": now, "date_updated": now, "direction": "outbound-api", "duration": None,
            "from": p["From"], "from_formatted": p["From"], "to": p["To"], "to_formatted": p["To"],
            "parent_call_sid": None, "phone_number_sid": None, "price": None, "price_unit": "USD",
            "start_time": None, "end_time": None, "status": "queued",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json", "subresource_uris": {},
        }
        return web.json_response(resource, status=201)

    async def send_call_status(self, sid: str, status: str, *, duration: int | None = None,
                               url: str | None = None) -> int:
        """POST a signed call status callback for outbound call ``sid``; returns the HTTP status."""
        placed = next(c for c in self.calls if c.sid == sid)
        target = url or placed.status_callback
        if not target:
            raise ValueError(f"call {sid} has no StatusCallback")
        params = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "CallSid": sid,
                  "CallStatus": status, "Direction": "outbound-api", "From": placed.from_, "To": placed.to,
                  "Called": placed.to, "Caller": placed.from_, "Timestamp": email.utils.formatdate(usegmt=True)}
        if duration is not None:
            params["CallDuration"] = str(duration)
            params["Duration"] = str(max(1, (duration + 59) // 60))
        return await self._post_signed(target, params)

    async def _post_signed(self, target: str, params: dict[str, str]) -> int:
        """POST ``params`` to ``target`` signed as Twilio signs; recorded in ``callbacks``;
        returns the HTTP status the receiver answered (0 = error)."""
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(self.auth_token).compute_signature(target, params)
        if self._session is None:
            self._session = aiohttp.ClientSession()
        record = {"url": target, "params": params, "status": None}
        self.callbacks.append(record)
        try:
            async with self._session.post(target, data=params, headers={"X-Twilio-Signature": signature}) as resp:
                record["status"] = resp.status
        except aiohttp.ClientError:
            record["status"] = 0
        return record["status"]

    # ------------------------------------------------------------------ status callbacks
    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _callback_sequence(self, sid: str, steps: list[tuple[str, int | None]]) -> None:
        for status, code in steps:
            await asyncio.sleep(0.01)
            await self.send_status_callback(sid, status, error_code=code)

    async def send_status_callback(self, sid: str, status: str, error_code: int | None = None,
                                   url: str | None = None) -> int:
        """POST a signed status callback for message ``sid`` (to its StatusCallback or ``url``);
        updates the stored resource; returns the HTTP status the receiver answered (0 = error)."""
        resource = self.messages[sid]
        resource["status"] = status
        if error_code is not None:
            resource["error_code"] = error_code
            resource["error_message"] = OUTSIDE_WINDOW_MESSAGE if error_code == 63016 else "error"
        sent = next((s for s in self.sent if s.sid == sid), None)
        target = url or (sent.status_callback if sent else None)
        if not target:
            raise ValueError(f"message {sid} has no StatusCallback")
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "ChannelPrefix": "whatsapp" if str(resource["to"]).startswith("whatsapp:") else "sms",
            "From": resource["from"] or "",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": resource["to"],
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
            params["ErrorMessage"] = resource["error_message"]
        return await self._post_signed(target, params)
