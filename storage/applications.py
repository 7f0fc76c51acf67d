"""Grant applications imported by managers, and which contacts have linked them."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import ForeignKey, Index, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, Contact
from storage.types import UTCDateTime, utcnow

# The programme's application lifecycle, in order. Codes are domain state; texts live in notify.po.
STATUSES: tuple[str, ...] = (
    "received", "tech_passed", "tech_rejected", "winner", "not_selected",
    "contract_signed", "funded", "report_due", "completed",
)
# Grantees: statuses that receive report-due and mentor-meeting reminders unless configured otherwise.
GRANTEE_STATUSES: tuple[str, ...] = ("winner", "contract_signed", "funded", "report_due")


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    phone: Mapped[str] = mapped_column(String(16), index=True)  # +7XXXXXXXXXX
    region: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))
    # A reason code (age, registration, …) or the manager's free text; tech_rejected only.
    reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    import_batch: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApplicationLink(Base):
    """A contact proved they own an application (its number and phone)."""

    __tablename__ = "application_links"
    __table_args__ = (Index("ix_application_links_contact", "contact_id"),)

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def normalise_number(text: str) -> str:
    """Application numbers compare without spaces, a leading №/#, and case: "№ zp-0012" → "ZP-0012"."""
    return "".join(str(text).split()).lstrip("№#").upper()


_SEPARATORS = ("-", "/", ".", "_")


def _without_separators(number: str) -> str:
    for separator in _SEPARATORS:
        number = number.replace(separator, "")
    return number


class Applications:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def by_numbers(self, numbers: Iterable[str]) -> dict[str, Application]:
        numbers = list(numbers)
        found: dict[str, Application] = {}
        for start in range(0, len(numbers), 500):
            chunk = numbers[start:start + 500]
            rows = await self.session.scalars(select(Application).where(Application.number.in_(chunk)))
            found.update({row.number: row for row in rows})
        return found

    async def get_by_number(self, number: str) -> Application | None:
        """The application with this number, also when typed without or with other separators
        ("zp0101", "ZP 0101" for "ZP-0101") as long as only one number fits."""
        number = normalise_number(number)
        exact = await self.session.scalar(select(Application).where(Application.number == number))
        if exact is not None:
            return exact
        key = _without_separators(number)
        if not key:
            return None
        stored = Application.number
        for separator in _SEPARATORS:
            stored = func.replace(stored, separator, "")
        matches = list(await self.session.scalars(select(Application).where(stored == key).limit(2)))
        return matches[0] if len(matches) == 1 else None

    def add(self, application: Application) -> None:
        self.session.add(application)

    async def linked_contacts(self, application_ids: Iterable[int]) -> dict[int, list[Contact]]:
        ids = list(application_ids)
        result: dict[int, list[Contact]] = {}
        for start in range(0, len(ids), 500):
            rows = await self.session.execute(
                select(ApplicationLink.application_id, Contact)
                .join(Contact, Contact.id == ApplicationLink.contact_id)
                .where(ApplicationLink.application_id.in_(ids[start:start + 500]))
                .order_by(ApplicationLink.application_id, Contact.id))
            for application_id, contact in rows:
                result.setdefault(application_id, []).append(contact)
        return result

    async def by_phone(self, phone: str) -> list[Application]:
        """Applications filed with this phone number (+7XXXXXXXXXX), by number."""
        return list(await self.session.scalars(
            select(Application).where(Application.phone == phone).order_by(Application.number)))

    async def for_contact(self, contact_id: int) -> list[Application]:
        return list(await self.session.scalars(
            select(Application).join(ApplicationLink, ApplicationLink.application_id == Application.id)
            .where(ApplicationLink.contact_id == contact_id).order_by(Application.number)))

    async def link(self, application: Application, contact_id: int, *, now: datetime) -> bool:
        """Link a contact to an application; False if it already was."""
        existing = await self.session.get(ApplicationLink, (application.id, contact_id))
        if existing is not None:
            return False
        self.session.add(ApplicationLink(application_id=application.id, contact_id=contact_id, linked_at=now))
        await self.session.flush()
        return True

    async def related_contacts(self, contact: Contact) -> list[Contact]:
        """The same person on other channels: contacts linked to the same applications, or
        whose stored phone is the same (a WhatsApp number, a shared Telegram contact)."""
        application_ids = select(ApplicationLink.application_id).where(ApplicationLink.contact_id == contact.id)
        phones = {contact.phone} if contact.phone else set()
        phones |= set(await self.session.scalars(select(Application.phone).where(Application.id.in_(application_ids))))
        linked = select(ApplicationLink.contact_id).where(ApplicationLink.application_id.in_(application_ids))
        query = select(Contact).where(Contact.id.in_(linked) | Contact.id.in_([contact.id]))
        if phones:
            query = select(Contact).where(Contact.id.in_(linked) | (Contact.id == contact.id) | Contact.phone.in_(phones))
        return list(await self.session.scalars(query))

    async def unlinked_count(self) -> int:
        linked = select(ApplicationLink.application_id)
        return await self.session.scalar(
            select(func.count(Application.id)).where(Application.id.not_in(linked))) or 0

    async def count(self) -> int:
        return await self.session.scalar(select(func.count(Application.id))) or 0
