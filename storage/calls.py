"""Phone calls through Twilio Voice: one row per call leg we know of, and its repository.

The row gathers what Twilio tells us about a call (webhooks and status callbacks, in any
order); the consultation in the journal is written from it once the call has ended and
rewritten when a late fact (a voicemail, a transcription) arrives. Repositories never commit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, Contact
from storage.tickets import Ticket
from storage.types import UTCDateTime, utcnow


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_started", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Twilio's CallSid; NULL for a callback an operator made from another phone and logged.
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(8), default="inbound")  # inbound | outbound
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL"), index=True)
    # The callback ticket this call opened (inbound) or answers (outbound).
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(2))
    # What the caller pressed, in order: ["lang:ru", "info:apply", "operator"].
    menu_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    in_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    operator_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    dial_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Twilio's CallStatus (queued … completed | busy | no-answer | failed | canceled) and its rank.
    status: Mapped[str] = mapped_column(String(16), default="ringing")
    status_rank: Mapped[int] = mapped_column(Integer, default=0)
    # The last <Dial>'s DialCallStatus: completed | answered | busy | no-answer | failed | canceled.
    dial_status: Mapped[str | None] = mapped_column(String(16))
    answered_by: Mapped[str | None] = mapped_column(String(64))  # operator name or dialled identity
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    # answered | missed | voicemail | abandoned (inbound); reached | no_answer | busy | failed (outbound)
    outcome: Mapped[str | None] = mapped_column(String(16))
    recording_url: Mapped[str | None] = mapped_column(String(512))
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_seconds: Mapped[int | None] = mapped_column(Integer)
    transcription: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


class Calls:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def by_sid(self, call_sid: str, *, for_update: bool = False) -> Call | None:
        query = select(Call).where(Call.call_sid == call_sid)
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def get(self, call_id: int) -> Call | None:
        return await self.session.get(Call, call_id)

    def add(self, call: Call) -> Call:
        self.session.add(call)
        return call

    async def between(self, start: datetime, end: datetime, *, limit: int = 500) -> list[tuple[Call, Contact]]:
        rows = await self.session.execute(
            select(Call, Contact).join(Contact, Contact.id == Call.contact_id)
            .where(Call.started_at >= start, Call.started_at < end)
            .order_by(Call.started_at.desc(), Call.id.desc()).limit(limit))
        return [(call, contact) for call, contact in rows]

    async def for_ticket(self, ticket_id: int) -> list[Call]:
        return list(await self.session.scalars(
            select(Call).where(Call.ticket_id == ticket_id).order_by(Call.started_at, Call.id)))

    async def callbacks(self, statuses: tuple[str, ...]) -> list[tuple[Ticket, Contact]]:
        rows = await self.session.execute(
            select(Ticket, Contact).join(Contact, Contact.id == Ticket.contact_id)
            .where(Ticket.kind == "callback", Ticket.status.in_(statuses))
            .order_by(Ticket.opened_at, Ticket.id))
        return [(ticket, contact) for ticket, contact in rows]

    async def by_tickets(self, ticket_ids: list[int]) -> dict[int, list[Call]]:
        if not ticket_ids:
            return {}
        found: dict[int, list[Call]] = {}
        for call in await self.session.scalars(
                select(Call).where(Call.ticket_id.in_(ticket_ids)).order_by(Call.started_at, Call.id)):
            found.setdefault(call.ticket_id, []).append(call)
        return found


def call_fields(call: Call) -> dict[str, Any]:
    """The row as plain values (for views; no lazy loads)."""
    return {column.name: getattr(call, column.key) for column in Call.__table__.columns}
