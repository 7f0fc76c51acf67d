"""The call-centre configuration (config/call_centre.yaml): hours, holidays, SLAs, canned answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import DEFAULT_TIMEZONE
from core.config import ConfigError, config_file, error_at, load_mapping
from handoff.working_hours import WorkingHours

TICKET_KINDS = ("question", "complaint", "suggestion", "callback")  # callback: a phone caller waits (voice/)
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class CallCentreConfigError(ConfigError):
    """The call-centre file is missing or malformed; the message names file, line and problem."""


@dataclass(frozen=True)
class CallCentre:
    hours: WorkingHours
    sla_hours: dict[str, float] = field(default_factory=lambda: {kind: 4.0 for kind in TICKET_KINDS})
    # Until the programme confirms the SLAs, users are promised no deadline (operators still see one).
    sla_confirmed: bool = False
    due_soon: timedelta = timedelta(hours=1)
    reopen_period: timedelta = timedelta(hours=72)
    # key → {language: text}
    canned_answers: dict[str, dict[str, str]] = field(default_factory=dict)

    def sla(self, kind: str) -> timedelta:
        return timedelta(hours=self.sla_hours.get(kind, self.sla_hours.get("question", 4.0)))


def _time(value: Any, name: str, path: Path, node: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise error_at(path, node, name, f"{name} must look like 09:00, not {value!r}",
                       CallCentreConfigError) from None


def parse_call_centre(data: dict[str, Any], zone: ZoneInfo, path: Path = Path("call_centre.yaml")) -> CallCentre:
    hours_data = data.get("working_hours") or {}
    weekdays = set()
    for index, day in enumerate(hours_data.get("weekdays", ["mon", "tue", "wed", "thu", "fri"])):
        if str(day).lower()[:3] not in WEEKDAYS:
            raise error_at(path, hours_data.get("weekdays"), index, f"unknown weekday {day!r}",
                           CallCentreConfigError)
        weekdays.add(WEEKDAYS[str(day).lower()[:3]])
    holidays = set()
    for index, item in enumerate(data.get("holidays") or []):
        if isinstance(item, date):
            holidays.add(item)
            continue
        try:
            holidays.add(date.fromisoformat(str(item)))
        except ValueError:
            raise error_at(path, data["holidays"], index, f"holiday {item!r} is not a date (YYYY-MM-DD)",
                           CallCentreConfigError) from None
    try:
        hours = WorkingHours(zone=zone, opens=_time(hours_data.get("opens", "09:00"), "opens", path, hours_data),
                             closes=_time(hours_data.get("closes", "18:00"), "closes", path, hours_data),
                             weekdays=frozenset(weekdays), holidays=frozenset(holidays))
    except CallCentreConfigError:
        raise
    except ValueError as exc:
        raise error_at(path, data, "working_hours", str(exc), CallCentreConfigError) from None
    sla_hours = {kind: 4.0 for kind in TICKET_KINDS}
    sla_data = data.get("sla_hours") or {}
    for kind, value in sla_data.items():
        if kind not in TICKET_KINDS:
            raise error_at(path, sla_data, kind, f"sla_hours: unknown ticket kind {kind!r}", CallCentreConfigError)
        if not isinstance(value, (int, float)) or value <= 0:
            raise error_at(path, sla_data, kind, f"sla_hours.{kind} must be a positive number",
                           CallCentreConfigError)
        sla_hours[kind] = float(value)
    sla_confirmed = data.get("sla_confirmed", False)
    if not isinstance(sla_confirmed, bool):
        raise error_at(path, data, "sla_confirmed", "sla_confirmed must be true or false", CallCentreConfigError)
    canned = {str(key): {str(lang): str(text) for lang, text in (texts or {}).items()}
              for key, texts in (data.get("canned_answers") or {}).items()}
    return CallCentre(
        hours=hours, sla_hours=sla_hours, sla_confirmed=sla_confirmed,
        due_soon=timedelta(minutes=float(data.get("due_soon_minutes", 60))),
        reopen_period=timedelta(hours=float(data.get("reopen_hours", 72))),
        canned_answers=canned,
    )


def load_call_centre(path: str | Path | None = None, zone: str = DEFAULT_TIMEZONE) -> CallCentre:
    """call_centre.yaml (the shipped one by default) read and checked."""
    path = Path(path) if path else config_file("call_centre.yaml")
    return parse_call_centre(load_mapping(path, error=CallCentreConfigError), ZoneInfo(zone), path)


@lru_cache(maxsize=1)
def default_call_centre() -> CallCentre:
    """The shipped configuration, for code paths built without bot/app.py (tests, tools)."""
    return load_call_centre()
