"""Stickers, photos, voice, documents, locations: a polite text-only answer."""
from __future__ import annotations

from handlers import menu
from handlers.routing import Flow
from handlers.turn import Turn

flow = Flow("media")


@flow.media()
async def answer_media(turn: Turn) -> None:
    turn.set_outcome("media")
    await menu.show_menu(turn, intro_key="media.unsupported")
