"""The aiohttp application: every channel's routes plus the web chat page."""
from __future__ import annotations

import logging
from pathlib import Path

from ipaddress import IPv4Network, IPv6Network

from aiohttp import web

from bot.web.security import forwarding_middleware, inline_csp, security_headers

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 1024 * 1024


async def chat_page(_request: web.Request) -> web.Response:
    html = (STATIC_DIR / "chat.html").read_text(encoding="utf-8")
    # Its inline script and style are allowed by hash; nothing injected could run.
    return web.Response(text=html, content_type="text/html",
                        headers={"Content-Security-Policy": inline_csp(html), "Cache-Control": "no-cache"})


@web.middleware
async def errors_as_json(request: web.Request, handler):
    """A bug in one request answers 500 without taking the server down or leaking details."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal error"}, status=500)


def build_web_app(route_groups: list[list[web.RouteDef]], *,
                  trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES,
                          middlewares=[forwarding_middleware(trusted_proxies), errors_as_json])
    app.on_response_prepare.append(security_headers)
    app.router.add_get("/", chat_page)
    for routes in route_groups:
        app.router.add_routes(routes)
    return app
