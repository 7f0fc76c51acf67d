"""Reminders: persistent jobs, grace for misfires, at most once per contact; leader election."""
import asyncio
import logging
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.delivery.leader import Leadership
from notify.reminders import Reminder, RemindersConfig, ReminderScheduler, load_reminders
from bot.settings import load_settings
from storage.models import Consultation, Contact
from storage.outbox import OutboxMessage
from tests.conftest import POSTGRES_URL, sqlite_url, translator
from tests.notify.helpers import seed_linked

ZONE = ZoneInfo("Asia/Almaty")


def reminder_at(when: datetime, rid: str, audience="eligibility_checked_unlinked") -> Reminder:
    local = when.astimezone(ZONE)
    return Reminder(id=rid, kind="deadline", date=local.date() + timedelta(days=1), days_before=[1],
                    at=local.time().replace(microsecond=0), audience=audience, verdicts=["eligible"])


async def add_checked_contact(db, external_id, outcome="eligibility:eligible"):
    async with db.unit_of_work() as uow:
        contact = Contact(channel="webchat", external_id=external_id, language="ru", state={})
        uow.session.add(contact)
        await uow.session.flush()
        now = datetime.now(timezone.utc)
        uow.session.add(Consultation(contact_id=contact.id, channel="webchat", opened_at=now,
                                     last_activity_at=now, outcome=outcome, topics=[]))


async def reminder_rows(db):
    async with db.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")))


def make(tmp_path, db, reminders, grace=6 * 3600):
    settings = load_settings(_env_file=None, database_url=sqlite_url(tmp_path))
    return ReminderScheduler(settings, db, translator(), config=RemindersConfig(reminders, grace),
                             jobstore=f"sqlite:///{tmp_path / 'jobs.db'}")


def test_the_shipped_configuration_loads():
    config = load_reminders()
    kinds = {r.kind for r in config.reminders}
    # The final report's date is not in the season calendar yet: its reminder waits for it.
    assert kinds == {"deadline", "mentor_meeting"}
    deadline = next(r for r in config.reminders if r.kind == "deadline")
    assert deadline.days_before == [3, 1] and deadline.date == date(2026, 10, 22)
    occurrences = deadline.occurrences(ZONE)
    assert occurrences[0][2] == datetime(2026, 10, 19, 10, 0, tzinfo=ZONE)
    assert occurrences[0][2].utcoffset() == timedelta(hours=5)


async def test_jobs_survive_a_restart_and_are_not_doubled(sqlite_db, tmp_path):
    future = datetime.now(timezone.utc) + timedelta(days=2)
    scheduler = make(tmp_path, sqlite_db, [reminder_at(future, "deadline-a")])
    await scheduler.start()
    assert [job.id for job in scheduler.scheduler.get_jobs()] == ["reminder:deadline-a:d1"]
    await scheduler.stop()
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(url=f"sqlite:///{tmp_path / 'jobs.db'}", tablename="zhasbot_scheduler_jobs")
    store.start(None, "default")
    assert [job.id for job in store.get_all_jobs()] == ["reminder:deadline-a:d1"]  # persisted
    store.shutdown()
    again = make(tmp_path, sqlite_db, [reminder_at(future, "deadline-a")])
    await again.start()
    assert [job.id for job in again.scheduler.get_jobs()] == ["reminder:deadline-a:d1"]  # replaced, not doubled
    await again.stop()


async def test_missed_within_grace_runs_older_is_skipped(sqlite_db, tmp_path, caplog):
    await add_checked_contact(sqlite_db, "checked-1")
    await add_checked_contact(sqlite_db, "cancelled-1", outcome="eligibility:cancelled")
    await seed_linked(sqlite_db, 1)  # linked applicants are not reminded of the deadline
    now = datetime.now(timezone.utc)
    recent = reminder_at(now - timedelta(hours=1), "recent")
    old = reminder_at(now - timedelta(hours=10), "old")
    scheduler = make(tmp_path, sqlite_db, [recent, old])
    caplog.set_level(logging.INFO, logger="notify.reminders")
    await scheduler.start()
    for _ in range(100):
        if scheduler.fired:
            break
        await asyncio.sleep(0.05)
    await scheduler.stop()
    assert scheduler.fired == ["recent:d1"]
    assert "old:d1 was due at" in caplog.text and "skipped" in caplog.text
    rows = await reminder_rows(sqlite_db)
    assert len(rows) == 1 and rows[0].topic == "recent" and "Напоминаем" in rows[0].text
    # The same occurrence again (a restart inside the grace period): nothing new.
    rerun = make(tmp_path, sqlite_db, [recent])
    await rerun.start()
    for _ in range(100):
        if rerun.fired:
            break
        await asyncio.sleep(0.05)
    await rerun.stop()
    assert rerun.fired == ["recent:d1"] and len(await reminder_rows(sqlite_db)) == 1


async def test_grantee_reminders_reach_linked_applicants(sqlite_db, tmp_path):
    await seed_linked(sqlite_db, 2, status="funded")
    await seed_linked(sqlite_db, 1, status="not_selected", first_chat=200000)
    reminder = Reminder(id="mentor", kind="mentor_meeting", date=date(2026, 12, 5), days_before=[1],
                        at=time(10), audience={"statuses": ["funded"]}, time_text="15:00")
    scheduler = make(tmp_path, sqlite_db, [reminder])
    assert await scheduler.fire("mentor:d1") == 2
    assert await scheduler.fire("mentor:d1") == 0
    rows = await reminder_rows(sqlite_db)
    assert len(rows) == 2 and "05.12.2026 в 15:00" in rows[0].text


async def test_sqlite_leader_is_one_process(tmp_path):
    first, second = Leadership(sqlite_url(tmp_path)), Leadership(sqlite_url(tmp_path))
    assert await first.try_acquire() and not await second.try_acquire()
    await first.release()
    assert await second.try_acquire()
    await second.release()


async def test_postgres_leader_lock():
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL leader lock: set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")
    first, second = Leadership(POSTGRES_URL, lock_key=424242), Leadership(POSTGRES_URL, lock_key=424242)
    try:
        results = await asyncio.gather(first.try_acquire(), second.try_acquire())
        assert sorted(results) == [False, True]
        leader, other = (first, second) if results[0] else (second, first)
        assert await leader.still_leader()
        await leader.release()  # or the process dies: the connection and its lock go with it
        assert await other.try_acquire()
    finally:
        await first.release()
        await second.release()


def test_season_dates_come_from_the_programme_calendar_once():
    """The application window and the final report's date live in config/programme.yaml
    only (issue 13): reminders without a date of their own take them from its calendar."""
    from core.programme import load_programme

    programme = load_programme()
    assert not {"application_opens", "application_closes"} & set(programme["facts"])
    moved = {**programme, "eligibility": {**programme["eligibility"],
                                          "application_window": {"opens": date(2026, 10, 1), "closes": date(2026, 10, 25)}},
             "calendar": {**programme["calendar"], "final_report": date(2026, 12, 20)}}
    config = load_reminders(programme=moved)
    by_kind = {r.kind: r for r in config.reminders}
    assert by_kind["deadline"].date == date(2026, 10, 25) and by_kind["report_due"].date == date(2026, 12, 20)
