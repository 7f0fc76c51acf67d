"""Telegram through aiogram 3: routers only translate updates into `Inbound`s; `send_once`
makes one attempt at one reply (bot/delivery decides what its answer means).

Updates are confirmed to Telegram only after they are in the journal. In polling mode
our own loop asks for the next offset only after the batch is committed (aiogram's
polling confirms an update as soon as it has read it). In webhook mode the HTTP answer
waits for the commit.
"""
from __future__ import annotations

import asyncio
import hmac
from functools import lru_cache
import logging
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.types import BotCommand, CallbackQuery, Message, MessageId, Update
from aiohttp import BytesPayload, web
from pydantic import ValidationError

from bot.channels.base import split_text
from bot.delivery.deliverer import Deliverer
from bot.engine import ConversationEngine
from bot.web.inputs import BadInput, read_json
from core.i18n import LANGUAGES, Translator
from core.messages import Channel, ContentType, Inbound, Reply, SendOutcome

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
POLL_TIMEOUT = 25
# Updates taken per getUpdates (Telegram allows 100). Each batch is handled in one transaction
# and its replies go out while the next one is read: half of Telegram's maximum keeps a flood's
# objects in memory (~3 MB less at the peak) at no measurable cost in the rate (bench/throughput.py).
POLL_LIMIT = 50
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = ("start", "menu", "check", "status", "operator", "language", "help", "forget")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# aiogram parses every answer as Response[<result type>]; pydantic keeps such parametrised
# classes only while something refers to them, so after each garbage collection the next
# send built the class again (~7% of the bot's time under load). Referring to them here
# keeps them built.
_RESPONSE_TYPES = (Response[Message], Response[MessageId], Response[list[Update]], Response[bool])


def _content_type(message: Message) -> ContentType:
    if message.text is not None:
        return ContentType.command if message.text.startswith("/") else ContentType.text
    for attribute, content_type in (
        ("contact", ContentType.contact), ("sticker", ContentType.sticker),
        ("photo", ContentType.photo), ("voice", ContentType.voice), ("audio", ContentType.audio),
        ("video", ContentType.video), ("video_note", ContentType.video),
        ("document", ContentType.document), ("location", ContentType.location),
    ):
        if getattr(message, attribute, None):
            return content_type
    return ContentType.other


def build_router() -> Router:
    """Handlers that turn updates into `Inbound`s appended to the `inbox` list."""
    router = Router(name="zhasbot-telegram")

    # An async filter: aiogram runs a synchronous one (a magic filter too) in a worker
    # thread, a thread hop for every update.
    async def private_chat(message: Message) -> bool:
        return message.chat.type == "private"

    @router.message(private_chat)
    async def on_message(message: Message, inbox: list[Inbound], update_id: int) -> None:
        user = message.from_user
        content_type = _content_type(message)
        shared_phone = None
        if content_type == ContentType.contact and message.contact:
            # Only a contact that is the sender's own counts as their phone.
            if user and message.contact.user_id == user.id:
                shared_phone = message.contact.phone_number
        inbox.append(Inbound(
            channel=Channel.telegram, user_id=str(message.chat.id),
            text=message.text or message.caption or "", content_type=content_type,
            shared_phone=shared_phone, language_hint=user.language_code if user else None,
            display_name=user.full_name if user else None, event_id=str(update_id),
            channel_message_id=str(message.message_id),
        ))

    @router.callback_query()
    async def on_button(query: CallbackQuery, inbox: list[Inbound], update_id: int,
                        button_acks: list[str]) -> None:
        button_acks.append(query.id)
        chat_id = query.message.chat.id if query.message else query.from_user.id
        inbox.append(Inbound(
            channel=Channel.telegram, user_id=str(chat_id), text="", payload=query.data or "",
            content_type=ContentType.button, language_hint=query.from_user.language_code,
            display_name=query.from_user.full_name, event_id=str(update_id),
        ))

    return router


def _keyboard(reply: Reply) -> dict | None:
    """The reply's keyboard as the Bot API's JSON object (read-only: cached ones are shared)."""
    outbound = reply.outbound
    if outbound.request_contact:
        title = outbound.buttons[0].title if outbound.buttons else "📱"
        return {"keyboard": [[{"text": title, "request_contact": True}]],
                "resize_keyboard": True, "one_time_keyboard": True}
    if not outbound.buttons:
        return None
    return _inline_keyboard(tuple((button.title, button.payload) for button in outbound.buttons))


@lru_cache(maxsize=2048)
def _inline_keyboard(buttons: tuple[tuple[str, str], ...]) -> dict:
    # The same few keyboards (menu, topic links, yes/no) go out all day: build each once.
    return {"inline_keyboard": [[{"text": title, "callback_data": payload}] for title, payload in buttons]}


class SendText(TelegramMethod[MessageId]):
    """sendMessage of a text with an optional keyboard, sent as one JSON body.

    Through `bot(SendText(...))` a reply still takes aiogram's road — the session's
    middlewares, timeout and connection pool, and its answer checking, which raises
    TelegramRetryAfter, TelegramForbiddenError, … as for `bot.send_message` — without what
    made a send cost about twice the bot's own work on a message: a twenty-field SendMessage
    model dumped again field by field, every field URL-encoded in Python (aiohttp's form
    encoder), and the answer validated into a whole Message when only its id is read.
    """

    __returning__ = MessageId
    __api_method__ = "sendMessage"

    chat_id: int | str
    text: str
    reply_markup: dict[str, Any] | None = None


class _BotSession(AiohttpSession):
    """aiogram's session; a SendText goes out as its JSON body (the Bot API accepts JSON)."""

    def build_form_data(self, bot: Any, method: TelegramMethod) -> Any:
        if isinstance(method, SendText):
            body = {"chat_id": method.chat_id, "text": method.text}
            if method.reply_markup is not None:
                body["reply_markup"] = method.reply_markup
            return BytesPayload(self.json_dumps(body).encode(), content_type="application/json")
        return super().build_form_data(bot, method)


class TelegramChannel:
    channel = Channel.telegram

    def __init__(self, *, token: str, api_server: str, engine: ConversationEngine, delivery: Deliverer,
                 translator: Translator, default_language: str, mode: str = "polling",
                 webhook_url: str | None = None, webhook_secret: str | None = None):
        self.engine = engine
        self.delivery = delivery
        self.translator = translator
        self.default_language = default_language
        self.mode = mode
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.api_server = api_server
        self.bot = Bot(token, session=_BotSession(api=TelegramAPIServer.from_base(api_server)))
        # Conversation state lives in our database, so aiogram's FSM stays off (one
        # middleware less on every update).
        self.dispatcher = Dispatcher(disable_fsm=True)
        self.dispatcher.include_router(build_router())
        self._poller: asyncio.Task | None = None
        self._stopping = asyncio.Event()
        self._poll_stop = asyncio.Event()
        # Several workers: getUpdates allows one consumer, so polling is a leader duty
        # (bot/delivery/service.py starts and stops it); one process polls from start.
        self.leader_polls = False

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        await self.register_commands()
        if self.mode == "webhook":
            await self.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                       allowed_updates=ALLOWED_UPDATES)
        else:
            # Polling and a webhook exclude each other on Telegram's side.
            await self.bot.delete_webhook(drop_pending_updates=False)
            if not self.leader_polls:
                await self.start_polling()

    async def start_polling(self) -> None:
        if self.mode != "polling" or (self._poller is not None and not self._poller.done()):
            return
        self._poll_stop.clear()
        self._poller = asyncio.create_task(self.poll_forever(), name="telegram-polling")
        log.info("telegram: polling getUpdates")

    async def stop_polling(self) -> None:
        """Stop between batches: a batch being stored finishes; one fetched but not stored is
        not confirmed, so Telegram gives it to the next poller (the new leader)."""
        self._poll_stop.set()
        if self._poller is not None:
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None

    async def stop(self) -> None:
        self._stopping.set()
        await self.stop_polling()
        await self.bot.session.close()

    async def register_commands(self) -> None:
        for lang in (*LANGUAGES, None):
            commands = [
                BotCommand(command=name, description=self.translator.t(lang or self.default_language, f"command.{name}"))
                for name in COMMANDS
            ]
            await self.bot.set_my_commands(commands, language_code=lang)

    # --- inbound ----------------------------------------------------------------------
    async def translate(self, updates: list[Update]) -> tuple[list[Inbound], list[str]]:
        inbox: list[Inbound] = []
        button_acks: list[str] = []
        for update in updates:
            try:
                await self.dispatcher.feed_update(self.bot, update, inbox=inbox, update_id=update.update_id,
                                                  button_acks=button_acks)
            except Exception:
                # A translation bug must not block the updates after it.
                log.exception("could not translate update %s", update.update_id)
        return inbox, button_acks

    async def _handle(self, updates: list[Update]) -> None:
        inbox, button_acks = await self.translate(updates)
        replies = await self.engine.handle_batch(inbox)
        # Committed: the replies go out in the background, after the button spinners stop.
        self.delivery.deliver_later(replies, first=self._acknowledger(button_acks) if button_acks else None)

    async def poll_forever(self) -> None:
        offset: int | None = None
        delay = 1.0
        request_timeout = int((self.bot.session.timeout or 60) + POLL_TIMEOUT)
        while not (self._stopping.is_set() or self._poll_stop.is_set()):
            try:
                fetch = asyncio.ensure_future(self.bot.get_updates(
                    offset=offset, limit=POLL_LIMIT, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES,
                    request_timeout=request_timeout))
                stop = asyncio.ensure_future(self._poll_stop.wait())
                await asyncio.wait((fetch, stop), return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                if not fetch.done():
                    fetch.cancel()
                    await asyncio.gather(fetch, return_exceptions=True)
                    return
                updates = fetch.result()
                if updates:
                    await self._handle(updates)
                    # Committed: only now may Telegram forget these updates.
                    offset = updates[-1].update_id + 1
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as exc:
                wait = exc.retry_after if isinstance(exc, TelegramRetryAfter) else delay
                log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, 30.0)
            except Exception:
                # E.g. the database is unavailable: the batch is not confirmed and comes again.
                log.exception("could not store a batch of updates; retrying in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def webhook(self, request: web.Request) -> web.Response:
        expected = self.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return web.json_response({"error": "bad secret token"}, status=401)
        try:
            data = await read_json(request)
            update = Update.model_validate(data, context={"bot": self.bot})
        except (BadInput, ValidationError, TypeError, ValueError, RecursionError) as exc:
            return web.json_response({"error": f"malformed update: {type(exc).__name__}"}, status=400)
        # The answer waits for the commit in _handle; sending needs no such wait.
        await self._handle([update])
        return web.json_response({"ok": True})

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/webhooks/telegram", self.webhook)]

    # --- outbound ---------------------------------------------------------------------
    def _acknowledger(self, button_acks: list[str]):
        async def acknowledge() -> None:
            for query_id in button_acks:
                try:
                    await self.bot.answer_callback_query(query_id)
                except Exception as exc:  # an expired query only leaves a spinner; keep going
                    log.info("answerCallbackQuery failed: %s", exc)
        return acknowledge

    async def send_once(self, reply: Reply) -> SendOutcome:
        """One attempt (every chunk of a long text), no sleeping or retrying: bot/delivery
        retries as its policy says."""
        markup = _keyboard(reply)
        chunks = split_text(reply.outbound.text, TEXT_LIMIT)
        message_id = None
        try:
            for index, chunk in enumerate(chunks):
                sent = await self.bot(SendText(chat_id=reply.address.user_id, text=chunk,
                                               reply_markup=markup if index == len(chunks) - 1 else None))
                message_id = message_id or sent.message_id
        except TelegramRetryAfter as exc:
            return SendOutcome("rate_limited", retry_after=float(exc.retry_after), error="429")
        except TelegramForbiddenError:
            return SendOutcome("forbidden", error="403")
        except TelegramBadRequest as exc:
            return SendOutcome("bad_request", error=f"400 {exc.message}"[:200])
        except TelegramServerError as exc:
            return SendOutcome("server_error", error=f"5xx {exc.message}"[:200])
        except (TelegramNetworkError, OSError, asyncio.TimeoutError) as exc:
            return SendOutcome("network_error", error=type(exc).__name__)
        return SendOutcome("sent", channel_message_id=str(message_id))
