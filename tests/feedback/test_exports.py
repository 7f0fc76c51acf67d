"""Tickets, CSAT and survey exports: CSV and XLSX, masked by default, unmasked only for a
manager and audited; the journal export goes the same way."""
import csv
import subprocess
import sys
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select, update

from bot.console.accounts import Accounts
from core.i18n import Translator
from reports.exports import CSAT_HEADER, SURVEY_HEADER, TICKET_HEADER, NotAllowed, allow_unmasked, export
from reports.labels import Labels
from storage.models import Contact
from storage.tickets import AuditEntry, Ticket
from tests.feedback.test_reporting import ALMATY, seed

PHONE = "+77012345678"
SPAN = dict(start=date(2026, 3, 2), end=date(2026, 3, 3), zone=ALMATY)


async def seeded(db):
    await seed(db)
    async with db.unit_of_work() as uow:
        await uow.session.execute(update(Contact).where(Contact.external_id == "1")
                                  .values(phone=PHONE, display_name="Айгерим Садыкова"))
        # A grievance may be anonymous: nobody sees who sent it, masked or not.
        await uow.session.execute(update(Ticket).where(Ticket.kind == "suggestion").values(anonymous=True))


def read_csv(path):
    return list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))


@pytest.mark.parametrize("kind,header,count", [("tickets", TICKET_HEADER, 5), ("csat", CSAT_HEADER, 5),
                                               ("surveys", SURVEY_HEADER, 7)])
async def test_csv_and_xlsx_are_masked(db, tmp_path, kind, header, count):
    await seeded(db)
    path = tmp_path / f"{kind}.csv"
    assert await export(db, kind, fmt="csv", path=path, **SPAN) == count
    rows = read_csv(path)
    assert rows[0] == Labels(Translator(), "ru").header(header) and len(rows) == count + 1
    body = path.read_text(encoding="utf-8-sig")
    assert PHONE not in body and "Садыкова" not in body
    if kind == "tickets":
        assert "+7701*****78" in body and "'+7701" not in body  # masked; a phone needs no apostrophe
        assert {r[header.index("kind")] for r in rows[1:]} <= {"Вопрос", "Жалоба", "Предложение"}
        anonymous = [r for r in rows[1:] if r[header.index("anonymous")] == "да"]
        assert anonymous and all(r[header.index("phone")] == "" for r in anonymous)
        first = rows[1]
        assert (first[header.index("first_response_minutes")], first[header.index("sla_met")]) == ("30.0", "да")
    if kind == "csat":
        scores = sorted(r[header.index("score")] for r in rows[1:])
        assert scores == ["", "2", "3", "4", "5"]
        assert {r[header.index("delivery")] for r in rows[1:]} == {"Отправлено", "Ошибка", ""}
    xlsx = tmp_path / f"{kind}.xlsx"
    assert await export(db, kind, fmt="xlsx", path=xlsx, **SPAN) == count
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == [Labels(Translator(), "ru").t(f"export.sheet.{kind}")]
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == Labels(Translator(), "ru").header(header) and len(values) == count + 1
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert not any(PHONE in str(cell) for row in values for cell in row)


async def test_unmasked_only_for_managers_and_audited(db, tmp_path):
    await seeded(db)
    accounts = Accounts(db)
    await accounts.add("aida", "operator", "correct horse battery")
    await accounts.add("zhanna", "manager", "correct horse battery")
    with pytest.raises(NotAllowed):
        await allow_unmasked(db, "aida", target="tickets:x", details={})
    with pytest.raises(NotAllowed):
        await allow_unmasked(db, None, target="tickets:x", details={})
    await allow_unmasked(db, "zhanna", target="tickets:2026-03-02..2026-03-03", details={"format": "csv"})
    path = tmp_path / "t.csv"
    await export(db, "tickets", fmt="csv", path=path, masked=False, **SPAN)
    assert PHONE in path.read_text(encoding="utf-8-sig")
    journal = tmp_path / "j.csv"
    await export(db, "journal", fmt="csv", path=journal, **SPAN)  # masked by default too
    async with db.sessions() as session:
        actions = [(a.actor, a.action) for a in await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("export%")).order_by(AuditEntry.id))]
    assert actions == [("aida", "export_refused"), ("zhanna", "export_unmasked")]


def test_cli_unmasked_needs_a_manager(tmp_path):
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'z.db'}", "PATH": "/usr/bin:/bin"}
    out = tmp_path / "out.csv"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60)

    common = ["--from", "2026-01-01", "--to", "2026-01-31", "--format", "csv", "-o", str(out)]
    refused = run("csat", "export", *common, "--unmasked")
    assert refused.returncode == 2 and "--operator" in refused.stderr
    refused = run("journal", "export", *common, "--unmasked", "--operator", "nobody")
    assert refused.returncode == 2 and "manager" in refused.stderr
    made = subprocess.run([sys.executable, "-m", "bot", "operators", "add", "boss", "--role", "manager",
                           "--password-stdin"], input="correct horse battery\n", cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    done = run("surveys", "export", *common, "--unmasked", "--operator", "boss")
    assert done.returncode == 0 and "(unmasked)" in done.stdout
    assert read_csv(out)[0] == Labels(Translator(), "ru").header(SURVEY_HEADER)
    assert read_csv(out)[0][:2] == ["Опрос", "№ анкеты"]
    report = run("report", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "json")
    assert report.returncode == 0 and '"consultations"' in report.stdout


def test_report_and_export_paths_do_not_import_aiogram_or_twilio(tmp_path):
    code = ("import sys, bot.cli, bot.cli.feedback, reports.indicators, reports.exports, storage.reporting;"
            "bot.cli.build_parser();"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiogram', 'twilio')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


async def test_survey_answers_show_titles_questions_and_choices(db, tmp_path):
    """Codes stay in the database: the export shows the survey's title and the question as
    the applicant read them (the shell's report_labels gives them from surveys.yaml), and
    the kind of question, in the manager's language."""
    await seeded(db)
    extra = {"survey": {"s1": {"kk": "Өтінім туралы", "ru": "О заявке", "en": "About applying"}},
             "question": {"s1:ease": {"kk": "Өтінім беру оңай болды ма?", "ru": "Легко ли было подать заявку?",
                                      "en": "Was applying easy?"}}}
    path = tmp_path / "s.csv"
    await export(db, "surveys", fmt="csv", path=path, labels=Labels(Translator(), "kk", extra), **SPAN)
    rows = read_csv(path)
    assert rows[0][:2] == ["Сауалнама", "Сауалнама парағы №"]
    column = {code: SURVEY_HEADER.index(code) for code in ("survey", "question", "kind")}
    assert {r[column["survey"]] for r in rows[1:] if r[column["survey"]] != "s2"} == {"Өтінім туралы"}
    assert "Өтінім беру оңай болды ма?" in {r[column["question"]] for r in rows[1:]}
    assert {r[column["kind"]] for r in rows[1:]} - {""} <= {"1–5 шкаласы", "Еркін жауап", "Нұсқа таңдау"}
