"""What feature packages may know about sending: the port they call and its refusals.

The implementation (journal row, WhatsApp window, templates, channel adapters) lives in the
shell (`bot/delivery/`); features receive it as a `Messenger` and never import `bot`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from core.messages import Button

WHATSAPP_WINDOW = timedelta(hours=24)


def whatsapp_window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < WHATSAPP_WINDOW


class DeliveryRefused(Exception):
    """The message cannot be sent at all; `reason` says why (shown to operators/managers)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Messenger(Protocol):
    """Sends a proactive message to a stored contact (operator replies, notices)."""

    def template_for(self, key: str | None, lang: str) -> str | None: ...

    async def send(self, contact_id: int, text: str, *, author: str,
                   buttons: list[Button] | None = None, template_key: str | None = None,
                   template_variables: dict[str, str] | None = None,
                   consultation_id: int | None = None): ...
