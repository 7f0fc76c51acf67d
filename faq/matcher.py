"""Question → FAQ topic: TF-IDF over character n-grams and word stems of folded text,
combined with a supervised classifier (faq/classifier.py).

Every example question is a document; a topic scores the best cosine similarity among its
examples (nearest neighbour), plus a boost when the question names one of its keywords.
Character n-grams of keyboard-folded, transliterated text absorb Kazakh and Russian
endings and most typos; unknown words are also snapped to the nearest known word
(faq/similarity.py) so "докуметы" still finds "документы". The best topic is returned only
above THRESHOLD and when it is not the out-of-scope class.

The classifier (a linear SVM over character n-grams of the words and word n-grams of their
stems) ranks topics better; the nearest-example matcher declines out-of-scope questions
better. So the answer is the best topic by a blend of both scores, and whether to answer at
all is decided by a small logistic "answer gate" over what both say (`gate_features`): its
weights and threshold are fitted by cross-validation on the content's own examples
(`python bench/faq_cv.py --fit-gate`), never on the held-out sets, which only measure
(bench/faq_accuracy.py; figures in the commit messages).
"""
from __future__ import annotations

import logging
import math
from array import array
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from faq.content import LANGS, Topic, load_topics
from faq.normalize import EN_MARKERS, detect_language_tokens, fold_tokens, raw_tokens
from faq.packed import blob, iter_terms
from faq.similarity import WordList
from faq.stopwords import STOPWORDS
from faq.terms import NOT_FOUND, Terms

THRESHOLD = 0.18
KEYWORD_BOOST = 0.12
# Cache of recent questions: size in entries, and the longest text worth caching.
CACHE_SIZE = 4096
CACHE_MAX_TEXT = 300
WEIGHT_STEPS = 65535  # an index posting's weight (0 to 1) in steps of 1/65535: see _Postings
PROPER_NAME_FACTOR = 2.0  # boost of a capitalised keyword (a place, a programme), see below
FUZZY_CUTOFF = 80
MAX_FUZZY_WORDS = 6  # unknown words snapped per question: fuzzy search is the costly part
NGRAM_SIZES = (3, 4, 5)
WORD_WEIGHT = 1.0
PREFIX_LEN = 5
STOP_WEIGHT = 0.5
CENTROID_WEIGHT = 0.7  # share of the topic-centroid similarity in a topic's score
UNKNOWN_PENALTY = 0.4  # a question whose content words are all unknown keeps 1 - this
# Character n-grams found in more than this share of the examples (" th", "ion", " ка") are
# skipped in the nearest-example pass (never fewer than MIN_COMMON_POSTINGS examples): they
# weigh little (low idf) but are most of the work. The topic-centroid pass still counts
# them. Measured on both held-out sets: same accuracy at 5%, ~40% less matching time.
COMMON_FEATURE_SHARE = 0.05
MIN_COMMON_POSTINGS = 40
MAX_TOKENS = 40  # of the question, after normalisation: bounds work on huge inputs
CHAT_GROUP = "chat"  # greeting/thanks: a question wrapped in "привет"/"спасибо" is the question
CHAT_REST_MIN = 0.3  # score the question left after greeting words needs to win over them
# A word is a greeting/thanks word when at least half of the examples that use it are
# greetings or thanks: "привет" still is, though "привет, какие доки нужны" is an example
# of the documents topic. (5-fold CV, seeds 12,1,2,3: the same balanced score from 0.4 to 1.0,
# where 1.0 was the old "only greetings use it", which had lost "привет" and "сәлем".)
CHAT_WORD_SHARE = 0.5
AGE_INTENT = "check_eligibility"  # "мне 24", "маған 20 жас", "I'm 22": the user describes themself
AGE_BOOST = 0.2  # more than a keyword: "маған 23 жас, Маңғыстауда тұрамын" is about the user
# Kazakh question particles that users glue to the word: "болама", "керекпе", "тегинбе".
GLUED_PARTICLES = ("ма", "ме", "ба", "бе", "па", "пе")
# Words before or after a number that make it the user's own age (folded forms).
_AGE_BEFORE = frozenset("мне маган менин жасым am мен".split())
_AGE_AFTER = frozenset("лет годиков года год жастамын жаспын жастамыз жастагы years yrs".split())

# Blend of the two scores (chosen on held-out sets 1 and 2 before set 3 existed; the CV of
# bench/faq_cv.py finds no better blend).
MATCHER_WEIGHT = 0.3
SOFTMAX_TEMPERATURE = 0.3  # turns SVM margins into a distribution over topics
# The answer gate: P(the blended best topic is right) = logistic(GATE_WEIGHTS · gate_features
# + GATE_BIAS); below GATE_THRESHOLD the question is declined. Fitted on the out-of-fold
# predictions of a 5-fold CV over the content's examples (out-of-scope ones weighted to count
# as much as all in-scope ones), threshold the CV's best balance of top-1 and declined share:
# `python bench/faq_cv.py --fit-gate` prints them. Refit after a large change of content.
# One seed's figures move by noise, so the gate is fitted over several seeds:
# `--seeds 12,1,2,3 --fit-gate`, weights on all four seeds' predictions, threshold the best
# balance averaged over them (0.30: 89.08%, 0.35: 89.26%, 0.40: 89.31%, 0.45: 89.19%: flat, 0.35 kept).
GATE_WEIGHTS = (0.217, -5.743, -0.9477, 2.432, -1.441, 2.225, -0.4088, 0.3354, 1.744, 1.811, -5.336)
GATE_BIAS = -4.509
GATE_THRESHOLD = 0.35

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


def _english_stem(token: str) -> str:
    """Plural and verb endings of an English word: "applications" → "application",
    "winners" → "winner", "picked" → "pick". Only ASCII words: Kazakh Latin has been
    transliterated to Cyrillic by then."""
    if len(token) <= 3 or not token.isascii() or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("sses"):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    if token.endswith("ing") and len(token) > 5:
        return token[:-3]
    if token.endswith("ed") and len(token) > 4 and not token.endswith("eed"):
        return token[:-2]
    return token


def gate_features(margins: Sequence[float], classes: Sequence[str], scores: dict[str, float],
                  matcher_declined: bool, answerable: set[str], decline: set[str], *,
                  coverage: float, matcher_oos: float,
                  ) -> tuple[list[float], list[tuple[str, float]]]:
    """What the answer gate weighs, and the answerable topics ranked by the blended score.

    Features: the classifier's probability of the blended best topic and of the out-of-scope
    class, its top margin, the gap to the runner-up and the out-of-scope margin; the matcher's
    best score, whether it declined, whether its pick is the blended best; the blended score;
    the share of the question's words the content knows, and the matcher's out-of-scope score.
    """
    top = max(margins)
    weights = [math.exp((m - top) / SOFTMAX_TEMPERATURE) for m in margins]
    total = sum(weights)
    probs = [w / total for w in weights]
    blended = {
        topic: (1 - MATCHER_WEIGHT) * probs[i] + MATCHER_WEIGHT * scores.get(topic, 0.0)
        for i, topic in enumerate(classes) if topic in answerable
    }
    ranked = sorted(blended.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked:
        return [], []
    best, best_score = ranked[0]
    index = {c: i for i, c in enumerate(classes)}
    top_two = sorted(margins)[-2:] if len(margins) > 1 else [margins[0], margins[0]]
    out_of_scope = max((margins[index[c]] for c in decline if c in index), default=-1.0)
    oos_prob = max((probs[index[c]] for c in decline if c in index), default=0.0)
    matcher_best = max(scores, key=scores.__getitem__) if scores else None
    features = [
        probs[index[best]], oos_prob, top_two[1], top_two[1] - top_two[0],
        out_of_scope, max(scores.values(), default=0.0), float(matcher_declined),
        float(matcher_best == best), best_score, coverage, matcher_oos,
    ]
    return features, ranked


def gate_probability(features: Sequence[float]) -> float:
    z = GATE_BIAS + sum(w * f for w, f in zip(GATE_WEIGHTS, features))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _tf(count: float) -> float:
    # Sublinear term frequency; weights below 1 come from function words.
    return 1 + math.log(count) if count >= 1 else count


@dataclass
class _Doc:
    topic: str
    text: str


class _Postings:
    """Feature → [(item, weight)], packed into flat arrays.

    The index has ~400,000 postings; as Python tuples they took tens of MB of every bot
    process, as float32 and int32 arrays 3 MB, as 16-bit ones 1.5 MB. The weights (unit
    vectors' parts, 0 to 1) are kept in steps of 1/65535: a similarity sums a few dozen of
    them, so it moves by less than 0.001. Items are 16-bit while there are fewer than 65,536
    examples (today ~7,000), else 32-bit."""

    def __init__(self, n_rows: int, row_of: array, items: array, weights: array) -> None:
        """Postings of features numbered 0..n_rows-1 come as three parallel arrays (the
        feature's row, the item, the weight), in any order of rows and in item order within a row."""
        if weights and not 0.0 <= min(weights) <= max(weights) <= 1.0:
            raise ValueError("posting weights must lie between 0 and 1")
        # A counting sort by row: stable, so items stay in order within a row, and no
        # list of ~400,000 Python objects is ever made (start-up's peak memory counts).
        offsets = array("i", bytes(4 * (n_rows + 1)))
        for row in row_of:
            offsets[row + 1] += 1
        for row in range(n_rows):
            offsets[row + 1] += offsets[row]
        free = offsets[:-1]
        self._offsets = offsets
        wide = max(items, default=0) > 0xFFFF
        self._items = array("I", bytes(4 * len(items))) if wide else array("H", bytes(2 * len(items)))
        self._weights = array("H", bytes(2 * len(weights)))
        for row, item, weight in zip(row_of, items, weights):
            at = free[row]
            free[row] = at + 1
            self._items[at] = item
            self._weights[at] = round(weight * WEIGHT_STEPS)

    @classmethod
    def from_packed(cls, offsets: array, items: array, weights: array) -> "_Postings":
        """Postings as `packed` gave them (from an index file: faq/index_file.py)."""
        if len(offsets) < 1 or len(items) != len(weights) or offsets[-1] != len(items):
            raise ValueError("postings arrays do not fit together")
        postings = cls.__new__(cls)
        postings._offsets, postings._items, postings._weights = offsets, items, weights
        return postings

    def packed(self) -> tuple[array, array, array]:
        return self._offsets, self._items, self._weights

    def accumulate(self, weighted: Iterable[tuple[int, float]], limit: int | None = None) -> dict[int, float]:
        """Per item reached, the sum of feature weight × posting weight over `weighted`
        (feature row, weight; unknown features are NOT_FOUND; features with more than `limit`
        postings skipped), in the order the items were first reached.

        Plain Python over the ~5,000 postings a question reaches: ~0.2 ms. numpy did it in
        a tenth of that, but importing it cost every bot process ~16 MB."""
        offsets, items, weights = self._offsets, self._items, self._weights
        sums: dict[int, float] = {}
        get = sums.get
        for row, factor in weighted:
            if row == NOT_FOUND:
                continue
            start, end = offsets[row], offsets[row + 1]
            if start == end or (limit is not None and end - start > limit):
                continue
            factor /= WEIGHT_STEPS  # the weights are steps
            for item, weight in zip(items[start:end], weights[start:end]):
                sums[item] = get(item, 0.0) + weight * factor
        return sums


class Matcher:
    """Built once at start-up from the topics; `match` is then cheap and never raises."""

    def __init__(self, topics: Iterable[Topic], threshold: float = THRESHOLD,
                 cache_size: int = CACHE_SIZE, classifier: bool = True,
                 model_cache_dir: str | Path | None = None, keep_feature_names: bool = False) -> None:
        """`keep_feature_names`: keep the index's feature strings, which `index_state` saves
        (a bot process keeps only their hashes)."""
        self._setup(topics, threshold, cache_size)
        self._keep_feature_names = keep_feature_names
        self._build_vocab()
        self._build_index()
        self._build_keywords()
        self._build_chat_words()
        self._classifier = self._build_classifier(model_cache_dir) if classifier else None
        del self._doc_tokens  # only needed while building
        self._share_words()

    def _setup(self, topics: Iterable[Topic], threshold: float, cache_size: int) -> None:
        self._cache: OrderedDict[str, MatchResult] = OrderedDict()
        self._cache_size = cache_size
        self._last_snap: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self.topics = [t for t in topics]
        self.threshold = threshold
        self._answerable = {t.id for t in self.topics if t.answerable}
        self._decline = {t.id for t in self.topics if not t.answerable}

    @classmethod
    def from_directory(cls, path: str | Path | None = None, **kwargs: float) -> "Matcher":
        return cls(load_topics(path), **kwargs)

    # -- the index as data (saved and loaded by faq/index_file.py) ----------------------

    # Sections of the saved index, in order: name, array typecode (None: "\n"-joined strings, a blob).
    INDEX_SECTIONS = (
        ("feature_names", None), ("english", None), ("cyrillic", None), ("chat_words", None),
        ("chat_prefixes", None), ("idf", "d"), ("doc_topic_index", "i"),
        ("postings_offsets", "i"), ("postings_items", "HI"), ("postings_weights", "H"),
        ("centroid_offsets", "i"), ("centroid_items", "HI"), ("centroid_weights", "H"),
    )

    def index_state(self) -> tuple[dict, dict]:
        """What this matcher built from its topics, beyond the topics themselves: scalars and
        names (JSON), and the sections of INDEX_SECTIONS (arrays, and blobs of strings).
        Needs `keep_feature_names=True`."""
        postings, centroids = self._postings.packed(), self._centroid_postings.packed()
        sections = {
            "feature_names": blob(self._feature_names), "english": blob(sorted(self._english)),
            "cyrillic": blob(sorted(self._cyrillic)), "chat_words": blob(sorted(self._chat_words)),
            "chat_prefixes": blob(self._chat_prefixes), "idf": self._idf,
            "doc_topic_index": self._doc_topic_index,
            "postings_offsets": postings[0], "postings_items": postings[1], "postings_weights": postings[2],
            "centroid_offsets": centroids[0], "centroid_items": centroids[1], "centroid_weights": centroids[2],
        }
        meta = {"topic_names": self._topic_names, "unknown_idf": self._unknown_idf,
                "max_postings": self._max_postings, "chat_topics": sorted(self._chat_topics)}
        return meta, sections

    @classmethod
    def from_index_state(cls, topics: Iterable[Topic], meta: dict, sections: dict, classifier,
                         threshold: float = THRESHOLD, cache_size: int = CACHE_SIZE) -> "Matcher":
        """A matcher from `index_state` of one built from the same topics, and its classifier
        (None: none). Nothing is rebuilt but the keyword table, which is small: ~0.1 s
        instead of ~1.5 s of tokenising and stemming every example."""
        matcher = cls.__new__(cls)
        matcher._setup(topics, threshold, cache_size)
        matcher._english = frozenset(iter_terms(sections["english"]))
        matcher._cyrillic = frozenset(iter_terms(sections["cyrillic"]))
        matcher._idf = sections["idf"]
        matcher._unknown_idf = float(meta["unknown_idf"])
        matcher._max_postings = int(meta["max_postings"])
        matcher._topic_names = [str(t) for t in meta["topic_names"]]
        matcher._doc_topic_index = sections["doc_topic_index"]
        matcher._postings = _Postings.from_packed(
            sections["postings_offsets"], sections["postings_items"], sections["postings_weights"])
        matcher._centroid_postings = _Postings.from_packed(
            sections["centroid_offsets"], sections["centroid_items"], sections["centroid_weights"])
        names = sections["feature_names"]  # a blob: its ~60,000 strings are never all held at once
        matcher._features = Terms(iter_terms(names))
        if len(matcher._features) != len(matcher._idf) or len(matcher._postings.packed()[0]) != len(matcher._idf) + 1:
            raise ValueError("index sections do not fit together")
        matcher._word_sets(iter_terms(names))
        matcher._chat_topics = frozenset(meta["chat_topics"])
        matcher._chat_words = frozenset(iter_terms(sections["chat_words"]))
        matcher._chat_prefixes = tuple(iter_terms(sections["chat_prefixes"]))
        matcher._build_keywords()
        matcher._share_words()
        matcher._classifier = classifier
        if classifier is not None:
            from faq.classifier import prepare
            matcher._prepare = prepare
        return matcher

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
        return [_english_stem(t) for t in fold_tokens(text, self._english, self._cyrillic)]

    def _build_index(self) -> None:
        docs: list[_Doc] = []
        for topic in self.topics:
            for lang in LANGS:
                texts = list(topic.examples.get(lang, ()))
                if topic.title.get(lang):
                    texts.append(topic.title[lang])
                docs.extend(_Doc(topic.id, text) for text in texts)
        self._doc_tokens = {d.text: self._tokens(d.text) for d in docs}
        # Two passes over the examples' features (document frequencies, then weights), each
        # computed again rather than all kept at once: every bot process builds this index,
        # and holding them all tripled its peak memory.
        df: dict[str, int] = defaultdict(int)
        for doc in docs:
            for f in _features(self._doc_tokens[doc.text]):
                df[f] += 1
        n_docs = len(docs)
        # One numbering of the features serves the idf, the examples' postings and the
        # topic centroids' postings; once built it is kept as hashes (faq/terms.py).
        rows = {f: row for row, f in enumerate(df)}
        self._idf = array("d", (math.log((1 + n_docs) / (1 + c)) + 1.0 for c in df.values()))
        self._unknown_idf = math.log(1 + n_docs) + 1.0
        row_of, items, weights = array("i"), array("i"), array("d")
        for i, doc in enumerate(docs):
            vec = {f: _tf(c) * self._idf[rows[f]] for f, c in _features(self._doc_tokens[doc.text]).items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for f, v in vec.items():
                row_of.append(rows[f])
                items.append(i)
                weights.append(v / norm)
        self._postings = _Postings(len(rows), row_of, items, weights)
        self._topic_names = list(dict.fromkeys(d.topic for d in docs))
        number = {t: i for i, t in enumerate(self._topic_names)}
        self._doc_topic_index = array("i", [number[d.topic] for d in docs])
        # Topic centroids smooth the nearest-neighbour score: one lucky short example
        # should not outweigh a topic whose examples agree with the question overall.
        self._centroid_postings = _Postings(len(rows), *self._centroids(row_of, items, weights))
        del row_of, items, weights
        self._features = Terms(rows)  # the same numbers, without keeping ~23,000 strings
        if self._keep_feature_names:
            self._feature_names = list(rows)
        del rows
        self._max_postings = max(MIN_COMMON_POSTINGS, int(COMMON_FEATURE_SHARE * n_docs))
        self._word_sets(df)

    def _word_sets(self, features: Iterable[str]) -> None:
        """The known words, from the index's features ("w:" ones): for snapping typos and
        for the share of a question's words the content knows."""
        words = [f[2:] for f in features if f.startswith("w:")]
        vocab_words = sorted({w for w in words if len(w) > 3})
        self._words = frozenset(words)
        # Typos rarely hit the first letter: searching only words with the same first
        # letter keeps fuzzy snapping ~20x cheaper.
        by_initial: dict[str, list[str]] = defaultdict(list)
        for word in vocab_words:
            by_initial[word[0]].append(word)
        self._vocab_by_initial = {initial: WordList(bucket) for initial, bucket in by_initial.items()}
        self._known_prefixes = frozenset(w[:PREFIX_LEN] for w in words if len(w) >= 3)

    def _share_words(self) -> None:
        """A word in several of the word sets is one string, not one per set: most Cyrillic
        and English words and many prefixes are known words too (~0.4 MB per process)."""
        one = {word: word for word in self._words}
        self._english = frozenset(one.get(word, word) for word in self._english)
        self._cyrillic = frozenset(one.get(word, word) for word in self._cyrillic)
        self._known_prefixes = frozenset(one.get(prefix, prefix) for prefix in self._known_prefixes)

    def _centroids(self, row_of: array, items: array, weights: array) -> tuple[array, array, array]:
        """Each topic's centroid (the sum of its examples' unit vectors, made unit length),
        as postings (feature row, topic, weight) in topic order.

        A topic's examples are consecutive items, so one topic's sums are kept at a time
        (a dictionary per topic took ~10 MB while building)."""
        out_rows, out_topics, out_values = array("i"), array("i"), array("d")
        topic_of = self._doc_topic_index

        def add(topic: int, sums: dict[int, float]) -> None:
            norm = math.sqrt(sum(v * v for v in sums.values())) or 1.0
            for row, value in sums.items():
                out_rows.append(row)
                out_topics.append(topic)
                out_values.append(value / norm)

        current, sums = -1, {}
        for row, item, weight in zip(row_of, items, weights):
            topic = topic_of[item]
            if topic != current:
                if sums:
                    add(current, sums)
                current, sums = topic, {}
            sums[row] = sums.get(row, 0.0) + weight
        if sums:
            add(current, sums)
        return out_rows, out_topics, out_values

    def _build_keywords(self) -> None:
        # A keyword matches when every word of it starts a question word; the stem (word
        # minus a couple of letters) lets case endings through: "Шымкенттен", "Атыраудан".
        # Stems keep at least five letters: "погода" cut to "пого" would also catch
        # "поговорить с оператором".
        # A capitalised keyword that is not an acronym names a place or a programme
        # ("Шымкент", "Open Day", "Бастау Бизнес"): it settles the topic more surely than a
        # common word does, so it boosts twice as much.
        self._keywords: list[tuple[tuple[str, ...], str]] = []
        self._keyword_boost: dict[tuple[tuple[str, ...], str], float] = {}
        for topic in self.topics:
            for lang in LANGS:
                for keyword in topic.keywords.get(lang, ()):
                    # A short word of a longer keyword ("ел" in "Жасыл ел") must match whole.
                    # English keywords are English words: "Astana" must not also become
                    # "астана" and then require both spellings in the question.
                    tokens = (
                        [_english_stem(w) for w in raw_tokens(keyword)] if lang == "en"
                        else self._tokens(keyword)
                    )
                    stems = tuple(
                        token[: max(5, len(token) - 2)] if len(token) >= 3 else token + " "
                        for token in tokens
                    )
                    if stems and (len(stems) > 1 or len(stems[0].strip()) >= 3):
                        key = (stems, topic.id)
                        proper = keyword[:1].isupper() and not keyword.isupper()
                        if key not in self._keyword_boost:
                            self._keywords.append(key)
                        self._keyword_boost[key] = max(
                            self._keyword_boost.get(key, 0.0),
                            KEYWORD_BOOST * (PROPER_NAME_FACTOR if proper else 1.0),
                        )
        self._keyword_stems = tuple({
            stem for stems, _ in self._keywords for stem in stems if not stem.endswith(" ")
        })

    def _build_classifier(self, cache_dir: str | Path | None):
        from faq.classifier import load_or_train, prepare

        texts, labels = [], []
        for topic in self.topics:
            for lang in LANGS:
                examples = list(topic.examples.get(lang, ()))
                if topic.title.get(lang):
                    examples.append(topic.title[lang])
                for text in examples:
                    texts.append(prepare(self._doc_tokens.get(text) or self._tokens(text)))
                    labels.append(topic.id)
        if len(set(labels)) < 2:
            return None
        model = load_or_train(texts, labels, Path(cache_dir) if cache_dir else None)
        self._prepare = prepare
        return model

    def _margins(self, tokens: list[str]) -> list[float]:
        # The classifier reads the words the matcher snapped typos to as well ("докуметы" ->
        # "документы"): its character n-grams absorb a slip only partly. 5-fold CV, gate
        # refitted: balanced top-1/declined 77.6% -> 79.4% (80.9% -> 81.3% without the
        # generated typos).
        return self._classifier.decision(self._prepare(tokens + self._snap_typos(tokens)))

    def _combine(self, text_tokens: list[str], decision: tuple, scores: dict[str, float],
                 all_scores: dict[str, float]) -> tuple:
        """The matcher's decision and scores blended with the classifier's (module doc).
        `scores`: the matcher's shortlist; `all_scores`: every topic's, out of scope too."""
        margins = self._margins(text_tokens)
        matcher_oos = max((all_scores.get(t, 0.0) for t in self._decline), default=0.0)
        coverage = self._gate_coverage(text_tokens)
        features, ranked = gate_features(margins, self._classifier.classes, scores, decision[0] is None,
                                         self._answerable, self._decline,
                                         coverage=coverage, matcher_oos=matcher_oos)
        if not ranked:
            return decision
        best, best_score = ranked[0]
        # Not one word the content knows ("asdkjh qwe zzzz"): the classifier's scores are then
        # its intercepts and a few stray letter pairs, and the examples never taught the gate
        # about such input. Nothing to answer.
        if coverage == 0.0 or gate_probability(features) < GATE_THRESHOLD:
            return None, round(best_score, 4), [(t, round(s, 4)) for t, s in ranked[:3]]
        return best, round(best_score, 4), [(t, round(s, 4)) for t, s in ranked[1:4]]

    def _build_chat_words(self) -> None:
        # Words mostly greetings and thanks use ("привет", "сәлем", "рахмет", "thanks"):
        # "привет, какие документы нужны" is a question about documents, not a greeting.
        # Not "only": the examples of other topics say "привет, …" too.
        chat_topics = {t.id for t in self.topics if t.group == CHAT_GROUP}
        chat: Counter[str] = Counter()
        other: Counter[str] = Counter()
        for topic in self.topics:
            target = chat if topic.id in chat_topics else other
            for lang in LANGS:
                for text in topic.examples.get(lang, ()):
                    cached = self._doc_tokens.get(text)
                    target.update(set(cached if cached is not None else self._tokens(text)))
        self._chat_topics = frozenset(chat_topics)
        self._chat_words = frozenset(
            w for w, n in chat.items()
            if w not in STOPWORDS and not w.isdigit() and n >= CHAT_WORD_SHARE * (n + other[w]))
        other_prefixes = {w[:PREFIX_LEN] for w in other}
        self._chat_prefixes = tuple(sorted({
            w[:PREFIX_LEN] for w in self._chat_words
            if len(w) >= PREFIX_LEN and w[:PREFIX_LEN] not in other_prefixes
        }))

    def _is_chat_word(self, token: str) -> bool:
        return token in self._chat_words or (
            len(token) >= PREFIX_LEN and token.startswith(self._chat_prefixes)
        )

    # -- matching -----------------------------------------------------------------------

    def _query_tokens(self, text: str) -> list[str]:
        tokens = self._tokens(text)[:MAX_TOKENS]
        # Glued question particles: "болама" → "бола ма", "тегинбе" → "тегин бе".
        out: list[str] = []
        for token in tokens:
            if (
                len(token) > 5 and token.endswith(GLUED_PARTICLES)
                and token not in self._words and token[:-2] in self._words
            ):
                out.extend((token[:-2], token[-2:]))
            else:
                out.append(token)
        return out

    def _snap_typos(self, tokens: list[str]) -> list[str]:
        # Asked up to three times per question (matcher, classifier, gate) with the same
        # tokens: the fuzzy search is the costly part, so the last answer is kept.
        key = tuple(tokens)
        last = self._last_snap
        if last is not None and last[0] == key:
            return list(last[1])
        extra: list[str] = []
        tried = 0
        for token in tokens:
            if len(token) < 4 or token in self._words or token.isdigit():
                continue
            if tried == MAX_FUZZY_WORDS:
                break
            tried += 1
            candidates = self._vocab_by_initial.get(token[0])
            found = candidates.closest(token, FUZZY_CUTOFF) if candidates else None
            if found:
                extra.append(found[0])
        self._last_snap = (key, tuple(extra))
        return extra

    def scores(self, text: str) -> tuple[dict[str, float], str | None]:
        """Per-topic scores (0..1) and the detected language, for diagnostics and tuning."""
        return self._score_tokens(self._query_tokens(text)), self._language(text)

    def _language(self, text: str) -> str | None:
        return detect_language_tokens(
            [w for w in raw_tokens(text)[:MAX_TOKENS] if not w.isdigit()],
            self._english, self._cyrillic,
        )

    def _score_tokens(self, tokens: list[str]) -> dict[str, float]:
        if not tokens:
            return {}
        feats = _features(tokens)
        snapped = self._snap_typos(tokens)
        for word in snapped:
            feats["w:" + word] += WORD_WEIGHT * 0.7
        coverage = self._coverage(tokens, len(snapped))
        idf, unknown = self._idf, self._unknown_idf
        rows = self._features.numbers(list(feats))
        vec = [_tf(c) * (idf[row] if row != NOT_FOUND else unknown) for row, c in zip(rows, feats.values())]
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        weighted = [(row, v / norm) for row, v in zip(rows, vec)]
        topic_scores = self._best_per_topic(self._postings.accumulate(weighted, self._max_postings))
        if CENTROID_WEIGHT:
            names = self._topic_names
            centroid_scores = {names[t]: s for t, s in self._centroid_postings.accumulate(weighted).items()}
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
        # Every prefix of every question word (and whole words + " " for short keyword
        # words): a keyword stem matches when it is in this set.
        prefixes = {token + " " for token in tokens}
        for token in tokens:
            prefixes.update(token[:i] for i in range(3, len(token) + 1))
        boosts: dict[str, float] = {}
        for key in self._keywords:
            stems, topic = key
            if self._keyword_boost[key] > boosts.get(topic, 0.0) and all(
                stem in prefixes for stem in stems
            ):
                boosts[topic] = self._keyword_boost[key]
        for topic, boost in boosts.items():
            if topic in self._decline:
                # Naming another programme, a loan or the weather settles it: the
                # question is not about ZHAS PROJECT, whatever else it shares.
                topic_scores[topic] = max(topic_scores.values(), default=0.0) + KEYWORD_BOOST
            else:
                topic_scores[topic] = topic_scores.get(topic, 0.0) + boost
        if AGE_INTENT in self._answerable and self._states_own_age(tokens):
            topic_scores[AGE_INTENT] = topic_scores.get(AGE_INTENT, 0.0) + AGE_BOOST
        # Content words the FAQ has never seen ("бензин", "laptop") mean the question is
        # probably about something else; scale down rather than veto, as typos remain.
        factor = 1.0 - UNKNOWN_PENALTY * (1.0 - coverage)
        return {t: min(1.0, s * factor) for t, s in topic_scores.items()}

    def _best_per_topic(self, doc_scores: dict[int, float]) -> dict[str, float]:
        """Each topic's best example score, for the topics whose examples were reached, in the
        order they were first reached (the order decides between equal scores further on)."""
        topic_of = self._doc_topic_index
        best: dict[int, float] = {}
        for doc, score in doc_scores.items():
            topic = topic_of[doc]
            if topic not in best or score > best[topic]:
                best[topic] = score
        names = self._topic_names
        return {names[t]: score for t, score in best.items()}

    @staticmethod
    def _states_own_age(tokens: list[str]) -> bool:
        # "мне 24", "маған 20 жас", "i am 22", "20 жастамын", "19 years old": a person
        # describing themself wants to be checked, not the general rules.
        for i, token in enumerate(tokens):
            if token.isdigit() and 12 <= int(token) <= 60:
                before = tokens[i - 1] if i else ""
                after = tokens[i + 1] if i + 1 < len(tokens) else ""
                if before in _AGE_BEFORE or after in _AGE_AFTER:
                    return True
        return False

    def _gate_coverage(self, tokens: list[str]) -> float:
        # A typo the matcher snapped to a known word ("докуметы") is a known word to the gate
        # too: counted as unknown, it made the gate decline typed questions it ranked right
        # (5-fold CV, gate refitted: balanced top-1/declined 76.7% -> 77.6%).
        return self._coverage(tokens, len(self._snap_typos(tokens)))

    def _coverage(self, tokens: list[str], snapped: int) -> float:
        content = [t for t in tokens if t not in STOPWORDS and not t.isdigit()]
        if not content:
            return 1.0
        known = sum(
            1 for t in content
            if t in self._words or t[:PREFIX_LEN] in self._known_prefixes
            or t.startswith(self._keyword_stems)
        )
        return min(1.0, (known + snapped) / len(content))

    def match(self, text: str) -> MatchResult:
        """The topic to answer `text` with, or topic None when nothing is close enough.

        People ask the same few questions in the same words all day ("документы?",
        "оператор", "рахмет"), so results are kept in a small LRU cache keyed by the text.
        """
        key = text.strip().casefold() if isinstance(text, str) and self._cache_size else None
        if key is not None and len(key) <= CACHE_MAX_TEXT:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        result = self._match(text)
        if key is not None and len(key) <= CACHE_MAX_TEXT:
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def _match(self, text: str) -> MatchResult:
        try:
            text = text if isinstance(text, str) else str(text or "")
            tokens = self._query_tokens(text)  # once: the normaliser is a third of the work
            lang = self._language(text)
            scores = self._score_tokens(tokens)
            decision = self._decide(scores)
            if decision[0] in self._chat_topics:
                # "Здравствуйте, что это за программа": answer the question, and greet
                # only when what is left after the greeting words matches nothing.
                # The rest must match clearly: "қайырлы күн" and "thank you so much" leave
                # a word ("күн", "much") that alone would drift to a topic.
                rest = [t for t in tokens if not self._is_chat_word(t)]
                if len(rest) < len(tokens) and any(t not in STOPWORDS for t in rest):
                    rest_scores = self._score_tokens(rest)
                    rest_decision = self._decide(rest_scores)
                    if (
                        rest_decision[0] is not None and rest_decision[0] not in self._chat_topics
                        and rest_decision[1] >= max(CHAT_REST_MIN, self.threshold)
                    ):
                        # The question is what is left: the classifier reads that too (with
                        # "сәлем" in, it voted for the greeting).
                        decision, tokens, scores = rest_decision, rest, rest_scores
            # A person stating their own age wants to be checked (a rule, not a guess).
            if self._classifier is not None and not (
                decision[0] == AGE_INTENT and self._states_own_age(tokens)
            ):
                # The matcher's view: its pick and the runners-up it would suggest.
                shortlist = dict(decision[2])
                if decision[0] is not None:
                    shortlist[decision[0]] = decision[1]
                decision = self._combine(tokens, decision, shortlist, scores)
        except Exception:  # noqa: BLE001 - a question must never crash the bot
            # Matching has no I/O, so this is a bug: log it loudly, and let the bot take
            # its "did not understand" path instead of dropping the user's message.
            log.exception("FAQ matcher failed on a %d-char message", len(str(text)))
            return MatchResult(None, 0.0, None, [])
        topic, score, alternatives = decision
        return MatchResult(topic, score, lang, alternatives)

    def _decide(self, scores: dict[str, float]) -> tuple[str | None, float, list[tuple[str, float]]]:
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        answerable = [(t, round(s, 4)) for t, s in ranked if t in self._answerable]
        best_any = ranked[0][0] if ranked else None
        if answerable and best_any not in self._decline and answerable[0][1] >= self.threshold:
            topic, score = answerable[0]
            return topic, score, answerable[1:4]
        score = answerable[0][1] if answerable else 0.0
        return None, score, answerable[:3]
