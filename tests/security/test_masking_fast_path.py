"""The masking fast path (core/privacy.py: one pass for "four digits at least", digit-chain
and birth-year gates, searches started where a match can first begin, phone numbers
replaced without a call back) masks exactly what the code before it did
(tests/support/masking_reference.py), on texts like the journal's: Kazakh, Russian and
English words among phone numbers in every spelling, IINs, dates, other numbers and the
programme's own numbers, which stay readable."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from core import privacy
from tests.support import masking_reference as reference

TODAY = date(2026, 11, 29)
PROGRAMME = "+7 727 355 00 00"  # the programme's own number: never masked
KEEP = frozenset({privacy.phone_key(PROGRAMME)})
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

WORDS = ["Сәлем", "менің ЖСН", "мой ИИН", "my IIN is", "номер", "телефон:", "звоните", "туылған күнім",
         "родилась", "born", "до", "мая", "наурыз", "March", "марта", "жылы", "г.", "года", "ж.", "of",
         "грант", "тенге", "Құжаттар тізімі", "заявка №", "ZP-", "қабылдау", "Приём заявок", "whatsapp:",
         "-", "—", ",", ".", ":", "(", ")", "/", "+", "№"]
SEPARATORS = ["", " ", "-", ".", "_", "/", " - ", "–", "\u00a0", "．", "－", "(", ")", "  "]


def digits(n: int):
    return st.text("0123456789", min_size=n, max_size=n)


@st.composite
def phone(draw) -> str:
    """A Kazakh mobile or city number in one of the ways people write it."""
    number = draw(st.sampled_from(["701", "702", "705", "707", "747", "771", "775", "727", "717"])) + draw(digits(7))
    a, b, c, d = number[:3], number[3:6], number[6:8], number[8:]
    return draw(st.sampled_from([
        f"+7{number}", f"8{number}", f"7{number}", f"+7 {a} {b} {c} {d}", f"8 ({a}) {b}-{c}-{d}",
        f"+7 ({a}) {b}-{c}-{d}", f"+7-{a}-{b}-{c}-{d}", f"8 {a} {b}{c}{d}", f"whatsapp:+7{number}",
        f"+7{a} {b} {c}{d}", f"8-{a}-{b}-{c}-{d}", f"+7 {a} {b}{c}{d}", f"{number}", f"+7.{a}.{b}.{c}.{d}"]))


@st.composite
def iin(draw) -> str:
    born = draw(st.dates(min_value=date(1940, 1, 1), max_value=date(2015, 12, 31)))
    text = born.strftime("%y%m%d") + draw(digits(6))
    gaps = [draw(st.sampled_from(SEPARATORS)) if draw(st.booleans()) else "" for _ in range(11)]
    return text[0] + "".join(gap + digit for gap, digit in zip(gaps, text[1:]))


@st.composite
def a_date(draw) -> str:
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
    month = draw(st.sampled_from(["января", "марта", "мая", "наурыз", "қаңтар", "желтоқсан", "March", "dec"]))
    return draw(st.sampled_from([
        day.strftime("%d.%m.%Y"), day.strftime("%d/%m/%y"), day.isoformat(), f"{day.day}.{day.month}.{day.year}",
        f"{day.day} {month} {day.year}", f"{day.day}-го {month} {day.year} года", f"{day.year} жылы {day.day} {month}",
        f"{month} {day.day}, {day.year}", f"{day.day}th of {month}, {day.year}", f"{day.year} г.",
        f"{day.day} . {day.month} . {day.year}"]))


number_like = st.text("0123456789 -./()+*", min_size=1, max_size=24)
piece = st.one_of(st.sampled_from(WORDS), phone(), iin(), a_date(), number_like, st.just(PROGRAMME),
                  digits(12), digits(13), digits(11), st.text(max_size=12))


@st.composite
def journal_text(draw) -> str:
    text = "".join(draw(st.sampled_from([" ", "", ", ", "\n", ": "])) + part
                   for part in draw(st.lists(piece, min_size=1, max_size=8)))
    script = draw(st.sampled_from([None, None, None, FULL_WIDTH, ARABIC_INDIC]))
    return text.translate(script) if script else text


def same(text: str) -> None:
    for phones in (True, False):
        for keep in (frozenset(), KEEP):
            expected = reference._mask_personal(text, phones, TODAY, keep)
            assert privacy._mask_personal(text, phones, TODAY, keep) == expected, (text, phones, keep)
            assert privacy.mask_personal(text, phones=phones, today=TODAY, keep_phones=keep) == expected
    assert privacy.mask_phones(text, KEEP) == reference.mask_phones(text, KEEP)
    assert privacy.mask_iins(text) == reference.mask_iins(text)
    assert privacy.mask_birth_dates(text, today=TODAY) == reference.mask_birth_dates(text, today=TODAY)


@given(journal_text())
@settings(max_examples=1500, deadline=None)
def test_fast_path_masks_what_the_old_code_masked(text):
    same(text)


@pytest.mark.parametrize("text", [
    "Сообщение 2: когда заканчивается приём заявок? Мой номер +77010012345",
    "Сообщение 1: Мой номер +77010020121",  # a possible birth year inside a phone number
    "Мой ИИН 010203456789, родилась 03.02.2001, тел +7 701 234 56 78",
    "менің ЖСН 990315 300 123, туылған күнім 2001 жылы 15 наурызда",
    "Звоните в офис программы: +7 727 355 00 00, или мне 8 (701) 234-56-78",
    "ИИН ٠١٠٢٠٣٤٥٦٧٨٩ и ９９０３１５３００１２３",
    "order 123456789012345, грант до 1 000 000 тенге, приём заявок до 15.05.2026",
    "born March 15th, 2001 at 7 701 2345678; whatsapp:+77011234567",
    "Сәлем! Құжаттар тізімі: жеке куәлік",
    "1 2 3", "12.3", "+7 (701) 234-56-78 +7 (701) 234-56-79", "2001", "", "7" * 40,
])
def test_table_of_journal_texts(text):
    same(text)
