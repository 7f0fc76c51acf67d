"""A phone consultation as an operator or a call-centre spreadsheet gives it: when it took
place, the caller's number, region and age band — read and checked before it is journalled.

A call counts in the period it took place in, not the day someone typed it in: `occurred_at`
is when the call began, in the programme's time zone when typed without an offset.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Sequence
from zoneinfo import ZoneInfo

from core.i18n import LANGUAGES
from core.messages import Channel
from core.privacy import mask_personal
from core.regions import UNKNOWN, region_code
from handoff.lifecycle import HandoffError
from storage.models import Consultation, ConsultationTopic
from storage.reporting import OPERATOR_AGE_BANDS
from storage.unit_of_work import UnitOfWork

EARLIEST = date(2000, 1, 1)  # before the programme existed: a typo, not a call
# A time typed to the minute may be a few seconds ahead of the server's clock.
CLOCK_GRACE = timedelta(minutes=1)
MAX_DURATION_SECONDS = 24 * 3600

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y.%m.%d", "%Y/%m/%d")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%H.%M", "%H.%M.%S", "%H:%M:%S.%f")


class CallInputError(HandoffError):
    """A value of a call that cannot be journalled (an `invalid` hand-off error, 400 on the API):
    `field` names it, `why` is the console's catalogue key console.call.error.<why>, the
    reason says it in English for the API, the CLI and the import report."""

    def __init__(self, field: str, why: str, reason: str):
        super().__init__("invalid", reason)
        self.field = field
        self.why = why


@dataclass
class PhoneCall:
    phone: str  # +digits, as the journal stores phone contacts
    occurred_at: datetime | None  # UTC, when the call began; None = it has just ended
    region: str | None = None  # a season region; None when unknown
    age_band: str | None = None  # one of OPERATOR_AGE_BANDS; None when not told
    language: str | None = None
    topics: list[str] = field(default_factory=list)
    notes: str = ""
    duration_seconds: int | None = None
    outcome: str | None = None


def journal_phone(text: object) -> str | None:
    """"8 (701) 555-12-34" → "+77015551234": the shape of phone contacts in the journal
    (10–15 digits, a leading 8 of an 11-digit number read as Kazakhstan's 7); None if not a number."""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    raw = str(text or "").strip()
    if not raw or re.search(r"[^\d\s()+\-.]", raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if not 10 <= len(digits) <= 15:
        return None
    if len(digits) == 10:
        digits = "7" + digits
    elif len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return "+" + digits


def _parse(text: str, formats: Sequence[str], parse) -> object | None:
    for fmt in formats:
        try:
            return parse(text, fmt)
        except ValueError:
            continue
    return None


def parse_date(text: str) -> date | None:
    text = text.strip()
    return _parse(text, DATE_FORMATS, lambda t, f: datetime.strptime(t, f).date())


def parse_time(text: str) -> time | None:
    text = text.strip()
    return _parse(text, TIME_FORMATS, lambda t, f: datetime.strptime(t, f).time())


def check_moment(moment: datetime, *, zone: ZoneInfo, now: datetime) -> datetime:
    """The moment in UTC if a call can have begun then: not in the future, not before 2000."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    # Judged on the date as written first: year 1 or 9999 would overflow the conversion to UTC.
    if moment.date() < EARLIEST:
        raise CallInputError("occurred_at", "too_old", f"the call date must be in {EARLIEST.year} or later")
    if moment.date() <= now.date() + timedelta(days=1):
        moment = moment.astimezone(timezone.utc)
    if moment.date() > now.date() + timedelta(days=1) or moment > now + CLOCK_GRACE:
        raise CallInputError("occurred_at", "future", "the call cannot have taken place in the future "
                             f"(it is now {now.astimezone(zone):%Y-%m-%d %H:%M} in {zone.key})")
    return min(moment, now)


def occurred_at(date_text: str | None, time_text: str | None = None, *, zone: ZoneInfo,
                now: datetime) -> datetime | None:
    """When the call began, in UTC, from a date and a time as an operator types them
    ("27.11.2026" "14:30", "2026-11-27" "14:30:15"), or one moment in `date_text`
    ("27.11.2026 14:30", "2026-11-27T14:30+05:00"; without an offset it is the programme's time).

    Both empty → None (the call has just ended). A time alone is today's; a date needs a time.
    Refused (CallInputError): unreadable values, a moment in the future, a date before 2000.
    """
    date_text, time_text = (date_text or "").strip(), (time_text or "").strip()
    if not date_text and not time_text:
        return None
    if date_text and not time_text:
        if len(date_text) > 10:  # a whole moment: ISO, or a date and a time with a space
            try:
                return check_moment(datetime.fromisoformat(date_text.replace("Z", "+00:00")), zone=zone, now=now)
            except ValueError:
                date_text, _, time_text = date_text.partition(" ")
        if not time_text:
            if parse_date(date_text) is None:
                raise CallInputError("occurred_at", "date",
                                     f"unreadable date {date_text!r} (expected 27.11.2026 14:30 or 2026-11-27T14:30)")
            raise CallInputError("occurred_at", "time_missing", "give the time of the call with its date")
    day = parse_date(date_text) if date_text else now.astimezone(zone).date()
    if day is None:
        raise CallInputError("occurred_at", "date", f"unreadable date {date_text!r} (expected 27.11.2026 or 2026-11-27)")
    clock = parse_time(time_text)
    if clock is None:
        raise CallInputError("occurred_at", "time", f"unreadable time {time_text!r} (expected 14:30)")
    return check_moment(datetime.combine(day, clock), zone=zone, now=now)


def region(text: str | None, regions: Sequence[str]) -> str | None:
    """A season region's code (names like "г. Алматы" read too); None for unknown or empty."""
    text = str(text or "").strip()
    if not text:
        return None
    code = text if text in regions or text == UNKNOWN else region_code(text)
    if code == UNKNOWN:
        return None
    if code not in regions:
        raise CallInputError("region", "region", "region must be one of: " + ", ".join((*regions, UNKNOWN)))
    return code


def age_band(text: str | None) -> str | None:
    """One of the grant operator's bands ("17-22", "17–22", "59 +"); None for unknown or empty."""
    folded = re.sub(r"\s+", "", str(text or "")).replace("–", "-").replace("—", "-").casefold()
    if folded in ("", UNKNOWN):
        return None
    if folded not in OPERATOR_AGE_BANDS:
        raise CallInputError("age_band", "age_band", "age_band must be one of: "
                             + ", ".join((*OPERATOR_AGE_BANDS, UNKNOWN)))
    return folded


def checked(call: PhoneCall, *, regions: Sequence[str], zone: ZoneInfo, now: datetime) -> PhoneCall:
    """The call with its values in stored form, or CallInputError for the first bad one."""
    phone = journal_phone(call.phone)
    if phone is None:
        raise CallInputError("phone", "phone", "the phone number must have 10 to 15 digits")
    if call.language is not None and call.language not in LANGUAGES:
        raise CallInputError("language", "language", "language must be kk, ru or en")
    if call.duration_seconds is not None and not 0 <= call.duration_seconds <= MAX_DURATION_SECONDS:
        raise CallInputError("duration", "duration", "duration must be between 0 and 86400 seconds")
    return PhoneCall(
        phone=phone, occurred_at=check_moment(call.occurred_at, zone=zone, now=now) if call.occurred_at else None,
        region=region(call.region, regions), age_band=age_band(call.age_band), language=call.language,
        topics=list(dict.fromkeys(t.strip()[:64] for t in call.topics if t and t.strip()))[:20],
        notes=(call.notes or "").strip(), duration_seconds=call.duration_seconds,
        outcome=(call.outcome or "answered")[:64])


async def journal_call(uow: UnitOfWork, call: PhoneCall, *, author: str, now: datetime) -> Consultation:
    """Journal a checked call: its `phone` contact, a closed consultation over the call's
    time, one call message at its start. Without `occurred_at` the call has just ended."""
    seconds = call.duration_seconds or 0
    started = call.occurred_at or now - timedelta(seconds=seconds)
    ended = min(started + timedelta(seconds=seconds), max(now, started))
    contact = await uow.contacts.get_or_create(Channel.phone.value, call.phone)
    contact.phone = call.phone
    if call.language and not contact.language:
        contact.language = call.language
    consultation = Consultation(
        contact_id=contact.id, channel=Channel.phone.value, language=call.language, opened_at=started,
        last_activity_at=ended, closed_at=ended, human_involved=True, outcome=call.outcome,
        region=call.region, age_band=call.age_band,
        notes=mask_personal(call.notes[:4000]) or None, duration_seconds=call.duration_seconds,
        topics=[ConsultationTopic(topic=t, position=i) for i, t in enumerate(call.topics)],
    )
    uow.session.add(consultation)
    await uow.flush()
    minutes = f"phone call {seconds // 60} min {seconds % 60} s" if call.duration_seconds is not None else "phone call"
    summary = "; ".join(part for part in (
        minutes, ("topics: " + ", ".join(call.topics)) if call.topics else "", mask_personal(call.notes[:500])) if part)
    uow.journal.record(contact_id=contact.id, consultation_id=consultation.id, channel=Channel.phone.value,
                       direction="in", content_type="call", text=summary, author=author, created_at=started)
    return consultation
