"""Reading a language from what a young person types."""
import pytest

from handlers.language_guess import confident_language, likely_language, typed_choice


@pytest.mark.parametrize(("text", "lang"), [
    ("казакша", "kk"), ("Қазақша", "kk"), ("qazaqsha", "kk"), ("kazakh", "kk"), ("давай на казахском", "kk"),
    ("қазақ тілінде", "kk"), ("казакша жаз", "kk"), ("на русском", "ru"), ("на русском пж", "ru"), ("казакша плз", "kk"), ("по-русски", "ru"), ("орысша", "ru"),
    ("русский пожалуйста", "ru"), ("english", "en"), ("english pls", "en"), ("ағылшынша", "en"),
    # Asked the way people ask it, not only named.
    ("а можно на казахском?", "kk"), ("можно пожалуйста на казахском языке", "kk"), ("қазақша сөйлесейік", "kk"),
    ("ответь на русском", "ru"), ("can you reply in english", "en"), ("switch to english pls", "en"),
])
def test_typed_language_names_in_any_script(text, lang):
    assert typed_choice(text) == lang


@pytest.mark.parametrize("text", ["как подать на русском языке заявку", "казахстан", "ru-ru-ru-ru-ru", "", "17",
                                  "на казахском есть грант?", "а можно", "can you help me"])
def test_other_messages_name_no_language(text):
    assert typed_choice(text) is None


@pytest.mark.parametrize(("text", "lang"), [
    ("а мне 17 можно?", "ru"), ("Когда дедлайн", "ru"), ("привет", "ru"), ("Здравствуйте", "ru"),
    ("жасым 19 катыса аламынба", "kk"), ("керек емес", "kk"), ("сәлем", "kk"), ("маган 17 болады ма", "kk"),
    ("qalai tapsyramyn", "kk"), ("грант канша", "kk"),
    ("how do i apply", "en"), ("can i apply", "en"), ("hi", "en"),
])
def test_a_clear_first_message_tells_its_language(text, lang):
    assert confident_language(text) == lang


@pytest.mark.parametrize("text", ["ok", "👍", "17", "grant", "ZP-0042"])
def test_an_unclear_message_tells_nothing(text):
    assert confident_language(text) is None


@pytest.mark.parametrize("text, expected", [
    ("скок денег дают", "ru"), ("грант канша акша", "kk"), ("салем", "kk"), ("grant qansha", "kk"),
    ("how much money", "en"), ("money pls", "en"), ("1000000?", None), ("🙂", None),
    ("құжаттар", "kk"),
    # «не» is Kazakh "what" and Russian "not": the other words decide.
    ("не знаю", "ru"), ("не понимаю", "ru"), ("не керек", "kk"), ("не билемин", "kk"),
])
def test_likely_language_is_a_best_guess_after_the_picker(text, expected):
    assert likely_language(text) == expected
