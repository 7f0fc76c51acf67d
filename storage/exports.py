"""Streaming reads for exports: memory stays flat whatever the size.

Rows are plain column tuples (SQLAlchemy Core rows with named attributes), not ORM
objects: nothing enters a session's identity map, so a million rows cost what one chunk
costs. (Streaming ORM entities and calling `expunge_all()` between chunks breaks the
loader's identity map after the first chunk.)
"""
from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, AsyncIterator

from sqlalchemy import String, case, cast, exists, func, literal, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Consultation, ConsultationTopic, Contact, Message

CHUNK = 1000

# Who the row is about: enough to show (masked) name and phone, nothing more.
CONTACT_COLUMNS = (Contact.id.label("contact_id"), Contact.display_name, Contact.phone, Contact.external_id,
                   Contact.channel.label("contact_channel"))


@dataclass
class JournalFilter:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    channel: str | None = None


async def _rows(session: AsyncSession, query, *, prefetch: bool = True) -> AsyncIterator[list[Row]]:
    """The query's rows a chunk at a time, on the session's connection (not session.stream():
    the ORM's loading step costs a third of the fetch for rows that are plain columns).

    With `prefetch`, the next chunk is asked for before this one is handed out: the driver
    (SQLite's thread, or PostgreSQL) works on it while the caller masks and writes this one.
    Only for a caller that runs no other query on the session meanwhile.
    """
    connection = await session.connection()
    result = await connection.stream(query.execution_options(yield_per=CHUNK))
    partitions = result.partitions(CHUNK).__aiter__()
    if not prefetch:
        async for partition in partitions:
            yield partition
        return
    pending = asyncio.ensure_future(anext(partitions, None))
    try:
        while (partition := await pending) is not None:
            pending = asyncio.ensure_future(anext(partitions, None))
            await asyncio.sleep(0)  # let the fetch start before the caller takes the loop
            yield partition
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending


def _anonymous(consultation_id) -> Any:
    """True where the consultation holds an anonymous grievance: exports then show no contact."""
    from storage.tickets import Ticket

    return exists().where(Ticket.consultation_id == consultation_id, Ticket.anonymous.is_(True)).label("anonymous")


def _anonymous_since(consultation_id) -> Any:
    """When the consultation's anonymous grievance began (None: it has none)."""
    from storage.tickets import Ticket

    return (select(func.min(Ticket.opened_at))
            .where(Ticket.consultation_id == consultation_id, Ticket.anonymous.is_(True))
            .scalar_subquery().label("anonymous_since"))


async def stream_message_chunks(session: AsyncSession, flt: JournalFilter) -> AsyncIterator[list[Row]]:
    """The journal's messages in the period, a chunk of rows at a time (the caller handles a
    chunk per await: one await per row cost a sixth of a 200,000-message export)."""
    query = (
        select(Message.id, Message.created_at, Message.channel, Message.direction, Message.content_type,
               Message.text, Message.consultation_id, Message.delivery_status, Message.author, *CONTACT_COLUMNS,
               _anonymous_since(Message.consultation_id))
        .join(Contact, Contact.id == Message.contact_id)
        .where(Message.created_at >= flt.start, Message.created_at < flt.end)
        .order_by(Message.id)
    )
    if flt.channel:
        query = query.where(Message.channel == flt.channel)
    async for partition in _rows(session, query):
        yield partition


@dataclass
class ConsultationRow:
    consultation: Row  # Consultation's columns and the contact's (CONTACT_COLUMNS)
    topics: list[str]
    messages_in: int
    messages_out: int


async def stream_consultation_chunks(session: AsyncSession, flt: JournalFilter) -> AsyncIterator[list[ConsultationRow]]:
    """Consultations in the period, a chunk at a time, with their topics and message counts."""
    c = Consultation
    query = (
        select(c.id, c.opened_at, c.closed_at, c.channel, c.language, c.human_involved, c.outcome, c.region,
               c.duration_seconds, *CONTACT_COLUMNS, _anonymous(c.id))
        .join(Contact, Contact.id == c.contact_id)
        .where(c.opened_at >= flt.start, c.opened_at < flt.end)
        .order_by(c.id)
    )
    if flt.channel:
        query = query.where(c.channel == flt.channel)
    async for partition in _rows(session, query, prefetch=False):  # two more queries per chunk
        # Topics and message counts per chunk: two queries per thousand consultations.
        ids = [row.id for row in partition]
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
        yield [ConsultationRow(row, topics.get(row.id, []), *counts.get(row.id, (0, 0))) for row in partition]


# --- tickets, CSAT and survey answers (issue 7), streamed the same way ------------------
async def _stream(session: AsyncSession, query) -> AsyncIterator[Row]:
    async for partition in _rows(session, query):
        for row in partition:
            yield row


async def stream_tickets(session: AsyncSession, flt: JournalFilter) -> AsyncIterator[Row]:
    """Tickets opened in the period, with the contact's columns and the assignee's name."""
    from storage.tickets import Operator, Ticket

    t = Ticket
    query = (select(t.id, t.kind, t.status, t.channel, t.language, t.anonymous, t.opened_at, t.first_reply_at,
                    t.resolved_at, t.sla_due_at, t.reopened_at, t.reopened_count, t.resolution,
                    Operator.name.label("assignee"), *CONTACT_COLUMNS)
             .join(Contact, Contact.id == t.contact_id)
             .outerjoin(Operator, Operator.id == t.assignee_id)
             .where(t.opened_at >= flt.start, t.opened_at < flt.end).order_by(t.id))
    if flt.channel:
        query = query.where(t.channel == flt.channel)
    async for row in _stream(session, query):
        yield row


async def stream_csat(session: AsyncSession, flt: JournalFilter) -> AsyncIterator[Row]:
    """CSAT polls queued or skipped in the period, with the outbox state of the question."""
    from storage.feedback import CsatRequest
    from storage.outbox import OutboxMessage

    r = CsatRequest
    key = literal("csat:") + cast(r.consultation_id, String)
    query = (select(r.consultation_id, r.created_at, r.channel, r.language, r.trigger, r.ticket_id, r.status,
                    r.skip_reason, r.score, r.score_changes, r.comment, r.answered_at,
                    OutboxMessage.state.label("delivery"), *CONTACT_COLUMNS, _anonymous(r.consultation_id))
             .join(Contact, Contact.id == r.contact_id)
             .outerjoin(OutboxMessage, OutboxMessage.dedup_key == key)
             .where(r.created_at >= flt.start, r.created_at < flt.end)
             .order_by(r.id))
    if flt.channel:
        query = query.where(r.channel == flt.channel)
    async for row in _stream(session, query):
        yield row


async def stream_survey_answers(session: AsyncSession, flt: JournalFilter,
                                survey_id: str | None = None) -> AsyncIterator[Row]:
    """One row per answer; a response with no answers yet gives one row with empty answer
    columns, so sent-but-unanswered shows too."""
    from storage.feedback import SurveyAnswer, SurveyResponse

    s, a = SurveyResponse, SurveyAnswer
    query = (select(s.survey_id, s.id.label("response_id"), s.channel, s.language, s.created_at, s.completed_at,
                    a.question_id, a.kind, a.score, a.value, a.answered_at, *CONTACT_COLUMNS)
             .join(Contact, Contact.id == s.contact_id)
             .outerjoin(a, a.response_id == s.id)
             .where(s.created_at >= flt.start, s.created_at < flt.end)
             .order_by(s.id, a.answered_at))
    if survey_id:
        query = query.where(s.survey_id == survey_id)
    if flt.channel:
        query = query.where(s.channel == flt.channel)
    async for row in _stream(session, query):
        yield row


def contact_phone(row: Any) -> str | None:
    """The stored phone, or the external id where that is a phone number (WhatsApp, calls)."""
    return row.phone or (row.external_id if row.contact_channel in ("whatsapp", "phone") else None)
