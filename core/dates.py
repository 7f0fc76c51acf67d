"""Dates and numbers as each language writes them: «2026 жылғы 9–22 қазан», «9–22 октября
2026 года», «9–22 October 2026», «1 000 000». The words come from core/calendar_words.py
(Babel's CLDR data); the order is the language's own. Spelled out rather than Babel's
"long" format («2026 ж. 22 қазан», «22 октября 2026 г.»): the Kazakh messages put «күні» after
a date, and a date may end a sentence. A language other than kk and ru is written as English."""
from __future__ import annotations

import datetime as dt

from core.calendar_words import GROUP_SEPARATOR, MINUS_SIGN, MONTHS, WEEKDAYS, russian_plural


def _month(day: dt.date, lang: str) -> str:
    return MONTHS.get(lang, MONTHS["en"])[day.month - 1]


def weekday_name(index: int, lang: str) -> str:
    """Monday is 0, as `date.weekday()` counts: «дүйсенбі», «понедельник», «Monday»."""
    return WEEKDAYS.get(lang, WEEKDAYS["en"])[index]


def format_integer(value: int, lang: str) -> str:
    """«1 000 000» (no-break spaces) in Kazakh and Russian, «1,000,000» in English."""
    digits = f"{abs(value):,}".replace(",", GROUP_SEPARATOR.get(lang, ","))
    return MINUS_SIGN.get(lang, "-") + digits if value < 0 else digits


def format_day(day: dt.date, lang: str) -> str:
    """«2026 жылғы 9 қазан», «9 октября 2026 года», «9 October 2026»."""
    if lang == "kk":
        return f"{day.year} жылғы {day.day} {_month(day, lang)}"
    if lang == "ru":
        return f"{day.day} {_month(day, lang)} {day.year} года"
    return f"{day.day} {_month(day, lang)} {day.year}"


def format_day_month(day: dt.date, lang: str) -> str:
    """«9 қазан», «9 октября», «9 October»: a date whose year the sentence already says."""
    return f"{day.day} {_month(day, lang)}"


def format_range(start: dt.date, end: dt.date, lang: str, with_year: bool = True) -> str:
    """«2026 жылғы 9–22 қазан», «9–22 октября 2026 года», «9–22 October 2026»."""
    if start.year != end.year:
        return f"{format_day(start, lang)} – {format_day(end, lang)}"
    if start == end:
        days = format_day_month(start, lang)
    elif start.month == end.month:
        days = f"{start.day}–{end.day} {_month(end, lang)}"
    else:
        days = f"{start.day} {_month(start, lang)} – {end.day} {_month(end, lang)}"
    if not with_year:
        return days
    if lang == "kk":
        return f"{start.year} жылғы {days}"
    if lang == "ru":
        return f"{days} {start.year} года"
    return f"{days} {start.year}"


# A number of years as each language says it; Russian picks the word by CLDR's plural rules:
# «21 год», «22 года», «25 лет».
_YEARS = {"ru": {"one": "год", "few": "года", "many": "лет"}}


def format_years(count: int, lang: str) -> str:
    """«22 года», «22 жас», «22»: an age in words that fit after «В …» / before «— …»."""
    if lang == "ru":
        return f"{count} {_YEARS['ru'][russian_plural(count)]}"
    if lang == "kk":
        return f"{count} жас"
    return str(count)
