"""Journal exports for managers: CSV (Excel-friendly) and XLSX, personal data masked.

Headings, sheet names and coded values (channel, direction, delivery, outcome, region …)
are words from the kk/ru/en catalogues (`Labels`, ru by default); the column codes below
stay for code and tests. The programme's own phone numbers (`keep_phones`, from
programme.yaml's facts) stay readable inside texts; everybody else's are masked.
"""
from __future__ import annotations

import asyncio
import csv
import os
import re
from collections import deque
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator, Callable, Iterable, Sequence, TypeVar
from zoneinfo import ZoneInfo

from core.i18n import Translator
from core.masking_process import MaskingProcess
from core.privacy import mask_name, mask_phone, mask_text
from reports.labels import Labels
from reports.xlsx_stream import SheetWriter
from storage.exports import JournalFilter, contact_phone, stream_consultation_chunks, stream_message_chunks
from storage.unit_of_work import Database

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_CHARS = frozenset(FORMULA_TRIGGERS)
# A phone number, masked or not: digits, '+', '*', spaces, brackets and dashes only. A
# spreadsheet may read it as arithmetic, but it names no function and no cell, so it cannot
# run anything: it keeps its own look (no apostrophe in front of every number).
_PHONE_CELL = re.compile(r"\+[0-9][0-9*() \-]*[0-9]\Z")

MESSAGE_HEADER = ["message_id", "time", "channel", "contact_id", "contact_name", "phone",
                  "direction", "author", "content_type", "text", "consultation_id", "delivery_status"]
CONSULTATION_HEADER = ["consultation_id", "opened_at", "closed_at", "channel", "contact_id",
                       "contact_name", "phone", "language", "topics", "human_involved", "outcome",
                       "messages_in", "messages_out", "region", "duration_seconds"]
PHONE_COLUMNS = ("phone",)
# Chunks whose texts are being masked while the one before them is built and written.
AHEAD = 2
# Rows travel a chunk (a list of rows) per await: an await per row cost a sixth of a
# 200,000-message export.
Chunks = AsyncIterator[list[list[object]]]
T = TypeVar("T")


def neutralise(value: object) -> object:
    """Cells a spreadsheet would run as a formula get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PHONE_CELL.match(value):
        return "'" + value
    return value


def day_range(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the programme's zone, as UTC."""
    begin = datetime.combine(start, time.min, zone).astimezone(timezone.utc)
    finish = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
    return begin, finish


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    # isoformat is a third of strftime's cost: "2026-10-17 02:17:33" either way.
    return moment.astimezone(zone).isoformat(" ", "seconds")[:19] if moment else ""


class LocalTimes:
    """`_local` for many moments: the zone's offset is looked up once per UTC day and added
    (a day in which the offset changes is converted moment by moment)."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self._offsets: dict[date, timedelta | None] = {}

    def __call__(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        if moment.tzinfo is not timezone.utc:  # storage hands back UTC; anything else the slow way
            return _local(moment, self.zone)
        day = moment.date()
        try:
            offset = self._offsets[day]
        except KeyError:
            offset = self._offsets[day] = self._offset(moment)
        if offset is None:
            return _local(moment, self.zone)
        return (moment + offset).isoformat(" ", "seconds")[:19]

    def _offset(self, moment: datetime) -> timedelta | None:
        first = datetime.combine(moment.date(), time.min, moment.tzinfo)
        last = first + timedelta(days=1, microseconds=-1)
        offset = first.astimezone(self.zone).utcoffset()
        return offset if last.astimezone(self.zone).utcoffset() == offset else None


def default_labels(labels: Labels | None) -> Labels:
    return labels if labels is not None else Labels(Translator(), "ru")


class Masks:
    """The masking an export applies (none with `masked=False`). A contact's name and phone
    repeat on every one of their rows: each is masked once."""

    def __init__(self, masked: bool, keep_phones: frozenset[str] = frozenset()):
        self.masked = masked
        self.today = today = date.today()
        self.keep_phones = keep_phones
        self._process: MaskingProcess | None = None
        self._chunks = 0
        self._text: Callable[[str | None], str] = (
            (lambda value: mask_text(value, today=today, keep_phones=keep_phones)) if masked
            else (lambda value: value or ""))
        self._names: dict[str | None, str] = {}
        self._phones: dict[str | None, str] = {}

    def text(self, value: str | None) -> str:
        # Repeated texts (the bot's answers) are masked once: core.privacy remembers them.
        return self._text(value)

    async def texts(self, values: list[str | None]) -> "asyncio.Future[list[str]]":
        """The texts of one chunk, to be masked: here for the first chunk, then in a second
        process while this one writes the chunks before (masking is a third of a long message
        export's work, and the machine has another core; a short export starts no process)."""
        self._chunks += 1
        if self.masked and self._process is None and self._chunks > 1:
            self._process = await MaskingProcess.start(self.today, self.keep_phones)
        if self._process is not None:
            return self._process.mask(values)
        done = asyncio.get_running_loop().create_future()
        done.set_result([self._text(value) for value in values])
        return done

    async def close(self) -> None:
        if self._process is not None:
            await self._process.close()
            self._process = None

    def name(self, value: str | None) -> str:
        if not self.masked:
            return value or ""
        if value not in self._names:
            if len(self._names) > 100_000:
                self._names.clear()
            self._names[value] = mask_name(value)
        return self._names[value]

    def phone(self, value: str | None) -> str:
        if not self.masked:
            return value or ""
        if value not in self._phones:
            if len(self._phones) > 100_000:
                self._phones.clear()
            self._phones[value] = mask_phone(value)
        return self._phones[value]


async def journal_chunks(db: Database, flt: JournalFilter, *, by: str, zone: ZoneInfo, masked: bool = True,
                         labels: Labels | None = None, keep_phones: frozenset[str] = frozenset()) -> Chunks:
    m = Masks(masked, keep_phones)
    lab = default_labels(labels)
    local = LocalTimes(zone)
    async with db.sessions() as session:
        if by == "message":
            channels, directions, content_types = lab.kind("channel"), lab.kind("direction"), lab.kind("content_type")
            deliveries, authors = lab.kind("delivery", given=True), lab.kind("author", given=True)

            def message(r, masked_text: str) -> list[object]:
                # Unpacked once (a named attribute of a row costs a lookup each time).
                (message_id, created_at, channel, direction, content_type, _, consultation_id, delivery, author,
                 contact_id, name, *_, since) = r
                # In a consultation holding an anonymous grievance, no row pairs the person with
                # it: the grievance's messages show no contact, the earlier ones no consultation.
                hidden = since is not None and created_at >= since
                if since is not None and not hidden:
                    consultation_id = ""
                return [message_id, local(created_at), channels[channel], "" if hidden else contact_id,
                        "" if hidden else m.name(name), "" if hidden else m.phone(contact_phone(r)),
                        directions[direction], authors[author], content_types[content_type], masked_text,
                        consultation_id or "", deliveries[delivery]]

            async def rows(chunk, texts: "asyncio.Future[list[str]]") -> list[list[object]]:
                return [message(r, masked_text) for r, masked_text in zip(chunk, await texts)]

            # The texts of a chunk are masked (in the second process) while the chunks before are
            # written. Two chunks wait there, not one: a chunk's masking and writing take
            # different times, and with one the faster side kept waiting for the slower.
            pending: deque = deque()
            try:
                async for chunk in stream_message_chunks(session, flt):
                    pending.append((chunk, await m.texts([r[5] for r in chunk])))
                    if len(pending) > AHEAD:
                        yield await rows(*pending.popleft())
                while pending:
                    yield await rows(*pending.popleft())
            finally:
                await m.close()
        else:
            def consultation(row) -> list[object]:
                c = row.consultation
                hidden = c.anonymous
                return [c.id, local(c.opened_at), local(c.closed_at), lab("channel", c.channel),
                        "" if hidden else c.contact_id, "" if hidden else m.name(c.display_name),
                        "" if hidden else m.phone(contact_phone(c)),
                        lab.given("language", c.language), ", ".join(lab("topic", topic) for topic in row.topics),
                        lab.yes_no(c.human_involved), lab.given("outcome", c.outcome), row.messages_in,
                        row.messages_out, lab.given("region", c.region),
                        c.duration_seconds if c.duration_seconds is not None else ""]

            async for chunk in stream_consultation_chunks(session, flt):
                yield [consultation(row) for row in chunk]


async def in_chunks(rows: AsyncIterator[T], size: int = 1000) -> AsyncIterator[list[T]]:
    """A row-at-a-time export (tickets, CSAT, surveys: small) in the writers' chunks."""
    chunk: list[T] = []
    async for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _safe(row: Iterable[object]) -> list[object]:
    # neutralise() only where a cell starts with a trigger: most never do (millions of cells).
    return [neutralise(value) if value.__class__ is str and value[:1] in _TRIGGER_CHARS else value
            for value in row]


# What makes csv.writer (excel dialect, QUOTE_MINIMAL) quote a cell: the delimiter, the quote
# character, or a character of the line terminator.
_CSV_QUOTED = re.compile(r'[,"\r\n]')


def csv_cell(value: object) -> str:
    """One cell as csv.writer writes it after `_safe`: neutralised, quoted where it must be."""
    if value is None:
        return ""
    if value.__class__ is str:
        if value[:1] in _TRIGGER_CHARS:
            value = neutralise(value)
    elif isinstance(value, str):  # an enum member: `_safe` leaves it, csv.writer writes its characters
        value = str.__str__(value)
    else:
        value = str(value)  # csv.writer's own conversion (repr is str for floats)
    return '"' + value.replace('"', '""') + '"' if _CSV_QUOTED.search(value) else value


def message_csv_lines() -> Callable[[list[object]], str]:
    """A message row (MESSAGE_HEADER) as its CSV line, the bytes csv.writer wrote for it: the
    ids are integers (or empty) and the time is digits, which csv.writer writes as they are;
    the other cells go through `csv_cell`, the repeating ones (labels, a contact's masked
    name and phone) once each. One f-string a row instead of csv.writer's work and `_safe`
    per cell."""
    # Plain strings only: a dict takes 0 for False and an enum member for its value, whose
    # cells differ.
    cells: dict[str, str] = {}

    def cell(value: object) -> str:
        if value.__class__ is not str:
            return csv_cell(value)
        known = cells.get(value)
        if known is None:
            if len(cells) > 100_000:  # a journal of many contacts stays small
                cells.clear()
            known = cells[value] = csv_cell(value)
        return known

    def line(row: list[object]) -> str:
        (message_id, moment, channel, contact_id, name, phone, direction, author, content_type, text,
         consultation_id, delivery) = row
        return (f"{message_id},{moment},{cell(channel)},{contact_id},{cell(name)},{cell(phone)},"
                f"{cell(direction)},{cell(author)},{cell(content_type)},{csv_cell(text)},{consultation_id},"
                f"{cell(delivery)}\r\n")
    return line


async def write_csv(path: Path, header: list[str], chunks: Chunks,
                    line: Callable[[list[object]], str] | None = None) -> int:
    count = 0
    # The BOM makes Excel read Cyrillic correctly; written by hand, as "utf-8-sig" would
    # encode every row through a Python-level encoder (plain utf-8 stays in C).
    # Exports hold personal data: readable by the owner only, whatever the umask.
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8",
              newline="") as file:
        file.write("\ufeff")
        writer = csv.writer(file)
        writer.writerow(header)
        async for chunk in chunks:
            if line is None:
                writer.writerows(map(_safe, chunk))
            else:
                file.write("".join(map(line, chunk)))
            count += len(chunk)
    return count


async def write_xlsx(path: Path, header: list[str], chunks: Chunks,
                     sheet_title: str = "journal", text_columns: Iterable[int] = ()) -> int:
    # Streamed straight into the zip (reports/xlsx_stream.py): flat memory, ~1 µs a cell.
    count = 0
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # owner-only before any row
    with SheetWriter(path, sheet_title, len(header), text_columns=text_columns) as sheet:
        sheet.row(header)
        async for chunk in chunks:
            for row in chunk:
                sheet.row(_safe(row))
            count += len(chunk)
    return count


async def write_rows(path: Path, fmt: str, columns: Sequence[str], chunks: Chunks, *,
                     labels: Labels, sheet: str, csv_line: Callable[[list[object]], str] | None = None) -> int:
    """One export file: headings and sheet name in the labels' language, phones as text."""
    header = labels.header(columns)
    if fmt == "csv":
        return await write_csv(path, header, chunks, csv_line)
    phones = [index for index, code in enumerate(columns) if code in PHONE_COLUMNS]
    return await write_xlsx(path, header, chunks, sheet_title=labels.t(f"export.sheet.{sheet}"), text_columns=phones)


async def export_journal(db: Database, *, start: date, end: date, zone: ZoneInfo, by: str,
                         fmt: str, path: Path, channel: str | None = None, masked: bool = True,
                         labels: Labels | None = None, keep_phones: frozenset[str] = frozenset()) -> int:
    begin, finish = day_range(start, end, zone)
    flt = JournalFilter(begin, finish, channel)
    labels = default_labels(labels)
    columns = MESSAGE_HEADER if by == "message" else CONSULTATION_HEADER
    chunks = journal_chunks(db, flt, by=by, zone=zone, masked=masked, labels=labels, keep_phones=keep_phones)
    return await write_rows(path, fmt, columns, chunks, labels=labels,
                            sheet="messages" if by == "message" else "consultations",
                            csv_line=message_csv_lines() if by == "message" else None)
