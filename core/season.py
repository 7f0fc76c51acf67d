"""The season calendar: which phase today is in, and the dated sentences that depend on it.

Answers about the application window, the draw, the results and the final presentation
must speak in the right tense for today: «приём идёт до…» while it is open, «закрылся…»
after, «ещё не объявлен» before the next season is announced. The dates are season
settings in config/programme.yaml (`calendar:` and `eligibility.application_window`);
the sentences live in the gettext catalogues (conversation.po, `season.*`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from core.clock import default_zone
from core.dates import format_day
from core.programme import SeasonCalendar

# Only for callers without a turn (a turn carries `today` in settings.timezone).
PROGRAMME_ZONE = default_zone()
PHASES = ("not_announced", "before", "open", "closed")
# Dated events after the application window; each has a "will be" and a "was" sentence.
EVENTS = ("draw", "results", "presentation")


class TranslatorLike(Protocol):
    def t(self, lang: str | None, key: str, **params: object) -> str: ...


def today_in_programme_zone(now: dt.datetime | None = None) -> dt.date:
    moment = now or dt.datetime.now(dt.timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(PROGRAMME_ZONE).date()


def as_date(value: Any) -> dt.date | None:
    """A date from YAML (a date, a datetime or an ISO string); None for nothing. ValueError if not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Calendar:
    announced: bool
    opens: dt.date | None
    closes: dt.date | None
    events: Mapping[str, dt.date | None]

    @classmethod
    def from_programme(cls, programme: Mapping[str, Any]) -> "Calendar":
        # The dates users may be told (core/programme.py reads the calendar): none without a
        # window, with `announced: false`, or while the programme has not confirmed them.
        season = SeasonCalendar.from_programme(programme)
        window = season.period("applications")
        return cls(
            announced=window is not None,
            opens=window[0] if window else None, closes=window[1] if window else None,
            events={name: (season.period(name) or (None,))[0] for name in EVENTS},
        )

    def phase(self, today: dt.date) -> str:
        if not self.announced:
            return "not_announced"
        assert self.opens is not None and self.closes is not None
        if today < self.opens:
            return "before"
        if today <= self.closes:
            return "open"
        return "closed"

    def accepting(self, today: dt.date) -> bool:
        return self.phase(today) == "open"


def sentences(calendar: Calendar, today: dt.date, lang: str, translator: TranslatorLike,
              website: str = "") -> dict[str, str]:
    """`season_window` and `season_<event>` in `lang` for `today` (FAQ placeholders)."""
    phase = calendar.phase(today)
    params: dict[str, object] = {"website": website}
    if calendar.opens and calendar.closes:
        params.update(opens=format_day(calendar.opens, lang), closes=format_day(calendar.closes, lang))
    out = {"season_window": translator.t(lang, f"season.window.{phase}", **params)}
    for name, day in calendar.events.items():
        if phase == "not_announced" or day is None:
            key = f"season.{name}.unknown"
        else:
            key = f"season.{name}.{'past' if day < today else 'future'}"
        out[f"season_{name}"] = translator.t(lang, key, day=format_day(day, lang) if day else "", **params)
    return out


def season_facts(programme: Mapping[str, Any], today: dt.date, translator: TranslatorLike,
                 languages: tuple[str, ...] = ("kk", "ru", "en")) -> dict[str, dict[str, str]]:
    """The season sentences as per-language facts, the shape `{placeholders}` are filled from."""
    calendar = Calendar.from_programme(programme)
    website = str((programme.get("facts") or {}).get("website", ""))
    facts: dict[str, dict[str, str]] = {}
    for lang in languages:
        for name, text in sentences(calendar, today, lang, translator, website).items():
            facts.setdefault(name, {})[lang] = text
    return facts
