"""Journal exports for managers: CSV (Excel-friendly) and XLSX, personal data masked."""
from __future__ import annotations

import csv
import os
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator, Iterable
from zoneinfo import ZoneInfo

from core.privacy import mask_name, mask_phone, mask_text
from reports.xlsx_stream import SheetWriter
from storage.exports import JournalFilter, contact_phone, stream_consultations, stream_messages
from storage.unit_of_work import Database

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

MESSAGE_HEADER = ["message_id", "time", "channel", "contact_id", "contact_name", "phone",
                  "direction", "content_type", "text", "consultation_id", "delivery_status"]
CONSULTATION_HEADER = ["consultation_id", "opened_at", "closed_at", "channel", "contact_id",
                       "contact_name", "phone", "language", "topics", "human_involved", "outcome",
                       "messages_in", "messages_out", "region", "duration_seconds"]


def neutralise(value: object) -> object:
    """Cells a spreadsheet would run as a formula get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def day_range(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the programme's zone, as UTC."""
    begin = datetime.combine(start, time.min, zone).astimezone(timezone.utc)
    finish = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
    return begin, finish


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


async def journal_rows(db: Database, flt: JournalFilter, *, by: str, zone: ZoneInfo,
                       masked: bool = True) -> AsyncIterator[list[object]]:
    phone = mask_phone if masked else (lambda value: value or "")
    name = mask_name if masked else (lambda value: value or "")
    text = mask_text if masked else (lambda value: value or "")
    async with db.sessions() as session:
        if by == "message":
            async for m in stream_messages(session, flt):
                # In a consultation holding an anonymous grievance, no row pairs the person with
                # it: the grievance's messages show no contact, the earlier ones no consultation.
                since = m.anonymous_since
                hidden = since is not None and m.created_at >= since
                consultation_id = "" if since is not None and not hidden else (m.consultation_id or "")
                yield [m.id, _local(m.created_at, zone), m.channel, "" if hidden else m.contact_id,
                       "" if hidden else name(m.display_name), "" if hidden else phone(contact_phone(m)),
                       m.direction, m.content_type, text(m.text), consultation_id, m.delivery_status or ""]
        else:
            async for row in stream_consultations(session, flt):
                c = row.consultation
                hidden = c.anonymous
                yield [c.id, _local(c.opened_at, zone), _local(c.closed_at, zone), c.channel,
                       "" if hidden else c.contact_id, "" if hidden else name(c.display_name),
                       "" if hidden else phone(contact_phone(c)),
                       c.language or "", ",".join(row.topics), "yes" if c.human_involved else "no",
                       c.outcome or "", row.messages_in, row.messages_out, c.region or "",
                       c.duration_seconds if c.duration_seconds is not None else ""]


async def write_csv(path: Path, header: list[str], rows: AsyncIterator[Iterable[object]]) -> int:
    count = 0
    # utf-8-sig writes the BOM that makes Excel read Cyrillic correctly.
    # Exports hold personal data: readable by the owner only, whatever the umask.
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8-sig",
              newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        async for row in rows:
            writer.writerow([neutralise(value) for value in row])
            count += 1
    return count


async def write_xlsx(path: Path, header: list[str], rows: AsyncIterator[Iterable[object]],
                     sheet_title: str = "journal") -> int:
    # Streamed straight into the zip (bot/xlsx_stream.py): flat memory, ~1 µs a cell.
    count = 0
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # owner-only before any row
    with SheetWriter(path, sheet_title, len(header)) as sheet:
        sheet.row(header)
        async for row in rows:
            sheet.row([neutralise(value) for value in row])
            count += 1
    return count


async def export_journal(db: Database, *, start: date, end: date, zone: ZoneInfo, by: str,
                         fmt: str, path: Path, channel: str | None = None, masked: bool = True) -> int:
    begin, finish = day_range(start, end, zone)
    flt = JournalFilter(begin, finish, channel)
    header = MESSAGE_HEADER if by == "message" else CONSULTATION_HEADER
    rows = journal_rows(db, flt, by=by, zone=zone, masked=masked)
    if fmt == "csv":
        return await write_csv(path, header, rows)
    return await write_xlsx(path, header, rows, sheet_title="messages" if by == "message" else "consultations")
