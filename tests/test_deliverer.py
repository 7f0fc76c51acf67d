"""Sending replies now (bot/delivery/deliverer.py): per-chat order, chats in parallel, and the
results written by group commit."""
import asyncio

from sqlalchemy import select

from bot.delivery.deliverer import Deliverer
from bot.delivery.journal import record_outbound
from core.messages import Address, Channel, Outbound, Reply, SendOutcome
from storage.models import Message
from storage.types import utcnow


class SlowAdapter:
    """Answers each send after the delay its text names (`text|seconds`), logging the order."""

    def __init__(self):
        self.started: list[str] = []
        self.finished: list[str] = []

    async def send_once(self, reply: Reply) -> SendOutcome:
        text, _, delay = reply.outbound.text.partition("|")
        self.started.append(text)
        await asyncio.sleep(float(delay or 0))
        self.finished.append(text)
        return SendOutcome("sent", channel_message_id=f"m-{text}")


async def journaled(db, chat: str, texts: list[str]) -> list[Reply]:
    async with db.unit_of_work() as uow:
        contact = (await uow.contacts.with_open_consultations("telegram", {chat: None}))[0][chat]
        consultation = uow.consultations.open(contact, now=utcnow())
        await uow.flush()
        outbounds = [Outbound(text) for text in texts]
        ids = await record_outbound(uow, [(contact, consultation.id, o) for o in outbounds],
                                    author="bot", now=utcnow())
        return [Reply(i, contact.id, Address(Channel.telegram, chat), o, "ru") for i, o in zip(ids, outbounds)]


async def statuses(db, replies: list[Reply]) -> list[tuple[str, str]]:
    async with db.sessions() as session:
        rows = {m.id: m for m in await session.scalars(select(Message).where(
            Message.id.in_([r.message_id for r in replies])))}
    return [(rows[r.message_id].delivery_status, rows[r.message_id].channel_message_id) for r in replies]


async def test_one_chat_in_order_other_chats_in_parallel(sqlite_db):
    adapter = SlowAdapter()
    deliverer = Deliverer(sqlite_db, {Channel.telegram: adapter})
    slow_chat = await journaled(sqlite_db, "1", ["a1|0.2", "a2|0"])
    other_chat = await journaled(sqlite_db, "2", ["b1|0"])
    first = asyncio.create_task(deliverer.deliver(slow_chat[:1]))
    await asyncio.sleep(0.01)
    # A later batch: its message to the same chat waits for the one still in flight, while
    # another chat's goes out at once.
    await asyncio.gather(first, deliverer.deliver([slow_chat[1], *other_chat]))
    assert adapter.started.index("b1") < adapter.started.index("a2")
    assert adapter.finished.index("b1") < adapter.finished.index("a1")
    assert adapter.finished.index("a1") < adapter.finished.index("a2")
    # Once nothing is in flight, no chat's lock is kept: the map does not grow with every chat.
    assert len(deliverer._chat_locks) == 0


async def test_concurrent_deliveries_share_result_commits(sqlite_db):
    adapter = SlowAdapter()
    deliverer = Deliverer(sqlite_db, {Channel.telegram: adapter})
    batches = [await journaled(sqlite_db, str(chat), [f"c{chat}|0.01"]) for chat in range(10, 30)]
    async with sqlite_db.write_lock:  # the engine is writing: results queue meanwhile
        tasks = [asyncio.create_task(deliverer.deliver(batch)) for batch in batches]
        await asyncio.sleep(0.1)
        assert not any(task.done() for task in tasks)  # nobody returns before the commit
    results = await asyncio.gather(*tasks)
    assert [r[0].status for r in results] == ["sent"] * 20
    # One write waited for the lock with the first results; everything else shared one more.
    assert deliverer.result_writes <= 2
    for batch in batches:  # each deliver() returned with its results in the journal
        assert await statuses(sqlite_db, batch) == [("sent", f"m-{batch[0].outbound.text.split('|')[0]}")]


async def test_a_failed_result_write_does_not_hold_deliveries(sqlite_db, monkeypatch):
    import bot.delivery.deliverer as module

    async def broken(db, results):
        raise ConnectionError("database is away")

    monkeypatch.setattr(module, "record_results", broken)
    deliverer = Deliverer(sqlite_db, {Channel.telegram: SlowAdapter()})
    replies = await journaled(sqlite_db, "40", ["x|0"])
    results = await asyncio.wait_for(deliverer.deliver(replies), 5)
    assert results[0].status == "sent"  # the message went out; only its record is missing
    monkeypatch.undo()
    more = await journaled(sqlite_db, "41", ["y|0"])
    await deliverer.deliver(more)
    assert await statuses(sqlite_db, more) == [("sent", "m-y")]


def count_own_writes(monkeypatch) -> list[int]:
    """The sizes of the result writes the deliverer makes in transactions of its own."""
    import bot.delivery.deliverer as module

    own_writes: list[int] = []
    real = module.record_results

    async def counted(db, results):
        own_writes.append(len(results))
        await real(db, results)

    monkeypatch.setattr(module, "record_results", counted)
    return own_writes


async def test_results_waiting_for_the_engine_ride_in_its_commit(sqlite_db, monkeypatch):
    own_writes = count_own_writes(monkeypatch)
    deliverer = Deliverer(sqlite_db, {Channel.telegram: SlowAdapter()})
    batch = await journaled(sqlite_db, "50", ["r|0"])
    async with sqlite_db.unit_of_work() as uow:  # the engine writing its next batch holds the lock
        task = asyncio.create_task(deliverer.deliver(batch))
        await asyncio.sleep(0.05)
        assert not task.done()
        riding = await deliverer.write_waiting(uow)
        assert riding is not None
    riding.committed()
    await asyncio.wait_for(task, 5)
    assert await statuses(sqlite_db, batch) == [("sent", "m-r")]
    assert own_writes == []  # no transaction of their own
    assert await deliverer.write_waiting(uow) is None  # nothing waits any more


async def test_results_that_rode_in_a_rolled_back_commit_are_written_again(sqlite_db):
    deliverer = Deliverer(sqlite_db, {Channel.telegram: SlowAdapter()})
    batch = await journaled(sqlite_db, "51", ["s|0"])
    riding = None
    try:
        async with sqlite_db.unit_of_work() as uow:
            task = asyncio.create_task(deliverer.deliver(batch))
            await asyncio.sleep(0.05)
            riding = await deliverer.write_waiting(uow)
            raise RuntimeError("the engine's batch failed")
    except RuntimeError:
        riding.rolled_back()
    await asyncio.wait_for(task, 5)  # deliver() returns once they are written after all
    assert await statuses(sqlite_db, batch) == [("sent", "m-s")]
