"""`/forget`: the person erases their own data, after confirming with a button.

Everything that identifies them goes on every channel they used (storage.erasure); the
counts reports need stay. The audit log records that it happened, with numbers only.
"""
from __future__ import annotations

from typing import Literal

from core.payloads import Payload
from handlers import menu
from handlers.routing import Flow
from handlers.turn import Turn
from storage.tickets import Audit
from storage.types import utcnow


class Forget(Payload, prefix="forget"):
    """`forget:yes` erases, `forget:no` keeps everything."""

    answer: Literal["yes", "no"]


flow = Flow("forget")


@flow.command("forget")
async def ask(turn: Turn) -> None:
    turn.say_key("forget.confirm", [turn.button("forget.yes", Forget(answer="yes")),
                                    turn.button("forget.no", Forget(answer="no"))])


@flow.button(Forget)
async def on_answer(turn: Turn, data: Forget) -> None:
    if data.answer != "yes":
        turn.say_key("forget.cancelled")
        await menu.show_menu(turn)
        return
    erasure = turn.uow.erasure
    contacts = await erasure.find(contact_id=turn.contact.id)
    report = await erasure.erase(contacts)
    Audit(turn.uow.session).record(actor="user", action="contact_erased", target=f"contacts:{len(contacts)}",
                                   details={**report.counts(), "via": "forget"}, at=utcnow())
    turn.say_key("forget.done")
