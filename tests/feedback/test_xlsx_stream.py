"""The streaming XLSX writer: what openpyxl reads back is what was written."""
import openpyxl

from reports.xlsx_stream import SheetWriter, _column


def test_round_trip(tmp_path):
    path = tmp_path / "s.xlsx"
    rows = [["id", "text", "n"], [1, "Сәлем <b>&\"x\"</b>", 2.5], [2, "", None], [3, "  spaced\x01\x0b ", 0],
            [4, True, "'=1+1"]]
    with SheetWriter(path, "jour<nal>", 3) as sheet:
        for row in rows:
            sheet.row(row)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["jour<nal>"]
    assert [list(r) for r in book.active.iter_rows(values_only=True)] == [
        ["id", "text", "n"], [1, 'Сәлем <b>&"x"</b>', 2.5], [2, None, None], [3, "  spaced ", 0], [4, "yes", "'=1+1"]]


def test_column_letters():
    assert [_column(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
