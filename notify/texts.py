"""The words of notifications: a status, what it means, what to do next, in the contact's language."""
from __future__ import annotations

from datetime import date

from core.i18n import Translator
from core.programme import SeasonCalendar

# The calendar stage whose date each status's "what next" names (config/programme.yaml).
STATUS_STAGE = {
    "received": "technical_selection", "tech_passed": "draw", "winner": "contracts",
    "contract_signed": "implementation", "funded": "implementation", "report_due": "final_report",
    "completed": "presentation",
}

# Common rejection reasons as managers write them → a code with a plain-words text
# (notify.reason.<code>). Anything else is the manager's own words, passed through.
REASON_CODES = ("age", "registration", "neet_documents", "duplicate", "incomplete")
REASON_ALIASES = {
    "age": ("age", "возраст", "жас", "жасы", "age limit", "по возрасту"),
    "registration": ("registration", "прописка", "регистрация", "тіркеу", "тіркелу", "address"),
    "neet_documents": ("neet_documents", "neet", "neet documents", "документы neet", "справка neet",
                       "neet құжаттары", "статус neet"),
    "duplicate": ("duplicate", "дубликат", "повторная заявка", "дубль", "қайталанған өтінім", "қайталау"),
    "incomplete": ("incomplete", "неполный пакет", "не полный пакет", "неполные документы",
                   "толық емес", "құжаттар толық емес", "incomplete documents"),
}
_ALIAS_TO_CODE = {alias: code for code, aliases in REASON_ALIASES.items() for alias in aliases}


def reason_code(reason: str | None) -> str | None:
    if not reason:
        return None
    return _ALIAS_TO_CODE.get(" ".join(reason.casefold().replace("_", " ").split())) or \
        _ALIAS_TO_CODE.get(reason.strip().casefold())


def reason_text(translator: Translator, lang: str, reason: str | None) -> str | None:
    if not reason or not reason.strip():
        return None
    code = reason_code(reason)
    return translator.t(lang, f"notify.reason.{code}") if code else reason.strip()


def status_label(translator: Translator, lang: str, status: str) -> str:
    return translator.t(lang, f"notify.label.{status}")


def status_text(translator: Translator, lang: str, *, number: str, status: str, reason: str | None,
                changed: bool, season: SeasonCalendar | None = None) -> str:
    """The message for an application's status: header, meaning and next step, reason if any.

    `changed` chooses the header of a notification ("your status changed") over the one of a
    status the user asked for. The next stage's date comes from the season calendar; a stage
    not yet announced is said to be so, never guessed.
    """
    header = "notify.header.changed" if changed else "notify.header.current"
    parts = [translator.t(lang, header, number=number, label=status_label(translator, lang, status)),
             translator.t(lang, f"notify.status.{status}")]
    why = reason_text(translator, lang, reason) if status == "tech_rejected" else None
    if why:
        parts.insert(1, translator.t(lang, "notify.reason_line", reason=why))
    when = _when(translator, lang, status, season)
    if when:
        parts.append(when)
    return "\n\n".join(parts)


def _when(translator: Translator, lang: str, status: str, season: SeasonCalendar | None) -> str:
    stage = STATUS_STAGE.get(status)
    if stage is None:
        return ""
    period = season.period(stage) if season else None
    lines = []
    if period:
        lines.append(translator.t(lang, f"notify.when.{status}", date=format_period(period)))
    elif translator.has(f"notify.when_unknown.{status}", lang):
        lines.append(translator.t(lang, f"notify.when_unknown.{status}"))
    if status == "tech_passed" and season and season.draw_stream_url:
        lines.append(translator.t(lang, "notify.draw_stream", url=season.draw_stream_url))
    return "\n".join(lines)


def format_period(period: tuple[date, date]) -> str:
    first, last = period
    return format_date(first) if first == last else f"{format_date(first)}–{format_date(last)}"


def format_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def reminder_text(translator: Translator, lang: str, kind: str, *, when: date, days: int,
                  time_of_day: str = "") -> str:
    body = translator.t(lang, f"notify.reminder.{kind}", date=format_date(when), days=days, time=time_of_day)
    return body + "\n\n" + translator.t(lang, "notify.optout_hint")
