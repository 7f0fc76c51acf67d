"""Masking of personal data — the one function for the journal, notes, logs and exports.

`mask_personal(text)` finds
- IINs: 12 digits in any common form — glued, or split by spaces, dashes, dots,
  underscores or slashes, in ASCII or full-width (or any other Unicode) digits;
- dates of birth: numeric (15.03.2001, 15/03/01, 2001-03-15) and written with month names
  in Kazakh, Russian or English ("15 марта 2001 г.", "2001 жылы 15 наурызда",
  "March 15th, 2001"). A date counts as a possible birth date when its year is at least
  ten years back (younger people do not write to the programme); later dates — deadlines,
  appointments — stay readable. Two-digit years are always masked (they are ambiguous);
- with `phones=True` (logs and exports, where nobody needs to dial), phone numbers.

Digits are compared after mapping every Unicode decimal digit to ASCII, one character for
one, so positions in the original text stay valid and only the match is replaced.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from core.names import mask_names

__all__ = ["mask_personal", "mask_iins", "mask_birth_dates", "mask_phone", "mask_phones", "mask_name",
           "mask_text", "mask_texts", "phone_key", "DATE_MASK"]

DATE_MASK = "**.**.****"
# Separators people put inside an IIN or a date (ASCII and full-width forms).
_SEP = r"[\s\-‐‑–—_./·－．＿／]"
_IIN = re.compile(rf"(?<![0-9])(?<![0-9]{_SEP})[0-9](?:{_SEP}{{0,3}}[0-9]){{11}}(?!{_SEP}?[0-9])")
_NUMERIC_DATE = re.compile(
    r"(?<![0-9])(?<![0-9][./\-])"
    r"(?:(?P<y1>[0-9]{4})[\-./](?P<m1>[0-9]{1,2})[\-./](?P<d1>[0-9]{1,2})"
    r"|(?P<d2>[0-9]{1,2})\s?[./\-]\s?(?P<m2>[0-9]{1,2})\s?[./\-]\s?(?P<y2>[0-9]{4}|[0-9]{2}))"
    r"(?![0-9])(?![./\-][0-9])")

_MONTHS = {  # stems: every case form (марта, наурызда, қаңтардың) starts with one
    1: ("январ", "янв", "қаңтар", "january", "jan"),
    2: ("феврал", "фев", "ақпан", "february", "feb"),
    3: ("март", "мар", "наурыз", "march", "mar"),
    4: ("апрел", "апр", "сәуір", "april", "apr"),
    5: ("мая", "май", "мамыр", "may"),
    6: ("июн", "маусым", "june", "jun"),
    7: ("июл", "шілде", "july", "jul"),
    8: ("август", "авг", "тамыз", "august", "aug"),
    9: ("сентябр", "сен", "қыркүйек", "september", "sept", "sep"),
    10: ("октябр", "окт", "қазан", "october", "oct"),
    11: ("ноябр", "ноя", "қараша", "november", "nov"),
    12: ("декабр", "дек", "желтоқсан", "december", "dec"),
}
_MONTH_BY_STEM = {stem: number for number, stems in _MONTHS.items() for stem in stems}
_MONTH = "(?P<month>" + "|".join(sorted(map(re.escape, _MONTH_BY_STEM), key=len, reverse=True)) + r")\w*\.?"
_DAY = r"(?P<day>[0-9]{1,2})(?:\s?-?\s?(?:го|е|ое|th|st|nd|rd|шы|ші|сы|сі))?"
_YEAR = r"(?P<year>[0-9]{4})"
_YEAR_WORD = r"(?:\s*(?:г\.|гг\.|года|год|г\b|ж\.|жылы|жылғы|жыл|year))?"
_WRITTEN = [
    # 15 марта 2001 г. / 15-го марта 2001 / 15 наурыз 2001 ж. / 15th of March, 2001
    re.compile(rf"(?<![0-9]){_DAY}\s*(?:of\s+)?{_MONTH}\s*,?\s*{_YEAR}{_YEAR_WORD}", re.IGNORECASE),
    # March 15, 2001 / March 15th 2001
    re.compile(rf"(?<!\w){_MONTH}\s+{_DAY}\s*,?\s*{_YEAR}{_YEAR_WORD}", re.IGNORECASE),
    # 2001 жылы 15 наурызда / 2001 г. 15 марта / 2001, March 15
    re.compile(rf"(?<![0-9]){_YEAR}{_YEAR_WORD}\s*,?\s*{_DAY}\s*{_MONTH}", re.IGNORECASE),
]

# Gates: a substring every match of the pattern holds, found by a scan that jumps from one
# digit to the next (the patterns themselves start with look-behinds, which the regex
# engine tries at every character). Text without it cannot hold what the pattern masks.
_IIN_GATE = re.compile(rf"[0-9](?:{_SEP}{{0,3}}[0-9]){{11}}")
# Digits chained by at most three separators, each chain as long as it goes: an IIN lies
# inside one, so a text whose chains are all shorter than twelve characters holds none. A
# single pass (the gate above starts again at every digit).
_DIGIT_CHAIN = re.compile(rf"[0-9](?:{_SEP}{{0,3}}[0-9])*")
_NUMERIC_GATE = re.compile(r"[0-9]\s?[./\-]")
_CENTURY = re.compile(r"(?:19|20)[0-9]{2}")  # a quick first look for _birth_years
_PHONE_GATE = re.compile(r"[0-9][0-9\-\s().]{8,16}[0-9]")
_NOT_DIGIT = re.compile(r"[^0-9]")
# Four digits in any script (`\d` is what _ascii_digits converts): fewer hold no date
# (1.1.01 has four), IIN (12) or phone (10). One scan that jumps from digit to digit.
_FOUR_DIGITS = re.compile(r"\d(?:\D*\d){3}")

# Phone numbers: +7 701 234 56 78, 8 (701) 234-56-78, whatsapp:+77012345678, 77012345678.
_PHONE = re.compile(r"(?<![0-9])(\+?[0-9][0-9\-\s().]{8,16}[0-9])(?![0-9])")


# `\d` on str patterns is exactly the characters with a decimal value (Unicode Nd), so this
# class is every digit but 0-9: the regex engine finds the rare one instead of a Python loop
# over every letter (Cyrillic text is never ASCII: that loop was most of an export's time).
_OTHER_DIGIT = re.compile(r"[^\D0-9]")


def _ascii_digits(text: str) -> str:
    """`text` with every Unicode decimal digit (full-width, Arabic-Indic…) as ASCII, same length."""
    if text.isascii() or not _OTHER_DIGIT.search(text):
        return text
    return _OTHER_DIGIT.sub(lambda match: str(unicodedata.decimal(match.group())), text)


def _replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _plausible_yymmdd(digits: str) -> bool:
    try:
        date(2000, int(digits[2:4]), int(digits[4:6]))  # 2000 is a leap year: 29 Feb counts
    except ValueError:
        return False
    return True


def _iin_spans(original: str, digits_text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    if max(map(len, _DIGIT_CHAIN.findall(digits_text)), default=0) < 12:
        return spans
    gate = _IIN_GATE.search(digits_text)
    if gate is None:
        return spans
    # Every IIN is itself a gate match: none starts before the first one.
    for match in _IIN.finditer(digits_text, gate.start()):
        digits = _NOT_DIGIT.sub("", match.group())
        if _plausible_yymmdd(digits):
            spans.append((match.start(), match.end(), "*" * 10 + digits[-2:]))
    return spans


def _birth_year(year: int, today: date) -> bool:
    return 1900 <= year <= today.year - 10


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4)
def _birth_years(last: int) -> re.Pattern:
    """Any year `_birth_year` accepts (1900 … `last`), written as four digits."""
    return re.compile("|".join(str(year) for year in range(1900, last + 1)) or "(?!)")


def _date_spans(digits_text: str, today: date) -> list[tuple[int, int, str]]:
    spans = []
    gate = _NUMERIC_GATE.search(digits_text)
    # A numeric date holds the gate's digit-and-separator at most three characters in
    # (2001-…): none starts more than three characters before the first gate match.
    for match in (_NUMERIC_DATE.finditer(digits_text, max(gate.start() - 3, 0)) if gate else ()):
        year_text = match.group("y1") or match.group("y2")
        month = int(match.group("m1") or match.group("m2"))
        day = int(match.group("d1") or match.group("d2"))
        year = int(year_text) if len(year_text) == 4 else 2000
        if _valid(year, month, day) and (len(year_text) == 2 or _birth_year(year, today)):
            spans.append((match.start(), match.end(), DATE_MASK))
    # The written forms are costly (every month stem, any case): only text holding a year
    # `_birth_year` accepts is searched for them (a phone number's digits seldom hold one).
    years = _CENTURY.search(digits_text) and _birth_years(today.year - 10).search(digits_text)
    for pattern in (_WRITTEN if years else ()):
        for match in pattern.finditer(digits_text):
            stem = match.group("month").lower()
            month = _MONTH_BY_STEM.get(stem)
            year, day = int(match.group("year")), int(match.group("day"))
            if month and _valid(year, month, day) and _birth_year(year, today):
                spans.append((match.start(), match.end(), DATE_MASK))
    return _without_overlaps(spans) if spans else spans


def _without_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
        elif span[1] > kept[-1][1]:
            kept[-1] = (kept[-1][0], span[1], kept[-1][2])
    return kept


def mask_iins(text: str) -> str:
    """IINs only (12 digits in any common form), last two digits kept."""
    text = text or ""
    return _replace_spans(text, _iin_spans(text, _ascii_digits(text)))


def mask_birth_dates(text: str, *, today: date | None = None) -> str:
    text = text or ""
    return _replace_spans(text, _date_spans(_ascii_digits(text), today or date.today()))


def mask_phone(phone: str | None) -> str:
    """+77012345678 → +7701*****78: enough to tell numbers apart, not to dial one."""
    if not phone:
        return ""
    digits = _NOT_DIGIT.sub("", phone)
    if len(digits) < 6:
        return "*" * len(digits)
    prefix = "+" if phone.strip().lstrip("whatsap:").startswith("+") else ""
    return prefix + digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def phone_key(phone: str) -> str:
    """What two spellings of one number share: its last ten digits (8 708… and +7 708… alike)."""
    return _NOT_DIGIT.sub("", phone)[-10:]


def mask_phones(text: str, keep: frozenset[str] = frozenset()) -> str:
    """Phone numbers masked, except those whose `phone_key` is in `keep` (the programme's own
    numbers: not personal data, and a manager reading a bot answer needs to see them)."""
    gate = _PHONE_GATE.search(text)
    if gate is None:
        return text
    # Every number holds a gate match, after at most a '+': none starts before the first one.
    # The matches are those _PHONE.sub would replace, without a call back per number.
    parts = []
    end = 0
    for match in _PHONE.finditer(text, max(gate.start() - 1, 0)):
        number = match.group(1)
        digits = _NOT_DIGIT.sub("", number)
        if 10 <= len(digits) <= 13 and digits[-10:] not in keep:
            parts += (text[end:match.start()], mask_phone(number))
            end = match.end()
    if not parts:
        return text
    parts.append(text[end:])
    return "".join(parts)


def mask_name(name: str | None) -> str:
    """Айгерим Садыкова → А***** С*******."""
    if not name:
        return ""
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split() if part)


def mask_personal(text: str | None, *, phones: bool = False, today: date | None = None,
                  keep_phones: frozenset[str] = frozenset()) -> str:
    """IINs and possible birth dates masked (and phone numbers with `phones=True`, except
    the `keep_phones` keys)."""
    text = text or ""
    if len(text) <= _CACHED_TEXT_MAX:
        # Every bot answer is journaled through here and the same few hundred answers repeat
        # all day: remembering them keeps masking off the per-message cost.
        return _mask_personal_cached(text, phones, today or date.today(), keep_phones)
    return _mask_personal(text, phones, today or date.today(), keep_phones)


_CACHED_TEXT_MAX = 4096


@lru_cache(maxsize=2048)
def _mask_personal_cached(text: str, phones: bool, today: date, keep_phones: frozenset[str]) -> str:
    return _mask_personal(text, phones, today, keep_phones)


def _mask_personal(text: str, phones: bool, today: date, keep_phones: frozenset[str]) -> str:
    if not _FOUR_DIGITS.search(text):
        return text  # most messages end here
    digits_text = _ascii_digits(text)
    iins = _iin_spans(text, digits_text)
    if iins:
        # Dates are looked for after the IINs are gone (an IIN's digits are no date).
        text = _replace_spans(text, iins)
        digits_text = _ascii_digits(text)
    masked = _replace_spans(text, _date_spans(digits_text, today))
    return mask_phones(masked, keep_phones) if phones else masked


def mask_text(text: str | None, *, today: date | None = None, keep_phones: frozenset[str] = frozenset()) -> str:
    """Free text as it may leave the system (logs, exports): IINs, birth dates, phones, and
    people's names where the text shows them (core/names.py)."""
    return mask_names(mask_personal(text, phones=True, today=today, keep_phones=keep_phones))


def mask_texts(texts: list[str | None], today: date, keep_phones: frozenset[str] = frozenset()) -> list[str]:
    """`mask_text` of each (a batch: what an export sends to a second process)."""
    return [mask_text(text, today=today, keep_phones=keep_phones) for text in texts]
