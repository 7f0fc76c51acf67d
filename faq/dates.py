"""Dates as each language writes them: «2026 жылғы 9–22 қазан», «9–22 октября 2026 года»,
«9–22 October 2026». Babel gives the month names; the order is the language's own."""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date


def _month(day: dt.date, lang: str) -> str:
    return format_date(day, "MMMM", locale=lang)


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
