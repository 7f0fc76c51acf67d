"""Typed models of the consultation journal and per-contact bot state."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime, string_enum, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ConversationMode(StrEnum):
    """Who answers the contact: the bot, or an operator (a ticket is open and not handed back).
    Changed only by handoff.lifecycle."""

    bot = "bot"
    human = "human"


class Contact(Base):
    """One person on one channel (a Telegram user, a WhatsApp number, a web chat sender)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(256))
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(2))
    # Current flow, step and its answers, last buttons shown; see handlers.state.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mode: Mapped[ConversationMode] = mapped_column(string_enum(ConversationMode, 8), default=ConversationMode.bot)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Asked to be told when the next season is announced (the wizard's offer out of season).
    next_season_optin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Derived from the eligibility check; the IIN, the birth date and the birth year are
    # never stored. iin_hash is a keyed scrypt hash (core.iin) to spot repeated applicants;
    # only the age band and sex are kept beside it, so guessing stays expensive.
    age_band: Mapped[str | None] = mapped_column(String(16))
    sex: Mapped[str | None] = mapped_column(String(8))  # male | female (from the IIN)
    iin_hash: Mapped[str | None] = mapped_column(String(64), index=True)


class Consultation(Base):
    """One episode of a contact's conversation, as the call centre's journal counts them."""

    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_contact_open", "contact_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(2))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    human_involved: Mapped[bool] = mapped_column(Boolean, default=False)
    # answered | not_understood | handed_off | eligibility:<verdict> | media | … (last wins)
    outcome: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(32))
    # A phone call's opened_at is when the call took place (it may be logged days later);
    # age_band is what the caller told the operator, in the grant operator's bands.
    age_band: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # The last eligibility check in this consultation: eligible | not_eligible |
    # needs_documents, and the failed criteria (eligibility.rules.CRITERIA).
    eligibility_verdict: Mapped[str | None] = mapped_column(String(32))
    eligibility_failed: Mapped[list[str] | None] = mapped_column(JSON)

    contact: Mapped[Contact] = relationship(lazy="raise")
    topics: Mapped[list[ConsultationTopic]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ConsultationTopic.position"
    )

    @property
    def topic_ids(self) -> list[str]:
        return [topic.topic for topic in self.topics]

    def topic_clock(self, now: datetime) -> int:
        """A position for topics noted now: seconds since opening × 100, so topics sort in
        the order they came up (up to 100 per message) without reading the stored ones.
        Capped to fit a 32-bit column; a consultation closes after minutes of silence."""
        return min(max(0, int((now - self.opened_at).total_seconds())) * 100, 2_000_000_000)


class ConsultationTopic(Base):
    __tablename__ = "consultation_topics"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Message(Base):
    """Every inbound and outbound message, as it was, in UTC."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "event_id"),
        Index("ix_messages_contact_id_id", "contact_id", "id"),
        Index("ix_messages_channel_message", "channel", "channel_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    content_type: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(String(64))
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    # The delivery's id (update_id, MessageSid) for deduplication of inbound messages.
    event_id: Mapped[str | None] = mapped_column(String(64))
    channel_message_id: Mapped[str | None] = mapped_column(String(64))
    # Outbound: pending → sent → delivered / read / failed (Twilio status callbacks).
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    author: Mapped[str | None] = mapped_column(String(64))  # bot | operator:<name> | system
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
