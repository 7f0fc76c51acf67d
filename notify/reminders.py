"""Scheduled reminders with APScheduler 3 (AsyncIOScheduler + a persistent SQLAlchemyJobStore).

Jobs are tiny: `run_reminder(occurrence)` selects the audience and inserts outbox rows; the
outbox sender does the sending. Guarantees:

* stable job ids ("reminder:<id>:d<days>") added with replace_existing=True on every start, so
  jobs survive restarts and are never doubled in the store; jobs no longer configured are removed;
* the outbox's UNIQUE key per (occurrence, contact) makes a job that runs twice (a restart
  within the grace period after it ran) send nothing twice — the real guarantee;
* misfire_grace_time: a job missed while the bot was down runs if it is at most
  `misfire_grace_hours` late; older ones are skipped and logged (EVENT_JOB_MISSED);
* only the leader process runs the scheduler (bot.delivery.leader), so one job store is never
  shared by two running schedulers.

The job store's queries are synchronous on the event loop: on SQLite it gets its own file
(`<database>.scheduler.db`) so it never waits for the app's write lock.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.config import ConfigError, config_file, error_at, load_mapping
from core.i18n import Translator
from core.programme import SeasonCalendar, load_programme
from notify.enqueue import enqueue_reminder
from notify.texts import format_date, reminder_text
from storage.applications import Application, ApplicationLink
from storage.models import Consultation, Contact
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)
# A reminder without its own date takes this stage's (last) day from the season calendar.
CALENDAR_STAGE = {"deadline": "applications", "report_due": "final_report"}

JOB_PREFIX = "reminder:"
_ACTIVE: "ReminderScheduler | None" = None  # the scheduler of this process (jobs find it here)


class RemindersConfigError(ConfigError):
    """reminders.yaml is malformed; the message names file, line and problem."""


@dataclass
class Reminder:
    id: str
    kind: str
    date: date
    days_before: list[int]
    at: time
    audience: str | dict[str, Any]
    verdicts: list[str] = field(default_factory=list)
    time_text: str = ""

    def occurrences(self, zone: ZoneInfo) -> list[tuple[str, int, datetime]]:
        """(occurrence id, days before, when) for each configured offset."""
        return [(f"{self.id}:d{days}", days,
                 datetime.combine(self.date - timedelta(days=days), self.at, tzinfo=zone))
                for days in self.days_before]


@dataclass
class RemindersConfig:
    reminders: list[Reminder]
    misfire_grace_seconds: int

    def find(self, reminder_id: str) -> Reminder | None:
        return next((r for r in self.reminders if r.id == reminder_id), None)


def _time(value: Any, path: Path, node: Any, key: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise error_at(path, node, key, f"{value!r} is not a time (HH:MM)", RemindersConfigError) from None


def load_reminders(path: Path | None = None, *, programme: dict[str, Any] | None = None) -> RemindersConfig:
    """reminders.yaml (the shipped one by default); no file means no reminders."""
    path = Path(path) if path else config_file("reminders.yaml")
    if not path.exists():
        return RemindersConfig([], 6 * 3600)
    data = load_mapping(path, error=RemindersConfigError)
    grace = int(float(data.get("misfire_grace_hours", 6)) * 3600)
    reminders = []
    calendar = SeasonCalendar.from_programme(programme if programme is not None else load_programme())
    items = data.get("reminders") or []
    for index, item in enumerate(items):

        def problem(message: str, key: Any = None) -> RemindersConfigError:
            node, at = (item, key) if key is not None and isinstance(item, dict) else (items, index)
            return error_at(path, node, at, f"reminders[{index}]: {message}", RemindersConfigError)

        if not isinstance(item, dict) or not item.get("id") or item.get("kind") not in (
                "deadline", "report_due", "mentor_meeting"):
            raise problem("needs an id and a kind (deadline, report_due, mentor_meeting)")
        when = item.get("date")
        if not when and item["kind"] in CALENDAR_STAGE:
            period = calendar.planned(CALENDAR_STAGE[item["kind"]])
            if period is None:
                log.warning("reminder %s: %s is not in the season calendar yet; not scheduled",
                            item.get("id"), CALENDAR_STAGE[item["kind"]])
                continue
            when = period[1]
        if isinstance(when, str):
            try:
                when = date.fromisoformat(when)
            except ValueError:
                raise problem(f"{when!r} is not a date (YYYY-MM-DD)", "date") from None
        if not isinstance(when, date):
            raise problem("needs a date (YYYY-MM-DD)", "date")
        audience = item.get("audience")
        if audience != "eligibility_checked_unlinked" and not (isinstance(audience, dict) and audience.get("statuses")):
            raise problem("audience is eligibility_checked_unlinked or {statuses: [...]}", "audience")
        days = item.get("days_before") or [0]
        reminders.append(Reminder(
            id=str(item["id"]), kind=item["kind"], date=when, days_before=[int(d) for d in days],
            at=_time(item.get("at", "10:00"), path, item, "at"), audience=audience,
            verdicts=[str(v) for v in item.get("verdicts") or []], time_text=str(item.get("time", ""))))
    return RemindersConfig(reminders, grace)


def jobstore_url(settings) -> str:
    """The job store's sync URL: SCHEDULER_JOBSTORE_URL, else derived from DATABASE_URL."""
    if settings.scheduler_jobstore_url:
        return settings.scheduler_jobstore_url
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return "sqlite://"
        return f"sqlite:///{url.database}.scheduler.db"
    return url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


async def audience(session, reminder: Reminder) -> list[Contact]:
    if reminder.audience == "eligibility_checked_unlinked":
        checked = select(Consultation.contact_id).where(Consultation.outcome.like("eligibility:%"))
        if reminder.verdicts:
            checked = select(Consultation.contact_id).where(
                Consultation.outcome.in_([f"eligibility:{v}" for v in reminder.verdicts]))
        linked = select(ApplicationLink.contact_id)
        query = select(Contact).where(Contact.id.in_(checked), Contact.id.not_in(linked))
    else:
        statuses = list(reminder.audience["statuses"])
        # A subquery, not DISTINCT: PostgreSQL cannot compare the contacts' JSON column.
        grantees = (select(ApplicationLink.contact_id)
                    .join(Application, Application.id == ApplicationLink.application_id)
                    .where(Application.status.in_(statuses)))
        query = select(Contact).where(Contact.id.in_(grantees))
    return list(await session.scalars(query.where(Contact.opted_out.is_(False))))


async def enqueue_occurrence(db: Database, translator: Translator, reminder: Reminder, days: int, *,
                             default_language: str) -> int:
    occurrence = f"{reminder.id}:d{days}"
    async with db.unit_of_work() as uow:
        contacts = await audience(uow.session, reminder)
        texts = {lang: reminder_text(translator, lang, reminder.kind, when=reminder.date, days=days,
                                     time_of_day=reminder.time_text) for lang in ("kk", "ru", "en")}
        return await enqueue_reminder(
            uow.session, occurrence=occurrence, batch_id=f"reminder-{occurrence}"[:64], contacts=contacts,
            texts=texts, template_key=f"reminder.{reminder.kind}",
            template_variables={"1": format_date(reminder.date)}, default_language=default_language)


async def run_reminder(occurrence: str) -> None:
    """The APScheduler job (module level, so the job store can name it): enqueue only."""
    scheduler = _ACTIVE
    if scheduler is None:
        log.warning("reminder %s fired with no active scheduler", occurrence)
        return
    await scheduler.fire(occurrence)


class ReminderScheduler:
    def __init__(self, settings, db: Database, translator: Translator, *, config: RemindersConfig | None = None,
                 jobstore: str | None = None):
        self.settings = settings
        self.db = db
        self.translator = translator
        self.zone = ZoneInfo(settings.timezone)
        # bot/app.py passes the configuration it read at start; tools may leave it to the settings.
        self.config = config or load_reminders(settings.reminders_path,
                                               programme=load_programme(settings.programme_path))
        self.jobstore = jobstore or jobstore_url(settings)
        self.scheduler = None
        self.fired: list[str] = []

    async def start(self, *, now: datetime | None = None) -> None:
        global _ACTIVE
        from apscheduler.events import EVENT_JOB_MISSED
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        _ACTIVE = self
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=self.jobstore, tablename="zhasbot_scheduler_jobs")},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": self.config.misfire_grace_seconds},
            timezone=self.zone)
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        # Paused while the jobs are synchronised, so nothing runs against a half-built list.
        self.scheduler.start(paused=True)
        self.sync(now=now)
        self.scheduler.resume()

    def sync(self, *, now: datetime | None = None) -> list[str]:
        """Add/replace the configured jobs under stable ids; drop unconfigured and too-old ones."""
        from apscheduler.triggers.date import DateTrigger

        now = now or utcnow()
        grace = timedelta(seconds=self.config.misfire_grace_seconds)
        wanted: list[str] = []
        for reminder in self.config.reminders:
            for occurrence, days, when in reminder.occurrences(self.zone):
                job_id = JOB_PREFIX + occurrence
                if when < now - grace:
                    log.info("reminder %s was due at %s, more than the grace period ago: skipped",
                             occurrence, when.isoformat())
                    if self.scheduler.get_job(job_id):
                        self.scheduler.remove_job(job_id)
                    continue
                wanted.append(job_id)
                self.scheduler.add_job(run_reminder, trigger=DateTrigger(when), args=[occurrence], id=job_id,
                                       name=occurrence, replace_existing=True)
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        return wanted

    async def fire(self, occurrence: str) -> int:
        reminder_id, _, offset = occurrence.rpartition(":d")
        reminder = self.config.find(reminder_id)
        if reminder is None or not offset.isdigit():
            log.warning("reminder %s is no longer configured", occurrence)
            return 0
        count = await enqueue_occurrence(self.db, self.translator, reminder, int(offset),
                                         default_language=self.settings.default_language)
        self.fired.append(occurrence)
        log.info("reminder %s queued for %d contact(s)", occurrence, count)
        return count

    def _missed(self, event) -> None:
        log.warning("reminder job %s skipped: it was due at %s, more than the grace period ago",
                    event.job_id, event.scheduled_run_time)

    async def stop(self) -> None:
        global _ACTIVE
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None
        if _ACTIVE is self:
            _ACTIVE = None
