"""Failed tries to link an application (number + phone), counted across senders and channels.

A guesser rotating web chat senders or Telegram accounts is still one application number or
one phone: the limits count those. The phone is kept only as a keyed hash.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime


class LinkFailure(Base):
    __tablename__ = "link_failures"
    __table_args__ = (
        Index("ix_link_failures_number_at", "number", "at"),
        Index("ix_link_failures_phone_at", "phone_hash", "at"),
        Index("ix_link_failures_contact_at", "contact_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkFailures:
    def __init__(self, session: AsyncSession):
        self.session = session

    def record(self, *, number: str, phone_hash: str | None, contact_id: int, at: datetime) -> None:
        self.session.add(LinkFailure(number=number[:32], phone_hash=phone_hash, contact_id=contact_id, at=at))

    async def counts_since(self, since: datetime, *, number: str, phone_hash: str | None,
                           contact_id: int) -> tuple[int, int, int]:
        """Failures since `since` for (this number, this phone, this contact)."""
        async def count(condition) -> int:
            return int(await self.session.scalar(
                select(func.count()).select_from(LinkFailure).where(condition, LinkFailure.at >= since)) or 0)

        by_phone = await count(LinkFailure.phone_hash == phone_hash) if phone_hash else 0
        return (await count(LinkFailure.number == number[:32]), by_phone,
                await count(LinkFailure.contact_id == contact_id))
