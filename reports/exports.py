"""Tickets, CSAT and survey answers as CSV or XLSX, streamed like the journal (reports/journal.py),
with headings and coded values in the manager's language.

Phone numbers, names and IINs are masked unless `masked=False`, which only a manager may
ask for (the CLI and the console check the role and write the audit log). Anonymous
grievances never show who sent them, masked or not.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import AsyncIterator
from zoneinfo import ZoneInfo

from reports.journal import Masks, _local, day_range, default_labels, export_journal, in_chunks, write_rows
from reports.labels import Labels
from storage.exports import JournalFilter, contact_phone, stream_csat, stream_survey_answers, stream_tickets
from storage.unit_of_work import Database

KINDS = ("journal", "tickets", "csat", "surveys")

TICKET_HEADER = ["ticket", "kind", "status", "channel", "language", "anonymous", "contact_id", "contact_name",
                 "phone", "opened_at", "first_reply_at", "resolved_at", "sla_due_at", "first_response_minutes",
                 "resolution_minutes", "sla_met", "assignee", "reopened_count", "resolution"]
CSAT_HEADER = ["consultation_id", "queued_at", "channel", "language", "trigger", "ticket", "contact_id",
               "contact_name", "phone", "status", "skip_reason", "delivery", "score", "score_changed", "comment",
               "answered_at"]
SURVEY_HEADER = ["survey", "response_id", "contact_id", "contact_name", "phone", "channel", "language",
                 "queued_at", "completed_at", "question", "kind", "score", "answer", "answered_at"]


def _minutes(later: datetime | None, earlier: datetime | None):
    return round((later - earlier).total_seconds() / 60, 1) if later and earlier else ""


async def ticket_rows(db: Database, flt: JournalFilter, zone: ZoneInfo, m: Masks, lab: Labels) -> AsyncIterator[list]:
    from storage.tickets import ticket_number

    async with db.sessions() as session:
        async for t in stream_tickets(session, flt):
            hidden = t.anonymous
            met = "" if t.first_reply_at is None or t.sla_due_at is None else lab.yes_no(t.first_reply_at <= t.sla_due_at)
            yield [ticket_number(t.id), lab("ticket_kind", t.kind), lab("ticket_status", t.status),
                   lab("channel", t.channel), lab.given("language", t.language), lab.yes_no(hidden),
                   "" if hidden else t.contact_id, "" if hidden else m.name(t.display_name),
                   "" if hidden else m.phone(contact_phone(t)),
                   _local(t.opened_at, zone), _local(t.first_reply_at, zone), _local(t.resolved_at, zone),
                   _local(t.sla_due_at, zone), _minutes(t.first_reply_at, t.reopened_at or t.opened_at),
                   _minutes(t.resolved_at, t.opened_at), met, t.assignee or "", t.reopened_count,
                   m.text(t.resolution)]


async def csat_rows(db: Database, flt: JournalFilter, zone: ZoneInfo, m: Masks, lab: Labels) -> AsyncIterator[list]:
    from storage.tickets import ticket_number

    async with db.sessions() as session:
        async for r in stream_csat(session, flt):
            hidden = r.anonymous  # the poll after an anonymous grievance
            yield [r.consultation_id, _local(r.created_at, zone), lab("channel", r.channel),
                   lab.given("language", r.language), lab.given("csat_trigger", r.trigger),
                   ticket_number(r.ticket_id) if r.ticket_id else "", "" if hidden else r.contact_id,
                   "" if hidden else m.name(r.display_name), "" if hidden else m.phone(contact_phone(r)),
                   lab("csat_status", r.status), lab.given("skip", r.skip_reason), lab.given("outbox", r.delivery),
                   r.score if r.score is not None else "", lab.yes_no(bool(r.score_changes)), m.text(r.comment),
                   _local(r.answered_at, zone)]


async def survey_rows(db: Database, flt: JournalFilter, zone: ZoneInfo, m: Masks, lab: Labels,
                      survey_id: str | None = None) -> AsyncIterator[list]:
    async with db.sessions() as session:
        async for r in stream_survey_answers(session, flt, survey_id):
            answer = r.value or ""
            question = f"{r.survey_id}:{r.question_id}" if r.question_id else ""
            if r.kind == "text":
                answer = m.text(answer)
            elif r.kind == "choice" and answer:
                answer = lab("choice", f"{question}:{answer}")
            yield [lab("survey", r.survey_id), r.response_id, r.contact_id, m.name(r.display_name),
                   m.phone(contact_phone(r)), lab("channel", r.channel), lab.given("language", r.language),
                   _local(r.created_at, zone), _local(r.completed_at, zone),
                   lab("question", question) if question else "", lab.given("question_kind", r.kind),
                   r.score if r.score is not None else "", answer, _local(r.answered_at, zone)]


async def export(db: Database, kind: str, *, start: date, end: date, zone: ZoneInfo, fmt: str, path: Path,
                 channel: str | None = None, masked: bool = True, by: str = "consultation",
                 survey_id: str | None = None, labels: Labels | None = None,
                 keep_phones: frozenset[str] = frozenset()) -> int:
    """Write one export (journal by consultation/message, tickets, csat, surveys); rows written.

    `labels` gives headings and coded values in a language (ru by default); `keep_phones`
    are the programme's own numbers, left readable in texts."""
    labels = default_labels(labels)
    if kind == "journal":
        return await export_journal(db, start=start, end=end, zone=zone, by=by, fmt=fmt, path=path,
                                    channel=channel, masked=masked, labels=labels, keep_phones=keep_phones)
    flt = JournalFilter(*day_range(start, end, zone), channel)
    masks = Masks(masked, keep_phones)
    if kind == "tickets":
        header, rows = TICKET_HEADER, ticket_rows(db, flt, zone, masks, labels)
    elif kind == "csat":
        header, rows = CSAT_HEADER, csat_rows(db, flt, zone, masks, labels)
    elif kind == "surveys":
        header, rows = SURVEY_HEADER, survey_rows(db, flt, zone, masks, labels, survey_id)
    else:
        raise ValueError(f"unknown export {kind!r}")
    return await write_rows(path, fmt, header, in_chunks(rows), labels=labels, sheet=kind)


class NotAllowed(Exception):
    pass


async def allow_unmasked(db: Database, operator_name: str | None, *, target: str, details: dict) -> None:
    """An unmasked export needs an active manager; it is written to the audit log first
    (so an export that fails half-way is still on record). Raises NotAllowed otherwise."""
    from storage.tickets import Audit, Operators

    if not operator_name:
        raise NotAllowed("--unmasked needs --operator NAME (a manager)")
    async with db.unit_of_work() as uow:
        operator = await Operators(uow.session).by_name(operator_name)
        if operator is None or not operator.active or not operator.is_manager:
            Audit(uow.session).record(actor=operator_name, operator_id=operator.id if operator else None,
                                      action="export_refused", target=target[:64], details=details)
            refused = True
        else:
            Audit(uow.session).record(actor=operator.name, operator_id=operator.id, action="export_unmasked",
                                      target=target[:64], details=details)
            refused = False
    if refused:
        raise NotAllowed(f"{operator_name!r} is not an active manager: unmasked exports are for managers only")
