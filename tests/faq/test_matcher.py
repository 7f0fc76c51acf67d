import time

import pytest

from faq.matcher import Matcher, MatchResult


@pytest.mark.parametrize("text, topic", [
    ("Какие документы нужны для участия?", "documents"),
    ("Қандай құжаттар қажет?", "documents"),
    ("What documents are needed?", "documents"),
    ("кандай кужаттар керек", "documents"),          # Kazakh on a Russian keyboard
    ("qandai qujattar kerek", "documents"),          # Latin Kazakh
    ("Сколько денег дают на проект?", "grant_amount"),
    ("Грант сомасы қанша?", "grant_amount"),
    ("how much money do winners get", "grant_amount"),
    ("Когда заканчивается приём заявок?", "deadline"),
    ("otinim qabyldau qashan bitedi", "deadline"),
    ("Участие платное?", "fee"),
    ("Как проходит жеребьёвка?", "lottery"),
])
def test_topics_in_each_language(matcher, text, topic):
    assert matcher.match(text).topic == topic


@pytest.mark.parametrize("intent, texts", [
    ("human", ["Соедините меня с оператором", "Операторға қосыңыз", "I want to talk to a human"]),
    ("check_eligibility", ["Проверьте, подхожу ли я", "Мен қатыса аламын ба, тексеріңіз", "Check if I am eligible"]),
    ("my_status", ["Какой статус у моей заявки?", "Менің өтінімім қандай күйде?", "What is my application status?"]),
    ("greeting", ["Привет", "Сәлеметсіз бе", "Hello"]),
    ("thanks", ["Спасибо!", "Рахмет", "Thank you"]),
])
def test_intents_in_each_language(matcher, intent, texts):
    for text in texts:
        assert matcher.match(text).topic == intent, text


@pytest.mark.parametrize("text", [
    "какой курс доллара сегодня",
    "как взять ипотеку",
    "ауа райы ертең қандай болады",
    "what's the weather tomorrow",
    "😀😀😀",
    "12345",
    "",
    "   ",
])
def test_out_of_scope_is_declined(matcher, text):
    result = matcher.match(text)
    assert result.topic is None
    assert 0.0 <= result.score <= 1.0


def test_result_shape(matcher):
    result = matcher.match("Какая сумма гранта?")
    assert isinstance(result, MatchResult)
    assert result.lang == "ru"
    assert 0 < result.score <= 1
    assert len(result.alternatives) <= 3
    assert all(topic != result.topic for topic, _ in result.alternatives)
    scores = [s for _, s in result.alternatives]
    assert scores == sorted(scores, reverse=True) and all(s <= result.score for s in scores)


def test_declined_result_still_offers_likely_topics(matcher):
    result = matcher.match("грант")
    assert result.topic is None or result.topic in {"grant_amount", "funding_rules", "about", "project_ideas"}
    if result.topic is None:
        assert result.alternatives


def test_never_returns_out_of_scope_class(matcher):
    for text in ["кредит алу", "bank loan", "Бастау Бизнес"]:
        result = matcher.match(text)
        assert result.topic != "out_of_scope"
        assert all(t != "out_of_scope" for t, _ in result.alternatives)


@pytest.mark.parametrize("text", ["а" * 20000, "грант " * 5000, "🙂" * 10000, "1" * 20000, None, 42])
def test_odd_input_never_raises_and_is_fast(matcher, text):
    started = time.perf_counter()
    result = matcher.match(text)
    assert (time.perf_counter() - started) < 0.05
    assert isinstance(result, MatchResult)


def test_build_is_fast():
    started = time.perf_counter()
    Matcher.from_directory()
    assert time.perf_counter() - started < 1.0


def test_matcher_from_given_topics(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "topics:\n  - id: bikes\n    kind: topic\n    group: g\n"
        "    examples: {en: [bicycle rental, rent a bike], ru: [прокат велосипедов], kk: [велосипед жалдау]}\n",
        encoding="utf-8",
    )
    matcher = Matcher.from_directory(tmp_path)
    assert matcher.match("where can I rent a bicycle").topic == "bikes"
