"""Calls in the manager's figures: the report counts them as phone consultations, exports mask callers."""
from datetime import date

from reports.indicators import build_report
from reports.journal import export_journal
from tests.voice.conftest import ALMATY, CALLER, MONDAY_NIGHT, Twilio


async def test_calls_are_counted_and_exported_with_the_caller_masked(bot, fake, tmp_path):
    answered = Twilio(bot, fake, call_sid="CA" + "c" * 32)
    dial = (await answered.press(await answered.press(await answered.ring(), "2"), "0")).find("Dial")
    await answered.twiml(dial.get("action"), DialCallStatus="completed", DialCallDuration="60")
    await answered.status("completed", CallDuration="75")
    bot.clock.now = MONDAY_NIGHT
    night = Twilio(bot, fake, call_sid="CA" + "d" * 32, caller="+77019876543")
    closed = await night.press(await night.press(await night.ring(), "1"), "0")
    await night.twiml(closed.find("Record").get("action"), RecordingUrl="https://api.twilio.com/rec/RE9",
                      RecordingDuration="12")
    await night.status("completed", CallDuration="40")

    report = await build_report(bot.db, date(2026, 11, 30), date(2026, 11, 30), ALMATY, now=MONDAY_NIGHT)
    consultations = report.values["consultations"]
    assert consultations["by_channel"]["phone"] == 2
    assert consultations["by_person"] >= 1 and consultations["by_topic"]["phone:operator"] == 2

    path = tmp_path / "calls.csv"
    count = await export_journal(bot.db, start=date(2026, 11, 30), end=date(2026, 11, 30), zone=ALMATY,
                                 by="consultation", fmt="csv", path=path, channel="phone")
    text = path.read_text(encoding="utf-8-sig")
    assert count == 2
    assert CALLER not in text and "+77019876543" not in text
    # Outcomes in words (ru by default), not codes.
    assert "+7701*****67" in text and "Дан ответ" in text and "Оставил голосовое сообщение" in text
    assert ",answered," not in text and "voicemail" not in text
    messages = tmp_path / "messages.csv"
    await export_journal(bot.db, start=date(2026, 11, 30), end=date(2026, 11, 30), zone=ALMATY,
                         by="message", fmt="csv", path=messages, channel="phone")
    assert CALLER not in messages.read_text(encoding="utf-8-sig")
