"""Adding a question to a topic's examples on disk, checked like `zhasbot faq validate`.

The topic file is edited as text (its comments and layout stay as the editors wrote them):
the question is appended to the topic's `examples.<lang>` list. The edited content is
validated in a copy of the topics directory first; the real file is replaced (atomically)
only when the copy has no errors.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from faq.content import DEFAULT_TOPICS_DIR, LANGS, load_topics, topics_in
from faq.normalize import normalize
from faq.validate import Issue, validate

MAX_EXAMPLE_CHARS = 200


class EditError(ValueError):
    """The change was refused; nothing on disk changed. `issues` holds validation errors."""

    def __init__(self, message: str, issues: Iterable[Issue] = ()):
        super().__init__(message)
        self.issues = list(issues)


def _insert(text: str, topic_id: str, lang: str, example: str) -> str:
    start = re.search(rf"^  - id: {re.escape(topic_id)}\s*$", text, re.M)
    if start is None:
        raise EditError(f"topic {topic_id!r} is not in this file")
    following = re.search(r"^  - id: ", text[start.end():], re.M)
    end = start.end() + following.start() if following else len(text)
    block = text[start.end():end]
    examples = re.search(r"^    examples:\s*\n", block, re.M)
    if examples is None:
        raise EditError(f"topic {topic_id!r} has no `examples:` block")
    lang_list = re.search(rf"^      {lang}:\s*\n((?:        - .*\n?)*)", block[examples.end():], re.M)
    if lang_list is None:
        raise EditError(f"topic {topic_id!r} has no `examples.{lang}` list")
    # JSON's double-quoted string is a valid YAML double-quoted scalar.
    item = f"        - {json.dumps(example, ensure_ascii=False)}\n"
    items = lang_list.group(1)
    if items and not items.endswith("\n"):
        item = "\n" + item
    at = start.end() + examples.end() + lang_list.end(1)
    return text[:at] + item + text[at:]


def add_example(topic_id: str, lang: str, example: str, *, facts: Mapping[str, Any],
                unconfirmed: Iterable[str] = (), directory: str | Path | None = None) -> Path:
    """Append `example` to `topic_id`'s `lang` examples; return the file changed."""
    directory = Path(directory) if directory else DEFAULT_TOPICS_DIR
    example = " ".join(str(example).split())
    if lang not in LANGS:
        raise EditError(f"language must be one of {LANGS}")
    if not example or len(example) > MAX_EXAMPLE_CHARS:
        raise EditError(f"an example is 1–{MAX_EXAMPLE_CHARS} characters")
    topics = {t.id: t for t in load_topics(directory)}
    topic = topics.get(topic_id)
    if topic is None:
        raise EditError(f"unknown topic {topic_id!r}")
    key = normalize(example)
    for other in topics.values():
        if any(normalize(e) == key for texts in other.examples.values() for e in texts):
            raise EditError(f"already an example of {other.id!r}")
    path = Path(topic.source)
    changed = _insert(path.read_text(encoding="utf-8"), topic_id, lang, example)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "topics"
        shutil.copytree(directory, copy)
        (copy / path.name).write_text(changed, encoding="utf-8")
        errors = [i for i in validate(copy, facts=facts, unconfirmed=unconfirmed) if i.severity == "error"]
        if not errors:
            added = next(t for t in load_topics(copy) if t.id == topic_id).examples.get(lang, ())
            if example not in added:
                raise EditError("the edited file does not read back with the new example")
    if errors:
        raise EditError("the change would make the FAQ content invalid", errors)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(changed, encoding="utf-8")
    os.replace(tmp, path)
    return path


def topic_choices(directory: str | Path | None = None) -> list[str]:
    """Ids of the topics an example can be added to (not the out-of-scope class)."""
    topics = topics_in(directory)
    return sorted(t.id for t in topics if t.answerable) + [t.id for t in topics if not t.answerable]
