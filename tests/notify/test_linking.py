"""Linking an application from the bot on every channel, then seeing its status."""
import pytest
from sqlalchemy import select

from core.messages import Channel, ContentType
from storage.applications import ApplicationLink
from storage.models import Contact
from tests.conftest import sqlite_url
from fakes.telegram_api import FakeTelegramAPI
from tests.notify.helpers import run_import
from tests.support.app import running_bot
from tests.support.conversation import BotClient, started

APPS = [("ZP-0042", "Асқар", "8 701 123 45 67", "Алматы", "tech_rejected", "registration"),
        ("ZP-0043", "Мария", "+7 702 765 43 21", "Алматы", "winner", "")]


async def links(db):
    async with db.sessions() as session:
        rows = await session.execute(select(ApplicationLink.application_id, Contact.channel, Contact.external_id)
                                     .join(Contact, Contact.id == ApplicationLink.contact_id))
        return [tuple(row) for row in rows]


async def test_web_chat_links_with_a_typed_phone(engine):
    await run_import(engine.db, APPS)
    client = await started(engine, "ru", user_id="web-1")
    await client.press("menu:status")
    assert "номер вашей заявки" in client.text
    await client.send("№ zp-0042")
    assert "напишите номер телефона" in client.text
    await client.send("+7 701 000 00 00")  # not the application's phone
    assert "Не нашёл заявку" in client.text and not await links(engine.db)
    await client.send("ZP-0042")
    await client.send("8 (701) 123-45-67")
    assert "Заявка № ZP-0042 привязана" in client.texts[0]
    assert "Не прошла технический отбор" in client.texts[1]
    assert "нет регистрации (прописки)" in client.texts[1]  # the reason in plain words
    assert [(c, e) for _, c, e in await links(engine.db)] == [("webchat", "web-1")]
    # Later, at any time: the status, in the user's language.
    await client.send("/status")
    assert client.texts[0].startswith("📄 Заявка № ZP-0042: Не прошла технический отбор")
    assert "status:link" in client.buttons


async def test_a_number_typed_without_its_hyphen_is_found(engine):
    await run_import(engine.db, APPS)
    client = await started(engine, "kk", user_id="web-2")
    await client.press("menu:status")
    await client.send("zp0043")  # as people type it on a phone
    await client.send("87027654321")
    assert "№ ZP-0043 өтінім байланыстырылды" in client.texts[0]


async def test_whatsapp_uses_the_senders_number(engine):
    await run_import(engine.db, APPS)
    client = BotClient(engine, channel=Channel.whatsapp, user_id="+77027654321")

    async def say(text="", **kw):
        return await client.send(text, shared_phone="+77027654321", **kw)

    await say("/start")
    await client.send(payload="lang:kk", shared_phone="+77027654321")
    await say("/status")
    await say("ZP-0043")  # no phone question: WhatsApp vouches for the sender's number
    assert "№ ZP-0043 өтінім байланыстырылды" in client.texts[0]
    assert "Жеңімпаз" in client.texts[1] and "ezsigner.kz" in client.texts[1]
    await say("/status")
    await say(payload="status:link")
    await say("ZP-0042")  # registered to another phone
    assert "WhatsApp нөміріңізге мұндай өтінім табылмады" in client.text
    assert len(await links(engine.db)) == 1


async def test_too_many_wrong_attempts_stop_the_flow(engine):
    await run_import(engine.db, APPS)
    client = await started(engine, "en", user_id="web-2")
    await client.send("/status")
    for _ in range(3):
        await client.send("ZP-0042")
        await client.send("+7 701 999 99 99")
    assert "could not find the application" in client.text
    await client.send("ZP-0042")  # the flow has ended: this is free text again
    assert "could not find the application" not in client.text


async def test_rotating_senders_cannot_guess_past_the_per_number_and_per_phone_limits(engine):
    """5 failed tries per application number (and per phone) across all senders, then refused
    even with the right phone — from a fresh sender on another channel too."""
    await run_import(engine.db, APPS)
    for attempt in range(5):
        guesser = BotClient(engine, user_id=f"guesser-{attempt}")
        await guesser.start("en")
        await guesser.send("/status")
        await guesser.send("ZP-0042")
        await guesser.send(f"+7 701 000 00 0{attempt}")
    assert "could not find the application" in guesser.text  # the number's fifth failure
    owner = BotClient(engine, user_id="owner")
    await owner.start("en")
    await owner.send("/status")
    await owner.send("ZP-0042")
    await owner.send("8 701 123 45 67")  # right, but the number is locked for the window
    assert "could not find the application" in owner.text and not await links(engine.db)
    # Another number is not affected …
    await owner.send("/status")
    await owner.send("ZP-0043")
    await owner.send("+7 702 765 43 21")
    assert "ZP-0043" in owner.texts[0] and len(await links(engine.db)) == 1
    # … but one phone tried against many numbers is.
    for attempt in range(5):
        prober = BotClient(engine, user_id=f"prober-{attempt}")
        await prober.start("en")
        await prober.send("/status")
        await prober.send(f"ZP-09{attempt}")
        await prober.send("+7 705 555 55 55")
    last = BotClient(engine, user_id="prober-last")
    await last.start("en")
    await last.send("/status")
    await last.send("ZP-0999")
    await last.send("+7 705 555 55 55")
    assert "could not find the application" in last.text


@pytest.fixture
async def fake():
    async with FakeTelegramAPI() as api:
        yield api


async def test_telegram_asks_for_the_shared_contact(fake, tmp_path):
    async with running_bot(sqlite_url(tmp_path), telegram_bot_token="123456:TEST",
                           telegram_api_server=fake.base_url, reminders_enabled=False) as app:
        await run_import(app.db, APPS)
        fake.push_text(501, "/start", language_code="ru")
        await fake.wait_sent_to(501, 1)
        fake.push_callback(501, "lang:ru")
        await fake.wait_sent_to(501, 4)
        fake.push_callback(501, "menu:status")
        await fake.wait_sent_to(501, 5)
        fake.push_text(501, "ZP-0042")
        asked = (await fake.wait_sent_to(501, 6))[-1]
        keyboard = asked.reply_markup["keyboard"]
        assert keyboard[0][0]["request_contact"] is True and "Поделиться номером" in keyboard[0][0]["text"]
        fake.push_text(501, "+7 701 123 45 67")  # typed: not proof of the phone on Telegram
        again = (await fake.wait_sent_to(501, 7))[-1]
        assert again.reply_markup["keyboard"][0][0]["request_contact"] is True
        fake.push_contact(501, "77011234567")
        sent = await fake.wait_sent_to(501, 9)
        assert "Заявка № ZP-0042 привязана" in sent[7].text
        assert "Не прошла технический отбор" in sent[8].text
        assert [(c, e) for _, c, e in await links(app.db)] == [("telegram", "501")]
        async with app.db.sessions() as session:
            contact = await session.scalar(select(Contact).where(Contact.external_id == "501"))
        assert contact.phone == "+77011234567"


async def test_a_number_without_separators_that_fits_two_applications_finds_neither(engine):
    await run_import(engine.db, [("ZP-01-2", "А", "+7 701 111 11 11", "Алматы", "winner", ""),
                                 ("ZP-0-12", "Б", "+7 701 222 22 22", "Алматы", "winner", "")])
    async with engine.db.unit_of_work() as uow:
        assert (await uow.applications.get_by_number("zp-01-2")).number == "ZP-01-2"  # exact wins
        assert await uow.applications.get_by_number("zp012") is None  # ambiguous: never a guess


@pytest.mark.parametrize("lang, typed", [("kk", "номерым жок"), ("kk", "нөмірімді ұмыттым"), ("ru", "а у меня нет номера"),
                                         ("ru", "забыла номер"), ("en", "i don't have it"), ("en", "lost my number")])
async def test_no_number_at_hand_gets_who_can_help_and_the_number_still_works(engine, lang, typed):
    """"Номерым жоқ" is not a side question to answer with the contacts page and the same
    question again: the operator is offered, and a number found later is still taken."""
    from tests.conftest import translator

    await run_import(engine.db, APPS)
    client = await started(engine, lang, user_id=f"web-no-number-{lang}-{len(typed)}")
    await client.press("menu:status")
    await client.send(typed)
    assert client.texts == [translator().t(lang, "status.no_number")]
    assert client.buttons == ["menu:operator", "menu:main"]
    await client.send("ZP-0042")
    assert translator().t(lang, "status.ask_phone_typed") in client.text


async def test_a_number_with_a_doubt_is_still_a_number(engine):
    await run_import(engine.db, APPS)
    client = await started(engine, "ru", user_id="web-doubt")
    await client.press("menu:status")
    await client.send("ZP-0042 вроде, не помню точно")
    assert "напишите номер телефона" in client.text
