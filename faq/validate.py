"""Content checks for faq/topics and faq/groups.yaml; errors name file and line.

Run as `zhasbot faq validate`. Each error is an `Issue(file, line, message)` whose str()
is `file:line: message`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core.config import line_of
from faq.content import (
    DEFAULT_GROUPS_FILE, DEFAULT_TOPICS_DIR, KINDS, LANGS, PLACEHOLDER_RE, ContentError,
    fill_placeholders, render_fact, topic_files,
)

CATALOGUE_IDS = (
    "about", "eligibility", "neet", "documents", "how_to_apply", "deadline", "grant_amount",
    "funding_rules", "selection", "technical_selection", "lottery", "results", "contract",
    "mentoring", "reporting", "regions", "duplicate", "fee", "contacts", "complaint",
    "open_day", "project_ideas", "timeline", "partners", "club", "appeal", "past_results",
)
INTENT_IDS = ("human", "check_eligibility", "my_status", "greeting", "thanks")
MIN_EXAMPLES = 6
BUTTON_TEXT_LIMIT = 64  # characters, our limit for a Telegram button label
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback data ("faq:<id>")
TITLE_SOFT_LIMIT = 40
ANSWER_SOFT_LIMIT = 900  # characters after filling facts; answers should stay ~700
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Issue:
    file: str
    line: int
    message: str
    # "error" blocks shipping; "warning" (a fact still to be confirmed) is shown and only
    # fails `zhasbot faq validate --strict`.
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


def _line(node: Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _get(node: MappingNode, key: str) -> tuple[Node | None, Node | None]:
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None, None


def _scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def _compose(path: Path, issues: list[Issue]) -> Node | None:
    try:
        return yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        issues.append(Issue(str(path), (mark.line + 1) if mark else 1, f"invalid YAML: {exc.problem}"))
    except (OSError, yaml.YAMLError) as exc:
        issues.append(Issue(str(path), 1, f"cannot read: {exc}"))
    return None


def _topic_nodes(path: Path, issues: list[Issue]) -> Iterator[MappingNode]:
    root = _compose(path, issues)
    if root is None:
        return
    items = _get(root, "topics")[1] if isinstance(root, MappingNode) else None
    if not isinstance(items, SequenceNode):
        issues.append(Issue(str(path), _line(root), "expected a top-level `topics:` list"))
        return
    for item in items.value:
        if isinstance(item, MappingNode):
            yield item
        else:
            issues.append(Issue(str(path), _line(item), "a topic must be a mapping"))


def _check_lang_map(path: str, topic_id: str, owner: MappingNode, field: str,
                    issues: list[Issue], required: bool, as_list: bool = False) -> dict[str, Node]:
    key_node, node = _get(owner, field)
    if node is None:
        if required:
            issues.append(Issue(path, _line(owner), f"topic {topic_id!r}: missing `{field}`"))
        return {}
    if not isinstance(node, MappingNode):
        issues.append(Issue(path, _line(node), f"topic {topic_id!r}: `{field}` must map kk/ru/en"))
        return {}
    found = {k.value: v for k, v in node.value if isinstance(k, ScalarNode)}
    for lang in found:
        if lang not in LANGS:
            issues.append(Issue(path, _line(found[lang]), f"topic {topic_id!r}: `{field}` has unknown language {lang!r}"))
    if required:
        for lang in LANGS:
            value = found.get(lang)
            empty = value is None or (
                isinstance(value, SequenceNode) and not value.value
            ) or (isinstance(value, ScalarNode) and not value.value.strip())
            if empty:
                issues.append(Issue(path, _line(node), f"topic {topic_id!r}: `{field}` has no {lang} text"))
            elif as_list and not isinstance(value, SequenceNode):
                issues.append(Issue(path, _line(value), f"topic {topic_id!r}: `{field}.{lang}` must be a list"))
            elif not as_list and not isinstance(value, ScalarNode):
                issues.append(Issue(path, _line(value), f"topic {topic_id!r}: `{field}.{lang}` must be text"))
    return found


def season_issues(programme: Mapping[str, Any], path: str | Path) -> list[Issue]:
    """A warning while the season's dates are settings the programme has not confirmed
    (config/programme.yaml `calendar.confirmed: false`): answers then tell no date as this
    season's, so the dates a deployment set are not shown until it confirms them."""
    calendar = programme.get("calendar") or {}
    if calendar.get("confirmed", True):
        return []
    return [Issue(str(path), line_of(calendar, "confirmed") or 1,
                  "calendar: the season's dates are not confirmed by the programme (confirmed: false); "
                  "answers say they are not announced yet, with last season's for reference", "warning")]


def call_centre_issues(call_centre: Mapping[str, Any], path: str | Path) -> list[Issue]:
    """A warning while the call centre's response times are a setting the programme has not
    confirmed (config/call_centre.yaml `sla_confirmed: false`): users are then promised no
    deadline, only an answer during working hours."""
    if call_centre.get("sla_confirmed", False) is True:
        return []
    return [Issue(str(path), line_of(call_centre, "sla_confirmed") or 1,
                  "sla_hours: the response times are not confirmed by the programme (sla_confirmed: false); "
                  "users are told an operator answers during working hours, with no deadline", "warning")]


def validate(
    directory: str | Path | None = None,
    facts: Mapping[str, Any] | None = None,
    groups_file: str | Path | None = None,
    require_catalogue: bool = True,
    unconfirmed: Iterable[str] = (),
) -> list[Issue]:
    """All problems in the FAQ content; no errors means it is fine to ship.

    `facts` are the facts answers are filled from (`faq.season.answer_facts`);
    `unconfirmed` names the facts the programme has not confirmed: each answer using one gets
    a warning. `require_catalogue` checks that every topic and intent id of the public
    catalogue (faq-topics.md) is present.
    """
    if facts is None:
        raise TypeError("validate() needs the facts answers are filled from (faq.season.answer_facts)")
    unconfirmed = frozenset(unconfirmed)
    issues: list[Issue] = []
    directory = Path(directory) if directory else DEFAULT_TOPICS_DIR
    groups = _validate_groups(Path(groups_file) if groups_file else DEFAULT_GROUPS_FILE, issues)

    seen: dict[str, tuple[str, int]] = {}
    related_refs: list[tuple[str, int, str, str]] = []
    files = topic_files(directory)
    if not files:
        issues.append(Issue(str(directory), 1, "no topic files (*.yaml)"))
    for path in files:
        for node in _topic_nodes(path, issues):
            _validate_topic(str(path), node, facts, groups, seen, related_refs, issues, unconfirmed)

    for file, line, topic_id, ref in related_refs:
        if ref not in seen:
            issues.append(Issue(file, line, f"topic {topic_id!r}: related id {ref!r} does not exist"))
    if require_catalogue:
        where = str(files[0]) if files else str(directory)
        for topic_id in CATALOGUE_IDS + INTENT_IDS:
            if topic_id not in seen:
                issues.append(Issue(where, 1, f"catalogue id {topic_id!r} (faq-topics.md) is missing"))
    return issues


def _validate_groups(path: Path, issues: list[Issue]) -> set[str]:
    root = _compose(path, issues)
    ids: set[str] = set()
    items = _get(root, "groups")[1] if isinstance(root, MappingNode) else None
    if not isinstance(items, SequenceNode):
        if root is not None:
            issues.append(Issue(str(path), _line(root), "expected a top-level `groups:` list"))
        return ids
    for item in items.value:
        if not isinstance(item, MappingNode):
            issues.append(Issue(str(path), _line(item), "a group must be a mapping"))
            continue
        group_id = _scalar(_get(item, "id")[1])
        if not group_id:
            issues.append(Issue(str(path), _line(item), "group without `id`"))
            continue
        if group_id in ids:
            issues.append(Issue(str(path), _line(item), f"duplicate group id {group_id!r}"))
        ids.add(group_id)
        titles = _check_lang_map(str(path), group_id, item, "title", issues, required=True)
        for lang, node in titles.items():
            text = _scalar(node) or ""
            if len(text) > BUTTON_TEXT_LIMIT:
                issues.append(Issue(str(path), _line(node), f"group {group_id!r}: {lang} title longer than {BUTTON_TEXT_LIMIT} characters"))
    return ids


def _validate_topic(path: str, node: MappingNode, facts: Mapping[str, Any], groups: set[str],
                    seen: dict[str, tuple[str, int]], related_refs: list, issues: list[Issue],
                    unconfirmed: frozenset[str] = frozenset()) -> None:
    id_node = _get(node, "id")[1]
    topic_id = _scalar(id_node)
    if not topic_id:
        issues.append(Issue(path, _line(node), "topic without `id`"))
        return
    if not ID_RE.match(topic_id):
        issues.append(Issue(path, _line(id_node), f"topic id {topic_id!r} must be lower_snake_case"))
    if topic_id in seen:
        first_file, first_line = seen[topic_id]
        issues.append(Issue(path, _line(id_node), f"duplicate topic id {topic_id!r} (first at {first_file}:{first_line})"))
    seen.setdefault(topic_id, (path, _line(id_node)))
    if len(f"faq:{topic_id}".encode()) > CALLBACK_DATA_LIMIT:
        issues.append(Issue(path, _line(id_node), f"callback data 'faq:{topic_id}' exceeds {CALLBACK_DATA_LIMIT} bytes"))

    kind = _scalar(_get(node, "kind")[1]) or "topic"
    if kind not in KINDS:
        issues.append(Issue(path, _line(_get(node, "kind")[1]), f"topic {topic_id!r}: kind must be one of {KINDS}"))
        return
    shown = kind != "out_of_scope"
    if shown:
        group_node = _get(node, "group")[1]
        group = _scalar(group_node)
        if not group:
            issues.append(Issue(path, _line(node), f"topic {topic_id!r}: missing `group`"))
        elif groups and group not in groups:
            issues.append(Issue(path, _line(group_node), f"topic {topic_id!r}: unknown group {group!r}"))
        titles = _check_lang_map(path, topic_id, node, "title", issues, required=True)
        for lang, title_node in titles.items():
            text = _scalar(title_node) or ""
            if len(text) > BUTTON_TEXT_LIMIT:
                issues.append(Issue(path, _line(title_node), f"topic {topic_id!r}: {lang} title is {len(text)} characters, the button limit is {BUTTON_TEXT_LIMIT}"))
            elif len(text) > TITLE_SOFT_LIMIT:
                issues.append(Issue(path, _line(title_node), f"topic {topic_id!r}: {lang} title is {len(text)} characters, keep it within {TITLE_SOFT_LIMIT}"))

    answers = _check_lang_map(path, topic_id, node, "answer", issues, required=kind == "topic")
    warned: set[str] = set()
    for lang, answer_node in answers.items():
        text = _scalar(answer_node)
        if text is None or lang not in LANGS:
            continue
        for match in PLACEHOLDER_RE.finditer(text):
            name = match.group(1)
            line = answer_node.start_mark.line + 1 + text[: match.start()].count("\n")
            if name not in facts:
                issues.append(Issue(path, line, f"topic {topic_id!r}: placeholder {{{name}}} in {lang} answer has no fact in programme facts"))
                continue
            if name in unconfirmed and name not in warned:
                warned.add(name)  # once per topic: the fact is the problem, not each language
                issues.append(Issue(path, line, f"topic {topic_id!r}: answer uses {{{name}}}, a placeholder the programme has not confirmed (config/programme.yaml `unconfirmed:`); users see its fallback text", "warning"))
            try:
                render_fact(facts[name], lang)
            except ContentError as exc:
                issues.append(Issue(path, line, f"topic {topic_id!r}: fact {name!r}: {exc}"))
        try:
            rendered = fill_placeholders(text, lang, facts)
        except ContentError:
            rendered = text  # already reported above
        if len(rendered) > ANSWER_SOFT_LIMIT:
            issues.append(Issue(path, _line(answer_node), f"topic {topic_id!r}: {lang} answer is {len(rendered)} characters, keep it within {ANSWER_SOFT_LIMIT}"))
        stray = re.sub(PLACEHOLDER_RE, "", text)
        if "{" in stray or "}" in stray:
            issues.append(Issue(path, _line(answer_node), f"topic {topic_id!r}: {lang} answer has a malformed {{placeholder}}"))

    examples = _check_lang_map(path, topic_id, node, "examples", issues, required=True, as_list=True)
    for lang, ex_node in examples.items():
        if isinstance(ex_node, SequenceNode) and shown and len(ex_node.value) < MIN_EXAMPLES:
            issues.append(Issue(path, _line(ex_node), f"topic {topic_id!r}: {lang} has {len(ex_node.value)} examples, need at least {MIN_EXAMPLES}"))

    related = _get(node, "related")[1]
    if isinstance(related, SequenceNode):
        for ref in related.value:
            if isinstance(ref, ScalarNode):
                related_refs.append((path, _line(ref), topic_id, ref.value))
    elif related is not None:
        issues.append(Issue(path, _line(related), f"topic {topic_id!r}: `related` must be a list of ids"))
