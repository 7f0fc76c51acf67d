"""HTTP hardening shared by every page: who the client is behind a proxy, and the headers
that keep pages from being framed, sniffed or made to run injected scripts.

- X-Forwarded-For / X-Forwarded-Proto are believed only when the peer is one of
  TRUSTED_PROXIES; then the client is the right-most address that is not a trusted proxy.
  Otherwise they are ignored (anyone can send them).
- Every response: X-Content-Type-Options, Referrer-Policy, and a `Server` header that names
  no versions. HTML responses: Content-Security-Policy and X-Frame-Options. The chat page's
  inline <script> and <style> are allowed by their sha256 hashes, computed from the file
  served, so nothing else inline runs.
"""
from __future__ import annotations

import base64
import hashlib
import re
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Iterable

from aiohttp import web

SERVER_NAME = "ZhasBot"
BASE_CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'")
_INLINE = re.compile(r"<(script|style)(?:\s[^>]*)?>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


def inline_csp(html: str) -> str:
    """A CSP allowing exactly the inline scripts and styles of `html` (by hash)."""
    scripts, styles = [], []
    for kind, body in _INLINE.findall(html):
        if kind.lower() == "script" and not body.strip():
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        (scripts if kind.lower() == "script" else styles).append(f"'sha256-{digest}'")
    script_src = " ".join(["'self'", *scripts])
    style_src = " ".join(["'self'", *styles])
    return f"{BASE_CSP}; script-src {script_src}; style-src {style_src}; connect-src 'self'"


def _in(address: str | None, networks: Iterable[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_of(peer: str | None, forwarded_for: str | None,
              networks: tuple[IPv4Network | IPv6Network, ...]) -> str | None:
    """The client's address: the peer, or — when the peer is a trusted proxy — the right-most
    X-Forwarded-For entry that is not itself a trusted proxy."""
    if not networks or not _in(peer, networks) or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _in(hop, networks):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: trust nothing from it
    return hops[0] if hops else peer


def forwarding_middleware(networks: tuple[IPv4Network | IPv6Network, ...]):
    @web.middleware
    async def trusted_forwarding(request: web.Request, handler):
        if networks and _in(request.remote, networks):
            changes = {"remote": client_of(request.remote, request.headers.get("X-Forwarded-For"), networks)}
            proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                changes["scheme"] = proto
            request = request.clone(**changes)
        return await handler(request)

    return trusted_forwarding


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: after aiohttp filled in its own `Server: Python/… aiohttp/…`."""
    headers = response.headers
    headers["Server"] = SERVER_NAME
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if (response.content_type or "").startswith("text/html"):
        headers.setdefault("Content-Security-Policy", BASE_CSP)
        headers.setdefault("X-Frame-Options", "DENY")
