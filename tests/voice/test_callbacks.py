"""The callback queue in the console: claim, call back through Twilio (fake REST API) or log by hand, resolve."""
import xml.etree.ElementTree as ET

import pytest

from storage.calls import Call
from storage.models import Consultation
from storage.tickets import AuditEntry, Ticket
from tests.handoff.conftest import PASSWORD
from tests.handoff.console_client import ConsoleClient
from tests.voice.conftest import (CALLER, LINE, MONDAY_NIGHT, Twilio, callback_tickets, phone_consultations,
                                  rows, the_call)


@pytest.fixture
async def console(bot):
    await bot.accounts.add("aigerim", "operator", PASSWORD)
    await bot.accounts.add("daniyar", "operator", PASSWORD)
    client = ConsoleClient(bot.base_url)
    yield client
    await client.close()


async def night_voicemail(bot, fake) -> Ticket:
    bot.clock.now = MONDAY_NIGHT
    call = Twilio(bot, fake)
    closed = await call.press(await call.press(await call.ring(), "2"), "0")
    await call.twiml(closed.find("Record").get("action"), RecordingUrl="https://api.twilio.com/rec/RE7",
                     RecordingDuration="31")
    await call.status("completed", CallDuration="50")
    await fake.wait_for_sent(1)  # the SMS confirmation
    [ticket] = await callback_tickets(bot)
    return ticket


async def test_call_back_through_twilio_is_bridged_journaled_and_resolved(bot, fake, console):
    ticket = await night_voicemail(bot, fake)
    await console.login("aigerim", PASSWORD)
    status, page = await console.get("/console/calls")
    assert status == 200 and ticket.number in page and CALLER in page
    assert "https://api.twilio.com/rec/RE7" in page and "Голосовое сообщение" in page

    status, page, _ = await console.post(f"/console/calls/callbacks/{ticket.id}/dial")
    assert status == 200 and "Звоним на ваш телефон" in page
    [placed] = fake.calls
    assert (placed.to, placed.from_) == ("+77015550001", LINE)
    assert placed.status_callback == bot.public + "/webhooks/twilio/voice/status"
    assert set(placed.status_callback_event) == {"initiated", "ringing", "answered", "completed"}
    twiml = ET.fromstring(placed.twiml)
    dial = twiml.find("Dial")
    assert dial.get("callerId") == LINE and dial.find("Number").text == CALLER
    [stored_ticket] = await rows(bot, Ticket, Ticket.id == ticket.id)
    assert stored_ticket.status == "assigned"  # dialling claims it

    # Twilio: the operator answers, the applicant answers, they talk, both hang up.
    operator_leg = Twilio(bot, fake, call_sid=placed.sid, caller=LINE)
    assert await fake.send_call_status(placed.sid, "ringing") == 204
    assert await fake.send_call_status(placed.sid, "in-progress") == 204
    after = await operator_leg.twiml(dial.get("action"), DialCallStatus="completed", DialCallDuration="110")
    assert after.find("Hangup") is not None
    assert await fake.send_call_status(placed.sid, "completed", duration=125) == 204
    assert await fake.send_call_status(placed.sid, "ringing") == 204  # late: ignored
    back = await the_call(bot, placed.sid)
    assert (back.direction, back.outcome, back.duration_seconds, back.ticket_id) == ("outbound", "reached", 125, ticket.id)
    consultations = await phone_consultations(bot)
    assert [c.outcome for c in consultations] == ["voicemail", "reached"] and consultations[1].human_involved
    assert (await rows(bot, Ticket, Ticket.id == ticket.id))[0].first_reply_at is not None

    status, page, _ = await console.post(f"/console/calls/callbacks/{ticket.id}/resolve",
                                         {"resolution": "Перезвонили, объяснили сроки"})
    assert "Обратный звонок закрыт" in page
    assert (await rows(bot, Ticket, Ticket.id == ticket.id))[0].status == "resolved"
    assert len(fake.sent) == 1  # no chat message or poll to a phone caller on resolution
    assert ticket.number not in page.split('id="today"')[0]  # gone from the queue


async def test_call_back_logged_by_hand_and_claims_respected(bot, fake, console):
    ticket = await night_voicemail(bot, fake)
    await console.login("daniyar", PASSWORD)
    await console.get("/console/calls")
    # Daniyar answers in a Twilio Client app: no phone to bridge to.
    status, page, _ = await console.post(f"/console/calls/callbacks/{ticket.id}/dial")
    assert "no phone number for you in VOICE_OPERATORS" in page and fake.calls == []
    status, page, _ = await console.post(f"/console/calls/callbacks/{ticket.id}/attempt",
                                         {"outcome": "no_answer", "minutes": "0.5", "notes": "не взял трубку"})
    assert "Звонок записан в журнал" in page and "не взял трубку" in page
    status, page, _ = await console.post(f"/console/calls/callbacks/{ticket.id}/attempt", {"outcome": "teleported"})
    assert "outcome must be one of" in page
    attempts = await rows(bot, Call, Call.direction == "outbound")
    assert [(a.outcome, a.duration_seconds, a.call_sid) for a in attempts] == [("no_answer", 30, None)]
    # An unanswered call back stays an attempt on the ticket: the journal counts consultations.
    assert [c.outcome for c in await phone_consultations(bot)] == ["voicemail"]
    await console.post(f"/console/calls/callbacks/{ticket.id}/attempt", {"outcome": "reached", "minutes": "3"})
    assert [c.outcome for c in await phone_consultations(bot)] == ["voicemail", "reached"]

    other = ConsoleClient(bot.base_url)
    try:
        await other.login("aigerim", PASSWORD)
        await other.get("/console/calls")
        status, page, _ = await other.post(f"/console/calls/callbacks/{ticket.id}/claim")
        assert "another operator has claimed" in page
    finally:
        await other.close()
    actions = [(a.actor, a.action) for a in await rows(bot, AuditEntry)]
    assert ("daniyar", "callback_logged") in actions


async def test_twilio_refusing_the_call_back_is_shown_and_kept(bot, fake, console):
    ticket = await night_voicemail(bot, fake)
    await console.login("aigerim", PASSWORD)
    await console.get("/console/calls")
    fake.fail_next(1, status=400)
    status, page, _ = await console.post(f"/console/calls/callbacks/{ticket.id}/dial")
    assert "Телефонная линия недоступна" in page
    [attempt] = await rows(bot, Call, Call.direction == "outbound")
    assert attempt.outcome == "failed" and attempt.call_sid is None


async def test_todays_calls_list_every_call_with_its_outcome(bot, fake, console):
    answered = Twilio(bot, fake, call_sid="CA" + "a" * 32)
    menu = await answered.press(await answered.ring(), "2")
    await answered.press(menu, "1")
    await answered.status("completed", CallDuration="61")
    await console.login("aigerim", PASSWORD)
    status, page = await console.get("/console/calls")
    assert "Звонки сегодня" in page and "Сброшен в меню" in page and "1:01" in page and "apply" in page
    assert (await rows(bot, Consultation))[0].channel == "phone"
