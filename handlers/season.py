"""The season's calendar in conversation: the opt-in to hear when the next season opens."""
from __future__ import annotations

from handlers import menu
from handlers.turn import Turn


async def on_button(turn: Turn, payload: str) -> None:
    """`season:notify`: remember that this person wants to hear about the next season."""
    if payload == "season:notify":
        turn.contact.next_season_optin_at = turn.contact.last_inbound_at
        turn.contact.opted_out = False  # asking to be told is asking for messages again
        turn.set_outcome("next_season_optin")
        turn.say_key("season.notify.done")
    await menu.show_menu(turn)
