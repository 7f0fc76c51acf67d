"""Choosing and switching the conversation language."""
from __future__ import annotations

from core.i18n import LANGUAGES
from core.messages import Button
from core.payloads import MenuChoice, MenuItem, Payload
from handlers.routing import Flow
from handlers.turn import Turn

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


class LanguageChoice(Payload, prefix="lang"):
    """`lang:<code>`. Any code parses, so an unknown one asks again instead of the menu."""

    lang: str


def language_unknown(turn: Turn) -> bool:
    return turn.contact.language is None


flow = Flow("language")


def language_buttons(preferred: str | None) -> list[Button]:
    order = sorted(LANGUAGES, key=lambda lang: lang != preferred)
    return [Button(LANGUAGE_NAMES[lang], LanguageChoice(lang=lang).pack()) for lang in order]


@flow.button(LanguageChoice)
async def on_choice(turn: Turn, data: LanguageChoice) -> None:
    await choose_language(turn, data.lang)


# Nothing else is said before a language is known.
@flow.any(when=language_unknown)
@flow.command("language")
@flow.button(MenuChoice, item=MenuItem.language)
async def ask_language(turn: Turn, _data: Payload | None = None) -> None:
    hint = turn.inbound.language_hint
    preferred = hint if hint in LANGUAGES else turn.contact.language
    # The question is shown in the hinted language so a Telegram user sees their own first.
    text = turn.services.translator.t(preferred or turn.services.default_language, "language.choose")
    turn.say(text, language_buttons(preferred))


async def choose_language(turn: Turn, lang: str) -> None:
    from handlers import menu

    if lang not in LANGUAGES:
        await ask_language(turn)
        return
    first_time = turn.contact.language is None
    turn.contact.language = lang
    turn.consultation.language = lang
    turn.say_key("language.set")
    if first_time:
        turn.say_key("welcome")
    await menu.show_menu(turn)
