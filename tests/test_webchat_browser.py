"""The chat page in headless Chromium: a session kept in localStorage, nothing sent by itself,
the conversation restored on reload, and every message shown exactly once."""
from sqlalchemy import select

from storage.models import Contact, Message
from tests.conftest import sqlite_url
from tests.support.app import running_bot
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, playwright_api

pytestmark = needs_chromium


async def inbound_texts(app) -> list[str]:
    async with app.db.sessions() as session:
        return list(await session.scalars(select(Message.text).where(Message.direction == "in").order_by(Message.id)))


async def test_reload_restores_the_conversation_and_sends_nothing(tmp_path):
    async with running_bot(sqlite_url(tmp_path), with_faq=True) as app:
        async with playwright_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                context = await browser.new_context(locale="en-US")
                page = await context.new_page()
                page.set_default_timeout(10_000)
                await page.goto(app.base_url + "/")
                # The page's first bubble appears once its session is stored. (wait_for_function
                # polls by evaluating a string in the page, which the page's CSP may refuse.)
                await page.locator(".msg.bot").first.wait_for()
                sender = await page.evaluate("localStorage.getItem('zhasbot-sender-v2')")
                assert await inbound_texts(app) == []  # loading the page said nothing

                await page.fill("#text", "how much is the grant")
                await page.press("#text", "Enter")
                await page.locator(".msg.bot", has_text="tenge").wait_for()

                await page.reload()
                await page.locator(".msg.bot", has_text="tenge").wait_for()
                assert await page.locator(".msg.me", has_text="how much is the grant").count() == 1
                assert await page.locator(".msg.bot", has_text="tenge").count() == 1
                assert await page.evaluate("localStorage.getItem('zhasbot-sender-v2')") == sender
                assert await inbound_texts(app) == ["how much is the grant"]  # no /start on reload

                # A later message (an operator's) arrives by long poll, once.
                async with app.db.unit_of_work() as uow:
                    contact = await uow.contacts.find("webchat", sender)
                await app.messenger.send(contact.id, "Hello, how can I help?", author="operator:aida")
                operator = page.locator(".msg.operator", has_text="Hello, how can I help?")
                await operator.wait_for()
                # shown as a person's message, not the bot's, and without the operator's login
                assert (await operator.inner_text()).startswith("👤 Operator")
                assert "aida" not in await operator.inner_text()
                await page.reload()
                await operator.wait_for()
                await page.wait_for_timeout(300)
                assert await operator.count() == 1
                assert await page.locator(".msg.bot", has_text="Hello, how can I help?").count() == 0
                async with app.db.sessions() as session:
                    contacts = list(await session.scalars(select(Contact).where(Contact.channel == "webchat")))
                assert len(contacts) == 1 and contacts[0].language == "en"  # the page's language
            finally:
                await browser.close()
