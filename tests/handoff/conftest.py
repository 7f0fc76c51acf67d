"""Hand-off fixtures: an engine, messenger and hand-off service sharing one controllable clock."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.console.accounts import Accounts
from bot.console.views import ConsoleViews
from handoff.call_centre import default_call_centre
from bot.delivery.deliverer import Deliverer
from bot.delivery.messenger import Messenger
from bot.delivery.window import MessageWindow
from bot.engine import ConversationEngine
from core.messages import Channel, Reply, SendOutcome
from core.regions import programme_regions
from handoff.service import HandoffService
from handlers.turn import Services
from tests.conftest import make_services, translator

ALMATY = ZoneInfo("Asia/Almaty")
PASSWORD = "correct horse battery"


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ALMATY)


class Clock:
    def __init__(self, moment: datetime):
        self.now = moment

    def __call__(self) -> datetime:
        return self.now


class RecordingChannel:
    """A channel adapter that records what would be sent (the transport is faked)."""

    def __init__(self, channel: Channel):
        self.channel = channel
        self.sent: list[Reply] = []

    async def send_once(self, reply: Reply) -> SendOutcome:
        self.sent.append(reply)
        return SendOutcome("sent", channel_message_id=f"{self.channel.value}-{len(self.sent)}")

    def texts_to(self, user_id: str) -> list[str]:
        return [r.outbound.text for r in self.sent if r.address.user_id == user_id]


@dataclass
class HandoffEnv:
    db: object
    clock: Clock
    engine: ConversationEngine
    services: Services
    messenger: Messenger
    handoff: HandoffService
    accounts: Accounts
    channels: dict[Channel, RecordingChannel]
    operators: dict[str, object] = field(default_factory=dict)

    @property
    def views(self) -> ConsoleViews:
        """The console's presentation of what the service returns."""
        return ConsoleViews(self.handoff.call_centre.hours.zone)


def confirm_sla(env: "HandoffEnv") -> None:
    """As once the programme confirms the call centre's SLAs: users are told the deadline."""
    env.services.call_centre = replace(env.services.call_centre, sla_confirmed=True)


@pytest.fixture
async def env(db):
    clock = Clock(at(2026, 12, 3, 11, 0))  # a Thursday, inside working hours
    services = make_services()
    services.call_centre = default_call_centre()
    engine = ConversationEngine(db, services, clock=clock)
    channels = {channel: RecordingChannel(channel) for channel in (Channel.webchat, Channel.whatsapp, Channel.telegram)}
    messenger = Messenger(db, Deliverer(db, channels), MessageWindow(default_language="kk"),
                          default_language="kk", clock=clock)
    handoff = HandoffService(db, messenger, translator(), services.call_centre, default_language="kk", clock=clock,
                             regions=programme_regions(services.programme))
    accounts = Accounts(db, clock=clock)
    env = HandoffEnv(db, clock, engine, services, messenger, handoff, accounts, channels)
    for name, role in (("aida", "operator"), ("bolat", "operator"), ("zhanna", "manager")):
        env.operators[name] = await accounts.add(name, role, PASSWORD)
    return env
