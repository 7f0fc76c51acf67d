"""The outbox sender: paces, sends, records — and survives kill -9 without loss or repeat.

One loop per channel picks due `queued` rows. For each row, in this order:

1. claim: `queued → sending` (compare-and-set, so two senders never take one row) together
   with its journal row (author "system:notify"), in **one commit of its own, just before the
   request** (only the wait for the next pacing slot, about 1/rate s, comes between);
2. one HTTP request (the channel's `send_once`);
3. record the outcome (`sent`, or back to `queued` with a next attempt time, or a final state)
   in a commit right after the answer.

Only a row whose request was out but whose outcome was not recorded can be ambiguous: it is
still `sending`. Such rows exist only for requests in flight, never for rows merely fetched.
To shrink the window further, a successful send is first appended to a local *sent log*
(`<row id> <message id>` — one `write(2)`, microseconds, survives kill -9 as it is in the OS
page cache) the instant the API answers, before the database commit; recovery reads it. What
remains ambiguous is a request the API had processed but whose answer we had not yet read
(about a millisecond per message). The sender runs only in the leader process (bot.delivery.leader),
so when it starts every `sending` row belongs to a dead sender and is recovered at once (no
waiting period is needed: the leader lock is the proof the old sender is gone): in the sent
log → `sent`; otherwise the policy
(OUTBOX_AMBIGUOUS_POLICY): `fail` (default, at-most-once as the programme asks: each status is
notified at most once; the row is marked failed "interrupted mid-send (may have arrived)" and
shown to managers in the delivery report) or `resend` (at-least-once: may repeat one message).

Limits: Telegram — `telegram_rate` messages/s overall, evenly spaced, and one message per
`per_chat_interval` per chat; a 429 pauses every Telegram send for retry_after. Twilio — the
configured account rate. 5xx and network errors are retried with exponential backoff up to
`max_attempts`; a 403 marks the contact unreachable (its other queued rows too).
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from bot.delivery.journal import record_outbound, remember_offered
from bot.delivery.outcomes import RetryPolicy
from bot.delivery.ratelimit import ChatSpacing, Pacer
from bot.delivery.shared_limits import SharedTelegramLimits
from bot.delivery.window import MessageWindow
from core.messages import Address, Button, Channel, Outbound, Reply, SendOutcome
from notify.enqueue import AUTHOR
from storage.models import Consultation, Contact
from storage.outbox import Outbox, OutboxMessage
from storage.types import utcnow
from storage.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)

CLAIMS_AHEAD = 2  # rows claimed (committed `sending`) while the one before waits for its slot


@dataclass
class SenderConfig:
    telegram_rate: float = 30.0  # per second, counted conservatively (see Pacer): ≈ 29.5/s sustained
    twilio_rate: float = 10.0
    per_chat_interval: float = 1.0
    max_attempts: int = 6
    backoff_base: float = 2.0
    backoff_max: float = 600.0
    max_in_flight: int = 16
    poll_interval: float = 1.0
    batch_size: int = 200
    ambiguous_policy: str = "fail"  # fail (at most once) | resend (at least once)


class SentLog:
    """Append-only `<outbox id> <channel message id>` lines, written the instant a send succeeds."""

    def __init__(self, path: Path | None):
        self.path = path
        self._fd: int | None = None

    def open(self) -> None:
        if self.path is not None and self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, row_id: int, channel_message_id: str | None) -> None:
        if self._fd is not None:
            os.write(self._fd, f"{row_id} {channel_message_id or '-'}\n".encode())

    def read(self) -> dict[int, str | None]:
        if self.path is None or not self.path.exists():
            return {}
        found: dict[int, str | None] = {}
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            row_id, _, message_id = line.partition(" ")
            if row_id.isdigit():  # a torn last line is simply not there
                found[int(row_id)] = None if message_id in ("", "-") else message_id
        return found

    def truncate(self) -> None:
        if self.path is not None and self.path.exists():
            os.truncate(self.path, 0)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class OutboxSender:
    def __init__(self, db: Database, channels: dict[Channel, object], *, config: SenderConfig | None = None,
                 window: MessageWindow | None = None, clock: Callable[[], datetime] = utcnow,
                 sent_log: Path | None = None, shared_limits: SharedTelegramLimits | None = None):
        self.db = db
        # Telegram's limits shared with the other workers through Redis (REDIS_URL), if set.
        self.shared_limits = shared_limits
        self.sent_log = SentLog(sent_log)
        self.channels = channels
        self.config = config or SenderConfig()
        self.window = window or MessageWindow()
        self.policy = RetryPolicy(max_attempts=self.config.max_attempts, backoff_base=self.config.backoff_base,
                                  backoff_max=self.config.backoff_max, jitter=0.2)
        self.clock = clock
        self.owner = uuid.uuid4().hex
        self.pacers = {Channel.telegram: Pacer(self.config.telegram_rate),
                       Channel.whatsapp: Pacer(self.config.twilio_rate)}
        self.spacing = ChatSpacing(self.config.per_chat_interval)
        self.stats: Counter[str] = Counter()
        # Told (channel, outcome kind) after every attempt: the metrics' sent / 429 counters.
        self.on_outcome = None
        self._held: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._loops: list[asyncio.Task] = []
        self._slots = asyncio.Semaphore(self.config.max_in_flight)
        self._wake = asyncio.Event()
        # On SQLite the sender's transactions take turns with every other writer of the
        # process (the database's write lock, shared with the conversation engine): two
        # writers would otherwise meet the file lock and sleep in its busy handler, spoiling
        # the pacing, and a broadcast never makes a user's reply wait in SQLite. PostgreSQL
        # needs no turns: outcomes are recorded concurrently, off the claim-and-pace path.
        self._write = self.db.write_lock if self.db.dialect == "sqlite" else contextlib.nullcontext()
        self._stopping = asyncio.Event()

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping.clear()
        await self.recover()
        for channel in (Channel.telegram, Channel.whatsapp, Channel.webchat):
            if channel not in self.channels:
                continue  # a channel switched off keeps its rows queued for when it is back
            self._loops.append(asyncio.create_task(self._loop(channel), name=f"outbox-{channel.value}"))

    async def stop(self) -> None:
        """Stop taking rows; let requests in flight finish and be recorded (no ambiguity left)."""
        self._stopping.set()
        self._wake.set()
        # The loops notice between rows (a pacer wait is short); cancelling one mid-claim
        # would leave a `sending` row that was never sent.
        if self._loops:
            _done, stragglers = await asyncio.wait(self._loops, timeout=5)
            for loop in stragglers:
                loop.cancel()
            await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops.clear()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.sent_log.close()

    def wake(self) -> None:
        """New rows were queued in this process: look now rather than at the next poll."""
        self._wake.set()

    async def recover(self) -> int:
        """Settle `sending` rows left by a dead sender (see the module docstring)."""
        now = self.clock()
        sent = self.sent_log.read()
        async with self.db.unit_of_work() as uow:
            outbox = Outbox(uow.session)
            rows = await outbox.in_flight_elsewhere(self.owner)
            confirmed = [row for row in rows if row.id in sent]
            for row in confirmed:
                await outbox.finish(row.id, "sent", now=now, sent_at=now, channel_message_id=sent[row.id])
                if row.message_id:
                    await uow.journal.mark_sent(row.message_id, sent[row.id], "sent")
            rows = [row for row in rows if row.id not in sent]
            for row in rows:
                if self.config.ambiguous_policy == "fail":
                    await outbox.finish(row.id, "failed", now=now, last_error="interrupted mid-send (may have arrived)")
                    if row.message_id:
                        await uow.journal.mark_sent(row.message_id, None, "failed", "interrupted")
                else:
                    await outbox.release(row.id, now=now, next_attempt_at=now,
                                         error="interrupted mid-send; resent (may repeat)")
        # Only now, with the outcome committed, may the sent log forget.
        self.sent_log.truncate()
        self.sent_log.open()
        if rows or confirmed:
            log.warning("outbox: %d message(s) were in flight when the previous sender died: %d confirmed "
                        "sent by the sent log, %d ambiguous (policy %s)", len(rows) + len(confirmed),
                        len(confirmed), len(rows), self.config.ambiguous_policy)
        self.stats["recovered_sent"] += len(confirmed)
        self.stats["recovered_ambiguous"] += len(rows)
        return len(rows)

    # --- the loop per channel ------------------------------------------------------------
    async def _loop(self, channel: Channel) -> None:
        while not self._stopping.is_set():
            try:
                dispatched, wait = await self._pass(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox %s loop failed; retrying", channel.value)
                dispatched, wait = 0, self.config.poll_interval
            if not dispatched:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), wait)
                except (asyncio.TimeoutError, TimeoutError):
                    pass

    async def _pass(self, channel: Channel) -> tuple[int, float]:
        async with self.db.sessions() as session:
            rows = await Outbox(session).due(self.clock(), self.config.batch_size,
                                             exclude=self._held, channel=channel.value)
            if not rows:
                return 0, self.config.poll_interval
            # Loaded once per batch so that a claim is one INSERT and one UPDATE.
            ids = list({row.contact_id for row in rows})
            contacts = {c.id: c for c in await session.scalars(select(Contact).where(Contact.id.in_(ids)))}
            consultations = {c.contact_id: c.id for c in await session.scalars(
                select(Consultation).where(Consultation.contact_id.in_(ids), Consultation.closed_at.is_(None))
                .order_by(Consultation.id))}
        dispatched = 0
        soonest = self.config.poll_interval
        pacer = self.pacers.get(channel)
        shared = self.shared_limits if channel == Channel.telegram else None
        # Claims run a few rows ahead of the pacing: each is a commit of its own, and one
        # after another they cannot keep up with 30 a second on a loaded database.
        ahead: collections.deque[tuple[OutboxMessage, asyncio.Task]] = collections.deque()
        try:
            for row in rows:
                if self._stopping.is_set():
                    break
                wait = self.spacing.ready_in(row.contact_id)
                if wait <= 0 and shared is not None and row.contact_id in contacts:
                    wait = await shared.take_chat(contacts[row.contact_id].external_id)
                if wait > 0:
                    soonest = min(soonest, wait)
                    continue
                pause = pacer.pause_left() if pacer is not None else 0.0
                if pause > 0:
                    # After a 429: claim nothing until the pause is over, so that no row
                    # waits `sending` (ambiguous if we die) through it.
                    await asyncio.sleep(pause)
                await self._slots.acquire()
                self._held.add(row.id)
                self.spacing.mark(row.contact_id)  # a second row for this chat waits from now
                ahead.append((row, asyncio.create_task(
                    self._claim(row, channel, contacts.get(row.contact_id), consultations.get(row.contact_id)),
                    name="outbox-claim")))
                if len(ahead) > CLAIMS_AHEAD:
                    dispatched += await self._dispatch(*ahead.popleft(), channel, pacer, shared)
            while ahead:
                dispatched += await self._dispatch(*ahead.popleft(), channel, pacer, shared)
        finally:
            for row, claim in ahead:  # cancelled: claims already made are settled at the next start
                self._done(row.id)
        return dispatched, soonest

    async def _dispatch(self, row: OutboxMessage, claim: asyncio.Task, channel: Channel,
                        pacer: Pacer | None, shared) -> int:
        """Pace one claimed row and start its request; 1 if it was started."""
        try:
            # Claimed first, paced second. A pacing slot is held from its grant until the
            # answer (see Pacer), so a claim inside it — a commit, slow on a loaded database —
            # would lower the rate; out here it does not, and a row waits `sending` for only
            # about CLAIMS_AHEAD + 1 slots (each 1/rate s) before its request.
            reply = await claim
        except asyncio.CancelledError:
            self._done(row.id)
            raise
        except Exception:
            log.exception("outbox row %s could not be claimed", row.id)
            reply = None
        if reply is None:
            self._done(row.id)
            return 0
        ticket = None
        try:
            if pacer is not None:
                ticket = await pacer.acquire()
            if shared is not None:
                await shared.acquire()  # never raises: an unreachable store means local pacing
        except asyncio.CancelledError:
            if ticket is not None:
                pacer.cancel(ticket)
            self._done(row.id)  # claimed, never sent: the next start settles it as ambiguous
            raise
        self.spacing.mark(row.contact_id)
        task = asyncio.create_task(self._deliver(row, channel, reply, ticket))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return 1

    def _done(self, row_id: int) -> None:
        self._held.discard(row_id)
        self._slots.release()

    # --- one row ---------------------------------------------------------------------------
    async def _deliver(self, row: OutboxMessage, channel: Channel, reply: Reply, ticket: int | None) -> None:
        try:
            try:
                outcome = await self._attempt(channel, reply)
            finally:
                if ticket is not None:
                    self.pacers[channel].done(ticket)
                # Counted again from the answer: Telegram counts a chat's messages as they
                # arrive, and on a loaded machine a request can leave well after its turn, so
                # the next message for this chat waits a full interval from this answer.
                self.spacing.mark(row.contact_id)
            if outcome.kind == "sent":
                self.sent_log.append(row.id, outcome.channel_message_id)  # before anything else
            await self._record(row, channel, reply, outcome)
        except Exception:
            log.exception("outbox row %s failed unexpectedly", row.id)
        finally:
            self._done(row.id)

    async def _claim(self, row: OutboxMessage, channel: Channel, contact: Contact | None,
                     consultation_id: int | None) -> Reply | None:
        async with self._write:
            return await self._claim_locked(row, channel, contact, consultation_id)

    async def _claim_locked(self, row: OutboxMessage, channel: Channel, contact: Contact | None,
                            consultation_id: int | None) -> Reply | None:
        now = self.clock()
        async with self.db.sessions() as session:
            uow = UnitOfWork(session)
            outbox = Outbox(session)
            adapter = self.channels.get(channel)
            outbound = Outbound(text=row.text, buttons=[Button(t, p) for t, p in row.buttons or []])
            settle = None
            if contact is None or adapter is None:
                settle = ("failed", "unknown contact" if contact is None else "channel is off")
            else:
                decision = self.window.decide(
                    contact.channel, contact.last_inbound_at, now, text=row.text, lang=row.language,
                    template_key=row.template_key, template_variables=row.template_variables,
                    window_closed_seen=row.last_error == "63016")
                if decision.kind == "refused":
                    settle = ("needs_template", f"no WhatsApp template '{row.template_key}' ({row.language})")
                outbound.template = decision.template
            if settle is not None:
                if await outbox.finish(row.id, settle[0], now=now, only_from="queued", last_error=settle[1]):
                    self.stats[settle[0]] += 1
                await session.commit()
                return None
            message_id = row.message_id
            if message_id is None:
                # The offered buttons are remembered once the message is out (_record_locked).
                (message_id,) = await record_outbound(uow, [(contact, consultation_id, outbound)],
                                                      author=AUTHOR, now=now, remember=False)
            if not await outbox.claim(row.id, owner=self.owner, now=now, message_id=message_id):
                await session.rollback()  # another sender has it; drop our journal row too
                return None
            # Committed here, in its own transaction just before the request: from now on a
            # crash leaves an ambiguous `sending` row (see the module docstring).
            await session.commit()
        return Reply(message_id, contact.id, Address(channel, contact.external_id), outbound, row.language)

    async def _attempt(self, channel: Channel, reply: Reply) -> SendOutcome:
        try:
            return await self.channels[channel].send_once(reply)
        except Exception:
            log.exception("%s adapter failed to send", channel.value)
            return SendOutcome("bad_request", error="adapter_error")

    async def _record(self, row: OutboxMessage, channel: Channel, reply: Reply, outcome: SendOutcome) -> None:
        async with self._write:
            await self._record_locked(row, channel, reply, outcome)

    async def _record_locked(self, row: OutboxMessage, channel: Channel, reply: Reply,
                             outcome: SendOutcome) -> None:
        now = self.clock()
        kind = outcome.kind
        self.stats[kind] += 1
        if self.on_outcome is not None:
            self.on_outcome(row.channel, kind)
        async with self.db.unit_of_work() as uow:
            outbox = Outbox(uow.session)
            if kind == "window_closed" and self.window.template_for(row.template_key, row.language) is not None:
                # WhatsApp says the window is closed whatever our clock said: the claim
                # sends the template next time.
                await outbox.release(row.id, now=now, next_attempt_at=now, error="63016")
                return
            verdict = self.policy.judge(outcome, row.attempts + 1)
            if verdict.status == "sent":
                await outbox.finish(row.id, "sent", now=now, sent_at=now,
                                    channel_message_id=outcome.channel_message_id)
                # What the user saw last decides what a typed number presses. The contact as
                # it is now: its state may have changed in a conversation since the batch.
                contact = await uow.session.get(Contact, row.contact_id, populate_existing=True,
                                                with_for_update=self.db.dialect == "postgresql")
                if contact is not None:
                    remember_offered(contact, [reply.outbound])
            elif verdict.status == "unreachable":
                await outbox.finish(row.id, "unreachable", now=now, last_error="blocked")
                await outbox.drop_queued_for_contact(row.contact_id, now=now, state="unreachable", error="blocked")
            elif kind == "window_closed":
                await outbox.finish(row.id, "needs_template", now=now, last_error="63016: outside the 24-hour window")
            elif verdict.final:
                await outbox.finish(row.id, "failed", now=now, last_error=(outcome.error or kind)[:200])
            else:
                if kind == "rate_limited":
                    pacer = self.pacers.get(channel)
                    if pacer is not None:
                        pacer.pause(verdict.retry_in)
                    log.warning("%s answered 429: pausing sends for %.1f s", channel.value, verdict.retry_in)
                await outbox.release(row.id, now=now, next_attempt_at=now + timedelta(seconds=verdict.retry_in),
                                     error=(outcome.error or kind)[:200], count_attempt=verdict.counts_attempt)
            if verdict.final:
                await uow.journal.mark_sent(reply.message_id, outcome.channel_message_id, verdict.status,
                                            verdict.error)
