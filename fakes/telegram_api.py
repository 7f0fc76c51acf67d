"""A fake Telegram Bot API server on loopback, for tests and benchmarks.

Use it with the *real* aiogram client::

    async with FakeTelegramAPI() as api:
        bot = Bot("123456:TEST", session=AiohttpSession(
            api=TelegramAPIServer.from_base(api.base_url)))
        try:
            api.push_text(42, "/start")
            updates = await bot.get_updates(timeout=1)
        finally:
            await bot.session.close()

Any token is served (``/bot{token}/{method}``), unless ``valid_tokens`` is given.
Requests may be multipart/form-data (what aiogram sends), x-www-form-urlencoded, JSON or a
query string; nested fields (reply_markup, commands, scope, ...) may arrive as JSON strings and
are decoded.  Method names are case-insensitive, as in the real Bot API.

Behaviour that mirrors Telegram
-------------------------------
* ``getUpdates``: an update is confirmed (and dropped) as soon as ``getUpdates`` is called with an
  ``offset`` greater than its ``update_id``; a negative offset keeps only the last ``-offset``
  updates; ``limit`` (1..100, default 100); long poll up to ``timeout`` seconds, returning as soon
  as an update is pushed.  While a webhook is set, ``getUpdates`` answers 409 (like Telegram).
  A second ``getUpdates`` arriving while another one is still waiting terminates the first with
  409 "terminated by other getUpdates request" (``terminate_concurrent_polls=False`` disables it).
  ``allowed_updates`` is honoured as Telegram does: updates of other types are dropped (counted in
  ``filtered_updates``); by default chat_member / message_reaction updates are not delivered.
* ``sendMessage``: 400 on empty text / text over 4096 characters / obviously broken HTML when
  ``parse_mode="HTML"``; the returned Message has a per-chat increasing ``message_id``, ``chat``,
  ``date``, ``text``, ``from`` (the bot) and ``reply_markup`` (only inline keyboards are echoed,
  as Telegram does).  sendPhoto / sendDocument / sendVoice / sendSticker / sendLocation /
  sendContact are accepted too and recorded in ``sent`` with ``method`` set.
* ``editMessageText`` / ``editMessageReplyMarkup``: 400 "message to edit not found" for unknown
  messages, 400 "message is not modified" when nothing changes.
* Rate limits (all ``send*`` methods): ``rate_limit_per_second`` is a global sliding one-second
  window, ``per_chat_limit`` the same per chat (e.g. 1.0).  Beyond it: HTTP 429
  ``{"ok":false,"error_code":429,"description":"Too Many Requests: retry after N",
  "parameters":{"retry_after":N}}`` with ``N = retry_after`` (default 1); counted in
  ``too_many_requests``.  Rejected requests do not consume the window.
* ``blocked_chats``: any method addressed to such a ``chat_id`` gets 403
  "Forbidden: bot was blocked by the user".
* ``fail_next(n, status=502)``: the next ``n`` Bot API requests (optionally only ``methods``)
  fail with a JSON 5xx (aiogram raises ``TelegramServerError``); ``body="html"`` returns an
  nginx-like HTML page instead, as the real front end does (aiogram then raises
  ``ClientDecodeError``).
* ``latency``: seconds added to every request except ``getUpdates``.
* ``late_sends``: seconds the next send requests arrive late, one per request (a request that
  left late on a loaded machine: it counts against the limits when it arrives).

Recording
---------
``calls``: list of :class:`Call` (method, params, time).  ``sent``: list of :class:`Sent`
(chat_id, text, reply_markup, time, message_id, method, parse_mode, ...).  Times are
``time.monotonic()`` (CLOCK_MONOTONIC, comparable between processes on one machine).
``commands[language_code]`` holds the commands of the default scope ("" = no language);
``commands_by_scope[(scope_json, language_code)]`` all of them.

Pushing updates
---------------
``push_text / push_callback / push_sticker / push_photo / push_voice / push_document /
push_location / push_contact / push_update`` queue an update (auto-incremented update_id) and
return its dict; the ``make_*`` variants only build the dict (for webhook tests that POST it).
Push from the event-loop thread; from another thread use ``push_update_threadsafe``.

Standalone process (benchmarks)
-------------------------------
``python -m fakes.telegram_api --port 0 --rate-limit 30`` prints its base URL as the first
stdout line.  Control API on the same server:

* ``GET  /_fake/sent?since=N``      -> ``{"count": total, "sent": [...]}`` (items from index N)
* ``GET  /_fake/calls?since=N&method=sendMessage``
* ``POST /_fake/push``  body: an update (update_id optional), the shorthand
  ``{"user_id": 1, "text": "hi", "language_code": "ru"}`` or ``{"user_id": 1, "callback_data": "x"}``,
  a list of those, or ``{"updates": [...]}`` -> ``{"ok": true, "update_ids": [...]}``
* ``GET  /_fake/stats``  -> counters, pending updates, confirmed_offset, ...
* ``GET  /_fake/wait_sent?count=N&timeout=5`` -> waits until ``count`` messages were sent
* ``POST /_fake/config`` ``{"rate_limit_per_second": 30, "per_chat_limit": 1, "retry_after": 1,
  "blocked_chats": [..], "latency": 0}``
* ``POST /_fake/fail_next`` ``{"n": 3, "status": 502, "methods": ["sendMessage"]}``
* ``POST /_fake/reset`` clears calls, sent and the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import html.parser
import itertools
import json
import secrets
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from aiohttp import web

__all__ = ["FakeTelegramAPI", "Call", "Sent", "main"]

# Fields that arrive JSON-serialised inside form data.
_JSON_FIELDS = frozenset(
    {
        "reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
        "link_preview_options", "reply_parameters", "media", "results", "permissions",
        "menu_button", "rights", "reaction", "message_ids",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id", "offset", "limit", "timeout", "message_id", "user_id", "message_thread_id",
        "cache_time", "from_chat_id", "reply_to_message_id", "max_connections", "duration",
        "width", "height", "live_period", "heading", "proximity_alert_radius",
    }
)
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
_BOOL_FIELDS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
        "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
        "disable_content_type_detection", "is_personal", "allow_paid_broadcast",
    }
)
_SEND_METHODS = {
    "sendmessage": "sendMessage",
    "sendphoto": "sendPhoto",
    "senddocument": "sendDocument",
    "sendvoice": "sendVoice",
    "sendsticker": "sendSticker",
    "sendlocation": "sendLocation",
    "sendcontact": "sendContact",
}
_TG_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
        "code", "pre", "blockquote", "tg-emoji",
    }
)
_UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "callback_query",
    "inline_query", "chosen_inline_result", "my_chat_member", "chat_member", "chat_join_request",
)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    time: float
    token: str = ""
    status: int = 200


@dataclass
class Sent:
    chat_id: int | str
    text: str | None
    reply_markup: dict[str, Any] | None
    time: float
    message_id: int = 0
    method: str = "sendMessage"
    parse_mode: str | None = None
    message_thread_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


class _Signal:
    """Wake every waiter on ``fire()``; waiters re-check their own predicate (no lost wake-ups
    because everything runs on one event loop thread)."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def fire(self) -> None:
        ev, self._event = self._event, None
        if ev is not None:
            ev.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not predicate():
            if self._event is None:
                self._event = asyncio.Event()
            ev = self._event
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            try:
                await asyncio.wait_for(ev.wait(), remaining)
            except (asyncio.TimeoutError, TimeoutError):
                return predicate()
        return True


class _Window:
    """Sliding window limiter: at most ``count`` events per ``span`` seconds."""

    __slots__ = ("count", "span", "stamps")

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if rate >= 1:
            self.count, self.span = int(rate), 1.0
        else:
            self.count, self.span = 1, 1.0 / rate
        self.stamps: collections.deque[float] = collections.deque()

    def allow(self, now: float) -> bool:
        stamps = self.stamps
        while stamps and stamps[0] <= now - self.span:
            stamps.popleft()
        if len(stamps) >= self.count:
            return False
        stamps.append(now)
        return True


class _HTMLCheck(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if self.error is None and tag not in _TG_HTML_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        else:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.error is not None:
            return
        if not self.stack or self.stack[-1] != tag:
            self.error = f'Can\'t find end tag corresponding to start tag "{tag}"' if self.stack \
                else f'Unmatched end tag "{tag}"'
        else:
            self.stack.pop()


def _html_error(text: str) -> str | None:
    checker = _HTMLCheck()
    try:
        checker.feed(text)
        checker.close()
    except Exception as exc:  # noqa: BLE001
        return str(exc)
    if checker.error:
        return checker.error
    if checker.stack:
        return f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    return None


class _APIError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _APIError:
    return _APIError(400, f"Bad Request: {description}")


_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a content and reply markup of the current message")


def _edited(msg: dict[str, Any], new_markup: dict[str, Any] | None) -> dict[str, Any]:
    """`msg` with its new inline keyboard (or none) and stamped as edited now."""
    if new_markup is None:
        msg.pop("reply_markup", None)
    else:
        msg["reply_markup"] = new_markup
    msg["edit_date"] = int(time.time())
    return msg


class FakeTelegramAPI:
    """Fake Bot API server.  See the module docstring for the behaviour."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit_per_second: float | None = None,
        per_chat_limit: float | None = None,
        retry_after: int = 1,
        blocked_chats: Iterable[int] | None = None,
        latency: float = 0.0,
        first_update_id: int = 1000,
        valid_tokens: Iterable[str] | None = None,
        terminate_concurrent_polls: bool = True,
        bot_username: str = "zhas_test_bot",
        bot_first_name: str = "ZhasBot",
    ) -> None:
        self.host = host
        self.port = port
        self.rate_limit_per_second = rate_limit_per_second
        self.per_chat_limit = per_chat_limit
        self.retry_after = retry_after
        self.blocked_chats: set[int] = set(blocked_chats or ())
        self.latency = latency
        self.late_sends: collections.deque[float] = collections.deque()
        self.valid_tokens: set[str] | None = set(valid_tokens) if valid_tokens is not None else None
        self.terminate_concurrent_polls = terminate_concurrent_polls
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name

        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.method_counts: collections.Counter[str] = collections.Counter()
        self.too_many_requests = 0
        self.forbidden = 0
        self.injected_failures = 0
        self.confirmed_offset = 0
        self.updates: collections.deque[dict[str, Any]] = collections.deque()
        self.pushed_total = 0
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.commands_by_scope: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook_url: str = ""
        self.webhook_secret_token: str | None = None
        self.webhook_allowed_updates: list[str] | None = None
        self.allowed_updates: set[str] | None = None
        self.filtered_updates = 0
        # (chat_id, message_id) -> Message dict, for edits and callback queries
        self.messages: dict[tuple[int | str, int], dict[str, Any]] = {}

        self._next_update_id = first_update_id
        self._next_message_id: dict[int | str, int] = collections.defaultdict(lambda: 1)
        self._last_bot_message: dict[int | str, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._sent_by_chat: dict[int | str, list[Sent]] = collections.defaultdict(list)
        self._global_window: _Window | None = None
        self._global_window_rate: float | None = None
        self._chat_windows: dict[int | str, _Window] = {}
        self._chat_window_rate: float | None = None
        self._fail_queue: collections.deque[tuple[int, str, frozenset[str] | None]] = collections.deque()
        self._poll_generation = 0
        self._closing = False
        self._updates_signal = _Signal()
        self._state_signal = _Signal()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._callback_ids = itertools.count(1)

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> "FakeTelegramAPI":
        if self._runner is not None:
            return self
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/_fake/sent", self._ctl_sent)
        app.router.add_get("/_fake/calls", self._ctl_calls)
        app.router.add_post("/_fake/push", self._ctl_push)
        app.router.add_get("/_fake/stats", self._ctl_stats)
        app.router.add_get("/_fake/wait_sent", self._ctl_wait_sent)
        app.router.add_post("/_fake/config", self._ctl_config)
        app.router.add_post("/_fake/fail_next", self._ctl_fail_next)
        app.router.add_post("/_fake/reset", self._ctl_reset)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        self._updates_signal.fire()
        self._state_signal.fire()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> "FakeTelegramAPI":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # ------------------------------------------------------------------ fault injection
    def fail_next(
        self,
        n: int = 1,
        status: int = 502,
        *,
        methods: Iterable[str] | None = None,
        body: str = "json",
    ) -> None:
        """The next ``n`` Bot API requests (of ``methods`` if given) fail with ``status``."""
        only = frozenset(m.lower() for m in methods) if methods is not None else None
        for _ in range(n):
            self._fail_queue.append((status, body, only))

    def clear_failures(self) -> None:
        self._fail_queue.clear()

    # ------------------------------------------------------------------ waiting helpers
    async def wait_for_sent(self, count: int, timeout: float = 5.0) -> list[Sent]:
        """Wait until at least ``count`` messages were sent in total; returns ``sent``."""
        ok = await self._state_signal.wait_for(lambda: len(self.sent) >= count, timeout)
        if not ok:
            raise TimeoutError(f"expected {count} sent messages, got {len(self.sent)}: "
                               f"{[s.text for s in self.sent[-5:]]!r} (last 5)")
        return self.sent

    async def wait_sent_to(self, chat_id: int | str, n: int = 1, timeout: float = 5.0) -> list[Sent]:
        """Wait until ``n`` messages were sent to ``chat_id``; returns the messages to it."""
        lst = self._sent_by_chat[chat_id]
        ok = await self._state_signal.wait_for(lambda: len(lst) >= n, timeout)
        if not ok:
            raise TimeoutError(f"expected {n} messages to chat {chat_id}, got {len(lst)}: "
                               f"{[s.text for s in lst]!r}")
        return list(lst)

    async def wait_for_calls(self, method: str, n: int = 1, timeout: float = 5.0) -> list[Call]:
        ok = await self._state_signal.wait_for(lambda: self.method_counts[method] >= n, timeout)
        if not ok:
            raise TimeoutError(f"expected {n} calls of {method}, got {self.method_counts[method]}")
        return [c for c in self.calls if c.method == method]

    async def wait_for_offset(self, offset: int, timeout: float = 5.0) -> None:
        """Wait until some getUpdates asked for ``offset`` or higher (i.e. confirmed < offset)."""
        ok = await self._state_signal.wait_for(lambda: self.confirmed_offset >= offset, timeout)
        if not ok:
            raise TimeoutError(f"confirmed_offset is {self.confirmed_offset}, expected >= {offset}")

    async def wait_queue_empty(self, timeout: float = 5.0) -> None:
        """Wait until every pushed update has been confirmed by an offset."""
        ok = await self._state_signal.wait_for(lambda: not self.updates, timeout)
        if not ok:
            raise TimeoutError(f"{len(self.updates)} updates still unconfirmed")

    def sent_to(self, chat_id: int | str) -> list[Sent]:
        return list(self._sent_by_chat.get(chat_id, ()))

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def reset(self) -> None:
        self.calls.clear()
        self.sent.clear()
        self._sent_by_chat.clear()
        self.method_counts.clear()
        self.updates.clear()
        self.too_many_requests = self.forbidden = self.injected_failures = 0
        self._fail_queue.clear()
        self._state_signal.fire()

    def stats(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url if self._runner else None,
            "calls": len(self.calls),
            "method_counts": dict(self.method_counts),
            "sent": len(self.sent),
            "pending_updates": len(self.updates),
            "pushed_total": self.pushed_total,
            "filtered_updates": self.filtered_updates,
            "next_update_id": self._next_update_id,
            "confirmed_offset": self.confirmed_offset,
            "too_many_requests": self.too_many_requests,
            "forbidden": self.forbidden,
            "injected_failures": self.injected_failures,
            "webhook_url": self.webhook_url,
            "rate_limit_per_second": self.rate_limit_per_second,
            "per_chat_limit": self.per_chat_limit,
        }

    # ------------------------------------------------------------------ building updates
    def _user(self, user_id: int, first_name: str | None, language_code: str | None,
              username: str | None = None, last_name: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False,
                                "first_name": first_name or f"User{user_id}"}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat

    def _chat_for(self, chat_id: int | str) -> dict[str, Any]:
        if isinstance(chat_id, str):
            return {"id": -1001000000000, "type": "channel", "title": chat_id, "username": chat_id.lstrip("@")}
        if chat_id > 0:
            user = self._users.get(chat_id) or {"id": chat_id, "first_name": f"User{chat_id}"}
            return self._private_chat(user)
        if str(chat_id).startswith("-100"):
            return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
        return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}

    def _take_message_id(self, chat_id: int | str) -> int:
        mid = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _user_message(self, user_id: int, *, first_name: str | None, language_code: str | None,
                      username: str | None = None, **content: Any) -> dict[str, Any]:
        user = self._user(user_id, first_name, language_code, username)
        msg: dict[str, Any] = {
            "message_id": self._take_message_id(user_id),
            "from": user,
            "chat": self._private_chat(user),
            "date": int(time.time()),
        }
        msg.update({k: v for k, v in content.items() if v is not None})
        return msg

    def _file(self, prefix: str) -> dict[str, str]:
        return {"file_id": f"{prefix}{secrets.token_hex(16)}", "file_unique_id": secrets.token_hex(8)}

    def make_text(self, user_id: int, text: str, language_code: str | None = "ru",
                  first_name: str | None = None, username: str | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            cmd = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        return {"message": self._user_message(user_id, first_name=first_name,
                                              language_code=language_code, username=username, **content)}

    def make_callback(self, user_id: int, data: str, message_id: int | None = None,
                      language_code: str | None = "ru", first_name: str | None = None) -> dict[str, Any]:
        """A callback_query from a button on the bot's message ``message_id`` (default: the last
        message the bot sent to this user; a made-up one if it never sent any)."""
        user = self._user(user_id, first_name, language_code)
        if message_id is None:
            message_id = self._last_bot_message.get(user_id)
        message = self.messages.get((user_id, message_id)) if message_id is not None else None
        if message is None:
            message = {
                "message_id": message_id or self._take_message_id(user_id),
                "from": self._bot_user(None),
                "chat": self._private_chat(user),
                "date": int(time.time()),
                "text": "…",
            }
        return {"callback_query": {
            "id": str(next(self._callback_ids) + 4_000_000_000_000_000),
            "from": user,
            "message": message,
            "chat_instance": str(abs(hash(("ci", user_id))) % 10**18),
            "data": data,
        }}

    def make_sticker(self, user_id: int, emoji: str = "👍", **kw: Any) -> dict[str, Any]:
        sticker = {**self._file("CAACAgIAAxkBAAI"), "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "emoji": emoji, "file_size": 20480}
        return {"message": self._user_message(user_id, first_name=kw.get("first_name"),
                                              language_code=kw.get("language_code", "ru"), sticker=sticker)}

    def make_photo(self, user_id: int, caption: str | None = None, **kw: Any) -> dict[str, Any]:
        unique = secrets.token_hex(8)
        sizes = [
            {"file_id": f"AgACAgIAAxkBAAI{secrets.token_hex(16)}", "file_unique_id": f"{unique}{i}",
             "width": w, "height": h, "file_size": s}
            for i, (w, h, s) in enumerate(((90, 67, 1200), (320, 240, 15000), (1280, 960, 120000)))
        ]
        return {"message": self._user_message(user_id, first_name=kw.get("first_name"),
                                              language_code=kw.get("language_code", "ru"),
                                              photo=sizes, caption=caption)}

    def make_voice(self, user_id: int, duration: int = 3, **kw: Any) -> dict[str, Any]:
        voice = {**self._file("AwACAgIAAxkBAAI"), "duration": duration, "mime_type": "audio/ogg",
                 "file_size": 8000 * duration}
        return {"message": self._user_message(user_id, first_name=kw.get("first_name"),
                                              language_code=kw.get("language_code", "ru"), voice=voice)}

    def make_document(self, user_id: int, file_name: str = "document.pdf",
                      mime_type: str = "application/pdf", caption: str | None = None, **kw: Any) -> dict[str, Any]:
        doc = {**self._file("BQACAgIAAxkBAAI"), "file_name": file_name, "mime_type": mime_type,
               "file_size": 54321}
        return {"message": self._user_message(user_id, first_name=kw.get("first_name"),
                                              language_code=kw.get("language_code", "ru"),
                                              document=doc, caption=caption)}

    def make_location(self, user_id: int, lat: float, lon: float, **kw: Any) -> dict[str, Any]:
        return {"message": self._user_message(user_id, first_name=kw.get("first_name"),
                                              language_code=kw.get("language_code", "ru"),
                                              location={"latitude": lat, "longitude": lon})}

    def make_contact(self, user_id: int, phone_number: str, first_name: str | None = None,
                     **kw: Any) -> dict[str, Any]:
        """The user shares their *own* contact (request_contact button): ``user_id`` is set."""
        user = self._user(user_id, first_name, kw.get("language_code", "ru"))
        contact = {"phone_number": phone_number, "first_name": user["first_name"], "user_id": user_id}
        return {"message": self._user_message(user_id, first_name=first_name,
                                              language_code=kw.get("language_code", "ru"), contact=contact)}

    # push_* = make_* + push_update
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update.  A missing ``update_id`` is assigned; a given one must be increasing."""
        uid = update.get("update_id")
        if uid is None:
            uid = self._next_update_id
            update = {"update_id": uid, **update}
        elif uid < self._next_update_id:
            raise ValueError(f"update_id {uid} is not greater than the previous ones")
        self._next_update_id = uid + 1
        self.pushed_total += 1
        if not self._is_allowed(update):
            self.filtered_updates += 1
            return update
        self.updates.append(update)
        self._updates_signal.fire()
        self._state_signal.fire()
        return update

    def push_update_threadsafe(self, update: dict[str, Any]) -> None:
        if self._loop is None:
            raise RuntimeError("not started")
        self._loop.call_soon_threadsafe(self.push_update, update)

    def push_text(self, user_id: int, text: str, language_code: str | None = "ru",
                  first_name: str | None = None, username: str | None = None) -> dict[str, Any]:
        return self.push_update(self.make_text(user_id, text, language_code, first_name, username))

    def push_callback(self, user_id: int, data: str, message_id: int | None = None,
                      language_code: str | None = "ru", first_name: str | None = None) -> dict[str, Any]:
        return self.push_update(self.make_callback(user_id, data, message_id, language_code, first_name))

    def push_sticker(self, user_id: int, **kw: Any) -> dict[str, Any]:
        return self.push_update(self.make_sticker(user_id, **kw))

    def push_photo(self, user_id: int, caption: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.push_update(self.make_photo(user_id, caption, **kw))

    def push_voice(self, user_id: int, duration: int = 3, **kw: Any) -> dict[str, Any]:
        return self.push_update(self.make_voice(user_id, duration, **kw))

    def push_document(self, user_id: int, file_name: str = "document.pdf",
                      mime_type: str = "application/pdf", caption: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.push_update(self.make_document(user_id, file_name, mime_type, caption, **kw))

    def push_location(self, user_id: int, lat: float, lon: float, **kw: Any) -> dict[str, Any]:
        return self.push_update(self.make_location(user_id, lat, lon, **kw))

    def push_contact(self, user_id: int, phone_number: str, first_name: str | None = None,
                     **kw: Any) -> dict[str, Any]:
        return self.push_update(self.make_contact(user_id, phone_number, first_name, **kw))

    # ------------------------------------------------------------------ HTTP plumbing
    @staticmethod
    def _normalise(key: str, value: Any) -> Any:
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                try:
                    return json.loads(value)
                except ValueError:
                    return value
            if key in _INT_FIELDS:
                try:
                    return int(value)
                except ValueError:
                    return value  # e.g. chat_id="@channel"
            if key in _FLOAT_FIELDS:
                try:
                    return float(value)
                except ValueError:
                    return value
            if key in _BOOL_FIELDS:
                return value.lower() == "true"
        return value

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                form = await request.post()
                for key in form.keys():
                    value = form[key]
                    params[key] = value if isinstance(value, str) else "<file>"
        return {k: self._normalise(k, v) for k, v in params.items()}

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    def _bot_user(self, token: str | None) -> dict[str, Any]:
        bot_id = 1
        if token:
            head = token.split(":", 1)[0]
            if head.isdigit():
                bot_id = int(head)
        return {"id": bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    def _check_rate(self, chat_id: Any) -> None:
        now = time.monotonic()
        rate = self.rate_limit_per_second
        if rate:
            if self._global_window is None or self._global_window_rate != rate:
                self._global_window, self._global_window_rate = _Window(rate), rate
        else:
            self._global_window = None
        per_chat = self.per_chat_limit
        if per_chat != self._chat_window_rate:
            self._chat_windows.clear()
            self._chat_window_rate = per_chat
        chat_window = None
        if per_chat:
            chat_window = self._chat_windows.get(chat_id)
            if chat_window is None:
                chat_window = self._chat_windows[chat_id] = _Window(per_chat)
            # check the per-chat window first without consuming the global one
            stamps = chat_window.stamps
            while stamps and stamps[0] <= now - chat_window.span:
                stamps.popleft()
            if len(stamps) >= chat_window.count:
                self._raise_429()
        if self._global_window is not None and not self._global_window.allow(now):
            self._raise_429()
        if chat_window is not None:
            chat_window.stamps.append(now)

    def _raise_429(self) -> None:
        self.too_many_requests += 1
        n = int(self.retry_after)
        raise _APIError(429, f"Too Many Requests: retry after {n}", {"retry_after": n})

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method_raw = request.match_info["method"]
        method_l = method_raw.lower()
        try:
            params = await self._read_params(request)
        except Exception:  # noqa: BLE001
            return self._error(400, "Bad Request: can't parse request body")
        call = Call(method=method_raw, params=params, time=time.monotonic(), token=token)
        self.calls.append(call)
        self.method_counts[method_raw] += 1
        self._state_signal.fire()
        try:
            if self.valid_tokens is not None and token not in self.valid_tokens:
                raise _APIError(401, "Unauthorized")
            if self._fail_queue:
                status, body, only = self._fail_queue[0]
                if only is None or method_l in only:
                    self._fail_queue.popleft()
                    self.injected_failures += 1
                    call.status = status
                    if body == "html":
                        return web.Response(
                            status=status, content_type="text/html",
                            text=f"<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n"
                                 f"<center><h1>{status} Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
                                 "</body>\r\n</html>\r\n")
                    return self._error(status, {500: "Internal Server Error", 502: "Bad Gateway",
                                                503: "Service Unavailable", 504: "Gateway Timeout"}
                                       .get(status, "Internal Server Error"))
            if method_l != "getupdates" and self.latency:
                await asyncio.sleep(self.latency)
            if method_l in _SEND_METHODS and self.late_sends:
                await asyncio.sleep(self.late_sends.popleft())
            handler = self._METHODS.get(method_l)
            if handler is None and method_l in _SEND_METHODS:
                handler = FakeTelegramAPI._send_message
            if handler is None:
                raise _APIError(404, "Not Found: method not found")
            chat_id = params.get("chat_id")
            if chat_id is not None and chat_id in self.blocked_chats:
                self.forbidden += 1
                raise _APIError(403, "Forbidden: bot was blocked by the user")
            result = handler(self, token, method_l, params)
            if asyncio.iscoroutine(result):
                result = await result
            return self._ok(result)
        except _APIError as err:
            call.status = err.status
            return self._error(err.status, err.description, err.parameters)
        finally:
            self._state_signal.fire()

    # ------------------------------------------------------------------ Bot API methods
    def _get_me(self, token: str, method: str, p: dict[str, Any]) -> Any:
        return {**self._bot_user(token), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _true(self, token: str, method: str, p: dict[str, Any]) -> Any:
        return True

    async def _get_updates(self, token: str, method: str, p: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise _APIError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                 "use deleteWebhook to delete the webhook first")
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        limit = min(max(limit, 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        if "allowed_updates" in p and isinstance(p["allowed_updates"], list):
            self._set_allowed_updates(p["allowed_updates"])
        q = self.updates
        if offset > 0:
            if offset > self.confirmed_offset:
                self.confirmed_offset = offset
            while q and q[0]["update_id"] < offset:
                q.popleft()
        elif offset < 0:
            keep = -offset
            while len(q) > keep:
                q.popleft()
        self._poll_generation += 1
        generation = self._poll_generation
        if self.terminate_concurrent_polls:
            self._updates_signal.fire()  # a poll still waiting gets 409
        if not q and timeout > 0 and not self._closing:
            terminated = False

            def ready() -> bool:
                nonlocal terminated
                if self.terminate_concurrent_polls and self._poll_generation != generation:
                    terminated = True
                    return True
                return bool(q) or self._closing

            await self._updates_signal.wait_for(ready, timeout)
            if terminated:
                raise _APIError(409, "Conflict: terminated by other getUpdates request; "
                                     "make sure that only one bot instance is running")
        return list(itertools.islice(q, 0, limit))

    def _set_allowed_updates(self, allowed: list[str]) -> None:
        """Like Telegram, updates of other types are never delivered (dropped, counted in
        ``filtered_updates``).  An empty list means every type (but chat_member etc.)."""
        new = set(allowed) if allowed else None
        if new == self.allowed_updates:
            return
        self.allowed_updates = new
        if new is not None:
            kept = [u for u in self.updates if self._is_allowed(u)]
            self.filtered_updates += len(self.updates) - len(kept)
            self.updates.clear()
            self.updates.extend(kept)

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        allowed = self.allowed_updates
        if allowed is None:
            return not ("chat_member" in update or "message_reaction" in update
                        or "message_reaction_count" in update)
        return any(t in update for t in allowed)

    def _set_webhook(self, token: str, method: str, p: dict[str, Any]) -> Any:
        url = p.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        self.webhook_secret_token = p.get("secret_token")
        self.webhook_allowed_updates = p.get("allowed_updates")
        if p.get("drop_pending_updates"):
            self.updates.clear()
        self._updates_signal.fire()
        return True

    def _delete_webhook(self, token: str, method: str, p: dict[str, Any]) -> Any:
        self.webhook_url = ""
        self.webhook_secret_token = None
        if p.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def _get_webhook_info(self, token: str, method: str, p: dict[str, Any]) -> Any:
        info: dict[str, Any] = {"url": self.webhook_url, "has_custom_certificate": False,
                                "pending_update_count": len(self.updates)}
        if self.webhook_allowed_updates:
            info["allowed_updates"] = self.webhook_allowed_updates
        return info

    @staticmethod
    def _scope_key(p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.get("language_code") or ""

    def _set_my_commands(self, token: str, method: str, p: dict[str, Any]) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("parameter \"commands\" is required")
        for cmd in commands:
            name = cmd.get("command", "") if isinstance(cmd, dict) else ""
            if not (1 <= len(name) <= 32) or not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise _bad("BOT_COMMAND_INVALID")
            if not (1 <= len(cmd.get("description", "")) <= 256):
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(p)
        self.commands_by_scope[key] = commands
        if key[0] == json.dumps({"type": "default"}):
            self.commands[key[1]] = commands
        return True

    def _get_my_commands(self, token: str, method: str, p: dict[str, Any]) -> Any:
        return self.commands_by_scope.get(self._scope_key(p), [])

    def _delete_my_commands(self, token: str, method: str, p: dict[str, Any]) -> Any:
        key = self._scope_key(p)
        self.commands_by_scope.pop(key, None)
        if key[0] == json.dumps({"type": "default"}):
            self.commands.pop(key[1], None)
        return True

    def _send_message(self, token: str, method: str, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        api_method = _SEND_METHODS[method]
        text = p.get("text") if method == "sendmessage" else p.get("caption")
        parse_mode = p.get("parse_mode")
        if method == "sendmessage":
            if not text or not str(text).strip():
                raise _bad("message text is empty")
            if len(text) > 4096:
                raise _bad("message is too long")
        elif text and len(text) > 1024:
            raise _bad("message caption is too long")
        if text and parse_mode and str(parse_mode).upper() == "HTML":
            err = _html_error(text)
            if err:
                raise _bad(f"can't parse entities: {err}")
        self._check_rate(chat_id)
        markup = p.get("reply_markup")
        if markup is not None and not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        mid = self._take_message_id(chat_id)
        now = time.monotonic()
        msg: dict[str, Any] = {
            "message_id": mid,
            "from": self._bot_user(token),
            "chat": self._chat_for(chat_id),
            "date": int(time.time()),
        }
        if p.get("message_thread_id"):
            msg["message_thread_id"] = p["message_thread_id"]
            msg["is_topic_message"] = True
        if method == "sendmessage":
            msg["text"] = text
        elif method == "sendphoto":
            msg["photo"] = [{**self._file("AgACAgIAAxkBAAI"), "width": 320, "height": 240}]
        elif method == "senddocument":
            msg["document"] = {**self._file("BQACAgIAAxkBAAI"), "file_name": "file"}
        elif method == "sendvoice":
            msg["voice"] = {**self._file("AwACAgIAAxkBAAI"), "duration": 1}
        elif method == "sendsticker":
            msg["sticker"] = {**self._file("CAACAgIAAxkBAAI"), "type": "regular", "width": 512,
                              "height": 512, "is_animated": False, "is_video": False}
        elif method == "sendlocation":
            msg["location"] = {"latitude": p.get("latitude"), "longitude": p.get("longitude")}
        elif method == "sendcontact":
            msg["contact"] = {"phone_number": p.get("phone_number"), "first_name": p.get("first_name")}
        if text and method != "sendmessage":
            msg["caption"] = text
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            msg["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        self.messages[(chat_id, mid)] = msg
        self._last_bot_message[chat_id] = mid
        sent = Sent(chat_id=chat_id, text=text, reply_markup=markup, time=now, message_id=mid,
                    method=api_method, parse_mode=parse_mode,
                    message_thread_id=p.get("message_thread_id"), params=p)
        self.sent.append(sent)
        self._sent_by_chat[chat_id].append(sent)
        return msg

    def _find_message(self, p: dict[str, Any]) -> dict[str, Any] | None:
        if p.get("inline_message_id"):
            return None
        msg = self.messages.get((p.get("chat_id"), p.get("message_id")))
        if msg is None:
            raise _bad("message to edit not found")
        return msg

    def _edit_message_text(self, token: str, method: str, p: dict[str, Any]) -> Any:
        text = p.get("text")
        if not text:
            raise _bad("message text is empty")
        if len(text) > 4096:
            raise _bad("MESSAGE_TOO_LONG")
        msg = self._find_message(p)
        if msg is None:
            return True
        markup = p.get("reply_markup")
        new_markup = {"inline_keyboard": markup["inline_keyboard"]} if isinstance(markup, dict) and \
            "inline_keyboard" in markup else None
        if msg.get("text") == text and msg.get("reply_markup") == new_markup:
            raise _bad(_NOT_MODIFIED)
        msg["text"] = text
        return _edited(msg, new_markup)

    def _edit_message_reply_markup(self, token: str, method: str, p: dict[str, Any]) -> Any:
        msg = self._find_message(p)
        if msg is None:
            return True
        markup = p.get("reply_markup")
        new_markup = {"inline_keyboard": markup["inline_keyboard"]} if isinstance(markup, dict) and \
            markup.get("inline_keyboard") else None
        if msg.get("reply_markup") == new_markup:
            raise _bad(_NOT_MODIFIED)
        return _edited(msg, new_markup)

    def _delete_message(self, token: str, method: str, p: dict[str, Any]) -> Any:
        if self.messages.pop((p.get("chat_id"), p.get("message_id")), None) is None:
            raise _bad("message to delete not found")
        return True

    def _answer_callback_query(self, token: str, method: str, p: dict[str, Any]) -> Any:
        if not p.get("callback_query_id"):
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        if p.get("text") and len(p["text"]) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        return True

    def _send_chat_action(self, token: str, method: str, p: dict[str, Any]) -> Any:
        if not p.get("action"):
            raise _bad("wrong parameter action in request")
        return True

    _METHODS: dict[str, Callable[..., Any]] = {
        "getme": _get_me,
        "getupdates": _get_updates,
        "setwebhook": _set_webhook,
        "deletewebhook": _delete_webhook,
        "getwebhookinfo": _get_webhook_info,
        "setmycommands": _set_my_commands,
        "getmycommands": _get_my_commands,
        "deletemycommands": _delete_my_commands,
        "sendmessage": _send_message,
        "editmessagetext": _edit_message_text,
        "editmessagereplymarkup": _edit_message_reply_markup,
        "deletemessage": _delete_message,
        "answercallbackquery": _answer_callback_query,
        "sendchataction": _send_chat_action,
        "close": _true,
        "logout": _true,
    }

    # ------------------------------------------------------------------ control API
    @staticmethod
    def _since(request: web.Request) -> int:
        try:
            return max(int(request.query.get("since", "0")), 0)
        except ValueError:
            return 0

    async def _ctl_sent(self, request: web.Request) -> web.Response:
        since = self._since(request)
        items = [{k: v for k, v in asdict(s).items() if k != "params"} for s in self.sent[since:]]
        return web.json_response({"count": len(self.sent), "sent": items})

    async def _ctl_calls(self, request: web.Request) -> web.Response:
        since = self._since(request)
        method = request.query.get("method")
        items = [asdict(c) for c in self.calls[since:] if method is None or c.method == method]
        return web.json_response({"count": len(self.calls), "calls": items})

    def _push_one(self, item: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise ValueError("each update must be an object")
        if "user_id" in item and not any(t in item for t in _UPDATE_TYPES):
            uid = int(item["user_id"])
            lang = item.get("language_code", "ru")
            if "callback_data" in item:
                return self.push_callback(uid, item["callback_data"], item.get("message_id"), lang,
                                          item.get("first_name"))
            if "text" in item:
                return self.push_text(uid, item["text"], lang, item.get("first_name"), item.get("username"))
            if "phone_number" in item:
                return self.push_contact(uid, item["phone_number"], item.get("first_name"))
            raise ValueError("shorthand needs text, callback_data or phone_number")
        return self.push_update(item)

    async def _ctl_push(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            items = body.get("updates") if isinstance(body, dict) and "updates" in body else body
            if not isinstance(items, list):
                items = [items]
            ids = [self._push_one(item)["update_id"] for item in items]
        except (ValueError, TypeError, KeyError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True, "update_ids": ids})

    async def _ctl_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _ctl_wait_sent(self, request: web.Request) -> web.Response:
        count = int(request.query.get("count", "1"))
        timeout = float(request.query.get("timeout", "5"))
        ok = await self._state_signal.wait_for(lambda: len(self.sent) >= count or self._closing, timeout)
        return web.json_response({"ok": ok and len(self.sent) >= count, "count": len(self.sent)},
                                 status=200 if ok else 408)

    async def _ctl_config(self, request: web.Request) -> web.Response:
        body = await request.json()
        for key in ("rate_limit_per_second", "per_chat_limit", "retry_after", "latency",
                    "terminate_concurrent_polls"):
            if key in body:
                setattr(self, key, body[key])
        if "blocked_chats" in body:
            self.blocked_chats = set(body["blocked_chats"])
        return web.json_response({"ok": True, "stats": self.stats()})

    async def _ctl_fail_next(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.fail_next(int(body.get("n", 1)), int(body.get("status", 502)),
                       methods=body.get("methods"), body=body.get("body", "json"))
        return web.json_response({"ok": True})

    async def _ctl_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})


# ---------------------------------------------------------------------- standalone process
async def _serve(args: argparse.Namespace) -> None:
    api = FakeTelegramAPI(host=args.host, port=args.port, rate_limit_per_second=args.rate_limit,
                          per_chat_limit=args.per_chat_limit, retry_after=args.retry_after,
                          latency=args.latency)
    await api.start()
    sys.stdout.write(api.base_url + "\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await stop.wait()
    finally:
        await api.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server on loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = a random free port")
    parser.add_argument("--rate-limit", type=float, default=None, help="global sends per second")
    parser.add_argument("--per-chat-limit", type=float, default=None, help="sends per second per chat")
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    if args.rate_limit is not None and args.rate_limit <= 0:
        args.rate_limit = None
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
