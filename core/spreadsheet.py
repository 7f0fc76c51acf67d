"""Reading a manager's spreadsheet (CSV or XLSX) for an all-or-nothing import.

Shared by the applications import (notify.importer) and the call-log import
(handoff.call_import): the file becomes numbered rows of text cells, and every problem is a
`RowError` with its line, so an import can list all of them and change nothing
(`read_valid`); each import's report is an `ImportReport` with its own counts.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

T = TypeVar("T")
Rows = list[tuple[int, list[str]]]

# cp1251 is accepted only when every non-ASCII character decodes to Russian Cyrillic or common
# punctuation: mojibake from another code page fails that test.
_CP1251_OK = re.compile(r"[А-Яа-яЁёІі№«»–—…’“”\u00a0]")


def fold(text: Any) -> str:
    """Headers and codes compare case-blind, with punctuation as spaces: "Дата_звонка:" → "дата звонка"."""
    return " ".join(re.sub(r"[_\-.:,;()/\\]+", " ", str(text or "")).casefold().split())


@dataclass
class RowError:
    line: int
    reason: str
    field: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        shown = f" ({self.value!r})" if self.value not in (None, "") else ""
        return f"{where}: {self.reason}{shown}"


class FileProblem(Exception):
    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


@dataclass
class ImportReport:
    """What an import did (or, with dry_run or errors, would have done); each import adds its counts."""

    filename: str
    dry_run: bool
    rows: int = 0
    encoding: str | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, noun: str, counts: list[str]) -> list[str]:
        """Every error, or else the file's line (how many `noun`) followed by `counts`."""
        if self.errors:
            head = [f"{self.filename}: {len(self.errors)} error(s) — nothing was imported"]
            return head + [f"  {error}" for error in self.errors]
        return [f"{self.filename}: {self.rows} {noun} ({self.encoding or 'xlsx'})"
                + (" — dry run, nothing changed" if self.dry_run else "")] + counts


def file_data(path_or_bytes: str | Path | bytes, filename: str | None) -> tuple[bytes, str | None]:
    """The file's bytes and name: a path's own name unless `filename` is given."""
    if isinstance(path_or_bytes, (str, Path)):
        path = Path(path_or_bytes)
        return path.read_bytes(), filename or path.name
    return bytes(path_or_bytes), filename


def read_valid(data: bytes, report: ImportReport,
               validate: Callable[[Rows], tuple[Sequence[T], list[RowError]]]) -> Sequence[T] | None:
    """The file's rows as `validate` reads them, or None when the file or any row is bad: all
    or nothing, `report.errors` then lists every problem. Fills in `report`'s encoding and
    row count (good rows and lines with errors)."""
    try:
        rows, report.encoding = read_rows(data, report.filename)
        parsed, errors = validate(rows)
    except FileProblem as problem:
        report.errors.append(problem.error)
        return None
    report.rows = len(parsed) + len({e.line for e in errors if e.line})
    report.errors = errors
    return None if errors else parsed


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, or cp1251 when clearly Russian text."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        text = None
    if text is not None and encoding == "utf-8":
        non_ascii = [ch for ch in text if ord(ch) > 127]
        # Mojibake of another code page mixes Latin and Cyrillic inside one word ("Renйe").
        mixed = any(re.search(r"[A-Za-z]", word) and re.search(r"[А-Яа-яЁёІі]", word)
                    for word in re.findall(r"\w+", text))
        if non_ascii and not mixed and all(_CP1251_OK.match(ch) for ch in non_ascii) and \
                sum(1 for ch in non_ascii if ch.isalpha()) >= 3:
            return text, "cp1251"
    line = data.count(b"\n", 0, utf8_error.start) + 1
    raise FileProblem(RowError(line, "wrong encoding: the file is not UTF-8 (save it as \"CSV UTF-8\" "
                                     "or as XLSX) and is not clearly Windows-1251 either"))


def _csv_rows(text: str) -> Iterable[tuple[int, list[str]]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for row in reader:
        yield reader.line_num, row


def _cell(value: Any) -> str:
    """A cell as text; dates and times as ISO (2024-03-05, 14:30:00), whatever the sheet's format."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time.min else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterable[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileProblem(RowError(0, f"not a readable XLSX file ({type(exc).__name__})")) from None
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in row]
    finally:
        workbook.close()


def read_rows(data: bytes, filename: str) -> tuple[Rows, str | None]:
    """The file's rows as (line, cells) and the CSV's encoding (None for XLSX)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx" or (suffix != ".csv" and data[:2] == b"PK"):
        return list(_xlsx_rows(data)), None
    if suffix in (".xls", ".ods"):
        raise FileProblem(RowError(0, "unsupported format: save the sheet as XLSX or CSV"))
    text, encoding = decode_csv(data)
    return [(line, [cell.strip() for cell in row]) for line, row in _csv_rows(text)], encoding


def columns(header: list[str], line: int, aliases: Mapping[str, Iterable[str]],
            required: Iterable[str], hint: str) -> dict[str, int]:
    """Field → column index, from a header row matched against each field's `aliases`
    (compared after fold()); a missing required column is a FileProblem naming the others."""
    to_field = {fold(alias): name for name, names in aliases.items() for alias in names}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        name = to_field.get(fold(title))
        if name and name not in found:
            found[name] = index
    missing = [name for name in required if name not in found]
    if missing:
        raise FileProblem(RowError(line, "missing column(s): " + ", ".join(missing)
                                   + " — expected headers like: " + hint))
    return found
