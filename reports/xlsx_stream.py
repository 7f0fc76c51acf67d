"""A minimal streaming XLSX writer for large row exports: one sheet, a header row, values.

openpyxl's write-only mode builds a Cell object and an XML element for every value
(~15 µs a cell here: 200,000 journal messages took 45-55 s); this writes the sheet's XML
text straight into the zip stream (~1 µs a cell), with memory flat. Strings are inline
(no shared-strings table to hold in memory). What a manager needs to work with the sheet
is there: the header row bold and frozen, an autofilter over every row, column widths from
the header and the first rows, and text-formatted columns (phone numbers: Excel neither
turns them into numbers nor needs a leading apostrophe). Anything richer (charts) stays
with openpyxl, as the indicators report does.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterable

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# What _xml changes: most cells hold none of it and are written as they are.
_UNSAFE = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff&<>"]')

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
# The autofilter's range is known once the last row is written: the workbook (which names
# it, as Excel does) is written last.
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets><definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{filter}</definedName></definedNames></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""
# Cell formats: 0 general, 1 text (number format 49, "@"), 2 bold (the header).
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
TEXT, BOLD = 1, 2
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
              ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
              '{cols}<sheetData>')
SHEET_TAIL = '</sheetData><autoFilter ref="{ref}"/></worksheet>'
# Widths in characters: from the header and the first rows, within these bounds.
MEASURED_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml(text: str) -> str:
    """`text` as XML character data: characters XML forbids dropped, markup escaped.
    (str.translate looks every character up in a dict: a third of a journal export's time.)"""
    if _UNSAFE.search(text) is None:
        return text
    return _ILLEGAL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class SheetWriter:
    """`with SheetWriter(path, "journal", width, text_columns={5}) as sheet: sheet.row([...])`.

    The first row is the header. `text_columns` (0-based) hold text that looks like a
    number — phone numbers — and are formatted as text.
    """

    def __init__(self, path: Path, title: str, width: int, *, text_columns: Iterable[int] = ()):
        self.path = path
        # Excel refuses a sheet name with []:*?/\ or longer than 31 characters.
        self.title = _xml(_SHEET_NAME.sub("", _ILLEGAL.sub("", title))[:31]) or "Sheet1"
        self.width = width
        self.columns = [_column(i) for i in range(width)]
        self.text_columns = frozenset(text_columns)
        # The style attribute of each column's text cells, and of the header's.
        self._styles = [f' s="{TEXT}"' if i in self.text_columns else "" for i in range(width)]
        self._header_styles = [f' s="{BOLD}"'] * width
        self.number = 0
        self._zip: zipfile.ZipFile | None = None
        self._sheet = None
        self._buffer: list[str] = []
        self._first: list[list[object]] | None = []  # rows kept to measure widths, then None

    def __enter__(self) -> "SheetWriter":
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._zip.writestr("[Content_Types].xml", CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", ROOT_RELS)
        self._zip.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        self._zip.writestr("xl/styles.xml", STYLES)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        return self

    def row(self, values: Iterable[object]) -> None:
        if self._first is not None:
            self._first.append(list(values))
            if len(self._first) > MEASURED_ROWS:
                self._start()
            return
        self._row(values)

    def _start(self) -> None:
        """Widths from the rows kept so far; the sheet's head, then those rows."""
        rows, self._first = self._first or [], None
        widths = [MIN_WIDTH] * self.width
        for values in rows:
            for index, value in enumerate(values[:self.width]):
                longest = max((len(line) for line in _shown(value).splitlines()), default=0)
                widths[index] = max(widths[index], min(MAX_WIDTH, longest + 2))
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"'
            + (f' style="{TEXT}"' if i in self.text_columns else "") + "/>" for i, w in enumerate(widths))
        self._sheet.write(SHEET_HEAD.format(cols=f"<cols>{cols}</cols>" if cols else "").encode())
        for values in rows:
            self._row(values)

    def _row(self, values: Iterable[object]) -> None:
        self.number += 1
        n = self.number
        header = n == 1
        cells = [f'<row r="{n}">']
        append = cells.append
        for column, style, value in zip(self.columns, self._header_styles if header else self._styles, values):
            kind = value.__class__
            if kind is str:  # most cells: the general case below, without its checks
                if value:
                    append(f'<c r="{column}{n}"{style} t="inlineStr"><is><t xml:space="preserve">{_xml(value)}</t></is></c>')
                continue
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                value = "yes" if value else "no"
            if isinstance(value, (int, float)) and not header:
                append(f'<c r="{column}{n}"><v>{value}</v></c>')
            else:
                append(f'<c r="{column}{n}"{style} t="inlineStr"><is><t xml:space="preserve">{_xml(str(value))}</t></is></c>')
        append("</row>")
        self._buffer.append("".join(cells))
        if len(self._buffer) >= 500:
            self._flush()

    def _flush(self) -> None:
        self._sheet.write("".join(self._buffer).encode())
        self._buffer.clear()

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._sheet is not None:
            if self._first is not None:
                self._start()
            self._flush()
            last = self.columns[-1] if self.columns else "A"
            ref = f"A1:{last}{max(self.number, 1)}"
            self._sheet.write(SHEET_TAIL.format(ref=ref).encode())
            self._sheet.close()
            absolute = f"'{self.title.replace(chr(39), chr(39) * 2)}'!$A$1:${last}${max(self.number, 1)}"
            self._zip.writestr("xl/workbook.xml", WORKBOOK.format(name=self.title, filter=absolute))
        if self._zip is not None:
            self._zip.close()
