"""A running bot with every channel on (fake Telegram and Twilio on loopback), a manager
logged into the console and an API token: what the security tests attack."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from fakes.telegram_api import FakeTelegramAPI
from fakes.twilio_api import FakeTwilioAPI
from tests.handoff.console_client import ConsoleClient
from tests.support.app import running_bot

TOKEN = "123456:TEST-token"
WEBHOOK_SECRET = "webhook-secret-1"
MANAGER, PASSWORD = "aigerim", "correct horse battery"


@dataclass
class Target:
    app: object
    console: ConsoleClient
    api_token: str
    twilio: FakeTwilioAPI
    telegram: FakeTelegramAPI
    sender: str = ""  # a signed web chat sender, set by tests that need one


@pytest.fixture
async def target(database_url):
    async with FakeTwilioAPI() as twilio, FakeTelegramAPI() as telegram:
        async with running_bot(database_url, public_base_url="https://bot.example.org",
                               twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
                               twilio_whatsapp_from="+14155238886", twilio_api_base=twilio.base_url,
                               telegram_bot_token=TOKEN, telegram_api_server=telegram.base_url,
                               telegram_mode="webhook", telegram_webhook_secret=WEBHOOK_SECRET,
                               notifications_enabled=False, cookie_secure=False,
                               # Hostile messages must reach the engine, not the politeness limit.
                               webchat_messages_per_sender="100000/minute", webchat_messages_per_ip="100000/minute",
                               webchat_sessions_per_ip="1000/hour") as app:
            await app.accounts.add(MANAGER, "manager", PASSWORD)
            token = await app.accounts.issue_token(MANAGER)
            console = ConsoleClient(app.base_url)
            status, _ = await console.login(MANAGER, PASSWORD)
            assert status == 200
            try:
                yield Target(app, console, token, twilio, telegram)
            finally:
                await console.close()


async def new_sender(http, base_url: str) -> str:
    """A signed web chat sender id (POST /webhooks/rest/session), as the page gets one."""
    async with http.post(base_url + "/webhooks/rest/session") as response:
        assert response.status == 200, await response.text()
        return (await response.json())["sender"]
