"""Proactive messages to a stored contact: operator replies, hand-off notices.

The `core.delivery.Messenger` port that feature packages call. Keyed by the contact's stored
address, never by a handler's context: the message is journaled (with its buttons, which
become what a typed number presses) before it is sent, the WhatsApp window decides between
free text, a template and a refusal, and the deliverer sends it with the one retry policy.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from bot.delivery.deliverer import Deliverer
from bot.delivery.journal import record_outbound, record_results
from bot.delivery.window import MessageWindow
from core.delivery import DeliveryRefused
from core.messages import Address, Button, Channel, Outbound, Reply, SendResult
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    message_id: int
    result: SendResult


class Messenger:
    def __init__(self, db: Database, deliverer: Deliverer, window: MessageWindow, *,
                 default_language: str, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.deliverer = deliverer
        self.window = window
        self.default_language = default_language
        self.clock = clock

    def template_for(self, key: str | None, lang: str) -> str | None:
        return self.window.template_for(key, lang)

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
            if channel not in self.deliverer.channels:
                raise DeliveryRefused("channel_unavailable")
            lang = contact.language or self.default_language
            outbound = Outbound(text=text, buttons=list(buttons or []))
            decision = self.window.decide(contact.channel, contact.last_inbound_at, now, text=text, lang=lang,
                                          template_key=template_key, template_variables=template_variables)
            if decision.kind == "refused":
                raise DeliveryRefused(decision.reason or "refused")
            outbound.template = decision.template
            if consultation_id is None:
                current = await uow.consultations.current(contact.id)
                consultation_id = current.id if current else None
            (message_id,) = await record_outbound(uow, [(contact, consultation_id, outbound)],
                                                  author=author, now=now)
            reply = Reply(message_id, contact.id, Address(channel, contact.external_id), outbound, lang)
        # Committed before sending: a crash after this leaves a "pending" row, never a lost one.
        result = await self.deliverer.send(reply)
        await record_results(self.db, [result])
        return Delivery(reply.message_id, result)
