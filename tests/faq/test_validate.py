import textwrap

from core.programme import load_programme
from faq.season import answer_facts, unconfirmed_facts
from faq.validate import validate
from handoff.call_centre import default_call_centre
from tests.conftest import translator

FACTS = {"phone": "+7 700 000 00 00", "open": {"kk": "а", "ru": "б", "en": "c"}}
GOOD_TOPIC = """\
  - id: {id}
    group: g
    kind: topic
    title: {{kk: "Тақырып", ru: "Тема", en: "Topic"}}
    answer: {{kk: "Телефон {{phone}}", ru: "Телефон {{phone}}", en: "Phone {{phone}}"}}
    examples:
      kk: [a1, a2, a3, a4, a5, a6]
      ru: [b1, b2, b3, b4, b5, b6]
      en: [c1, c2, c3, c4, c5, c6]
"""


def _write(tmp_path, body):
    topics = tmp_path / "topics"
    topics.mkdir()
    (topics / "t.yaml").write_text(body, encoding="utf-8")
    groups = tmp_path / "groups.yaml"
    groups.write_text('groups:\n  - id: g\n    title: {kk: "Т", ru: "Т", en: "T"}\n', encoding="utf-8")
    return topics, groups


def test_shipped_content_is_valid():
    programme = load_programme()
    facts = answer_facts(programme, call_centre=default_call_centre(), translator=translator())
    issues = validate(facts=facts, unconfirmed=unconfirmed_facts(programme))
    assert [str(i) for i in issues if i.severity == "error"] == []


def test_unconfirmed_fact_is_one_warning_per_topic(tmp_path):
    topics, groups = _write(tmp_path, "topics:\n" + GOOD_TOPIC.format(id="one"))
    issues = validate(topics, facts=FACTS, groups_file=groups, require_catalogue=False,
                      unconfirmed={"phone"})
    assert [(i.severity, i.line) for i in issues] == [("warning", 6)]
    assert "{phone}" in str(issues[0]) and ": warning: " in str(issues[0])


def test_good_temp_content_is_valid(tmp_path):
    topics, groups = _write(tmp_path, "topics:\n" + GOOD_TOPIC.format(id="one"))
    assert validate(topics, facts=FACTS, groups_file=groups, require_catalogue=False) == []


def test_broken_content_names_file_and_line(tmp_path):
    body = "topics:\n" + GOOD_TOPIC.format(id="one") + textwrap.indent(textwrap.dedent("""\
        - id: two
          group: g
          kind: topic
          title: {kk: "Тақырып", ru: "Тема", en: "This title is far far too long for a Telegram button, really it is"}
          answer: {kk: "{deadline}", ru: "x", en: "x"}
          examples:
            kk: [a1]
            ru: [b1, b2, b3, b4, b5, b6]
          related: [nowhere]
    """), "  ")
    topics, groups = _write(tmp_path, body)
    issues = validate(topics, facts=FACTS, groups_file=groups, require_catalogue=False)
    text = "\n".join(str(i) for i in issues)
    path = str(topics / "t.yaml")
    assert all(i.file == path for i in issues)
    by_message = {i.message: i.line for i in issues}
    assert any("title is" in m and "64" in m for m in by_message), text
    assert any("{deadline}" in m for m in by_message), text
    assert any("no en text" in m and "examples" in m for m in by_message), text
    assert any("kk has 1 examples" in m for m in by_message), text
    assert any("'nowhere' does not exist" in m for m in by_message), text
    placeholder_line = next(line for m, line in by_message.items() if "{deadline}" in m)
    assert placeholder_line == body.splitlines().index(
        next(line for line in body.splitlines() if "{deadline}" in line)) + 1
    assert f"{path}:{placeholder_line}: " in text


def test_duplicate_ids_and_missing_catalogue(tmp_path):
    body = "topics:\n" + GOOD_TOPIC.format(id="one") + GOOD_TOPIC.format(id="one")
    topics, groups = _write(tmp_path, body)
    issues = validate(topics, facts=FACTS, groups_file=groups)
    messages = [i.message for i in issues]
    assert any("duplicate topic id 'one'" in m for m in messages)
    assert any("catalogue id 'about'" in m for m in messages)
    dup = next(i for i in issues if "duplicate" in i.message)
    assert dup.line == 11


def test_invalid_yaml_reports_line(tmp_path):
    topics, groups = _write(tmp_path, "topics:\n  - id: x\n    title: [unclosed\n")
    issues = validate(topics, facts=FACTS, groups_file=groups, require_catalogue=False)
    assert issues and issues[0].message.startswith("invalid YAML") and issues[0].line >= 3
