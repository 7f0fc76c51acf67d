import datetime as dt

import pytest

from core.programme import load_programme
from faq.content import ContentError, answer_facts, load_groups, load_topics, render_answer, title
from faq.validate import CATALOGUE_IDS, INTENT_IDS
from tests.conftest import translator

IN_THE_WINDOW = dt.date(2026, 10, 15)


@pytest.fixture(scope="module")
def facts():
    return answer_facts(load_programme(), IN_THE_WINDOW, translator())


def test_every_catalogue_id_is_shipped():
    ids = {t.id for t in load_topics()}
    assert set(CATALOGUE_IDS) | set(INTENT_IDS) <= ids


def test_dates_render_per_language(facts):
    assert "2026 жылғы 22 қазан" in render_answer("deadline", "kk", facts)
    assert "22 октября 2026" in render_answer("deadline", "ru", facts)
    assert "22 October 2026" in render_answer("deadline", "en", facts)


def test_per_language_fact_and_scalar_fact(facts):
    ru = render_answer("contacts", "ru", facts)
    assert "г. Актау" in ru and facts["phone"] in ru and "{" not in ru
    assert "Ақтау қ." in render_answer("contacts", "kk", facts)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_all_answers_render_without_leftover_placeholders(facts, lang):
    for topic in load_topics():
        if topic.kind == "topic":
            text = render_answer(topic.id, lang, facts)
            assert "{" not in text and len(text) <= 900, topic.id


def test_missing_fact_is_an_error():
    with pytest.raises(ContentError, match="quota_almaty"):
        render_answer("lottery", "ru", {"facebook": "facebook.com/zhasproject"})


def test_unknown_topic_and_language():
    with pytest.raises(ContentError):
        render_answer("no_such_topic", "ru", {})
    with pytest.raises(ValueError):
        render_answer("fee", "de", {"phone": "1"})


def test_titles_and_groups():
    assert title("fee", "ru") == "Участие платное?"
    groups = {g.id for g in load_groups()}
    assert {t.group for t in load_topics() if t.answerable} <= groups
