"""Read-only figures for readiness checks and metrics: is the database there, is the schema
current, how deep is the outbox, how many tickets wait or are late."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text

from storage.database import current_revision, head_revision
from storage.models import Message
from storage.outbox import OutboxMessage
from storage.tickets import ACTIVE_STATUSES, Ticket
from storage.unit_of_work import Database


async def database_reachable(db: Database) -> bool:
    async with db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return True


async def schema_current(db: Database) -> tuple[bool, str | None, str | None]:
    current = await current_revision(db.engine)
    head = head_revision()
    return current == head, current, head


@dataclass
class Figures:
    outbox_queued: int
    outbox_oldest_due: datetime | None
    open_tickets: int
    sla_breaches: int
    journal: dict[tuple[str, str], int]  # (channel, direction) → messages


async def figures(db: Database, now: datetime) -> Figures:
    async with db.sessions() as session:
        queued, oldest = (await session.execute(
            select(func.count(), func.min(OutboxMessage.next_attempt_at))
            .where(OutboxMessage.state.in_(("queued", "sending"))))).one()
        open_tickets = await session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.status.in_(ACTIVE_STATUSES)))
        breaches = await session.scalar(
            select(func.count()).select_from(Ticket).where(
                Ticket.status.in_(ACTIVE_STATUSES), Ticket.sla_due_at.is_not(None),
                Ticket.sla_due_at < now))
        rows = (await session.execute(
            select(Message.channel, Message.direction, func.count()).group_by(
                Message.channel, Message.direction))).all()
    return Figures(queued or 0, oldest, open_tickets or 0, breaches or 0,
                   {(channel, direction): count for channel, direction, count in rows})
