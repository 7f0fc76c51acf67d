"""The programme's clock: one time zone, named in settings (TIMEZONE), used everywhere.

Storage keeps UTC; a conversation turn carries the engine's `now` and the local `today`
derived from it, so nothing below the engine reads the wall clock or names a zone itself.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# The default of settings.timezone: Kazakhstan is on one zone, UTC+5, since 1 March 2024.
DEFAULT_TIMEZONE = "Asia/Almaty"


def default_zone() -> ZoneInfo:
    return ZoneInfo(DEFAULT_TIMEZONE)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()
