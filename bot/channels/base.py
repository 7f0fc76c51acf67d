"""What every channel adapter offers the rest of the bot: it receives, and it sends once.

Receiving turns the channel's updates into `Inbound`s for the engine. Sending is one
attempt at one journaled message, `send_once(reply) -> SendOutcome`, rendered for the
channel (buttons as a keyboard, or as numbered text via `numbered_options`); journaling,
the WhatsApp window, retries and what an error means belong to bot/delivery (Rasa's small
OutputChannel surface; Chatwoot's one send job).
"""
from __future__ import annotations

from typing import Protocol

from aiohttp import web

from core.messages import Channel, Outbound, Reply, SendOutcome


class ChannelAdapter(Protocol):
    channel: Channel

    def routes(self) -> list[web.RouteDef]:
        """Where the channel's webhooks arrive (none for polling or the terminal)."""

    async def send_once(self, reply: Reply) -> SendOutcome:
        """One attempt at one journaled message; never raises for a delivery failure."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into chunks of at most `limit` characters, at paragraph or line
    breaks or spaces where possible, so long answers survive channel limits."""
    text = text or " "
    if len(text) <= limit:
        return [text]
    chunks = []
    while len(text) > limit:
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = text.rfind(separator, 0, limit)
            if cut > limit // 2:
                break
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    chunks.append(text)
    return [chunk for chunk in chunks if chunk] or [" "]


def numbered_options(outbound: Outbound, hint: str) -> str:
    """Buttons as numbered lines, for channels without buttons (WhatsApp, terminal)."""
    if not outbound.buttons:
        return outbound.text
    lines = [f"{number}. {button.title}" for number, button in enumerate(outbound.buttons, start=1)]
    return f"{outbound.text}\n\n" + "\n".join(lines) + f"\n\n{hint}"
