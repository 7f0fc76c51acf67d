"""The main menu and the items whose features have not landed yet."""
from __future__ import annotations

from handlers.turn import Turn

MENU_ITEMS = (
    ("menu.faq", "menu:faq"),
    ("menu.eligibility", "menu:eligibility"),
    ("menu.status", "menu:status"),
    ("menu.operator", "menu:operator"),
    ("menu.language", "menu:language"),
)


async def show_menu(turn: Turn, *, intro_key: str = "menu.title", intro_text: str | None = None) -> None:
    buttons = [turn.button(key, payload) for key, payload in MENU_ITEMS]
    turn.say(intro_text if intro_text is not None else turn.t(intro_key), buttons)


async def show_help(turn: Turn) -> None:
    turn.say_key("help.text")
    await show_menu(turn)
