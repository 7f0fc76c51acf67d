"""End to end in headless Chromium: a Telegram user asks for an operator, an operator logs in,
claims the ticket, sees the message arrive live, replies, and Telegram receives the reply."""

from storage.tickets import Ticket
from tests.conftest import sqlite_url
from fakes.telegram_api import FakeTelegramAPI
from tests.handoff.conftest import PASSWORD
from tests.support.app import running_bot
from tests.support.browser import console_session, needs_chromium

pytestmark = needs_chromium


async def test_operator_claims_and_replies_in_the_browser(tmp_path):
    async with FakeTelegramAPI() as fake, running_bot(
            sqlite_url(tmp_path), telegram_bot_token="123456:TEST-token", telegram_api_server=fake.base_url) as app:
        await app.accounts.add("aida", "operator", PASSWORD)
        fake.push_text(777, "/start", language_code="ru")
        await fake.wait_sent_to(777, 1)
        fake.push_callback(777, "lang:ru")
        await fake.wait_sent_to(777, 4)
        fake.push_text(777, "/operator")
        sent = await fake.wait_sent_to(777, 5)
        assert "T-0001" in sent[-1].text

        async with console_session(app.base_url, "aida", PASSWORD) as page:
            row = page.locator("tr[data-ticket='T-0001']")
            await row.wait_for()
            await row.locator("a").click()
            await page.wait_for_url("**/console/tickets/1")
            # Words, not codes: the channel, the button the user pressed, canned answers' titles.
            facts = await page.locator("dl.facts").inner_text()
            assert "Telegram · русский" in facts and "telegram" not in facts
            assert await page.locator(".msg.in .text", has_text="▸ Русский").count() == 1
            assert "lang:ru" not in await page.locator("#messages").inner_text()
            options = await page.locator("#canned option").all_inner_texts()
            assert "Приветствие (русский)" in options and not any("greeting" in o for o in options)
            await page.click("#claim")
            await page.wait_for_selector("#notice")

            # A new message from the user appears without a reload (the page polls its feed).
            fake.push_text(777, "Сколько длится обучение?")
            await page.locator(".msg.in .text", has_text="Сколько длится обучение?").wait_for()

            # A canned answer fills the box; the operator edits it and sends.
            await page.select_option("#canned", index=1)
            assert "Здравствуйте" in await page.input_value("#reply-text")
            await page.fill("#reply-text", "Обучение длится 3 месяца.")
            await page.click("#send-reply")
            await page.wait_for_selector("#notice.ok")
            await page.locator(".msg.out.operator .text", has_text="Обучение длится 3 месяца.").wait_for()

        sent = await fake.wait_sent_to(777, 6)
        assert sent[-1].text == "Обучение длится 3 месяца."
        async with app.db.sessions() as session:
            ticket = await session.get(Ticket, 1)
        assert ticket.status == "assigned" and ticket.first_reply_at is not None


async def test_operator_logs_last_weeks_call_in_the_browser(tmp_path):
    """The call form as an operator uses it: a date and a time from the pickers, the region
    and the age band from the lists (labels, not codes); the call lands on its own day."""
    from datetime import datetime, timezone

    from sqlalchemy import select

    from storage.models import Consultation

    async with running_bot(sqlite_url(tmp_path)) as app:
        await app.accounts.add("aida", "operator", PASSWORD)
        async with console_session(app.base_url, "aida", PASSWORD) as page:
            await page.goto(app.base_url + "/console/calls")
            form = page.locator("form[action='/console/calls']")
            assert await form.locator("input[name=date]").get_attribute("max")  # no date after today
            await form.locator("input[name=phone]").fill("8 701 555 12 34")
            await form.locator("input[name=date]").fill("2025-10-27")
            await form.locator("input[name=time]").fill("15:40")
            await form.locator("select[name=region]").select_option(label="Мангистауская область")
            await form.locator("select[name=age_band]").select_option(label="17–22 года")
            await form.locator("select[name=topics]").select_option(label=["Какие документы нужны?", "Сроки приёма заявок"])
            await form.locator("input[name=minutes]").fill("3")
            await form.locator("button[type=submit]").click()
            await page.wait_for_url("**/console/calls?logged=*")
            await page.locator(".notice.ok").wait_for()
        async with app.db.sessions() as session:
            [call] = list(await session.scalars(select(Consultation)))
    assert call.opened_at == datetime(2025, 10, 27, 10, 40, tzinfo=timezone.utc)  # 15:40 in Almaty
    assert (call.region, call.age_band, call.duration_seconds) == ("mangystau", "17-22", 180)
    assert sorted(topic.topic for topic in call.topics) == ["deadline", "documents"]
