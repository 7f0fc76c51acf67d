"""Tickets, CSAT and survey answers as CSV or XLSX, streamed like the journal (bot/exports.py).

Phone numbers, names and IINs are masked unless `masked=False`, which only a manager may
ask for (the CLI and the console check the role and write the audit log). Anonymous
grievances never show who sent them, masked or not.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import AsyncIterator
from zoneinfo import ZoneInfo

from core.privacy import mask_name, mask_phone, mask_text
from reports.journal import _local, day_range, export_journal, write_csv, write_xlsx
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


class _Masks:
    def __init__(self, masked: bool):
        self.phone = mask_phone if masked else (lambda value: value or "")
        self.name = mask_name if masked else (lambda value: value or "")
        self.text = mask_text if masked else (lambda value: value or "")


def _minutes(later: datetime | None, earlier: datetime | None):
    return round((later - earlier).total_seconds() / 60, 1) if later and earlier else ""


async def ticket_rows(db: Database, flt: JournalFilter, zone: ZoneInfo, masked: bool) -> AsyncIterator[list]:
    from storage.tickets import ticket_number

    m = _Masks(masked)
    async with db.sessions() as session:
        async for t in stream_tickets(session, flt):
            hidden = t.anonymous
            met = "" if t.first_reply_at is None or t.sla_due_at is None else (
                "yes" if t.first_reply_at <= t.sla_due_at else "no")
            yield [ticket_number(t.id), t.kind, t.status, t.channel, t.language or "", "yes" if hidden else "no",
                   "" if hidden else t.contact_id, "" if hidden else m.name(t.display_name),
                   "" if hidden else m.phone(contact_phone(t)),
                   _local(t.opened_at, zone), _local(t.first_reply_at, zone), _local(t.resolved_at, zone),
                   _local(t.sla_due_at, zone), _minutes(t.first_reply_at, t.reopened_at or t.opened_at),
                   _minutes(t.resolved_at, t.opened_at), met, t.assignee or "", t.reopened_count,
                   m.text(t.resolution)]


async def csat_rows(db: Database, flt: JournalFilter, zone: ZoneInfo, masked: bool) -> AsyncIterator[list]:
    from storage.tickets import ticket_number

    m = _Masks(masked)
    async with db.sessions() as session:
        async for r in stream_csat(session, flt):
            hidden = r.anonymous  # the poll after an anonymous grievance
            yield [r.consultation_id, _local(r.created_at, zone), r.channel, r.language, r.trigger,
                   ticket_number(r.ticket_id) if r.ticket_id else "", "" if hidden else r.contact_id,
                   "" if hidden else m.name(r.display_name), "" if hidden else m.phone(contact_phone(r)), r.status, r.skip_reason or "", r.delivery or "",
                   r.score if r.score is not None else "", "yes" if r.score_changes else "no", m.text(r.comment),
                   _local(r.answered_at, zone)]


async def survey_rows(db: Database, flt: JournalFilter, zone: ZoneInfo, masked: bool,
                      survey_id: str | None = None) -> AsyncIterator[list]:
    m = _Masks(masked)
    async with db.sessions() as session:
        async for r in stream_survey_answers(session, flt, survey_id):
            answer = r.value or ""
            yield [r.survey_id, r.response_id, r.contact_id, m.name(r.display_name), m.phone(contact_phone(r)),
                   r.channel, r.language, _local(r.created_at, zone), _local(r.completed_at, zone),
                   r.question_id or "", r.kind or "", r.score if r.score is not None else "",
                   m.text(answer) if r.kind == "text" else answer, _local(r.answered_at, zone)]


async def export(db: Database, kind: str, *, start: date, end: date, zone: ZoneInfo, fmt: str, path: Path,
                 channel: str | None = None, masked: bool = True, by: str = "consultation",
                 survey_id: str | None = None) -> int:
    """Write one export (journal by consultation/message, tickets, csat, surveys); rows written."""
    if kind == "journal":
        return await export_journal(db, start=start, end=end, zone=zone, by=by, fmt=fmt, path=path,
                                    channel=channel, masked=masked)
    flt = JournalFilter(*day_range(start, end, zone), channel)
    if kind == "tickets":
        header, rows = TICKET_HEADER, ticket_rows(db, flt, zone, masked)
    elif kind == "csat":
        header, rows = CSAT_HEADER, csat_rows(db, flt, zone, masked)
    elif kind == "surveys":
        header, rows = SURVEY_HEADER, survey_rows(db, flt, zone, masked, survey_id)
    else:
        raise ValueError(f"unknown export {kind!r}")
    if fmt == "csv":
        return await write_csv(path, header, rows)
    return await write_xlsx(path, header, rows, sheet_title=kind)


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
