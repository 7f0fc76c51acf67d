"""STOP / START: unsubscribe from reminders and polls, and back, on every channel of the person.

Only reminders and polls stop: answers to the user's own questions and the status of their
own application still come. Listed in the router before every flow but the one whose own
words these are while its question is on screen (the eligibility wizard's "стоп" cancels
the check): never ignored, not even before a language is chosen or with an operator.
"""
from __future__ import annotations

from handlers.routing import Flow
from handlers.turn import Turn

STOP_WORDS = frozenset({"stop", "стоп", "тоқтату", "токтату", "отписаться", "unsubscribe"})
START_WORDS = frozenset({"start", "старт", "бастау"})

flow = Flow("optout")


@flow.keywords(STOP_WORDS)
async def stop(turn: Turn) -> None:
    await _subscribe(turn, False)


@flow.keywords(START_WORDS)
async def start(turn: Turn) -> None:
    await _subscribe(turn, True)


async def _subscribe(turn: Turn, subscribed: bool) -> None:
    opted_out = not subscribed
    for contact in await turn.uow.applications.related_contacts(turn.contact):
        contact.opted_out = opted_out
    turn.contact.opted_out = opted_out
    turn.set_outcome("opted_out" if opted_out else "opted_in")
    turn.say_key("notify.optout.done" if opted_out else "notify.optin.done")
