"""Words read from a message whatever flow it lands in (handlers/interrupts.py)."""
import pytest

from handlers.interrupts import birth_year_in, is_bare_yes, is_bare_yes_no


@pytest.mark.parametrize("text, year", [
    ("2004 jyly tugam", 2004), ("2004 жылы туғанмын", 2004), ("2004 жылы тугам", 2004),
    ("мен 2000 жылы туылғанмын", 2000), ("мен 2005 жылғымын", 2005),
    ("я 2003 года рождения", 2003), ("я 2003 г.р.", 2003), ("2002 г.р. можно?", 2002),
    ("родилась в 1999", 1999), ("born in 2001", 2001), ("2004 tugan", 2004),
])
def test_a_stated_year_of_birth(text, year):
    assert birth_year_in(text) == year


@pytest.mark.parametrize("text", [
    "грант 2026 жылы", "звонил 12.05.2004", "2004", "в 2023 году было 28 грантов",
    "1 000 000 тенге", "заявка ZP-2004", "итоги 2025 года", "",
    "2020 жылы туған жерімде жоба ашқым келеді",  # «туған жер»: the homeland
    "я родила в 2020 году, можно с ребёнком?", "в 2019 году родила сына",  # a child's year
])
def test_other_years_are_not_birth_years(text):
    assert birth_year_in(text) is None


@pytest.mark.parametrize("text", ["да", "Иә", "иа", "ia", "Yes!", "ага"])
def test_bare_yes(text):
    assert is_bare_yes(text) and is_bare_yes_no(text)


@pytest.mark.parametrize("text", ["нет", "жоқ", "joq", "zhok", "ok", "ок", "no"])
def test_bare_no_or_ok_is_not_yes(text):
    assert is_bare_yes_no(text) and not is_bare_yes(text)


@pytest.mark.parametrize("text, how", [
    ("как подать заявку", True), ("өтінімді қалай беремін", True), ("otinimdi qalai beremin", True),
    ("How do I apply?", True), ("можно ли подать в 17", False), ("какие документы", False),
    ("showcase", False),
])
def test_asks_how(text, how):
    from handlers.interrupts import asks_how

    assert asks_how(text) is how
