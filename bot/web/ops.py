"""Operations endpoints: /healthz (the process answers), /readyz (it can serve: database
reachable, schema current, a leader holds the outbox), /metrics (Prometheus)."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from storage import health
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.app import ZhasBot

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 5.0


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def ops_routes(bot: "ZhasBot") -> list[web.RouteDef]:
    async def readyz(_request: web.Request) -> web.Response:
        checks: dict[str, object] = {}
        ready = True
        try:
            await asyncio.wait_for(health.database_reachable(bot.db), CHECK_TIMEOUT)
            checks["database"] = "ok"
            current, revision, head = await asyncio.wait_for(health.schema_current(bot.db), CHECK_TIMEOUT)
            checks["migrations"] = "ok" if current else f"at {revision}, head is {head}"
            ready &= current
        except Exception as exc:  # unreachable or timed out: not ready, and say why
            log.warning("readiness: database check failed: %s", exc)
            checks["database"] = f"unreachable ({type(exc).__name__})"
            ready = False
        if bot.notifications is not None:
            try:
                known = await asyncio.wait_for(bot.notifications.leader_known(), CHECK_TIMEOUT)
            except Exception as exc:
                log.warning("readiness: leader check failed: %s", exc)
                known = False
            checks["leader"] = ("self" if bot.notifications.leadership.is_leader else "other") if known else "none"
            ready &= known
        else:
            checks["leader"] = "not used (NOTIFICATIONS_ENABLED=false)"
        return web.json_response({"status": "ready" if ready else "not ready", "checks": checks},
                                 status=200 if ready else 503)

    async def metrics(request: web.Request) -> web.Response:
        token = bot.settings.metrics_token
        if token is not None and request.headers.get("Authorization") != f"Bearer {token.get_secret_value()}":
            return web.json_response({"error": "unauthorised"}, status=401)
        now = utcnow()
        try:
            figures = await asyncio.wait_for(health.figures(bot.db, now), CHECK_TIMEOUT)
        except Exception as exc:  # the process metrics still help when the database does not
            log.warning("metrics: database figures unavailable: %s", exc)
            figures = None
        leader = bool(bot.notifications and bot.notifications.leadership.is_leader)
        body = bot.metrics.render(figures, now, leader=leader)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)]
