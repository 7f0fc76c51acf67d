"""The call-centre configuration (config/call_centre.yaml): hours, holidays, SLAs, canned answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from handoff.working_hours import WorkingHours

DEFAULT_CALL_CENTRE_FILE = Path(__file__).resolve().parents[1] / "config" / "call_centre.yaml"
TICKET_KINDS = ("question", "complaint", "suggestion")
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class CallCentreConfigError(ValueError):
    """The call-centre file is missing or malformed; the message names file and problem."""


@dataclass(frozen=True)
class CallCentre:
    hours: WorkingHours
    sla_hours: dict[str, float] = field(default_factory=lambda: {kind: 4.0 for kind in TICKET_KINDS})
    due_soon: timedelta = timedelta(hours=1)
    reopen_period: timedelta = timedelta(hours=72)
    # key → {language: text}
    canned_answers: dict[str, dict[str, str]] = field(default_factory=dict)

    def sla(self, kind: str) -> timedelta:
        return timedelta(hours=self.sla_hours.get(kind, self.sla_hours.get("question", 4.0)))


def _time(value: Any, name: str, path: Path) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise CallCentreConfigError(f"{path}: {name} must look like 09:00, not {value!r}") from None


def parse_call_centre(data: dict[str, Any], zone: ZoneInfo, path: Path = DEFAULT_CALL_CENTRE_FILE) -> CallCentre:
    hours_data = data.get("working_hours") or {}
    try:
        weekdays = frozenset(WEEKDAYS[str(day).lower()[:3]]
                             for day in hours_data.get("weekdays", ["mon", "tue", "wed", "thu", "fri"]))
    except KeyError as exc:
        raise CallCentreConfigError(f"{path}: unknown weekday {exc.args[0]!r}") from None
    holidays = set()
    for item in data.get("holidays") or []:
        if isinstance(item, date):
            holidays.add(item)
            continue
        try:
            holidays.add(date.fromisoformat(str(item)))
        except ValueError:
            raise CallCentreConfigError(f"{path}: holiday {item!r} is not a date (YYYY-MM-DD)") from None
    try:
        hours = WorkingHours(zone=zone, opens=_time(hours_data.get("opens", "09:00"), "opens", path),
                             closes=_time(hours_data.get("closes", "18:00"), "closes", path),
                             weekdays=weekdays, holidays=frozenset(holidays))
    except ValueError as exc:
        raise CallCentreConfigError(f"{path}: {exc}") from None
    sla_hours = {kind: 4.0 for kind in TICKET_KINDS}
    for kind, value in (data.get("sla_hours") or {}).items():
        if kind not in TICKET_KINDS:
            raise CallCentreConfigError(f"{path}: sla_hours: unknown ticket kind {kind!r}")
        if not isinstance(value, (int, float)) or value <= 0:
            raise CallCentreConfigError(f"{path}: sla_hours.{kind} must be a positive number")
        sla_hours[kind] = float(value)
    canned = {str(key): {str(lang): str(text) for lang, text in (texts or {}).items()}
              for key, texts in (data.get("canned_answers") or {}).items()}
    return CallCentre(
        hours=hours, sla_hours=sla_hours,
        due_soon=timedelta(minutes=float(data.get("due_soon_minutes", 60))),
        reopen_period=timedelta(hours=float(data.get("reopen_hours", 72))),
        canned_answers=canned,
    )


def load_call_centre(path: str | Path | None = None, zone: str = "Asia/Almaty") -> CallCentre:
    path = Path(path) if path else DEFAULT_CALL_CENTRE_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise CallCentreConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise CallCentreConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CallCentreConfigError(f"{path}: expected a mapping at the top level")
    return parse_call_centre(data, ZoneInfo(zone), path)


@lru_cache(maxsize=1)
def default_call_centre() -> CallCentre:
    """The shipped configuration, for code paths built without bot/app.py (tests, tools)."""
    return load_call_centre()
