"""Inbound calls walked through the TwiML: language, menu, hours, operators, voicemail, journal."""
import asyncio
from datetime import date

import pytest

from core.programme import load_programme
from faq.content import render_answer
from faq.season import answer_facts
from handoff.call_centre import default_call_centre
from tests.conftest import translator
from fakes.twilio_sign import signed_post_params
from storage.applications import Application
from storage.calls import Call
from storage.tickets import Ticket
from tests.voice.conftest import (CALLER, INDEPENDENCE_DAY, LINE, MONDAY_MORNING, MONDAY_NIGHT, Twilio, callback_tickets,
                                  phone_consultations, phone_contact, rows, said, the_call)
from voice.prompts import speakable


async def test_unsigned_or_forged_webhooks_are_refused_and_nothing_is_stored(bot, fake):
    call = Twilio(bot, fake)
    params = call.params(CallStatus="ringing")
    assert (await call.post("/webhooks/twilio/voice", params, signature=""))[0] == 403
    assert (await call.post("/webhooks/twilio/voice", params, signature="Zm9yZ2Vk"))[0] == 403
    forged = signed_post_params(bot.public + "/webhooks/twilio/voice", params, "another-token")
    assert (await call.post("/webhooks/twilio/voice", params, signature=forged))[0] == 403
    good = signed_post_params(bot.public + "/webhooks/twilio/voice", params, fake.auth_token)
    assert (await call.post("/webhooks/twilio/voice", dict(params, From="+77000000000"), signature=good))[0] == 403
    assert (await call.post("/webhooks/twilio/voice/status", call.params(CallStatus="completed"), signature="x"))[0] == 403
    assert await rows(bot, Call) == []


async def test_language_choice_then_information_read_from_the_faq_with_season_facts(bot, fake):
    call = Twilio(bot, fake)
    greeting = await call.ring()
    gather = greeting.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf"
    assert gather.get("action") == bot.public + "/webhooks/twilio/voice/language?attempt=0"
    text = said(greeting)
    # No Kazakh recordings in this deployment: the Kazakh prompts are spoken in Russian, never skipped.
    assert "Для казахского языка нажмите 1" in text
    assert "Для русского языка нажмите 2" in text and "For English, press 3" in text
    voices = {say.get("language"): say.get("voice") for say in greeting.iter("Say")}
    assert voices == {"ru-RU": "Polly.Tatyana", "en-US": "Polly.Joanna"}

    menu = await call.press(greeting, "2")
    assert "Как подать заявку и сроки — нажмите 1" in said(menu)
    assert "Связаться с оператором — нажмите 0" in said(menu)
    info = await call.press(menu, "1")
    # As the bot answers at that moment (season sentences and the call centre's hours).
    facts = answer_facts(load_programme(), MONDAY_MORNING, default_call_centre(), translator())
    expected = speakable(render_answer("how_to_apply", "ru", facts))
    assert expected in said(info)
    assert "22 октября 2026" in said(info)  # the deadline, from config/programme.yaml
    assert info.find("Gather") is not None  # and the menu again
    contact = await phone_contact(bot)
    assert contact.language == "ru"
    assert (await the_call(bot, call.sid)).menu_path == ["lang:ru", "apply"]


async def test_no_key_repeats_then_goes_on_in_the_default_language(bot, fake):
    call = Twilio(bot, fake)
    twiml = await call.ring()
    twiml = await call.press(twiml, "")
    assert "Для казахского языка" in said(twiml) and twiml.find("Gather").get("action").endswith("attempt=1")
    twiml = await call.press(twiml, "9")
    twiml = await call.press(twiml, "")  # still nothing after the repeats: the default language
    assert (await the_call(bot, call.sid)).language == "kk"
    # Kazakh menu, no recordings: heard in Russian.
    assert "Статус вашей заявки — нажмите 2" in said(twiml)


async def test_kazakh_recordings_are_played_and_served(bot, fake, tmp_path):
    folder = tmp_path / "prompts"
    folder.mkdir()
    (folder / "menu.intro.mp3").write_bytes(b"ID3fake-mp3")
    bot.voice.prompts.recordings = folder
    call = Twilio(bot, fake)
    menu = await call.press(await call.ring(), "1")
    plays = [element.text for element in menu.iter("Play")]
    assert plays == [bot.public + "/webhooks/twilio/voice/audio/menu.intro.mp3"]
    # The other Kazakh prompts have no recording: spoken in Russian instead.
    assert "Как подать заявку и сроки" in said(menu)
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(bot.base_url + "/webhooks/twilio/voice/audio/menu.intro.mp3") as response:
            assert response.status == 200 and await response.read() == b"ID3fake-mp3"
        async with http.get(bot.base_url + "/webhooks/twilio/voice/audio/..%2Fzhasbot.db") as response:
            assert response.status == 404


async def test_in_working_hours_the_operators_on_duty_are_rung_and_the_call_is_journaled(bot, fake):
    call = Twilio(bot, fake)
    menu = await call.press(await call.ring(), "2")
    dial_twiml = await call.press(menu, "0")
    assert "Соединяем с оператором" in said(dial_twiml)
    dial = dial_twiml.find("Dial")
    assert dial.get("timeout") == "20" and dial.get("callerId") == CALLER
    assert dial.get("action") == bot.public + "/webhooks/twilio/voice/dial?attempt=0"
    assert [n.text for n in dial.findall("Number")] == ["+77015550001"]
    client = dial.find("Client")
    assert client.find("Identity").text == "daniyar"
    assert {p.get("name"): p.get("value") for p in client.findall("Parameter")} == {"language": "ru", "caller": CALLER}
    whisper_url = dial.find("Number").get("url")
    assert "parent=" + call.sid in whisper_url and "lang=ru" in whisper_url

    # Aigerim picks up: Twilio fetches the whisper for her leg, then bridges.
    operator_leg = Twilio(bot, fake, call_sid="CA" + "2" * 32)
    whisper = await operator_leg.twiml(whisper_url, To="+77015550001", From=CALLER)
    assert "Язык: русский" in said(whisper)
    assert await call.status("in-progress") == 204
    after = await call.twiml(dial.get("action"), DialCallStatus="completed", DialCallDuration="80",
                             DialCallSid=operator_leg.sid)
    assert after.find("Hangup") is not None
    assert await phone_consultations(bot) == []  # not over yet
    assert await call.status("completed", CallDuration="95") == 204

    stored = await the_call(bot, call.sid)
    assert (stored.outcome, stored.answered_by, stored.duration_seconds, stored.talk_seconds) == \
        ("answered", "aigerim", 95, 80)
    [consultation] = await phone_consultations(bot)
    assert consultation.outcome == "answered" and consultation.language == "ru"
    assert consultation.duration_seconds == 95 and consultation.human_involved
    assert consultation.topic_ids == ["phone:operator"]
    assert "answered by: aigerim" in consultation.notes and CALLER not in consultation.notes
    assert await callback_tickets(bot) == []


@pytest.mark.parametrize("moment", [MONDAY_NIGHT, INDEPENDENCE_DAY], ids=["night", "holiday"])
async def test_outside_hours_voicemail_opens_a_callback_ticket_confirmed_by_sms(bot, fake, moment):
    bot.clock.now = moment
    call = Twilio(bot, fake)
    menu = await call.press(await call.ring(), "2")
    closed = await call.press(menu, "0")
    assert closed.find("Dial") is None
    assert "Сейчас колл-центр не работает. Мы работаем по рабочим дням (понедельник–пятница) с 9:00 до 18:00" in said(closed)
    assert "вы соглашаетесь, что запись сохранят только для ответа" in said(closed)  # consent before recording
    record = closed.find("Record")
    assert record.get("action") == bot.public + "/webhooks/twilio/voice/voicemail"
    assert record.get("maxLength") == "120" and record.get("finishOnKey") == "#"
    assert record.get("transcribe") is None  # Twilio transcribes English only

    thanks = await call.twiml(record.get("action"), RecordingUrl="https://api.twilio.com/rec/RE1",
                              RecordingSid="RE" + "1" * 32, RecordingDuration="42", Digits="#")
    [ticket] = await callback_tickets(bot)
    assert ticket.status == "open" and ticket.channel == "phone" and ticket.language == "ru"
    assert f"Номер заявки: {ticket.number}." in said(thanks) and thanks.find("Hangup") is not None
    [sms] = await fake.wait_for_sent(1)
    assert sms.to == CALLER and sms.from_ == LINE and ticket.number in sms.body
    assert await call.status("completed", CallDuration="70") == 204
    stored = await the_call(bot, call.sid)
    assert stored.outcome == "voicemail" and stored.ticket_id == ticket.id and not stored.in_hours
    assert stored.recording_url == "https://api.twilio.com/rec/RE1" and stored.recording_seconds == 42
    [consultation] = await phone_consultations(bot)
    assert consultation.outcome == "voicemail" and not consultation.human_involved
    assert (await rows(bot, Ticket, Ticket.id == ticket.id))[0].consultation_id == consultation.id


async def test_nobody_answers_voicemail_offered_and_a_missed_call_opens_a_ticket(bot, fake):
    call = Twilio(bot, fake)
    dial = (await call.press(await call.press(await call.ring(), "3"), "0")).find("Dial")
    busy = await call.twiml(dial.get("action"), DialCallStatus="no-answer")
    assert "all operators are busy" in said(busy) and busy.find("Record") is not None
    # The caller hangs up without a message: a missed call in working hours.
    assert await call.status("completed", CallDuration="40") == 204
    stored = await the_call(bot, call.sid)
    assert stored.outcome == "missed" and stored.in_hours
    [ticket] = await callback_tickets(bot)
    assert stored.ticket_id == ticket.id and ticket.language == "en"
    [sms] = await fake.wait_for_sent(1)
    assert "callback request " + ticket.number in sms.body
    # A late voicemail action (Twilio posts it even after a hang-up) moves missed → voicemail, same ticket.
    await call.twiml("/webhooks/twilio/voice/voicemail", RecordingUrl="https://api.twilio.com/rec/RE2",
                     RecordingDuration="5")
    assert (await the_call(bot, call.sid)).outcome == "voicemail"
    assert len(await callback_tickets(bot)) == 1
    [consultation] = await phone_consultations(bot)
    assert consultation.outcome == "voicemail"
    await asyncio.sleep(0.05)
    assert len(fake.sent) == 1  # one confirmation per ticket


async def test_a_second_missed_call_joins_the_open_callback_ticket(bot, fake):
    for sid in ("CA" + "3" * 32, "CA" + "4" * 32):
        call = Twilio(bot, fake, call_sid=sid)
        dial = (await call.press(await call.press(await call.ring(), "2"), "0")).find("Dial")
        await call.twiml(dial.get("action"), DialCallStatus="busy")
        await call.status("completed", CallDuration="30")
    [ticket] = await callback_tickets(bot)
    assert [c.ticket_id for c in await rows(bot, Call)] == [ticket.id, ticket.id]
    assert len(await phone_consultations(bot)) == 2


@pytest.mark.parametrize("line_settings", [{"voice_dial_mode": "sequential"}], indirect=True)
async def test_sequential_ringing_tries_each_operator_in_turn(bot, fake):
    call = Twilio(bot, fake)
    first = (await call.press(await call.press(await call.ring(), "2"), "0")).find("Dial")
    assert [n.text for n in first.findall("Number")] == ["+77015550001"] and first.find("Client") is None
    second = (await call.twiml(first.get("action"), DialCallStatus="no-answer")).find("Dial")
    assert second.find("Number") is None and second.find("Client/Identity").text == "daniyar"
    assert second.get("action").endswith("attempt=1")
    last = await call.twiml(second.get("action"), DialCallStatus="no-answer")
    assert last.find("Dial") is None and last.find("Record") is not None


@pytest.mark.parametrize("line_settings", [{"voice_recording": False}], indirect=True)
async def test_recording_off_means_no_record_verb(bot, fake):
    bot.clock.now = MONDAY_NIGHT
    call = Twilio(bot, fake)
    closed = await call.press(await call.press(await call.ring(), "2"), "0")
    assert closed.find("Record") is None and closed.find("Hangup") is not None
    await call.status("completed", CallDuration="20")
    assert (await the_call(bot, call.sid)).outcome == "missed"
    assert len(await callback_tickets(bot)) == 1


async def test_status_callbacks_duplicated_or_out_of_order_never_move_a_call_back(bot, fake):
    call = Twilio(bot, fake)
    await call.press(await call.ring(), "2")
    assert await call.status("completed", CallDuration="33") == 204
    assert await call.status("in-progress") == 204  # late: ignored
    assert await call.status("ringing") == 204
    assert await call.status("completed", CallDuration="99") == 204  # duplicate: ignored
    assert await call.status("no-answer") == 204  # another end state: ignored
    stored = await the_call(bot, call.sid)
    assert (stored.status, stored.duration_seconds, stored.outcome) == ("completed", 33, "abandoned")
    [consultation] = await phone_consultations(bot)
    assert consultation.duration_seconds == 33
    assert await callback_tickets(bot) == []  # abandoned in the menu: nobody asked for a person
    code, _ = await call.post("/webhooks/twilio/voice/status", call.params(CallStatus="exploded"))
    assert code == 400


async def test_a_callback_for_an_unknown_call_is_recorded_not_lost(bot, fake):
    call = Twilio(bot, fake, call_sid="CA" + "9" * 32)
    assert await call.status("ringing") == 204
    assert await call.status("completed", CallDuration="3") == 204
    assert (await the_call(bot, call.sid)).outcome == "abandoned"


async def test_application_status_is_read_for_the_callers_number(bot, fake):
    async with bot.db.unit_of_work() as uow:
        uow.applications.add(Application(number="ZP-2026-0012", name="Айгерим", phone=CALLER,
                                         region="mangystau", status="received"))
    call = Twilio(bot, fake)
    menu = await call.press(await call.ring(), "2")
    status = await call.press(menu, "2")
    assert "Заявка № ZP-2026-0012: Принята" in said(status)
    assert "Мы получили вашу заявку" in said(status)
    stranger = Twilio(bot, fake, call_sid="CA" + "5" * 32, caller="+77019998877")
    none = await stranger.press(await stranger.press(await stranger.ring(), "2"), "2")
    assert "Заявок на номер, с которого вы звоните, не найдено" in said(none)
    assert "ZP-2026-0012" not in said(none)


async def test_english_voicemail_is_transcribed_onto_the_ticket(bot, fake):
    bot.clock.now = MONDAY_NIGHT
    call = Twilio(bot, fake)
    closed = await call.press(await call.press(await call.ring(), "3"), "0")
    record = closed.find("Record")
    assert record.get("transcribe") == "true"
    assert record.get("transcribeCallback") == bot.public + "/webhooks/twilio/voice/transcription"
    await call.twiml(record.get("action"), RecordingUrl="https://api.twilio.com/rec/RE3", RecordingDuration="9")
    await call.status("completed", CallDuration="30")
    code, _ = await call.post("/webhooks/twilio/voice/transcription", call.params(
        TranscriptionText="Hi, I want to know the deadline", TranscriptionStatus="completed",
        RecordingUrl="https://api.twilio.com/rec/RE3"))
    assert code == 204
    assert (await the_call(bot, call.sid)).transcription == "Hi, I want to know the deadline"
    [consultation] = await phone_consultations(bot)
    assert "transcription: Hi, I want to know the deadline" in consultation.notes


async def test_the_run_banner_says_the_line_is_on(bot):
    line = next(text for text in bot.describe() if text.startswith("phone:"))
    assert line.startswith(f"phone:     on  — {LINE}") and "2 operator(s), simultaneous" in line


@pytest.mark.parametrize("line_settings", [{"voice_confirmation": "whatsapp",
                                            "twilio_whatsapp_from": "+14155238886"}], indirect=True)
async def test_confirmation_by_whatsapp_goes_as_the_template_through_the_messenger(bot, fake):
    # Outside the 24-hour window: only the approved template may go (config/whatsapp_templates.yaml).
    bot.messenger.window.templates = {"callback_confirmation": {"ru": "HX" + "a" * 32}}
    bot.clock.now = MONDAY_NIGHT
    call = Twilio(bot, fake)
    closed = await call.press(await call.press(await call.ring(), "2"), "0")
    await call.twiml(closed.find("Record").get("action"), RecordingUrl="https://api.twilio.com/rec/RE5",
                     RecordingDuration="8")
    [sent] = await fake.wait_for_sent(1)
    [ticket] = await callback_tickets(bot)
    assert sent.to == f"whatsapp:{CALLER}" and sent.content_sid == "HX" + "a" * 32
    assert ticket.number in sent.content_variables


async def test_an_operator_switched_off_in_the_console_is_not_rung(bot, fake):
    from storage.tickets import Operators

    await bot.accounts.add("daniyar", "operator", "correct horse battery")
    async with bot.db.unit_of_work() as uow:
        (await Operators(uow.session).by_name("daniyar")).active = False
    call = Twilio(bot, fake)
    dial = (await call.press(await call.press(await call.ring(), "2"), "0")).find("Dial")
    assert [n.text for n in dial.findall("Number")] == ["+77015550001"] and dial.find("Client") is None
