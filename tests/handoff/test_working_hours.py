"""Working hours, holidays and SLA due times: pure functions, local time Asia/Almaty (UTC+5)."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from handoff.call_centre import CallCentreConfigError, load_call_centre, parse_call_centre
from handoff.working_hours import WorkingHours, sla_state

ALMATY = ZoneInfo("Asia/Almaty")
CENTRE = load_call_centre()
HOURS = CENTRE.hours


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ALMATY)


def test_almaty_is_utc_plus_5():
    assert at(2026, 12, 4, 12).utcoffset() == timedelta(hours=5)


def test_friday_17_59_is_open_and_18_00_is_closed():
    friday = at(2026, 12, 4, 17, 59)
    assert friday.weekday() == 4
    assert HOURS.is_open(friday)
    assert not HOURS.is_open(at(2026, 12, 4, 18, 0))
    assert HOURS.next_opening(at(2026, 12, 4, 18, 0)) == at(2026, 12, 7, 9, 0)  # Monday
    assert HOURS.next_opening(friday) == friday


def test_opening_edges_and_utc_input():
    assert not HOURS.is_open(at(2026, 12, 3, 8, 59))
    assert HOURS.is_open(at(2026, 12, 3, 9, 0))
    assert HOURS.next_opening(at(2026, 12, 3, 7, 30)) == at(2026, 12, 3, 9, 0)
    # 04:00 UTC is 09:00 in Almaty.
    assert HOURS.is_open(datetime(2026, 12, 3, 4, 0, tzinfo=timezone.utc))
    with pytest.raises(ValueError):
        HOURS.is_open(datetime(2026, 12, 3, 10, 0))


def test_weekend_is_closed():
    assert not HOURS.is_open(at(2026, 12, 5, 12))  # Saturday
    assert not HOURS.is_open(at(2026, 12, 6, 12))  # Sunday
    assert HOURS.next_opening(at(2026, 12, 5, 12)) == at(2026, 12, 7, 9)


def test_holidays_are_closed_and_skipped():
    assert not HOURS.is_open(at(2026, 12, 16, 11))  # Independence Day, a Wednesday
    assert HOURS.next_opening(at(2026, 12, 15, 18, 30)) == at(2026, 12, 17, 9)
    # Nauryz 2026: 23 March plus the days moved from the weekend (24, 25 March).
    assert HOURS.next_opening(at(2026, 3, 20, 18)) == at(2026, 3, 26, 9)
    # New Year 2027: Friday 1 January, Saturday 2 January moved to Monday 4 January.
    assert HOURS.next_opening(at(2026, 12, 31, 18)) == at(2027, 1, 5, 9)


def test_every_listed_holiday_is_a_weekday_or_documented():
    for day in HOURS.holidays:
        assert day.year in (2026, 2027)
        assert day.weekday() < 5, f"{day} is a weekend day: it changes nothing"


def test_sla_due_inside_one_day():
    assert HOURS.add_working_time(at(2026, 12, 3, 10), timedelta(hours=4)) == at(2026, 12, 3, 14)
    assert HOURS.add_working_time(at(2026, 12, 3, 14), timedelta(hours=4)) == at(2026, 12, 3, 18)


def test_sla_due_over_a_weekend():
    # Friday 17:30 + 4 working hours: 30 min on Friday, 3 h 30 on Monday.
    assert HOURS.add_working_time(at(2026, 12, 4, 17, 30), timedelta(hours=4)) == at(2026, 12, 7, 12, 30)
    # Asked on Saturday: the clock starts on Monday at 09:00.
    assert HOURS.add_working_time(at(2026, 12, 5, 15), timedelta(hours=8)) == at(2026, 12, 7, 17)
    # 16 working hours from Friday 10:00: 8 on Friday, 8 on Monday.
    assert HOURS.add_working_time(at(2026, 12, 4, 10), timedelta(hours=16)) == at(2026, 12, 7, 17)


def test_sla_due_over_a_weekend_and_a_holiday():
    # Tuesday 15 December 17:00 + 4 h: 1 h Tuesday, Wednesday 16th is a holiday, 3 h Thursday.
    assert HOURS.add_working_time(at(2026, 12, 15, 17), timedelta(hours=4)) == at(2026, 12, 17, 12)
    # Friday 20 March 2026 16:00 + 8 h: 2 h Friday, Nauryz Mon–Wed, 6 h Thursday 26th.
    assert HOURS.add_working_time(at(2026, 3, 20, 16), timedelta(hours=8)) == at(2026, 3, 26, 15)


def test_working_time_between_counts_only_working_hours():
    assert HOURS.working_time_between(at(2026, 12, 4, 17), at(2026, 12, 7, 10)) == timedelta(hours=2)
    assert HOURS.working_time_between(at(2026, 12, 5, 10), at(2026, 12, 6, 10)) == timedelta(0)
    assert HOURS.working_time_between(at(2026, 12, 7, 10), at(2026, 12, 4, 17)) == -timedelta(hours=2)


def test_sla_states():
    due = at(2026, 12, 7, 12, 30)
    soon = CENTRE.due_soon
    assert sla_state(at(2026, 12, 4, 17, 45), due, HOURS, answered=False, due_soon=soon) == "ok"
    # Saturday: wall-clock far from Monday 12:30, but working time left is 3.5 h → ok.
    assert sla_state(at(2026, 12, 5, 12), due, HOURS, answered=False, due_soon=soon) == "ok"
    assert sla_state(at(2026, 12, 7, 11, 45), due, HOURS, answered=False, due_soon=soon) == "due_soon"
    assert sla_state(at(2026, 12, 7, 12, 30), due, HOURS, answered=False, due_soon=soon) == "overdue"
    assert sla_state(at(2026, 12, 9), due, HOURS, answered=True, due_soon=soon) == "answered"
    # Answered: on time or late by the first reply, as the reports count a met or missed SLA.
    assert sla_state(at(2026, 12, 9), due, HOURS, answered=True, due_soon=soon,
                     first_reply_at=at(2026, 12, 7, 12, 29)) == "answered"
    assert sla_state(at(2026, 12, 9), due, HOURS, answered=True, due_soon=soon,
                     first_reply_at=at(2026, 12, 7, 12, 31)) == "answered_late"


def test_custom_hours_and_bad_config():
    saturday_shift = WorkingHours(zone=ALMATY, opens=time(10), closes=time(14), weekdays=frozenset({5}))
    assert saturday_shift.next_opening(at(2026, 12, 3, 12)) == at(2026, 12, 5, 10)
    with pytest.raises(ValueError):
        WorkingHours(zone=ALMATY, opens=time(18), closes=time(9))
    with pytest.raises(CallCentreConfigError):
        parse_call_centre({"holidays": ["31.12.2026"]}, ALMATY)
    with pytest.raises(CallCentreConfigError):
        parse_call_centre({"sla_hours": {"question": -1}}, ALMATY)
    with pytest.raises(CallCentreConfigError):
        parse_call_centre({"working_hours": {"weekdays": ["funday"]}}, ALMATY)
    centre = parse_call_centre({"holidays": [date(2026, 12, 3)], "sla_hours": {"complaint": 2}}, ALMATY)
    assert not centre.hours.is_open(at(2026, 12, 3, 12))
    assert centre.sla("complaint") == timedelta(hours=2) and centre.sla("question") == timedelta(hours=4)


def test_shipped_config_has_sla_per_kind_and_canned_answers_in_three_languages():
    assert set(CENTRE.sla_hours) == {"question", "complaint", "suggestion", "callback"}
    assert CENTRE.reopen_period > timedelta(0)
    assert CENTRE.canned_answers
    for texts in CENTRE.canned_answers.values():
        assert set(texts) == {"kk", "ru", "en"}


def test_canned_documents_answer_names_what_the_programme_asks_for():
    # programme-facts "Who may apply": identity, registration in Almaty/Mangystau, NEET
    # status, online form — an operator's one-click answer must not say otherwise.
    must = {"kk": ("жеке бас", "тіркел", "NEET", "zhasproject.com"),
            "ru": ("удостоверяющий личность", "регистрации", "NEET", "zhasproject.com"),
            "en": ("identity", "registration", "NEET", "zhasproject.com")}
    texts = CENTRE.canned_answers["documents"]
    for lang, words in must.items():
        for word in words:
            assert word in texts[lang], (lang, word)
        assert "идеи" not in texts[lang] and "idea" not in texts[lang] and "идея" not in texts[lang]
