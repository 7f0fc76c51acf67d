"""Question → FAQ topic: TF-IDF over character n-grams and word stems of folded text.

Every example question is a document; a topic scores the best cosine similarity among its
examples (nearest neighbour), plus a boost when the question names one of its keywords.
Character n-grams of keyboard-folded, transliterated text absorb Kazakh and Russian
endings and most typos; unknown words are also snapped to the nearest known word
(rapidfuzz) so "докуметы" still finds "документы". The best topic is returned only above
THRESHOLD and when it is not the out-of-scope class.
"""
from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from rapidfuzz import fuzz, process

from faq.content import LANGS, Topic, load_topics
from faq.normalize import EN_MARKERS, detect_language_tokens, fold_tokens, raw_tokens
from faq.stopwords import STOPWORDS

THRESHOLD = 0.18
KEYWORD_BOOST = 0.12
FUZZY_CUTOFF = 80
MAX_FUZZY_WORDS = 6  # unknown words snapped per question: fuzzy search is the costly part
NGRAM_SIZES = (3, 4, 5)
WORD_WEIGHT = 1.0
PREFIX_LEN = 5
STOP_WEIGHT = 0.5
CENTROID_WEIGHT = 0.7  # share of the topic-centroid similarity in a topic's score
UNKNOWN_PENALTY = 0.4  # a question whose content words are all unknown keeps 1 - this
MAX_TOKENS = 40  # of the question, after normalisation: bounds work on huge inputs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MatchResult:
    topic: str | None
    score: float
    lang: str | None
    alternatives: list[tuple[str, float]] = field(default_factory=list)


def _features(tokens: Sequence[str]) -> dict[str, float]:
    counts: dict[str, float] = defaultdict(float)
    for token in tokens:
        if token.isdigit():
            continue
        weight = STOP_WEIGHT if token in STOPWORDS else 1.0
        counts["w:" + token] += WORD_WEIGHT * weight
        if len(token) > PREFIX_LEN:
            counts["p:" + token[:PREFIX_LEN]] += WORD_WEIGHT * weight
        padded = f" {token} "
        for n in NGRAM_SIZES:
            for i in range(len(padded) - n + 1):
                counts[padded[i:i + n]] += weight
    return counts


def _tf(count: float) -> float:
    # Sublinear term frequency; weights below 1 come from function words.
    return 1 + math.log(count) if count >= 1 else count


@dataclass
class _Doc:
    topic: str
    text: str


class Matcher:
    """Built once at start-up from the topics; `match` is then cheap and never raises."""

    def __init__(self, topics: Iterable[Topic], threshold: float = THRESHOLD) -> None:
        self.topics = [t for t in topics]
        self.threshold = threshold
        self._answerable = {t.id for t in self.topics if t.answerable}
        self._decline = {t.id for t in self.topics if not t.answerable}
        self._build_vocab()
        self._build_index()
        self._build_keywords()

    @classmethod
    def from_directory(cls, path: str | Path | None = None, **kwargs: float) -> "Matcher":
        return cls(load_topics(path), **kwargs)

    # -- building -----------------------------------------------------------------------

    def _build_vocab(self) -> None:
        english: set[str] = set(EN_MARKERS)
        cyrillic_texts: list[str] = []
        for topic in self.topics:
            for lang in LANGS:
                texts = list(topic.examples.get(lang, ())) + list(topic.keywords.get(lang, ()))
                if topic.title.get(lang):
                    texts.append(topic.title[lang])
                if lang == "en":
                    for text in texts:
                        english.update(raw_tokens(text))
                else:
                    cyrillic_texts.extend(texts)
        self._english = frozenset(english)
        cyrillic: set[str] = set()
        for text in cyrillic_texts:
            cyrillic.update(fold_tokens(text, self._english))
        self._cyrillic = frozenset(cyrillic)

    def _tokens(self, text: str) -> list[str]:
        return fold_tokens(text, self._english, self._cyrillic)

    def _build_index(self) -> None:
        docs: list[_Doc] = []
        for topic in self.topics:
            for lang in LANGS:
                texts = list(topic.examples.get(lang, ()))
                if topic.title.get(lang):
                    texts.append(topic.title[lang])
                docs.extend(_Doc(topic.id, text) for text in texts)
        doc_features = [_features(self._tokens(d.text)) for d in docs]
        df: dict[str, int] = defaultdict(int)
        for feats in doc_features:
            for f in feats:
                df[f] += 1
        n_docs = len(docs)
        self._idf = {f: math.log((1 + n_docs) / (1 + c)) + 1.0 for f, c in df.items()}
        self._unknown_idf = math.log(1 + n_docs) + 1.0
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        centroids: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for i, feats in enumerate(doc_features):
            vec = {f: _tf(c) * self._idf[f] for f, c in feats.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for f, v in vec.items():
                self._postings[f].append((i, v / norm))
                centroids[docs[i].topic][f] += v / norm
        # Topic centroids smooth the nearest-neighbour score: one lucky short example
        # should not outweigh a topic whose examples agree with the question overall.
        self._centroid_postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for topic, vec in centroids.items():
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for f, v in vec.items():
                self._centroid_postings[f].append((topic, v / norm))
        self._doc_topic = [d.topic for d in docs]
        self._vocab_words = sorted(
            {f[2:] for f in df if f.startswith("w:") and len(f) > 5}
        )
        self._vocab_set = frozenset(self._vocab_words)
        # Typos rarely hit the first letter: searching only words with the same first
        # letter keeps fuzzy snapping ~20x cheaper.
        self._vocab_by_initial: dict[str, list[str]] = defaultdict(list)
        for word in self._vocab_words:
            self._vocab_by_initial[word[0]].append(word)
        self._known_prefixes = frozenset(
            f[2:][:PREFIX_LEN] for f in df if f.startswith("w:") and len(f) >= 5
        )

    def _build_keywords(self) -> None:
        # A keyword matches when every word of it starts a question word; the stem (word
        # minus a couple of letters) lets case endings through: "Шымкенттен", "Атыраудан".
        self._keywords: list[tuple[tuple[str, ...], str]] = []
        for topic in self.topics:
            for lang in LANGS:
                for keyword in topic.keywords.get(lang, ()):
                    stems = tuple(
                        token[: max(4, len(token) - 2)] for token in self._tokens(keyword)
                    )
                    if stems and all(len(stem) >= 3 for stem in stems):
                        self._keywords.append((stems, topic.id))

    # -- matching -----------------------------------------------------------------------

    def _snap_typos(self, tokens: list[str]) -> list[str]:
        extra: list[str] = []
        tried = 0
        for token in tokens:
            if len(token) < 4 or token in self._vocab_set or token.isdigit():
                continue
            if tried == MAX_FUZZY_WORDS:
                break
            tried += 1
            found = process.extractOne(
                token, self._vocab_by_initial.get(token[0], ()), scorer=fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF,
            )
            if found:
                extra.append(found[0])
        return extra

    def scores(self, text: str) -> tuple[dict[str, float], str | None]:
        """Per-topic scores (0..1) and the detected language, for diagnostics and tuning."""
        tokens = self._tokens(text)[:MAX_TOKENS]
        lang = detect_language_tokens(
            [w for w in raw_tokens(text)[:MAX_TOKENS] if not w.isdigit()],
            self._english, self._cyrillic,
        )
        if not tokens:
            return {}, lang
        feats = _features(tokens)
        snapped = self._snap_typos(tokens)
        for word in snapped:
            feats["w:" + word] += WORD_WEIGHT * 0.7
        coverage = self._coverage(tokens, len(snapped))
        vec = {f: _tf(c) * self._idf.get(f, self._unknown_idf) for f, c in feats.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        doc_scores: dict[int, float] = defaultdict(float)
        for f, v in vec.items():
            postings = self._postings.get(f)
            if postings:
                weight = v / norm
                for doc, dv in postings:
                    doc_scores[doc] += weight * dv
        topic_scores: dict[str, float] = {}
        for doc, score in doc_scores.items():
            topic = self._doc_topic[doc]
            if score > topic_scores.get(topic, 0.0):
                topic_scores[topic] = score
        if CENTROID_WEIGHT:
            centroid_scores: dict[str, float] = defaultdict(float)
            for f, v in vec.items():
                for topic, cv in self._centroid_postings.get(f, ()):
                    centroid_scores[topic] += v / norm * cv
            nearest = dict(topic_scores)
            topic_scores = {
                t: (1 - CENTROID_WEIGHT) * s + CENTROID_WEIGHT * centroid_scores.get(t, 0.0)
                for t, s in topic_scores.items()
            }
            # The out-of-scope class is many unrelated subjects, so its centroid means
            # nothing: it wins when its nearest example beats the nearest example of the
            # best answerable topic (same scale on both sides).
            answerable = [t for t in topic_scores if t not in self._decline]
            if answerable:
                best = max(answerable, key=topic_scores.__getitem__)
                for t in self._decline:
                    if nearest.get(t, 0.0) > nearest.get(best, 0.0):
                        topic_scores[t] = max(topic_scores[best] + 1e-6, topic_scores.get(t, 0.0))
        boosted: set[str] = set()
        for stems, topic in self._keywords:
            if topic not in boosted and all(
                any(token.startswith(stem) for token in tokens) for stem in stems
            ):
                boosted.add(topic)
                if topic in self._decline:
                    # Naming another programme, a loan or the weather settles it: the
                    # question is not about ZHAS PROJECT, whatever else it shares.
                    topic_scores[topic] = max(topic_scores.values(), default=0.0) + KEYWORD_BOOST
                else:
                    topic_scores[topic] = topic_scores.get(topic, 0.0) + KEYWORD_BOOST
        # Content words the FAQ has never seen ("бензин", "laptop") mean the question is
        # probably about something else; scale down rather than veto, as typos remain.
        factor = 1.0 - UNKNOWN_PENALTY * (1.0 - coverage)
        return {t: min(1.0, s * factor) for t, s in topic_scores.items()}, lang

    def _coverage(self, tokens: list[str], snapped: int) -> float:
        content = [t for t in tokens if t not in STOPWORDS and not t.isdigit()]
        if not content:
            return 1.0
        known = sum(
            1 for t in content
            if t in self._vocab_set or t[:PREFIX_LEN] in self._known_prefixes
            or ("w:" + t) in self._idf
        )
        return min(1.0, (known + snapped) / len(content))

    def match(self, text: str) -> MatchResult:
        """The topic to answer `text` with, or topic None when nothing is close enough."""
        try:
            scores, lang = self.scores(text if isinstance(text, str) else str(text or ""))
        except Exception:  # noqa: BLE001 - a question must never crash the bot
            # Matching has no I/O, so this is a bug: log it loudly, and let the bot take
            # its "did not understand" path instead of dropping the user's message.
            log.exception("FAQ matcher failed on a %d-char message", len(str(text)))
            return MatchResult(None, 0.0, None, [])
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        answerable = [(t, round(s, 4)) for t, s in ranked if t in self._answerable]
        best_any = ranked[0][0] if ranked else None
        if answerable and best_any not in self._decline and answerable[0][1] >= self.threshold:
            topic, score = answerable[0]
            return MatchResult(topic, score, lang, answerable[1:4])
        score = answerable[0][1] if answerable else 0.0
        return MatchResult(None, score, lang, answerable[:3])
