"""A conversation test client: send text, press buttons, read replies (errbot's testbot idea)."""
from __future__ import annotations

import itertools
import os
import uuid

from bot.delivery.journal import record_results
from bot.engine import ConversationEngine
from core.messages import Channel, ContentType, Inbound, Reply, SendResult

_event_ids = itertools.count(1)


class BotClient:
    def __init__(self, engine: ConversationEngine, *, channel: Channel = Channel.webchat,
                 user_id: str = "tester", language_hint: str | None = None):
        self.engine = engine
        self.channel = channel
        self.user_id = user_id
        self.language_hint = language_hint
        self.last: list[Reply] = []

    async def send(self, text: str = "", *, content_type: ContentType | None = None,
                   payload: str | None = None, event_id: str | None = None,
                   shared_phone: str | None = None) -> list[Reply]:
        if content_type is None:
            content_type = ContentType.command if text.startswith("/") else ContentType.text
            if payload:
                content_type = ContentType.button
        inbound = Inbound(channel=self.channel, user_id=self.user_id, text=text,
                          content_type=content_type, payload=payload, language_hint=self.language_hint,
                          event_id=event_id or f"t{next(_event_ids)}", shared_phone=shared_phone)
        self.last = await self.engine.handle(inbound)
        await record_results(self.engine.db, [SendResult(r.message_id, None, "delivered") for r in self.last])
        return self.last

    async def press(self, title_or_payload: str) -> list[Reply]:
        """Press a button of the last reply by its title (or give a payload directly)."""
        for reply in reversed(self.last):
            for button in reply.outbound.buttons:
                if title_or_payload in (button.title, button.payload):
                    return await self.send(payload=button.payload)
        raise AssertionError(f"no button {title_or_payload!r} in {self.buttons}")

    @property
    def texts(self) -> list[str]:
        return [reply.outbound.text for reply in self.last]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> list[str]:
        return [b.payload for reply in self.last for b in reply.outbound.buttons]

    async def start(self, language: str = "ru") -> None:
        await self.send("/start")
        await self.press(f"lang:{language}")


# --- what every conversation test starts with ------------------------------------------
_users = itertools.count(1)


def new_user(channel: Channel = Channel.webchat) -> str:
    """A user id no other test uses, shaped like the channel's own ids."""
    n = next(_users)
    if channel == Channel.whatsapp:
        return f"+7709{os.getpid() % 1000:03d}{n:04d}"
    if channel == Channel.telegram:
        return str(7_000_000_000 + os.getpid() * 10_000 + n)
    return f"user-{os.getpid()}-{n}-{uuid.uuid4().hex[:6]}"


async def started(engine: ConversationEngine, lang: str = "ru", *, channel: Channel = Channel.webchat,
                  user_id: str | None = None) -> BotClient:
    """A user who opened the chat and chose a language: the main menu is the last reply."""
    client = BotClient(engine, channel=channel, user_id=user_id or new_user(channel))
    await client.start(lang)
    return client


async def contact_of(db, user_id: str, channel: Channel | str | None = None):
    """The user's contact row (storage.models.Contact), or None."""
    from sqlalchemy import select

    from storage.models import Contact

    query = select(Contact).where(Contact.external_id == user_id)
    if channel is not None:
        query = query.where(Contact.channel == Channel(channel).value)
    async with db.sessions() as session:
        return await session.scalar(query)


async def last_consultation(db, user_id: str, channel: Channel | str | None = None):
    """The user's latest consultation row (storage.models.Consultation), or None."""
    from sqlalchemy import select

    from storage.models import Consultation

    contact = await contact_of(db, user_id, channel)
    if contact is None:
        return None
    async with db.sessions() as session:
        return await session.scalar(select(Consultation).where(Consultation.contact_id == contact.id)
                                    .order_by(Consultation.id.desc()))
