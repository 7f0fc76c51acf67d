"""Erasing a person: every contact of theirs on every channel loses what identifies them,
while the rows that reports count stay (consultations, messages as rows, CSAT scores,
tickets, channels, dates).

Who "the person" is: the contacts named (by phone, contact id, Telegram id or web chat
sender), widened to every contact sharing one of their phone numbers or their IIN hash.
What goes: names, phones, external ids (a WhatsApp id is the phone number; a Telegram id
finds the account), per-contact state, the IIN hash, every message text, call notes,
ticket resolutions, CSAT comments, survey text answers, outbox texts and template values,
and the name and phone on the applications linked to them.

SQLite keeps old row images in free pages and in the WAL: `scrub()` rewrites the file
(VACUUM) and truncates the WAL so that the erased values are gone from disk as well.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.applications import Application, ApplicationLink
from storage.feedback import CsatRequest, SurveyAnswer, SurveyResponse
from storage.models import Consultation, Contact, Message
from storage.outbox import OutboxMessage
from storage.tickets import AuditEntry, Ticket

ERASED_TEXT = ""


def phone_digits(phone: str | None) -> str:
    """+7 701 555-12-34, 87015551234, whatsapp:+77015551234 → 77015551234."""
    digits = re.sub(r"[^0-9]", "", phone or "")
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


@dataclass
class ErasureReport:
    contact_ids: list[int] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    messages: int = 0
    consultations: int = 0
    tickets: int = 0
    csat_comments: int = 0
    survey_answers: int = 0
    outbox: int = 0
    applications: int = 0

    def counts(self) -> dict[str, int]:
        """What the audit log keeps: numbers only, nothing about the person."""
        return {"contacts": len(self.contact_ids), "messages": self.messages, "consultations": self.consultations,
                "tickets": self.tickets, "csat_comments": self.csat_comments, "survey_answers": self.survey_answers,
                "outbox": self.outbox, "applications": self.applications}


class Erasure:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def find(self, *, phone: str | None = None, contact_id: int | None = None,
                   telegram: str | None = None, sender: str | None = None) -> list[Contact]:
        """The person's contacts on every channel (see the module's docstring)."""
        seeds: list[Contact] = []
        if contact_id is not None:
            contact = await self.session.get(Contact, contact_id)
            seeds += [contact] if contact else []
        if telegram:
            seeds += await self._by_external("telegram", str(telegram).strip())
        if sender:
            seeds += await self._by_external("webchat", sender.strip())
        phones = {phone_digits(phone)} if phone and len(phone_digits(phone)) >= 10 else set()
        hashes: set[str] = set()
        found: dict[int, Contact] = {c.id: c for c in seeds}
        # Widen until nothing new turns up: a phone leads to a WhatsApp contact, its IIN hash
        # to a Telegram one, whose shared phone to a call… (a few rounds at most).
        while True:
            for contact in found.values():
                for value in (contact.phone, contact.external_id if contact.channel in ("whatsapp", "phone") else None):
                    if value and len(phone_digits(value)) >= 10:
                        phones.add(phone_digits(value))
                if contact.iin_hash:
                    hashes.add(contact.iin_hash)
            more = await self._by_phones_or_hashes(phones, hashes)
            new = {c.id: c for c in more if c.id not in found}
            if not new:
                return sorted(found.values(), key=lambda c: c.id)
            found.update(new)

    async def _by_external(self, channel: str, external_id: str) -> list[Contact]:
        return list(await self.session.scalars(
            select(Contact).where(Contact.channel == channel, Contact.external_id == external_id)))

    async def _by_phones_or_hashes(self, phones: set[str], hashes: set[str]) -> list[Contact]:
        if not phones and not hashes:
            return []
        conditions = []
        if hashes:
            conditions.append(Contact.iin_hash.in_(hashes))
        # Phones are stored in several spellings: compare on the last ten digits, then exactly.
        for digits in phones:
            tail = f"%{digits[-10:]}"
            conditions.append(Contact.phone.like(tail))
            conditions.append(Contact.channel.in_(("whatsapp", "phone")) & Contact.external_id.like(tail))
        rows = await self.session.scalars(select(Contact).where(or_(*conditions)))
        return [c for c in rows if c.iin_hash in hashes
                or phone_digits(c.phone) in phones
                or (c.channel in ("whatsapp", "phone") and phone_digits(c.external_id) in phones)]

    async def preview(self, contacts: list[Contact]) -> ErasureReport:
        """What `erase` would touch, counted, without changing anything."""
        return await self._run(contacts, apply=False)

    async def erase(self, contacts: list[Contact]) -> ErasureReport:
        return await self._run(contacts, apply=True)

    async def _run(self, contacts: list[Contact], *, apply: bool) -> ErasureReport:
        from sqlalchemy import func

        ids = [c.id for c in contacts]
        report = ErasureReport(contact_ids=ids, channels=sorted({c.channel for c in contacts}))
        if not ids:
            return report

        async def count(model, *where) -> int:
            return await self.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        report.messages = await count(Message, Message.contact_id.in_(ids))
        report.consultations = await count(Consultation, Consultation.contact_id.in_(ids))
        report.tickets = await count(Ticket, Ticket.contact_id.in_(ids))
        report.csat_comments = await count(CsatRequest, CsatRequest.contact_id.in_(ids), CsatRequest.comment.is_not(None))
        responses = select(SurveyResponse.id).where(SurveyResponse.contact_id.in_(ids))
        report.survey_answers = await count(SurveyAnswer, SurveyAnswer.response_id.in_(responses),
                                            SurveyAnswer.kind == "text")
        report.outbox = await count(OutboxMessage, OutboxMessage.contact_id.in_(ids))
        linked = select(ApplicationLink.application_id).where(ApplicationLink.contact_id.in_(ids))
        report.applications = await count(Application, Application.id.in_(linked))
        if not apply:
            return report

        s = self.session
        await s.execute(update(Message).where(Message.contact_id.in_(ids)).values(text=ERASED_TEXT))
        await s.execute(update(Consultation).where(Consultation.contact_id.in_(ids)).values(notes=None))
        await s.execute(update(Ticket).where(Ticket.contact_id.in_(ids)).values(resolution=None))
        await s.execute(update(CsatRequest).where(CsatRequest.contact_id.in_(ids)).values(comment=None))
        await s.execute(update(SurveyAnswer).where(SurveyAnswer.response_id.in_(responses),
                                                   SurveyAnswer.kind == "text").values(value=None))
        await s.execute(update(OutboxMessage).where(OutboxMessage.contact_id.in_(ids))
                        .values(text=ERASED_TEXT, template_variables=None))
        await s.execute(update(Application).where(Application.id.in_(linked)).values(name="", phone=""))
        # Logged calls were audited with a masked phone: even that goes.
        calls = [f"consultation:{cid}" for cid in await s.scalars(
            select(Consultation.id).where(Consultation.contact_id.in_(ids)))]
        if calls:
            for entry in await s.scalars(select(AuditEntry).where(AuditEntry.target.in_(calls))):
                entry.details = {k: v for k, v in (entry.details or {}).items() if k != "phone"}
        for contact in contacts:
            # A fresh random id: the person's next message starts a new, unknown contact.
            contact.external_id = f"erased:{secrets.token_hex(8)}"
            contact.display_name = None
            contact.phone = None
            contact.state = {}
            contact.iin_hash = None
        await s.flush()
        return report


async def scrub(engine: AsyncEngine) -> None:
    """Make erased values unrecoverable from the database files too.

    SQLite: VACUUM rewrites the file without free pages, and checkpoints with TRUNCATE
    empty the WAL, which otherwise still holds the pages as they were. PostgreSQL:
    VACUUM reclaims the dead row versions of the tables erasure touches.
    """
    if engine.dialect.name == "sqlite":
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            await connection.exec_driver_sql("VACUUM")
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("contacts", "messages", "consultations", "tickets", "csat", "survey_answers", "outbox",
                      "applications"):
            await connection.exec_driver_sql(f"VACUUM {table}")


async def anonymise_before(session: AsyncSession, cutoff, *, batch: int = 5000) -> int:
    """RETENTION_DAYS: texts written before `cutoff` are emptied — messages, call notes,
    CSAT comments, survey text answers. Rows, dates and scores stay for the reports.
    Returns how many messages were emptied (at most `batch` per call: short transactions)."""
    ids = list(await session.scalars(
        select(Message.id).where(Message.created_at < cutoff, Message.text != ERASED_TEXT).limit(batch)))
    if ids:
        await session.execute(update(Message).where(Message.id.in_(ids)).values(text=ERASED_TEXT))
    await session.execute(update(Consultation).where(Consultation.closed_at < cutoff, Consultation.notes.is_not(None))
                          .values(notes=None))
    await session.execute(update(CsatRequest).where(CsatRequest.created_at < cutoff, CsatRequest.comment.is_not(None))
                          .values(comment=None))
    old = select(SurveyResponse.id).where(SurveyResponse.created_at < cutoff)
    await session.execute(update(SurveyAnswer).where(SurveyAnswer.response_id.in_(old), SurveyAnswer.kind == "text",
                                                     SurveyAnswer.value.is_not(None)).values(value=None))
    return len(ids)
