"""The streaming XLSX writer: what openpyxl reads back is what was written, with a frozen
bold header, an autofilter, column widths and text-formatted phone columns."""
import openpyxl

from reports.xlsx_stream import MAX_WIDTH, SheetWriter, _column


def test_round_trip(tmp_path):
    path = tmp_path / "s.xlsx"
    rows = [["id", "text", "n"], [1, "Сәлем <b>&\"x\"</b>", 2.5], [2, "", None], [3, "  spaced\x01\x0b ", 0],
            [4, True, "'=1+1"], [5, "x &lt; y & <z> \"q\"", "plain"]]
    with SheetWriter(path, "jour<nal>", 3) as sheet:
        for row in rows:
            sheet.row(row)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["jour<nal>"]
    assert [list(r) for r in book.active.iter_rows(values_only=True)] == [
        ["id", "text", "n"], [1, 'Сәлем <b>&"x"</b>', 2.5], [2, None, None], [3, "  spaced ", 0], [4, "yes", "'=1+1"],
        [5, 'x &lt; y & <z> "q"', "plain"]]


def test_header_frozen_filtered_widths_and_text_phones(tmp_path):
    path = tmp_path / "s.xlsx"
    long_text = "Жеребе қашан өтеді? " * 20
    with SheetWriter(path, "Сообщения: 'журнал'", 3, text_columns={1}) as sheet:
        sheet.row(["№", "Телефон", "Текст"])
        for number in range(1, 301):  # more rows than the writer measures for widths
            sheet.row([number, f"+7701{number:07d}", long_text if number == 5 else "ок"])
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    assert book.sheetnames == ["Сообщения 'журнал'"]  # ':' is not allowed in a sheet name
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C301"
    assert ws["A1"].font.b and ws["C1"].font.b
    phone = ws["B2"]
    assert phone.value == "+77010000001" and phone.data_type == "s" and phone.number_format == "@"
    assert ws["B301"].value == "+77010000300" and ws["B301"].number_format == "@"
    assert ws["A2"].value == 1 and ws["A2"].number_format == "General"
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABC"}
    assert widths["B"] == len("+77010000001") + 2 and widths["C"] == MAX_WIDTH and 6 <= widths["A"] < 10


def test_empty_sheet_has_its_header(tmp_path):
    path = tmp_path / "s.xlsx"
    with SheetWriter(path, "x", 2) as sheet:
        sheet.row(["a", "b"])
    ws = openpyxl.load_workbook(path).active
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [["a", "b"]] and ws.auto_filter.ref == "A1:B1"


def test_column_letters():
    assert [_column(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
