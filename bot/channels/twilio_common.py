"""Twilio's side of WhatsApp and the phone line: one account's async REST client and its
signed webhooks.

Every webhook is checked with twilio's `RequestValidator` against the public URL Twilio
called (PUBLIC_BASE_URL + path + query), since behind a proxy the request's own URL differs.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import MultiDict
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.web.inputs import BadInput, read_form

SignedHandler = Callable[[web.Request, MultiDict[str]], Awaitable[web.StreamResponse]]


class TwilioAccount:
    def __init__(self, *, account_sid: str, auth_token: str, public_url, api_base: str | None = None):
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.public_url = public_url  # callable: path -> the URL Twilio calls
        self.api_base = api_base
        self.validator = RequestValidator(auth_token)
        self.client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None

    async def start(self) -> Client:
        # twilio's async HTTP client binds to the running loop, so it is made here.
        self._http = AsyncTwilioHttpClient()
        self.client = Client(self.account_sid, self._auth_token, http_client=self._http)
        if self.api_base:
            # An edge or region would rewrite the host of the override (twilio's get_hostname).
            self.client.edge = self.client.region = None
            self.client.api.base_url = self.api_base.rstrip("/")
        return self.client

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def signed_form(self, request: web.Request) -> tuple[MultiDict[str] | None, web.Response | None]:
        """(form, None) if Twilio's signature over it holds, else (None, the error response)."""
        try:
            form = await read_form(request)
        except BadInput:
            return None, web.Response(status=400, text="malformed form body")
        signature = request.headers.get("X-Twilio-Signature", "")
        url = self.public_url(request.path + (f"?{request.query_string}" if request.query_string else ""))
        if not signature or not self.validator.validate(url, form, signature):
            return None, web.Response(status=403, text="invalid Twilio signature")
        return form, None

    def signed(self, handler: SignedHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """`handler(request, form)` as an aiohttp handler that answers unsigned requests itself."""
        async def checked(request: web.Request) -> web.StreamResponse:
            form, error = await self.signed_form(request)
            if error is not None:
                return error
            return await handler(request, form)
        return checked
