"""WhatsApp through Twilio: signed webhooks in, one attempt at one message out
(`send_once`, Twilio's async REST client; bot/delivery decides the rest). The account's
client and the webhooks' signature check are bot.channels.twilio_common's.
"""
from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web
from multidict import MultiDict
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.base import numbered_options, split_text
from bot.channels.twilio_common import TwilioAccount
from bot.delivery.deliverer import Deliverer
from bot.engine import ConversationEngine
from core.i18n import Translator
from core.messages import Channel, ContentType, Inbound, Reply, SendOutcome

log = logging.getLogger(__name__)

INBOUND_PATH = "/webhooks/twilio/whatsapp"
STATUS_PATH = "/webhooks/twilio/status"
# WhatsApp bodies are limited to 1,600 characters through Twilio.
TEXT_LIMIT = 1600
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# "Channel message blocked by user action": the user blocked the business number.
BLOCKED_BY_USER = 63014
DELIVERY_STATUSES = {"queued", "sending", "sent", "delivered", "read", "failed", "undelivered",
                     "accepted", "receiving", "received", "canceled"}


def _media_type(form) -> ContentType:
    if form.get("Latitude") and form.get("Longitude"):
        return ContentType.location
    try:
        count = int(form.get("NumMedia", "0") or 0)
    except ValueError:
        count = 0
    if count <= 0:
        return ContentType.text
    mime = (form.get("MediaContentType0") or "").lower()
    if mime.startswith("image/webp"):
        return ContentType.sticker
    if mime.startswith("image/"):
        return ContentType.photo
    if mime.startswith("audio/"):
        return ContentType.voice
    if mime.startswith("video/"):
        return ContentType.video
    return ContentType.document


class WhatsAppChannel:
    channel = Channel.whatsapp

    def __init__(self, *, account_sid: str, auth_token: str, whatsapp_from: str,
                 engine: ConversationEngine, delivery: Deliverer, translator: Translator, public_url,
                 api_base: str | None = None):
        self.twilio = TwilioAccount(account_sid=account_sid, auth_token=auth_token, public_url=public_url,
                                    api_base=api_base)
        self.whatsapp_from = whatsapp_from if whatsapp_from.startswith("whatsapp:") else f"whatsapp:{whatsapp_from}"
        self.engine = engine
        self.delivery = delivery
        self.translator = translator
        self.public_url = public_url  # callable: path -> the URL Twilio calls
        self.client: Client | None = None
        self._deliveries: set[asyncio.Task] = set()

    async def start(self) -> None:
        self.client = await self.twilio.start()

    async def stop(self) -> None:
        if self._deliveries:  # status callbacks still being matched
            await asyncio.gather(*self._deliveries, return_exceptions=True)
        await self.twilio.close()

    def routes(self) -> list[web.RouteDef]:
        signed = self.twilio.signed
        return [web.post(INBOUND_PATH, signed(self.receive)), web.post(STATUS_PATH, signed(self.status))]

    async def receive(self, request: web.Request, form: MultiDict[str]) -> web.Response:
        sender = form.get("From", "")
        if not sender:
            return web.Response(status=400, text="missing From")
        user_id = sender.removeprefix("whatsapp:")
        content_type = _media_type(form)
        text = form.get("Body", "") or ""
        inbound = Inbound(
            channel=Channel.whatsapp, user_id=user_id, text=text,
            content_type=ContentType.command if content_type == ContentType.text and text.startswith("/") else content_type,
            payload=form.get("ButtonPayload") or None,
            display_name=form.get("ProfileName") or None,
            event_id=form.get("MessageSid") or None, channel_message_id=form.get("MessageSid") or None,
            # On WhatsApp the sender's number is their phone: no need to ask for it.
            shared_phone=user_id if user_id.startswith("+") else None,
        )
        if inbound.payload:
            inbound.content_type = ContentType.button
        replies = await self.engine.handle(inbound)
        self.delivery.deliver_later(replies)
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    async def status(self, request: web.Request, form: MultiDict[str]) -> web.Response:
        sid, status = form.get("MessageSid", ""), (form.get("MessageStatus") or "").lower()
        if not sid or status not in DELIVERY_STATUSES:
            return web.Response(status=400, text="missing MessageSid or unknown MessageStatus")
        error_code = form.get("ErrorCode") or None
        if status in ("failed", "undelivered") and error_code == str(BLOCKED_BY_USER):
            status = "unreachable"  # the word every delivery path uses for a blocked bot
        if not await self._record_status(sid, status, error_code):
            # Twilio may call back before our own send has stored the sid: try again shortly.
            self._spawn(self._record_status_later(sid, status, error_code))
        return web.Response(status=204)

    async def _record_status(self, sid: str, status: str, error_code: str | None) -> bool:
        async with self.engine.db.unit_of_work() as uow:
            return await uow.journal.set_delivery(Channel.whatsapp.value, sid, status, error_code)

    async def _record_status_later(self, sid: str, status: str, error_code: str | None) -> None:
        for delay in (0.2, 1.0, 5.0):
            await asyncio.sleep(delay)
            if await self._record_status(sid, status, error_code):
                return
        log.info("status callback for an unknown message")

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def send_once(self, reply: Reply) -> SendOutcome:
        """One attempt at one message: a template, or the text with its buttons as numbered
        options in bodies of at most 1,600 characters. No sleeping or retrying here."""
        assert self.client is not None, "WhatsAppChannel.start() was not awaited"
        template = reply.outbound.template
        if template is not None:
            contents = [{"content_sid": template.content_sid,
                         "content_variables": json.dumps(template.variables, ensure_ascii=False)}]
        else:
            body = numbered_options(reply.outbound, self.translator.t(reply.lang, "buttons.numbered_hint"))
            contents = [{"body": chunk} for chunk in split_text(body, TEXT_LIMIT)]
        first_sid = None
        try:
            for content in contents:
                message = await self.client.messages.create_async(
                    from_=self.whatsapp_from, to=f"whatsapp:{reply.address.user_id}",
                    status_callback=self.public_url(STATUS_PATH), **content)
                first_sid = first_sid or message.sid
        except TwilioRestException as exc:
            error = str(exc.code or exc.status)
            if exc.status == 429:
                return SendOutcome("rate_limited", retry_after=1.0, error=error)
            if exc.code == 63016:
                return SendOutcome("window_closed", error=error)
            if exc.code == BLOCKED_BY_USER:
                return SendOutcome("forbidden", error=error)
            if exc.status >= 500:
                return SendOutcome("server_error", error=error)
            return SendOutcome("bad_request", error=error)
        except (OSError, asyncio.TimeoutError) as exc:
            return SendOutcome("network_error", error=type(exc).__name__)
        return SendOutcome("sent", channel_message_id=first_sid)
