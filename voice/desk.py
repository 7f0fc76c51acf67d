"""The operators' side of the phone line: today's calls, the callback queue, calling people back.

Claiming and resolving a callback ticket are the hand-off's own use cases (handoff.service);
this adds what is particular to calls: the call log per ticket, an attempt logged by hand, and
a call back placed through Twilio that rings the operator's phone first, then the applicant.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from sqlalchemy import select

from storage.calls import Call
from storage.models import Contact
from storage.tickets import ACTIVE_STATUSES, Audit, Operator, Ticket
from voice.calls import OUTBOUND_OUTCOMES, duration_text
from voice.service import VoiceLine

# (operator's phone, applicant's number, call row id) → the operator leg's CallSid
PlaceCall = Callable[[str, str, int], Awaitable[str]]


class DeskError(Exception):
    """`code`: not_found | conflict | invalid | unavailable."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class CallDesk:
    def __init__(self, line: VoiceLine, *, place_call: PlaceCall | None = None):
        self.line = line
        self.db = line.db
        self.place_call = place_call

    @property
    def zone(self):
        return self.line.call_centre.hours.zone

    def _local(self, moment: datetime | None, pattern: str = "%d.%m %H:%M") -> str:
        return moment.astimezone(self.zone).strftime(pattern) if moment else ""

    def _call_view(self, call: Call, contact: Contact | None = None) -> dict[str, Any]:
        return {
            "id": call.id, "direction": call.direction, "time_local": self._local(call.started_at),
            "phone": contact.external_id if contact else None, "language": call.language or "",
            "menu": [step for step in call.menu_path or [] if not step.startswith("lang:")],
            "outcome": call.outcome or ("in_progress" if not call.ended else ""),
            "answered_by": call.answered_by or "", "duration": duration_text(call.duration_seconds),
            "recording_url": call.recording_url, "recording_duration": duration_text(call.recording_seconds),
            "transcription": call.transcription, "notes": call.notes or "", "ticket_id": call.ticket_id,
            "in_hours": call.in_hours,
        }

    async def today(self) -> list[dict[str, Any]]:
        now = self.line.clock().astimezone(self.zone)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self.db.unit_of_work() as uow:
            rows = await uow.calls.between(start, start + timedelta(days=1))
        return [self._call_view(call, contact) for call, contact in rows]

    async def callbacks(self) -> list[dict[str, Any]]:
        async with self.db.unit_of_work() as uow:
            tickets = await uow.calls.callbacks(ACTIVE_STATUSES)
            calls = await uow.calls.by_tickets([ticket.id for ticket, _ in tickets])
            names = {op.id: op.name for op in await uow.session.scalars(select(Operator))}
        queue = []
        for ticket, contact in tickets:
            ticket_calls = calls.get(ticket.id, [])
            queue.append({
                "id": ticket.id, "number": ticket.number, "status": ticket.status,
                "assignee": names.get(ticket.assignee_id or 0), "assignee_id": ticket.assignee_id,
                "phone": contact.external_id, "language": ticket.language or "",
                "opened_local": self._local(ticket.opened_at, "%d.%m.%Y %H:%M"),
                "sla_due_local": self._local(ticket.sla_due_at, "%d.%m.%Y %H:%M"),
                "calls": [self._call_view(c) for c in ticket_calls if c.direction == "inbound"],
                "attempts": [dict(self._call_view(c), operator=names.get(c.operator_id or 0, ""))
                             for c in ticket_calls if c.direction == "outbound"],
            })
        return queue

    async def _callback_ticket(self, uow, ticket_id: int, operator: Operator) -> tuple[Ticket, Contact]:
        found = await uow.tickets.with_contact(ticket_id)
        if found is None or found[0].kind != "callback":
            raise DeskError("not_found", "no such callback")
        ticket, contact = found
        if not ticket.active:
            raise DeskError("conflict", "the callback is resolved")
        if ticket.assignee_id not in (None, operator.id) and not operator.is_manager:
            raise DeskError("conflict", "another operator has claimed this callback")
        return ticket, contact

    async def log_attempt(self, ticket_id: int, operator: Operator, *, outcome: str, notes: str,
                          duration_seconds: int | None) -> int:
        """A call back made from any phone, logged by hand: journaled like every call."""
        if outcome not in OUTBOUND_OUTCOMES:
            raise DeskError("invalid", f"outcome must be one of {', '.join(OUTBOUND_OUTCOMES)}")
        if duration_seconds is not None and not 0 <= duration_seconds <= 24 * 3600:
            raise DeskError("invalid", "duration must be between 0 and 86400 seconds")
        now = self.line.clock()
        async with self.db.unit_of_work() as uow:
            ticket, contact = await self._callback_ticket(uow, ticket_id, operator)
            started = now - timedelta(seconds=duration_seconds or 0)
            call = uow.calls.add(Call(
                call_sid=None, direction="outbound", contact_id=contact.id, ticket_id=ticket.id,
                operator_id=operator.id, language=ticket.language, menu_path=[], status="completed",
                status_rank=5, started_at=started, ended_at=now, updated_at=now, outcome=outcome,
                duration_seconds=duration_seconds, answered_at=started if outcome == "reached" else None,
                answered_by=operator.name if outcome == "reached" else None,
                notes=(notes or "").strip()[:4000] or None, in_hours=self.line.call_centre.hours.is_open(now)))
            await uow.flush()
            if outcome == "reached" and ticket.first_reply_at is None:
                ticket.first_reply_at = now
            await self.line.journal_call(uow, call)
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="callback_logged",
                             target=ticket.number, details={"outcome": outcome}, at=now)
            return call.id

    async def start_call(self, ticket_id: int, operator: Operator) -> int:
        """Ring the operator's own phone (VOICE_OPERATORS); answered, Twilio dials the applicant."""
        if self.place_call is None:
            raise DeskError("unavailable", "the phone line is off")
        target = self.line.line.operator_named(operator.name)
        if target is None or target.kind != "number":
            raise DeskError("invalid", "no phone number for you in VOICE_OPERATORS (name=+7…)")
        now = self.line.clock()
        async with self.db.unit_of_work() as uow:
            ticket, contact = await self._callback_ticket(uow, ticket_id, operator)
            if not contact.external_id.startswith("+"):
                raise DeskError("invalid", "the caller's number is hidden")
            call = uow.calls.add(Call(
                direction="outbound", contact_id=contact.id, ticket_id=ticket.id, operator_id=operator.id,
                language=ticket.language, menu_path=[], status="queued", status_rank=0, started_at=now,
                updated_at=now, in_hours=self.line.call_centre.hours.is_open(now)))
            await uow.flush()
            call_id, applicant = call.id, contact.external_id
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="callback_dialled",
                             target=ticket.number, at=now)
        try:
            sid = await self.place_call(target.address, applicant, call_id)
        except Exception as exc:  # the REST call failed: the attempt is kept, marked failed
            async with self.db.unit_of_work() as uow:
                call = await uow.calls.get(call_id)
                call.status, call.status_rank, call.ended_at, call.outcome = "failed", 5, now, "failed"
                call.notes = f"Twilio refused the call: {getattr(exc, 'code', None) or type(exc).__name__}"
            raise DeskError("unavailable", "Twilio did not place the call") from exc
        async with self.db.unit_of_work() as uow:
            call = await uow.calls.get(call_id)
            call.call_sid = sid
        return call_id

