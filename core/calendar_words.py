"""Month and weekday names and digit grouping in kk, ru and en, as Babel's CLDR data has them.

Babel loads a language's whole CLDR data on first use: ~7 MB of objects in every bot process
(kk, ru, en and their root) for the 19 words per language the bot's sentences use, and ~4 MB
for Russian's plural rule alone. The words and the rule are copied here instead;
tests/test_calendar_words.py checks every one against Babel, so a Babel upgrade that changes
one fails there. To print the tables again from Babel: `python -m core.calendar_words`.
"""
from __future__ import annotations

# Format context, January first: the Russian genitive («9 октября»), as in «d MMMM y».
MONTHS = {
    "kk": ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым",
           "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня",
           "июля", "августа", "сентября", "октября", "ноября", "декабря"),
    "en": ("January", "February", "March", "April", "May", "June",
           "July", "August", "September", "October", "November", "December"),
}
# Monday first, as `date.weekday()` counts.
WEEKDAYS = {
    "kk": ("дүйсенбі", "сейсенбі", "сәрсенбі", "бейсенбі", "жұма", "сенбі", "жексенбі"),
    "ru": ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
# Between groups of three digits: a no-break space in Kazakh and Russian («1 000 000»).
GROUP_SEPARATOR = {"kk": "\xa0", "ru": "\xa0", "en": ","}
MINUS_SIGN = {"kk": "-", "ru": "-", "en": "-"}


def russian_plural(count: int) -> str:
    """CLDR's Russian plural category of a whole number: «1 год», «2 года», «5 лет»."""
    last, last_two = abs(count) % 10, abs(count) % 100
    if last == 1 and last_two != 11:
        return "one"
    if 2 <= last <= 4 and not 12 <= last_two <= 14:
        return "few"
    return "many"


def _from_babel() -> str:
    import datetime as dt

    from babel.dates import format_date
    from babel.numbers import get_group_symbol, get_minus_sign_symbol

    langs = tuple(MONTHS)
    months = {lang: tuple(format_date(dt.date(2026, m, 1), "MMMM", locale=lang) for m in range(1, 13))
              for lang in langs}
    weekdays = {lang: tuple(format_date(dt.date(2024, 1, 1 + i), "EEEE", locale=lang) for i in range(7))
                for lang in langs}  # 2024-01-01 was a Monday
    groups = {lang: get_group_symbol(lang) for lang in langs}
    minus = {lang: get_minus_sign_symbol(lang) for lang in langs}
    return f"MONTHS = {months!r}\nWEEKDAYS = {weekdays!r}\nGROUP_SEPARATOR = {groups!r}\nMINUS_SIGN = {minus!r}"


if __name__ == "__main__":
    print(_from_babel())
