"""The whole bot with its phone line on loopback; Twilio's side is played by signed requests
(twilio's RequestValidator) and the fake Twilio REST API."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from fakes.twilio_api import FakeTwilioAPI
from fakes.twilio_sign import signed_post_params
from storage.calls import Call
from storage.models import Consultation, Contact
from storage.tickets import Ticket
from tests.support.app import free_port, running_bot

ALMATY = ZoneInfo("Asia/Almaty")
LINE = "+77270000000"
CALLER = "+77011234567"
MONDAY_MORNING = datetime(2026, 11, 30, 10, 0, tzinfo=ALMATY)
MONDAY_NIGHT = datetime(2026, 11, 30, 22, 0, tzinfo=ALMATY)
INDEPENDENCE_DAY = datetime(2026, 12, 16, 11, 0, tzinfo=ALMATY)  # a Wednesday, a public holiday


class Clock:
    def __init__(self, moment: datetime):
        self.now = moment

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def fake():
    async with FakeTwilioAPI() as api:
        yield api


def voice_settings(fake, port: int, **overrides):
    settings = dict(twilio_account_sid=fake.account_sid, twilio_auth_token=fake.auth_token,
                    twilio_voice_number=LINE, twilio_api_base=fake.base_url,
                    public_base_url=f"http://127.0.0.1:{port}", http_port=port,
                    voice_operators="aigerim=+77015550001, daniyar=client:daniyar",
                    notifications_enabled=False, reminders_enabled=False)
    settings.update(overrides)
    return settings


@pytest.fixture
def line_settings(request):
    """Overrides of the line's settings for one test (parametrize it with indirect=True)."""
    return getattr(request, "param", {})


@pytest.fixture
async def bot(fake, database_url, line_settings):
    port = free_port()
    async with running_bot(database_url, **voice_settings(fake, port, **line_settings)) as app:
        app.public = f"http://127.0.0.1:{port}"
        app.clock = Clock(MONDAY_MORNING)
        app.voice.clock = app.clock
        yield app


class Twilio:
    """What Twilio does on a call: signed webhooks to the line, TwiML read back."""

    def __init__(self, app, fake, call_sid: str = "CA" + "1" * 32, caller: str = CALLER):
        self.app, self.fake, self.sid, self.caller = app, fake, call_sid, caller

    async def post(self, path: str, params: dict[str, str], *, signature: str | None = None) -> tuple[int, str]:
        url = self.app.public + path
        if signature is None:
            signature = signed_post_params(url, params, self.fake.auth_token)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        async with aiohttp.ClientSession() as http:
            async with http.post(self.app.base_url + path, data=params, headers=headers) as response:
                return response.status, await response.text()

    def params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": self.fake.account_sid, "From": self.caller, "To": LINE,
                "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}

    async def twiml(self, url_or_path: str, **extra: str) -> ET.Element:
        path = url_or_path.removeprefix(self.app.public)
        status, body = await self.post(path, self.params(**extra))
        assert status == 200, body
        return ET.fromstring(body)

    async def ring(self) -> ET.Element:
        return await self.twiml("/webhooks/twilio/voice", CallStatus="ringing")

    async def press(self, twiml: ET.Element, digits: str) -> ET.Element:
        gather = twiml.find("Gather")
        assert gather is not None, ET.tostring(twiml, encoding="unicode")
        return await self.twiml(gather.get("action"), Digits=digits, CallStatus="in-progress")

    async def status(self, status: str, **extra: str) -> int:
        code, _ = await self.post("/webhooks/twilio/voice/status", self.params(CallStatus=status, **extra))
        return code


def said(twiml: ET.Element) -> str:
    return " ".join(element.text or "" for element in twiml.iter("Say"))


async def rows(app, model, *conditions):
    async with app.db.sessions() as session:
        return list(await session.scalars(select(model).where(*conditions).order_by(model.id)))


async def the_call(app, sid: str) -> Call:
    return (await rows(app, Call, Call.call_sid == sid))[0]


async def phone_consultations(app) -> list[Consultation]:
    return await rows(app, Consultation, Consultation.channel == "phone")


async def callback_tickets(app) -> list[Ticket]:
    return await rows(app, Ticket, Ticket.kind == "callback")


async def phone_contact(app, number: str = CALLER) -> Contact:
    return (await rows(app, Contact, Contact.channel == "phone", Contact.external_id == number))[0]
