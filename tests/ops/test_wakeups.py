"""bot/wakeups.py: LISTEN/NOTIFY between two "workers" on PostgreSQL, in-process on SQLite."""
import asyncio

import pytest

from bot.wakeups import Wakeups
from tests.conftest import POSTGRES_URL

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="set TEST_DATABASE_URL=postgresql+asyncpg://… to run it")


async def test_sqlite_wakes_in_process_only_and_never_polls(tmp_path):
    wakeups = Wakeups(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await wakeups.start()
    assert not wakeups.cross_process and wakeups.fallback_seconds == float("inf")
    with wakeups.watch("webchat:s1") as watch, wakeups.watch("webchat:s2") as other:
        await wakeups.publish("webchat:s1")
        assert await watch.wait(1)
        assert not await other.wait(0.05)
    await wakeups.stop()


async def test_a_wake_up_before_the_wait_is_not_lost(tmp_path):
    wakeups = Wakeups("sqlite://")
    with wakeups.watch("t") as watch:
        await wakeups.publish("t")  # between reading the database and waiting
        assert await watch.wait(0.5)


@needs_postgres
async def test_notify_reaches_the_other_worker():
    first, second = Wakeups(POSTGRES_URL, fallback_seconds=60), Wakeups(POSTGRES_URL, fallback_seconds=60)
    await first.start()
    await second.start()
    try:
        assert first.listening.is_set() and second.listening.is_set()
        with second.watch("webchat:abc") as watch, second.watch("webchat:other") as other:
            await first.publish("webchat:abc")
            assert await asyncio.wait_for(watch.wait(60), 10)
            assert second.received >= 1
            assert not await other.wait(0.2)
    finally:
        await first.stop()
        await second.stop()


@needs_postgres
async def test_without_a_listener_waiters_fall_back_to_polling_and_it_reconnects():
    wakeups = Wakeups(POSTGRES_URL, fallback_seconds=60, reconnect_seconds=0.2)
    await wakeups.start()
    try:
        await wakeups._connection.close()  # the database dropped the listening connection
        await asyncio.sleep(0.05)
        assert wakeups.fallback_seconds == 0.2  # waiters re-read the database often meanwhile
        with wakeups.watch("t") as watch:
            loop = asyncio.get_running_loop()
            started = loop.time()
            await watch.wait(30)
            assert loop.time() - started < 5
        await asyncio.wait_for(wakeups.listening.wait(), 10)  # and it listens again
        assert wakeups.fallback_seconds == 60
    finally:
        await wakeups.stop()


@needs_postgres
async def test_topics_published_together_share_one_notify():
    first, second = Wakeups(POSTGRES_URL, fallback_seconds=60), Wakeups(POSTGRES_URL, fallback_seconds=60)
    await first.start()
    await second.start()
    try:
        topics = [f"console:contact:{i}" for i in range(50)]
        watches = [second.watch(topic) for topic in topics]
        waiting = [w.__enter__() for w in watches]
        await asyncio.gather(*(first.publish(topic) for topic in topics))
        assert all(await asyncio.gather(*(w.wait(10) for w in waiting)))
        assert second.received < len(topics)  # coalesced: fewer NOTIFYs than topics
        for w in watches:
            w.__exit__(None, None, None)
    finally:
        await first.stop()
        await second.stop()


async def test_commits_publish_what_they_changed(tmp_path):
    """bot/commit_topics.py: a committed message or ticket wakes the console's views."""
    from bot.commit_topics import TICKETS, contact_topic, publish_commits
    from storage.tickets import Ticket
    from storage.types import utcnow
    from storage.unit_of_work import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await db.upgrade()
    wakeups = Wakeups(db.url)
    publish_commits(db, wakeups)
    try:
        async with db.unit_of_work() as uow:
            contact = await uow.contacts.get_or_create("webchat", "s1")
        with wakeups.watch(contact_topic(contact.id)) as message, wakeups.watch(TICKETS) as tickets:
            async with db.unit_of_work() as uow:
                await uow.journal.record_many([{"contact_id": contact.id, "channel": "webchat",
                                                "direction": "in", "text": "hi", "created_at": utcnow()}])
            assert await message.wait(1)
            assert not await tickets.wait(0.05)
            async with db.unit_of_work() as uow:
                uow.tickets.add(Ticket(contact_id=contact.id, kind="question", channel="webchat",
                                       language="ru", opened_at=utcnow()))
                await uow.session.rollback()  # nothing committed: nobody is woken
            assert not await tickets.wait(0.05)
            async with db.unit_of_work() as uow:
                uow.tickets.add(Ticket(contact_id=contact.id, kind="question", channel="webchat",
                                       language="ru", opened_at=utcnow()))
            assert await tickets.wait(1)
    finally:
        await db.dispose()
