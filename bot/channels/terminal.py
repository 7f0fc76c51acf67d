"""`zhasbot chat`: the same bot in a terminal, buttons as numbered options."""
from __future__ import annotations

import asyncio
import sys

from bot.channels.base import numbered_options
from bot.delivery.journal import record_results
from bot.engine import ConversationEngine
from core.messages import Channel, ContentType, Inbound, SendResult


async def chat(engine: ConversationEngine, *, user_id: str = "terminal", stdin=None, stdout=None) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    translator = engine.services.translator

    async def say(text: str) -> None:
        replies = await engine.handle(Inbound(
            channel=Channel.terminal, user_id=user_id, text=text,
            content_type=ContentType.command if text.startswith("/") else ContentType.text,
        ))
        for reply in replies:
            hint = translator.t(reply.lang, "buttons.numbered_hint")
            stdout.write("bot> " + numbered_options(reply.outbound, hint).replace("\n", "\n     ") + "\n")
        stdout.flush()
        await record_results(engine.db, [SendResult(r.message_id, None, "delivered") for r in replies])

    await say("/start")
    loop = asyncio.get_running_loop()
    while True:
        stdout.write("you> ")
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            stdout.write("\n")
            return
        if line.strip():
            await say(line.rstrip("\n"))
