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
    # The first things a new applicant types (found using the web chat as a user).
    ("human", ["операторға жазғым келеді", "операторга жазгым келеди"]),
    ("how_to_apply", ["как получить грант", "грант алу үшін не істеу керек", "грант алғым келеді"]),
])
def test_intents_in_each_language(matcher, intent, texts):
    for text in texts:
        assert matcher.match(text).topic == intent, text


def test_a_topic_title_typed_finds_its_topic(matcher):
    """Buttons show topics' titles; a user who types a title instead of pressing it (or
    whose client shows buttons as text) must get that topic, in every language."""
    from faq.content import LANGS, load_topics
    from faq.normalize import fold_cyrillic

    wrong = []
    for topic in load_topics():
        for lang in LANGS:
            title = (topic.title or {}).get(lang)
            if not title:
                continue
            typed = {title, title.lower(), fold_cyrillic(title.lower())}
            wrong += [(topic.id, text, matcher.match(text).topic) for text in typed
                      if matcher.match(text).topic != topic.id]
    assert not wrong


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


def test_declined_result_still_offers_likely_topics(monkeypatch):
    # Thresholds no question reaches: every question is declined, and what is offered
    # instead must still be the topics the question is about, best first.
    import faq.matcher

    monkeypatch.setattr(faq.matcher, "GATE_THRESHOLD", 1.01)
    strict = Matcher.from_directory(threshold=1.01)
    result = strict.match("сколько денег дают на грант")
    assert result.topic is None
    offered = [topic for topic, _score in result.alternatives]
    assert 1 <= len(offered) <= 3
    assert offered[0] == "grant_amount"
    # "who gets a grant" (eligibility) shares "дают грант": a fair third offer.
    assert set(offered) <= {"grant_amount", "funding_rules", "fee", "project_ideas", "about", "selection",
                            "past_results", "eligibility"}
    scores = [score for _topic, score in result.alternatives]
    assert scores == sorted(scores, reverse=True) and result.score == scores[0]


def test_never_returns_out_of_scope_class(matcher):
    for text in ["кредит алу", "bank loan", "Бастау Бизнес"]:
        result = matcher.match(text)
        assert result.topic != "out_of_scope"
        assert all(t != "out_of_scope" for t, _ in result.alternatives)


@pytest.mark.parametrize("text", ["а" * 20000, "грант " * 5000, "🙂" * 10000, "1" * 20000, None, 42])
def test_odd_input_never_raises_and_stays_bounded(matcher, text):
    # Not a speed measure (bench/faq_accuracy.py is): a guard against work that grows with
    # the square of a huge message, which would take many seconds, not milliseconds.
    started = time.perf_counter()
    result = matcher.match(text)
    assert (time.perf_counter() - started) < 2.0
    assert isinstance(result, MatchResult)


def test_matcher_from_given_topics(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "topics:\n  - id: bikes\n    kind: topic\n    group: g\n"
        "    examples: {en: [bicycle rental, rent a bike], ru: [прокат велосипедов], kk: [велосипед жалдау]}\n",
        encoding="utf-8",
    )
    matcher = Matcher.from_directory(tmp_path)
    assert matcher.match("where can I rent a bicycle").topic == "bikes"


@pytest.mark.parametrize("text, topic", [
    ("Здравствуйте! Какие документы нужны?", "documents"),   # greeting + question: the question
    ("сәлем, грант қанша береді", "grant_amount"),
    ("hi, how do I apply?", "how_to_apply"),
    ("спасибо, а когда дедлайн", "deadline"),
    ("привет", "greeting"),                                   # greeting alone stays a greeting
    ("рахмет, түсінікті", "thanks"),
    ("thank you so much", "thanks"),                           # "much" alone is no question
    # Other topics' examples say "сәлем, …" and "привет, …" too: these stay greeting words.
    ("сәлем, қатыса аламын ба?", "check_eligibility"),
    ("salem, qatysa alamyn ba?", "check_eligibility"),
    ("сәлеметсіз бе, құжаттар қандай?", "documents"),
    ("спасибо большое помогли", "thanks"),                      # not "не помогли"
])
def test_greeting_or_thanks_around_a_question(matcher, text, topic):
    assert matcher.match(text).topic == topic


@pytest.mark.parametrize("text", [
    "мне 27, живу в Актау, можно участвовать?",
    "маған 23 жас, Маңғыстауда тұрамын, бола ма",
    "I'm 26 and unemployed, can I apply?",
])
def test_stating_own_age_asks_for_the_eligibility_check(matcher, text):
    assert matcher.match(text).topic == "check_eligibility"


@pytest.mark.parametrize("text", ["I live in Pavlodar, can I apply?", "Павлодардан қатысуға бола ма"])
def test_naming_a_city_outside_the_programme_answers_regions(matcher, text):
    assert matcher.match(text).topic == "regions"


def test_glued_question_particle_is_split(matcher):
    assert matcher.match("катысу тегинбе").topic == "fee"


def test_multiword_keyword_with_a_short_word_declines(matcher):
    # "Жасыл ел" names another programme; "ел" is too short for a stem but must count.
    assert matcher.match("Жасыл ел жобасына қалай қатысамын").topic is None


def test_result_cache_returns_the_same_answer_and_can_be_off():
    from faq.matcher import Matcher

    cached = Matcher.from_directory()
    first = cached.match("Какие документы нужны?")
    assert cached.match("  какие документы нужны?") is first  # same text, same result object
    uncached = Matcher.from_directory(cache_size=0)
    assert uncached.match("Какие документы нужны?") == first
    assert uncached.match("Какие документы нужны?") is not uncached.match("Какие документы нужны?")


def test_postings_keep_weights_in_steps_and_items_wide_when_they_must():
    from array import array

    from faq.matcher import WEIGHT_STEPS, _Postings

    # Two features; an item number beyond 16 bits (a FAQ of 70,000 examples) stays exact.
    postings = _Postings(2, array("i", [1, 0, 1]), array("i", [3, 70_000, 70_000]), array("d", [0.5, 1.0, 0.25]))
    offsets, items, weights = postings.packed()
    assert items.typecode == "I" and weights.typecode == "H" and list(offsets) == [0, 1, 3]
    sums = postings.accumulate([(0, 2.0), (1, 1.0)])
    assert sums.keys() == {70_000, 3}
    assert sums[70_000] == pytest.approx(2.0 + 0.25, abs=2 / WEIGHT_STEPS)
    assert sums[3] == pytest.approx(0.5, abs=1 / WEIGHT_STEPS)
    small = _Postings(1, array("i", [0]), array("i", [65_535]), array("d", [1.0]))
    assert small.packed()[1].typecode == "H" and small.accumulate([(0, 1.0)]) == {65_535: 1.0}


def test_postings_refuse_weights_outside_zero_to_one():
    from array import array

    from faq.matcher import _Postings

    with pytest.raises(ValueError, match="between 0 and 1"):
        _Postings(1, array("i", [0]), array("i", [0]), array("d", [1.5]))
