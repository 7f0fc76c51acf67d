"""STOP / START: reminders and polls stop on every channel of the person; status news does not."""
from datetime import date

from sqlalchemy import select

from core.messages import Channel
from notify.reminders import Reminder, enqueue_occurrence
from storage.models import Contact
from storage.outbox import OutboxMessage
from tests.conftest import translator
from tests.notify.helpers import run_import
from tests.support.conversation import BotClient, started

APPS = [("ZP-0500", "Асқар", "+7 701 500 00 00", "Алматы", "funded", "")]


async def contacts(db):
    async with db.sessions() as session:
        return {(c.channel, c.external_id): c for c in await session.scalars(select(Contact))}


async def test_stop_holds_across_channels_and_start_resumes(engine):
    db = engine.db
    await run_import(db, APPS)
    web = await started(engine, "ru", user_id="web-500")
    await web.send("/status")
    await web.send("ZP-0500")
    await web.send("+77015000000")
    whatsapp = BotClient(engine, channel=Channel.whatsapp, user_id="+77015000000")
    await whatsapp.send("/start", shared_phone="+77015000000")
    await whatsapp.send(payload="lang:kk", shared_phone="+77015000000")
    telegram = await started(engine, "en", channel=Channel.telegram, user_id="9001")

    await whatsapp.send("Тоқтату", shared_phone="+77015000000")
    assert "еске салғыштар мен сауалнамалар енді келмейді" in whatsapp.text
    found = await contacts(db)
    assert found[("whatsapp", "+77015000000")].opted_out and found[("webchat", "web-500")].opted_out
    assert not found[("telegram", "9001")].opted_out  # another person

    reminder = Reminder(id="report-x", kind="report_due", date=date(2026, 12, 15), days_before=[7],
                        at=__import__("datetime").time(11), audience={"statuses": ["funded", "report_due"]})
    assert await enqueue_occurrence(db, translator(), reminder, 7, default_language="kk") == 0
    # Their own application's status still reaches them.
    report = await run_import(db, [APPS[0][:4] + ("report_due", "")])
    assert report.notifications_queued == 1

    await web.send("START")
    assert "снова подписаны" in web.text
    found = await contacts(db)
    assert not found[("whatsapp", "+77015000000")].opted_out and not found[("webchat", "web-500")].opted_out
    assert await enqueue_occurrence(db, translator(), reminder, 7, default_language="kk") == 1
    async with db.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")))
    assert [r.channel for r in rows] == ["webchat"] and "STOP" in rows[0].text


async def test_stop_words(engine):
    for word in ("STOP", "стоп", "токтату", "Отписаться", "unsubscribe."):
        client = await started(engine, "en", user_id=f"w-{word}")
        await client.send(word)
        assert "no more reminders" in client.text, word
    client = await started(engine, "kk", user_id="w-start")
    await client.send("бастау")
    assert "қайта жазылдыңыз" in client.text
    await client.send("stop the bot from what?")  # not a keyword on its own: normal handling
    assert "no more reminders" not in client.text
