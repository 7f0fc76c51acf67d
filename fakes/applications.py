"""Seeded applications and linked contacts: the notification tests and `bench/broadcast.py` share them."""
from __future__ import annotations

import csv
import io

from notify.importer import import_applications
from storage.applications import Application, ApplicationLink
from storage.models import Contact
from storage.types import utcnow


def csv_bytes(rows, header=("application number", "name", "phone", "region", "status", "reason"),
              delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


async def run_import(db, rows, *, translator, filename="applications.csv", dry_run=False, **kw):
    """Import `rows` as an uploaded CSV would be imported; returns the import report."""
    return await import_applications(db, csv_bytes(rows, **kw), filename, dry_run, translator=translator)


async def seed_linked(db, count: int, *, channel="telegram", status="received", language="ru",
                      first_chat=100000, last_inbound_at=None):
    """`count` applications ZP-<i>, each linked to one contact on `channel`; returns contact ids."""
    now = utcnow()
    async with db.unit_of_work() as uow:
        session = uow.session
        contacts = []
        for i in range(count):
            external = str(first_chat + i) if channel == "telegram" else f"+7701{first_chat + i:07d}"
            contact = Contact(channel=channel, external_id=external, language=language, state={},
                              last_inbound_at=last_inbound_at)
            session.add(contact)
            contacts.append(contact)
        await session.flush()
        applications = []
        for i, contact in enumerate(contacts):
            application = Application(number=f"ZP-{first_chat + i}", name=f"Applicant {i}",
                                      phone=f"+7701{first_chat + i:07d}", region="almaty", status=status,
                                      status_changed_at=now, created_at=now, updated_at=now)
            session.add(application)
            applications.append(application)
        await session.flush()
        for contact, application in zip(contacts, applications):
            session.add(ApplicationLink(application_id=application.id, contact_id=contact.id, linked_at=now))
    return [c.id for c in contacts]


def status_rows(count: int, status: str, *, first_chat=100000, reason=""):
    return [(f"ZP-{first_chat + i}", f"Applicant {i}", f"+7701{first_chat + i:07d}", "Almaty", status, reason)
            for i in range(count)]
