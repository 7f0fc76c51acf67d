"""The season's calendar in conversation: the opt-in to hear when the next season opens."""
from __future__ import annotations

from typing import Literal

from core.payloads import Payload
from handlers import menu
from handlers.routing import Flow
from handlers.turn import Turn


class SeasonNotify(Payload, prefix="season"):
    """`season:notify`: under a verdict given while applications are closed."""

    action: Literal["notify"]


flow = Flow("season")


@flow.button(SeasonNotify)
async def on_notify(turn: Turn, _data: SeasonNotify) -> None:
    """Remember that this person wants to hear about the next season."""
    turn.contact.next_season_optin_at = turn.contact.last_inbound_at
    turn.contact.opted_out = False  # asking to be told is asking for messages again
    turn.set_outcome("next_season_optin")
    turn.say_key("season.notify.done")
    await menu.show_menu(turn)
