"""The journal: every message stored, consultations split at the idle gap, redeliveries once."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from core.messages import Channel, ContentType, Inbound
from core.privacy import mask_iins
from bot.engine import ConversationEngine
from storage.models import Consultation, Contact, Message
from tests.conftest import unique_user
from tests.support.conversation import BotClient, started


async def all_messages(db):
    async with db.sessions() as session:
        return list(await session.scalars(select(Message).order_by(Message.id)))


async def test_every_message_of_a_conversation_is_journaled(engine, db):
    client = BotClient(engine, user_id=unique_user())
    await client.send("/start")
    await client.press("lang:en")
    await client.send("hello there")
    messages = await all_messages(db)
    inbound = [m for m in messages if m.direction == "in"]
    outbound = [m for m in messages if m.direction == "out"]
    assert [m.text for m in inbound] == ["/start", "", "hello there"]
    assert inbound[1].payload == "lang:en" and inbound[1].content_type == "button"
    assert len(outbound) >= 5
    assert all(m.created_at.tzinfo is not None for m in messages)
    assert {m.consultation_id for m in messages} == {messages[0].consultation_id}
    assert all(m.delivery_status == "delivered" for m in outbound)


async def test_redelivered_update_is_stored_and_answered_once(engine, db):
    client = BotClient(engine, user_id=unique_user())
    first = await client.send("/start", event_id="update-42")
    again = await client.send("/start", event_id="update-42")
    assert first and again == []
    assert sum(1 for m in await all_messages(db) if m.direction == "in") == 1


async def test_consultations_split_at_the_idle_gap(db, services):
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)]
    engine = ConversationEngine(db, services, idle_minutes=30, clock=lambda: now[0])
    client = await started(engine, "ru")
    now[0] += timedelta(minutes=29)
    await client.send("/menu")  # within the gap: same consultation
    now[0] += timedelta(minutes=31)
    await client.send("/menu")  # after 31 idle minutes: a new one
    async with db.sessions() as session:
        consultations = list(await session.scalars(select(Consultation).order_by(Consultation.id)))
        contact = await session.get(Contact, consultations[1].contact_id)
    assert contact.last_inbound_at == now[0]  # stored, not only on the batch's objects
    assert consultations[1].last_activity_at == now[0]
    assert len(consultations) == 2
    assert consultations[0].closed_at == datetime(2026, 3, 2, 9, 29, tzinfo=timezone.utc)
    assert consultations[1].closed_at is None and consultations[1].language == "ru"
    per_consultation = {}
    for message in await all_messages(db):
        per_consultation.setdefault(message.consultation_id, []).append(message.direction)
    assert per_consultation[consultations[1].id][0] == "in"


async def test_language_choice_and_menu(engine):
    client = BotClient(engine, user_id=unique_user(), language_hint="en")
    await client.send("/start")
    # The channel's hint is the person's language: no picker, the menu in English.
    assert "How can I help?" in client.text and "lang:en" not in client.buttons
    await client.send("/language")
    assert client.buttons[0] == "lang:en" and "Choose" in client.text  # the current one first
    await client.press("lang:kk")
    assert "Немен көмектесейін?" in client.text
    assert client.buttons == ["menu:faq", "menu:eligibility", "menu:status", "menu:operator", "menu:language"]


async def test_typed_number_presses_a_button(engine):
    client = BotClient(engine, channel=Channel.whatsapp, user_id="+77010000001")
    await client.send("👋")  # says nothing of a language: the picker
    await client.send("2")  # second option: Русский
    assert "Хорошо, говорим по-русски." in client.text


async def test_payload_sent_as_text_presses_it_and_unknown_payload_gets_menu(engine):
    client = BotClient(engine, user_id=unique_user())
    await client.send("lang:en")
    assert "Great, let's talk in English." in client.text
    await client.send("faq:no_such_topic_anywhere")
    assert "How can I help?" in client.text


async def test_media_gets_a_polite_text_answer_and_is_journaled(engine, db):
    client = await started(engine, "en", channel=Channel.telegram)
    for content_type in (ContentType.sticker, ContentType.photo, ContentType.voice,
                         ContentType.document, ContentType.location):
        await client.send("", content_type=content_type)
        assert "only read text" in client.text
    stored = {m.content_type for m in await all_messages(db) if m.direction == "in"}
    assert {"sticker", "photo", "voice", "document", "location"} <= stored


async def test_huge_text_is_journaled_and_answered(engine, db):
    client = await started(engine, "en")
    huge = "а" * 20_000
    replies = await client.send(huge)
    assert replies
    stored = [m for m in await all_messages(db) if m.direction == "in"]
    # Issue 14: cut at MAX_MESSAGE_LENGTH (4,096 by default), with a note of how much went.
    assert stored[-1].text.startswith("а" * 4096) and "а" * 4097 not in stored[-1].text
    assert "15904 more characters" in stored[-1].text


async def test_iin_never_reaches_the_journal_whole(db, services):
    engine = ConversationEngine(db, services, masker=mask_iins)
    client = BotClient(engine, user_id=unique_user())
    await client.send("мой ИИН 990315300123")
    texts = [m.text for m in await all_messages(db)]
    assert not any("990315300123" in text for text in texts)
    assert any("**********23" in text for text in texts)


async def test_a_failing_handler_answers_and_keeps_the_inbound(engine, db, monkeypatch):
    import handlers.router as router

    async def broken(turn):
        raise RuntimeError("boom")

    client = await started(engine, "en")
    monkeypatch.setattr(router.menu, "show_menu", broken)
    await client.send("/menu")
    assert "something went wrong" in client.text
    async with db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Message).where(Message.text == "/menu"))
    assert count == 1


async def test_a_failing_handler_leaves_nothing_half_written(engine, db, monkeypatch):
    """Each turn runs in a savepoint: what a raising handler changed is undone, while the
    inbound stays journaled and the other turns of the same batch keep their changes."""
    import handlers.menu as menu
    from storage.models import ConsultationTopic, Contact

    user = unique_user()
    client = BotClient(engine, user_id=user)
    await client.start("en")

    async def half_then_boom(turn, *args, **kwargs):
        turn.update_state(flow="half-applied")
        turn.contact.mode = "human"
        turn.consultation.outcome = "half-applied"
        turn.add_topic("half_applied_topic")
        turn.uow.journal.record(contact_id=turn.contact.id, consultation_id=turn.consultation.id,
                                channel=turn.contact.channel, direction="out", text="half-applied row",
                                author="bot")
        await turn.uow.flush()  # written inside the turn's savepoint, then undone
        raise RuntimeError("boom")

    monkeypatch.setattr(menu, "show_menu", half_then_boom)
    other = unique_user()
    replies = await engine.handle_batch([
        Inbound(channel=Channel.webchat, user_id=user, text="/menu", content_type=ContentType.command,
                event_id=f"{user}-menu"),
        Inbound(channel=Channel.webchat, user_id=other, text="/start", content_type=ContentType.command,
                event_id=f"{other}-start"),
    ])
    mine = [r.outbound.text for r in replies if r.address.user_id == user]
    assert len(mine) == 1 and "something went wrong" in mine[0]
    assert any(r.address.user_id == other for r in replies)  # the next turn of the batch ran
    async with db.sessions() as session:
        contact = await session.scalar(select(Contact).where(Contact.external_id == user))
        assert contact.mode == "bot" and "flow" not in (contact.state or {})
        assert contact.language == "en"
        consultation = await session.scalar(select(Consultation).where(Consultation.contact_id == contact.id))
        assert consultation.outcome != "half-applied"
        assert await session.scalar(select(func.count()).select_from(ConsultationTopic)
                                    .where(ConsultationTopic.topic == "half_applied_topic")) == 0
        assert await session.scalar(select(func.count()).select_from(Message)
                                    .where(Message.text == "half-applied row")) == 0
        assert await session.scalar(select(func.count()).select_from(Message)
                                    .where(Message.text == "/menu", Message.contact_id == contact.id)) == 1
        newcomer = await session.scalar(select(Contact).where(Contact.external_id == other))
        assert newcomer is not None and await session.scalar(
            select(func.count()).select_from(Message).where(Message.contact_id == newcomer.id,
                                                            Message.direction == "out")) >= 1


async def test_a_batch_is_one_transaction_and_a_failed_turn_keeps_what_was_typed(engine, db, monkeypatch):
    """The usual batch commits once (inbound and replies together). When a handler fails,
    the batch is stored again: the inbound as it came (a typed "1" stays text, not the
    button it pressed), then the turns one savepoint each."""
    from sqlalchemy.ext.asyncio import AsyncSession

    import bot.engine

    client = await started(engine, "en")
    real_commit, real_dispatch = AsyncSession.commit, bot.engine.dispatch
    commits = []

    async def counted(session):
        commits.append(session)
        await real_commit(session)

    async def buttons_break(turn):
        if turn.inbound.payload:
            raise RuntimeError("boom")
        await real_dispatch(turn)

    monkeypatch.setattr(AsyncSession, "commit", counted)
    await client.send("/menu")
    assert commits.count(commits[0]) == 1  # the engine's session (others record deliveries)

    monkeypatch.setattr(bot.engine, "dispatch", buttons_break)
    commits.clear()
    await client.send("1")
    assert "something went wrong" in client.text
    assert commits.count(commits[0]) == 2  # the inbound on its own, then the replayed turn
    typed = [m for m in await all_messages(db) if m.direction == "in"][-1]
    assert (typed.text, typed.content_type, typed.payload) == ("1", "text", None)


async def test_batch_of_many_users_in_one_call(engine, db):
    inbounds = [Inbound(channel=Channel.telegram, user_id=f"u{i}", text="/start",
                        content_type=ContentType.command, event_id=f"b{i}") for i in range(50)]
    replies = await engine.handle_batch(inbounds)
    assert len(replies) == 50
    assert len({r.address.user_id for r in replies}) == 50


async def test_delivery_results_waiting_for_the_lock_ride_in_the_batch_commit(sqlite_db, services, monkeypatch):
    """Results that finish while a batch is written go into that batch's last commit, not a
    transaction of their own; if that commit fails, they are written on their own after all.
    (SQLite: PostgreSQL has no write lock to wait for, so results are written at once.)"""
    import asyncio

    from core.privacy import mask_personal

    from bot.delivery.deliverer import Deliverer
    from tests.test_deliverer import SlowAdapter, count_own_writes, journaled, statuses

    own_writes = count_own_writes(monkeypatch)
    db = sqlite_db
    engine = ConversationEngine(db, services, masker=mask_personal)
    deliverer = Deliverer(db, {Channel.telegram: SlowAdapter()})
    engine.ride_along = deliverer.write_waiting
    earlier = await journaled(db, unique_user(), ["earlier|0"])

    def batch(tag: str) -> list[Inbound]:
        user = unique_user()
        return [Inbound(channel=Channel.webchat, user_id=user, text="/start", content_type=ContentType.command,
                        event_id=f"{user}-{tag}")]

    async with db.write_lock:  # a batch is being written: the next one and the results queue
        handled = asyncio.create_task(engine.handle_batch(batch("a")))
        await asyncio.sleep(0.01)
        delivered = asyncio.create_task(deliverer.deliver(earlier))
        await asyncio.sleep(0.05)
    assert await asyncio.wait_for(handled, 5)
    await asyncio.wait_for(delivered, 5)
    assert await statuses(db, earlier) == [("sent", "m-earlier")]
    assert own_writes == []

    # The batch's commit fails: the results are written on their own, and deliver() returns.
    from sqlalchemy.ext.asyncio import AsyncSession

    later = await journaled(db, unique_user(), ["later|0"])
    real_commit = AsyncSession.commit
    commits = []

    async def batch_commit_fails(session):
        commits.append(session)
        if session is commits[0]:  # the engine's: one commit per batch
            raise ConnectionError("disk full")
        await real_commit(session)

    async with db.write_lock:
        handled = asyncio.create_task(engine.handle_batch(batch("b")))
        await asyncio.sleep(0.01)
        delivered = asyncio.create_task(deliverer.deliver(later))
        await asyncio.sleep(0.05)
        monkeypatch.setattr(AsyncSession, "commit", batch_commit_fails)
    try:
        await asyncio.wait_for(handled, 5)
    except ConnectionError:
        pass
    else:
        raise AssertionError("the batch's commit should have failed")
    monkeypatch.setattr(AsyncSession, "commit", real_commit)
    await asyncio.wait_for(delivered, 5)
    assert await statuses(db, later) == [("sent", "m-later")]
    assert own_writes == [1]


async def test_changed_columns_are_written_in_one_update_and_leave_the_orm_nothing(db):
    from storage.repositories import write_changed_columns

    async with db.unit_of_work() as uow:
        first = Contact(channel="webchat", external_id=unique_user(), state={})
        second = Contact(channel="webchat", external_id=unique_user(), state={})
        uow.session.add_all([first, second])
    async with db.sessions() as session:
        first, second = [await session.get(Contact, c.id) for c in (first, second)]
        first.state = {"flow": "eligibility"}
        first.language = "kk"
        second.state = {"flow": "faq"}
        assert session.dirty
        await write_changed_columns(session, [first, second])
        # Nothing is left for the ORM's flush.
        assert not session.dirty and not session.sync_session.identity_map.check_modified()
        await session.commit()
    async with db.sessions() as session:
        stored = {c.id: c for c in await session.scalars(select(Contact).where(Contact.id.in_([first.id, second.id])))}
    assert (stored[first.id].state, stored[first.id].language) == ({"flow": "eligibility"}, "kk")
    assert (stored[second.id].state, stored[second.id].language) == ({"flow": "faq"}, None)


async def test_many_journal_rows_come_back_with_their_own_ids_in_order(db):
    """record_many's ids are the rows' own, in the order given: one INSERT … RETURNING, and
    more than one when SQLAlchemy splits a long list (1,000 rows a statement)."""
    from storage.unit_of_work import UnitOfWork

    async with db.unit_of_work() as uow:
        contact = Contact(channel="webchat", external_id=unique_user(), state={})
        uow.session.add(contact)
    now = datetime.now(timezone.utc)
    rows = [dict(contact_id=contact.id, channel="webchat", direction="out", content_type="text",
                 text=f"row {n}", author="bot", created_at=now) for n in range(2500)]
    async with db.sessions() as session:
        ids = await UnitOfWork(session).journal.record_many(rows, return_ids=True)
        await session.commit()
        stored = dict((await session.execute(select(Message.id, Message.text).where(Message.id.in_(ids)))).all())
    assert len(set(ids)) == 2500
    assert [stored[message_id] for message_id in ids] == [f"row {n}" for n in range(2500)]
