"""People's names inside free text, for masking what leaves the system (exports, logs).

A contact's own name field is masked by `privacy.mask_name`. Names also turn up in what
people write — «меня зовут Айгерим», «менің атым Асқар», an operator's call note «звонила
Садыкова Айгерим» — and no list of names covers Kazakhstan's. So the words are found by
what surrounds or ends them, each signal chosen for few false hits (masking a word too many
costs a manager little; a name that leaks costs the person):

- the words after an introduction: «меня зовут», «менің атым», «my name is», «ФИО:» …
  (the first word always; the next two while they look like a name: capitalised, or ending
  as surnames and patronymics do);
- patronymics, which end unlike any other word: -ович/-евич/-овна/-евна/-ична, and the
  Kazakh -ұлы/-қызы (also typed -улы/-кызы, -uly/-kyzy) when capitalised;
- a capitalised surname (-ов, -ова, -ев, -ева, -ин, -ина, -енко, -баев …) inside a sentence.
A capitalised word next to a masked one is masked too: names come in twos and threes.
"""
from __future__ import annotations

import re

__all__ = ["mask_names", "name_spans"]

_WORD = r"[^\W\d_]+(?:[-'’][^\W\d_]+)?"
# Introductions: after these, the next word is a name whatever its case.
_INTRO = re.compile(
    r"(?i)(?<!\w)(?:меня\s+зовут|зовут\s+меня|моё\s+имя|мое\s+имя|my\s+name\s+is|my\s+name's|"
    r"мені\s+(?:\w+\s+)?деп\s+атайды|менің\s+атым|менин\s+атым|menin\s+atym|"
    r"атым|есімім|есимим|аты-жөнім|аты\s+жөнім|аты-жоним|atym|esimim|"
    r"(?:фио|ф\.\s?и\.\s?о\.?|аты-жөні|имя|name|full\s+name)\s*[:—–-])"
    r"\s*[:—–-]?\s*")
_PATRONYMIC = re.compile(r"(?:ович|евич|овна|евна|ична|ұлы|қызы|улы|кызы|uly|kyzy|qyzy)$", re.IGNORECASE)
_SURNAME = re.compile(r"(?:ов|ова|ев|ева|ёв|ёва|ин|ина|енко)$")
# Patronymics are checked on every word; the Kazakh ones need a capital (ақтаулы: "from Aktau").
_RUSSIAN_PATRONYMIC = re.compile(r"(?:ович|евич|овна|евна|ична)$", re.IGNORECASE)
_TOKEN = re.compile(_WORD)
_SENTENCE_END = re.compile(r"[.!?…\n]\s*$")


def _looks_like_name(word: str) -> bool:
    return word[:1].isupper() or bool(_PATRONYMIC.search(word) or _SURNAME.search(word.lower()))


def _mask(word: str) -> str:
    return word[0] + "*" * (len(word) - 1)


# Every name the rules below find holds one of these; most texts hold none, and a few
# substring searches are far cheaper than splitting the text into words.
_INTRO_WORDS = ("зовут", "имя", "name", "атым", "есім", "есим", "жөнім", "жоним", "atym", "esimim",
                "фио", "ф.и.о", "ф. и. о", "атайды", "аты-жөні")
_PATRONYMIC_PARTS = ("ович", "евич", "овна", "евна", "ична")
_CAPITAL_SURNAME = re.compile(
    r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][^\W\d_]{3,}"
    r"(?:ов|ова|ев|ева|ёв|ёва|ин|ина|енко|ұлы|қызы|улы|кызы|uly|kyzy|qyzy)(?![^\W\d_])")


# Any of the words above, found in one scan (twenty `in` tests scanned the text twenty times).
_HINT = re.compile("|".join(map(re.escape, _INTRO_WORDS + _PATRONYMIC_PARTS)))


def _may_hold_a_name(text: str) -> bool:
    return _HINT.search(text.lower()) is not None or _CAPITAL_SURNAME.search(text) is not None


def name_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word taken for a name, in order, not overlapping."""
    if not _may_hold_a_name(text):
        return []
    words = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    if not words:
        return []
    names: set[int] = set()  # indexes into `words`
    starts = {start: i for i, (start, _, _) in enumerate(words)}
    for intro in _INTRO.finditer(text):
        i = starts.get(intro.end())
        if i is None:
            continue
        names.add(i)
        for j in range(i + 1, min(i + 3, len(words))):
            between = text[words[j - 1][1]:words[j][0]]
            if between.strip() or not _looks_like_name(words[j][2]):
                break
            names.add(j)
    for i, (start, _, word) in enumerate(words):
        if len(word) < 5:
            continue
        if _RUSSIAN_PATRONYMIC.search(word):
            names.add(i)
        elif word[0].isupper() and _PATRONYMIC.search(word):
            names.add(i)
        elif word[0].isupper() and not word.isupper() and _SURNAME.search(word) and i > 0 \
                and not _SENTENCE_END.search(text[:start]):
            names.add(i)
    # Capitalised neighbours of a name (first name beside a surname, «Иванова Мария Петровна»).
    grown = True
    while grown:
        grown = False
        for i in sorted(names):
            for j in (i - 1, i + 1):
                if 0 <= j < len(words) and j not in names and words[j][2][:1].isupper() \
                        and not words[j][2].isupper() and len(words[j][2]) > 1 \
                        and not text[min(words[i][1], words[j][1]):max(words[i][0], words[j][0])].strip():
                    # Also a sentence's first word («Айгерим Садыкова звонила»): one verb
                    # too many masked («Звонил Иванов») is the cheaper mistake.
                    names.add(j)
                    grown = True
    return [(words[i][0], words[i][1]) for i in sorted(names)]


def mask_names(text: str) -> str:
    """Names found by `name_spans`, each kept to its first letter: «Айгерим» → «А******»."""
    spans = name_spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(_mask(text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)
