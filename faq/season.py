"""Season facts as answers show them: dates the way each language writes them, the tense
for today, the call centre's hours from its calendar, and facts still to be confirmed.

`config/programme.yaml` holds the season (`calendar`, `open_days`, `facts`); the phrases
around the dates are content and live in `faq/season.yaml`. `answer_facts()` turns both
into the mapping `render_answer()` fills placeholders from, for one moment in time:

    facts = answer_facts(programme, now, call_centre)   # once per answer
    render_answer("timeline", "kk", facts)

A fact listed under `unconfirmed:` is a placeholder the programme has not confirmed (the
call centre's phone): answers show its fallback text instead, and `zhasbot faq validate`
warns about it (an error with --strict).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

import yaml

from core.programme import STAGES, SeasonCalendar, parse_period
from core.season import as_date as _as_date
from faq.content import LANGS, PACKAGE_DIR, ContentError, fill_placeholders
from core.dates import format_day, format_day_month, format_range, weekday_name

SEASON_TEXTS_FILE = PACKAGE_DIR / "season.yaml"


class Hours(Protocol):
    """The call centre's calendar (bot's WorkingHours satisfies it)."""

    opens: dt.time
    closes: dt.time
    weekdays: frozenset[int]
    holidays: frozenset[dt.date]

    def is_open(self, moment: dt.datetime) -> bool: ...
    def next_opening(self, moment: dt.datetime) -> dt.datetime: ...


class CallCentreView(Protocol):
    hours: Hours
    sla_hours: Mapping[str, float]
    sla_confirmed: bool


@lru_cache(maxsize=4)
def load_season_texts(path: str | None = None) -> dict[str, Any]:
    file = Path(path) if path else SEASON_TEXTS_FILE
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{file}: cannot read season texts: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{file}: expected a mapping")
    return data


def _text(texts: Mapping[str, Any], *path: str) -> Mapping[str, str]:
    node: Any = texts
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            raise ContentError(f"season texts: missing {'.'.join(path)}")
        node = node[key]
    if not isinstance(node, Mapping) or any(lang not in node for lang in LANGS):
        raise ContentError(f"season texts: {'.'.join(path)} needs kk, ru and en")
    return node


def tense(period: tuple[dt.date, dt.date] | None, today: dt.date) -> str:
    """past | now | future | unknown."""
    if period is None:
        return "unknown"
    start, end = period
    if today > end:
        return "past"
    return "now" if today >= start else "future"


# -- facts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Season:
    """The parts of config/programme.yaml that answers compute from."""

    year: int
    calendar: Mapping[str, tuple[dt.date, dt.date] | None]
    last_year: int | None
    last_calendar: Mapping[str, tuple[dt.date, dt.date] | None]
    open_days: Mapping[int, tuple[tuple[dt.date, Mapping[str, str]], ...]]

    @classmethod
    def from_programme(cls, programme: Mapping[str, Any]) -> "Season":
        year = int(programme.get("season") or 0)
        # The dates users may be told, as core/programme.py reads them: none while not announced
        # or not confirmed (the timeline then gives last season's for reference). The stages
        # listed are the window and those the calendar names.
        dates = SeasonCalendar.from_programme(programme)
        named = programme.get("calendar") or {}
        calendar = {stage: dates.period(stage) for stage in STAGES if stage == "applications" or stage in named}
        last = programme.get("last_season") or {}
        last_calendar = {stage: parse_period(f"last_season.calendar.{stage}", value)
                         for stage, value in (last.get("calendar") or {}).items()}
        open_days: dict[int, tuple] = {}
        for season, meetings in (programme.get("open_days") or {}).items():
            items = []
            for meeting in meetings or ():
                day = _as_date(meeting.get("date"))
                place = meeting.get("place") or {}
                if day is None or not isinstance(place, Mapping):
                    raise ContentError(f"open_days.{season}: every meeting needs a date and a place per language")
                items.append((day, place))
            open_days[int(season)] = tuple(sorted(items, key=lambda item: item[0]))
        for stage in (*calendar, *last_calendar):
            if stage not in STAGES:
                raise ContentError(f"calendar: unknown stage {stage!r}; expected one of {STAGES}")
        return cls(year, calendar, int(last["year"]) if last.get("year") else None, last_calendar, open_days)


def _per_lang(make) -> dict[str, str]:
    return {lang: make(lang) for lang in LANGS}


def _fill(template: str, **values: str) -> str:
    return template.format(**values)


def _timeline(season: Season, texts: Mapping[str, Any], today: dt.date) -> dict[str, str]:
    def line(lang: str, stage: str) -> str:
        name = _text(texts, "stage", stage)[lang]
        period = season.calendar.get(stage)
        state = tense(period, today)
        if period is None:
            last = season.last_calendar.get(stage)
            when = _text(texts, "timeline", "not_announced")[lang]
            if last is not None:
                when += " " + _fill(_text(texts, "timeline", "last_season")[lang],
                                    year=str(season.last_year), when=format_range(*last, lang, with_year=False))
        else:
            when = format_range(*period, lang)
            marker = _text(texts, "timeline", state)[lang]
            if marker:
                when += f" — {marker}"
        return f"• {name}: {when}"

    return _per_lang(lambda lang: "\n".join(line(lang, stage) for stage in STAGES
                                            if stage in season.calendar or stage in season.last_calendar))


def _open_days(season: Season, texts: Mapping[str, Any], today: dt.date) -> tuple[dict[str, str], dict[str, str]]:
    upcoming = [(day, place) for day, place in season.open_days.get(season.year, ()) if day >= today]
    if upcoming:
        schedule = _per_lang(lambda lang: _fill(
            _text(texts, "open_day", "upcoming")[lang],
            schedule="\n".join(f"• {format_day(day, lang)} — {place.get(lang, '')}" for day, place in upcoming)))
    else:
        schedule = _per_lang(lambda lang: _fill(_text(texts, "open_day", "not_published")[lang],
                                                season=str(season.year)))
    # Past meetings are history, said as such ("in 2023 they were held …"), never as upcoming.
    past_year = max((y for y in season.open_days if season.open_days[y] and
                     all(day < today for day, _ in season.open_days[y])), default=None)
    if past_year is None:
        history = _per_lang(lambda lang: "")
    else:
        meetings = season.open_days[past_year]
        history = _per_lang(lambda lang: _fill(
            _text(texts, "open_day", "history")[lang], year=str(past_year),
            schedule="; ".join(f"{format_day_month(day, lang)} — {place.get(lang, '')}"
                               for day, place in meetings)))
    return schedule, history


def _clock(moment: dt.time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def _weekdays_text(days: Iterable[int], lang: str) -> str:
    days = sorted(days)
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{weekday_name(days[0], lang)}–{weekday_name(days[-1], lang)}"
    return ", ".join(weekday_name(day, lang) for day in days)


def _hours_facts(call_centre: CallCentreView, texts: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    hours = call_centre.hours
    opens, closes = _clock(hours.opens), _clock(hours.closes)
    local = now.astimezone(getattr(hours, "zone", None) or now.tzinfo)
    upcoming = sorted(day for day in hours.holidays if day >= local.date())
    next_holiday = upcoming[0] if upcoming else None

    def schedule(lang: str) -> str:
        return _fill(_text(texts, "call_centre", "hours")[lang],
                     days=_weekdays_text(hours.weekdays, lang), opens=opens, closes=closes)

    def holiday(lang: str) -> str:
        if next_holiday is None:
            return ""
        return _fill(_text(texts, "call_centre", "next_holiday")[lang], day=format_day(next_holiday, lang))

    def right_now(lang: str) -> str:
        if hours.is_open(now):
            return _fill(_text(texts, "call_centre", "open_now")[lang], closes=closes)
        back = hours.next_opening(now).astimezone(local.tzinfo)
        days_ahead = (back.date() - local.date()).days
        if days_ahead in (0, 1):
            day = _text(texts, "call_centre", "today" if days_ahead == 0 else "tomorrow")[lang]
        else:
            day = f"{weekday_name(back.weekday(), lang)}, {format_day(back.date(), lang)}"
        when = f"{day}, {_clock(back.time())}"
        return _fill(_text(texts, "call_centre", "closed_now")[lang], back=when)

    def complaint_time(lang: str) -> str:
        if not call_centre.sla_confirmed:
            return _text(texts, "call_centre", "complaint_time_unconfirmed")[lang]
        complaint = call_centre.sla_hours.get("complaint", call_centre.sla_hours.get("question", 8))
        count = int(complaint) if float(complaint).is_integer() else complaint
        return _fill(_text(texts, "call_centre", "complaint_time_one" if count == 1 else "complaint_time")[lang],
                     hours=str(count))

    return {
        "working_hours": _per_lang(schedule),
        "next_holiday": _per_lang(holiday),
        "call_centre_now": _per_lang(right_now),
        "complaint_response_time": _per_lang(complaint_time),
    }


def answer_facts(
    programme: Mapping[str, Any],
    now: dt.datetime | None = None,
    call_centre: CallCentreView | None = None,
    translator: Any = None,
    texts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`facts` of the programme plus the facts computed for `now` (see the module doc):
    the season sentences of core/season.py (`{season_window}`, `{season_draw}`, … — they
    need `translator`), the timeline, Open Day and, with `call_centre`, its hours.

    Without `call_centre` the hours facts are left to `facts` (and validation reports a
    placeholder without a fact). Unconfirmed facts are replaced by their fallback text.
    """
    from core.season import season_facts, today_in_programme_zone

    now = now or dt.datetime.now(dt.timezone.utc)
    texts = texts if texts is not None else load_season_texts()
    facts: dict[str, Any] = dict(programme.get("facts") or {})
    season = Season.from_programme(programme)
    today = today_in_programme_zone(now)
    if translator is not None:
        facts.update(season_facts(programme, today, translator))
    facts["season"] = season.year
    if season.last_year:
        facts["last_season"] = season.last_year
    period = season.calendar.get("applications")
    if period:
        facts["application_window"] = _per_lang(lambda lang: format_range(*period, lang))
    facts["season_timeline"] = _timeline(season, texts, today)
    facts["open_day_schedule"], facts["open_day_history"] = _open_days(season, texts, today)
    if call_centre is not None:
        facts.update(_hours_facts(call_centre, texts, now))
    # A fallback may name confirmed facts ("call the office: {organisation_phone}").
    known = dict(facts)
    for name, fallback in (programme.get("unconfirmed") or {}).items():
        if isinstance(fallback, Mapping):
            facts[name] = {lang: fill_placeholders(str(text), lang, known) for lang, text in fallback.items()}
        else:
            facts[name] = fill_placeholders(str(fallback), LANGS[0], known)
    return facts


_RECENT_FACTS: dict[tuple, tuple] = {}
_RECENT_FACTS_MAX = 8


def answer_facts_now(programme: Mapping[str, Any], now: dt.datetime, call_centre: CallCentreView | None,
                     translator: Any) -> Mapping[str, Any]:
    """`answer_facts()` for `now`'s minute, remembered: every FAQ answer needs the facts, and
    building them (dates in three languages, the call centre's calendar) costs more than the
    rest of the answer. Nothing in them changes within a minute: dates change by the day and
    the call centre opens and closes on whole minutes. Read-only: callers share the mapping."""
    minute = now.replace(second=0, microsecond=0)
    key = (id(programme), id(call_centre), id(translator), minute)
    hit = _RECENT_FACTS.get(key)
    # The objects are kept with the facts: an id is only unique while its object lives.
    if hit is not None and hit[0] is programme and hit[1] is call_centre and hit[2] is translator:
        return hit[3]
    facts = answer_facts(programme, minute, call_centre, translator)
    if len(_RECENT_FACTS) >= _RECENT_FACTS_MAX:
        _RECENT_FACTS.pop(next(iter(_RECENT_FACTS)))
    _RECENT_FACTS[key] = (programme, call_centre, translator, facts)
    return facts


def unconfirmed_facts(programme: Mapping[str, Any]) -> dict[str, Any]:
    """Facts the programme has not confirmed yet: name → the value config still holds."""
    facts = programme.get("facts") or {}
    return {name: facts.get(name) for name in (programme.get("unconfirmed") or {})}



def next_season_pending(programme: Mapping[str, Any], now: dt.datetime) -> bool:
    """Out of season: this season's window is over or no season is announced, so the
    Open Day schedule and the dates a user asks about belong to a season not yet published."""
    from core.season import Calendar, today_in_programme_zone

    return Calendar.from_programme(programme).phase(today_in_programme_zone(now)) in ("not_announced", "closed")
