"""The words of notifications: a status, what it means, what to do next, in the contact's language."""
from __future__ import annotations

from datetime import date

from core.i18n import Translator

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
                changed: bool) -> str:
    """The message for an application's status: header, meaning and next steps, reason if any.

    `changed` chooses the header of a notification ("your status changed") over the one of a
    status the user asked for.
    """
    header = "notify.header.changed" if changed else "notify.header.current"
    parts = [translator.t(lang, header, number=number, label=status_label(translator, lang, status)),
             translator.t(lang, f"notify.status.{status}")]
    why = reason_text(translator, lang, reason) if status == "tech_rejected" else None
    if why:
        parts.insert(1, translator.t(lang, "notify.reason_line", reason=why))
    return "\n\n".join(parts)


def format_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def reminder_text(translator: Translator, lang: str, kind: str, *, when: date, days: int,
                  time_of_day: str = "") -> str:
    body = translator.t(lang, f"notify.reminder.{kind}", date=format_date(when), days=days, time=time_of_day)
    return body + "\n\n" + translator.t(lang, "notify.optout_hint")
