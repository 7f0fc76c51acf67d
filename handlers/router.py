"""Which flow answers an inbound message.

Order matters: the language must be known before anything else is said; commands and
button presses interrupt any flow; free text goes to the current flow, else to the FAQ.
"""
from __future__ import annotations

import logging

from core.messages import MEDIA_TYPES, ContentType
from handlers import csat, eligibility, faq, handoff, language, media, menu, optout, season, status, survey
from handlers.turn import Turn

log = logging.getLogger(__name__)

COMMANDS = ("start", "menu", "language", "operator", "help", "check", "status")


async def dispatch(turn: Turn) -> None:
    inbound = turn.inbound
    payload = inbound.payload or ""

    if payload.startswith("lang:"):
        await language.choose_language(turn, payload.removeprefix("lang:"))
        return
    # STOP/START before any flow and even before a language is chosen: never ignored.
    if inbound.content_type == ContentType.text and (word := optout.keyword(turn)):
        await optout.handle(turn, word)
        return
    if turn.contact.language is None:
        await language.ask_language(turn)
        return
    # While an operator has the conversation the bot stays silent (handlers/handoff.py).
    if turn.contact.mode == "human" and await handoff.while_human(turn):
        return

    if inbound.content_type == ContentType.command:
        await _command(turn, inbound.text)
        return
    if inbound.content_type in MEDIA_TYPES:
        await media.answer_media(turn)
        return
    if payload:
        await _button(turn, payload)
        return
    await _free_text(turn)


async def _command(turn: Turn, text: str) -> None:
    command = text.lstrip("/").split(maxsplit=1)[0].split("@", 1)[0].lower() if text.strip("/ ") else ""
    if command == "start":
        turn.say_key("welcome")
        await menu.show_menu(turn)
    elif command == "menu":
        await menu.show_menu(turn)
    elif command == "language":
        await language.ask_language(turn)
    elif command == "help":
        await menu.show_help(turn)
    elif command == "operator":
        await handoff.escalate(turn)
    elif command == "check":
        await eligibility.start(turn)
    elif command == "status":
        await status.start(turn)
    else:
        await menu.show_menu(turn, intro_key="command.unknown")


async def _button(turn: Turn, payload: str) -> None:
    kind, _, value = payload.partition(":")
    if kind == "menu":
        if value == "language":
            await language.ask_language(turn)
        elif value == "eligibility":
            await eligibility.start(turn)
        elif value == "status":
            await status.start(turn)
        elif value == "operator":
            await handoff.escalate(turn)
        elif value == "faq":
            await faq.show_groups(turn)
        else:
            await menu.show_menu(turn)
        return
    if kind == "faq":
        await faq.answer_topic(turn, value)
        return
    if kind == "faqgroup":
        await faq.show_group(turn, value)
        return
    if kind == "elig":
        await eligibility.on_button(turn, payload)
        return
    if kind == "status":
        await status.on_button(turn, payload)
        return
    if kind == "csat":
        await csat.on_button(turn, payload)
        return
    if kind == "survey":
        await survey.on_button(turn, payload)
        return
    if kind == "season":
        await season.on_button(turn, payload)
        return
    if kind in ("handoff", "complaint"):
        await handoff.on_button(turn, payload)
        return
    # A payload nobody knows (an old keyboard, a hand-typed token) gets the menu.
    log.info("unknown button payload %r", payload)
    await menu.show_menu(turn)


async def _free_text(turn: Turn) -> None:
    # Right after a poll asked for free text (a CSAT comment, a survey answer).
    if awaited := csat.awaited_comment(turn):
        await csat.on_comment(turn, awaited)
        return
    if awaited := survey.awaited_answer(turn):
        await survey.on_text(turn, awaited)
        return
    if status.is_active(turn):  # also a shared Telegram contact (content type contact)
        await status.on_text(turn)
        return
    if eligibility.is_active(turn):
        await eligibility.on_text(turn)
        return
    await faq.answer_free_text(turn)
