"""The operator console: server-rendered pages under /console and the JSON API under /api."""
from __future__ import annotations

from aiohttp import web


def console_routes(bot) -> list[web.RouteDef]:
    """Routes of the console and the API for a built ZhasBot (bot/app.py `web_app`)."""
    from bot.console.api import Api
    from bot.console.routes import Console
    from reports.journal import export_journal

    secure = bot.settings.secure_cookies
    console = Console(handoff=bot.handoff, accounts=bot.accounts, translator=bot.services.translator,
                      secure_cookies=secure, export_journal=export_journal)
    return console.routes() + Api(bot.handoff, bot.accounts).routes()
