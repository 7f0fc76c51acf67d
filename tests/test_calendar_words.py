"""The month and weekday names and digit grouping the bot writes are Babel's (CLDR), word for word."""
from __future__ import annotations

import datetime as dt

import pytest
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from core.calendar_words import MONTHS, russian_plural
from core.dates import format_day, format_integer, format_years, weekday_name
from tests.support.fresh_python import printed_by

LANGS = ("kk", "ru", "en")


@pytest.mark.parametrize("lang", LANGS)
def test_every_month_in_a_date_is_babels(lang):
    for month in range(1, 13):
        day = dt.date(2026, month, 9)
        assert MONTHS[lang][month - 1] == format_date(day, "MMMM", locale=lang)
        assert format_date(day, "d MMMM", locale=lang) in format_day(day, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_every_weekday_is_babels(lang):
    monday = dt.date(2024, 1, 1)
    for index in range(7):
        assert weekday_name(index, lang) == format_date(monday + dt.timedelta(days=index), "EEEE", locale=lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("value", [0, 7, 999, 1000, 10_000, 150_000, 1_000_000, 35_000_000, -12_345, 10**12])
def test_integers_are_grouped_as_babel_does(lang, value):
    assert format_integer(value, lang) == format_decimal(value, locale=lang)


def test_russian_plural_categories_are_babels():
    russian = Locale.parse("ru")
    for count in [*range(0, 250), 1011, 1021, 1111, 100_001, 1_000_002, -1, -5]:
        assert russian_plural(count) == russian.plural_form(count), count


def test_dates_as_the_sentences_need_them():
    day = dt.date(2026, 10, 22)
    assert format_day(day, "kk") == "2026 жылғы 22 қазан"
    assert format_day(day, "ru") == "22 октября 2026 года"
    assert format_day(day, "en") == "22 October 2026"
    assert format_integer(1_000_000, "ru") == "1\xa0000\xa0000"
    assert format_integer(1_000_000, "en") == "1,000,000"
    assert [format_years(n, "ru") for n in (21, 22, 25, 111)] == ["21 год", "22 года", "25 лет", "111 лет"]
    assert (format_years(22, "kk"), format_years(22, "en")) == ("22 жас", "22")


def test_the_running_bot_never_loads_babels_locale_data():
    # ~7 MB per process for words the tables above hold; only the tables' own check loads it.
    code = (
        "import datetime as dt, babel.localedata as data\n"
        "from core.dates import format_day, format_range, weekday_name, format_integer\n"
        "from faq.content import render_fact\n"
        "from eligibility.texts import format_day as eligibility_day\n"
        "from core.dates import format_years\n"
        "for lang in ('kk', 'ru', 'en'):\n"
        "    format_day(dt.date(2026, 10, 9), lang); weekday_name(0, lang); render_fact(1000000, lang); eligibility_day(dt.date(2026, 1, 1), lang)\n"
        "    format_years(21, lang); format_years(22, lang); format_years(25, lang)\n"
        "print(sorted(data._cache))\n"
    )
    assert printed_by(code) == "[]"
