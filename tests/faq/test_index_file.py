"""The matcher's index file: built by a child process, loaded (not rebuilt) by the bot, equal
to an index built in the process, and never trusted when stale or damaged."""
import json
import logging
import subprocess

import pytest

from faq import index_file, packed
from faq.content import load_topics
from faq.index_file import index_key, index_path, load_matcher
from faq.matcher import Matcher

TOPICS = (
    "topics:\n"
    "  - id: bikes\n    kind: topic\n    group: g\n"
    "    examples: {en: [bicycle rental, rent a bike, where to rent bicycles],"
    " ru: [прокат велосипедов, где взять велик], kk: [велосипед жалдау]}\n"
    "  - id: tea\n    kind: topic\n    group: g\n"
    "    examples: {en: [green tea price, how much is tea], ru: [сколько стоит чай, зеленый чай],"
    " kk: [шай қанша тұрады]}\n"
    "    keywords: {ru: [чай]}\n"
    "  - id: out_of_scope\n    kind: out_of_scope\n"
    "    examples: {en: [weather tomorrow, football score], ru: [погода завтра, курс доллара],"
    " kk: [ауа райы]}\n"
)
QUESTIONS = ["where can I rent a bicycle", "велик взять где", "чай почем", "шай канша",
             "погода на завтра", "asdf qwer", "", "rent a bike please, and tea?"]


@pytest.fixture
def topics_dir(tmp_path):
    directory = tmp_path / "topics"
    directory.mkdir()
    (directory / "t.yaml").write_text(TOPICS, encoding="utf-8")
    return directory


def _fail_if_built(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("the index was built in the bot process")
    monkeypatch.setattr(Matcher, "_build_index", refuse)


def test_built_by_a_child_then_loaded_and_equal_to_one_built_here(topics_dir, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    here = Matcher.from_directory(topics_dir, model_cache_dir=cache)
    _fail_if_built(monkeypatch)
    loaded = load_matcher(topics_dir, cache)
    assert index_path(cache, index_key(load_topics(topics_dir))).exists()
    for question in QUESTIONS:
        assert loaded.match(question) == here.match(question), question
    again = load_matcher(topics_dir, cache)
    assert [again.match(q) for q in QUESTIONS] == [here.match(q) for q in QUESTIONS]


def test_shipped_content_loads_equal_to_a_build(matcher, tmp_path, monkeypatch):
    from faq.content import shipped_topics

    # The shipped content: the classifier comes from the usual cache, the index is new here.
    cache = tmp_path / "cache"
    cache.mkdir()
    from faq.classifier import default_cache_dir
    for model in default_cache_dir().glob("faq-classifier-*.model"):
        (cache / model.name).write_bytes(model.read_bytes())
    _fail_if_built(monkeypatch)
    loaded = load_matcher(None, cache)
    assert loaded.topics[0] is shipped_topics()[0]  # one copy of the content per process
    questions = [text for topic in load_topics() for texts in topic.examples.values() for text in texts[:3]]
    questions += ["грант канша", "qalai otinim beremin", "how do i apply lol", "погода завтра", "докуметы какие"]
    assert [loaded.match(q) for q in questions] == [matcher.match(q) for q in questions]


def test_the_topics_kept_in_memory_drop_their_examples_but_keep_the_index_key(topics_dir, tmp_path):
    from faq.content import get_topic, topics_in

    read = load_topics(topics_dir)
    kept = topics_in(topics_dir)
    assert all(topic.examples for topic in read if topic.kind == "topic")
    assert [topic.examples for topic in kept] == [{} for _ in read]
    assert [(t.id, t.answer, t.title, t.keywords) for t in kept] == [(t.id, t.answer, t.title, t.keywords) for t in read]
    assert index_key(kept) == index_key(read)
    matcher = load_matcher(topics_dir, tmp_path / "cache")
    assert matcher.topics[0] is get_topic(read[0].id, topics_dir)
    assert matcher.match("where can I rent a bicycle").topic == "bikes"


def test_an_edited_example_makes_a_new_index(topics_dir, tmp_path):
    cache = tmp_path / "cache"
    load_matcher(topics_dir, cache)
    before = index_key(load_topics(topics_dir))
    (topics_dir / "t.yaml").write_text(TOPICS.replace("rent a bike,", "rent a bike, hire a bike,"), encoding="utf-8")
    matcher = load_matcher(topics_dir, cache, reload=True)  # as the console does after an edit
    after = index_key(load_topics(topics_dir))
    assert after != before and index_path(cache, after).exists()
    assert matcher.match("hire a bike").topic == "bikes"


@pytest.mark.parametrize("damage", [
    lambda data: b"",
    lambda data: data[:-9],                       # truncated
    lambda data: data[:len(index_file.MAGIC)] + b"[1]\n" + data[200:],
    lambda data: b"not an index at all",
    lambda data: data.replace(b'"key": "', b'"key": "x', 1),  # another content's index
])
def test_a_damaged_index_is_rebuilt_here_with_a_warning(topics_dir, tmp_path, caplog, damage):
    cache = tmp_path / "cache"
    good = load_matcher(topics_dir, cache)
    path = index_path(cache, index_key(load_topics(topics_dir)))
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="faq.index_file"):
        matcher = load_matcher(topics_dir, cache)
    assert "unusable" in caplog.text
    assert [matcher.match(q) for q in QUESTIONS] == [good.match(q) for q in QUESTIONS]


def test_a_failed_child_build_falls_back_to_building_here(topics_dir, tmp_path, caplog, monkeypatch):
    def failing(directory, cache):
        raise subprocess.CalledProcessError(1, ["python"], stderr="Traceback: boom")
    monkeypatch.setattr(index_file, "_build_in_child", failing)
    with caplog.at_level(logging.WARNING, logger="faq.index_file"):
        matcher = load_matcher(topics_dir, tmp_path / "cache")
    assert "boom" in caplog.text
    assert matcher.match("rent a bike").topic == "bikes"


@pytest.mark.parametrize("content", [b"M\n{\"sizes\": [-1, 2]}\nab", b"M\n{\"sizes\": [\"1\", 1]}\nab",
                                     b"M\n{\"sizes\": [1, 8]}\na1234567", b"M\n{\"sizes\": [1, 5]}\nabcdef"])
def test_packed_files_with_odd_sizes_are_refused(tmp_path, content):
    path = tmp_path / "f"
    path.write_bytes(content.replace(b"]}", b'], "types": [null, "d"]}'))
    with pytest.raises(ValueError, match="truncated|whole number"):
        packed.read(path, b"M\n", [None, "d"])


@pytest.mark.parametrize("types", [None, [None], [None, "f"], ["d", None], [None, None]])
def test_packed_files_of_another_layout_are_refused(tmp_path, types):
    from array import array

    path = tmp_path / "f"
    packed.write(path, b"M\n", {}, [b"ab", array("d", [1.0])])
    head, rest = path.read_bytes()[2:].split(b"\n", 1)
    header = json.loads(head)
    header["types"] = types
    path.write_bytes(b"M\n" + json.dumps(header).encode() + b"\n" + rest)
    with pytest.raises(ValueError, match="layout"):
        packed.read(path, b"M\n", [None, "d"])


def test_a_section_of_several_typecodes_reads_back_the_one_written(tmp_path):
    from array import array

    path = tmp_path / "f"
    packed.write(path, b"M\n", {}, [array("H", [1, 65535]), array("I", [70000])])
    _, (small, wide) = packed.read(path, b"M\n", ["HI", "HI"])
    assert (small.typecode, list(small)) == ("H", [1, 65535]) and (wide.typecode, list(wide)) == ("I", [70000])


def test_packed_round_trip_and_terms_one_at_a_time(tmp_path):
    from array import array

    path = tmp_path / "f"
    packed.write(path, b"M\n", {"n": 1}, [packed.blob(["a b", "ә", ""]), array("d", [1.5, -2.0]), b""])
    header, (names, values, empty) = packed.read(path, b"M\n", [None, "d", None])
    assert header["n"] == 1 and list(packed.iter_terms(names)) == ["a b", "ә", ""]
    assert list(values) == [1.5, -2.0] and empty == b"" and list(packed.iter_terms(empty)) == []
