"""The durable outbox of proactive messages (status notifications, reminders).

Life of a row::

    queued ──claim (own commit, just before the request)──> sending ──> sent
       ^                                                      │   └──> failed | unreachable | needs_template
       └──────── 429 / 5xx / network error (next_attempt_at) ─┘

`dedup_key` is UNIQUE: "status:<application id>:<status>:<contact id>" or
"reminder:<reminder id>:<offset>:<contact id>", so an (application, status) or a
(reminder, contact) is enqueued at most once however often an import or a job runs.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime, utcnow
from storage.upsert import dialect_insert

STATES = ("queued", "sending", "sent", "failed", "unreachable", "needs_template")
FINAL_STATES = ("sent", "failed", "unreachable", "needs_template")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_contact_state", "contact_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # status | reminder | next_season | …
    batch_id: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"))
    topic: Mapped[str] = mapped_column(String(64))  # the status code or the reminder id
    # WhatsApp Content template key (config/whatsapp_templates.yaml), e.g. "status.winner".
    template_key: Mapped[str | None] = mapped_column(String(64))
    template_variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # [[title, payload], …] for polls (CSAT, surveys); migration 0005.
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(Integer)  # the journal row (messages.id)
    channel_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Outbox:
    """Outbox queries over one session; never commits (the unit of work or the sender does)."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def enqueue(self, rows: Iterable[dict[str, Any]]) -> int:
        """Insert rows whose dedup_key is new; return how many were inserted."""
        rows = list(rows)
        if not rows:
            return 0
        now = utcnow()
        inserted = 0
        for start in range(0, len(rows), 500):
            chunk = [{"state": "queued", "attempts": 0, "next_attempt_at": now, "created_at": now,
                      "updated_at": now, **row} for row in rows[start:start + 500]]
            statement = dialect_insert(self.session, OutboxMessage).on_conflict_do_nothing(index_elements=["dedup_key"])
            result = await self.session.execute(statement.returning(OutboxMessage.id), chunk)
            inserted += len(result.all())
        return inserted

    async def existing_keys(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            found |= set(await self.session.scalars(
                select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(keys[start:start + 500]))))
        return found

    async def due(self, now: datetime, limit: int, exclude: Iterable[int] = (),
                  channel: str | None = None) -> list[OutboxMessage]:
        query = (select(OutboxMessage)
                 .where(OutboxMessage.state == "queued", OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
        if channel is not None:
            query = query.where(OutboxMessage.channel == channel)
        exclude = list(exclude)
        if exclude:
            query = query.where(OutboxMessage.id.not_in(exclude))
        return list(await self.session.scalars(query))

    async def next_due_at(self, channel: str | None = None) -> datetime | None:
        query = select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.state == "queued")
        if channel is not None:
            query = query.where(OutboxMessage.channel == channel)
        return await self.session.scalar(query)

    async def claim(self, row_id: int, *, owner: str, now: datetime, message_id: int | None = None) -> bool:
        """queued → sending, atomically: False if another sender (or a retry) got there first."""
        values: dict[str, Any] = {"message_id": message_id} if message_id is not None else {}
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.state == "queued")
            .values(state="sending", claimed_at=now, claimed_by=owner,
                    attempts=OutboxMessage.attempts + 1, updated_at=now, **values))
        return result.rowcount == 1

    async def finish(self, row_id: int, state: str, *, now: datetime, only_from: str | None = None,
                     **values: Any) -> bool:
        query = update(OutboxMessage).where(OutboxMessage.id == row_id)
        if only_from is not None:
            query = query.where(OutboxMessage.state == only_from)
        result = await self.session.execute(query.values(state=state, updated_at=now, **values))
        return result.rowcount == 1

    async def release(self, row_id: int, *, now: datetime, next_attempt_at: datetime, error: str,
                      count_attempt: bool = True) -> None:
        values: dict[str, Any] = {}
        if not count_attempt:
            values["attempts"] = OutboxMessage.attempts - 1
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id)
            .values(state="queued", next_attempt_at=next_attempt_at, last_error=error[:200],
                    claimed_by=None, updated_at=now, **values))

    async def in_flight_elsewhere(self, owner: str) -> list[OutboxMessage]:
        return list(await self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == "sending",
                                        (OutboxMessage.claimed_by != owner) | OutboxMessage.claimed_by.is_(None))))

    async def stale_sending(self, before: datetime) -> list[OutboxMessage]:
        return list(await self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == "sending", OutboxMessage.claimed_at < before)))

    async def drop_queued_for_contact(self, contact_id: int, *, now: datetime, state: str, error: str) -> int:
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.contact_id == contact_id, OutboxMessage.state == "queued")
            .values(state=state, last_error=error, updated_at=now))
        return result.rowcount or 0

    async def unreachable_contacts(self, contact_ids: Iterable[int]) -> dict[int, datetime]:
        """contact id → when a send to them last came back 'blocked' (403)."""
        ids = list(contact_ids)
        found: dict[int, datetime] = {}
        for start in range(0, len(ids), 500):
            rows = await self.session.execute(
                select(OutboxMessage.contact_id, func.max(OutboxMessage.updated_at))
                .where(OutboxMessage.contact_id.in_(ids[start:start + 500]),
                       OutboxMessage.state == "unreachable", OutboxMessage.last_error == "blocked")
                .group_by(OutboxMessage.contact_id))
            found.update({contact_id: when for contact_id, when in rows})
        return found

    async def counts_by_batch(self, batch_id: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        query = (select(OutboxMessage.batch_id, OutboxMessage.state, func.count(OutboxMessage.id),
                        func.min(OutboxMessage.created_at))
                 .group_by(OutboxMessage.batch_id, OutboxMessage.state))
        if batch_id is not None:
            query = query.where(OutboxMessage.batch_id == batch_id)
        batches: dict[str, dict[str, Any]] = {}
        for batch, state, count, created in await self.session.execute(query):
            entry = batches.setdefault(batch, {"batch_id": batch, "created_at": created,
                                               **{s: 0 for s in STATES}, "total": 0})
            entry[state] = entry.get(state, 0) + count
            entry["total"] += count
            if created and (entry["created_at"] is None or created < entry["created_at"]):
                entry["created_at"] = created
        ordered = sorted(batches.values(), key=lambda e: e["created_at"] or utcnow(), reverse=True)
        return ordered[:limit]

    async def needing_template(self, limit: int = 200) -> list[OutboxMessage]:
        return list(await self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == "needs_template")
            .order_by(OutboxMessage.id.desc()).limit(limit)))
