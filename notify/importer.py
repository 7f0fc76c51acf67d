"""Managers' application import from CSV or XLSX: validate every row, then all or nothing.

`import_applications(db, path_or_bytes, filename, dry_run)` is the service the CLI and the
console call. A file with any bad row changes nothing; the report lists every bad row with its
line and reason. Re-importing the same file changes nothing and queues nothing. A new status
of an application queues a notification to its linked contacts (notify.enqueue).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from core.i18n import Translator
from core.programme import SeasonCalendar
from core.regions import region_code
from core.spreadsheet import ImportReport as _Report, RowError, columns, file_data, fold as _fold, read_valid
from notify.enqueue import enqueue_status_changes
from notify.phones import normalise_phone
from storage.applications import STATUSES, Application, Applications, normalise_number
from storage.types import utcnow
from storage.unit_of_work import Database

FIELDS = ("number", "name", "phone", "region", "status", "reason")
REQUIRED = ("number", "name", "phone", "region", "status")

# Header names managers use, in en/ru/kk, compared after _fold().
HEADERS = {
    "number": ("application number", "application no", "application", "number", "no", "№",
               "номер заявки", "№ заявки", "номер", "заявка", "өтінім нөмірі", "өтінім №", "өтінім", "нөмірі", "нөмір"),
    "name": ("name", "full name", "applicant", "фио", "ф и о", "имя", "заявитель", "аты жөні", "аты-жөні",
             "атыжөні", "аты", "өтініш беруші"),
    "phone": ("phone", "phone number", "mobile", "телефон", "номер телефона", "тел", "телефон нөмірі", "ұялы телефон"),
    "region": ("region", "регион", "область", "город", "өңір", "аймақ", "облыс"),
    "status": ("status", "статус", "мәртебе", "мәртебесі", "күйі", "статусы"),
    "reason": ("reason", "comment", "причина", "комментарий", "причина отказа", "себеп", "себебі", "бас тарту себебі"),
}

STATUS_ALIASES = {
    "received": ("received", "принята", "получена", "қабылданды"),
    "tech_passed": ("tech passed", "technical passed", "прошла техотбор", "прошла технический отбор",
                    "техникалық іріктеуден өтті"),
    "tech_rejected": ("tech rejected", "technical rejected", "не прошла техотбор", "отклонена",
                      "техникалық іріктеуден өтпеді"),
    "winner": ("winner", "победитель", "жеңімпаз"),
    "not_selected": ("not selected", "не отобрана", "не прошла", "іріктелмеді"),
    "contract_signed": ("contract signed", "договор подписан", "шарт жасалды", "келісімшарт жасалды"),
    "funded": ("funded", "профинансирована", "грант перечислен", "қаржыландырылды"),
    "report_due": ("report due", "отчёт", "ожидается отчёт", "ожидается отчет", "есеп күтілуде"),
    "completed": ("completed", "завершена", "аяқталды"),
}
_STATUS_TO_CODE = {alias: code for code, aliases in STATUS_ALIASES.items() for alias in aliases}


@dataclass
class ImportReport(_Report):
    created: int = 0
    status_changed: int = 0
    details_changed: int = 0
    unchanged: int = 0
    notifications_queued: int = 0
    batch_id: str | None = None

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        return self.summary("rows", [
            f"  new applications {verb} created: {self.created}",
            f"  status changes: {self.status_changed}",
            f"  other details changed: {self.details_changed}",
            f"  unchanged: {self.unchanged}",
            f"  notifications queued: {self.notifications_queued}" + (f" (batch {self.batch_id})" if self.batch_id else ""),
        ])


# --- validating -------------------------------------------------------------------------
@dataclass
class ParsedRow:
    line: int
    number: str
    name: str
    phone: str
    region: str
    status: str
    reason: str | None


def _columns(header: list[str], line: int) -> dict[str, int]:
    return columns(header, line, HEADERS, REQUIRED, "application number, name, phone, region, status, reason")


def status_code(text: str) -> str | None:
    folded = _fold(text)
    code = folded.replace(" ", "_")
    return code if code in STATUSES else _STATUS_TO_CODE.get(folded)


def validate(rows: list[tuple[int, list[str]]]) -> tuple[list[ParsedRow], list[RowError]]:
    content = [(line, row) for line, row in rows if any(cell for cell in row)]
    if not content:
        return [], [RowError(0, "the file has no rows")]
    header_line, header = content[0]
    columns = _columns(header, header_line)
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    first_seen: dict[str, int] = {}
    for line, row in content[1:]:
        values = {name: (row[index] if index < len(row) else "") for name, index in columns.items()}
        row_errors = [RowError(line, f"missing {name}", name) for name in REQUIRED if not values.get(name)]
        number = normalise_number(values["number"]) if values.get("number") else ""
        phone = normalise_phone(values["phone"]) if values.get("phone") else None
        if values.get("phone") and phone is None:
            row_errors.append(RowError(line, "bad phone number (expected a Kazakhstan number like +7 701 123 45 67)",
                                       "phone", values["phone"]))
        status = status_code(values["status"]) if values.get("status") else None
        if values.get("status") and status is None:
            row_errors.append(RowError(line, "unknown status (expected one of: " + ", ".join(STATUSES) + ")",
                                       "status", values["status"]))
        region = region_code(values.get("region"))
        if values.get("region") and region in (None, "unknown"):
            row_errors.append(RowError(line, "unknown region (expected Almaty or Mangystau)", "region", values["region"]))
        reason = values.get("reason") or None
        if status == "tech_rejected" and not reason:
            row_errors.append(RowError(line, "missing reason (required for tech_rejected)", "reason"))
        if number and len(number) > 32:
            row_errors.append(RowError(line, "application number is too long", "number", values["number"]))
        if number:
            if number in first_seen:
                row_errors.append(RowError(line, f"duplicate application number (first on line {first_seen[number]})",
                                           "number", values["number"]))
            else:
                first_seen[number] = line
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(ParsedRow(line, number, values["name"][:256], phone, region, status, reason))
    if not parsed and not errors:
        errors.append(RowError(0, "the file has a header but no applications"))
    return parsed, errors


# --- applying ---------------------------------------------------------------------------
async def import_applications(db: Database, path_or_bytes: str | Path | bytes, filename: str | None = None,
                              dry_run: bool = False, *, translator: Translator | None = None,
                              default_language: str = "kk", season: SeasonCalendar | None = None) -> ImportReport:
    """Import applications and statuses from a CSV/XLSX file (a path or its bytes).

    All or nothing: any bad row → `report.errors` lists each (line, reason) and nothing changes.
    `dry_run` validates and counts what would change without writing. A new or changed status
    of a linked application queues a notification (batch id in `report.batch_id`).
    """
    data, filename = file_data(path_or_bytes, filename)
    report = ImportReport(filename=filename or "upload.csv", dry_run=dry_run)
    parsed = read_valid(data, report, validate)
    if parsed is None:
        return report

    now = utcnow()
    batch_id = f"import-{now:%Y%m%d-%H%M%S}-{hashlib.sha256(data).hexdigest()[:6]}"
    async with db.unit_of_work() as uow:
        repo = Applications(uow.session)
        existing = await repo.by_numbers(row.number for row in parsed)
        changed: list[Application] = []
        for row in parsed:
            application = existing.get(row.number)
            if application is None:
                report.created += 1
                application = Application(number=row.number, name=row.name, phone=row.phone, region=row.region,
                                          status=row.status, reason=row.reason, status_changed_at=now,
                                          import_batch=batch_id, created_at=now, updated_at=now)
                if not dry_run:
                    repo.add(application)
                changed.append(application)
                continue
            details = (application.name, application.phone, application.region, application.reason)
            if application.status != row.status:
                report.status_changed += 1
                if not dry_run:
                    application.status, application.reason = row.status, row.reason
                    application.status_changed_at, application.import_batch = now, batch_id
                changed.append(application)
            elif details != (row.name, row.phone, row.region, row.reason):
                report.details_changed += 1
            else:
                report.unchanged += 1
                continue
            if not dry_run:
                application.name, application.phone, application.region = row.name, row.phone, row.region
                application.reason, application.updated_at = row.reason, now
        if dry_run:
            linked = await repo.linked_contacts(a.id for a in changed if a.id is not None)
            report.notifications_queued = sum(len(contacts) for contacts in linked.values())
            await uow.session.rollback()
            return report
        await uow.flush()
        translator = translator or Translator(default_language=default_language)
        report.notifications_queued = await enqueue_status_changes(
            uow.session, translator, changed, batch_id=batch_id, default_language=default_language, now=now,
            season=season)
        if report.created or report.status_changed or report.details_changed:
            report.batch_id = batch_id
    return report
