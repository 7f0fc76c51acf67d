"""How tickets, contacts and messages look on the console and in the JSON API.

The hand-off service returns records (handoff.service); this turns them into the dicts
the templates and the API show, with times in the call centre's zone. Nothing here
decides anything about a ticket.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.language import language_buttons
from handoff.service import TicketDetails, TicketRecord
from storage.models import Contact, Message
from storage.tickets import ticket_number


def contact_label(contact: Contact, anonymous: bool) -> dict[str, Any]:
    """Name and phone as operators may see them: nothing at all on anonymous tickets."""
    if anonymous:
        return {"name": None, "phone": None, "anonymous": True}
    phone = contact.phone or (contact.external_id if contact.channel in ("whatsapp", "phone") else None)
    if phone and phone.startswith("whatsapp:"):
        phone = phone.removeprefix("whatsapp:")
    return {"name": contact.display_name, "phone": phone, "anonymous": False}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class ConsoleViews:
    zone: ZoneInfo

    def local(self, moment: datetime | None, pattern: str = "%d.%m.%Y %H:%M") -> str:
        return moment.astimezone(self.zone).strftime(pattern) if moment else ""

    def ticket(self, record: TicketRecord) -> dict[str, Any]:
        ticket, contact = record.ticket, record.contact
        since = ticket.reopened_at or ticket.opened_at
        return {
            "id": ticket.id, "number": ticket.number, "kind": ticket.kind, "status": str(ticket.status),
            "channel": ticket.channel, "language": ticket.language, "anonymous": ticket.anonymous,
            # Anonymous: no id that leads to the contact or their conversation either.
            "contact_id": None if ticket.anonymous else ticket.contact_id,
            "consultation_id": None if ticket.anonymous else ticket.consultation_id,
            "contact": contact_label(contact, ticket.anonymous),
            "assignee_id": ticket.assignee_id, "assignee": record.assignee,
            "opened_at": ticket.opened_at.isoformat(), "opened_local": self.local(ticket.opened_at),
            "first_reply_at": _iso(ticket.first_reply_at), "resolved_at": _iso(ticket.resolved_at),
            "sla_due_at": _iso(ticket.sla_due_at), "sla_due_local": self.local(ticket.sla_due_at),
            "sla_state": record.sla_state,
            # Beside the SLA badge: when it was answered once it was, else when it is due.
            "sla_time_local": self.local(ticket.first_reply_at) if ticket.first_reply_at else self.local(ticket.sla_due_at),
            "waiting_minutes": int((record.now - since).total_seconds() // 60) if ticket.active else None,
            "resolution": ticket.resolution, "reopened_count": ticket.reopened_count,
            "mode": str(contact.mode),
        }

    def tickets(self, records: list[TicketRecord]) -> list[dict[str, Any]]:
        return [self.ticket(record) for record in records]

    def _conversation(self, messages: list[Message]) -> list[dict[str, Any]]:
        """The messages, a button press shown as the title of the button pressed (`pressed`)
        rather than its payload (`lang:ru`): the titles are those of the buttons sent before
        it (the latest title wins), and the language buttons, which work at any time."""
        titles = {button.payload: button.title for button in language_buttons(None)}
        shown = []
        for message in messages:
            view = self.message(message)
            if message.direction == "out" and message.buttons:
                titles.update((str(payload), str(title)) for title, payload in message.buttons)
            elif message.direction == "in" and message.payload:
                view["pressed"] = titles.get(message.payload) or (
                    message.text if message.text and message.text != message.payload else None)
            shown.append(view)
        return shown

    def message(self, message: Message) -> dict[str, Any]:
        return {
            "id": message.id, "direction": message.direction, "author": message.author or "",
            "text": message.text, "content_type": message.content_type,
            "payload": message.payload, "delivery_status": message.delivery_status,
            "created_at": message.created_at.isoformat(), "time_local": self.local(message.created_at, "%d.%m %H:%M"),
        }

    def ticket_page(self, details: TicketDetails, *, after: int = 0) -> dict[str, Any]:
        """The ticket with its messages after `after` (the page polls for new ones)."""
        view = self.ticket(details)
        view["messages"] = [shown for shown in self._conversation(details.messages) if shown["id"] > after]
        view["window"] = {"open": details.window.open, "template": details.window.template,
                          "closes_at": _iso(details.window.closes_at)}
        view["canned"] = details.canned
        return view

    def contacts(self, found: list[tuple[Contact, list[int]]]) -> list[dict[str, Any]]:
        return [{"id": contact.id, "channel": contact.channel, "language": contact.language,
                 **contact_label(contact, False), "mode": str(contact.mode),
                 "last_inbound_local": self.local(contact.last_inbound_at),
                 "tickets": [{"id": tid, "number": ticket_number(tid)} for tid in ticket_ids]}
                for contact, ticket_ids in found]
