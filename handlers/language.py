"""Choosing and switching the conversation language, without friction.

A contact whose language is known — Telegram's `language_code`, the web chat session's or
`metadata.language`, or a first message whose language is clear — is answered in it with
no picker. Only when nothing tells is the picker shown; the message that came then is kept
and answered right after the choice. A language's name typed in any script ("казакша",
"qazaqsha", "на русском", "english pls") picks it at any time, as /language and the menu do.
"""
from __future__ import annotations

from core.i18n import LANGUAGES
from core.messages import Button, ContentType
from core.payloads import MenuChoice, MenuItem, Payload
from handlers.language_guess import confident_language, likely_language, typed_choice
from handlers.routing import Flow, SkipHandler
from handlers.turn import Turn

MAX_KEPT_QUESTION = 1000

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


def names_a_language(turn: Turn) -> bool:
    return typed_choice(turn.inbound.text or "") is not None


@flow.button(LanguageChoice)
async def on_choice(turn: Turn, data: LanguageChoice) -> None:
    kept = await choose_language(turn, data.lang)
    if kept:
        await _answer_kept(turn, kept)


@flow.text(when=names_a_language)
async def on_typed_name(turn: Turn) -> None:
    # As the button does: the message that waited for the choice is answered now.
    kept = await choose_language(turn, typed_choice(turn.inbound.text or ""))
    if kept:
        await _answer_kept(turn, kept)


@flow.any(when=language_unknown)
async def settle(turn: Turn, *_args: object) -> None:
    """No language yet: take the one that is known, or ask — keeping the message."""
    inbound = turn.inbound
    known = inbound.language_hint if inbound.language_hint in LANGUAGES else None
    if known is None and inbound.content_type == ContentType.text:
        # Once asked, the next typed message settles it by a best guess: a person who
        # writes on instead of choosing wants an answer, not the picker again.
        guess = likely_language if turn.state.get("language_asked") else confident_language
        known = guess(inbound.text)
        if known is not None:
            _set(turn, known)
            turn.say_key("language.detected")
            raise SkipHandler  # answered as usual, in that language
    if known is not None:
        _set(turn, known)
        raise SkipHandler
    if inbound.content_type in (ContentType.text, ContentType.command) and any(c.isalpha() for c in inbound.text) \
            and inbound.text.strip().lower() != "/start":
        # Answered right after the choice; the engine journaled it already.
        turn.update_state(kept_question=inbound.text[:MAX_KEPT_QUESTION])
    turn.update_state(language_asked=True)
    await ask_language(turn)


async def _answer_kept(turn: Turn, text: str) -> None:
    turn.follow_up = text  # the router answers it once this handler returns


def _set(turn: Turn, lang: str) -> None:
    turn.contact.language = lang
    turn.consultation.language = lang


@flow.command("language")
@flow.button(MenuChoice, item=MenuItem.language)
async def ask_language(turn: Turn, _data: Payload | None = None) -> None:
    hint = turn.inbound.language_hint
    preferred = turn.contact.language or (hint if hint in LANGUAGES else None)
    # The question is shown in the hinted language so a Telegram user sees their own first.
    text = turn.services.translator.t(preferred or turn.services.default_language, "language.choose")
    turn.say(text, language_buttons(preferred))


async def choose_language(turn: Turn, lang: str | None) -> str | None:
    """Set the language; returns the message that waited for the choice, to answer now."""
    from handlers import menu

    if lang not in LANGUAGES:
        await ask_language(turn)
        return None
    first_time = turn.contact.language is None
    _set(turn, lang)
    kept = turn.state.get("kept_question")
    turn.update_state(kept_question=None)
    turn.say_key("language.set")
    if kept:
        return kept
    if first_time:
        turn.say_key("welcome")
    await menu.show_menu(turn)
    return None
