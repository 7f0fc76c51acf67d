"""Call-log import: CSV (UTF-8 and cp1251) and XLSX with the call centre's own headers, all or
nothing with every bad row listed, dry run, no duplicates on re-import; the calls count in the
report of the period they took place in, by region and age band, as calls (not bot channels)."""
import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import func, select

from handoff.call_import import duration_seconds, import_calls
from reports.indicators import build_report
from reports.journal import export_journal
from storage.models import Consultation, Contact, Message
from storage.tickets import AuditEntry

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 3, 20, 6, 0, tzinfo=timezone.utc)
REGIONS = ("almaty", "mangystau")
HEADER = ["Дата", "Время", "Телефон", "Тема", "Длительность", "Итог", "Регион", "Возраст"]
# Calls of the first days of March 2026, typed into the call centre's sheet long after.
GOOD = [
    ["02.03.2026", "09:15", "8 701 555 12 34", "Сроки подачи", "05:23", "Консультация дана", "Мангистау", "17–22"],
    ["02.03.2026", "16:40", "+7 (702) 000-00-01", "Документы, Возраст", "3", "Перезвонить", "г. Алматы", ""],
    ["03.03.2026", "10:00", "87015551234", "", "4,5", "", "", "17-22"],
]


def csv_bytes(rows, header=HEADER, encoding="utf-8", delimiter=";"):
    return "\n".join(delimiter.join(row) for row in [header, *rows]).encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        day, clock = datetime.strptime(row[0], "%d.%m.%Y"), datetime.strptime(row[1], "%H:%M").time()
        sheet.append([day, clock, *row[2:]])  # real date and time cells, as Excel keeps them
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def run(db, data, filename="calls.csv", **kw):
    return await import_calls(db, data, filename, zone=ALMATY, regions=REGIONS, now=NOW, **kw)


async def phone_calls(db):
    async with db.sessions() as session:
        return list(await session.scalars(
            select(Consultation).where(Consultation.channel == "phone").order_by(Consultation.opened_at)))


def test_durations_as_call_centres_write_them():
    assert [duration_seconds(text) for text in ("", "5", "4,5", "05:23", "0:05:23", "90 сек", "3 мин", "2.5 min")] \
        == [None, 300, 270, 323, 323, 90, 180, 150]


async def test_good_csv_is_journalled_in_the_period_it_took_place(db):
    report = await run(db, csv_bytes(GOOD))
    assert report.ok and (report.created, report.already_journalled) == (3, 0), report.lines()
    first, second, third = await phone_calls(db)
    # 09:15 in Almaty (UTC+5) is 04:15 UTC; the call lasted 5 min 23 s.
    assert first.opened_at == datetime(2026, 3, 2, 4, 15, tzinfo=timezone.utc)
    assert first.closed_at == datetime(2026, 3, 2, 4, 20, 23, tzinfo=timezone.utc)
    assert (first.region, first.age_band, first.duration_seconds, first.outcome) == ("mangystau", "17-22", 323,
                                                                                      "answered")
    assert first.topic_ids == ["Сроки подачи"] and first.human_involved
    assert (second.region, second.outcome, second.topic_ids) == ("almaty", "callback_needed", ["Документы", "Возраст"])
    assert (third.region, third.age_band, third.outcome, third.duration_seconds) == (None, "17-22", "answered", 270)
    async with db.sessions() as session:
        contact = await session.get(Contact, first.contact_id)
        [message] = list(await session.scalars(select(Message).where(Message.consultation_id == first.id)))
        [audit] = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "calls_imported")))
    # Stored as the journal stores phone contacts; the same caller twice is one contact.
    assert (contact.channel, contact.external_id) == ("phone", "+77015551234") and third.contact_id == contact.id
    assert message.created_at == first.opened_at and message.author == "system:import"
    assert audit.actor == "cli" and audit.details["created"] == 3 and "5551234" not in str(audit.details)


async def test_reimporting_the_same_file_adds_nothing(db):
    assert (await run(db, csv_bytes(GOOD))).created == 3
    again = await run(db, xlsx_bytes(GOOD), "calls.xlsx")  # the same calls, saved as XLSX
    assert again.ok and (again.created, again.already_journalled) == (0, 3), again.lines()
    more = await run(db, csv_bytes(GOOD + [["04.03.2026", "12:00", "+77021112233", "", "", "", "", ""]]))
    assert (more.created, more.already_journalled) == (1, 3)
    assert len(await phone_calls(db)) == 4


async def test_xlsx_with_date_and_time_cells(db):
    report = await run(db, xlsx_bytes(GOOD), "calls.xlsx")
    assert report.ok and report.created == 3 and report.encoding is None, report.lines()
    assert (await phone_calls(db))[0].opened_at == datetime(2026, 3, 2, 4, 15, tzinfo=timezone.utc)


async def test_cp1251_csv_and_english_headers(db):
    report = await run(db, csv_bytes(GOOD, encoding="cp1251"))
    assert report.ok and report.encoding == "cp1251" and report.created == 3, report.lines()
    english = ["date", "time", "phone", "topic", "duration", "result", "region"]
    report = await run(db, csv_bytes([["2026-03-05", "08:00", "+77071234567", "deadline", "2", "answered",
                                       "almaty"]], header=english, delimiter=","))
    assert report.ok and report.created == 1, report.lines()


async def test_every_bad_row_is_listed_and_nothing_is_journalled(db):
    rows = GOOD + [
        ["31.02.2026", "10:00", "+77011110001", "", "", "", "", ""],  # line 5: no such date
        ["05.03.2026", "", "+77011110002", "", "", "", "", ""],  # line 6: no time
        ["05.03.2026", "10:00", "12-34", "", "", "", "Шымкент", ""],  # line 7: phone and region
        ["01.01.2027", "10:00", "+77011110004", "", "", "", "", ""],  # line 8: in the future
        ["05.03.2026", "10:00", "+77011110005", "", "long", "", "", "18-24"],  # line 9: duration, age band
        ["02.03.2026", "09:15", "8 (701) 555-12-34", "", "", "", "", ""],  # line 10: the call of line 2 again
    ]
    report = await run(db, csv_bytes(rows))
    assert not report.ok and report.created == 0
    found = {(error.line, error.field) for error in report.errors}
    assert found == {(5, "occurred_at"), (6, "time"), (7, "phone"), (7, "region"), (8, "occurred_at"),
                     (9, "duration"), (9, "age_band"), (10, "phone")}, report.lines()
    text = "\n".join(report.lines())
    assert "nothing was imported" in text and "future" in text and "line 2" in text
    assert "5551234" not in text and "12-34" not in text  # phone numbers masked in the report
    assert await phone_calls(db) == []


async def test_dry_run_and_file_problems(db):
    report = await run(db, csv_bytes(GOOD), dry_run=True)
    assert report.ok and report.created == 3 and "dry run" in report.lines()[0]
    assert await phone_calls(db) == []
    missing = await run(db, csv_bytes(GOOD, header=["Дата", "Телефон", "Тема"]))
    assert not missing.ok and "missing column(s): time" in missing.errors[0].reason
    garbled = await run(db, "Дата;Время;Телефон\n".encode("utf-8") + "02.03.2026;10:00;Ŋ".encode("iso-8859-4"))
    assert not garbled.ok and "wrong encoding" in garbled.errors[0].reason
    assert not (await run(db, b"PK\x03\x04 not really", "calls.xlsx")).ok


async def test_report_for_a_past_period_counts_imported_calls_by_when_and_where(db, tmp_path):
    """The week of 2–8 March 2026, reported on 20 March: the imported calls are there as calls
    beside WhatsApp and bot consultations, by region and age band; a call of 9 March is not."""
    async with db.unit_of_work() as uow:
        wa = Contact(channel="whatsapp", external_id="+77019990000", state={}, age_band="28-32")
        tg = Contact(channel="telegram", external_id="42", state={})
        uow.session.add_all([wa, tg])
        await uow.session.flush()
        for contact, channel, region in ((wa, "whatsapp", "almaty"), (tg, "telegram", "mangystau")):
            at = datetime(2026, 3, 4, 6, tzinfo=timezone.utc)
            uow.session.add(Consultation(contact_id=contact.id, channel=channel, opened_at=at, last_activity_at=at,
                                         closed_at=at, region=region, topics=[]))
    later = [["09.03.2026", "10:00", "+77023334455", "", "", "", "Алматы", "59+"]]
    assert (await run(db, csv_bytes(GOOD + later))).created == 4

    report = await build_report(db, date(2026, 3, 2), date(2026, 3, 8), ALMATY, plan=[], now=NOW)
    found = report.values["consultations"]
    assert found["total"] == 5 and found["report_channels"] == {"calls": 3, "whatsapp": 1, "bot": 1}
    assert found["by_channel"] == {"phone": 3, "whatsapp": 1, "telegram": 1}
    assert found["by_region"] == {"mangystau": 2, "almaty": 2, "": 1}
    assert found["by_person"] == 3  # the phone calls were answered by people
    people = report.values["demographics"]
    # Callers: +77015551234 (17-22 told, twice), +77020000001 (not told); WhatsApp 28-32; Telegram none.
    assert people["people"] == 4
    assert {band: n for band, n in people["age_band"].items() if n} == {"17-22": 1, "28-32": 1, "unknown": 2}
    days = report.values["consultations"]["per_day"]
    assert days["2026-03-02"] == {"phone": 2} and days["2026-03-03"]["phone"] == 1

    # The journal export of that week has the calls at the time they took place, phones masked.
    path = tmp_path / "journal.csv"
    assert await export_journal(db, start=date(2026, 3, 2), end=date(2026, 3, 8), zone=ALMATY, by="consultation",
                                fmt="csv", path=path, channel="phone") == 3
    exported = path.read_text("utf-8-sig")
    assert "2026-03-02 09:15:00" in exported and "5551234" not in exported


async def test_a_call_counts_only_in_the_period_it_took_place(db):
    await run(db, csv_bytes([GOOD[0]]))
    async with db.sessions() as session:
        assert await session.scalar(select(func.count(Consultation.id))) == 1
    report = await build_report(db, date(2026, 3, 10), date(2026, 3, 12), ALMATY, plan=[], now=NOW)
    assert report.values["demographics"]["people"] == 0


def test_cli_import_calls(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import sqlite_url

    env = {**os.environ, "DATABASE_URL": sqlite_url(tmp_path)}
    env.pop("TEST_DATABASE_URL", None)

    def zhasbot(*args):
        return subprocess.run([sys.executable, "-m", "bot", "journal", "import-calls", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=120)

    (tmp_path / "calls.csv").write_bytes(csv_bytes(GOOD, encoding="cp1251"))
    (tmp_path / "bad.csv").write_bytes(csv_bytes(GOOD + [["02.03.2026", "", "12", "", "", "", "", ""]]))
    dry = zhasbot("calls.csv", "--dry-run")
    assert dry.returncode == 0 and "would be journalled: 3" in dry.stdout, dry.stdout + dry.stderr
    done = zhasbot("calls.csv")
    assert done.returncode == 0 and "were journalled: 3" in done.stdout
    again = zhasbot("calls.csv")
    assert again.returncode == 0 and "already in the journal (skipped): 3" in again.stdout
    bad = zhasbot("bad.csv")
    assert bad.returncode == 1 and "line 5: missing time" in bad.stdout and "nothing was imported" in bad.stdout
    missing = zhasbot("missing.csv")
    assert missing.returncode == 2 and "missing.csv: no such file" in missing.stderr and missing.stdout == ""
