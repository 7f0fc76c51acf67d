"""Operators' side of the hand-off: queue, claim, reply, resolve, hand back, phone calls.

Each public method is one use case and owns its transaction. The console pages and the
JSON API both call this; the transitions themselves (who may act on which ticket, when
the bot takes over again) are handoff.lifecycle's, shared with the chat flow. Reading
returns records; how they look on the console is bot.console.views'.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Sequence
from zoneinfo import ZoneInfo

from core.delivery import DeliveryRefused, Messenger, whatsapp_window_open
from core.i18n import Translator
from core.messages import Button, Channel
from core.payloads import HandoffAction, MenuChoice, MenuItem
from core.privacy import mask_personal, mask_phone
from handoff import phone_log
from handoff.call_centre import CallCentre
from handoff.lifecycle import HandoffError, TicketLifecycle
from handoff.working_hours import sla_state
from storage.models import Consultation, Contact, Message
from storage.tickets import ACTIVE_STATUSES, Audit, Operator, Operators, Ticket
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

MAX_REPLY_LENGTH = 4000
REPLY_TEMPLATE_KEY = "operator_reply"
DELIVERED = ("sent", "delivered", "read")


@dataclass(frozen=True)
class TicketResolved:
    """What the CSAT poll (and anything else) learns when an operator resolves a ticket."""

    ticket_id: int
    number: str
    contact_id: int
    consultation_id: int | None
    operator_id: int
    language: str
    kind: str
    resolved_at: datetime


@dataclass
class ReplyOutcome:
    status: str  # sent | refused | failed
    reason: str | None = None  # whatsapp_window_closed | channel_unavailable | an error code
    message_id: int | None = None


ResolvedHook = Callable[[TicketResolved], Awaitable[None]]


@dataclass(frozen=True)
class TicketRecord:
    """A ticket in the queue, as of `now`: its contact, its assignee's name, its SLA state."""

    ticket: Ticket
    contact: Contact
    assignee: str | None
    sla_state: str
    now: datetime


@dataclass(frozen=True)
class ReplyWindow:
    """Whether a free-text reply can go out now (WhatsApp's 24-hour window), and if not,
    whether the `operator_reply` template can."""

    open: bool
    template: bool
    closes_at: datetime | None


@dataclass(frozen=True)
class TicketDetails(TicketRecord):
    messages: list[Message]
    window: ReplyWindow
    canned: list[dict[str, str]]


class HandoffService:
    def __init__(self, db: Database, messenger: Messenger, translator: Translator, call_centre: CallCentre,
                 *, default_language: str = "kk", clock: Callable[[], datetime] = utcnow,
                 regions: Sequence[str] = ()):
        self.db = db
        self.regions = tuple(regions)  # the season's regions (programme.yaml), for logged calls
        self.messenger = messenger
        self.translator = translator
        self.call_centre = call_centre
        self.default_language = default_language
        self.clock = clock
        self.lifecycle = TicketLifecycle(call_centre)
        self._resolved_hooks: list[ResolvedHook] = []

    @property
    def zone(self) -> ZoneInfo:
        """The programme's time zone (settings TIMEZONE, carried by the call-centre calendar)."""
        return self.call_centre.hours.zone

    # --- hooks -------------------------------------------------------------------------
    def on_ticket_resolved(self, hook: ResolvedHook) -> ResolvedHook:
        """Register `async hook(TicketResolved)`, called after an operator resolves a ticket
        and the user was told (the CSAT poll goes here). A failing hook is logged, never raised."""
        self._resolved_hooks.append(hook)
        return hook

    async def _fire_resolved(self, event: TicketResolved) -> None:
        for hook in self._resolved_hooks:
            try:
                await hook(event)
            except Exception:
                log.exception("on_ticket_resolved hook %r failed for %s", hook, event.number)

    # --- reading -----------------------------------------------------------------------
    def _record(self, ticket: Ticket, contact: Contact, now: datetime, names: dict[int, str]) -> TicketRecord:
        state = sla_state(now, ticket.sla_due_at, self.call_centre.hours,
                          answered=ticket.first_reply_at is not None or not ticket.active,
                          due_soon=self.call_centre.due_soon, first_reply_at=ticket.first_reply_at)
        return TicketRecord(ticket, contact, names.get(ticket.assignee_id or 0), state, now)

    @staticmethod
    async def _names(uow) -> dict[int, str]:
        return {op.id: op.name for op in await Operators(uow.session).all()}

    async def list_tickets(self, statuses: tuple[str, ...] | None = ACTIVE_STATUSES) -> list[TicketRecord]:
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            rows = await uow.tickets.list(statuses=statuses)
            names = await self._names(uow)
        return [self._record(ticket, contact, now, names) for ticket, contact in rows]

    async def search(self, text: str) -> list[TicketRecord]:
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            rows = await uow.tickets.search(text)
            names = await self._names(uow)
        return [self._record(ticket, contact, now, names) for ticket, contact in rows]

    async def search_contacts(self, text: str) -> list[tuple[Contact, list[int]]]:
        """Contacts by name or phone tail, with the ids of their named (not anonymous) tickets."""
        async with self.db.unit_of_work() as uow:
            return await uow.tickets.search_contacts(text)

    async def ticket(self, ticket_id: int) -> TicketDetails:
        """The ticket, its contact, its messages, and whether a reply can go out now."""
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            found = await uow.tickets.with_contact(ticket_id)
            if found is None:
                raise HandoffError("not_found", "no such ticket")
            ticket, contact = found
            messages = await uow.journal.contact_messages(contact.id)
            names = await self._names(uow)
        if ticket.anonymous:
            # Only the grievance itself: earlier conversation could identify the person.
            messages = [m for m in messages if m.created_at >= ticket.opened_at]
        lang = contact.language or self.default_language
        whatsapp = contact.channel == Channel.whatsapp.value
        window = ReplyWindow(
            open=not whatsapp or whatsapp_window_open(contact.last_inbound_at, now),
            template=self.messenger.template_for(REPLY_TEMPLATE_KEY, lang) is not None,
            closes_at=contact.last_inbound_at + timedelta(hours=24) if whatsapp and contact.last_inbound_at else None,
        )
        record = self._record(ticket, contact, now, names)
        return TicketDetails(**vars(record), messages=messages, window=window, canned=self.canned_answers(lang))

    def canned_answers(self, lang: str) -> list[dict[str, str]]:
        answers = []
        for key, texts in self.call_centre.canned_answers.items():
            text = texts.get(lang) or texts.get(self.default_language) or next(iter(texts.values()), "")
            answers.append({"key": key, "text": text, "language": lang if lang in texts else ""})
        return answers

    # --- acting ------------------------------------------------------------------------
    async def _load_for_action(self, uow, ticket_id: int, operator: Operator) -> Ticket:
        """The ticket this operator may act on; an unclaimed one becomes theirs."""
        ticket = self.lifecycle.may_act(await uow.tickets.get(ticket_id, for_update=True), operator)
        await self._claim_if_free(uow, ticket, operator)
        return ticket

    async def _claim_if_free(self, uow, ticket: Ticket, operator: Operator) -> None:
        if ticket.assignee_id is None:
            await self.lifecycle.claim(uow, ticket, operator)
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="claim",
                                      target=ticket.number, at=self.clock())

    async def claim(self, ticket_id: int, operator: Operator) -> TicketDetails:
        async with self.db.unit_of_work() as uow:
            ticket = self.lifecycle.may_act(await uow.tickets.get(ticket_id, for_update=True), operator)
            if ticket.assignee_id not in (None, operator.id):
                # A manager may act on anyone's ticket, but claiming it is not taking it over.
                raise HandoffError("conflict", "another operator has claimed this ticket")
            await self._claim_if_free(uow, ticket, operator)
        return await self.ticket(ticket_id)

    async def reply(self, ticket_id: int, operator: Operator, text: str) -> ReplyOutcome:
        """Send the operator's answer on the user's channel.

        Outside WhatsApp's 24-hour window the answer goes as the `operator_reply` template,
        or is refused (`whatsapp_window_closed`) when none is configured: never shown as sent.
        """
        text = (text or "").strip()
        if not text:
            raise HandoffError("invalid", "the reply is empty")
        if len(text) > MAX_REPLY_LENGTH:
            raise HandoffError("invalid", f"the reply is longer than {MAX_REPLY_LENGTH} characters")
        async with self.db.unit_of_work() as uow:
            ticket = await self._load_for_action(uow, ticket_id, operator)
            contact_id, number, consultation_id = ticket.contact_id, ticket.number, ticket.consultation_id
            anonymous = ticket.anonymous
        try:
            delivery = await self.messenger.send(contact_id, text, author=f"operator:{operator.name}",
                                                 template_key=REPLY_TEMPLATE_KEY)
        except DeliveryRefused as refused:
            async with self.db.unit_of_work() as uow:
                Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="reply_refused",
                                          target=number, details={"reason": refused.reason}, at=self.clock())
            return ReplyOutcome("refused", refused.reason)
        result = delivery.result
        sent = result.status in DELIVERED
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            if sent:
                consultation = await uow.session.get(Consultation, consultation_id) if consultation_id else None
                self.lifecycle.replied(await uow.tickets.get(ticket_id), consultation, now)
            Audit(uow.session).record(
                actor=operator.name, operator_id=operator.id, action="reply", target=number,
                # A journal message id would lead from an anonymous ticket to the person.
                details={"message_id": None if anonymous else delivery.message_id, "status": result.status,
                         "error": result.error_code}, at=now)
        if sent:
            return ReplyOutcome("sent", None, delivery.message_id)
        return ReplyOutcome("failed", result.error_code or result.status, delivery.message_id)

    async def resolve(self, ticket_id: int, operator: Operator, resolution: str) -> TicketDetails:
        resolution = mask_personal(self.lifecycle.resolution_note(resolution))
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            ticket = await self._load_for_action(uow, ticket_id, operator)
            contact = await uow.contacts.get(ticket.contact_id)
            self.lifecycle.resolve(ticket, contact, resolution, now)
            lang = contact.language or ticket.language or self.default_language
            buttons = [Button(self.translator.t(lang, "handoff.reopen_button"), HandoffAction(action="reopen").pack()),
                       Button(self.translator.t(lang, "menu.back"), MenuChoice(item=MenuItem.main).pack())]
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="resolve",
                                      target=ticket.number, details={"resolution": ticket.resolution}, at=now)
            event = TicketResolved(ticket.id, ticket.number, ticket.contact_id, ticket.consultation_id,
                                   operator.id, lang, ticket.kind, now)
        if event.kind == "callback":
            # A phone caller was called back: there is no chat to tell, nor a poll they could answer.
            return await self.ticket(ticket_id)
        await self._tell(event.contact_id, self.translator.t(lang, "handoff.resolved", number=event.number),
                         buttons)
        await self._fire_resolved(event)
        return await self.ticket(ticket_id)

    async def hand_back(self, ticket_id: int, operator: Operator) -> TicketDetails:
        """The bot answers again; the ticket stays with the operator until resolved."""
        async with self.db.unit_of_work() as uow:
            ticket = await self._load_for_action(uow, ticket_id, operator)
            contact = await uow.contacts.get(ticket.contact_id)
            self.lifecycle.hand_back(ticket, contact)
            lang = contact.language or ticket.language or self.default_language
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="hand_back",
                                      target=ticket.number, at=self.clock())
            contact_id = contact.id
        await self._tell(contact_id, self.translator.t(lang, "handoff.handed_back"),
                         [Button(self.translator.t(lang, "menu.operator"), MenuChoice(item=MenuItem.operator).pack()),
                          Button(self.translator.t(lang, "menu.back"), MenuChoice(item=MenuItem.main).pack())])
        return await self.ticket(ticket_id)

    async def _tell(self, contact_id: int, text: str, buttons: list[Button]) -> None:
        """A system message to the user; a closed WhatsApp window or an off channel is logged only."""
        try:
            await self.messenger.send(contact_id, text, author="system", buttons=buttons)
        except DeliveryRefused as refused:
            log.info("system message to contact %s not sent: %s", contact_id, refused.reason)

    # --- phone calls -------------------------------------------------------------------
    async def log_call(self, operator: Operator, *, phone: str, language: str | None, topics: list[str],
                       notes: str, duration_seconds: int | None, outcome: str | None,
                       occurred_at: datetime | None = None, region: str | None = None,
                       age_band: str | None = None) -> int:
        """Journal a phone consultation: a `phone` contact, a closed consultation, one call message.

        `occurred_at`: when the call began (None: it has just ended); `region`: a season region
        or unknown; `age_band`: what the caller told, in the grant operator's bands. A bad value
        raises CallInputError (an `invalid` HandoffError naming the field).
        """
        now = self.clock()
        call = phone_log.checked(phone_log.PhoneCall(
            phone=phone, occurred_at=occurred_at, region=region, age_band=age_band, language=language,
            topics=topics, notes=notes, duration_seconds=duration_seconds, outcome=outcome),
            regions=self.regions, zone=self.zone, now=now)
        async with self.db.unit_of_work() as uow:
            consultation = await phone_log.journal_call(uow, call, author=f"operator:{operator.name}", now=now)
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="call_logged",
                                      target=f"consultation:{consultation.id}",
                                      details={"phone": mask_phone(call.phone), "duration_seconds": duration_seconds,
                                               "occurred_at": consultation.opened_at.isoformat()},
                                      at=now)
            return consultation.id
