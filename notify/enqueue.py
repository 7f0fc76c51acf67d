"""Putting notifications into the outbox: one row per (application, status, contact) or
(reminder occurrence, contact); the table's UNIQUE dedup_key makes every call idempotent."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Translator
from core.programme import SeasonCalendar
from notify.texts import status_label, status_text
from storage.applications import Application, Applications
from storage.models import Contact
from storage.outbox import Outbox
from storage.types import utcnow

AUTHOR = "system:notify"


def status_key(application_id: int, status: str, contact_id: int) -> str:
    return f"status:{application_id}:{status}:{contact_id}"


def reminder_key(occurrence: str, contact_id: int) -> str:
    return f"reminder:{occurrence}:{contact_id}"


def blocked_bot(contact: Contact, blocked_at: dict[int, datetime]) -> bool:
    """Blocked the bot (403) and has not written to it since."""
    when = blocked_at.get(contact.id)
    return when is not None and (contact.last_inbound_at is None or contact.last_inbound_at <= when)


async def enqueue_status_changes(session: AsyncSession, translator: Translator,
                                 applications: Iterable[Application], *, batch_id: str,
                                 default_language: str, now: datetime | None = None,
                                 season: SeasonCalendar | None = None) -> int:
    """Queue a notification of each application's current status to its linked contacts.

    Returns how many rows were new. A contact who blocked the bot gets an `unreachable` row
    at once, so managers see it instead of a silent gap.
    """
    now = now or utcnow()
    applications = list(applications)
    linked = await Applications(session).linked_contacts(a.id for a in applications)
    outbox = Outbox(session)
    contacts = {c.id: c for cs in linked.values() for c in cs}
    blocked_at = await outbox.unreachable_contacts(contacts)
    rows = []
    for application in applications:
        for contact in linked.get(application.id, []):
            lang = translator.language(contact.language or default_language)
            blocked = blocked_bot(contact, blocked_at)
            rows.append({
                "dedup_key": status_key(application.id, application.status, contact.id),
                "kind": "status", "batch_id": batch_id, "contact_id": contact.id,
                "channel": contact.channel, "application_id": application.id,
                "topic": application.status, "template_key": f"status.{application.status}",
                "template_variables": {"1": application.number,
                                       "2": status_label(translator, lang, application.status)},
                "language": lang, "next_attempt_at": now,
                "text": status_text(translator, lang, number=application.number, status=application.status,
                                    reason=application.reason, changed=True, season=season),
                **({"state": "unreachable", "last_error": "blocked"} if blocked else {}),
            })
    return await outbox.enqueue(rows)


async def enqueue_reminder(session: AsyncSession, *, occurrence: str, batch_id: str,
                           contacts: Iterable[Contact], texts: dict[str, str], template_key: str,
                           template_variables: dict[str, str], default_language: str,
                           now: datetime | None = None) -> int:
    """Queue one reminder occurrence to `contacts` (texts: language → text)."""
    now = now or utcnow()
    contacts = [c for c in contacts if not c.opted_out]
    blocked_at = await Outbox(session).unreachable_contacts(c.id for c in contacts)
    rows = []
    for contact in contacts:
        lang = contact.language if contact.language in texts else default_language
        blocked = blocked_bot(contact, blocked_at)
        rows.append({
            "dedup_key": reminder_key(occurrence, contact.id), "kind": "reminder",
            "batch_id": batch_id, "contact_id": contact.id, "channel": contact.channel,
            "topic": occurrence.split(":", 1)[0], "template_key": template_key,
            "template_variables": template_variables, "language": lang, "text": texts[lang],
            "next_attempt_at": now,
            **({"state": "unreachable", "last_error": "blocked"} if blocked else {}),
        })
    return await Outbox(session).enqueue(rows)
