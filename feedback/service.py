"""Queueing polls: the CSAT question when a consultation closes, stage surveys to their
audiences; and the periodic task (started by ZhasBot.start) that closes idle consultations
and sends surveys whose `send_at` has come.

Every poll goes through the notifications outbox (its sender paces, retries, applies the
WhatsApp 24-hour rule with the `csat` / `survey` templates, and never repeats a dedup key).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from core.i18n import Translator
from core.messages import Channel
from feedback.outbox import Poll, enqueue_polls
from feedback.polls import csat_question, survey_question
from feedback.surveys import Survey, SurveyCatalogue, pick
from core.delivery import whatsapp_window_open
from storage.feedback import CsatRequests, Surveys
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

CSAT_TEMPLATE = "csat"
SURVEY_TEMPLATE = "survey"
IDLE_CHECK_SECONDS = 60.0


@dataclass
class SurveySend:
    survey_id: str
    audience: int
    queued: int
    already: int


class Feedback:
    def __init__(self, db: Database, translator: Translator, *, surveys: SurveyCatalogue,
                 templates: dict[str, dict[str, str]] | None = None, default_language: str = "kk",
                 idle_minutes: int = 30, clock: Callable[[], datetime] = utcnow,
                 wake: Callable[[], None] | None = None, interval: float = IDLE_CHECK_SECONDS):
        self.db = db
        self.translator = translator
        self.surveys = surveys
        self.templates = templates or {}
        self.default_language = default_language
        self.idle = timedelta(minutes=idle_minutes)
        self.clock = clock
        self.wake = wake or (lambda: None)
        self.interval = interval
        self._task: asyncio.Task | None = None

    # --- CSAT ------------------------------------------------------------------------
    async def close_idle(self) -> list[int]:
        """Close consultations idle for the gap and queue their CSAT; return the closed ids."""
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            closed = await uow.consultations.close_idle(now=now, idle=self.idle)
            queued = await self._queue_csat(uow.session, closed, trigger="idle", now=now)
        if queued:
            self.wake()
        return closed

    async def on_ticket_resolved(self, event) -> None:
        """HandoffService.on_ticket_resolved hook: the consultation of the ticket gets its CSAT."""
        if event.consultation_id is None:
            return
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            queued = await self._queue_csat(uow.session, [event.consultation_id], trigger="ticket",
                                            ticket_id=event.ticket_id, now=now)
        if queued:
            self.wake()

    def _has_template(self, key: str, lang: str) -> bool:
        sids = self.templates.get(key, {})
        return bool(sids.get(lang) or sids.get(self.default_language))

    async def _queue_csat(self, session, consultation_ids: Iterable[int], *, trigger: str, now: datetime,
                          ticket_id: int | None = None) -> int:
        requests = CsatRequests(session)
        found = await requests.candidates(consultation_ids, skip_open_tickets=trigger == "idle")
        rows, polls = [], {}
        for consultation, contact in found:
            lang = self.translator.language(contact.language or consultation.language or self.default_language)
            reason = None
            if contact.opted_out:
                reason = "opted_out"
            elif (contact.channel == Channel.whatsapp.value and not whatsapp_window_open(contact.last_inbound_at, now)
                  and not self._has_template(CSAT_TEMPLATE, lang)):
                reason = "whatsapp_window_closed"
            rows.append({"consultation_id": consultation.id, "contact_id": contact.id, "channel": contact.channel,
                         "language": lang, "trigger": trigger, "ticket_id": ticket_id,
                         "status": "skipped" if reason else "queued", "skip_reason": reason,
                         "score_changes": 0, "created_at": now})
            if reason is None:
                text, buttons = csat_question(self.translator, lang, consultation.id)
                polls[consultation.id] = Poll(contact, f"csat:{consultation.id}", "csat",
                                              f"csat-{now.date().isoformat()}", "csat", lang, text, buttons,
                                              CSAT_TEMPLATE)
        new = await requests.add(rows)
        return await enqueue_polls(session, [poll for cid, poll in polls.items() if cid in new], now=now)

    # --- surveys -----------------------------------------------------------------------
    async def send_survey(self, survey: Survey) -> SurveySend:
        """Queue `survey` to its audience; contacts who already got it are left out."""
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            repo = Surveys(uow.session)
            contacts = await repo.audience(statuses=list(survey.statuses),
                                           eligibility_checked=survey.eligibility_checked,
                                           verdicts=list(survey.verdicts))
            langs = {c.id: self.translator.language(c.language or self.default_language) for c in contacts}
            new = await repo.add_responses([
                {"survey_id": survey.id, "contact_id": c.id, "channel": c.channel, "language": langs[c.id],
                 "created_at": now} for c in contacts])
            first = survey.questions[0]
            polls = []
            for contact in contacts:
                if contact.id not in new:
                    continue
                lang = langs[contact.id]
                question, buttons = survey_question(self.translator, lang, survey, first)
                polls.append(Poll(contact, f"survey:{survey.id}:{contact.id}", "survey", f"survey-{survey.id}",
                                  survey.id, lang, pick(survey.intro, lang) + "\n\n" + question, buttons,
                                  SURVEY_TEMPLATE, {"1": pick(survey.title, lang)}))
            queued = await enqueue_polls(uow.session, polls, now=now)
        if queued:
            self.wake()
        return SurveySend(survey.id, len(contacts), queued, len(contacts) - len(new))

    async def send_due_surveys(self) -> list[SurveySend]:
        """Surveys whose send_at has come and that nobody has been sent yet."""
        now = self.clock()
        sent = []
        for survey in self.surveys.surveys.values():
            if survey.send_at is None or survey.send_at > now:
                continue
            async with self.db.sessions() as session:
                if await Surveys(session).sent_count(survey.id):
                    continue
            sent.append(await self.send_survey(survey))
            log.info("survey %s queued for %d contact(s)", survey.id, sent[-1].queued)
        return sent

    # --- the periodic task -------------------------------------------------------------
    async def tick(self) -> None:
        await self.close_idle()
        await self.send_due_surveys()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="feedback-idle-closer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("closing idle consultations / sending surveys failed; retrying")
            await asyncio.sleep(self.interval)
