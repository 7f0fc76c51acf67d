from datetime import date

import pytest

from eligibility.answers_parsing import (
    parse_applied, parse_birth_date, parse_citizen, parse_employed, parse_region, parse_studying, parse_training,
    parse_yes_no,
)


@pytest.mark.parametrize(
    "text",
    ["да", "Да", "ДА!", "да.", "иә", "Иә", "ия", "иа", "ia", "yes", "Y", "ok", "ок", "1", "ага",
     "Да, я гражданин", "иә, азаматымын", "әрине", " yes "],
)
def test_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["нет", "Нет.", "жоқ", "Жок", "joq", "zhok", "no", "N", "2", "нет, не работаю", "емес", "nope"],
)
def test_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text", ["", None, "не знаю", "да нет", "может быть", "білмеймін", "hello", "3", "no idea",
             "not sure"],
)
def test_yes_no_unsure(text):
    assert parse_yes_no(text) is None


TODAY = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.03.2001", date(2001, 3, 12)),
        ("5.3.2001", date(2001, 3, 5)),
        ("05.03.2001 г.", date(2001, 3, 5)),
        ("2001-03-12", date(2001, 3, 12)),
        ("12/03/2001", date(2001, 3, 12)),
        ("12-03-2001", date(2001, 3, 12)),
        ("12 марта 2001", date(2001, 3, 12)),
        ("12 марта 2001 года", date(2001, 3, 12)),
        ("1 мая 1999", date(1999, 5, 1)),
        ("2001 жылғы 12 наурыз", date(2001, 3, 12)),
        ("12 маусым 2001", date(2001, 6, 12)),
        ("12 мамыр 2001", date(2001, 5, 12)),
        ("12 March 2001", date(2001, 3, 12)),
        ("March 12, 2001", date(2001, 3, 12)),
        ("29.02.2000", date(2000, 2, 29)),
    ],
)
def test_birth_date(text, expected):
    assert parse_birth_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["", None, "31.02.2001", "29.02.2001", "12.13.2001", "00.01.2001", "12.03.01", "12032001",
     "01.01.2030", "01.01.1850", "вчера", "12 марта", "12 марта 2001 и 13 марта 2001",
     "12 бананов 2001", "١٢.٠٣.٢٠٠١"],
)
def test_birth_date_refused(text):
    assert parse_birth_date(text, today=TODAY) is None


@pytest.mark.parametrize(
    "text",
    ["Алматы", "алматы", "г. Алматы", "Алматы қаласы", "Алматы қ.", "Almaty", "almaty city",
     "Алмата", "Алма-Ата", "Алматы, Бостандыкский район", "Медеуский район"],
)
def test_region_almaty_city(text):
    assert parse_region(text) == "almaty"


@pytest.mark.parametrize(
    "text",
    ["Маңғыстау", "Мангистау", "Мангистауская область", "Маңғыстау облысы", "Mangystau",
     "Mangystau region", "Мангышлак", "Актау", "Ақтау", "Aktau", "Жанаозен", "Жаңаөзен",
     "Zhanaozen", "Форт-Шевченко", "Бейнеу", "Курык"],
)
def test_region_mangystau(text):
    assert parse_region(text) == "mangystau"


@pytest.mark.parametrize(
    "text",
    ["Алматинская область", "алматинская обл.", "Алматы облысы", "Almaty region",
     "Almaty oblast", "Каскелен", "Қонаев", "Астана", "Шымкент", "Актобе", "другой регион",
     "басқа өңір", "other"],
)
def test_region_other(text):
    assert parse_region(text) == "other"


@pytest.mark.parametrize("text", ["", None, "привет", "Алматы и Актау", "Актау, раньше Астана"])
def test_region_unknown_or_ambiguous(text):
    assert parse_region(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("не учусь", "no"), ("нет", "no"), ("жоқ", "no"), ("оқымаймын", "no"), ("no", "no"),
        ("not studying", "no"),
        ("заочно", "part-time"), ("учусь заочно", "part-time"), ("вечернее", "part-time"),
        ("очно-заочно", "part-time"), ("сырттай", "part-time"), ("part-time", "part-time"),
        ("очно", "full-time"), ("очное отделение", "full-time"), ("күндізгі", "full-time"),
        ("full-time", "full-time"), ("Full time", "full-time"),
    ],
)
def test_studying(text, expected):
    assert parse_studying(text) == expected


@pytest.mark.parametrize("text", ["", None, "студент", "учусь", "2", "не учусь очно"])
def test_studying_unsure(text):
    assert parse_studying(text) is None


@pytest.mark.parametrize("text, expected", [
    # Kazakh letters typed, half-typed or not at all (a Russian keyboard): one word to a person.
    ("манғыстау", "mangystau"), ("маңгыстау облысы", "mangystau"), ("мангыстауда", "mangystau"),
    ("ақтаудан", "mangystau"), ("жанаозен", "mangystau"), ("жаңаөзенде тұрамын", "mangystau"),
    ("түркістан", "other"), ("туркистан", "other"),
])
def test_region_typed_with_or_without_kazakh_letters(text, expected):
    assert parse_region(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("арине", True), ("әрине", True), ("Арине, азаматпын", True), ("жок", False), ("жоқ", False),
    ("билмеймин", None), ("білмеймін", None),
])
def test_yes_no_typed_on_a_russian_keyboard(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(("parse", "text", "expected"), [
    (parse_employed, "жумыссызбын окымаймын", False),
    (parse_employed, "Жұмыссызбын", False),
    (parse_employed, "jumyssyzbyn", False),
    (parse_employed, "нигде не работаю", False),
    (parse_employed, "безработная", False),
    (parse_employed, "I don't work", False),
    (parse_employed, "unemployed", False),
    (parse_employed, "я работаю", True),
    (parse_employed, "жұмыс істеймін", True),
    (parse_employed, "I'm working", True),
    (parse_employed, "да", True),
    (parse_citizen, "азаматымын", True),
    (parse_citizen, "Қазақстан азаматымын", True),
    (parse_citizen, "гражданка РК", True),
    (parse_citizen, "я не гражданин", False),
    (parse_citizen, "у меня вид на жительство", False),
    (parse_training, "хожу на курсы английского", True),
    (parse_training, "никаких курсов", False),
    (parse_training, "курсқа бармаймын", False),
    (parse_applied, "еще не подавал", False),
    (parse_applied, "әлі бермедім", False),
    (parse_applied, "not yet", False),
    (parse_applied, "подавала", True),
    (parse_applied, "иә, бердім", True),
])
def test_statements_answer_yes_no_questions(parse, text, expected):
    assert parse(text) is expected


@pytest.mark.parametrize(("parse", "text"), [
    (parse_employed, "раньше работал"),  # past: not an answer about now
    (parse_employed, "работаю, но не официально"),  # a "yes" beside a negation: asked again
    (parse_employed, "не знаю, подработка иногда"),
    (parse_citizen, "гражданин России"),  # another country's citizenship is not guessed
    (parse_applied, "подавал в прошлом году"),  # says nothing about this season
    (parse_applied, "applied last year"),
    (parse_training, "привет"),
])
def test_statements_that_do_not_settle_the_question(parse, text):
    assert parse(text) is None
