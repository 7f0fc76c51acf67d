"""Streaming reads of the journal for exports: memory stays flat whatever the size."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import AsyncIterator

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from storage.models import Consultation, ConsultationTopic, Contact, Message

CHUNK = 1000


@dataclass
class JournalFilter:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    channel: str | None = None


async def stream_messages(session: AsyncSession, flt: JournalFilter) -> AsyncIterator[tuple[Message, Contact]]:
    query = (
        select(Message, Contact)
        .join(Contact, Contact.id == Message.contact_id)
        .where(Message.created_at >= flt.start, Message.created_at < flt.end)
        .order_by(Message.id)
        .execution_options(yield_per=CHUNK)
    )
    if flt.channel:
        query = query.where(Message.channel == flt.channel)
    result = await session.stream(query)
    async for partition in result.partitions(CHUNK):
        for message, contact in partition:
            yield message, contact
        session.expunge_all()  # identity map would otherwise keep every row alive


@dataclass
class ConsultationRow:
    consultation: Consultation
    contact: Contact
    topics: list[str]
    messages_in: int
    messages_out: int


async def stream_consultations(session: AsyncSession, flt: JournalFilter) -> AsyncIterator[ConsultationRow]:
    query = (
        select(Consultation, Contact)
        .join(Contact, Contact.id == Consultation.contact_id)
        .where(Consultation.opened_at >= flt.start, Consultation.opened_at < flt.end)
        .order_by(Consultation.id)
        .execution_options(yield_per=CHUNK)
    )
    if flt.channel:
        query = query.where(Consultation.channel == flt.channel)
    # Topics come per chunk below, not through the relationship's eager load.
    result = await session.stream(query.options(lazyload(Consultation.topics)))
    async for partition in result.partitions(CHUNK):
        ids = [consultation.id for consultation, _ in partition]
        topics: defaultdict[int, list[str]] = defaultdict(list)
        for consultation_id, topic in (await session.execute(
            select(ConsultationTopic.consultation_id, ConsultationTopic.topic)
            .where(ConsultationTopic.consultation_id.in_(ids))
            .order_by(ConsultationTopic.consultation_id, ConsultationTopic.position)
        )):
            topics[consultation_id].append(topic)
        counts = {
            row.consultation_id: (row.inbound or 0, row.outbound or 0)
            for row in await session.execute(
                select(
                    Message.consultation_id,
                    func.sum(case((Message.direction == "in", 1), else_=0)).label("inbound"),
                    func.sum(case((Message.direction == "out", 1), else_=0)).label("outbound"),
                ).where(Message.consultation_id.in_(ids)).group_by(Message.consultation_id)
            )
        }
        for consultation, contact in partition:
            inbound, outbound = counts.get(consultation.id, (0, 0))
            yield ConsultationRow(consultation, contact, topics.get(consultation.id, []), inbound, outbound)
        session.expunge_all()
