"""Feedback fixtures: the hand-off environment (one clock) plus the CSAT/survey service."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.messages import Channel
from feedback.service import Feedback
from feedback.surveys import parse_surveys
from storage.feedback import CsatRequest, SurveyAnswer, SurveyResponse
from storage.outbox import OutboxMessage
from tests.conftest import translator
from tests.handoff.conftest import ALMATY, env  # noqa: F401 — the fixture, re-used
from tests.support.conversation import BotClient

EASE = {"asks": {"kk": "оңай", "ru": "легко", "en": "easy"},
        **{score: {"kk": f"{score} — оңай", "ru": f"{score} — легко", "en": f"{score} — easy"} for score in range(1, 6)}}
SURVEYS = {"scales": {"ease": EASE}, "surveys": [{
    "id": "s1", "title": {"kk": "Сауалнама", "ru": "Опрос", "en": "Survey"},
    "intro": {"kk": "Кіріспе", "ru": "Вступление", "en": "Intro"},
    "audience": {"statuses": ["winner"], "eligibility_checked": True},
    "questions": [
        {"id": "ease", "type": "scale", "scale": "ease", "tags": ["contest"],
         "text": {"kk": "Оңай ма?", "ru": "Легко?", "en": "Easy?"}},
        {"id": "src", "type": "choice", "text": {"kk": "Қайдан?", "ru": "Откуда?", "en": "Where from?"},
         "choices": [{"id": "insta", "text": "Instagram"}, {"id": "friends", "text": {"kk": "Достар", "ru": "Друзья", "en": "Friends"}}]},
        {"id": "idea", "type": "text", "text": {"kk": "Ұсыныс?", "ru": "Предложения?", "en": "Ideas?"}},
    ]}]}


@pytest.fixture
def feedback(env):  # noqa: F811
    # The handlers read the same catalogue the service sends from (as ZhasBot.build wires it).
    env.services.surveys = parse_surveys(SURVEYS, ALMATY)
    return Feedback(env.db, translator(), surveys=env.services.surveys, default_language="kk",
                    idle_minutes=30, clock=env.clock, templates={})


def client(env, user_id: str, channel: Channel = Channel.webchat) -> BotClient:  # noqa: F811
    return BotClient(env.engine, channel=channel, user_id=user_id)


def later(env, **delta) -> None:  # noqa: F811
    env.clock.now = env.clock.now + timedelta(**delta)


async def rows(db, model, *where):
    async with db.sessions() as session:
        return list(await session.scalars(select(model).where(*where).order_by(*model.__table__.primary_key.columns)))


async def deliver_outbox(env) -> None:
    """One pass of the outbox sender over every channel: queued polls reach the user (and
    only then are their buttons what a typed number presses)."""
    import asyncio

    from bot.delivery.sender import OutboxSender

    sender = OutboxSender(env.db, env.channels, clock=env.clock)
    for channel in env.channels:
        await sender._pass(channel)
    await asyncio.gather(*sender._tasks)


async def outbox(db, kind=None):
    return await rows(db, OutboxMessage, *( [OutboxMessage.kind == kind] if kind else []))


__all__ = ["CsatRequest", "SurveyAnswer", "SurveyResponse", "client", "deliver_outbox", "later", "rows", "outbox",
           "env"]
