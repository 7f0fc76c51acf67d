"""Queueing poll messages (CSAT, surveys) in the notifications outbox, with their buttons."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import Button
from storage.models import Contact
from storage.outbox import Outbox


@dataclass
class Poll:
    contact: Contact
    dedup_key: str
    kind: str  # csat | survey
    batch_id: str
    topic: str
    language: str
    text: str
    buttons: list[Button]
    template_key: str
    template_variables: dict[str, str] | None = None


async def enqueue_polls(session: AsyncSession, polls: list[Poll], *, now: datetime) -> int:
    """Queue `polls` with their buttons (the delivery layer remembers them as offered when the
    poll is sent, so a number typed on WhatsApp answers it). A contact who blocked the bot and
    has not written since gets an `unreachable` row at once, as notifications do."""
    if not polls:
        return 0
    blocked_at = await Outbox(session).unreachable_contacts({p.contact.id for p in polls})
    rows = []
    for poll in polls:
        contact = poll.contact
        when = blocked_at.get(contact.id)
        blocked = when is not None and (contact.last_inbound_at is None or contact.last_inbound_at <= when)
        buttons = [[b.title, b.payload] for b in poll.buttons]
        rows.append({
            "dedup_key": poll.dedup_key, "kind": poll.kind, "batch_id": poll.batch_id,
            "contact_id": contact.id, "channel": contact.channel, "topic": poll.topic,
            "template_key": poll.template_key, "template_variables": poll.template_variables,
            "language": poll.language, "text": poll.text, "buttons": buttons or None, "next_attempt_at": now,
            **({"state": "unreachable", "last_error": "blocked"} if blocked else {}),
        })
    return await Outbox(session).enqueue(rows)
