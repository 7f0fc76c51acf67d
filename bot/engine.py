"""The conversation engine: journal the inbound, run the flows, journal the replies.

Every channel hands it channel-neutral `Inbound`s (a batch from one `getUpdates`, or one
webhook) and gives what it returns to bot/delivery. Inbound messages are committed with
their replies (on their own when a handler fails) before anything is sent, and a delivery
seen before (same update_id / MessageSid) is neither journaled nor answered again. Replies
are journaled through bot/delivery/journal.py, like every other message the bot sends.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from weakref import WeakValueDictionary
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from sqlalchemy.exc import IntegrityError

from bot.delivery.journal import record_outbound, remember_offered
from core.messages import PAYLOAD_PATTERN, Address, Channel, ContentType, Inbound, Reply
from core.text import storable
from handlers.router import dispatch
from handlers.turn import Services, Turn
from storage.models import Consultation, Contact
from storage.repositories import write_changed_columns
from storage.types import utcnow
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)


class ConversationEngine:
    def __init__(
        self, db: Database, services: Services, *, idle_minutes: int = 30,
        clock: Callable[[], datetime] = utcnow, masker: Callable[[str], str] | None = None,
        max_message_length: int = 4096,
    ):
        self.db = db
        self.services = services
        self.idle = timedelta(minutes=idle_minutes)
        self.clock = clock
        # Masks personal data (IINs) before text reaches the journal.
        self.masker = masker or (lambda text: text)
        self.max_message_length = max_message_length
        # A lock per sender only while someone holds it: 60,000 senders leave nothing behind.
        self._locks: WeakValueDictionary[tuple[str, str], asyncio.Lock] = WeakValueDictionary()
        # Told (channel, inbound count, seconds) after each batch: the metrics' reply latency.
        self.observer: Callable[[str, int, float], None] | None = None
        # Writes that wait for the write lock ride in the batch's last commit (the delivery
        # results of earlier batches: one transaction fewer per batch). Called with the unit
        # of work; returns None or an object told `committed()` or `rolled_back()`.
        self.ride_along: Callable[[UnitOfWork], Awaitable[Any]] | None = None

    async def handle(self, inbound: Inbound) -> list[Reply]:
        return await self.handle_batch([inbound])

    async def handle_batch(self, inbounds: list[Inbound], *, delivered: bool = False) -> list[Reply]:
        """Journal and answer `inbounds`; the replies come back journaled as pending, for the
        caller to send. `delivered=True`: the caller hands them over in its own answer (the web
        chat's HTTP response), so they are journaled as delivered in the batch's commit."""
        if not inbounds:
            return []
        keys = sorted({(inbound.channel.value, inbound.user_id) for inbound in inbounds})
        # One contact's messages are handled in order, even across concurrent webhooks.
        started = time.perf_counter()
        async with AsyncExitStack() as stack:
            for key in keys:
                lock = self._locks.get(key)
                if lock is None:
                    lock = self._locks[key] = asyncio.Lock()
                await stack.enter_async_context(lock)
            replies = await self._handle_locked(inbounds, "delivered" if delivered else "pending")
        if self.observer is not None:
            self.observer(inbounds[0].channel.value, len(inbounds), time.perf_counter() - started)
        return replies

    async def _handle_locked(self, inbounds: list[Inbound], status: str) -> list[Reply]:
        async with self.db.write_lock:
            try:
                return await self._handle_stored(inbounds, status)
            except IntegrityError:
                # Another process (or webhook) stored the same delivery between our check and
                # our insert: once more, and this time it is seen as the duplicate it is.
                log.info("a delivery was stored concurrently; handling the batch again")
                return await self._handle_stored(inbounds, status)

    async def _handle_stored(self, inbounds: list[Inbound], status: str) -> list[Reply]:
        """The batch in one transaction: its inbound messages, the turns, the replies.

        Should a handler raise, that transaction is rolled back and the batch is stored
        again: first its inbound messages, committed on their own, then each turn in a
        SAVEPOINT, so the failing turn is undone alone and its user gets the "something
        went wrong" text. The usual case costs one commit, not two (one transaction's
        statements and WAL pages fewer per batch)."""
        now = self.clock()
        # What pressing a typed button changes on an inbound; undone before a replay.
        as_received = [(inbound.payload, inbound.content_type) for inbound in inbounds]
        async with self.db.sessions() as session:
            uow = UnitOfWork(session)
            # Flushes happen where we say: autoflush before every query costs more than the work.
            session.autoflush = False
            accepted = await self._record_inbound(uow, inbounds, now)
            addresses = self._addresses(accepted)
            try:
                turns = await self._run_turns(accepted, uow, now)
            except Exception:
                log.info("a handler failed: storing the batch again, one savepoint per turn")
                await session.rollback()
                uow.consultations.restore_pending_topics({})
                for inbound, (payload, content_type) in zip(inbounds, as_received):
                    inbound.payload, inbound.content_type = payload, content_type
                accepted = await self._record_inbound(uow, inbounds, now)
                addresses = self._addresses(accepted)
                await session.commit()  # kept, whatever the turns do
                turns = [await self._run_turn(session, uow, self._turn(accepted_item, uow, now))
                         for accepted_item in accepted]
            replies = [(turn.contact, turn.consultation, outbound) for turn in turns for outbound in turn.replies]

            await uow.consultations.flush_topics(now)
            await write_changed_columns(session, [obj for turn in turns for obj in (turn.contact, turn.consultation)])
            await session.flush()
            message_ids = await record_outbound(
                uow, [(contact, consultation.id, outbound) for contact, consultation, outbound in replies],
                author="bot", now=now, masker=self.masker, remember=False, status=status)
            riders = await self.ride_along(uow) if self.ride_along is not None else None
            try:
                await session.commit()
            except BaseException:
                if riders is not None:
                    riders.rolled_back()
                raise
            if riders is not None:
                riders.committed()
            return [
                Reply(message_id=message_id, contact_id=contact.id,
                      address=Address(Channel(contact.channel), addresses.get(contact.id, contact.external_id)),
                      outbound=outbound, lang=contact.language or self.services.default_language)
                for message_id, (contact, _consultation, outbound) in zip(message_ids, replies)
            ]

    @staticmethod
    def _addresses(accepted) -> dict[int, str]:
        # Where replies go, taken before the flows run: /forget erases the contact's
        # external id, and its confirmation must still reach the person.
        return {contact.id: contact.external_id for _inbound, contact, _consultation in accepted}

    def _turn(self, accepted_item, uow: UnitOfWork, now: datetime) -> Turn:
        inbound, contact, consultation = accepted_item
        return Turn(inbound=inbound, contact=contact, consultation=consultation, uow=uow,
                    services=self.services, now=now)

    async def _run_turns(self, accepted, uow: UnitOfWork, now: datetime) -> list[Turn]:
        """The batch's turns, all in the batch's transaction (a handler that raises is
        handled by the caller)."""
        turns = [self._turn(item, uow, now) for item in accepted]
        for turn in turns:
            self._resolve_typed_button(turn)
            await dispatch(turn)
            self._remember_offered(turn)
        return turns

    @staticmethod
    def _remember_offered(turn: Turn) -> None:
        if turn.replies:  # a silent turn (an operator has the chat) changes nothing shown
            remember_offered(turn.contact, turn.replies)

    async def _run_turn(self, session, uow: UnitOfWork, turn: Turn) -> Turn:
        """Dispatch one turn inside a SAVEPOINT: a handler that raises leaves nothing
        half-written (the inbound, committed before, stays), and the user is told."""
        topics = uow.consultations.pending_topics()
        savepoint = await session.begin_nested()
        try:
            self._resolve_typed_button(turn)
            await dispatch(turn)
            await savepoint.commit()  # flushes the turn's changes and releases the savepoint
        except Exception:
            log.exception("handler failed on a %s message", turn.inbound.channel.value)
            if savepoint.is_active:
                await savepoint.rollback()
            uow.consultations.restore_pending_topics(topics)
            # The rollback expired what the turn touched; load the stored state again.
            await session.refresh(turn.contact)
            await session.refresh(turn.consultation)
            turn.replies = []
            turn.say_key("error.generic")
        self._remember_offered(turn)
        return turn

    async def _record_inbound(self, uow: UnitOfWork, inbounds: list[Inbound], now: datetime):
        """Journal a batch of inbound messages; return (inbound, contact, consultation) for
        the ones not seen before. Contacts and open consultations are loaded per batch."""
        fresh: list[Inbound] = []
        seen: set[tuple[str, str]] = set()
        by_channel: defaultdict[str, list[Inbound]] = defaultdict(list)
        for inbound in inbounds:
            by_channel[inbound.channel.value].append(inbound)
        for channel, items in by_channel.items():
            known = await uow.journal.seen_events(channel, [i.event_id for i in items if i.event_id])
            seen |= {(channel, event_id) for event_id in known}
        for inbound in inbounds:
            key = (inbound.channel.value, inbound.event_id or "")
            if inbound.event_id and key in seen:
                log.info("duplicate delivery %s/%s ignored", *key)
                continue
            seen.add(key)
            fresh.append(inbound)

        contacts: dict[tuple[str, str], Contact] = {}
        open_consultations: dict[int, Consultation] = {}
        fresh_ids = {id(inbound) for inbound in fresh}  # `in fresh` compared dataclasses pairwise
        for channel, items in by_channel.items():
            found, consultations = await uow.contacts.with_open_consultations(
                channel, {i.user_id: i.display_name for i in items if id(i) in fresh_ids})
            contacts.update({(channel, external_id): c for external_id, c in found.items()})
            open_consultations.update(consultations)

        accepted = []
        active_contacts: dict[int, Contact] = {}
        active_consultations: dict[int, Consultation] = {}
        for inbound in fresh:
            channel = inbound.channel.value
            inbound.text = storable(inbound.text or "")
            if len(inbound.text) > self.max_message_length:
                # Answered as usual, from the first MAX_MESSAGE_LENGTH characters; the journal
                # says how much was cut (the cut text is what every flow sees).
                cut = len(inbound.text) - self.max_message_length
                inbound.text = inbound.text[:self.max_message_length]
                inbound.truncated = cut
            contact = contacts[(channel, inbound.user_id)]
            if inbound.shared_phone:
                contact.phone = inbound.shared_phone
            active_contacts[contact.id] = contact
            consultation = open_consultations.get(contact.id)
            if consultation is None or now - consultation.last_activity_at >= self.idle:
                if consultation is not None:
                    consultation.closed_at = consultation.last_activity_at
                consultation = uow.consultations.open(contact, now=now)
                open_consultations[contact.id] = consultation
            if consultation.id is not None:  # a new one was opened with last_activity_at = now
                active_consultations[consultation.id] = consultation
            accepted.append((inbound, contact, consultation))
        if uow.session.new:  # consultation ids for the journal rows below
            await uow.flush()
        # Written with the flows' changes at the end of the batch (write_changed_columns).
        for contact in active_contacts.values():
            contact.last_inbound_at = now
        for consultation in active_consultations.values():
            consultation.last_activity_at = now
        await uow.journal.record_many([
            dict(contact_id=contact.id, consultation_id=consultation.id, channel=inbound.channel.value,
                 direction="in", content_type=inbound.content_type.value,
                 text=self._journal_text(inbound, contact), payload=inbound.payload,
                 event_id=inbound.event_id, channel_message_id=inbound.channel_message_id,
                 author="user", created_at=now)
            for inbound, contact, consultation in accepted
        ])
        return accepted

    def _journal_text(self, inbound: Inbound, contact: Contact) -> str:
        # A flow that asked for personal data it must not keep (a birth date) leaves a
        # placeholder in the contact's state; the typed answer is never written.
        placeholder = (contact.state or {}).get("redact_inbound")
        if placeholder and inbound.content_type == ContentType.text:
            return placeholder
        text = self.masker(inbound.text)
        if inbound.truncated:
            text += f" […{inbound.truncated} more characters not kept]"
        return text

    @staticmethod
    def _resolve_typed_button(turn: Turn) -> None:
        """A typed number or button title, or a raw payload, presses that button.

        This is how numbered options work on WhatsApp and in the terminal, and how a web
        chat widget presses a button by sending its payload as the message.
        """
        inbound = turn.inbound
        if inbound.payload or inbound.content_type not in (ContentType.text, ContentType.button):
            return
        text = inbound.text.strip()
        if not text or len(text) > 64:
            return
        if PAYLOAD_PATTERN.match(text):
            inbound.payload = text
            inbound.content_type = ContentType.button
            return
        buttons = turn.state.get("buttons") or []
        folded = text.casefold().rstrip(".)")
        for number, (title, payload) in enumerate(buttons, start=1):
            if folded == str(number) or folded == title.casefold():
                inbound.payload = payload
                inbound.content_type = ContentType.button
                return
