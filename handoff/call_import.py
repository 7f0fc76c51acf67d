"""A call-centre call log kept in a spreadsheet, into the journal: all or nothing.

`import_calls(db, path_or_bytes, ...)` reads CSV (UTF-8, or clearly cp1251) or XLSX with the
applications import's reader (core.spreadsheet): one call a row — date, time, phone, and
optionally topic, duration, outcome, region, age band, language, notes — under English,
Russian or Kazakh headers. Any bad row → nothing is journalled and every bad row is listed
with its line and reason. A call already in the journal (same number, same start) is not
journalled again, so importing the same file twice changes nothing the second time.
Each call counts in the period it took place in (handoff.phone_log).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence
from zoneinfo import ZoneInfo

from core.privacy import mask_phone
from core.spreadsheet import ImportReport, RowError, columns, file_data, fold, read_valid
from handoff import phone_log
from handoff.phone_log import CallInputError, PhoneCall
from storage.tickets import Audit
from storage.types import utcnow
from storage.unit_of_work import Database

AUTHOR = "system:import"
REQUIRED = ("date", "time", "phone")
# Header names a call centre types, in en/ru/kk, compared after fold().
HEADERS = {
    "date": ("date", "call date", "дата", "дата звонка", "дата обращения", "күні", "күн", "қоңырау күні"),
    "time": ("time", "call time", "время", "время звонка", "время обращения", "уақыты", "уақыт", "қоңырау уақыты"),
    "phone": ("phone", "phone number", "caller", "number", "телефон", "номер телефона", "номер", "тел",
              "телефон нөмірі", "нөмірі", "нөмір"),
    "topic": ("topic", "topics", "subject", "question", "тема", "темы", "тема обращения", "вопрос", "тақырып",
              "тақырыбы", "сұрақ"),
    "duration": ("duration", "duration min", "length", "длительность", "продолжительность", "длительность мин",
                 "ұзақтығы", "ұзақтық"),
    "outcome": ("outcome", "result", "итог", "результат", "итог звонка", "нәтиже", "нәтижесі"),
    "region": ("region", "регион", "область", "город", "өңір", "аймақ", "облыс"),
    "age_band": ("age band", "age", "возраст", "возрастная группа", "жас", "жас тобы", "жасы"),
    "language": ("language", "язык", "тіл", "тілі"),
    "notes": ("notes", "note", "comment", "комментарий", "примечание", "заметки", "жазбалар", "ескерту", "пікір"),
}
# The console's outcomes (console.outcome.*) as a call centre may write them; any other text
# is kept in the notes and the outcome is `other`.
OUTCOMES = {
    "answered": ("answered", "consulted", "консультация", "консультация дана", "проконсультирован",
                 "проконсультирована", "ответ дан", "отвечено", "жауап берілді", "кеңес берілді"),
    "callback_needed": ("callback needed", "callback", "перезвонить", "нужен перезвон", "перезвон",
                        "кері қоңырау", "қайта қоңырау шалу"),
    "ticket_opened": ("ticket opened", "обращение", "создано обращение", "өтініш ашылды"),
    "not_eligible": ("not eligible", "не подходит", "не соответствует", "сәйкес келмейді"),
    "other": ("other", "другое", "басқа"),
}
_OUTCOME = {alias: code for code, aliases in OUTCOMES.items() for alias in aliases}
LANGUAGE_NAMES = {"kk": ("kk", "kz", "каз", "казахский", "қаз", "қазақша", "қазақ", "kazakh"),
                  "ru": ("ru", "рус", "русский", "орыс", "орысша", "russian"),
                  "en": ("en", "eng", "английский", "ағылшын", "english")}
_LANGUAGE = {alias: code for code, aliases in LANGUAGE_NAMES.items() for alias in aliases}
_DURATION_UNITS = {"s": 1, "sec": 1, "с": 1, "сек": 1, "m": 60, "min": 60, "мин": 60, "минут": 60, "минуты": 60,
                   "h": 3600, "ч": 3600, "час": 3600, "сағ": 3600}


@dataclass
class CallImportReport(ImportReport):
    created: int = 0
    already_journalled: int = 0

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        return self.summary("calls", [
            f"  phone consultations {verb} journalled: {self.created}",
            f"  already in the journal (skipped): {self.already_journalled}",
        ])


def duration_seconds(text: str) -> int | None:
    """"5" (minutes, as on the console), "4,5", "05:23" (min:s), "0:05:23", "90 сек", "3 мин" → seconds."""
    text = text.strip().casefold()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) in (2, 3) and all(p.strip().isdigit() for p in parts):
        numbers = [int(p) for p in parts]
        if any(n >= 60 for n in numbers[1:]):
            raise ValueError(text)
        seconds = numbers[-2] * 60 + numbers[-1] + (numbers[0] * 3600 if len(numbers) == 3 else 0)
    else:
        match = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*([a-zа-яә.]*)", text)
        unit = (match.group(2).rstrip(".") or "min") if match else ""
        if not match or unit not in _DURATION_UNITS:
            raise ValueError(text)
        seconds = round(float(match.group(1).replace(",", ".")) * _DURATION_UNITS[unit])
    if seconds > phone_log.MAX_DURATION_SECONDS:
        raise ValueError(text)
    return seconds


def _row_call(values: dict[str, str], *, regions: Sequence[str], zone: ZoneInfo,
              now: datetime) -> tuple[PhoneCall | None, list[CallInputError]]:
    """The row as a checked call, or every problem it has (each naming its field)."""
    problems: list[CallInputError] = []

    def check(read):
        try:
            return read()
        except CallInputError as problem:
            problems.append(problem)
            return None

    occurred_at = check(lambda: phone_log.occurred_at(values.get("date"), values.get("time"), zone=zone, now=now))
    if phone_log.journal_phone(values.get("phone")) is None:
        problems.append(CallInputError("phone", "phone", "bad phone number (expected 10 to 15 digits)"))
    check(lambda: phone_log.region(values.get("region"), regions))
    check(lambda: phone_log.age_band(values.get("age_band")))
    try:
        duration = duration_seconds(values.get("duration", ""))
    except ValueError:
        duration = None
        problems.append(CallInputError("duration", "duration", "unreadable duration (expected minutes like 5 "
                                       "or 4,5, minutes:seconds like 05:23, or 0:05:23, up to 24 hours)"))
    language = values.get("language", "")
    if language and fold(language) not in _LANGUAGE:
        problems.append(CallInputError("language", "language", "unknown language (expected kk, ru or en)"))
    if problems:
        return None, problems
    outcome_text, notes = values.get("outcome", ""), values.get("notes", "")
    outcome = _OUTCOME.get(fold(outcome_text))  # fold() reads callback_needed as "callback needed"
    if outcome_text and outcome is None:
        outcome, notes = "other", "; ".join(part for part in (outcome_text, notes) if part)
    call = PhoneCall(phone=values["phone"], occurred_at=occurred_at, region=values.get("region"),
                     age_band=values.get("age_band"), language=_LANGUAGE.get(fold(language)) if language else None,
                     topics=re.split(r"[,;]", values.get("topic", "")), notes=notes, duration_seconds=duration,
                     outcome=outcome or "answered")
    return phone_log.checked(call, regions=regions, zone=zone, now=now), []


def validate(rows: list[tuple[int, list[str]]], *, regions: Sequence[str], zone: ZoneInfo,
             now: datetime) -> tuple[list[tuple[int, PhoneCall]], list[RowError]]:
    content = [(line, row) for line, row in rows if any(cell for cell in row)]
    if not content:
        return [], [RowError(0, "the file has no rows")]
    header_line, header = content[0]
    found = columns(header, header_line, HEADERS, REQUIRED,
                    "date, time, phone, topic, duration, outcome, region (or Дата, Время, Телефон, Тема, "
                    "Длительность, Итог, Регион)")
    calls: list[tuple[int, PhoneCall]] = []
    errors: list[RowError] = []
    first_seen: dict[tuple[str, datetime], int] = {}
    for line, row in content[1:]:
        values = {name: (row[index] if index < len(row) else "").strip() for name, index in found.items()}
        row_errors = [RowError(line, f"missing {name}", name) for name in REQUIRED if not values.get(name)]
        call, problems = _row_call(values, regions=regions, zone=zone, now=now)
        for problem in problems:
            missing = {e.field for e in row_errors}
            if (problem.field == "occurred_at" and missing & {"date", "time"}) or problem.field in missing:
                continue  # already said: missing
            shown = values.get(problem.field) if problem.field != "occurred_at" else \
                f"{values.get('date', '')} {values.get('time', '')}".strip()
            # Phone numbers never reach the report unmasked (it may be pasted into a ticket or a chat).
            row_errors.append(RowError(line, problem.reason, problem.field,
                                       mask_phone(shown) if problem.field == "phone" else shown))
        if row_errors or call is None:
            errors.extend(row_errors)
            continue
        key = (call.phone, call.occurred_at)
        if key in first_seen:
            errors.append(RowError(line, f"the same call as line {first_seen[key]} (same phone, date and time)",
                                   "phone", mask_phone(call.phone)))
            continue
        first_seen[key] = line
        calls.append((line, call))
    if not calls and not errors:
        errors.append(RowError(0, "the file has a header but no calls"))
    return calls, errors


async def import_calls(db: Database, path_or_bytes: str | Path | bytes, filename: str | None = None,
                       dry_run: bool = False, *, zone: ZoneInfo, regions: Sequence[str] = (),
                       actor: str = "cli", now: datetime | None = None) -> CallImportReport:
    """Journal the calls of a CSV/XLSX call log (a path or its bytes) as phone consultations.

    All or nothing: any bad row → `report.errors` lists each (line, reason) and nothing changes.
    `dry_run` checks and counts without writing. `zone`: the programme's time zone, in which
    the log's dates and times are read; `regions`: the season's regions.
    """
    data, filename = file_data(path_or_bytes, filename)
    report = CallImportReport(filename=filename or "calls.csv", dry_run=dry_run)
    now = now or utcnow()
    calls = read_valid(data, report, lambda rows: validate(rows, regions=regions, zone=zone, now=now))
    if calls is None:
        return report
    async with db.unit_of_work() as uow:
        known = await uow.consultations.phone_calls_at((call.phone, call.occurred_at) for _, call in calls)
        new = [call for _, call in calls if (call.phone, call.occurred_at) not in known]
        report.created, report.already_journalled = len(new), len(calls) - len(new)
        if dry_run or not new:
            return report
        for call in new:
            await phone_log.journal_call(uow, call, author=AUTHOR, now=now)
        Audit(uow.session).record(actor=actor, action="calls_imported", target=f"file:{report.filename}"[:64],
                                  details={"created": report.created, "skipped": report.already_journalled,
                                           "from": min(c.occurred_at for c in new).isoformat(),
                                           "to": max(c.occurred_at for c in new).isoformat()}, at=now)
    return report
