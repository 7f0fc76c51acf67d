"""The ticket lifecycle: every change of a ticket's status and of who has the conversation.

    open ──claim──▶ assigned ──resolve──▶ resolved ──reopen (within reopen_period)──▶ open | assigned
      └──withdraw (the user went back to the bot before anyone claimed or answered)──▶ withdrawn

The contact's mode follows: `human` from open or reopen until the operator resolves or
hands back, or the user leaves. The chat flow (handlers/handoff.py) and the operators'
service (handoff/service.py) both change tickets only through `TicketLifecycle`, inside
their own unit of work; nothing here commits, sends or audits. Modelled on Chatwoot's
`Conversation` (status enum on the model, transitions in one place).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from handoff.call_centre import TICKET_KINDS, CallCentre
from storage.models import Consultation, Contact, ConversationMode
from storage.tickets import Operator, Ticket, TicketStatus
from storage.unit_of_work import UnitOfWork

WITHDRAWN = "withdrawn: the user went back to the bot before an operator answered"
MAX_RESOLUTION = 4000


class HandoffError(Exception):
    """A transition refused: `code` is not_found | conflict | forbidden | invalid."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class Opened(StrEnum):
    """What asking for a person did."""

    new = "new"
    reopened = "reopened"
    already_open = "already_open"


@dataclass(frozen=True)
class Opening:
    ticket: Ticket
    how: Opened


@dataclass(frozen=True)
class TicketLifecycle:
    call_centre: CallCentre

    # --- the user's side -----------------------------------------------------------------
    async def open(self, uow: UnitOfWork, contact: Contact, consultation: Consultation, *, kind: str,
                   anonymous: bool, language: str, now: datetime) -> Opening:
        """A request for a person: the open ticket if there is one, the last one reopened
        if it was resolved within `reopen_period` and is of the same kind, else a new one."""
        if kind not in TICKET_KINDS:
            raise ValueError(f"unknown ticket kind {kind!r}")
        active = await uow.tickets.active_for(contact.id)
        if active is not None:
            self._to_human(contact, consultation)
            return Opening(active, Opened.already_open)
        last = await uow.tickets.last_resolved_for(contact.id)
        if last is not None and last.kind == kind and self._reopenable(last, now):
            await self.reopen(uow, last, contact, consultation, now)
            return Opening(last, Opened.reopened)
        ticket = uow.tickets.add(Ticket(
            contact_id=contact.id, consultation_id=consultation.id, channel=contact.channel, language=language,
            kind=kind, anonymous=anonymous, status=TicketStatus.open, opened_at=now,
            sla_due_at=self._sla_due(kind, now), last_user_message_at=now, reopened_count=0,
        ))
        await uow.flush()  # the ticket number is its id
        self._to_human(contact, consultation)
        return Opening(ticket, Opened.new)

    async def reopen_last(self, uow: UnitOfWork, contact: Contact, consultation: Consultation,
                          now: datetime) -> Ticket | None:
        """"Not solved" under a resolution: the last resolved ticket, if still reopenable."""
        last = await uow.tickets.last_resolved_for(contact.id)
        if last is None or not self._reopenable(last, now):
            return None
        await self.reopen(uow, last, contact, consultation, now)
        return last

    async def reopen(self, uow: UnitOfWork, ticket: Ticket, contact: Contact, consultation: Consultation,
                     now: datetime) -> None:
        ticket.status = TicketStatus.assigned if ticket.assignee_id else TicketStatus.open
        ticket.reopened_count = (ticket.reopened_count or 0) + 1
        ticket.reopened_at = now
        ticket.resolved_at = None
        # The question needs an answer again: a fresh SLA clock and first-reply time.
        ticket.first_reply_at = None
        ticket.sla_due_at = self._sla_due(ticket.kind, now)
        ticket.last_user_message_at = now
        self._to_human(contact, consultation)
        await uow.flush()  # the engine's session does not autoflush; later queries must see it

    async def active(self, uow: UnitOfWork, contact: Contact) -> Ticket | None:
        """The ticket an operator has for this contact. None hands a contact still marked
        `human` back to the bot (its ticket was closed elsewhere)."""
        ticket = await uow.tickets.active_for(contact.id)
        if ticket is None:
            contact.mode = ConversationMode.bot
        return ticket

    @staticmethod
    def user_wrote(ticket: Ticket, consultation: Consultation, now: datetime) -> None:
        ticket.last_user_message_at = now
        consultation.human_involved = True

    async def leave(self, uow: UnitOfWork, ticket: Ticket, contact: Contact, now: datetime) -> bool:
        """The user goes back to the bot. An unclaimed, unanswered ticket is withdrawn (True):
        operators do not chase someone who no longer waits. Otherwise it stays with the
        operator, whose answers still reach the user (False)."""
        contact.mode = ConversationMode.bot
        if ticket.status != TicketStatus.open or ticket.assignee_id is not None or ticket.first_reply_at is not None:
            return False
        self._close(ticket, WITHDRAWN, now, status=TicketStatus.withdrawn)
        await uow.flush()  # the engine's session does not autoflush
        return True

    # --- the operators' side ---------------------------------------------------------------
    @staticmethod
    def may_act(ticket: Ticket | None, operator: Operator) -> Ticket:
        """The ticket, if this operator may reply to, resolve or hand it back."""
        if ticket is None:
            raise HandoffError("not_found", "no such ticket")
        if ticket.status in (TicketStatus.resolved, TicketStatus.withdrawn):
            raise HandoffError("conflict", f"the ticket is {ticket.status.value}")
        if ticket.assignee_id not in (None, operator.id) and not operator.is_manager:
            raise HandoffError("conflict", "another operator has claimed this ticket")
        return ticket

    @staticmethod
    async def claim(uow: UnitOfWork, ticket: Ticket, operator: Operator) -> bool:
        """Take an unclaimed ticket (True); False if it already was this operator's.
        One conditional UPDATE, so two operators clicking at once cannot both win."""
        if ticket.assignee_id == operator.id:
            return False
        if ticket.assignee_id is not None or not await uow.tickets.claim(ticket.id, operator.id):
            raise HandoffError("conflict", "another operator has just claimed this ticket")
        await uow.session.refresh(ticket)
        return True

    @staticmethod
    def replied(ticket: Ticket, consultation: Consultation | None, now: datetime) -> None:
        """An operator's answer reached the user: the first one stops the SLA clock."""
        if ticket.first_reply_at is None:
            ticket.first_reply_at = now
        if consultation is not None:
            consultation.human_involved = True

    @staticmethod
    def resolution_note(text: str | None) -> str:
        """The note a resolution needs, checked before anything is touched."""
        note = (text or "").strip()
        if not note:
            raise HandoffError("invalid", "a resolution note is required")
        return note[:MAX_RESOLUTION]

    def resolve(self, ticket: Ticket, contact: Contact, resolution: str, now: datetime) -> None:
        self._close(ticket, self.resolution_note(resolution), now)
        contact.mode = ConversationMode.bot

    @staticmethod
    def hand_back(ticket: Ticket, contact: Contact) -> None:
        """The bot answers again; the ticket stays with the operator until resolved."""
        contact.mode = ConversationMode.bot

    # --- rules ---------------------------------------------------------------------------------
    def _reopenable(self, ticket: Ticket, now: datetime) -> bool:
        return ticket.resolved_at is not None and now - ticket.resolved_at <= self.call_centre.reopen_period

    def _sla_due(self, kind: str, now: datetime) -> datetime:
        return self.call_centre.hours.add_working_time(now, self.call_centre.sla(kind))

    @staticmethod
    def _close(ticket: Ticket, resolution: str, now: datetime,
               status: TicketStatus = TicketStatus.resolved) -> None:
        ticket.status = status
        ticket.resolved_at = now
        ticket.resolution = resolution

    @staticmethod
    def _to_human(contact: Contact, consultation: Consultation) -> None:
        contact.mode = ConversationMode.human
        consultation.human_involved = True
