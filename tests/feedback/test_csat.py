"""CSAT: queued once per closed consultation (idle gap, ticket resolved), never to opted-out
contacts or for a lone /start; rating changed once; late answers count; comments."""
import asyncio

from core.messages import Channel
from handoff.service import TicketResolved
from bot.delivery.sender import OutboxSender
from storage.models import Consultation, Message
from tests.feedback.conftest import CsatRequest, client, deliver_outbox, later, outbox, rows
from tests.support.conversation import started


async def test_idle_close_queues_one_csat_with_buttons(env, feedback):
    user = await started(env.engine, "ru", user_id="u1")
    await user.send("когда дедлайн?")
    later(env, minutes=31)
    closed = await feedback.close_idle()
    assert len(closed) == 1
    [row] = await outbox(env.db, "csat")
    assert row.dedup_key == f"csat:{closed[0]}" and row.template_key == "csat" and row.language == "ru"
    assert [p for _t, p in row.buttons] == [f"csat:{closed[0]}:{s}" for s in range(1, 6)]
    assert "Оцените от 1 до 5" in row.text
    # Again, and through the ticket hook for the same consultation: still one.
    await feedback.close_idle()
    await feedback.on_ticket_resolved(TicketResolved(1, "T-0001", row.contact_id, closed[0], 1, "ru",
                                                     "question", env.clock.now))
    assert len(await outbox(env.db, "csat")) == 1
    [request] = await rows(env.db, CsatRequest)
    assert (request.consultation_id, request.status, request.trigger) == (closed[0], "queued", "idle")


async def test_no_csat_for_a_lone_start_or_a_poll_answer(env, feedback):
    user = await started(env.engine, "kk", user_id="lonely")
    await user.send("/menu")
    later(env, minutes=31)
    assert len(await feedback.close_idle()) == 1
    assert await rows(env.db, CsatRequest) == [] and await outbox(env.db) == []


async def test_never_to_opted_out_contacts(env, feedback):
    user = await started(env.engine, "ru", user_id="quiet")
    await user.send("вопрос про гранты")
    await user.send("стоп")
    later(env, minutes=31)
    await feedback.close_idle()
    [request] = await rows(env.db, CsatRequest)
    assert (request.status, request.skip_reason) == ("skipped", "opted_out")
    assert await outbox(env.db) == []


async def test_ticket_resolution_queues_csat_and_idle_close_waits_for_it(env, feedback):
    env.handoff.on_ticket_resolved(feedback.on_ticket_resolved)
    user = await started(env.engine, "ru", user_id="u2")
    await user.send("/operator")
    await user.send("Не могу загрузить документы")
    ticket_id = (await env.handoff.list_tickets())[-1].ticket.id
    later(env, minutes=40)
    await feedback.close_idle()  # the operator still has it: no poll yet
    assert await rows(env.db, CsatRequest) == []
    aida = env.operators["aida"]
    await env.handoff.reply(ticket_id, aida, "Попробуйте формат PDF")
    await env.handoff.resolve(ticket_id, aida, "Объяснил формат")
    [request] = await rows(env.db, CsatRequest)
    assert (request.trigger, request.ticket_id, request.status) == ("ticket", ticket_id, "queued")
    later(env, hours=2)
    await feedback.close_idle()
    assert len(await outbox(env.db, "csat")) == 1


async def test_rating_comment_change_once_and_late_answer(env, feedback):
    user = await started(env.engine, "ru", user_id="u3")
    await user.send("сроки подачи")
    later(env, minutes=31)
    [cid] = await feedback.close_idle()
    later(env, days=3)  # a late answer still counts
    await user.send(payload=f"csat:{cid}:4")
    assert "комментарий" in user.text and user.buttons == [f"csat:{cid}:skip"]
    await user.send("Всё понятно, спасибо")
    [request] = await rows(env.db, CsatRequest)
    assert (request.score, request.comment, request.status) == (4, "Всё понятно, спасибо", "answered")
    await user.send(payload=f"csat:{cid}:5")
    assert "изменена" in user.text
    await user.send(payload=f"csat:{cid}:2")
    assert "только один раз" in user.text
    [request] = await rows(env.db, CsatRequest)
    assert (request.score, request.score_changes) == (5, 1)
    # The consultation the answer opened is only feedback: it gets no poll of its own.
    later(env, minutes=31)
    await feedback.close_idle()
    assert len(await rows(env.db, CsatRequest)) == 1
    async with env.db.sessions() as session:
        assert (await session.get(Consultation, cid)).outcome != "feedback"


async def test_someone_else_cannot_answer_and_text_after_other_turns_is_no_comment(env, feedback):
    owner, other = client(env, "owner"), client(env, "other")
    await owner.start("en")
    await owner.send("deadline?")
    await other.start("en")
    later(env, minutes=31)
    [cid] = [c for c in await feedback.close_idle()
             if c in {r.consultation_id for r in await rows(env.db, CsatRequest)}]
    await other.send(payload=f"csat:{cid}:1")
    [request] = await rows(env.db, CsatRequest)
    assert request.score is None
    await owner.send(payload=f"csat:{cid}:3")
    await owner.send("/menu")
    await owner.send("this is a question, not a comment")
    [request] = await rows(env.db, CsatRequest)
    assert (request.score, request.comment) == (3, None)


async def test_whatsapp_numbers_and_the_24_hour_rule(env, feedback):
    wa = await started(env.engine, "kk", user_id="+77011112233", channel=Channel.whatsapp)
    await wa.send("грант қанша?")
    later(env, minutes=31)
    [cid] = await feedback.close_idle()
    await deliver_outbox(env)
    await wa.send("4")  # the 4th numbered option of the poll
    [request] = await rows(env.db, CsatRequest)
    assert request.score == 4

    late = await started(env.engine, "ru", user_id="+77014445566", channel=Channel.whatsapp)
    await late.send("документы?")
    later(env, hours=25)  # the bot was down: closed after the 24-hour window
    await feedback.close_idle()
    skipped = [r for r in await rows(env.db, CsatRequest) if r.skip_reason]
    assert [(r.status, r.skip_reason) for r in skipped] == [("skipped", "whatsapp_window_closed")]

    feedback.templates = {"csat": {"ru": "HXcsat"}}
    third = await started(env.engine, "ru", user_id="+77017778899", channel=Channel.whatsapp)
    await third.send("документы?")
    later(env, hours=25)
    await feedback.close_idle()
    assert [r.channel for r in await outbox(env.db, "csat")].count("whatsapp") == 2


async def test_the_outbox_sender_sends_the_buttons(env, feedback):
    user = await started(env.engine, "ru", user_id="u9")
    await user.send("вопрос")
    later(env, minutes=31)
    [cid] = await feedback.close_idle()
    sender = OutboxSender(env.db, env.channels, clock=env.clock)
    await sender._pass(Channel.webchat)
    await asyncio.gather(*sender._tasks)
    [sent] = [r for r in env.channels[Channel.webchat].sent if r.address.user_id == "u9"]
    assert [b.payload for b in sent.outbound.buttons][-1] == f"csat:{cid}:5"
    [message] = await rows(env.db, Message, Message.id == sent.message_id)
    assert message.buttons[0][1] == f"csat:{cid}:1" and message.author == "system:notify"


async def test_a_way_out_in_the_comment_box_is_no_comment(env, feedback):
    user = client(env, "nocomment")
    await user.start("ru")
    await user.send("сроки подачи")
    later(env, minutes=31)
    [cid] = await feedback.close_idle()
    await user.send(payload=f"csat:{cid}:5")
    assert user.buttons == [f"csat:{cid}:skip"]
    await user.send("не хочу")  # "I don't want to" leaves the poll, it is not its comment
    assert "остановились" in user.text and "menu:faq" in user.buttons
    [request] = await rows(env.db, CsatRequest)
    assert (request.score, request.comment) == (5, None)
