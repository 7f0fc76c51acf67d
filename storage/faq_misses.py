"""Questions the FAQ could not answer: declined by the matcher, or answered and disowned by
the user ("не то", a "not helpful" button). Editors read them grouped (faq.misses) and turn
them into topic examples; a miss whose question became an example is marked `added_to`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime, utcnow

MISS_KINDS = ("declined", "disowned")


class FaqMiss(Base):
    __tablename__ = "faq_misses"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    # The language the question was typed in (detected), else the contact's language.
    language: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(16))  # declined | disowned
    text: Mapped[str] = mapped_column(Text)
    # declined: the likeliest topic the bot did not dare to answer; disowned: the topic it answered.
    topic: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None]
    # Set when an editor added the question to a topic's examples.
    added_to: Mapped[str | None] = mapped_column(String(64))
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FaqMisses:
    def __init__(self, session: AsyncSession):
        self.session = session

    def record(self, **fields) -> FaqMiss:
        if fields.get("kind") not in MISS_KINDS:
            raise ValueError(f"miss kind must be one of {MISS_KINDS}")
        miss = FaqMiss(**fields)
        self.session.add(miss)
        return miss

    async def between(self, start: datetime, end: datetime, *, include_added: bool = False) -> list[FaqMiss]:
        query = select(FaqMiss).where(FaqMiss.created_at >= start, FaqMiss.created_at < end)
        if not include_added:
            query = query.where(FaqMiss.added_to.is_(None))
        return list(await self.session.scalars(query.order_by(FaqMiss.id)))

    async def mark_added(self, ids: list[int], topic: str, at: datetime) -> int:
        if not ids:
            return 0
        result = await self.session.execute(
            update(FaqMiss).where(FaqMiss.id.in_(ids)).values(added_to=topic, added_at=at))
        return result.rowcount or 0
