"""The phone line's use cases: each Twilio webhook is one call here, and owns its transaction.

A call is keyed by Twilio's CallSid. Webhooks that steer the call (language, menu, dial
result, voicemail) answer with steps; status callbacks only record. When a call has ended,
its consultation is written to the journal on the `phone` channel, and rewritten if a late
fact arrives (a voicemail request after the final status, a transcription). A caller who
asked for an operator and got none — voicemail or not, night or day — gets a callback ticket
(one per waiting caller: further calls join it), and an SMS or WhatsApp confirmation where set.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import select

from core.delivery import DeliveryRefused, Messenger
from core.messages import Channel
from storage.applications import Application
from storage.calls import Call
from storage.models import Consultation, ConsultationTopic
from storage.tickets import ACTIVE_STATUSES, Operator, Ticket
from storage.types import utcnow
from storage.unit_of_work import Database, UnitOfWork
from voice.calls import (DIAL_ANSWERED, END_STATUSES, NEEDS_CALLBACK, STATUS_RANK, CallFacts,
                         duration_text, inbound_outcome, moves_forward, outbound_outcome)
from voice.config import Line, OperatorTarget, VoiceConfig
from voice.prompts import LANGUAGE_NAMES, Prompts, Utterance
from voice.steps import Ask, Dial, DialTarget, Hangup, Record, Speak, Step

if TYPE_CHECKING:  # the call centre's calendar comes in built; voice imports no other feature
    from handoff.call_centre import CallCentre

log = logging.getLogger(__name__)

StatusText = Callable[[str, Application], str]  # (language, application) → what to tell the caller
CALLBACK_TEMPLATE_KEY = "callback_confirmation"
REPEAT_KEY = "*"


def normalise_caller(number: str) -> str:
    """Twilio's From as we store it: E.164 (`client:` identities and hidden numbers kept as given)."""
    number = (number or "").strip()
    return number or "anonymous"


@dataclass
class StatusUpdate:
    applied: bool
    ended: bool = False


class VoiceLine:
    def __init__(self, db: Database, *, config: VoiceConfig, line: Line, prompts: Prompts,
                 call_centre: "CallCentre", messenger: Messenger | None, status_text: StatusText,
                 default_language: str = "kk", clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.config = config
        self.line = line
        self.prompts = prompts
        self.call_centre = call_centre
        self.messenger = messenger
        self.status_text = status_text
        self.default_language = default_language
        self.clock = clock
        self._tasks: set[asyncio.Task] = set()

    # --- helpers -----------------------------------------------------------------------
    def _lang(self, call: Call) -> str:
        return call.language or self.default_language

    def _say(self, lang: str, *prompts: str, **params: Any) -> tuple[Utterance, ...]:
        return tuple(self.prompts.utter(prompt, lang, **params) for prompt in prompts)

    async def _call(self, uow: UnitOfWork, call_sid: str, caller: str | None = None) -> Call:
        """The call row for `call_sid`, made if this is the first we hear of it."""
        call = await uow.calls.by_sid(call_sid, for_update=True)
        if call is None:
            number = normalise_caller(caller or "")
            contact = await uow.contacts.get_or_create(Channel.phone.value, number)
            if number.startswith("+") and not contact.phone:
                contact.phone = number
            now = self.clock()
            call = uow.calls.add(Call(call_sid=call_sid, direction="inbound", contact_id=contact.id,
                                      menu_path=[], started_at=now, updated_at=now,
                                      in_hours=self.call_centre.hours.is_open(now)))
            await uow.flush()
        return call

    def _language_menu(self, attempt: int) -> list[Step]:
        greeting = self._say(self.default_language, "greeting") if attempt == 0 else ()
        options = tuple(self.prompts.utter(f"language.{lang}", lang) for lang in self.config.languages.values())
        return [Ask(greeting + options, "language", self.config.gather_timeout, {"attempt": str(attempt)})]

    def _main_menu(self, lang: str, attempt: int = 0, before: tuple[Utterance, ...] = ()) -> list[Step]:
        prompts = ["menu.intro"] + [item.prompt for item in self.config.menu] + ["menu.repeat"]
        return [Ask(before + self._say(lang, *prompts), "menu", self.config.gather_timeout,
                    {"attempt": str(attempt)})]

    # --- the call, step by step --------------------------------------------------------
    async def incoming(self, call_sid: str, caller: str) -> list[Step]:
        async with self.db.unit_of_work() as uow:
            call = await self._call(uow, call_sid, caller)
            if call.language:  # Twilio asked again (a retry): go on where the caller was
                return self._main_menu(call.language)
        if len(self.config.languages) == 1:
            return await self.choose_language(call_sid, next(iter(self.config.languages)), 0)
        return self._language_menu(0)

    async def choose_language(self, call_sid: str, digits: str, attempt: int) -> list[Step]:
        lang = self.config.languages.get(digits)
        if lang is None:
            if attempt < self.config.menu_repeats:
                return self._language_menu(attempt + 1)
            lang = self.default_language  # nobody chose: go on in the default language
        async with self.db.unit_of_work() as uow:
            call = await self._call(uow, call_sid)
            call.language = lang
            call.menu_path = [*call.menu_path, f"lang:{lang}"]
            call.updated_at = self.clock()
            contact = await uow.contacts.get(call.contact_id)
            contact.language = lang
        return self._main_menu(lang)

    async def menu(self, call_sid: str, digits: str, attempt: int) -> list[Step]:
        async with self.db.unit_of_work() as uow:
            call = await self._call(uow, call_sid)
            lang = self._lang(call)
            item = self.config.item(digits)
            if not digits or (item is None and digits != REPEAT_KEY):
                if attempt >= self.config.menu_repeats:
                    return [Speak(self._say(lang, "goodbye")), Hangup()]
                prompt = "no_input" if not digits else "invalid"
                return self._main_menu(lang, attempt + 1, self._say(lang, prompt))
            if digits == REPEAT_KEY:
                return self._main_menu(lang)
            call.menu_path = [*call.menu_path, item.id]
            call.updated_at = self.clock()
            if item.kind == "info":
                return self._main_menu(lang, 0, (self.prompts.utter(f"info.{item.id}", lang),))
            if item.kind == "status":
                return self._main_menu(lang, 0, await self._status(uow, call, lang))
            call.operator_requested = True
            contact = await uow.contacts.get(call.contact_id)
            return self._to_operators(call, lang, contact.external_id, await self._on_duty(uow), attempt=0)

    async def _status(self, uow: UnitOfWork, call: Call, lang: str) -> tuple[Utterance, ...]:
        contact = await uow.contacts.get(call.contact_id)
        applications = await uow.applications.by_phone(contact.phone) if contact.phone else []
        if not applications:
            return self._say(lang, "status.none")
        return tuple(self.prompts.spoken(self.status_text(lang, application), lang, "status.found")
                     for application in applications)

    async def _on_duty(self, uow: UnitOfWork) -> tuple[OperatorTarget, ...]:
        """The line's operators less those whose console account a manager has switched off."""
        names = [target.name for target in self.line.operators]
        off = set(await uow.session.scalars(
            select(Operator.name).where(Operator.name.in_(names), Operator.active.is_(False)))) if names else set()
        return tuple(target for target in self.line.operators if target.name not in off)

    def _to_operators(self, call: Call, lang: str, caller: str, operators: tuple[OperatorTarget, ...], *,
                      attempt: int) -> list[Step]:
        if not self.call_centre.hours.is_open(self.clock()):
            return self._voicemail(lang, "closed")
        if self.line.dial_mode == "sequential":
            operators = operators[attempt:attempt + 1]
        if not operators:
            return self._voicemail(lang, "busy")
        call.dial_attempts += 1
        # The caller's own number as caller ID: Twilio allows it when forwarding an inbound call,
        # and it is what the operator's phone shows.
        caller_id = caller if caller.startswith("+") else None
        targets = tuple(DialTarget(t.kind, t.address) for t in operators)
        before = (Speak(self._say(lang, "connecting")),) if attempt == 0 else ()
        return [*before, Dial(targets, "dial", self.line.ring_timeout, caller_id, lang, {"attempt": str(attempt)})]

    def _voicemail(self, lang: str, reason: str) -> list[Step]:
        if not self.line.recording:
            return [Speak(self._say(lang, reason, "goodbye")), Hangup()]
        return [Speak(self._say(lang, reason)),
                # Twilio's transcription understands English only: other messages stay recordings.
                Record(self._say(lang, "voicemail"), "voicemail", self.config.voicemail_max_seconds,
                       self.config.voicemail_finish_key, transcribe=lang == "en"),
                # <Record> falls through here when the caller says nothing.
                Speak(self._say(lang, "goodbye")), Hangup()]

    async def dial_result(self, call_sid: str, dial_status: str, dial_seconds: int | None,
                          attempt: int) -> list[Step]:
        async with self.db.unit_of_work() as uow:
            call = await self._call(uow, call_sid)
            lang = self._lang(call)
            now = self.clock()
            call.updated_at = now
            call.dial_status = dial_status[:16]
            if call.direction == "outbound":  # a call back: did the applicant pick up?
                if dial_status in DIAL_ANSWERED:
                    call.answered_at = call.answered_at or now
                    call.talk_seconds = dial_seconds
                    ticket = await uow.tickets.get(call.ticket_id) if call.ticket_id else None
                    if ticket is not None and ticket.first_reply_at is None:
                        ticket.first_reply_at = now
                await self.journal_call(uow, call)
                return [Hangup()]
            if dial_status in DIAL_ANSWERED:
                call.answered_at = call.answered_at or now
                call.answered_by = call.answered_by or "operator"
                call.talk_seconds = dial_seconds
                await self.journal_call(uow, call)
                return [Hangup()]
            on_duty = await self._on_duty(uow)
            if self.line.dial_mode == "sequential" and attempt + 1 < len(on_duty):
                contact = await uow.contacts.get(call.contact_id)
                return self._to_operators(call, lang, contact.external_id, on_duty, attempt=attempt + 1)
            return self._voicemail(lang, "busy")

    async def operator_answered(self, parent_sid: str, dialled: str) -> tuple[str, str]:
        """An operator picked up (the whisper before the bridge): note who; → (language, caller)."""
        async with self.db.unit_of_work() as uow:
            call = await self._call(uow, parent_sid)
            now = self.clock()
            call.answered_by = self.line.who(dialled)[:64]
            call.answered_at = call.answered_at or now
            call.updated_at = now
            contact = await uow.contacts.get(call.contact_id)
            return self._lang(call), contact.external_id

    def whisper(self, lang: str) -> list[Step]:
        """What the operator hears before the caller is put through: the caller's language."""
        text = self.prompts.translator.t("ru", "voice.whisper", language=LANGUAGE_NAMES.get(lang, lang))
        return [Speak((self.prompts.spoken(text, "ru", "whisper"),))]

    async def voicemail(self, call_sid: str, *, recording_url: str, recording_sid: str | None,
                        seconds: int | None) -> list[Step]:
        opened = None
        async with self.db.unit_of_work() as uow:
            call = await self._call(uow, call_sid)
            lang = self._lang(call)
            call.updated_at = self.clock()
            if recording_url:
                call.operator_requested = True
                call.recording_url = recording_url[:512]
                call.recording_sid = (recording_sid or "")[:64] or None
                call.recording_seconds = seconds
                opened = await self._ensure_callback(uow, call)
                await self.journal_call(uow, call)
        steps: list[Step] = [Speak(self._say(lang, "voicemail_thanks"))]
        if opened is not None:
            ticket, _ = opened
            steps.append(Speak((self.prompts.utter("ticket", lang, number=ticket.number),)))
        steps += [Speak(self._say(lang, "goodbye")), Hangup()]
        self._after_ticket(opened)
        return steps

    async def transcription(self, call_sid: str, text: str, status: str) -> bool:
        if status != "completed" or not text.strip():
            return False
        async with self.db.unit_of_work() as uow:
            call = await uow.calls.by_sid(call_sid, for_update=True)
            if call is None:
                return False
            call.transcription = text.strip()[:4000]
            call.updated_at = self.clock()
            if call.ticket_id:
                uow.journal.record(contact_id=call.contact_id, consultation_id=call.consultation_id,
                                   channel=Channel.phone.value, direction="in", content_type="voice",
                                   text=f"voicemail transcription: {call.transcription}", author="system",
                                   created_at=self.clock())
            await self.journal_call(uow, call)
        return True

    # --- status callbacks --------------------------------------------------------------
    async def status(self, call_sid: str, status: str, *, caller: str, duration: int | None) -> StatusUpdate:
        """Apply a CallStatus callback: forward only; the end of a call writes its consultation."""
        if status not in STATUS_RANK:
            raise ValueError(f"unknown CallStatus {status!r}")
        opened = None
        async with self.db.unit_of_work() as uow:
            call = await self._call(uow, call_sid, caller)
            if not moves_forward(call.status_rank, status):
                return StatusUpdate(applied=False, ended=call.ended)
            now = self.clock()
            call.status, call.status_rank, call.updated_at = status, STATUS_RANK[status], now
            if status not in END_STATUSES:
                return StatusUpdate(applied=True)
            call.ended_at = now
            call.duration_seconds = duration
            if call.direction == "inbound" and self._outcome(call) in NEEDS_CALLBACK:
                opened = await self._ensure_callback(uow, call)
            await self.journal_call(uow, call)
        self._after_ticket(opened)
        return StatusUpdate(applied=True, ended=True)

    def _outcome(self, call: Call) -> str:
        if call.direction == "outbound":
            return outbound_outcome(call.dial_status or call.status, call.answered_at is not None)
        return inbound_outcome(CallFacts(answered=call.answered_at is not None,
                                         voicemail=call.recording_url is not None,
                                         operator_requested=call.operator_requested))

    async def journal_call(self, uow: UnitOfWork, call: Call) -> None:
        """Write (or rewrite) the call's consultation once the call has ended."""
        if not call.ended:
            return
        if call.call_sid is not None or call.outcome is None:  # a logged call back keeps its outcome
            call.outcome = self._outcome(call)
        if call.direction == "outbound" and call.outcome != "reached":
            return  # a call back nobody took is an attempt on the ticket, not a consultation
        contact = await uow.contacts.get(call.contact_id)
        consultation = await uow.session.get(Consultation, call.consultation_id) if call.consultation_id else None
        if consultation is None:
            menu = dict.fromkeys(f"phone:{step}" for step in call.menu_path if not step.startswith("lang:"))
            consultation = Consultation(contact_id=contact.id, channel=Channel.phone.value,
                                        opened_at=call.started_at, last_activity_at=call.ended_at,
                                        closed_at=call.ended_at,
                                        topics=[ConsultationTopic(topic=t, position=i) for i, t in enumerate(menu)])
            uow.session.add(consultation)
            await uow.flush()
            call.consultation_id = consultation.id
            uow.journal.record(contact_id=contact.id, consultation_id=consultation.id, channel=Channel.phone.value,
                               direction="in" if call.direction == "inbound" else "out", content_type="call",
                               text=self._summary(call), author="system", created_at=call.started_at)
        consultation.language = call.language
        consultation.outcome = call.outcome
        consultation.human_involved = call.answered_at is not None or call.operator_id is not None
        consultation.duration_seconds = call.duration_seconds
        consultation.notes = self._summary(call)[:4000]
        if call.ticket_id:
            ticket = await uow.tickets.get(call.ticket_id)
            if ticket is not None and ticket.consultation_id is None:
                ticket.consultation_id = consultation.id

    def _summary(self, call: Call) -> str:
        """One line for the journal and the console; no phone numbers (exports mask text anyway)."""
        parts = [f"{call.direction} call", f"outcome: {call.outcome or '—'}"]
        if call.language:
            parts.append(f"language: {call.language}")
        menu = [step for step in call.menu_path if not step.startswith("lang:")]
        if menu:
            parts.append("menu: " + " > ".join(menu))
        if call.answered_by:
            parts.append(f"answered by: {call.answered_by}")
        if call.duration_seconds is not None:
            parts.append(f"duration: {duration_text(call.duration_seconds)}")
        if call.recording_url:
            parts.append(f"recording: {call.recording_url}")
        if call.transcription:
            parts.append(f"transcription: {call.transcription}")
        return "; ".join(parts)

    # --- callback tickets --------------------------------------------------------------
    async def _ensure_callback(self, uow: UnitOfWork, call: Call) -> tuple[Ticket, bool] | None:
        """The call's callback ticket: its own, the caller's open one, or a new one → (ticket, new)."""
        if call.ticket_id:
            ticket = await uow.tickets.get(call.ticket_id)
            return (ticket, False) if ticket is not None else None
        now = self.clock()
        ticket = await uow.session.scalar(
            select(Ticket).where(Ticket.contact_id == call.contact_id, Ticket.kind == "callback",
                                 Ticket.status.in_(ACTIVE_STATUSES)).order_by(Ticket.id.desc()).limit(1))
        new = ticket is None
        if new:
            ticket = uow.tickets.add(Ticket(
                contact_id=call.contact_id, consultation_id=call.consultation_id, channel=Channel.phone.value,
                language=call.language, kind="callback", status="open", opened_at=now,
                sla_due_at=self.call_centre.hours.add_working_time(now, self.call_centre.sla("callback")),
                last_user_message_at=now))
            await uow.flush()
        else:
            ticket.last_user_message_at = now
        call.ticket_id = ticket.id
        return ticket, new

    def _after_ticket(self, opened: tuple[Ticket, bool] | None) -> None:
        if opened is None or not opened[1] or self.messenger is None or self.line.confirmation == "off":
            return
        ticket = opened[0]
        self._spawn(self.confirm(ticket.id, ticket.contact_id, ticket.language or self.default_language,
                                 ticket.number))

    async def confirm(self, ticket_id: int, contact_id: int, lang: str, number: str) -> str:
        """SMS (the phone contact's channel) or WhatsApp confirmation with the ticket number."""
        text = self.prompts.translator.t(lang, "voice.sms.callback", number=number)
        target = contact_id
        if self.line.confirmation == "whatsapp":
            async with self.db.unit_of_work() as uow:
                phone_contact = await uow.contacts.get(contact_id)
                if not (phone_contact.phone or "").startswith("+"):
                    return "no_number"
                contact = await uow.contacts.get_or_create(Channel.whatsapp.value, phone_contact.phone)
                contact.language = contact.language or lang
                target = contact.id
        try:
            await self.messenger.send(target, text, author="system", template_key=CALLBACK_TEMPLATE_KEY,
                                      template_variables={"1": number})
        except DeliveryRefused as refused:
            log.info("callback confirmation for %s not sent: %s", number, refused.reason)
            return refused.reason
        return "sent"

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for confirmations still being sent (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

