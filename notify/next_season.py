"""Telling everyone who asked that the next season is announced.

Out of season the FAQ and the eligibility verdict offer "tell me when the next season opens"
(handlers/season.py keeps the time on `contacts.next_season_optin_at`). Once the programme
publishes the new application window in config/programme.yaml, `zhasbot notifications
next-season` queues one announcement to each of them through the outbox, the one outbound
path: the sender applies Telegram's rate limits and WhatsApp's 24-hour rule (template
`season.next` outside the window, config/whatsapp_templates.yaml).

An opt-in asks for one message: queuing it clears the opt-in, and the outbox's unique key
per (season, contact) keeps two runs at once from sending twice.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Translator
from core.season import Calendar, format_day, today_in_programme_zone
from notify.enqueue import blocked_bot
from storage.models import Contact
from storage.outbox import Outbox
from storage.types import utcnow

KIND = "next_season"
TEMPLATE_KEY = "season.next"
LANGUAGES = ("kk", "ru", "en")


class NothingToAnnounce(Exception):
    """programme.yaml has no upcoming or open application window to announce."""


@dataclass(frozen=True)
class Announcement:
    opens: dt.date
    closes: dt.date
    batch_id: str
    opted_in: int  # contacts waiting for it (not opted out)
    queued: int  # new outbox rows (a blocked contact's row is marked unreachable at once)
    unreachable: int


def next_season_key(opens: dt.date, contact_id: int) -> str:
    return f"{KIND}:{opens.isoformat()}:{contact_id}"


def batch_id(opens: dt.date) -> str:
    return f"next-season-{opens.isoformat()}"


def announced_window(programme: Mapping[str, Any], now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The application window to announce, or NothingToAnnounce with the reason."""
    calendar = Calendar.from_programme(programme)
    phase = calendar.phase(today_in_programme_zone(now))
    if phase == "not_announced":
        raise NothingToAnnounce("programme.yaml announces no season (calendar.announced or calendar.confirmed "
                                "is false, or eligibility.application_window has no dates)")
    if phase == "closed":
        raise NothingToAnnounce(f"the application window in programme.yaml closed on {calendar.closes}: "
                                "set the next season's dates first")
    assert calendar.opens is not None and calendar.closes is not None
    return calendar.opens, calendar.closes


def announcement_text(translator: Translator, lang: str, *, opens: dt.date, closes: dt.date,
                      website: str) -> str:
    body = translator.t(lang, "notify.next_season", opens=format_day(opens, lang),
                        closes=format_day(closes, lang), website=website)
    return body + "\n\n" + translator.t(lang, "notify.next_season_optout")


async def enqueue_next_season(session: AsyncSession, translator: Translator, programme: Mapping[str, Any], *,
                              default_language: str, now: dt.datetime | None = None,
                              dry_run: bool = False) -> Announcement:
    """Queue the announcement to every contact still waiting for it (see the module doc)."""
    now = now or utcnow()
    opens, closes = announced_window(programme, now)
    website = str((programme.get("facts") or {}).get("website", ""))
    contacts = list(await session.scalars(
        select(Contact).where(Contact.next_season_optin_at.is_not(None), Contact.opted_out.is_(False))
        .order_by(Contact.id)))
    blocked_at = await Outbox(session).unreachable_contacts(c.id for c in contacts)
    texts = {lang: announcement_text(translator, lang, opens=opens, closes=closes, website=website)
             for lang in LANGUAGES}
    batch = batch_id(opens)
    rows = []
    for contact in contacts:
        lang = translator.language(contact.language or default_language)
        blocked = blocked_bot(contact, blocked_at)
        rows.append({
            "dedup_key": next_season_key(opens, contact.id), "kind": KIND, "batch_id": batch,
            "contact_id": contact.id, "channel": contact.channel, "topic": KIND,
            "template_key": TEMPLATE_KEY,
            "template_variables": {"1": format_day(opens, lang), "2": format_day(closes, lang)},
            "language": lang, "text": texts.get(lang, texts[default_language]), "next_attempt_at": now,
            **({"state": "unreachable", "last_error": "blocked"} if blocked else {}),
        })
    unreachable = sum(1 for row in rows if row.get("state") == "unreachable")
    if dry_run:
        return Announcement(opens, closes, batch, len(contacts), 0, unreachable)
    queued = await Outbox(session).enqueue(rows)
    for contact in contacts:
        contact.next_season_optin_at = None  # told: the opt-in asked for this one message
    return Announcement(opens, closes, batch, len(contacts), queued, unreachable)
