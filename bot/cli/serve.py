"""`zhasbot run` (the bot with its web server and channels) and `zhasbot chat` (the terminal)."""
from __future__ import annotations

import argparse
import asyncio


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run_forever
    from bot.logs import setup_logging
    from bot.settings import load_settings

    settings = load_settings()
    setup_logging(settings.log_level, settings.log_format)
    asyncio.run(run_forever(settings))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import ZhasBot
    from bot.channels.terminal import chat
    from bot.settings import load_settings

    async def main() -> None:
        app = ZhasBot.build(load_settings())
        await app.db.upgrade()
        try:
            await chat(app.engine, user_id=args.user)
        finally:
            await app.db.dispose()

    asyncio.run(main())
    return 0


def register(commands) -> None:
    run = commands.add_parser("run", help="run the bot: web chat, webhooks, Telegram, WhatsApp")
    run.set_defaults(func=cmd_run)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", default="terminal", help="who you are to the bot (default: terminal)")
    chat.set_defaults(func=cmd_chat)
