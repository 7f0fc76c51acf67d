"""Which language a message is in, or names: only when the words say so clearly.

`confident_language` lets the first message choose the conversation's language (no
picker); `typed_choice` reads "казакша", "qazaqsha", "на русском", "english pls" as a
choice of language at any time. Both use the FAQ normaliser's marker words and folding.
"""
from __future__ import annotations

import re

from faq.normalize import (
    EN_MARKERS, KK_MARKERS, RU_MARKERS, SHARED_MARKERS, detect_language_tokens, fold_cyrillic, looks_kazakh_latin,
    raw_tokens, script_of,
)

# Names of the languages as people type them, in any script (compared folded: қ→к, й→и …).
_TYPED_NAMES = {
    "kk": """казакша казак казахский казахском казахски казахча kazakh kazak kazaksha qazaqsha qazaq
             kazakhsha kz kaz каз кз kk""",
    "ru": """русский русском русски орысша орыс russian russkiy russkii rus ru рус ру""",
    "en": """english englsh eng en ағылшынша агылшынша агылшын английский английском английски англ
             inglish ingliz анг""",
}
# Words around a language's name that do not change which one is meant.
_FILLER_WORDS = """на по давай давайте можно пожалуйста плиз плз пж пжл пжлст please pls plz in speak lets let's
                   язык языке тілі тілінде тили тилинде tili language говорить говори сөйле сойле
                   жаз жазыңыз жазыныз write answer отвечай хочу want i
                   а ал ну и же ли мне маған мен менімен со мной общаться общаемся перейдем перейдём
                   перейти переключи переключить ответь ответьте можешь можете сөйлесейік сөйлесейікші
                   жауап бер беріңіз берші ауыстыр ауыстырыңыз ауыстыршы switch change to me with us
                   the chat talk reply can could you we"""
_KK_PARTICLE = re.compile(r"(ма|ме|ба|бе|па|пе)$")
_KK_LETTERS = re.compile(r"[әғқңөұүһі]")


def _fold(word: str) -> str:
    return fold_cyrillic(word.replace("ё", "е")) if script_of(word) in ("cyr", "mixed") else word


TYPED_NAMES = {_fold(word): lang for lang, words in _TYPED_NAMES.items() for word in words.split()}
_FILLER = frozenset(_fold(word) for word in _FILLER_WORDS.split())


def typed_choice(text: str) -> str | None:
    """The language a short message names and asks for, else None."""
    tokens = raw_tokens(text or "")
    if not tokens or len(tokens) > 6:
        return None  # asked of every message: most are longer, and folding costs more
    words = [_fold(w) for w in tokens]
    named = [TYPED_NAMES[w] for w in words if w in TYPED_NAMES]
    rest = [w for w in words if w not in TYPED_NAMES and w not in _FILLER]
    if len(named) == 1 and not rest:  # one name, asked for: not "ru-ru-ru" nor a question about Kazakh
        return named[0]
    return None


def confident_language(text: str) -> str | None:
    """The language of a message when its words say so clearly, else None (then ask)."""
    scores = {"kk": 0.0, "ru": 0.0, "en": 0.0}
    for word in raw_tokens(text or ""):
        if word.isdigit():
            continue
        script = script_of(word)
        if script in ("cyr", "mixed"):
            folded = _fold(word)
            if folded in SHARED_MARKERS:
                continue
            if _KK_LETTERS.search(word):
                scores["kk"] += 2
            elif folded in KK_MARKERS or _KK_PARTICLE.sub("", folded) in KK_MARKERS:
                scores["kk"] += 1.5  # "аламынба": "аламын" with the question particle glued on
            elif folded in RU_MARKERS or word in RU_MARKERS:
                scores["ru"] += 1.5
        elif script == "lat":
            if looks_kazakh_latin(word):
                scores["kk"] += 2
            elif word in EN_MARKERS:
                scores["en"] += 1.5
    ranked = sorted(scores.items(), key=lambda pair: pair[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top >= 1.5 and top >= 2 * second else None


def likely_language(text: str) -> str | None:
    """A best guess when the words do not say it clearly: asked only after the language
    picker was shown and the person wrote on instead of choosing (asking again and again
    loses their questions). Kazakh when a word looks Kazakh, else Russian for Cyrillic and
    English for Latin; None without letters."""
    confident = confident_language(text)
    if confident is not None:
        return confident
    # The FAQ's own guess (word endings too: «билемин», «знаю»): Russian for Cyrillic and
    # English for Latin without other evidence.
    return detect_language_tokens([word for word in raw_tokens(text or "") if not word.isdigit()])

