"""Season facts: the languages' own dates, tense for today, the call centre's calendar."""
import datetime as dt
import re
from dataclasses import replace

import pytest

from core.programme import load_programme
from fakes.season import confirmed_programme
from faq.content import render_answer
from core.dates import format_range
from faq.season import answer_facts, answer_facts_now, next_season_pending, tense
from handoff.call_centre import default_call_centre
from tests.conftest import translator

UTC = dt.timezone.utc


def _programme(**changes):
    programme = confirmed_programme()
    programme.update(changes)
    return programme


def _facts(when, programme=None):
    return answer_facts(programme or confirmed_programme(), when, default_call_centre(), translator())


def test_ranges_read_as_each_language():
    assert format_range(dt.date(2026, 10, 9), dt.date(2026, 10, 22), "kk") == "2026 жылғы 9–22 қазан"
    assert format_range(dt.date(2026, 10, 9), dt.date(2026, 10, 22), "ru") == "9–22 октября 2026 года"
    assert format_range(dt.date(2026, 9, 28), dt.date(2026, 10, 5), "en") == "28 September – 5 October 2026"
    assert format_range(dt.date(2026, 12, 28), dt.date(2027, 1, 5), "kk") == \
        "2026 жылғы 28 желтоқсан – 2027 жылғы 5 қаңтар"


@pytest.mark.parametrize("today, expected", [
    (dt.date(2026, 10, 1), "future"), (dt.date(2026, 10, 9), "now"),
    (dt.date(2026, 10, 22), "now"), (dt.date(2026, 10, 23), "past"),
])
def test_tense_of_a_period(today, expected):
    assert tense((dt.date(2026, 10, 9), dt.date(2026, 10, 22)), today) == expected
    assert tense(None, today) == "unknown"


def test_timeline_tense_and_last_season():
    programme = _programme(calendar={"draw": "2026-10-31", "presentation": None})
    facts = _facts(dt.datetime(2026, 10, 25, 6, tzinfo=UTC), programme)
    ru = render_answer("timeline", "ru", facts)
    assert "• Приём заявок: 9–22 октября 2026 года — прошло" in ru
    assert "• Жеребьёвка (прямой эфир в Facebook): 31 октября 2026 года — впереди" in ru
    assert "дата ещё не объявлена (в 2023 году: 7 декабря)" in ru
    kk = render_answer("timeline", "kk", facts)
    assert "2026 жылғы 31 қазан — алда" in kk


def test_dates_the_programme_has_not_confirmed_are_never_told():
    """The shipped season repeats 2023's dates for 2026 as settings (`calendar.confirmed:
    false`): before and after those days, no answer tells them as this season's."""
    for moment in (dt.datetime(2026, 10, 1, 6, tzinfo=UTC), dt.datetime(2026, 11, 30, 6, tzinfo=UTC)):
        facts = answer_facts(load_programme(), moment, default_call_centre(), translator())
        for lang, topic in ((lang, topic) for lang in ("kk", "ru", "en")
                            for topic in ("timeline", "deadline", "results", "lottery", "open_day")):
            assert "2026" not in render_answer(topic, lang, facts), (lang, topic)
        timeline = render_answer("timeline", "ru", facts)
        assert "• Публичная онлайн-презентация итогов: дата ещё не объявлена (в 2023 году: 7 декабря)" in timeline
        assert "впереди" not in timeline and "прошло" not in timeline
        assert "ещё не объявлен" in render_answer("deadline", "ru", facts)


def test_open_day_never_shows_past_dates_as_upcoming():
    facts = _facts(dt.datetime(2026, 11, 27, 6, tzinfo=UTC))
    ru = render_answer("open_day", "ru", facts)
    assert "пока не опубликовано" in ru
    assert "В 2023 году встречи прошли так: 10 октября — Каракиянский район" in ru
    assert "Ближайшие" not in ru
    assert "Актау — 2 октября" not in ru and "Форт-Шевченко" not in ru  # the invented schedule is gone
    assert next_season_pending(load_programme(), dt.datetime(2026, 11, 27, 6, tzinfo=UTC))


def test_published_open_days_are_listed_until_they_pass():
    meetings = [{"date": dt.date(2026, 10, 5), "place": {"kk": "Ақтау", "ru": "Актау", "en": "Aktau"}},
                {"date": dt.date(2026, 10, 7), "place": {"kk": "Алматы", "ru": "Алматы", "en": "Almaty"}}]
    programme = _programme(open_days={**load_programme()["open_days"], 2026: meetings})
    moment = dt.datetime(2026, 10, 6, 6, tzinfo=UTC)
    text = render_answer("open_day", "en", _facts(moment, programme))
    upcoming = text.split("Upcoming", 1)[1].split("In 2023", 1)[0]
    assert "• 7 October 2026 — Almaty" in upcoming and "5 October" not in upcoming
    assert not next_season_pending(programme, moment)


@pytest.mark.parametrize("moment, lang, expected", [
    # Friday 27 Nov 2026, 12:00 in Almaty (UTC+5): open.
    (dt.datetime(2026, 11, 27, 7, tzinfo=UTC), "ru", "Сейчас колл-центр открыт, до 18:00."),
    # Saturday: closed, back on Monday 9:00.
    (dt.datetime(2026, 11, 28, 7, tzinfo=UTC), "ru", "Откроется: понедельник, 30 ноября 2026 года, 9:00."),
    (dt.datetime(2026, 11, 28, 7, tzinfo=UTC), "kk", "Қайта ашылады: дүйсенбі, 2026 жылғы 30 қараша, 9:00."),
    # Independence Day (Wednesday 16 Dec): closed, back on Thursday.
    (dt.datetime(2026, 12, 16, 7, tzinfo=UTC), "en", "It opens again: tomorrow, 9:00."),
    # Monday 7:50 in Almaty: later today; Friday evening: Monday, with its date.
    (dt.datetime(2026, 11, 30, 2, 50, tzinfo=UTC), "kk", "Қайта ашылады: бүгін, 9:00."),
    (dt.datetime(2026, 11, 30, 2, 50, tzinfo=UTC), "ru", "Откроется: сегодня, 9:00."),
    (dt.datetime(2026, 11, 27, 14, tzinfo=UTC), "ru", "Откроется: понедельник, 30 ноября 2026 года, 9:00."),
    (dt.datetime(2026, 12, 1, 14, tzinfo=UTC), "kk", "Қайта ашылады: ертең, 9:00."),
])
def test_contacts_say_whether_the_call_centre_is_open(moment, lang, expected):
    text = render_answer("contacts", lang, _facts(moment))
    assert expected in text


def test_contacts_give_hours_and_next_holiday():
    text = render_answer("contacts", "ru", _facts(dt.datetime(2026, 11, 27, 7, tzinfo=UTC)))
    assert "по рабочим дням (понедельник–пятница) с 9:00 до 18:00, в праздничные дни выходной" in text
    assert "Ближайший праздничный день: 16 декабря 2026 года." in text


def test_complaint_time_comes_from_the_sla_once_confirmed():
    centre = replace(default_call_centre(), sla_confirmed=True)
    facts = answer_facts(confirmed_programme(), dt.datetime(2026, 11, 27, 7, tzinfo=UTC), centre, translator())
    sla = int(centre.sla_hours["complaint"])
    assert f"в течение {sla} рабочих часов" in render_answer("complaint", "ru", facts)
    assert f"{sla} жұмыс сағаты ішінде" in render_answer("appeal", "kk", facts)


@pytest.mark.parametrize("topic,lang,expected", [
    ("complaint", "ru", "оператор ответит в рабочее время"),
    ("appeal", "kk", "оператор жұмыс уақытында жауап береді"),
    ("complaint", "en", "operator replies during working hours"),
])
def test_unconfirmed_sla_is_never_told_as_hours(topic, lang, expected):
    """The shipped SLAs are the call centre's setting, not the programme's (its report gives
    no response time): until confirmed, answers promise an answer in working hours only."""
    assert not default_call_centre().sla_confirmed
    text = render_answer(topic, lang, _facts(dt.datetime(2026, 11, 27, 7, tzinfo=UTC)))
    assert expected in " ".join(text.split())
    assert not re.search(r"\d+ (рабоч\w+ час|жұмыс сағат|working hour)", text)


def test_facts_remembered_for_the_minute_change_with_it():
    """answer_facts_now() serves each FAQ answer of a minute from one computation, and the
    call centre's "open now / closed" still flips on the closing minute."""
    programme, call_centre, tr = load_programme(), default_call_centre(), translator()
    zone = call_centre.hours.zone
    closes = call_centre.hours.closes
    before = dt.datetime(2026, 11, 25, closes.hour - 1, 59, 59, tzinfo=zone)  # a Wednesday
    at_close = before + dt.timedelta(seconds=1)
    first = answer_facts_now(programme, before, call_centre, tr)
    assert answer_facts_now(programme, before - dt.timedelta(seconds=30), call_centre, tr) is first
    assert dict(first) == answer_facts(programme, before, call_centre, tr)
    after = answer_facts_now(programme, at_close, call_centre, tr)
    assert after["call_centre_now"] != first["call_centre_now"]
    assert dict(after) == answer_facts(programme, at_close, call_centre, tr)
    # Another programme object (a reloaded config) is never served the old facts.
    assert answer_facts_now(load_programme(), before, call_centre, tr) is not first
