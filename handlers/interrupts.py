"""What may interrupt a flow that waits for an answer: natural exits and side questions.

A young applicant in the middle of the eligibility check or of linking an application
says "керек емес", "не хочу", "потом", "menu" — and means "let me out". Or asks something
else ("а сколько денег дают?"). Neither must be taken for a wrong answer. This module only
reads the words; handlers.side_questions decides what happens.
"""
from __future__ import annotations

import re
from datetime import date

from core.iin import find_iins, parse_iin

# Whole messages (compared folded) that mean "the menu": outside a flow they open it
# (handlers/menu.py), inside one they leave it.
MENU_WORDS = frozenset({
    "меню", "главное меню", "в меню", "назад в меню", "мәзір", "мазир", "мәзірге", "мазирге",
    "басты мәзір", "басты мазир", "mazir", "mäzir", "mazirge", "basty mazir",
    "menu", "main menu", "back to menu",
})
# Whole messages (compared folded: case, ё, edge punctuation) that leave any flow. STOP and
# its translations are not here: they unsubscribe from reminders (handlers/optout.py), except
# inside the eligibility check, whose own "стоп" cancels it.
EXIT_PHRASES = MENU_WORDS | frozenset(" ".join(phrase.split()) for phrase in """
не хочу|не хочу больше|не надо|не нужно|потом|позже|давай потом|в другой раз|не сейчас|выйти|выход|
хватит|отмена|отменить|забей|забудь|передумал|передумала|
не буду|нет спасибо|нет, спасибо|закончить|прекратить|достаточно|
керек емес|қажет емес|кажет емес|кейін|кейин|кейінірек|кейинирек|шығу|шыгу|тоқта|токта|
болдырмау|қаламаймын|каламаимын|каламаймын|жоқ рахмет|
жок рахмет|кейін жазамын|кейин жазамын|доста|болды|болдым|жетеді|жетеди|
kerek emes|qajet emes|keiin|keyin|joq rahmet|
exit|quit|cancel|later|not now|never mind|nevermind|no thanks|no thank you|
i don't want|i dont want|dont want|don't want|leave|forget it|skip|enough|nah
""".replace("\n", "").split("|") if phrase.strip())

# Whole messages that, typed while an operator has the conversation, ask to get back to the
# bot. Only the "back to the bot" button ends a hand-off; these get the reminder showing it.
BACK_TO_BOT = MENU_WORDS | frozenset({
    "вернуться к боту", "вернуться в бот", "назад к боту", "к боту", "бот", "верните бота",
    "отмена", "отменить", "отменить обращение",
    "ботқа оралу", "ботка оралу", "ботқа қайту", "ботка кайту", "болдырмау",
    "botqa oralu", "botka oralu", "bot",
    "back to bot", "back to the bot", "go back to the bot", "cancel", "cancel request",
})

# Kazakh in Latin letters too ("joq", "ia"): the words the eligibility wizard reads as yes and no,
# but for the ones that mean something else outside it ("1", "бар", "-").
_YES = frozenset("да ага угу иә иа ия ие ia iä iya ie yes yeah yep".split())
_YES_NO = _YES | frozenset("нет неа жоқ жок joq jok zhoq zhok jo'q no nope nah ок ok окей okay".split())
_FULL_CHECK = re.compile(r"(провер|тест|check|тексер|test)", re.IGNORECASE)
# Not a clock time ("в 17:00") nor part of a longer number or a decimal.
_AGE = re.compile(r"(?<![\d:.,])(\d{1,2})(?![\d:]|[.,]\d)")
# A number said to be someone's age: "17 лет", "17 жаста", "жасым 17", "мне 17", "I'm 17",
# "at 17", "17 years old", "17 y.o.".
_NAMED_AGE = re.compile(
    r"(?<![\d:.,])\d{1,2}\s*-?\s*(?:лет|летн|год|жас|jas|zhas|years?\b|y\.?\s*o\b|yo\b)"
    r"|(?:мне|жасым|jasym|zhasym|i'?m|i am|at|age|возраст\w*)\s*:?\s*\d{1,2}(?![\d:])"
    # "можно ли подать заявку в 17?": a number closing the question after «в».
    r"|(?<!\w)в\s+\d{1,2}\s*[?!.]*\s*$"
    # "ал егер 35 болсам ше?", "35-те болсам": "if I am 35" in Kazakh.
    r"|(?<![\d:.,])\d{1,2}\s*-?\s*(?:те|та|де|да|te|ta|de|da)?\s+(?:болсам|bolsam)(?!\w)",
    re.IGNORECASE)


def fold(text: str) -> str:
    return " ".join((text or "").casefold().replace("ё", "е").strip(" .!?,;)").split())


def is_exit(text: str) -> bool:
    return fold(text) in EXIT_PHRASES


def asks_back_to_the_bot(text: str) -> bool:
    return fold(text) in BACK_TO_BOT


def is_bare_yes_no(text: str) -> bool:
    """A lone "да"/"нет"/"жоқ"/"ok": an answer to nothing outside a flow."""
    return fold(text) in _YES_NO


def is_bare_yes(text: str) -> bool:
    """A lone "да"/"иә"/"yes" ("ok" only acknowledges)."""
    return fold(text) in _YES


_HOW = re.compile(r"(?<!\w)(?:как|каким образом|қалай|калай|qalai|kalai|qalay|how)(?!\w)", re.IGNORECASE)


def asks_how(text: str) -> bool:
    """"как подать", "қалай беремін", "how do I": the question is how, not whether."""
    return bool(_HOW.search(text or ""))


# Asking to be put through ("хочу поговорить с оператором", "операторға жазғым келеді",
# "talk to a person"), as opposed to describing what an operator did ("оператор хамил").
_PUT_THROUGH = re.compile(
    r"(?<!\w)(?:поговор|связат|свяж|соедин|позов|позват|переключ|с человеком|живо|"
    r"сөйлес|сойлес|soiles|soyles|söyles|жазғым|жазгым|zhazgym|jazgym|qosy|қосың|косын|адаммен|adammen|"
    r"talk|speak|connect|someone|a person|a human|real person|agent)",
    re.IGNORECASE)


def asks_to_be_put_through(text: str) -> bool:
    return bool(_PUT_THROUGH.search(text or ""))


def asks_for_the_full_check(text: str) -> bool:
    """"проверить меня", "check me", "тексеру": the person asks to run the check itself."""
    return bool(_FULL_CHECK.search(text or ""))


def names_an_age(text: str) -> bool:
    """The text says a number is an age ("can I apply at 17", "17 жаста болама")."""
    return age_in(text) is not None and bool(_NAMED_AGE.search(text or ""))


# "2004 жылы туғанмын", "2004 jyly tugam", "я 2003 года рождения", "2002 г.р.", "born in 2001",
# "мен 2005 жылғымын": a year said to be the person's (or someone's) year of birth.
_YEAR = r"((?:19[4-9]|20[0-3])\d)"
# The person's own "I was born": «туғанмын», «тугам», «туылғанмын», «tugam»; a bare «туған»
# only closing the message («2004 tugan»), as «туған жер» is one's homeland. «родился»,
# «родилась», not «родила» («я родила в 2020» is a child's year).
_BORN_KK = (r"(?:туғанмын|туганмын|туғам|тугам|туылғанмын|туылганмын|туылғам|туылгам"
            r"|tuganmyn|tugam|tuylganmyn|tuylgam|(?:туған|туган|tugan)(?=\s*[.!?,]*\s*$))")
_BIRTH_YEAR = re.compile(
    rf"(?<![\d.,:/-]){_YEAR}(?![\d.,:/-]\d)\s*(?:ж\.?|г\.?|год\w*|жыл\w*|jyl\w*|zhyl\w*)?"
    rf"\s*(?:р\.|рожд\w*|родился|родилась|{_BORN_KK})"
    rf"|(?:born|рождени[яе]|родился|родилась)\s*(?:in|в)?\s*{_YEAR}(?!\d)"
    rf"|(?<!\d){_YEAR}\s*(?:жылғымын|жылгымын|jylgymyn|zhylgymyn)",
    re.IGNORECASE)


def birth_year_in(text: str) -> int | None:
    """The year of birth a message states ("2004 жылы туғанмын", "я 2003 года рождения")."""
    found = _BIRTH_YEAR.search(text or "")
    if found is None:
        return None
    return int(next(group for group in found.groups() if group))


def iin_birth_date(text: str) -> date | None:
    """The birth date of the first valid IIN in a question ("мой ИИН 040512…, можно?")."""
    found = find_iins(text)
    return parse_iin(found[0]).birth_date if found else None


def age_in(text: str) -> int | None:
    """The age named in a question like "а мне 17 можно?" (a number from 10 to 70)."""
    for match in _AGE.finditer(text or ""):
        value = int(match.group(1))
        if 10 <= value <= 70:
            return value
    return None
