"""What the bot says when it does not understand: never an invented answer."""
from __future__ import annotations

from handlers import menu
from handlers.turn import Turn


async def not_understood(turn: Turn) -> None:
    turn.set_outcome("not_understood")
    turn.say_key("fallback.not_understood")
    await menu.show_menu(turn)
