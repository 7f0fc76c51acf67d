"""Missed questions grouped for editors: the same question typed ten ways is one line.

`group_misses` folds and stems each question (the classifier's input, faq.classifier) and
joins it to the first group whose representative is similar enough (rapidfuzz's
token-sort ratio), so "вы работаете в субботу" and "в субботу работаете?" count together.
A group shows how often it was asked, its commonest wording, languages, and the topic the
bot thought closest — where an editor is likely to add it as an example.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Protocol

from faq.classifier import stemmed
from faq.normalize import fold_tokens
from faq.stopwords import STOPWORDS

SIMILAR = 80  # token-sort ratio (0–100) at which two questions are one group


class Miss(Protocol):
    id: int
    text: str
    language: str
    kind: str
    topic: str | None


@dataclass
class MissGroup:
    key: str
    ids: list[int] = field(default_factory=list)
    texts: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def example(self) -> str:
        """The commonest wording (the earliest among equals)."""
        return self.texts.most_common(1)[0][0]

    @property
    def language(self) -> str:
        return self.languages.most_common(1)[0][0]

    @property
    def closest_topic(self) -> str | None:
        return self.topics.most_common(1)[0][0] if self.topics else None

    @property
    def variants(self) -> list[str]:
        return [text for text, _ in self.texts.most_common() if text != self.example]


def question_key(text: str) -> str:
    """Folded, stemmed content words: what two wordings of one question share."""
    tokens = fold_tokens(text)
    content = [t for t in tokens if t not in STOPWORDS] or tokens
    return stemmed(content)


def group_misses(misses: Iterable[Miss], similar: int = SIMILAR) -> list[MissGroup]:
    """Groups, the most asked first (ties: the earliest asked first)."""
    # Imported here: only managers' reports group misses, and rapidfuzz costs a bot process
    # 2.7 MB it need not carry until then (the matcher snaps typos with faq/similarity.py).
    from rapidfuzz import fuzz, process

    groups: list[MissGroup] = []
    keys: list[str] = []
    by_key: dict[str, MissGroup] = {}
    for miss in misses:
        text = " ".join(str(miss.text).split())
        if not text:
            continue
        key = question_key(text)
        group = by_key.get(key)
        if group is None and keys:
            found = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=similar)
            if found is not None:
                group = groups[found[2]]
        if group is None:
            group = MissGroup(key=key)
            groups.append(group)
            keys.append(key)
        by_key[key] = group
        group.ids.append(miss.id)
        group.texts[text] += 1
        group.languages[miss.language] += 1
        group.kinds[miss.kind] += 1
        if miss.topic:
            group.topics[miss.topic] += 1
    order = {id(g): i for i, g in enumerate(groups)}
    return sorted(groups, key=lambda g: (-g.count, order[id(g)]))


def day_bounds(first, last, zone):
    """[first 00:00, the day after last 00:00) in `zone`: the misses of whole local days."""
    from datetime import datetime, time, timedelta

    return (datetime.combine(first, time(0), zone),
            datetime.combine(last + timedelta(days=1), time(0), zone))


async def missed_groups(uow, start, end, *, similar: int = SIMILAR) -> list[MissGroup]:
    """Groups of the misses recorded in [start, end) not yet added to a topic."""
    return group_misses(await uow.faq_misses.between(start, end), similar)


def _rows(groups: list[MissGroup], limit: int | None):
    from core.privacy import mask_text

    for rank, group in enumerate(groups[:limit] if limit else groups, 1):
        yield {
            "rank": rank, "count": group.count, "question": mask_text(group.example),
            "variants": " | ".join(mask_text(v) for v in group.variants[:5]),
            "languages": ", ".join(f"{lang} {n}" for lang, n in group.languages.most_common()),
            "kinds": ", ".join(f"{kind} {n}" for kind, n in group.kinds.most_common()),
            "closest_topic": group.closest_topic or "",
        }


COLUMNS = ("rank", "count", "question", "variants", "languages", "kinds", "closest_topic")


def render_csv(groups: list[MissGroup], limit: int | None = None) -> str:
    """CSV (UTF-8; personal data masked) of the groups, most asked first."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_rows(groups, limit))
    return out.getvalue()


def render_markdown(groups: list[MissGroup], limit: int | None = None) -> str:
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row[c]) for c in COLUMNS) + " |" for row in _rows(groups, limit)]
    return "\n".join(lines) + "\n"
