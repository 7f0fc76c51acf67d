"""Web chat identities: sender ids the server issued and signed, and what one may do per minute.

A web chat sender id is a capability: whoever holds it reads that person's operator replies.
So the server makes it (`issue`), random and signed with the deployment's key, and refuses
any sender it did not sign (`verify`); guessing one means guessing 128 random bits.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

_CONTEXT = b"zhasbot webchat sender v1\0"
_MAC_CHARS = 22  # 132 bits of the HMAC, base64url


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SenderIds:
    def __init__(self, key: bytes):
        if not key:
            raise ValueError("the web chat needs a signing key (SECRET_KEY)")
        self._key = key

    def _mac(self, token: str) -> str:
        return _b64(hmac.new(self._key, _CONTEXT + token.encode(), hashlib.sha256).digest())[:_MAC_CHARS]

    def issue(self) -> str:
        token = secrets.token_urlsafe(16)
        return f"{token}.{self._mac(token)}"

    def verify(self, sender: object) -> bool:
        if not isinstance(sender, str) or len(sender) > 64:
            return False
        token, dot, mac = sender.partition(".")
        return bool(dot and token) and hmac.compare_digest(mac.encode(), self._mac(token).encode())


@dataclass(frozen=True)
class Rate:
    """At most `amount` per `seconds`."""

    amount: int
    seconds: int


_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"\s*(\d{1,9})\s*(?:/|\s+per\s+)\s*(\d{1,9})?\s*(second|minute|hour|day)s?\s*", re.IGNORECASE)


def parse_rate(text: str) -> Rate:
    """"20/minute", "30 per hour", "10/5 minutes": the notation of the `limits` library (which
    the shared Telegram limits use); the web chat needs only this parse of it, and importing
    that library cost every process ~2 MB."""
    found = _RATE.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a rate like 20/minute")
    amount, multiple, unit = found.groups()
    seconds = int(multiple or 1) * _UNITS[unit.lower()]
    if int(amount) < 1 or seconds < 1:
        raise ValueError(f"{text!r} allows nothing")
    return Rate(int(amount), seconds)


class MovingWindow:
    """At most `rate.amount` hits per key in any `rate.seconds`, in this process.

    The `limits` library's moving window (a refused hit is not recorded), kept in a deque
    per key. Its asyncio in-memory storage re-scans every key after each hit, with a thread
    hop per key: with 200 web-chat users that sweep was about a tenth of the worker's CPU.
    Here a hit touches its own key only, and keys that went quiet are dropped once per
    `sweep_seconds`.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, sweep_seconds: float = 60.0):
        self._clock = clock
        self._sweep_seconds = sweep_seconds
        self._next_sweep = clock() + sweep_seconds
        self._hits: dict[tuple, tuple[float, deque[float]]] = {}

    def _recent(self, item: Rate, identifiers: tuple[str, ...], now: float) -> deque[float]:
        key = (item.amount, item.seconds, *identifiers)
        window = float(item.seconds)
        entry = self._hits.get(key)
        if entry is None:
            entry = self._hits[key] = (window, deque())
        hits = entry[1]
        while hits and hits[0] <= now - window:
            hits.popleft()
        return hits

    def hit(self, item: Rate, *identifiers: str) -> bool:
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        hits = self._recent(item, identifiers, now)
        if len(hits) >= item.amount:
            return False
        hits.append(now)
        return True

    def retry_after(self, item: Rate, *identifiers: str) -> int:
        """Whole seconds until the oldest hit in the window leaves it (at least 1)."""
        now = self._clock()
        hits = self._recent(item, identifiers, now)
        if not hits:
            return 1
        return max(1, int(hits[0] + item.seconds - now) + 1)

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self._sweep_seconds
        for key, (window, hits) in list(self._hits.items()):
            if not hits or hits[-1] <= now - window:
                del self._hits[key]

    def __len__(self) -> int:
        return len(self._hits)


class WebChatLimits:
    """Moving-window limits (in memory) on what one sender or one IP does.

    Each process counts for itself: with N web workers one IP gets up to N times the figure.
    """

    def __init__(self, *, per_sender: str, per_ip: str, sessions_per_ip: str, polls_per_sender: str,
                 clock: Callable[[], float] = time.monotonic):
        self._limiter = MovingWindow(clock=clock)
        self.per_sender = parse_rate(per_sender)
        self.per_ip = parse_rate(per_ip)
        self.sessions_per_ip = parse_rate(sessions_per_ip)
        self.polls_per_sender = parse_rate(polls_per_sender)

    async def message(self, sender: str, ip: str) -> bool:
        """Whether a message may be handled; every attempt counts, allowed or not."""
        sender_ok = self._limiter.hit(self.per_sender, "message", sender)
        ip_ok = self._limiter.hit(self.per_ip, "message-ip", ip)
        return sender_ok and ip_ok

    async def session(self, ip: str) -> bool:
        return self._limiter.hit(self.sessions_per_ip, "session", ip)

    async def poll(self, sender: str) -> bool:
        return self._limiter.hit(self.polls_per_sender, "poll", sender)

    async def retry_after(self, item: Rate, *identifiers: str) -> int:
        return self._limiter.retry_after(item, *identifiers)
