"""FAQ content: topics and groups from YAML, answers rendered with season facts."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping


from core.config import ConfigError, load_yaml
from core.dates import format_day, format_integer

LANGS = ("kk", "ru", "en")
KINDS = ("topic", "intent", "out_of_scope")
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_TOPICS_DIR = PACKAGE_DIR / "topics"
DEFAULT_GROUPS_FILE = PACKAGE_DIR / "groups.yaml"
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ContentError(ValueError):
    """Content that cannot be loaded or rendered; the message names the problem."""


@dataclass(frozen=True)
class Topic:
    id: str
    kind: str
    group: str | None = None
    title: Mapping[str, str] = field(default_factory=dict)
    answer: Mapping[str, str] = field(default_factory=dict)
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    related: tuple[str, ...] = ()
    source: str = ""
    # A digest of `examples`: the FAQ index's key changes with them, and the topics the bot
    # keeps in memory (topics_in) are kept without them.
    examples_key: str = ""

    def title_for(self, lang: str) -> str:
        return self.title.get(_check_lang(lang), self.id)

    @property
    def answerable(self) -> bool:
        """Shown to users: a catalogue topic or an intent, never the out-of-scope class."""
        return self.kind != "out_of_scope"


@dataclass(frozen=True)
class Group:
    id: str
    title: Mapping[str, str]

    def title_for(self, lang: str) -> str:
        return self.title.get(_check_lang(lang), self.id)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGS}")
    return lang


def _per_lang_texts(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for lang, items in value.items():
        if isinstance(items, list):
            out[str(lang)] = tuple(str(item) for item in items if item is not None)
    return out


def _per_lang_text(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}


def topic_files(directory: str | Path | None = None) -> list[Path]:
    directory = Path(directory) if directory else DEFAULT_TOPICS_DIR
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_topics(directory: str | Path | None = None) -> list[Topic]:
    """All topics (including intents and the out-of-scope class) from `directory`/*.yaml.

    Each file holds `topics: [...]`. Structural problems raise ContentError; run
    `faq.validate.validate()` for a full report with file and line.
    """
    topics: list[Topic] = []
    for path in topic_files(directory):
        try:
            data = load_yaml(path, lines=False) or {}  # ~1,800 examples: plain objects, libyaml speed
        except ConfigError as exc:
            raise ContentError(str(exc)) from None
        items = data.get("topics") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ContentError(f"{path}: expected a top-level `topics:` list")
        for item in items:
            if not isinstance(item, dict) or not item.get("id"):
                raise ContentError(f"{path}: every topic needs an `id`")
            examples = _per_lang_texts(item.get("examples"))
            topics.append(Topic(
                id=str(item["id"]),
                kind=str(item.get("kind", "topic")),
                group=item.get("group"),
                title=_per_lang_text(item.get("title")),
                answer=_per_lang_text(item.get("answer")),
                examples=examples,
                keywords=_per_lang_texts(item.get("keywords")),
                related=tuple(str(r) for r in item.get("related") or ()),
                source=str(path),
                examples_key=_digest(examples),
            ))
    return topics


def _digest(examples: Mapping[str, tuple[str, ...]]) -> str:
    text = json.dumps(examples, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def load_groups(path: str | Path | None = None) -> list[Group]:
    path = Path(path) if path else DEFAULT_GROUPS_FILE
    try:
        data = load_yaml(path, lines=False) or {}
    except ConfigError as exc:
        raise ContentError(f"cannot read groups: {exc}") from None
    items = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ContentError(f"{path}: expected a top-level `groups:` list")
    return [Group(id=str(g["id"]), title=_per_lang_text(g.get("title"))) for g in items]


@lru_cache(maxsize=4)
def _topics_by_id(directory: str | None) -> dict[str, Topic]:
    # Without their ~7,000 examples (~0.8 MB): the matcher's index holds what it learnt from
    # them, and answers, menus and titles never read them.
    return {t.id: replace(t, examples={}) for t in load_topics(directory)}


@lru_cache(maxsize=16)
def _directory_key(directory: str | Path | None) -> str | None:
    # Cached: get_topic runs several times per answer, and resolving a path is file-system work.
    if directory is None or Path(directory).resolve() == DEFAULT_TOPICS_DIR.resolve():
        return None
    return str(Path(directory).resolve())


def topics_in(directory: str | Path | None = None) -> list[Topic]:
    """The topics of `directory` (None: the shipped ones), read once per process: the
    matcher, the answers and the menus share them (`FAQ_TOPICS_DIR` names another directory).
    They are kept without their examples (`examples` is empty, `examples_key` says what they
    were): whatever learns from or edits the examples reads them with `load_topics`."""
    return list(_topics_by_id(_directory_key(directory)).values())


def reload_topics() -> None:
    """Forget the topics read so far: the next use reads the files again (after an edit)."""
    _topics_by_id.cache_clear()


def shipped_topics() -> list[Topic]:
    """The shipped topics, read once per process (the bot's menus ask for them often)."""
    return topics_in(None)


@lru_cache(maxsize=1)
def shipped_groups() -> tuple[Group, ...]:
    """The shipped menu groups, read once per process."""
    return tuple(load_groups())


def get_topic(topic_id: str, directory: str | Path | None = None) -> Topic:
    topics = _topics_by_id(_directory_key(directory))
    try:
        return topics[topic_id]
    except KeyError:
        raise ContentError(f"unknown FAQ topic {topic_id!r}") from None


def render_fact(value: Any, lang: str) -> str:
    """One fact as text in `lang`: dates localised, per-language mappings picked."""
    if isinstance(value, Mapping):
        if lang not in value:
            raise ContentError(f"fact has no {lang!r} text")
        return render_fact(value[lang], lang)
    if isinstance(value, (dt.date, dt.datetime)):
        return format_day(value.date() if isinstance(value, dt.datetime) else value, lang)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) and abs(value) >= 10000:
        return format_integer(value, lang)
    return str(value)


def fill_placeholders(text: str, lang: str, facts: Mapping[str, Any]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in facts:
            raise ContentError(f"placeholder {{{name}}} has no fact in programme facts")
        try:
            return render_fact(facts[name], lang)
        except ContentError as exc:
            raise ContentError(f"fact {name!r}: {exc}") from None

    return PLACEHOLDER_RE.sub(substitute, text)


def answer_facts(programme: Mapping[str, Any], today: dt.date, translator: Any,
                 languages: tuple[str, ...] = LANGS) -> dict[str, Any]:
    """What answers' {placeholders} are filled from: the programme's `facts` plus the season
    sentences for `today` (`{season_window}`, `{season_draw}`, … — core/season.py)."""
    from core.season import season_facts

    return {**programme.get("facts", {}), **season_facts(programme, today, translator, languages)}


def render_answer(
    topic_id: str,
    lang: str,
    facts: Mapping[str, Any],
    directory: str | Path | None = None,
) -> str:
    """The answer text of `topic_id` in `lang` with {placeholders} filled from `facts`.

    `facts` is the `facts:` mapping of config/programme.yaml
    (`core.programme.load_programme()["facts"]`). Raises ContentError for an unknown
    topic, a topic without an answer in `lang`, or a placeholder without a fact.
    """
    topic = get_topic(topic_id, directory)
    text = topic.answer.get(_check_lang(lang))
    if not text:
        raise ContentError(f"topic {topic_id!r} has no answer in {lang!r}")
    return fill_placeholders(text, lang, facts)


def title(topic_id: str, lang: str, directory: str | Path | None = None) -> str:
    """The button label of `topic_id` in `lang`."""
    return get_topic(topic_id, directory).title_for(lang)
