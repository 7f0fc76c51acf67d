"""Satisfaction polls (CSAT) after consultations and stage surveys, and their repositories.

A CSAT row is created once per consultation (UNIQUE consultation_id), whether it was sent
or skipped (`skip_reason`); the answer is stored on the same row. A survey response is one
per (survey, contact) (UNIQUE); its answers are one row per question, so a survey left
half-way keeps what was given.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import (ForeignKey, Index, Integer, String, Text, UniqueConstraint, and_, exists, or_, select)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.applications import Application, ApplicationLink
from storage.models import Base, Consultation, Contact, Message
from storage.tickets import ACTIVE_STATUSES, Ticket
from storage.types import UTCDateTime, utcnow
from storage.upsert import dialect_insert

# Inbound payloads that are answers to polls, not a conversation of their own.
FEEDBACK_PREFIXES = ("csat:", "survey:")
FEEDBACK_OUTCOME = "feedback"
MAX_SCORE_CHANGES = 1


class CsatRequest(Base):
    __tablename__ = "csat"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    trigger: Mapped[str] = mapped_column(String(16))  # idle | ticket
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    # queued (handed to the outbox) | skipped (skip_reason says why) | answered
    status: Mapped[str] = mapped_column(String(16), default="queued")
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[int | None] = mapped_column(Integer)
    score_changes: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "contact_id"),
                      Index("ix_survey_responses_created", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # queued to the outbox
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # scale | choice | text
    score: Mapped[int | None] = mapped_column(Integer)  # scale answers, 1–5
    value: Mapped[str | None] = mapped_column(Text)  # the choice id or the text (IINs masked)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def real_exchange():
    """SQL condition: the consultation had a conversation, not a lone /start, a language
    pick or an answer to a poll."""
    return exists().where(
        Message.consultation_id == Consultation.id, Message.direction == "in",
        Message.content_type != "command",
        or_(Message.payload.is_(None),
            and_(Message.payload.not_like("lang:%"), Message.payload.not_like("csat:%"),
                 Message.payload.not_like("survey:%"))))


class CsatRequests:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def candidates(self, consultation_ids: Iterable[int], *, skip_open_tickets: bool
                         ) -> list[tuple[Consultation, Contact]]:
        """Closed consultations that deserve a CSAT and have none yet, with their contacts."""
        ids = list(consultation_ids)
        if not ids:
            return []
        query = (select(Consultation, Contact).join(Contact, Contact.id == Consultation.contact_id)
                 .where(Consultation.id.in_(ids), Consultation.channel != "phone",
                        or_(Consultation.outcome.is_(None), Consultation.outcome != FEEDBACK_OUTCOME),
                        real_exchange(),
                        ~exists().where(CsatRequest.consultation_id == Consultation.id)))
        if skip_open_tickets:
            # An operator still has it: the CSAT comes when the ticket is resolved.
            query = query.where(~exists().where(Ticket.consultation_id == Consultation.id,
                                                Ticket.status.in_(ACTIVE_STATUSES)))
        return [(c, contact) for c, contact in await self.session.execute(query.order_by(Consultation.id))]

    async def add(self, rows: list[dict[str, Any]]) -> set[int]:
        """Insert CSAT rows; return the consultation ids that were new (the UNIQUE key wins races)."""
        if not rows:
            return set()
        statement = dialect_insert(self.session, CsatRequest).on_conflict_do_nothing(index_elements=["consultation_id"])
        result = await self.session.execute(statement.returning(CsatRequest.consultation_id), rows)
        return set(result.scalars())

    async def for_consultation(self, consultation_id: int) -> CsatRequest | None:
        return await self.session.scalar(
            select(CsatRequest).where(CsatRequest.consultation_id == consultation_id))


class Surveys:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def audience(self, *, statuses: list[str] | None = None, eligibility_checked: bool = False,
                       verdicts: list[str] | None = None) -> list[Contact]:
        """Contacts not opted out: linked to an application in `statuses`, or who did an
        eligibility check (with one of `verdicts`, if given)."""
        conditions = []
        if statuses:
            conditions.append(Contact.id.in_(
                select(ApplicationLink.contact_id)
                .join(Application, Application.id == ApplicationLink.application_id)
                .where(Application.status.in_(statuses))))
        if eligibility_checked:
            checked = select(Consultation.contact_id).where(Consultation.eligibility_verdict.is_not(None))
            if verdicts:
                checked = checked.where(Consultation.eligibility_verdict.in_(verdicts))
            conditions.append(Contact.id.in_(checked))
        if not conditions:
            return []
        return list(await self.session.scalars(
            select(Contact).where(or_(*conditions), Contact.opted_out.is_(False),
                                  Contact.channel != "phone").order_by(Contact.id)))

    async def add_responses(self, rows: list[dict[str, Any]]) -> set[int]:
        """Insert response rows; return the contact ids that were new (one per survey and contact)."""
        new: set[int] = set()
        for start in range(0, len(rows), 500):
            statement = dialect_insert(self.session, SurveyResponse).on_conflict_do_nothing(
                index_elements=["survey_id", "contact_id"])
            result = await self.session.execute(statement.returning(SurveyResponse.contact_id),
                                                rows[start:start + 500])
            new |= set(result.scalars())
        return new

    async def response(self, survey_id: str, contact_id: int) -> SurveyResponse | None:
        return await self.session.scalar(select(SurveyResponse).where(
            SurveyResponse.survey_id == survey_id, SurveyResponse.contact_id == contact_id))

    async def sent_count(self, survey_id: str) -> int:
        from sqlalchemy import func

        return await self.session.scalar(
            select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey_id)) or 0

    async def answers(self, response_id: int) -> dict[str, SurveyAnswer]:
        rows = await self.session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response_id))
        return {row.question_id: row for row in rows}

    async def save_answer(self, response: SurveyResponse, question_id: str, kind: str, *,
                          score: int | None, value: str | None, now: datetime) -> None:
        """Store (or replace) one answer; the response counts as started from the first one."""
        answer = await self.session.get(SurveyAnswer, (response.id, question_id))
        if answer is None:
            self.session.add(SurveyAnswer(response_id=response.id, question_id=question_id, kind=kind,
                                          score=score, value=value, answered_at=now))
        else:
            answer.score, answer.value, answer.answered_at = score, value, now
        if response.started_at is None:
            response.started_at = now
        await self.session.flush()
