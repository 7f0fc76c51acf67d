"""Application import: every bad row reported, all or nothing, idempotent, CSV and XLSX."""
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from notify.importer import import_applications
from notify.phones import normalise_phone
from storage.applications import Application
from storage.outbox import OutboxMessage
from tests.conftest import translator
from tests.notify.helpers import csv_bytes, run_import, seed_linked, status_rows

GOOD = [
    ("ZP-0001", "Асқар Серікұлы", "8 701 123 45 67", "Алматы", "received", ""),
    ("ZP-0002", "Мария Иванова", "+7 (702) 765-43-21", "Мангистауская область", "tech_rejected", "age"),
    ("ZP-0003", "John Smith", "7051112233", "Almaty", "winner", ""),
]


async def count(db, model):
    async with db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("raw, expected", [
    ("8 701 123 45 67", "+77011234567"), ("+7 (701) 123-45-67", "+77011234567"),
    ("7011234567", "+77011234567"), ("77011234567", "+77011234567"), (77011234567.0, "+77011234567"),
    ("+7 727 250 00 00", "+77272500000"),
    ("12345", None), ("+1 202 555 0100", None), ("8 901 123 45 67", None), ("701-abc", None), ("", None),
])
def test_phone_normalisation(raw, expected):
    assert normalise_phone(raw) == expected


async def test_good_csv_is_imported(db):
    report = await run_import(db, GOOD)
    assert report.ok and report.applied, report.lines()
    assert (report.created, report.status_changed, report.unchanged) == (3, 0, 0)
    async with db.sessions() as session:
        rows = {a.number: a for a in await session.scalars(select(Application))}
    assert rows["ZP-0001"].phone == "+77011234567" and rows["ZP-0001"].region == "almaty"
    assert rows["ZP-0002"].region == "mangystau" and rows["ZP-0002"].reason == "age"


async def test_every_bad_row_is_reported_and_nothing_changes(db):
    rows = GOOD + [
        ("ZP-0004", "Bad Phone", "12-34", "Almaty", "received", ""),
        ("ZP-0005", "Bad Status", "+77011110005", "Almaty", "approved", ""),
        ("ZP-0001", "Duplicate", "+77011110006", "Almaty", "received", ""),
        ("", "No Number", "+77011110007", "", "received", ""),
        ("ZP-0008", "No reason", "+77011110008", "Almaty", "tech_rejected", ""),
        ("ZP-0009", "Elsewhere", "+77011110009", "Astana", "received", ""),
    ]
    report = await run_import(db, rows)
    assert not report.ok and not report.applied
    found = {(error.line, error.reason.split(" (")[0]) for error in report.errors}
    assert (5, "bad phone number") in found
    assert (6, "unknown status") in found
    assert (7, "duplicate application number") in found
    assert (8, "missing number") in found and (8, "missing region") in found
    assert (9, "missing reason") in found
    assert (10, "unknown region") in found
    assert "line 7: duplicate application number (first on line 2)" in "\n".join(report.lines())
    assert await count(db, Application) == 0  # all or nothing


async def test_reimport_changes_and_sends_nothing(db):
    await seed_linked(db, 3, status="received")
    first = await run_import(db, status_rows(3, "tech_passed"))
    assert first.status_changed == 3 and first.notifications_queued == 3
    again = await run_import(db, status_rows(3, "tech_passed"))
    assert again.ok and (again.created, again.status_changed, again.unchanged) == (0, 0, 3)
    assert again.notifications_queued == 0 and again.batch_id is None
    assert await count(db, OutboxMessage) == 3


async def test_dry_run_changes_nothing(db):
    await seed_linked(db, 2, status="received")
    report = await run_import(db, status_rows(2, "winner"), dry_run=True)
    assert report.ok and report.dry_run and report.status_changed == 2 and report.notifications_queued == 2
    assert await count(db, OutboxMessage) == 0
    async with db.sessions() as session:
        assert set(await session.scalars(select(Application.status))) == {"received"}


async def test_status_change_queues_one_notification_per_linked_contact(db):
    await seed_linked(db, 2, status="received")
    report = await run_import(db, status_rows(2, "tech_rejected", reason="neet_documents"))
    assert report.notifications_queued == 2
    async with db.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert {r.state for r in rows} == {"queued"} and {r.batch_id for r in rows} == {report.batch_id}
    assert rows[0].template_key == "status.tech_rejected"
    assert "документов о том, что вы не работаете" in rows[0].text  # reason in plain words, ru


@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True), ("cp1251", False)])
async def test_csv_encodings(db, encoding, bom):
    data = csv_bytes([("ZP-7", "Мария Иванова", "87011234567", "Алматы", "received", "")],
                     header=("Номер заявки", "ФИО", "Телефон", "Регион", "Статус", "Причина"),
                     delimiter=";", encoding=encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    report = await import_applications(db, data, "заявки.csv", False, translator=translator())
    assert report.ok, report.lines()
    assert report.encoding == {"utf-8": "utf-8-sig" if bom else "utf-8", "cp1251": "cp1251"}[encoding]
    async with db.sessions() as session:
        assert (await session.scalar(select(Application.name))) == "Мария Иванова"


async def test_undetectable_encoding_is_a_clear_error(db):
    data = csv_bytes([("ZP-8", "Әлия Қасым", "87011234567", "Алматы", "received", "")],
                     header=("өтінім нөмірі", "аты-жөні", "телефон", "өңір", "мәртебе", "себеп"))
    data = data.decode("utf-8").encode("utf-16-le")
    report = await import_applications(db, data, "a.csv", False, translator=translator())
    assert not report.ok and "wrong encoding" in report.errors[0].reason
    latin = "number,name,phone,region,status\nZP-9,Ren\xe9e \xc9lo\xefse,87011234567,Almaty,received\n".encode("latin-1")
    report = await import_applications(db, latin, "b.csv", False, translator=translator())
    assert not report.ok and "wrong encoding" in str(report.errors[0])
    assert await count(db, Application) == 0


async def test_kazakh_headers_and_xlsx(db, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Өтінім нөмірі", "Аты-жөні", "Телефон", "Өңір", "Мәртебе", "Себеп"])
    sheet.append(["ZP-10", "Әлия Қасым", 77011234567, "Маңғыстау", "winner", None])
    sheet.append([11, "Ержан", "8 (705) 000 11 22", "Алматы", "Жеңімпаз", None])
    sheet.append(["ZP-12", "Bad", "+7 000", "Алматы", "winner", None])
    path = tmp_path / "applications.xlsx"
    workbook.save(path)
    report = await import_applications(db, path, dry_run=False, translator=translator())
    assert not report.ok and [(e.line, e.field) for e in report.errors] == [(4, "phone")]
    sheet.delete_rows(4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = await import_applications(db, buffer.getvalue(), "applications.xlsx", False, translator=translator())
    assert report.ok and report.created == 2, report.lines()
    async with db.sessions() as session:
        rows = {a.number: a for a in await session.scalars(select(Application))}
    assert rows["11"].status == "winner" and rows["ZP-10"].phone == "+77011234567"


async def test_missing_columns_and_bad_xlsx(db):
    report = await import_applications(db, csv_bytes([("ZP-1", "x")], header=("number", "name")),
                                       "a.csv", False, translator=translator())
    assert not report.ok and "missing column(s): phone, region, status" in report.errors[0].reason
    report = await import_applications(db, b"PK\x03\x04 not really", "a.xlsx", False, translator=translator())
    assert not report.ok and "XLSX" in report.errors[0].reason
