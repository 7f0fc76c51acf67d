"""A supervised topic classifier over character and word n-grams, next to the matcher.

scikit-learn trains it on the topics' examples: TF-IDF of character n-grams (1–5, within
words) of the folded question's words as they are and of word uni- and bigrams of their stems,
then a linear SVM. The character n-grams read the unstemmed words: a Russian stemmer cuts
Kazakh suffixes badly, and a word's n-grams hold its stem's anyway.
Measured on the held-out sets (bench/faq_accuracy.py) it ranks topics better than the
nearest-example matcher, while the matcher is better at declining what is out of scope, so
`faq.matcher.Matcher` combines the two.

scikit-learn and SciPy cost ~100 MB of memory and seconds of import, more than the whole bot,
so the bot never imports them: training runs once per content version in a child process
(`python -m faq.classifier train IN OUT`), which writes the weights to a cache file keyed by
a hash of the training data. The bot loads that file and computes exactly the features
scikit-learn computes (checked by tests/faq/test_classifier.py), and the scores in plain
Python: ~0.1 ms a question, where numpy took 0.03 ms but cost every bot process ~16 MB.

Word forms are stemmed by the Snowball project's own C stemmers (PyStemmer): the pure-Python
snowballstemmer package imports its 36 languages' stemmers to use two.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
from array import array
from dataclasses import dataclass
from operator import itemgetter, mul
from pathlib import Path
from typing import Sequence

import Stemmer

from faq import packed
from faq.terms import NOT_FOUND, Terms

log = logging.getLogger(__name__)

# Character n-grams of the unstemmed words, word n-grams of the stems. 5-fold CV
# (bench/faq_cv.py --seeds 12,1,2,3, gate refitted each time), balanced top-1/declined at the
# best threshold: stemmed words (2, 5) min_df 2 89.26% < unstemmed (2, 5) min_df 2 89.67%,
# min_df 3 89.68% < unstemmed (1, 5) min_df 3 89.82% (on the content of 2026-11-30 before the
# part-time and first-questions examples; with them, 88.84% -> 89.31%).
CHAR_NGRAMS = (1, 5)
WORD_NGRAMS = (1, 2)
CHAR_MIN_DF = 3  # n-grams seen in one or two examples only are mostly typos of them
SVM_C = 2.0  # 5-fold CV (bench/faq_cv.py, gate refitted each time; seeds 12 and 7): 0.5 < 1.0 < 2.0 > 4.0
#               (seeds 12,1,2,3, unstemmed character n-grams: 1.0 89.58% < 2.0 89.82% > 4.0 89.68%)
# Bump when features or training change: the cache key includes it.
MODEL_VERSION = "6"
TRAIN_TIMEOUT_S = 300

# No caches, neither PyStemmer's (10,000 words by default) nor an lru_cache (it was 50,000):
# a word takes ~0.4 µs in C, and a long-running bot's caches of every word it was ever sent
# only grew its memory.
_RUSSIAN = Stemmer.Stemmer("russian", 0)
_ENGLISH = Stemmer.Stemmer("english", 0)


def stem(token: str) -> str:
    """Russian (and folded Kazakh) word endings or English ones, by script."""
    if token.isdigit():
        return token
    return _ENGLISH.stemWord(token) if token.isascii() else _RUSSIAN.stemWord(token)


def stemmed(tokens: Sequence[str]) -> str:
    """Normalised tokens (faq.normalize), stemmed, space-separated."""
    return _stems(" ".join(tokens))


def prepare(tokens: Sequence[str]) -> str:
    """The classifier's input: normalised tokens (faq.normalize), space-separated. The
    character block reads them as they are, the word block their stems (`_stems`)."""
    return " ".join(tokens)


def _stems(text: str) -> str:
    # The word block's preprocessor, in training (a module function: the vectoriser calls it
    # on every text) and in `LinearModel.decision`.
    return " ".join(stem(t) for t in text.split())


def _char_ngrams(text: str) -> list[str]:
    # scikit-learn's "char_wb" analyzer: each word padded with one space on both sides.
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if length < n:
                break
            grams.extend(padded[i:i + n] for i in range(length - n + 1))
    return grams


def _word_ngrams(text: str) -> list[str]:
    words = text.split()
    low, high = WORD_NGRAMS
    grams: list[str] = []
    for n in range(low, high + 1):
        grams.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return grams


class _Block:
    """One TF-IDF vectoriser's vocabulary and idf, applied the way scikit-learn does:
    sublinear tf (1 + log tf), times idf, then L2-normalised within the block."""

    def __init__(self, vocabulary: Sequence[str], idf: array, offset: int) -> None:
        self.terms = Terms(vocabulary)
        self.idf = idf
        self.offset = offset

    def features(self, grams: list[str]) -> tuple[list[int], list[float]]:
        counts: dict[str, int] = {}
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
        # Columns in the order the text first uses them, as scikit-learn sums them.
        known = [(column, count) for column, count in zip(self.terms.numbers(list(counts)), counts.values())
                 if column != NOT_FOUND]
        if not known:
            return [], []
        cols = [column for column, _ in known]
        values = [(1.0 + math.log(count)) * self.idf[column] for column, count in known]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return [self.offset + c for c in cols], [v / norm for v in values]


MAGIC = b"zhasbot-faq-classifier\n"
# The sections of a model file, in file order: name, array typecode (None: a UTF-8 blob).
# The idf are float32; the SVM's weights are int8, each class's row scaled by its own
# largest weight (see LinearModel.coef); the scales and intercepts keep float64.
MODEL_SECTIONS = (("char_vocabulary", None), ("word_vocabulary", None), ("char_idf", "f"),
             ("word_idf", "f"), ("coef", "b"), ("coef_scale", "d"), ("intercept", "d"))
WEIGHT_LEVELS = 127  # int8: a weight is a multiple of its class's largest weight / 127


@dataclass
class LinearModel:
    classes: list[str]
    # The n-grams in column order, one UTF-8 blob each ("\n"-joined): kept for `save`, one
    # object instead of ~18,000 strings, until `drop_vocabulary`; lookups go through
    # `Terms` (faq/terms.py).
    char_vocabulary: bytes | None
    char_idf: array  # float32, one per character n-gram
    word_vocabulary: bytes | None
    word_idf: array  # float32, one per word n-gram
    # The SVM's weights class by class (n_classes × n_features): a question's score for a
    # class gathers its ~200 features' weights from one row. As int8 steps of the row's
    # `coef_scale` they take 1.1 MB where float32 took 4.3 MB in every bot process; a score
    # moves by at most scale/2 × the sum of the question's feature values. Of the 6,044
    # held-out questions one answer changed (a call-back request in Latin letters, declined
    # before, now gets the contacts) and no accuracy figure moved; CV 90.57% → 90.55%.
    coef: array
    coef_scale: array  # float64, one per class: the weight of one int8 step
    intercept: array  # float64, one per class

    def __post_init__(self) -> None:
        self._char = _Block(packed.iter_terms(self.char_vocabulary), self.char_idf, 0)
        self._word = _Block(packed.iter_terms(self.word_vocabulary), self.word_idf, len(self.char_idf))
        n_features = len(self.char_idf) + len(self.word_idf)
        if (len(self.coef) != n_features * len(self.classes) or len(self.intercept) != len(self.classes)
                or len(self.coef_scale) != len(self.classes)):
            raise ValueError("model arrays do not fit its vocabularies and classes")
        # Each class's row of weights: views of the array, not copies.
        weights = memoryview(self.coef)
        self._rows = [weights[k * n_features:(k + 1) * n_features] for k in range(len(self.classes))]

    def decision(self, prepared: str) -> list[float]:
        """One score per class (scikit-learn's decision_function) for a prepared text."""
        cols_c, vals_c = self._char.features(_char_ngrams(prepared))
        cols_w, vals_w = self._word.features(_word_ngrams(_stems(prepared)))
        cols, values = cols_c + cols_w, vals_c + vals_w
        if not cols:
            return list(self.intercept)
        rows = zip(self._rows, self.coef_scale, self.intercept)
        if len(cols) == 1:
            return [row[cols[0]] * values[0] * scale + b for row, scale, b in rows]
        take = itemgetter(*cols)  # a class's weights of the question's features, gathered in C
        return [sum(map(mul, take(row), values)) * scale + b for row, scale, b in rows]

    def drop_vocabulary(self) -> None:
        """Let go of the n-gram strings, which only `save` writes: scoring finds the
        question's n-grams by their hashes. A bot process keeps 0.4 MB less."""
        self.char_vocabulary = self.word_vocabulary = None

    def save(self, path: Path) -> None:
        """A small JSON header (classes, section sizes), then the raw sections
        (faq/packed.py): loading a cache file never runs code (no pickle)."""
        if self.char_vocabulary is None or self.word_vocabulary is None:
            raise ValueError("this model's vocabulary was dropped: it cannot be saved")
        packed.write(path, MAGIC, {"classes": self.classes}, [getattr(self, name) for name, _ in MODEL_SECTIONS])

    @classmethod
    def load(cls, path: Path) -> "LinearModel":
        header, sections = packed.read(path, MAGIC, [typecode for _, typecode in MODEL_SECTIONS])
        return cls(classes=list(header["classes"]), **{name: section for (name, _), section in zip(MODEL_SECTIONS, sections)})


def train(texts: Sequence[str], labels: Sequence[str]) -> LinearModel:
    """Fit with scikit-learn (imported here only: see the module doc)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC
    from scipy.sparse import hstack

    char = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                           min_df=CHAR_MIN_DF, lowercase=False)
    word = TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True,
                           token_pattern=r"\S+", lowercase=False, preprocessor=_stems)
    matrix = hstack([char.fit_transform(texts), word.fit_transform(texts)]).tocsr()
    svm = LinearSVC(C=SVM_C, class_weight="balanced", random_state=0).fit(matrix, list(labels))

    def ordered(vectorizer: TfidfVectorizer) -> list[str]:
        vocabulary = vectorizer.vocabulary_
        return sorted(vocabulary, key=vocabulary.__getitem__)

    largest = abs(svm.coef_).max(axis=1)
    scale = (largest / WEIGHT_LEVELS).clip(min=1e-12)  # a class with no weights keeps a scale
    steps = (svm.coef_ / scale[:, None]).round().astype("i1")
    return LinearModel(
        classes=[str(c) for c in svm.classes_],
        char_vocabulary=packed.blob(ordered(char)), char_idf=packed.from_bytes("f", char.idf_.astype("<f4").tobytes()),
        word_vocabulary=packed.blob(ordered(word)), word_idf=packed.from_bytes("f", word.idf_.astype("<f4").tobytes()),
        coef=packed.from_bytes("b", steps.tobytes(order="C")),
        coef_scale=packed.from_bytes("d", scale.astype("<f8").tobytes()),
        intercept=packed.from_bytes("d", svm.intercept_.astype("<f8").tobytes()),
    )


def training_key(texts: Sequence[str], labels: Sequence[str]) -> str:
    digest = hashlib.sha256(f"v{MODEL_VERSION} C={SVM_C} {CHAR_NGRAMS} {WORD_NGRAMS} {CHAR_MIN_DF}".encode())
    for text, label in zip(texts, labels):
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()[:20]


def default_cache_dir() -> Path:
    configured = os.environ.get("ZHASBOT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zhasbot"


def load_or_train(texts: Sequence[str], labels: Sequence[str],
                  cache_dir: Path | None = None) -> LinearModel:
    """The model for this training data: from the cache, or trained in a child process."""
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    path = cache_dir / f"faq-classifier-{training_key(texts, labels)}.model"
    if path.exists():
        try:
            return LinearModel.load(path)
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            log.warning("FAQ classifier cache %s unreadable (%s): training again", path, exc)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=cache_dir, delete=False,
                                     encoding="utf-8") as handle:
        json.dump({"texts": list(texts), "labels": list(labels)}, handle, ensure_ascii=False)
    try:
        subprocess.run([sys.executable, "-m", "faq.classifier", "train", handle.name, str(path)],
                       check=True, timeout=TRAIN_TIMEOUT_S, capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[1])
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"FAQ classifier training failed: {exc.stderr.strip()[-2000:]}") from exc
    finally:
        Path(handle.name).unlink(missing_ok=True)
    return LinearModel.load(path)


def _main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "train":
        print("usage: python -m faq.classifier train TRAINING.json MODEL.model", file=sys.stderr)
        return 2
    data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    train(data["texts"], data["labels"]).save(Path(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
