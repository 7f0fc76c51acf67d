"""Text normalisation for FAQ matching: one folded form for kk, ru and en.

Kazakh reaches the bot in three shapes: proper Cyrillic, Cyrillic typed on a Russian
keyboard (қ→к, ә→а, і→и …) and Latin (official 2018/2021 alphabets and informal
spellings such as "qalay", "otinish", "kuzhat"). All three are mapped to the
keyboard-folded Cyrillic form, so one set of examples covers them. English stays Latin;
a Latin word is transliterated only when it does not look English (see `fold_tokens`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

# Longer input is cut before any work: FAQ questions are short, and this bounds latency.
MAX_INPUT_CHARS = 600

_CYRILLIC_FOLD = str.maketrans({
    "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
    "і": "и", "й": "и", "ё": "е", "э": "е", "ъ": "", "ь": "",
})

# Latin letters that look like Cyrillic ones, for words typed with mixed layouts ("кiм").
_HOMOGLYPHS = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к",
    "m": "м", "t": "т", "i": "и", "h": "н", "b": "в",
}

_LATIN_DIGRAPHS = {
    "sh": "ш", "ch": "ч", "zh": "ж", "kh": "х", "gh": "г",
    "ya": "я", "yu": "ю", "yo": "е",
}
_LATIN_SINGLE = {
    "a": "а", "á": "а", "ä": "а", "b": "б", "c": "с", "ç": "ч", "d": "д", "e": "е", "é": "е",
    "f": "ф", "g": "г", "ǵ": "г", "ğ": "г", "h": "х", "i": "и", "ı": "и", "í": "и", "j": "ж",
    "k": "к", "l": "л", "m": "м", "n": "н", "ń": "н", "ñ": "н", "o": "о", "ó": "о", "ö": "о",
    "p": "п", "q": "к", "r": "р", "s": "с", "ş": "ш", "t": "т", "u": "у", "ú": "у", "ü": "у",
    "ū": "у", "ý": "у", "v": "в", "w": "у", "x": "х", "y": "ы", "z": "з",
}
_LATIN_VOWELS = set("aáäeéiıíoóöuúüūý")
# Letters that exist in Latin Kazakh but not in English spelling.
_KAZAKH_LATIN_LETTERS = set("áäǵğńñóöúüūýış")

_CYRILLIC_RE = re.compile(r"[а-яёәғқңөұүһі]")
_LATIN_RE = re.compile(r"[a-záäçéǵğıíńñóöşúüūý]")
# Anything that is not a letter or digit separates words; "-" and "'" too ("бір-біріңіз").
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)

# Function words that mark a language; Kazakh and Russian ones are stored folded.
KK_MARKERS = frozenset("""
калаи кандаи кашан канша каи каида кадан кимдер ким не неге неше
керек бола болады болама ма ме ба бе па пе мен сен сиз сиздер биз маган менин
жок бар жане ушин туралы деген дегенимиз емес ма рахмет салем салеметсиз саламатсыз
аламын беремин тапсырамын коиамын алады бере береди алмаидымын ештене жаксы иа
отиниш отиним кужат жоба жобаны жобасы грантка тегин акша акылы кеиин дейин шаи
""".split())
RU_MARKERS = frozenset("""
как что где когда сколько можно ли не на в и я мне мои моя мое для по это у есть нужно надо
какие какои каким кто почему с о об за от до или а но если бы будет вы вас ваш вам
спасибо здравствуите привет нет да уже еще чтобы так тоже меня кого чем при про
""".split())
# Marker words of both languages («не»: "what" in Kazakh, "not" in Russian) tell neither.
SHARED_MARKERS = KK_MARKERS & RU_MARKERS
EN_MARKERS = frozenset("""
a an the is are am was were be been do does did can could will would should may might i me my
you your we our they their he she it its what when where who whom why how which that this there
to of in on at for from with by about and or but not no yes if please hello hi thanks thank
much many any some have has had get apply application money
""".split())


# Chat spelling, mapped after folding (keys and values are folded: "сколько" → "сколко").
# Only unambiguous forms: each key is a word nobody writes with another meaning.
SLANG = {
    # Russian
    "скока": "сколко", "скоко": "сколко", "сколка": "сколко", "скок": "сколко",
    "че": "что", "чо": "что", "шо": "что", "што": "что", 
    "щас": "сеичас", "ща": "сеичас", "счас": "сеичас",
    "плиз": "пожалуиста", "плз": "пожалуиста", "пжл": "пожалуиста", "пж": "пожалуиста",
    "пжлст": "пожалуиста", "пожалста": "пожалуиста", "пожалуста": "пожалуиста",
    "спс": "спасибо", "пасиб": "спасибо", "пасибо": "спасибо", "спасиб": "спасибо",
    "сяп": "спасибо", "сяб": "спасибо", "спасибочки": "спасибо", "спасибки": "спасибо",
    "сенкс": "спасибо", "пасиба": "спасибо", "спасиба": "спасибо", "пасибки": "спасибо", "сенкю": "спасибо", "мерси": "спасибо",
    "доки": "документы", "доков": "документы", "докам": "документы", "доку": "документы",
    "доками": "документы", "докум": "документы",
    "бумажки": "бумаги", "бумажку": "бумагу", "бумажек": "бумаг", "бумажками": "бумагами",
    "бабло": "денги", "бабла": "денги", "бабки": "денги", "бабок": "денги", "бабосы": "денги",
    "лаве": "денги", "бабос": "денги",
    "инфа": "информация", "инфу": "информация", "инфы": "информация",
    "лям": "миллион", "ляма": "миллион", "лимон": "миллион", "млн": "миллион",
    "тыщ": "тысяч", "тыс": "тысяч", "тг": "тенге", "тнг": "тенге",
    "када": "когда", "кагда": "когда", "ваще": "вообще", "вобще": "вообще", "тока": "толко",
    "прив": "привет", "приветик": "привет", "приветики": "привет", "здарова": "привет",
    "здаров": "привет", "здорова": "привет", "здрасти": "здрасте", "драсте": "здрасте",
    "здрасьте": "здрасте", "дратути": "здрасте", "хеллоу": "привет",
    "чел": "человек", "опер": "оператор",
    "заява": "заявка", "заяву": "заявку", "заявы": "заявки",
    "инст": "инстаграм", "инста": "инстаграм", "инсте": "инстаграм", "инсту": "инстаграм",
    "ватсап": "вотсап", "вацап": "вотсап", "уатсап": "вотсап", "вотсапп": "вотсап",
    "тел": "телефон", "номерок": "номер",
    # Kazakh (folded)
    "ракмет": "рахмет", "рахмат": "рахмет", "рахмед": "рахмет", "рахметт": "рахмет",
    "рахметик": "рахмет", "рахмеет": "рахмет", "салам": "салем", "слм": "салем", "саламатсыз": "салеметсиз",
    "саламатсызба": "салеметсиз ба", "салеметсизбе": "салеметсиз бе",
    # English
    "pls": "please", "plz": "please", "plez": "please", "pleas": "please", "pleeze": "please",
    "thx": "thanks", "thnx": "thanks", "thanx": "thanks", "tnx": "thanks", "tq": "thanks",
    "tysm": "thanks", "thanku": "thanks", "thankyou": "thank you",
    "u": "you", "ur": "your", "r": "are", "pple": "people", "ppl": "people",
    "whats": "what is", "wats": "what is", "wat": "what", "im": "i am", "ive": "i have",
    "dont": "do not", "cant": "can not", "cannot": "can not", "wont": "will not",
    "doesnt": "does not", "didnt": "did not", "isnt": "is not", "arent": "are not",
    "wanna": "want to", "gonna": "going to", "gotta": "have to", "hows": "how is",
    "wheres": "where is", "whens": "when is", "whos": "who is", "theres": "there is",
    "yo": "hey", "heya": "hey", "heyy": "hey", "hiya": "hi", "hii": "hi", "helo": "hello", "hallo": "hello",
    "info": "information", "docs": "documents", "doc": "document", "app": "application",
    "govt": "government", "tel": "phone", "num": "number",
}
_SLANG_SPLIT = {key: tuple(value.split()) for key, value in SLANG.items()}

# English contractions, expanded before tokenising so "what's" is not "what" + "s".
_CONTRACTIONS = (
    (re.compile(r"\b(can|won|ain)['’`]t\b"), lambda m: {"can": "can not", "won": "will not", "ain": "is not"}[m.group(1)]),
    (re.compile(r"([a-z])n['’`]t\b"), lambda m: m.group(1) + " not"),
    (re.compile(r"([a-z])['’`](s|m|re|ve|ll|d)\b"),
     lambda m: m.group(1) + " " + {"s": "is", "m": "am", "re": "are", "ve": "have", "ll": "will", "d": "would"}[m.group(2)]),
)
# Kazakh Latin of the 2017 alphabet marks letters with an apostrophe: o'tinim, s'ar, g'ana.
_APOSTROPHE_LETTERS = {
    "a": "á", "o": "ó", "u": "ú", "g": "ǵ", "n": "ń", "s": "sh", "c": "ch", "i": "ı", "y": "ý",
}
_APOSTROPHE_RE = re.compile(r"([aougnsciy])['’`](?=[a-záäǵğıíńñóöşúüūý])")
# "рахмееет", "плиииз", "hellooo": a letter repeated three times or more is one letter.
_REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")


def clean(text: str) -> str:
    """Lower-case, NFC, cut to MAX_INPUT_CHARS; contractions expanded, letter runs cut."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text)[:MAX_INPUT_CHARS]).lower()
    if "'" in text or "’" in text or "`" in text:
        for pattern, repl in _CONTRACTIONS:
            text = pattern.sub(repl, text)
        text = _APOSTROPHE_RE.sub(lambda m: _APOSTROPHE_LETTERS[m.group(1)], text)
    return _REPEAT_RE.sub(r"\1", text)


def _unslang(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        mapped = _SLANG_SPLIT.get(token)
        if mapped:
            out.extend(mapped)
        else:
            out.append(token)
    return out


def raw_tokens(text: str) -> list[str]:
    """Words of `text` (letters and digits), lower-case; emoji and punctuation dropped."""
    return _TOKEN_RE.findall(clean(text))


def fold_cyrillic(word: str) -> str:
    """Kazakh-specific letters to their Russian-keyboard equivalents; ё→е; й→и; no ь/ъ."""
    return word.translate(_CYRILLIC_FOLD)


def transliterate_latin(word: str) -> str:
    """Latin-script Kazakh (official or informal) to folded Cyrillic."""
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        pair = word[i:i + 2]
        if pair in _LATIN_DIGRAPHS:
            out.append(_LATIN_DIGRAPHS[pair])
            i += 2
            continue
        ch = word[i]
        if ch in "iı" and i > 0 and word[i + 1:i + 2] in ("a", "u") and (
            word[i - 1] in _LATIN_VOWELS
        ):
            # "zaiavka", "ideia", "qoiamyn": i + a after a vowel is я (ю for i + u), as
            # "zayavka" and the Cyrillic «заявка» are.
            out.append("я" if word[i + 1] == "a" else "ю")
            i += 2
            continue
        if ch in "iı" and i > 0 and word[i + 1:] == "a" and word[i - 1] not in _LATIN_VOWELS:
            # "komissia", "stipendia": a final -ia after a consonant is -ия.
            out.append("ия")
            i += 2
            continue
        if ch == "y" and i > 0 and word[i - 1] in _LATIN_VOWELS and word[i - 1] not in "iıí" and (
            i + 1 == n or word[i + 1] not in _LATIN_VOWELS
        ) and not (word[i - 1] == "u" and i > 1 and word[i - 2] in _LATIN_VOWELS):
            # "qalay", "oy": a y after a vowel is й, folded to и; but after the u of a
            # vowel + u ("auyl", "dauys", "tauyp") it is ы, as in «ауыл», «дауыс», «тауып».
            out.append("и")
        else:
            out.append(_LATIN_SINGLE.get(ch, ch))
        i += 1
    return fold_cyrillic("".join(out))


def _fold_mixed(word: str) -> str:
    # A word with both scripts is Cyrillic with a few Latin letters (homoglyphs such as
    # "кiм") or a half-switched layout ("бирinshi"): read the Latin run as Kazakh Latin,
    # except single letters, which are most likely look-alikes.
    def latin_run(match: re.Match[str]) -> str:
        run = match.group(0)
        if len(run) == 1:
            return _HOMOGLYPHS.get(run, transliterate_latin(run))
        return transliterate_latin(run)

    return fold_cyrillic(re.sub(r"[a-záäçéǵğıíńñóöşúüūý]+", latin_run, word))


def script_of(word: str) -> str:
    """'cyr', 'lat', 'mixed' or 'other' (digits, other scripts)."""
    cyr = bool(_CYRILLIC_RE.search(word))
    lat = bool(_LATIN_RE.search(word))
    if cyr and lat:
        return "mixed"
    if cyr:
        return "cyr"
    if lat:
        return "lat"
    return "other"


def looks_kazakh_latin(word: str) -> bool:
    """A Latin word with Kazakh-only letters, a Kazakh function word or typical spelling."""
    if any(ch in _KAZAKH_LATIN_LETTERS for ch in word):
        return True
    # q is Kazakh қ unless English "qu" + vowel (question, quota).
    if re.search(r"q(?!u[aeiou])", word):
        return True
    if word in EN_MARKERS:
        return False
    return transliterate_latin(word) in KK_MARKERS


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_tokens(
    text: str,
    english_vocab: Iterable[str] | frozenset[str] = EN_MARKERS,
    cyrillic_vocab: Iterable[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Normalised tokens of `text`.

    Cyrillic words are folded. A Latin word stays Latin when it is English (in
    `english_vocab`); it becomes folded Cyrillic when it looks Kazakh or its transliteration
    is a known Cyrillic word (`cyrillic_vocab`); when both hold (e.g. "grant") both forms are
    emitted; when neither, the sentence's language decides.
    """
    words = raw_tokens(text)
    if not words:
        return []
    english_vocab = english_vocab if isinstance(english_vocab, (set, frozenset)) else set(english_vocab)
    cyrillic_vocab = cyrillic_vocab if isinstance(cyrillic_vocab, (set, frozenset)) else set(cyrillic_vocab)
    sentence_lang = detect_language_tokens(words, english_vocab, cyrillic_vocab)
    out: list[str] = []
    for word in words:
        script = script_of(word)
        if script == "cyr":
            folded = fold_cyrillic(word)
            if folded:
                out.append(folded)
        elif script == "mixed":
            out.append(_fold_mixed(word))
        elif script == "lat":
            plain = _strip_accents(word)
            if plain in _SLANG_SPLIT and not any(ch in _KAZAKH_LATIN_LETTERS for ch in word):
                out.extend(_SLANG_SPLIT[plain])  # "pls", "whats", "thx": chat English
                continue
            translit = transliterate_latin(word)
            is_en = plain in english_vocab and not any(ch in _KAZAKH_LATIN_LETTERS for ch in word)
            is_kk = looks_kazakh_latin(word) or translit in cyrillic_vocab or translit in _SLANG_SPLIT
            if is_en and is_kk:
                if sentence_lang == "en":
                    out.append(plain)
                elif sentence_lang in ("kk", "ru"):
                    out.append(translit)
                else:
                    out.extend((plain, translit))
            elif is_en:
                out.append(plain)
            elif is_kk or sentence_lang in ("kk", "ru"):
                out.append(translit)
            else:
                out.append(plain)
        else:
            out.append(word)
    return _unslang(out)


def normalize(text: str) -> str:
    """The folded form of `text` as one space-separated string (see `fold_tokens`)."""
    return " ".join(fold_tokens(text))


def detect_language_tokens(
    words: list[str],
    english_vocab: Iterable[str] | frozenset[str] = frozenset(),
    cyrillic_vocab: Iterable[str] | frozenset[str] = frozenset(),
) -> str | None:
    kk = ru = en = 0.0
    for word in words:
        script = script_of(word)
        if script in ("cyr", "mixed"):
            if re.search(r"[әғқңөұүһі]", word):
                kk += 2
            folded = _fold_mixed(word) if script == "mixed" else fold_cyrillic(word)
            if folded in SHARED_MARKERS:
                continue
            if folded in KK_MARKERS:
                kk += 1.5
            elif folded in RU_MARKERS:
                ru += 1.5
            elif re.search(r"(мын|мин|сыз|сиз|лар|лер|дар|дер|тар|тер|нын|нин|дын|дин|тын|тин|гыз|гиз)$", folded):
                kk += 0.6
            elif re.search(r"(ть|ться|ого|ему|ами|ями|ешь|ите|ый|ий|ая|ое|ые|ов|ев|аю|яю|ую|ею)$", word):
                ru += 0.6
            else:
                ru += 0.2  # Cyrillic without other evidence: Russian is the likelier
        elif script == "lat":
            plain = _strip_accents(word)
            if plain in _SLANG_SPLIT and not any(ch in _KAZAKH_LATIN_LETTERS for ch in word):
                en += 1  # "pls", "whats", "thx": chat English
            elif looks_kazakh_latin(word):
                kk += 2
            elif plain in EN_MARKERS:
                en += 1.5
            elif plain in english_vocab and transliterate_latin(word) in cyrillic_vocab:
                continue  # "grant", "mentor": no evidence either way
            elif word.startswith("zh") or transliterate_latin(word) in cyrillic_vocab:
                kk += 1
            elif plain in english_vocab:
                en += 1
            elif re.search(r"(myn|min|syz|siz|lar|ler|dar|der|tar|ter|nyn|nin|dy|di|ty|ti|ge|ga|ke|qa|ma|me|pe|be|ba)$", word) and not re.search(r"(ing|tion|ed|ly|th|ght)$", word):
                kk += 0.5
            else:
                en += 0.5
    if kk == ru == en == 0:
        return None
    best = max(("kk", kk), ("ru", ru), ("en", en), key=lambda pair: pair[1])
    return best[0]


def detect_language(text: str) -> str | None:
    """'kk', 'ru' or 'en' for a message, or None when it has no words (emoji, digits)."""
    words = [w for w in raw_tokens(text) if not w.isdigit()]
    return detect_language_tokens(words)
