"""Proactive messages to a stored contact: operator replies, notifications, polls.

Everything the bot says outside a reply to an inbound message goes through here, keyed by
the contact's stored address, never through a handler's context. The message is journaled
before it is sent, and WhatsApp's 24-hour rule is enforced: outside the window only a
configured Content template may go out.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from core.privacy import mask_personal
from core.delivery import DeliveryRefused, whatsapp_window_open
from core.messages import Address, Button, Channel, Outbound, Reply, SendResult, Template
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

@dataclass
class Delivery:
    message_id: int
    result: SendResult


class Messenger:
    def __init__(self, db: Database, channels: dict[Channel, object], *, default_language: str,
                 templates: dict[str, dict[str, str]] | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.channels = channels
        self.default_language = default_language
        self.templates = templates or {}
        self.clock = clock

    def template_for(self, key: str | None, lang: str) -> str | None:
        if not key:
            return None
        sids = self.templates.get(key, {})
        return sids.get(lang) or sids.get(self.default_language)

    async def send(self, contact_id: int, text: str, *, author: str,
                   buttons: list[Button] | None = None, template_key: str | None = None,
                   template_variables: dict[str, str] | None = None,
                   consultation_id: int | None = None) -> Delivery:
        """Journal `text` for the contact and send it on their channel.

        Raises DeliveryRefused (nothing journaled) when the channel is off or, on WhatsApp
        outside the 24-hour window, when no template is configured for `template_key`.
        """
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            contact = await uow.contacts.get(contact_id)
            if contact is None:
                raise DeliveryRefused("unknown_contact")
            channel = Channel(contact.channel)
            adapter = self.channels.get(channel)
            if adapter is None:
                raise DeliveryRefused("channel_unavailable")
            lang = contact.language or self.default_language
            outbound = Outbound(text=text, buttons=list(buttons or []))
            if channel == Channel.whatsapp and not whatsapp_window_open(contact.last_inbound_at, now):
                sid = self.template_for(template_key, lang)
                if sid is None:
                    raise DeliveryRefused("whatsapp_window_closed")
                outbound.template = Template(sid, dict(template_variables or {"1": text}))
            if consultation_id is None:
                current = await uow.consultations.current(contact.id)
                consultation_id = current.id if current else None
            row = uow.journal.record(
                contact_id=contact.id, consultation_id=consultation_id, channel=channel.value,
                direction="out", content_type="template" if outbound.template else "text",
                text=mask_personal(text), buttons=[[b.title, b.payload] for b in outbound.buttons] or None,
                delivery_status="pending", author=author, created_at=now,
            )
            await uow.flush()
            reply = Reply(row.id, contact.id, Address(channel, contact.external_id), outbound, lang)
        # Committed before sending: a crash after this leaves a "pending" row, never a lost one.
        result = await adapter.send(reply)
        async with self.db.unit_of_work() as uow:
            await uow.journal.mark_sent(result.message_id, result.channel_message_id,
                                        result.status, result.error_code)
        return Delivery(reply.message_id, result)
