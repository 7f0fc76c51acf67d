"""The main menu, /start and /help, and what no other flow declared (listed last)."""
from __future__ import annotations

import logging
from collections.abc import Callable

from core.messages import Button
from core.payloads import MenuChoice, MenuItem
from handlers.interrupts import MENU_WORDS
from handlers.routing import Flow
from handlers.turn import Turn

log = logging.getLogger(__name__)

MENU_ITEMS = (
    ("menu.faq", MenuItem.faq),
    ("menu.eligibility", MenuItem.eligibility),
    ("menu.status", MenuItem.status),
    ("menu.operator", MenuItem.operator),
    ("menu.language", MenuItem.language),
)

flow = Flow("menu")
# Typed instead of /menu ("меню", "мәзір"), when no flow awaits the text: listed before the FAQ,
# which would otherwise take it for a question it cannot answer.
words = Flow("menu_words")


# Buttons other flows put first in the menu when they apply (side_questions adds "continue"
# for a check or a linking left half-way); registered by those flows, so the menu imports none.
LEADING_BUTTONS: list[Callable[[Turn], Button | None]] = []


async def show_menu(turn: Turn, *, intro_key: str = "menu.title", intro_text: str | None = None) -> None:
    buttons = [turn.button(key, MenuChoice(item=item)) for key, item in MENU_ITEMS]
    leading = [button for make in LEADING_BUTTONS if (button := make(turn)) is not None]
    buttons[:0] = leading
    turn.say(intro_text if intro_text is not None else turn.t(intro_key), buttons)


@flow.command("start")
async def on_start(turn: Turn) -> None:
    turn.say_key("welcome")
    await show_menu(turn)


@flow.command("menu")
@flow.button(MenuChoice, item=MenuItem.main)
@words.keywords(MENU_WORDS)
async def on_menu(turn: Turn, _data: MenuChoice | None = None) -> None:
    await show_menu(turn)


@flow.command("help")
async def show_help(turn: Turn) -> None:
    turn.say_key("help.text")
    await show_menu(turn)


@flow.command()
async def unknown_command(turn: Turn) -> None:
    await show_menu(turn, intro_key="command.unknown")


@flow.button()
async def unknown_button(turn: Turn, payload: str) -> None:
    # A payload nobody declares (a hand-typed token, a keyboard from a removed feature).
    log.info("unknown button payload %r", payload)
    await show_menu(turn)
