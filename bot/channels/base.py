"""What every channel adapter offers the rest of the bot."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.messages import Channel, Outbound
from core.messages import Reply, SendResult


class ChannelAdapter(Protocol):
    channel: Channel

    async def send(self, reply: Reply) -> SendResult:
        """Deliver one journaled reply; never raises for a delivery failure."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class SendOutcome:
    """One delivery attempt, exactly as the channel answered (for the outbox sender, which
    does its own pacing and retries): sent | rate_limited (retry_after) | forbidden (the user
    blocked the bot) | bad_request | window_closed (WhatsApp 63016) | server_error | network_error."""

    kind: str
    channel_message_id: str | None = None
    retry_after: float | None = None
    error: str | None = None


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
