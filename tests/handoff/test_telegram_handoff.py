"""Hand-off on Telegram: the real aiogram client against the fake Bot API server."""
import asyncio

import pytest
from sqlalchemy import select

from bot.console.views import ConsoleViews
from storage.tickets import Ticket
from tests.conftest import sqlite_url
from fakes.telegram_api import FakeTelegramAPI
from tests.handoff.conftest import PASSWORD
from tests.support.app import running_bot

TOKEN = "123456:TEST-token"


@pytest.fixture
async def fake():
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def bot(fake, tmp_path):
    async with running_bot(sqlite_url(tmp_path), telegram_bot_token=TOKEN, telegram_api_server=fake.base_url) as app:
        app.aida = await app.accounts.add("aida", "operator", PASSWORD)
        yield app


def payloads(sent):
    markup = sent.reply_markup or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


async def start(fake, user, lang="ru") -> int:
    fake.push_text(user, "/start", language_code=lang)
    await fake.wait_sent_to(user, 1)
    fake.push_callback(user, f"lang:{lang}")
    sent = await fake.wait_sent_to(user, 4)
    return len(sent)


async def ticket_rows(app) -> list[Ticket]:
    async with app.db.sessions() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


async def settle(fake, user, count, quiet=0.6):
    """Wait until `count` messages reached `user`, then make sure nothing more arrives."""
    await fake.wait_sent_to(user, count)
    await asyncio.sleep(quiet)
    return fake.sent_to(user)


async def test_operator_command_silence_reply_and_resolve(bot, fake):
    count = await start(fake, 501)
    fake.push_text(501, "/operator")
    sent = await fake.wait_sent_to(501, count + 1)
    assert "T-0001" in sent[-1].text and payloads(sent[-1]) == ["handoff:leave"]
    count += 1
    fake.push_text(501, "Здравствуйте, хочу поговорить с человеком")
    fake.push_text(501, "Алло?")
    await asyncio.sleep(1.0)
    assert len(fake.sent_to(501)) == count  # the bot stays silent
    [ticket] = await ticket_rows(bot)
    outcome = await bot.handoff.reply(ticket.id, bot.aida, "Добрый день! Оператор Аида на связи.")
    assert outcome.status == "sent"
    sent = await fake.wait_sent_to(501, count + 1)
    assert sent[-1].text == "Добрый день! Оператор Аида на связи."
    await bot.handoff.resolve(ticket.id, bot.aida, "answered")
    sent = await fake.wait_sent_to(501, count + 3)  # the resolution, then the CSAT poll (issue 7)
    assert "T-0001" in sent[-2].text and payloads(sent[-2]) == ["handoff:reopen", "menu:main"]
    assert payloads(sent[-1]) == [f"csat:{ticket.consultation_id}:{score}" for score in range(1, 6)]
    count += 3
    fake.push_text(501, "/menu")
    sent = await fake.wait_sent_to(501, count + 1)
    assert "menu:operator" in payloads(sent[-1])  # the bot answers again


async def test_menu_operator_button_and_leave(bot, fake):
    count = await start(fake, 502, "kk")
    fake.push_callback(502, "menu:operator")
    sent = await fake.wait_sent_to(502, count + 1)
    text = sent[-1].text
    assert "T-0001" in text and ("жұмыс уақытында жауап береді" in text or "Олар жұмысқа оралады" in text)
    fake.push_callback(502, "handoff:leave")
    sent = await fake.wait_sent_to(502, count + 3)
    assert "T-0001 өтініші жабылды" in sent[-2].text and "menu:operator" in payloads(sent[-1])
    [ticket] = await ticket_rows(bot)
    assert ticket.status == "withdrawn" and ticket.resolution.startswith("withdrawn")


async def test_anonymous_complaint_on_telegram(bot, fake):
    count = await start(fake, 503, "en")
    fake.push_callback(503, "complaint:start")
    sent = await fake.wait_sent_to(503, count + 1)
    assert payloads(sent[-1]) == ["complaint:complaint", "complaint:suggestion", "menu:main"]
    fake.push_callback(503, "complaint:complaint")
    sent = await fake.wait_sent_to(503, count + 2)
    assert payloads(sent[-1])[:2] == ["complaint:complaint:named", "complaint:complaint:anon"]
    fake.push_callback(503, "complaint:complaint:anon")
    sent = await fake.wait_sent_to(503, count + 3)
    assert "complaint has been registered" in sent[-1].text
    [ticket] = await ticket_rows(bot)
    assert ticket.kind == "complaint" and ticket.anonymous and ticket.channel == "telegram"
    view = ConsoleViews(bot.handoff.call_centre.hours.zone).ticket_page(await bot.handoff.ticket(ticket.id))
    assert view["contact"]["name"] is None
