"""Web chat: Rasa's REST channel shape, plus long polling for later messages.

`POST /webhooks/rest/webhook` {"sender", "message"} answers the bot's replies as a JSON
list of {"recipient_id", "text", "buttons": [{"title", "payload"}]}. Messages that come
later (operator replies, notifications) are fetched with
`GET /webhooks/rest/messages?sender=…&after=ID&timeout=S`, which waits up to S seconds.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict

from aiohttp import web

from core.messages import Channel, ContentType, Inbound
from bot.engine import ConversationEngine
from core.messages import Reply, SendResult
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

MAX_SENDER_LENGTH = 128
MAX_LONG_POLL_SECONDS = 30.0


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


class WebChatChannel:
    channel = Channel.webchat

    def __init__(self, engine: ConversationEngine, db: Database):
        self.engine = engine
        self.db = db
        self._waiters: defaultdict[str, asyncio.Condition] = defaultdict(asyncio.Condition)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/webhooks/rest/webhook", self.receive),
            web.get("/webhooks/rest/messages", self.messages),
        ]

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def receive(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _bad_request("body must be JSON: {\"sender\": \"…\", \"message\": \"…\"}")
        if not isinstance(body, dict):
            return _bad_request("body must be a JSON object")
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
            return _bad_request(f"'sender' must be a non-empty string of at most {MAX_SENDER_LENGTH} characters")
        if not isinstance(message, str):
            return _bad_request("'message' must be a string")
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        language = metadata.get("language") if isinstance(metadata.get("language"), str) else None
        message_id = body.get("message_id")
        inbound = Inbound(
            channel=Channel.webchat, user_id=sender.strip(), text=message,
            content_type=ContentType.command if message.startswith("/") else ContentType.text,
            language_hint=language, event_id=str(message_id)[:64] if message_id else None,
        )
        replies = await self.engine.handle(inbound)
        # Replies in the HTTP answer are delivered; long polling only serves later ones.
        await self.engine.record_results(
            [SendResult(reply.message_id, None, "delivered") for reply in replies]
        )
        return web.json_response([self._render(sender, reply) for reply in replies])

    @staticmethod
    def _render(sender: str, reply: Reply) -> dict:
        return {
            "recipient_id": sender,
            "text": reply.outbound.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in reply.outbound.buttons],
        }

    async def send(self, reply: Reply) -> SendResult:
        """A proactive message: already in the journal; wake whoever is long-polling."""
        condition = self._waiters[reply.address.user_id]
        async with condition:
            condition.notify_all()
        return SendResult(reply.message_id, None, "sent")

    async def messages(self, request: web.Request) -> web.Response:
        sender = request.query.get("sender", "").strip()
        if not sender or len(sender) > MAX_SENDER_LENGTH:
            return _bad_request("'sender' query parameter is required")
        try:
            after = int(request.query.get("after", "0"))
            timeout = min(float(request.query.get("timeout", "25")), MAX_LONG_POLL_SECONDS)
        except ValueError:
            return _bad_request("'after' must be an integer and 'timeout' a number")
        messages = await self._pending(sender, after)
        if not messages and timeout > 0:
            condition = self._waiters[sender]
            try:
                async with condition:
                    await asyncio.wait_for(condition.wait(), timeout)
            except TimeoutError:
                pass
            messages = await self._pending(sender, after)
        last_id = messages[-1]["id"] if messages else after
        return web.json_response({"messages": messages, "last_id": last_id})

    async def _pending(self, sender: str, after: int) -> list[dict]:
        async with self.db.unit_of_work() as uow:
            contact = await uow.contacts.find(Channel.webchat.value, sender)
            if contact is None:
                return []
            rows = await uow.journal.outbound_after(contact.id, after, statuses=("pending", "sent"))
        return [
            {"id": row.id, "recipient_id": sender, "text": row.text,
             "buttons": [{"title": t, "payload": p} for t, p in (row.buttons or [])],
             "created_at": row.created_at.isoformat()}
            for row in rows
        ]
