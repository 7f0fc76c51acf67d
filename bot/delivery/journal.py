"""The outbound journal row, and the buttons the user was offered last.

Every message the bot sends — a reply, an operator's answer, a notification, a poll — is
journaled here before it is sent, with its buttons, and the same write remembers those
buttons on the contact (`state["buttons"]`). A typed "1" or a button's title then presses
what the user actually saw last, whichever road that message took.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from core.messages import Button, Outbound, SendResult
from core.privacy import mask_personal
from storage.models import Contact
from storage.unit_of_work import Database, UnitOfWork

ButtonRows = list[list[str]]


def button_rows(buttons: Iterable[Button]) -> ButtonRows | None:
    return [[button.title, button.payload] for button in buttons] or None


def remember_offered(contact: Contact, outbounds: Iterable[Outbound]) -> None:
    """The last message with buttons among those sent together decides what a typed number
    means; messages without any clear it (a typed "1" is then just text)."""
    offered = None
    for outbound in outbounds:
        offered = button_rows(outbound.buttons) or offered
    state = contact.state or {}
    if state.get("buttons") == offered:
        return
    state = dict(state)  # a JSON column only notices reassignment
    if offered:
        state["buttons"] = offered
    else:
        state.pop("buttons", None)
    contact.state = state


def outbound_row(contact: Contact, consultation_id: int | None, outbound: Outbound, *, author: str,
                 now: datetime, masker: Callable[[str], str] | None = None, status: str = "pending") -> dict:
    return dict(
        contact_id=contact.id, consultation_id=consultation_id, channel=contact.channel, direction="out",
        content_type="template" if outbound.template else "text",
        # What the journal keeps: the flow's journal_text if it gave one (a verdict naming a
        # birthday), masked — operators' replies and notifications included (core.privacy).
        text=(masker or mask_personal)(outbound.journal_text or outbound.text),
        buttons=button_rows(outbound.buttons), delivery_status=status, author=author, created_at=now,
    )


async def record_outbound(uow: UnitOfWork, messages: list[tuple[Contact, int | None, Outbound]], *,
                          author: str, now: datetime, masker: Callable[[str], str] | None = None,
                          remember: bool = True, status: str = "pending") -> list[int]:
    """Journal `messages` (contact, consultation id, outbound) in one statement and remember
    each contact's offered buttons; returns the journal ids in order.

    `remember=False`: the caller remembered them already (the engine does so after each
    turn, as the next turn of the same batch may type a number). `status`: the rows'
    delivery status (pending: to be sent; delivered: answered in the request itself)."""
    if remember:
        by_contact: dict[int, tuple[Contact, list[Outbound]]] = {}
        for contact, _consultation_id, outbound in messages:
            by_contact.setdefault(id(contact), (contact, []))[1].append(outbound)
        for contact, outbounds in by_contact.values():
            remember_offered(contact, outbounds)
    rows = [outbound_row(contact, consultation_id, outbound, author=author, now=now, masker=masker, status=status)
            for contact, consultation_id, outbound in messages]
    return await uow.journal.record_many(rows, return_ids=True)


async def record_results(db: Database, results: list[SendResult]) -> None:
    """What became of journaled messages (sent, unreachable, failed, delivered)."""
    if not results:
        return
    async with db.unit_of_work() as uow:
        await write_results(uow, results)


async def write_results(uow: UnitOfWork, results: list[SendResult]) -> None:
    """The same in the caller's transaction."""
    await uow.journal.mark_sent_many([(r.message_id, r.channel_message_id, r.status, r.error_code) for r in results])
