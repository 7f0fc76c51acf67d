"""Choosing and switching the conversation language, without friction.

A first message whose language is clear is answered in it with no picker; otherwise the
device's language — Telegram's `language_code`, the web chat session's or `metadata.language`
— is used. The words come first: an app or a browser set to English is common among people
who write Kazakh (a web chat session's language stays tentative until the first typed words).
Only when nothing tells is the picker shown; the message that came then is kept and answered
right after the choice. A language's name typed or asked for in any script ("казакша",
"qazaqsha", "а можно на казахском?", "english pls") picks it at any time, as /language and the
menu do.
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
TENTATIVE = "language_tentative"


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


def tentative_state(state: dict | None) -> dict:
    """The contact's state with its language marked tentative: set from a device's or a
    page's language (the browser's), which the first typed words may overrule."""
    return {**(state or {}), TENTATIVE: True}


def _language_tentative(turn: Turn) -> bool:
    return bool(turn.state.get(TENTATIVE))


@flow.text(when=_language_tentative)
async def confirm_by_words(turn: Turn) -> None:
    """The first typed message of a conversation whose language came from the browser: a
    phone set to English does not make "салем грант канша" an English conversation."""
    text = turn.inbound.text or ""
    if not any(c.isalpha() for c in text):
        raise SkipHandler  # "1", "?": nothing said yet
    turn.update_state(**{TENTATIVE: None})
    written = confident_language(text)
    if written is not None and written != turn.contact.language:
        _set(turn, written)
        turn.say_key("language.detected")
    raise SkipHandler  # answered as usual, in that language


@flow.any(when=language_unknown)
async def settle(turn: Turn, *_args: object) -> None:
    """No language yet: the one the words say, else the device's, else ask — keeping the
    message. The words come first: Telegram's language is its app's, not the person's."""
    inbound = turn.inbound
    hint = inbound.language_hint if inbound.language_hint in LANGUAGES else None
    if inbound.content_type == ContentType.text:
        # Once asked, the next typed message settles it by a best guess: a person who
        # writes on instead of choosing wants an answer, not the picker again.
        guess = likely_language if turn.state.get("language_asked") else confident_language
        written = guess(inbound.text)
        if written is not None:
            _set(turn, written)
            if written != hint:
                turn.say_key("language.detected")
            raise SkipHandler  # answered as usual, in that language
    if hint is not None:
        _set(turn, hint)
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
    turn.update_state(**{TENTATIVE: None})  # chosen: no longer the browser's guess
    kept = turn.state.get("kept_question")
    turn.update_state(kept_question=None)
    turn.say_key("language.set")
    if kept:
        return kept
    if first_time:
        turn.say_key("welcome")
    await menu.show_menu(turn)
    return None
