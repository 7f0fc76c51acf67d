"""Tolerant parsers for answers typed instead of tapped (WhatsApp, web chat, old clients).

Each returns None when unsure, so the wizard re-asks instead of guessing: a wrong "no"
or a wrong region would turn a person away.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

__all__ = ["parse_applied", "parse_birth_date", "parse_citizen", "parse_employed", "parse_region",
           "parse_studying", "parse_training", "parse_yes_no"]

_WORD = re.compile(r"[^\W\d_]+|[0-9]+")


def _clean(text: str | None) -> str:
    text = (text or "").casefold().replace("ё", "е")
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


_KK_KEYBOARD = str.maketrans("әғқңөұүһі", "агкноуухи")


def _fold(text: str) -> str:
    """Kazakh letters as typed on a Russian keyboard: "манғыстау", "маңгыстау" and
    "мангыстау" are one word to the person typing, so they are one word here too."""
    return text.translate(_KK_KEYBOARD)


# ---------------------------------------------------------------- yes / no

_YES = {
    "да", "даа", "д", "ага", "угу", "конечно", "есть", "верно", "da",
    "иә", "ия", "иа", "ие", "иэ", "йә", "ыя", "әрине", "бар", "ia", "ıa", "iä", "ıä", "ie", "iə",
    "yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "ок", "окей", "1", "+",
    "👍", "✅",
}
_NO = {
    "нет", "неа", "не", "н", "нету", "net", "нее",
    "жоқ", "жок", "емес", "емеспін", "жоқпын", "joq", "jok", "zhok", "zhoq", "jo'q",
    "no", "n", "nope", "nah", "not", "2", "-", "👎", "❌",
}
# A first word that settles the answer even with more words after it: "да, я гражданин".
_YES_LEAD = {"да", "иә", "ия", "иа", "yes", "yeah", "конечно", "әрине", "ага"}
_NO_LEAD = {"нет", "жоқ", "жок", "no", "nope"}
_UNSURE = {"знаю", "know", "білмеймін", "билмеймин", "уверен", "уверена", "maybe",
           "может", "мүмкін", "наверное", "шығар", "или", "немесе", "or", "idea"}


_YES, _NO, _YES_LEAD, _NO_LEAD, _UNSURE = (
    {_fold(word) for word in words} for words in (_YES, _NO, _YES_LEAD, _NO_LEAD, _UNSURE))


def parse_yes_no(text: str | None) -> bool | None:
    cleaned = _fold(_clean(text)).strip(" .!,;)")
    if cleaned in _YES:
        return True
    if cleaned in _NO:
        return False
    words = _words(cleaned)
    if not words or _UNSURE.intersection(words):
        return None
    yes = any(word in _YES_LEAD for word in words)
    no = any(word in _NO_LEAD for word in words)
    if yes == no:
        return None
    if words[0] in _YES_LEAD:
        return True
    if words[0] in _NO_LEAD:
        return False
    return None


# ---------------------------------------------------------------- birth date

_NUMERIC_DMY = re.compile(r"([0-9]{1,2})[./\- ]([0-9]{1,2})[./\- ]([0-9]{4})")
_NUMERIC_YMD = re.compile(r"([0-9]{4})[./\-]([0-9]{1,2})[./\-]([0-9]{1,2})")
_TRAILER = re.compile(r"\s*(г|года|год|ж|жыл|жылы|жылғы|y)?\.?\s*$")

# Stems of month names (Russian, Kazakh in Cyrillic and Latin, with the Russian-keyboard
# spellings of Kazakh letters, English); matched as word prefixes.
_MONTH_STEMS = {
    1: ("янв", "қаң", "кан", "qan", "jan"),
    2: ("фев", "ақп", "акп", "aqp", "feb"),
    3: ("мар", "нау", "nau", "mar"),
    4: ("апр", "сәу", "сау", "sáu", "sau", "säu", "apr"),
    5: ("май", "мая", "мам", "mam", "may"),
    6: ("июн", "мау", "mau", "jun"),
    7: ("июл", "шіл", "шил", "shi", "jul"),
    8: ("авг", "там", "tam", "aug"),
    9: ("сен", "қыр", "кыр", "qyr", "sep"),
    10: ("окт", "қаз", "каз", "qaz", "oct"),
    11: ("ноя", "қар", "кар", "qar", "nov"),
    12: ("дек", "жел", "jel", "dec"),
}
_FILLER = {"г", "года", "год", "ж", "жыл", "жылы", "жылғы", "жылгы", "of", "th", "st", "nd",
           "rd", "го", "born", "родился", "родилась", "туылғанмын", "күні", "кун", "күн"}


def _month(word: str) -> int | None:
    for month, stems in _MONTH_STEMS.items():
        if any(word.startswith(stem) for stem in stems):
            return month
    return None


def _make_date(year: int, month: int, day: int, today: date) -> date | None:
    try:
        result = date(year, month, day)
    except ValueError:
        return None
    if result.year < 1900 or result > today:
        return None
    return result


def parse_birth_date(text: str | None, today: date) -> date | None:
    """DD.MM.YYYY (also D.M.YYYY, with / - or space), YYYY-MM-DD, or "12 марта 2001",
    "2001 жылғы 12 наурыз", "12 March 2001". Day first always; a 2-digit year is refused.
    Future dates and years before 1900 give None."""
    cleaned = _TRAILER.sub("", _clean(text))
    if match := _NUMERIC_DMY.fullmatch(cleaned):
        day, month, year = map(int, match.groups())
        return _make_date(year, month, day, today)
    if match := _NUMERIC_YMD.fullmatch(cleaned):
        year, month, day = map(int, match.groups())
        return _make_date(year, month, day, today)
    numbers, months = [], []
    for word in _words(cleaned):
        if word.isascii() and word.isdigit():
            numbers.append(word)
        elif word in _FILLER:
            continue
        elif (month := _month(word)) is not None:
            months.append(month)
        else:
            return None
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(months) != 1 or len(years) != 1 or len(days) != 1 or len(numbers) != 2:
        return None
    return _make_date(int(years[0]), months[0], int(days[0]), today)


# ---------------------------------------------------------------- region

_ALMATY = ("алматы", "алмата", "almaty", "almata")
_ALMATY_REGION_ADJ = ("алматинск", "almatinsk")
_ALMATY_CITY_DISTRICTS = ("алмалин", "ауэзов", "әуезов", "бостандык", "бостандық", "медеу",
                          "наурызбай", "турксиб", "түрксіб")
# "район"/"ауданы" are left out: Almaty city has districts ("Бостандық ауданы").
_REGION_WORDS = ("обл", "oblast", "oblys", "region", "province")
_MANGYSTAU = (
    "маңғыстау", "мангистау", "мангыстау", "маңгыстау", "мангистауск", "mangystau",
    "mangistau", "mangghystau", "мангышлак", "mangyshlak", "актау", "ақтау", "aktau", "aqtau",
    "жанаозен", "жаңаөзен", "жанаөзен", "zhanaozen", "janaozen", "zhanaozen", "форт",
    "бейнеу", "beineu", "beyneu", "шетпе", "shetpe", "курык", "құрық", "kuryk", "quryq",
    "мунайл", "мұнайл", "munail", "тупкараган", "түпқараған", "tupkaragan", "tupqaraghan",
    "каракия", "қарақия", "karakiya", "qaraqiya", "жетыбай", "жетібай", "zhetybai",
)
_OTHER = (
    "друг", "ино", "иной", "басқа", "баска", "other",
    "астана", "астан", "астане", "astana", "нур", "шымкент", "shymkent", "караганд", "қарағанд",
    "karagand", "qaragand", "актобе", "ақтөбе", "aktobe", "aqtobe", "атырау", "atyrau", "тараз",
    "taraz", "павлодар", "pavlodar", "усть", "өскемен", "oskemen", "семей", "semey", "костанай",
    "қостанай", "kostanay", "кызылорд", "қызылорд", "kyzylorda", "уральск", "орал", "oral",
    "uralsk", "петропавл", "petropavl", "туркестан", "түркістан", "turkistan", "turkestan",
    "талдыкорган", "талдықорған", "taldykorgan", "кокшетау", "көкшетау", "kokshetau",
    "жезказган", "жезқазған", "конаев", "қонаев", "konaev", "капчагай", "қапшағай", "каскелен",
    "қаскелең", "талгар", "талғар", "есик", "есік", "жетысу", "жетісу", "экибастуз", "темиртау",
    "улытау", "ұлытау",
)


def _has(words: list[str], stems: tuple[str, ...]) -> bool:
    folded = _folded(stems)
    return any(_fold(word).startswith(stem) for word in words for stem in folded)


@lru_cache(maxsize=None)
def _folded(stems: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_fold(stem) for stem in stems))


def parse_region(text: str | None) -> str | None:
    """"almaty" (the city), "mangystau" (the region, any of its towns), "other", or None.

    Almaty REGION ("Алматинская область", "Алматы облысы", "Almaty region") is another
    region than Almaty CITY: it gives "other".
    """
    cleaned = _clean(text).replace("алма-ата", "алматы").replace("alma-ata", "almaty")
    words = _words(cleaned.replace("-", " "))
    if not words:
        return None
    almaty_word = _has(words, _ALMATY) or _has(words, _ALMATY_CITY_DISTRICTS)
    almaty_region = _has(words, _ALMATY_REGION_ADJ) or (
        _has(words, _ALMATY) and _has(words, _REGION_WORDS)
    )
    mangystau = _has(words, _MANGYSTAU)
    other = almaty_region or _has(words, _OTHER)
    almaty = almaty_word and not almaty_region
    found = [name for name, hit in (("almaty", almaty), ("mangystau", mangystau),
                                    ("other", other)) if hit]
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------- studying

_PART_TIME = ("заочн", "вечерн", "дистанц", "сырттай", "сыртта", "кешкі", "кешки",
              "part", "parttime", "evening", "distance", "extramural", "correspond")
_FULL_TIME = ("очн", "дневн", "күндізгі", "кундизги", "full", "fulltime", "daytime", "стационар")
_NOT_STUDYING = ("не учусь", "не обучаюсь", "не студент", "не учусь нигде", "оқымаймын",
                 "окымаймын", "оқымаймын", "not studying", "not a student", "don't study",
                 "do not study", "dont study", "no study")


def parse_studying(text: str | None) -> str | None:
    """"no", "part-time" (заочно, вечернее, сырттай …), "full-time" (очно, күндізгі …) or None."""
    cleaned = _clean(text)
    words = _words(cleaned.replace("-", " "))
    if not words:
        return None
    # "очно-заочно" is evening study: part-time. "заочно" contains "очно", so part-time
    # is checked on whole-word prefixes first.
    part = _has(words, _PART_TIME) or "очно заочн" in " ".join(words)
    full = not part and _has(words, _FULL_TIME)
    # A bare "2" is a numbered option on WhatsApp, not a "no".
    not_studying = any(phrase in _fold(cleaned) for phrase in _folded(_NOT_STUDYING)) or (
        not cleaned.isdigit() and parse_yes_no(cleaned) is False
    )
    found = [name for name, hit in (("no", not_studying), ("part-time", part),
                                    ("full-time", full)) if hit]
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------- statements instead of yes / no
#
# "Вы сейчас работаете?" is often answered "жұмыссызбын" or "нигде не работаю", not "нет".
# Each yes/no question has its own statements: word-prefix sequences that must stand next to
# each other in the answer. A "no" statement wins over a "yes" one ("не работаю" holds
# "работаю"); a "yes" statement next to a stray negation ("работаю, но не официально") is
# not read at all, and the wizard asks again.

_NEGATIONS = frozenset(_fold(word) for word in ("не", "нет", "жоқ", "жок", "емес", "no", "not", "never"))


def _phrases(*phrases: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(_fold(part) for part in phrase.split()) for phrase in phrases)


def _said(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    for phrase in phrases:
        size = len(phrase)
        for start in range(len(words) - size + 1):
            if all(words[start + i].startswith(part) for i, part in enumerate(phrase)):
                return True
    return False


def _statement(text: str | None, yes: tuple[tuple[str, ...], ...], no: tuple[tuple[str, ...], ...],
               beside_the_point: tuple[tuple[str, ...], ...] = ()) -> bool | None:
    words = _words(_fold(_clean(text)).replace("'", "").replace("’", ""))
    if _said(words, beside_the_point):
        return None
    answer = parse_yes_no(text)
    if answer is not None:
        return answer
    if not words or _UNSURE.intersection(words):
        return None
    if _said(words, no):
        return False
    if _said(words, yes) and not _NEGATIONS.intersection(words):
        return True
    return None


_EMPLOYED_YES = _phrases(
    "работаю", "я работаю", "работаю официально", "жұмыс істеймін", "жұмыс жасаймын", "жұмыстамын",
    "jumys isteimin", "zhumys isteimin", "jumys jasaimyn", "i work", "im working", "i am working",
    "i m working", "employed", "have a job", "got a job",
)
_EMPLOYED_NO = _phrases(
    "не работаю", "не работает", "безработн", "без работы", "нет работы", "работы нет", "жұмыссыз",
    "жұмыс істемеймін", "жұмыс істемеймн", "жұмыс жасамаймын", "жұмыс жоқ", "жұмысым жоқ", "jumyssyz",
    "zhumyssyz", "jumys istemeimin", "zhumys istemeimin", "jumys joq", "jumys jok", "unemployed",
    "not working", "dont work", "don t work", "do not work", "no job", "jobless", "not employed",
)
_CITIZEN_YES = _phrases(
    "гражданин рк", "гражданка рк", "гражданин казахстана", "гражданка казахстана", "гражданин кз",
    "гражданка кз", "қазақстан азаматы", "қр азаматы", "азаматымын", "азаматпын", "kazakhstan citizen",
    "citizen of kazakhstan", "kz citizen", "azamatymyn", "azamatpyn",
)
_CITIZEN_NO = _phrases(
    "не гражданин", "не гражданка", "нет гражданства", "иностран", "вид на жительство", "азамат емес",
    "азаматы емес", "азаматтығым жоқ", "шетел азамат", "not a citizen", "not citizen", "foreign",
    "residence permit", "azamat emes",
)
_TRAINING_YES = _phrases(
    "прохожу курс", "хожу на курс", "учусь на курс", "на курсах", "курсқа барамын", "курсқа қатысамын",
    "курста оқимын", "курс оқып", "курстан өтіп", "kursqa baramyn", "kurska baramyn", "taking a course",
    "on a course", "attending a course", "in training",
)
_TRAINING_NO = _phrases(
    "не прохожу", "не хожу", "никаких курс", "курсов нет", "нет курсов", "не учусь", "курсқа бармаймын",
    "курс жоқ", "курстан өтпеймін", "өтпеймін", "бармаймын", "оқымаймын", "no course", "not taking",
    "not in training", "not attending", "no training",
)
_APPLIED_YES = _phrases(
    "подавал", "подавала", "уже подал", "уже подала", "я подал", "я подала", "отправил заявку",
    "отправила заявку", "бердім", "бергенмін", "тапсырдым", "жібердім", "berdim", "bergenmin",
    "already applied", "i applied", "applied already", "i did",
)
_APPLIED_NO = _phrases(
    "не подавал", "не подавала", "еще не", "пока не", "ещё нет", "еще нет", "пока нет", "бермедім",
    "бергем жоқ", "берген жоқпын", "тапсырмадым", "жібермедім", "әлі жоқ", "әлі берген жоқ", "bermedim",
    "not yet", "havent applied", "haven t applied", "have not applied", "didnt apply", "didn t apply",
    "did not apply", "never applied",
)


def parse_employed(text: str | None) -> bool | None:
    """"Are you working now?": yes/no, or a statement ("жұмыссызбын", "я работаю")."""
    return _statement(text, _EMPLOYED_YES, _EMPLOYED_NO)


def parse_citizen(text: str | None) -> bool | None:
    """"Are you a citizen of Kazakhstan?": yes/no, or a statement ("азаматымын", "гражданка РК").
    A citizenship of another country is not guessed: the wizard asks again."""
    return _statement(text, _CITIZEN_YES, _CITIZEN_NO)


def parse_training(text: str | None) -> bool | None:
    """"Are you taking any courses now?": yes/no, or a statement ("хожу на курсы", "курсқа бармаймын")."""
    return _statement(text, _TRAINING_YES, _TRAINING_NO)


# "Подавал в прошлом году" says nothing about this season: asked again.
_EARLIER_SEASON = _phrases("прошл", "былтыр", "өткен жыл", "last year", "previous", "before")


def parse_applied(text: str | None) -> bool | None:
    """"Have you applied this season already?": yes/no, or a statement ("ещё не подавал", "бердім")."""
    return _statement(text, _APPLIED_YES, _APPLIED_NO, beside_the_point=_EARLIER_SEASON)
