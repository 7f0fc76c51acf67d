"""The programme configuration file (programme.yaml): season facts and rules.

Each consumer parses the section it owns (`faq` reads `facts`, `eligibility` reads
`eligibility`); this module only reads the file (through core.config).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

from core.config import ConfigError, config_file, error_at, load_mapping
from core.privacy import phone_key


class ProgrammeConfigError(ConfigError):
    """The programme file is missing or malformed; the message names file, line and problem."""


def default_programme_file() -> Path:
    return config_file("programme.yaml")


def load_programme(path: str | Path | None = None) -> dict[str, Any]:
    """programme.yaml as a mapping with `facts` and `eligibility` (the shipped file by default)."""
    path = Path(path) if path else default_programme_file()
    data = load_mapping(path, error=ProgrammeConfigError)
    for section in ("facts", "eligibility"):
        if data.get(section) is None:
            data[section] = {}
        elif not isinstance(data[section], dict):
            raise error_at(path, data, section, f"{section}: expected a mapping", ProgrammeConfigError)
    return data


def own_phones(programme: Mapping[str, Any]) -> frozenset[str]:
    """The programme's own numbers (`facts.phone`, `facts.organisation_phone`, any `…phone`
    fact) as `core.privacy.phone_key`s: not personal data, so exports leave them readable
    inside the bot's answers."""
    facts = programme.get("facts") or {}
    keys = set()
    for name, value in facts.items():
        if str(name).endswith("phone") and value:
            for text in (value.values() if isinstance(value, Mapping) else [value]):
                key = phone_key(str(text))
                if len(key) == 10:
                    keys.add(key)
    return frozenset(keys)


# Stages of a season in the order they happen: keys of the file's `calendar:` block (the
# application window is `eligibility.application_window`), shared by status texts, reports
# and the FAQ's dated answers (core/season.py, which also reads `results`).
STAGES: tuple[str, ...] = ("applications", "technical_selection", "draw", "contracts", "implementation",
                           "final_report", "presentation")
CALENDAR_KEYS = frozenset(STAGES) | {"results", "announced", "confirmed"}


@dataclass(frozen=True)
class SeasonCalendar:
    """This season's dates (`calendar:`) and the draw's stream link (`facts.draw_stream_url`):
    the one reading of the calendar, for status texts, reminders, the FAQ's dated answers and
    the eligibility check (core/season.py, faq/season.py).

    A stage (and `results`) is a (first, last) day, equal for a one-day stage, or None while not
    announced. Dates not yet confirmed by the programme (`confirmed: false`) are season
    settings, not facts: `period()` then gives None, so users hear "will be announced" rather
    than a promised date (`planned()` still has them for managers' reminders).
    """

    stages: Mapping[str, tuple[date, date] | None]
    draw_stream_url: str = ""
    confirmed: bool = True

    @classmethod
    def from_programme(cls, programme: Mapping[str, Any]) -> "SeasonCalendar":
        raw = programme.get("calendar") or {}
        if not isinstance(raw, Mapping):
            raise ProgrammeConfigError("calendar: expected a mapping of stage → date or [start, end]")
        unknown = sorted(set(raw) - CALENDAR_KEYS)
        if unknown:
            raise ProgrammeConfigError(f"calendar: unknown stage(s) {unknown}; expected {sorted(CALENDAR_KEYS)}")
        window = (programme.get("eligibility") or {}).get("application_window") or {}
        stages = {stage: parse_period(f"calendar.{stage}", raw.get(stage))
                  for stage in (*STAGES, "results") if stage != "applications"}
        stages["applications"] = (parse_period("calendar.applications", [window["opens"], window["closes"]])
                                  if window.get("opens") and window.get("closes") else None)
        if not raw.get("announced", True):
            stages = dict.fromkeys(stages)
        url = (programme.get("facts") or {}).get("draw_stream_url") or ""
        return cls(stages, str(url).strip(), bool(raw.get("confirmed", True)))

    def planned(self, stage: str) -> tuple[date, date] | None:
        return self.stages.get(stage)

    def period(self, stage: str) -> tuple[date, date] | None:
        """The stage's dates once confirmed by the programme, else None."""
        return self.stages.get(stage) if self.confirmed else None


def _day(key: str, value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ProgrammeConfigError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from exc


def parse_period(key: str, value: Any) -> tuple[date, date] | None:
    """A calendar entry (`key` names it in errors): a date, [start, end], or nothing."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ProgrammeConfigError(f"{key}: a period is [start, end]")
        first, last = _day(key, value[0]), _day(key, value[1])
        if last < first:
            raise ProgrammeConfigError(f"{key}: ends before it starts")
        return first, last
    day = _day(key, value)
    return day, day
