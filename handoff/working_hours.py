"""Call-centre working hours: is it open now, when does it open next, SLA due times.

Pure functions over aware datetimes (no SQL, no I/O). Inputs may be in any zone; the
results are in the call centre's zone. SLA clocks count working time only: a question
asked on Friday at 17:30 with a 4-hour SLA is due on Monday at 12:30.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS_AHEAD = 800  # guards against a calendar with no working day at all


@dataclass(frozen=True)
class WorkingHours:
    zone: ZoneInfo
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("working hours must close after they open")
        if not self.weekdays:
            raise ValueError("at least one working weekday is needed")

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("naive datetime: working hours need an aware one")
        return moment.astimezone(self.zone)

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.opens, self.zone),
                datetime.combine(day, self.closes, self.zone))

    def is_open(self, moment: datetime) -> bool:
        """Open on [opens, closes) of a working day: 17:59 is open, 18:00 is closed."""
        local = self._local(moment)
        if not self.is_working_day(local.date()):
            return False
        start, end = self._bounds(local.date())
        return start <= local < end

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself if open, else the start of the next working period."""
        local = self._local(moment)
        if self.is_open(local):
            return local
        day = local.date()
        if self.is_working_day(day) and local < self._bounds(day)[0]:
            return self._bounds(day)[0]
        for _ in range(MAX_DAYS_AHEAD):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return self._bounds(day)[0]
        raise ValueError("no working day in the calendar ahead")

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `start` (the SLA due time)."""
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        current = self.next_opening(start)
        remaining = duration
        for _ in range(MAX_DAYS_AHEAD * 2):
            end_of_day = self._bounds(current.date())[1]
            available = end_of_day - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = self.next_opening(end_of_day)
        raise ValueError("duration too long for the calendar")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end); negative when end is before start."""
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta(0)
        current = self.next_opening(start)
        end = self._local(end)
        for _ in range(MAX_DAYS_AHEAD * 2):
            if current >= end:
                return total
            end_of_day = self._bounds(current.date())[1]
            total += min(end, end_of_day) - current
            if end <= end_of_day:
                return total
            current = self.next_opening(end_of_day)
        return total


def sla_state(now: datetime, due: datetime | None, hours: WorkingHours, *,
              answered: bool, due_soon: timedelta, first_reply_at: datetime | None = None) -> str:
    """ok | due_soon | overdue | answered | answered_late, counting working time only.
    Late means the first reply came after the due time, as the reports count a missed SLA."""
    if answered:
        return "answered_late" if first_reply_at and due and first_reply_at > due else "answered"
    if due is None:
        return "ok"
    if now >= due:
        return "overdue"
    return "due_soon" if hours.working_time_between(now, due) <= due_soon else "ok"
