"""Issue 14: one masking function finds IINs and birth dates in every common form.

Hypothesis writes IINs with any mix of separators and digit scripts, and birth dates
numerically and with Kazakh, Russian and English month names, inside surrounding text."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from hypothesis import given, settings, strategies as st

from core.privacy import DATE_MASK, mask_personal, mask_text

TODAY = date(2026, 6, 1)
SEPARATORS = ["", " ", "-", ".", "_", "/", " - ", "–", "\u00a0", "．", "－"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MONTHS = {
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"],
    "kk": ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
           "қараша", "желтоқсан"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
words = st.sampled_from(["мой ИИН", "менің ЖСН", "my IIN is", "вот:", "", "родилась", "туылған күнім", "born"])
birth_dates = st.dates(min_value=date(1960, 1, 1), max_value=date(2012, 12, 31))


def _ascii(text: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c for c in text)


@st.composite
def iins(draw) -> str:
    born = draw(birth_dates)
    rest = draw(st.text("0123456789", min_size=6, max_size=6))
    return born.strftime("%y%m%d") + rest


@st.composite
def written_iin(draw, iin: str) -> str:
    gaps = [draw(st.sampled_from(SEPARATORS)) if draw(st.booleans()) else "" for _ in range(11)]
    text = iin[0] + "".join(gap + digit for gap, digit in zip(gaps, iin[1:]))
    script = draw(st.sampled_from([None, FULL_WIDTH, ARABIC_INDIC]))
    return text.translate(script) if script else text


@given(data=st.data(), before=words, after=st.sampled_from(["", ", проверьте", " рахмет", ".", "!"]))
@settings(max_examples=200, deadline=None)
def test_iins_are_masked_in_any_form(data, before, after):
    iin = data.draw(iins())
    written = data.draw(written_iin(iin))
    masked = mask_personal(f"{before} {written}{after}", today=TODAY)
    digits = re.sub(r"[^0-9]", "", _ascii(masked))
    assert iin[:10] not in digits, masked
    assert masked.endswith(after) and masked.startswith(before)


@st.composite
def written_date(draw, born: date) -> str:
    lang = draw(st.sampled_from(["ru", "kk", "en", "numeric", "iso"]))
    day, month, year = born.day, born.month, born.year
    if lang == "numeric":
        sep = draw(st.sampled_from([".", "/", "-", " . "]))
        d = f"{day:02d}" if draw(st.booleans()) else str(day)
        m = f"{month:02d}" if draw(st.booleans()) else str(month)
        y = str(year) if draw(st.booleans()) else f"{year % 100:02d}"
        text = sep.join([d, m, y]) if sep != " . " or len(y) == 4 else f"{d}.{m}.{y}"
    elif lang == "iso":
        text = born.isoformat()
    else:
        name = MONTHS[lang][month - 1]
        if draw(st.booleans()):
            name = name.lower() if draw(st.booleans()) else name.capitalize()
        forms = {"ru": [f"{day} {name} {year}", f"{day} {name} {year} г.", f"{day}-го {name} {year} года"],
                 "kk": [f"{year} жылы {day} {name}да", f"{year} ж. {day} {name}", f"{day} {name} {year} ж."],
                 "en": [f"{day} {name} {year}", f"{name} {day}, {year}", f"{name} {day}th {year}",
                        f"{day}th of {name}, {year}"]}[lang]
        text = draw(st.sampled_from(forms))
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return text


@given(data=st.data(), before=words)
@settings(max_examples=200, deadline=None)
def test_birth_dates_are_masked_numeric_and_written(data, before):
    born = data.draw(birth_dates)
    written = data.draw(written_date(born))
    masked = mask_personal(f"{before} {written} — вот так", today=TODAY)
    assert DATE_MASK in masked, (written, masked)
    assert str(born.year) not in _ascii(masked), (written, masked)
    assert masked.endswith(" — вот так")


def test_deadlines_and_ordinary_numbers_stay_readable():
    for text in ("приём заявок до 15.05.2026", "до 15 мая 2026 года", "order 123456789012345",
                 "грант до 1 000 000 тенге", "ZP-0042", "в 2001 году"):
        assert mask_personal(text, today=TODAY) == text


def test_logs_and_exports_also_mask_phones():
    assert "2345" not in mask_text("позвоните +7 701 234 56 78, ИИН 990315300123")
    assert "990315" not in mask_text("позвоните +7 701 234 56 78, ИИН 990315300123")


def test_log_records_are_masked_with_the_same_function():
    import logging

    from bot.logs import MaskPersonalData

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user wrote %s", ("ИИН 990315_300_123, родилась 15 марта 1999",), None)
    assert MaskPersonalData().filter(record)
    message = record.getMessage()
    assert "990315" not in message and "1999" not in message and "марта" not in message
