"""Web chat: Rasa's REST channel shape, with sessions, history and long polling.

`POST /webhooks/rest/session` {"language"?} answers {"sender": "<opaque id>"}: the server
issues and signs sender ids and refuses any other (403) on every endpoint, so a sender id
is a capability nobody can guess. `POST /webhooks/rest/webhook` {"sender", "message",
"message_id"?, "metadata"?} answers the bot's replies as a JSON list of {"id",
"recipient_id", "text", "buttons": [{"title", "payload"}]}. `GET /webhooks/rest/history`
gives the last messages both ways (a reloaded page restores the conversation from it), and
`GET /webhooks/rest/messages?sender=…&after=ID&timeout=S` waits up to S seconds for later
ones (operator replies, notifications). The protocol is documented in README.md.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import math

from aiohttp import web

from bot.channels.group_commit import GroupCommit
from bot.channels.webchat_sessions import SenderIds, WebChatLimits
from bot.engine import ConversationEngine
from bot.wakeups import Wakeups
from bot.web.inputs import BadInput, read_json
from core.i18n import LANGUAGES, Translator
from core.messages import PAYLOAD_PATTERN, Channel, ContentType, Inbound, Reply, SendOutcome
from handlers.language import tentative_state
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

MAX_LONG_POLL_SECONDS = 30.0
HISTORY_LENGTH = 50
MAX_MESSAGE_ID_LENGTH = 128
SESSION_HINT = "create a session first: POST /webhooks/rest/session answers your sender id"


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


def _forbidden() -> web.Response:
    return web.json_response({"error": f"unknown sender; {SESSION_HINT}"}, status=403)


def _too_many(retry_after: int) -> web.Response:
    return web.json_response({"error": "too many requests, try again later"}, status=429,
                             headers={"Retry-After": str(retry_after)})


def _event_id(sender: str, message_id: object) -> str | None:
    """A client's message id deduplicated per sender: one user cannot silence another's."""
    if message_id is None or message_id == "":
        return None
    digest = hashlib.sha256(f"{sender}\0{str(message_id)[:MAX_MESSAGE_ID_LENGTH]}".encode()).hexdigest()
    return "w" + digest[:40]


def _language(value: object) -> str | None:
    if isinstance(value, str) and value[:2].lower() in LANGUAGES:
        return value[:2].lower()
    return None


def _speaker(direction: str, author: str | None) -> str:
    """Who the page shows as the writer: the user, an operator (a person, shown as one, so an
    applicant knows a human is answering now) or the bot."""
    if direction == "in":
        return "user"
    return "operator" if (author or "").startswith("operator:") else "bot"


class WebChatChannel:
    channel = Channel.webchat

    def __init__(self, engine: ConversationEngine, db: Database, *, sender_ids: SenderIds,
                 limits: WebChatLimits, translator: Translator, default_language: str = "kk",
                 wakeups: Wakeups | None = None):
        self.engine = engine
        self.db = db
        self.sender_ids = sender_ids
        self.limits = limits
        self.translator = translator
        self.default_language = default_language
        # Shared with the app: a reply written by any worker wakes the worker holding the poll.
        self.wakeups = wakeups or Wakeups("sqlite://")
        # Replies in the HTTP answer are delivered (journaled so in the batch's own commit);
        # long polling only serves later ones.
        self.group_commit = GroupCommit(functools.partial(engine.handle_batch, delivered=True))

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/webhooks/rest/session", self.new_session),
            web.post("/webhooks/rest/webhook", self.receive),
            web.get("/webhooks/rest/history", self.history),
            web.get("/webhooks/rest/messages", self.messages),
        ]

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    @staticmethod
    def _ip(request: web.Request) -> str:
        return request.remote or "unknown"

    async def new_session(self, request: web.Request) -> web.Response:
        ip = self._ip(request)
        if not await self.limits.session(ip):
            return _too_many(await self.limits.retry_after(self.limits.sessions_per_ip, "session", ip))
        language = None
        if request.can_read_body:
            try:
                body = await read_json(request)
            except BadInput:
                return _bad_request("body must be JSON: {\"language\": \"kk|ru|en\"} or empty")
            if body is not None and not isinstance(body, dict):
                return _bad_request("body must be a JSON object")
            language = _language((body or {}).get("language"))
        sender = self.sender_ids.issue()
        async with self.db.unit_of_work() as uow:
            contact = await uow.contacts.get_or_create(Channel.webchat.value, sender)
            # The page's language (the browser's) is the conversation's until the first typed
            # words say otherwise: no picker on the first message, no English answers to Kazakh.
            contact.language = language
            if language is not None:
                contact.state = tentative_state(contact.state)
        return web.json_response({"sender": sender, "language": language})

    async def receive(self, request: web.Request) -> web.Response:
        try:
            body = await read_json(request)
        except BadInput:
            return _bad_request("body must be JSON: {\"sender\": \"…\", \"message\": \"…\"}")
        if not isinstance(body, dict):
            return _bad_request("body must be a JSON object")
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not sender.strip():
            return _bad_request(f"'sender' must be a non-empty string; {SESSION_HINT}")
        if not isinstance(message, str):
            return _bad_request("'message' must be a string")
        if not message.strip():
            # Nothing to journal or answer (a blank line in an operator's view helps nobody).
            return _bad_request("'message' must not be empty")
        if not self.sender_ids.verify(sender):
            return _forbidden()
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        language = _language(metadata.get("language"))
        if not await self.limits.message(sender, self._ip(request)):
            # A person typing fast is told kindly; nothing is stored or answered.
            text = self.translator.t(language or self.default_language, "webchat.slow_down")
            return web.json_response([{"id": None, "recipient_id": sender, "text": text, "buttons": []}])
        inbound = Inbound(
            channel=Channel.webchat, user_id=sender, text=message,
            content_type=ContentType.command if message.startswith("/") else ContentType.text,
            language_hint=language, event_id=_event_id(sender, body.get("message_id")),
        )
        # Concurrent requests share one engine batch and its commits (group commit).
        replies = await self.group_commit.submit(inbound)
        return web.json_response([self._render(sender, reply) for reply in replies])

    @staticmethod
    def _render(sender: str, reply: Reply) -> dict:
        return {
            "id": reply.message_id,
            "recipient_id": sender,
            "text": reply.outbound.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in reply.outbound.buttons],
        }

    async def send_once(self, reply: Reply) -> SendOutcome:
        """A proactive message: the journal row is what long polling serves; wake the poller,
        in whichever worker the poll is."""
        await self.wakeups.publish(self._topic(reply.address.user_id))
        return SendOutcome("sent")

    async def _sender_of(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        sender = request.query.get("sender", "")
        if not sender:
            return None, _bad_request(f"'sender' query parameter is required; {SESSION_HINT}")
        if not self.sender_ids.verify(sender):
            return None, _forbidden()
        if not await self.limits.poll(sender):
            return None, _too_many(await self.limits.retry_after(self.limits.polls_per_sender, "poll", sender))
        return sender, None

    async def history(self, request: web.Request) -> web.Response:
        """The last messages both ways, oldest first, for a page that was reloaded."""
        sender, refused = await self._sender_of(request)
        if refused is not None:
            return refused
        async with self.db.unit_of_work() as uow:
            contact = await uow.contacts.find(Channel.webchat.value, sender)
            rows = await uow.journal.contact_messages(contact.id, limit=HISTORY_LENGTH) if contact else []
        titles: dict[str, str] = {}
        messages = []
        for row in rows:
            if row.direction == "out":
                titles.update({payload: title for title, payload in row.buttons or []})
                if row.delivery_status == "failed":
                    continue
            text = row.text or ""
            if row.direction == "in" and PAYLOAD_PATTERN.match(text.strip()):
                # A pressed button reads as its title, as the page showed it.
                text = titles.get(text.strip(), text)
            messages.append(self._row_view(sender, row, text))
        last_id = rows[-1].id if rows else 0
        return web.json_response({"messages": messages, "last_id": last_id})

    @staticmethod
    def _row_view(sender: str, row, text: str) -> dict:
        return {"id": row.id, "direction": row.direction, "recipient_id": sender, "text": text,
                "buttons": [{"title": t, "payload": p} for t, p in (row.buttons or [])]
                if row.direction == "out" else [],
                "from": _speaker(row.direction, row.author),
                "created_at": row.created_at.isoformat()}

    async def messages(self, request: web.Request) -> web.Response:
        sender, refused = await self._sender_of(request)
        if refused is not None:
            return refused
        try:
            after = int(request.query.get("after", "0"))
            timeout = min(float(request.query.get("timeout", "25")), MAX_LONG_POLL_SECONDS)
        except ValueError:
            return _bad_request("'after' must be an integer and 'timeout' a number")
        if not 0 <= after < 2 ** 63 or not math.isfinite(timeout):
            return _bad_request("'after' must be a message id and 'timeout' a finite number")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with self.wakeups.watch(self._topic(sender)) as watch:
            messages = await self._pending(sender, after)
            # Woken by a publish, or every fallback interval to re-read what a lost NOTIFY hid.
            while not messages and (left := deadline - loop.time()) > 0:
                await watch.wait(left)
                messages = await self._pending(sender, after)
        last_id = messages[-1]["id"] if messages else after
        return web.json_response({"messages": messages, "last_id": last_id})

    @staticmethod
    def _topic(sender: str) -> str:
        return f"webchat:{sender}"

    async def _pending(self, sender: str, after: int) -> list[dict]:
        async with self.db.unit_of_work() as uow:
            contact = await uow.contacts.find(Channel.webchat.value, sender)
            if contact is None:
                return []
            rows = await uow.journal.outbound_after(contact.id, after, statuses=("pending", "sent"))
        return [self._row_view(sender, row, row.text or "") for row in rows]
