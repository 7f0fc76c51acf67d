"""Names inside free text (core.names): found by introductions, patronymics and surnames."""
import pytest
from hypothesis import given, settings, strategies as st

from core.names import mask_names


@pytest.mark.parametrize("text, masked", [
    # introductions, in the way people type them: lowercase, Kazakh, Latin
    ("меня зовут айгерим касымова хочу узнать про грант", "меня зовут а****** к******* хочу узнать про грант"),
    ("Здравствуйте, меня зовут Айгерим. Мне 24 года", "Здравствуйте, меня зовут А******. Мне 24 года"),
    ("менің атым Асқар Серікұлы, Ақтаудан жазып отырмын", "менің атым А**** С*******, Ақтаудан жазып отырмын"),
    ("атым Дана", "атым Д***"),
    ("my name is Aigerim Nurlanovna and i want to apply", "my name is A****** N********* and i want to apply"),
    ("hi my name's dana", "hi my name's d***"),
    ("ФИО: Иванова Мария Петровна", "ФИО: И****** М**** П*******"),
    # an operator's call note: surname inside a sentence, with the first name beside it
    ("Звонила Садыкова Айгерим по поводу сроков", "З****** С******* А****** по поводу сроков"),
    ("Айгерим Садыкова звонила, спросила про документы", "А****** С******* звонила, спросила про документы"),
    ("Серікқызы Айдана жазды", "С******** А***** жазды"),
    ("перезвонить, петровна просила", "перезвонить, п******* просила"),
])
def test_names_are_masked(text, masked):
    assert mask_names(text) == masked


@pytest.mark.parametrize("text", [
    "ақтаулы жастарға грант бар ма",  # "from Aktau", not a patronymic
    "грантов сколько дают в Алматы",
    "Сколько проектов прошло? Проектов было 28",  # a sentence's first word
    "на чьё имя оформлять договор",  # «имя» without a name after it
    "Мангистауская область подходит?",
    "NEET статус ИИН нужен?",
    "Грант — до 1 000 000 тенге на один проект. Деньги на руки не выдаются.",
    "",
])
def test_ordinary_text_stays_readable(text):
    assert mask_names(text) == text


_HINT_WORDS = ("зовут", "имя", "name", "атым", "есім", "есим", "жөнім", "жоним", "atym", "esimim",
               "фио", "ф.и.о", "ф. и. о", "атайды", "аты-жөні", "ович", "евич", "овна", "евна", "ична")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_HINT_WORDS + ("ЗОВУТ", "Ф.И.О", "Name", "İ", "ов", "Иванов"))
                          .map(lambda word: word[:len(word) - 1] if len(word) > 3 and word[0] in "зафн" else word),
                          st.text("аоеимнтзвуфчΣİ. -", max_size=4), st.sampled_from(_HINT_WORDS)), max_size=6))
def test_name_precheck_is_the_substring_rule(parts):
    """The one-scan pre-check says "may hold a name" exactly where one of the words is in the
    lowered text, as the twenty `in` tests before it did (or a capitalised surname is there)."""
    from core import names

    text = "".join(parts)
    lowered = text.lower()
    expected = any(word in lowered for word in _HINT_WORDS) or names._CAPITAL_SURNAME.search(text) is not None
    assert names._may_hold_a_name(text) == expected
