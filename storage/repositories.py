"""Small repositories over one session. They never commit: the unit of work does."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable

from sqlalchemy import Table, bindparam, case, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Consultation, ConsultationTopic, Contact, Message
from storage.upsert import insert_for


DELIVERY_RANK = {"pending": 0, "accepted": 1, "queued": 1, "sending": 2, "sent": 3,
                 "delivered": 4, "read": 5, "undelivered": 6, "failed": 6, "canceled": 6,
                 "unreachable": 6}


# The hot path's statements (every inbound batch runs them), built once with bind
# parameters: building a statement and its cache key anew cost ~0.25 ms of the bot's time
# per statement, a quarter of what running it costs.
_MESSAGES = Message.__table__
_SEEN_EVENTS = select(_MESSAGES.c.event_id).where(
    _MESSAGES.c.channel == bindparam("channel"), _MESSAGES.c.event_id.in_(bindparam("event_ids", expanding=True)))
_INSERT_MESSAGES = insert(_MESSAGES)
_INSERT_MESSAGES_RETURNING = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)
# SQLite: one multi-row INSERT … RETURNING; in parameter order, SQLAlchemy would insert row by row.
_INSERT_MESSAGES_RETURNING_IDS = insert(_MESSAGES).returning(_MESSAGES.c.id)
_DELIVERY_STATUS = _MESSAGES.c.delivery_status
_MARK_SENT = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("mid")).values(
    channel_message_id=bindparam("cmid"), error_code=bindparam("err"),
    # A status callback (delivered, read) may have arrived first: never step back to "sent".
    delivery_status=case((_DELIVERY_STATUS.is_(None) | (_DELIVERY_STATUS == "pending"),
                          bindparam("st", type_=_DELIVERY_STATUS.type)), else_=_DELIVERY_STATUS))


@lru_cache(maxsize=None)
def _insert_topics(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING into consultation_topics, in the dialect's words."""
    return insert_for(dialect, ConsultationTopic.__table__).on_conflict_do_nothing()


_CONTACTS_WITH_OPEN_CONSULTATIONS = (
    select(Contact, Consultation)
    .outerjoin(Consultation, (Consultation.contact_id == Contact.id) & Consultation.closed_at.is_(None))
    .where(Contact.channel == bindparam("channel"), Contact.external_id.in_(bindparam("external_ids", expanding=True)))
    # Should a contact have two open ones, the latest comes last and is the one kept.
    .order_by(Consultation.id)
    .options(lazyload(Consultation.topics))  # only ever added to, never read here
)


@lru_cache(maxsize=None)
def _columns_update(table: Table, columns: tuple[str, ...]):
    return update(table).where(table.c.id == bindparam("object_id")).values(
        {column: bindparam(f"new_{column}") for column in columns})


async def write_changed_columns(session: AsyncSession, objects: Iterable[Any]) -> None:
    """What the flows changed in the columns of stored `objects` (a batch's contacts and
    consultations): one UPDATE (executemany) per table and set of changed columns, after
    which the objects hold those values as committed. The ORM's flush writes the same, at
    three times the cost for a batch of seven; it is left what this does not write (new
    objects, collections)."""
    groups: dict[tuple[Table, tuple[str, ...]], list[tuple[Any, dict[str, Any]]]] = {}
    for obj in {id(obj): obj for obj in objects}.values():  # a contact may have sent two messages
        state = inspect(obj)
        if not state.persistent or not state.committed_state:
            continue
        columns = state.mapper.column_attrs
        changed = tuple(sorted(key for key in state.committed_state if key in columns))
        if changed:
            groups.setdefault((state.mapper.local_table, changed), []).append(
                (obj, {key: getattr(obj, key) for key in changed}))
    for (table, changed), rows in groups.items():
        await session.execute(_columns_update(table, changed), [
            {"object_id": obj.id, **{f"new_{key}": value for key, value in values.items()}}
            for obj, values in rows])
        for obj, values in rows:
            for key, value in values.items():
                set_committed_value(obj, key, value)


class Contacts:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get_or_create(self, channel: str, external_id: str, *, display_name: str | None = None) -> Contact:
        contact = await self.session.scalar(
            select(Contact).where(Contact.channel == channel, Contact.external_id == external_id)
        )
        if contact is None:
            try:
                async with self.session.begin_nested():
                    contact = Contact(channel=channel, external_id=external_id, display_name=display_name, state={})
                    self.session.add(contact)
            except IntegrityError:
                # Another request stored the same person between our look-up and our insert
                # (two calls logged at once for one number): theirs is the contact.
                contact = await self.session.scalar(
                    select(Contact).where(Contact.channel == channel, Contact.external_id == external_id)
                )
                if contact is None:
                    raise
        elif display_name and contact.display_name != display_name:
            contact.display_name = display_name
        return contact

    async def with_open_consultations(self, channel: str, names: dict[str, str | None]
                                      ) -> tuple[dict[str, Contact], dict[int, Consultation]]:
        """external_id → Contact for every id in `names` (created if new, display names kept up
        to date), and contact id → open consultation, in one query: an inbound batch's first
        reads (a statement costs ~1 ms of the bot's time, whatever it reads)."""
        if not names:
            return {}, {}
        rows = await self.session.execute(_CONTACTS_WITH_OPEN_CONSULTATIONS,
                                          {"channel": channel, "external_ids": list(names)})
        found: dict[str, Contact] = {}
        consultations: dict[int, Consultation] = {}
        for contact, consultation in rows:
            found[contact.external_id] = contact
            if consultation is not None:
                consultations[contact.id] = consultation
        await self._complete(channel, names, found)
        return found, consultations

    async def _complete(self, channel: str, names: dict[str, str | None], found: dict[str, Contact]) -> None:
        """Create the contacts not `found` (they get ids now); keep display names current."""
        created = False
        for external_id, display_name in names.items():
            contact = found.get(external_id)
            if contact is None:
                contact = Contact(channel=channel, external_id=external_id, display_name=display_name, state={})
                self.session.add(contact)
                found[external_id] = contact
                created = True
            elif display_name and contact.display_name != display_name:
                contact.display_name = display_name
        if created:
            await self.session.flush()

    async def get(self, contact_id: int) -> Contact | None:
        return await self.session.get(Contact, contact_id)

    async def find(self, channel: str, external_id: str) -> Contact | None:
        return await self.session.scalar(
            select(Contact).where(Contact.channel == channel, Contact.external_id == external_id)
        )


class Consultations:
    def __init__(self, session: AsyncSession):
        self.session = session
        self._new_topics: dict[int, tuple[Consultation, list[str]]] = {}

    async def current(self, contact_id: int) -> Consultation | None:
        return await self.session.scalar(
            select(Consultation)
            .where(Consultation.contact_id == contact_id, Consultation.closed_at.is_(None))
            .order_by(Consultation.id.desc())
            .limit(1)
        )

    def open(self, contact: Contact, *, now: datetime) -> Consultation:
        consultation = Consultation(
            contact_id=contact.id, channel=contact.channel, language=contact.language,
            opened_at=now, last_activity_at=now, topics=[],
        )
        self.session.add(consultation)
        return consultation

    def add_topic(self, consultation: Consultation, topic: str) -> None:
        """Note that `topic` came up; written by `flush_topics`, at most once per consultation."""
        pending = self._new_topics.setdefault(consultation.id, (consultation, []))[1]
        if topic not in pending:
            pending.append(topic)

    def pending_topics(self) -> dict[int, tuple[Consultation, list[str]]]:
        """A copy of the topics noted but not yet written (to undo a failed turn's)."""
        return {key: (consultation, list(topics)) for key, (consultation, topics) in self._new_topics.items()}

    def restore_pending_topics(self, pending: dict[int, tuple[Consultation, list[str]]]) -> None:
        self._new_topics = pending

    async def flush_topics(self, now: datetime) -> None:
        """Write the noted topics without loading the ones already stored (a duplicate is
        ignored by the primary key). Positions keep the order topics came up in."""
        rows = []
        for consultation, topics in self._new_topics.values():
            base = consultation.topic_clock(now)
            rows.extend({"consultation_id": consultation.id, "topic": topic, "position": base + index}
                        for index, topic in enumerate(topics))
        self._new_topics.clear()
        if not rows:
            return
        await self.session.execute(_insert_topics(self.session.bind.dialect.name), rows)

    async def close_idle(self, *, now: datetime, idle: timedelta) -> list[int]:
        """Close consultations idle for `idle`; return their ids (CSAT hooks in here later)."""
        ids = list(
            await self.session.scalars(
                select(Consultation.id).where(
                    Consultation.closed_at.is_(None), Consultation.last_activity_at <= now - idle
                )
            )
        )
        if ids:
            await self.session.execute(
                update(Consultation)
                .where(Consultation.id.in_(ids))
                .values(closed_at=Consultation.last_activity_at)
            )
        return ids

    async def phone_calls_at(self, calls: Iterable[tuple[str, datetime]]) -> set[tuple[str, datetime]]:
        """Which of these (phone contact, start) pairs the journal already holds as phone
        consultations: what a re-imported call log must not add again."""
        wanted = set(calls)
        found: set[tuple[str, datetime]] = set()
        phones = sorted({phone for phone, _ in wanted})
        if not wanted:
            return found
        earliest, latest = min(at for _, at in wanted), max(at for _, at in wanted)
        for start in range(0, len(phones), 500):
            rows = await self.session.execute(
                select(Contact.external_id, Consultation.opened_at)
                .join(Contact, Contact.id == Consultation.contact_id)
                .where(Contact.channel == "phone", Consultation.channel == "phone",
                       Contact.external_id.in_(phones[start:start + 500]),
                       Consultation.opened_at >= earliest, Consultation.opened_at <= latest))
            found.update(pair for pair in map(tuple, rows) if pair in wanted)
        return found


class Journal:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def seen_events(self, channel: str, event_ids: Iterable[str]) -> set[str]:
        event_ids = [event_id for event_id in event_ids if event_id]
        if not event_ids:
            return set()
        return set(await self.session.scalars(_SEEN_EVENTS, {"channel": channel, "event_ids": event_ids}))

    def record(self, **fields: Any) -> Message:
        message = Message(**fields)
        self.session.add(message)
        return message

    async def record_many(self, rows: list[dict[str, Any]], *, return_ids: bool = False) -> list[int]:
        """Insert many journal rows in one statement; their ids, in order, if asked.

        The ORM inserts rows one by one on SQLite when it needs their ids back, which is the
        slowest part of a busy batch. PostgreSQL returns ids in parameter order. On SQLite the
        rows of one INSERT get increasing rowids in the order given (the write lock is ours
        from the first row on, and a rowid table without AUTOINCREMENT takes max(rowid) + 1),
        so the returned ids, sorted, are in the rows' order.
        """
        if not rows:
            return []
        for row in rows:
            for column in ("payload", "buttons", "event_id", "channel_message_id",
                           "delivery_status", "error_code", "consultation_id"):
                row.setdefault(column, None)
        if not return_ids:
            await self.session.execute(_INSERT_MESSAGES, rows)
            return []
        if self.session.bind.dialect.name == "postgresql":
            result = await self.session.execute(_INSERT_MESSAGES_RETURNING, rows)
            return [row[0] for row in result]
        return sorted(row[0] for row in await self.session.execute(_INSERT_MESSAGES_RETURNING_IDS, rows))

    async def set_delivery(
        self, channel: str, channel_message_id: str, status: str, error_code: str | None = None
    ) -> bool:
        """Record a delivery status callback; False if no such message (yet)."""
        message = await self.session.scalar(
            select(Message).where(Message.channel == channel,
                                  Message.channel_message_id == channel_message_id).limit(1)
        )
        if message is None:
            return False
        # Callbacks can arrive out of order: "sent" after "delivered" must not step back.
        if DELIVERY_RANK.get(status, 0) >= DELIVERY_RANK.get(message.delivery_status or "", 0):
            message.delivery_status = status
            message.error_code = error_code or message.error_code
        return True

    async def mark_sent(self, message_id: int, channel_message_id: str | None, status: str,
                        error_code: str | None = None) -> None:
        await self.mark_sent_many([(message_id, channel_message_id, status, error_code)])

    async def mark_sent_many(self, results: list[tuple[int, str | None, str, str | None]]) -> None:
        """(message id, channel message id, status, error code) for a batch of sends."""
        if not results:
            return
        await self.session.execute(_MARK_SENT, [{"mid": m, "cmid": c, "err": e, "st": st} for m, c, st, e in results])

    async def outbound_after(self, contact_id: int, after_id: int, *,
                             statuses: Iterable[str] | None = None, limit: int = 100) -> list[Message]:
        query = select(Message).where(
            Message.contact_id == contact_id, Message.direction == "out", Message.id > after_id
        )
        if statuses is not None:
            query = query.where(Message.delivery_status.in_(list(statuses)))
        return list(await self.session.scalars(query.order_by(Message.id).limit(limit)))

    async def contact_messages(self, contact_id: int, limit: int = 500) -> list[Message]:
        return list(
            await self.session.scalars(
                select(Message).where(Message.contact_id == contact_id).order_by(Message.id.desc()).limit(limit)
            )
        )[::-1]
