"""STOP / START: unsubscribe from reminders and polls, and back, on every channel of the person.

Only reminders and polls stop: answers to the user's own questions and the status of their
own application still come. Handled by the router before any flow.
"""
from __future__ import annotations

from handlers.turn import Turn

STOP_WORDS = frozenset({"stop", "стоп", "тоқтату", "токтату", "отписаться", "unsubscribe"})
START_WORDS = frozenset({"start", "старт", "бастау"})


def keyword(turn: Turn) -> str | None:
    """'stop' or 'start' when the whole message is one of the keywords, else None."""
    text = (turn.inbound.text or "").strip().strip(".!").casefold()
    if text in STOP_WORDS:
        return "stop"
    if text in START_WORDS:
        return "start"
    return None


async def handle(turn: Turn, word: str) -> None:
    opted_out = word == "stop"
    for contact in await turn.uow.applications.related_contacts(turn.contact):
        contact.opted_out = opted_out
    turn.contact.opted_out = opted_out
    turn.set_outcome("opted_out" if opted_out else "opted_in")
    turn.say_key("notify.optout.done" if opted_out else "notify.optin.done")
