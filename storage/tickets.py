"""Human hand-off: tickets, operators, their sessions and the audit log; and their repositories.

Repositories never commit: the use case (handoff.service, or the engine's unit of
work for the bot's own turns) does.
"""
from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, Contact, Message
from storage.types import UTCDateTime, string_enum, utcnow

# A request to operators reads "T-0042", never like an application number ("ZP-0123").
# Requests opened before the change were told "ZP-0042": that still finds them.
TICKET_PREFIX = "T-"


class TicketStatus(StrEnum):
    """open → assigned (claimed) → resolved; reopened back to open or assigned.
    The transitions live in handoff.lifecycle."""

    open = "open"
    assigned = "assigned"
    resolved = "resolved"
    # The user went back to the bot before anyone claimed or answered: closed, not resolved.
    withdrawn = "withdrawn"


ACTIVE_STATUSES = (TicketStatus.open, TicketStatus.assigned)
TICKET_NUMBER = re.compile(r"^\s*(?:T-?|ZP-?)?0*(\d{1,9})\s*$", re.IGNORECASE)


def ticket_number(ticket_id: int) -> str:
    return f"{TICKET_PREFIX}{ticket_id:04d}"


def parse_ticket_number(text: str) -> int | None:
    """`T-0042`, `t42`, `42` or an old `ZP-0042` → 42."""
    match = TICKET_NUMBER.match(text or "")
    return int(match.group(1)) if match else None


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="operator")  # operator | manager
    # scrypt$n$r$p$salt_hex$hash_hex (see bot.console.auth)
    password_hash: Mapped[str] = mapped_column(String(256))
    # sha256 of the API bearer token; the token itself is shown once and never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


class OperatorSession(Base):
    """A console login. The cookie holds a random token; only its sha256 is stored."""

    __tablename__ = "operator_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remote: Mapped[str | None] = mapped_column(String(64))  # the client's address at login


class Ticket(Base):
    """A request for a human: a question, a complaint or a suggestion."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_opened", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(16), default="question")  # question | complaint | suggestion
    # Grievances may be anonymous: operators then see neither name nor phone.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[TicketStatus] = mapped_column(string_enum(TicketStatus, 16), default=TicketStatus.open)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_user_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def number(self) -> str:
        return ticket_number(self.id)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AuditEntry(Base):
    """Who did what to which target, and when. Written in the same transaction as the action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # operator name, or what was typed on a failed login
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Tickets:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket | None:
        if for_update:
            return await self.session.scalar(
                select(Ticket).where(Ticket.id == ticket_id).with_for_update())
        return await self.session.get(Ticket, ticket_id)

    def add(self, ticket: Ticket) -> Ticket:
        self.session.add(ticket)
        return ticket

    async def claim(self, ticket_id: int, operator_id: int) -> bool:
        """Assign an unclaimed ticket; False if someone else got it first (one UPDATE, no race)."""
        result = await self.session.execute(
            update(Ticket).where(Ticket.id == ticket_id, Ticket.assignee_id.is_(None),
                                 Ticket.status.in_(ACTIVE_STATUSES))
            .values(assignee_id=operator_id, status=TicketStatus.assigned))
        return result.rowcount == 1

    async def active_for(self, contact_id: int) -> Ticket | None:
        return await self.session.scalar(
            select(Ticket).where(Ticket.contact_id == contact_id, Ticket.status.in_(ACTIVE_STATUSES))
            .order_by(Ticket.id.desc()).limit(1))

    async def last_resolved_for(self, contact_id: int) -> Ticket | None:
        return await self.session.scalar(
            select(Ticket).where(Ticket.contact_id == contact_id, Ticket.status == TicketStatus.resolved)
            .order_by(Ticket.resolved_at.desc(), Ticket.id.desc()).limit(1))

    async def list(self, *, statuses: tuple[str, ...] | None = ACTIVE_STATUSES,
                   limit: int = 200) -> list[tuple[Ticket, Contact]]:
        query = select(Ticket, Contact).join(Contact, Contact.id == Ticket.contact_id)
        if statuses:
            query = query.where(Ticket.status.in_(statuses))
            order = (Ticket.opened_at, Ticket.id)
        else:
            order = (Ticket.id.desc(),)
        rows = await self.session.execute(query.order_by(*order).limit(limit))
        return [(ticket, contact) for ticket, contact in rows]

    async def with_contact(self, ticket_id: int) -> tuple[Ticket, Contact] | None:
        row = (await self.session.execute(
            select(Ticket, Contact).join(Contact, Contact.id == Ticket.contact_id)
            .where(Ticket.id == ticket_id))).first()
        return (row[0], row[1]) if row else None

    async def search(self, text: str, *, limit: int = 50) -> list[tuple[Ticket, Contact]]:
        """By ticket number, contact name, phone tail (not on anonymous tickets) or message text."""
        text = text.strip()
        if not text:
            return []
        conditions = []
        number = parse_ticket_number(text)
        if number is not None:
            conditions.append(Ticket.id == number)
        like = f"%{text.replace('%', '').replace('_', '')}%"
        identity = or_(func.lower(Contact.display_name).like(like.lower()), Contact.phone.like(like),
                       (Contact.channel.in_(("whatsapp", "phone")) & Contact.external_id.like(like)))
        conditions.append(Ticket.anonymous.is_(False) & identity)
        said = func.lower(Message.text).like(like.lower()) & (Message.direction == "in")
        conditions.append(Ticket.anonymous.is_(False) & Ticket.contact_id.in_(select(Message.contact_id).where(said)))
        # An anonymous ticket is found by what was said in it, never by the person's other
        # messages (a name or phone typed before complaining would point to them).
        conditions.append(Ticket.anonymous.is_(True) & exists().where(
            said, Message.contact_id == Ticket.contact_id, Message.created_at >= Ticket.opened_at))
        rows = await self.session.execute(
            select(Ticket, Contact).join(Contact, Contact.id == Ticket.contact_id)
            .where(or_(*conditions)).order_by(Ticket.id.desc()).limit(limit))
        return [(ticket, contact) for ticket, contact in rows]


    async def search_contacts(self, text: str, *, limit: int = 50) -> list[tuple[Contact, list[int]]]:
        """Contacts by name or phone tail, with their named (non-anonymous) ticket ids."""
        text = text.strip().replace("%", "").replace("_", "")
        if len(text) < 2:
            return []
        like = f"%{text}%"
        contacts = list(await self.session.scalars(
            select(Contact).where(or_(func.lower(Contact.display_name).like(like.lower()), Contact.phone.like(like),
                                      Contact.channel.in_(("whatsapp", "phone")) & Contact.external_id.like(like)))
            .order_by(Contact.id.desc()).limit(limit)))
        if not contacts:
            return []
        rows = await self.session.execute(
            select(Ticket.contact_id, Ticket.id).where(Ticket.contact_id.in_([c.id for c in contacts]),
                                                       Ticket.anonymous.is_(False)).order_by(Ticket.id))
        tickets: dict[int, list[int]] = {}
        for contact_id, ticket_id in rows:
            tickets.setdefault(contact_id, []).append(ticket_id)
        return [(contact, tickets.get(contact.id, [])) for contact in contacts]


class Operators:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, operator_id: int) -> Operator | None:
        return await self.session.get(Operator, operator_id)

    async def by_name(self, name: str) -> Operator | None:
        return await self.session.scalar(select(Operator).where(Operator.name == name))

    async def by_token_hash(self, token_hash: str, now: datetime | None = None) -> Operator | None:
        """The active operator holding this API token, unless it has expired."""
        now = now or utcnow()
        return await self.session.scalar(
            select(Operator).where(Operator.token_hash == token_hash, Operator.active.is_(True),
                                   or_(Operator.token_expires_at.is_(None), Operator.token_expires_at > now)))

    async def all(self) -> list[Operator]:
        return list(await self.session.scalars(select(Operator).order_by(Operator.name)))

    def add(self, operator: Operator) -> Operator:
        self.session.add(operator)
        return operator


class OperatorSessions:
    def __init__(self, session: AsyncSession):
        self.session = session

    def add(self, row: OperatorSession) -> OperatorSession:
        self.session.add(row)
        return row

    async def valid(self, token_hash: str, now: datetime) -> tuple[OperatorSession, Operator] | None:
        row = (await self.session.execute(
            select(OperatorSession, Operator).join(Operator, Operator.id == OperatorSession.operator_id)
            .where(OperatorSession.token_hash == token_hash, OperatorSession.expires_at > now,
                   Operator.active.is_(True)))).first()
        return (row[0], row[1]) if row else None

    async def live(self, now: datetime) -> list[OperatorSession]:
        return list(await self.session.scalars(
            select(OperatorSession).where(OperatorSession.expires_at > now).order_by(OperatorSession.id)))

    async def delete_for(self, operator_id: int) -> int:
        rows = list(await self.session.scalars(
            select(OperatorSession).where(OperatorSession.operator_id == operator_id)))
        for row in rows:
            await self.session.delete(row)
        return len(rows)

    async def delete(self, token_hash: str) -> None:
        row = await self.session.scalar(select(OperatorSession).where(OperatorSession.token_hash == token_hash))
        if row is not None:
            await self.session.delete(row)


class Audit:
    def __init__(self, session: AsyncSession):
        self.session = session

    def record(self, *, actor: str, action: str, operator_id: int | None = None,
               target: str | None = None, details: dict[str, Any] | None = None,
               at: datetime | None = None) -> AuditEntry:
        entry = AuditEntry(operator_id=operator_id, actor=actor[:64], action=action, target=target,
                           details=details, created_at=at or utcnow())
        self.session.add(entry)
        return entry

    async def recent(self, limit: int = 100, action: str | None = None) -> list[AuditEntry]:
        query = select(AuditEntry)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(await self.session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
