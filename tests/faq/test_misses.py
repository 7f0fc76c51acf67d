"""Missed questions: grouped for editors; added to a topic's examples only when valid."""
from dataclasses import dataclass

import pytest
import shutil

from core.programme import load_programme
from faq.content import DEFAULT_TOPICS_DIR, load_topics
from faq.editing import EditError, add_example
from faq.misses import group_misses, render_csv, render_markdown
from faq.season import answer_facts, unconfirmed_facts
from handoff.call_centre import default_call_centre
from tests.conftest import translator


@dataclass
class M:
    id: int
    text: str
    language: str = "ru"
    kind: str = "declined"
    topic: str | None = None


def test_wordings_of_one_question_are_one_group_most_asked_first():
    misses = [
        M(1, "кредит на бизнес дадите", topic="grant_amount"),
        M(2, "вы работаете в субботу?", topic="contacts"),
        M(3, "в субботу работаете", topic="contacts"),
        M(4, "Вы работаете в субботу", kind="disowned", topic="contacts"),
        M(5, "сенбіде жұмыс істейсіздер ме", "kk", topic="contacts"),
        M(6, "ВЫ РАБОТАЕТЕ В СУББОТУ??", topic="open_day"),
    ]
    groups = group_misses(misses)
    assert groups[0].count == 4 and sorted(groups[0].ids) == [2, 3, 4, 6]
    assert groups[0].closest_topic == "contacts"
    assert groups[0].kinds == {"declined": 3, "disowned": 1}
    assert [g.count for g in groups[1:]] == [1, 1]


def test_reports_mask_personal_data():
    groups = group_misses([M(1, "мой ИИН 900101300123 и телефон +7 701 123 45 67 проверьте", topic="my_status")])
    csv_text = render_csv(groups)
    assert csv_text.splitlines()[0] == "rank,count,question,variants,languages,kinds,closest_topic"
    assert "900101300123" not in csv_text and "123 45 67" not in csv_text
    md = render_markdown(groups)
    assert md.startswith("| rank | count |") and "my_status" in md and "900101300123" not in md


@pytest.fixture
def topics(tmp_path):
    copy = tmp_path / "topics"
    shutil.copytree(DEFAULT_TOPICS_DIR, copy)
    return copy


def _facts():
    programme = load_programme()
    return answer_facts(programme, call_centre=default_call_centre(), translator=translator()), unconfirmed_facts(programme)


def test_example_is_appended_to_the_topic_file(topics):
    facts, unconfirmed = _facts()
    before = (topics / "feedback.yaml").read_text(encoding="utf-8")
    path = add_example("contacts", "ru", 'вы по "субботам" работаете', facts=facts,
                       unconfirmed=unconfirmed, directory=topics)
    assert path == topics / "feedback.yaml"
    contacts = next(t for t in load_topics(topics) if t.id == "contacts")
    assert contacts.examples["ru"][-1] == 'вы по "субботам" работаете'
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before.split("  - id: contacts")[0])  # the rest of the file is as it was
    assert len(after.splitlines()) == len(before.splitlines()) + 1


@pytest.mark.parametrize("topic, lang, text, message", [
    ("no_such_topic", "ru", "вопрос", "unknown topic"),
    ("contacts", "de", "frage", "language"),
    ("contacts", "ru", "   ", "characters"),
    ("contacts", "ru", "адрес офиса", "already an example"),
])
def test_bad_additions_change_nothing(topics, topic, lang, text, message):
    facts, unconfirmed = _facts()
    before = {p.name: p.read_text(encoding="utf-8") for p in topics.glob("*.yaml")}
    with pytest.raises(EditError, match=message):
        add_example(topic, lang, text, facts=facts, unconfirmed=unconfirmed, directory=topics)
    assert {p.name: p.read_text(encoding="utf-8") for p in topics.glob("*.yaml")} == before


def test_addition_that_breaks_validation_is_refused(topics):
    facts, unconfirmed = _facts()
    facts.pop("organiser")  # the content needs {organiser}: validation now fails
    before = (topics / "feedback.yaml").read_text(encoding="utf-8")
    with pytest.raises(EditError) as refused:
        add_example("contacts", "ru", "где вы находитесь", facts=facts, unconfirmed=unconfirmed, directory=topics)
    assert any("{organiser}" in str(issue) for issue in refused.value.issues)
    assert (topics / "feedback.yaml").read_text(encoding="utf-8") == before
