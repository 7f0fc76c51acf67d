"""Web chat identities: sender ids the server issued and signed, and what one may do per minute.

A web chat sender id is a capability: whoever holds it reads that person's operator replies.
So the server makes it (`issue`), random and signed with the deployment's key, and refuses
any sender it did not sign (`verify`); guessing one means guessing 128 random bits.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

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


class WebChatLimits:
    """Moving-window limits (the `limits` library, in memory) on what one sender or one IP does.

    Each process counts for itself: with N web workers one IP gets up to N times the figure.
    """

    def __init__(self, *, per_sender: str, per_ip: str, sessions_per_ip: str, polls_per_sender: str):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_sender: RateLimitItem = parse(per_sender)
        self.per_ip: RateLimitItem = parse(per_ip)
        self.sessions_per_ip: RateLimitItem = parse(sessions_per_ip)
        self.polls_per_sender: RateLimitItem = parse(polls_per_sender)

    async def message(self, sender: str, ip: str) -> bool:
        """Whether a message may be handled; every attempt counts, allowed or not."""
        sender_ok = await self._limiter.hit(self.per_sender, "message", sender)
        ip_ok = await self._limiter.hit(self.per_ip, "message-ip", ip)
        return sender_ok and ip_ok

    async def session(self, ip: str) -> bool:
        return await self._limiter.hit(self.sessions_per_ip, "session", ip)

    async def poll(self, sender: str) -> bool:
        return await self._limiter.hit(self.polls_per_sender, "poll", sender)

    async def retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        stats = await self._limiter.get_window_stats(item, *identifiers)
        return max(1, int(stats.reset_time - time.time()) + 1)
