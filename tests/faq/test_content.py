import datetime as dt

import pytest

from core.programme import load_programme
from fakes.season import confirmed_programme
from faq.content import ContentError, load_groups, load_topics, render_answer, render_fact, title
from faq.season import answer_facts
from handoff.call_centre import default_call_centre
from faq.validate import CATALOGUE_IDS, INTENT_IDS
from tests.conftest import translator

IN_THE_WINDOW = dt.date(2026, 10, 15)


NOW = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.timezone.utc)  # a Friday, 12:00 in Almaty


@pytest.fixture(scope="module")
def facts():
    return answer_facts(load_programme(), NOW, default_call_centre(), translator())


def test_every_catalogue_id_is_shipped():
    ids = {t.id for t in load_topics()}
    assert set(CATALOGUE_IDS) | set(INTENT_IDS) <= ids


def test_dates_render_the_languages_own_way():
    during = answer_facts(confirmed_programme(), dt.datetime.combine(IN_THE_WINDOW, dt.time(6), dt.timezone.utc),
                          default_call_centre(), translator())
    assert "2026 жылғы 22 қазан" in render_answer("deadline", "kk", during)
    assert "22 октября 2026 года" in render_answer("deadline", "ru", during)
    assert "22 October 2026" in render_answer("deadline", "en", during)
    assert "2026 жылғы 9–22 қазан" in render_answer("timeline", "kk", during)
    assert render_fact(dt.date(2026, 10, 22), "kk") == "2026 жылғы 22 қазан"


def test_per_language_fact_and_scalar_fact(facts):
    ru = render_answer("contacts", "ru", facts)
    assert "г. Актау" in ru and facts["website"] in ru and "{" not in ru
    assert "Ақтау қ." in render_answer("contacts", "kk", facts)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_unconfirmed_phone_is_never_shown(facts, lang):
    placeholder = load_programme()["facts"]["phone"]
    for topic in load_topics():
        if topic.kind == "topic":
            assert placeholder not in render_answer(topic.id, lang, facts), topic.id
    assert "8 708 404 23 40" in render_answer("contacts", lang, facts)


@pytest.mark.parametrize("claim", [
    "сырттай", "заочное", "part-time", "3 жұмыс күні", "3 рабочих дней", "3 working days",
    "instagram.com", "facebook.com", "әртүрлі жобалармен", "разными проектами", "different projects",
    "Бумажные заявки", "not accepted at the office", "Қағаз түрінде", "маусым",
])
def test_unsupported_claims_are_gone(facts, claim):
    for topic in load_topics():
        if topic.kind == "topic":
            for lang in ("kk", "ru", "en"):
                assert claim not in render_answer(topic.id, lang, facts), (topic.id, lang)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_all_answers_render_without_leftover_placeholders(facts, lang):
    for topic in load_topics():
        if topic.kind == "topic":
            text = render_answer(topic.id, lang, facts)
            assert "{" not in text and len(text) <= 900, topic.id


def test_missing_fact_is_an_error():
    with pytest.raises(ContentError, match="season_window"):
        render_answer("deadline", "ru", {"website": "x"})


def test_unknown_topic_and_language():
    with pytest.raises(ContentError):
        render_answer("no_such_topic", "ru", {})
    with pytest.raises(ValueError):
        render_answer("fee", "de", {"phone": "1"})


def test_titles_and_groups():
    assert title("fee", "ru") == "Участие платное?"
    groups = {g.id for g in load_groups()}
    assert {t.group for t in load_topics() if t.answerable} <= groups
