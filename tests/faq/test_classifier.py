"""The classifier scores in plain Python exactly what scikit-learn computes, and is cached
in a file that holds only data."""
import json

import numpy as np
import pytest

from faq import classifier
from faq.classifier import LinearModel, load_or_train, prepare, stemmed, train
from tests.support.fresh_python import printed_by

TEXTS = [
    "какие документы нужны", "документы для заявки", "справка о прописке нужна",
    "сколько денег дают", "какая сумма гранта", "грант до миллиона",
    "погода завтра", "кредит в банке", "курс доллара",
    "кандаи кужаттар керек", "грант канша", "ауа раиы",
]
LABELS = ["documents"] * 3 + ["grant_amount"] * 3 + ["out_of_scope"] * 3 + ["documents", "grant_amount", "out_of_scope"]


def test_stemming_by_script():
    assert stemmed(["документы", "applications", "2026"]) == "документ applic 2026"


def test_character_ngrams_read_the_words_unstemmed():
    # The character block sees "кужаттарды" whole (the Russian stemmer would cut a Kazakh
    # word anywhere); the word block its stem.
    assert prepare(["кужаттарды", "applications"]) == "кужаттарды applications"
    assert classifier._stems("кужаттарды applications") == stemmed(["кужаттарды", "applications"])


def test_scores_equal_scikit_learn():
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    model = train(TEXTS, LABELS)
    # The same pipeline, kept in scikit-learn, as the reference.
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=classifier.CHAR_NGRAMS, sublinear_tf=True,
                           min_df=classifier.CHAR_MIN_DF, lowercase=False)
    word = TfidfVectorizer(analyzer="word", ngram_range=classifier.WORD_NGRAMS, sublinear_tf=True,
                           token_pattern=r"\S+", lowercase=False, preprocessor=classifier._stems)
    matrix = hstack([char.fit_transform(TEXTS), word.fit_transform(TEXTS)]).tocsr()
    svm = LinearSVC(C=classifier.SVM_C, class_weight="balanced", random_state=0).fit(matrix, LABELS)
    queries = ["документы какие", "сумма гранта сколько", "погода", "кужаттар", "кужаттарды", "", "zzz qqq",
               "applications documents"]
    features = hstack([char.transform(queries), word.transform(queries)]).tocsr()
    expected = svm.decision_function(features)
    got = np.vstack([model.decision(q) for q in queries])
    assert list(svm.classes_) == model.classes
    # The weights are int8 steps of each class's scale: a weight is off by at most half a
    # step, so a score by at most half a step times the sum of the question's feature values.
    half_step = np.asarray(model.coef_scale) / 2
    bound = np.outer(abs(features).sum(axis=1).A1, half_step) + 1e-5
    assert (abs(got - expected) <= bound).all()
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()
    # and the weights are really rounded to steps, not kept exact
    assert model.coef.typecode == "b" and max(abs(w) for w in model.coef) == classifier.WEIGHT_LEVELS


def test_model_is_trained_once_then_loaded(tmp_path, monkeypatch):
    first = load_or_train(TEXTS, LABELS, tmp_path)
    files = list(tmp_path.glob("faq-classifier-*.model"))
    assert len(files) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("trained again although the cache holds this content")

    monkeypatch.setattr(classifier.subprocess, "run", no_training)
    again = load_or_train(TEXTS, LABELS, tmp_path)
    np.testing.assert_allclose(again.decision("грант канша"), first.decision("грант канша"))


def test_changed_content_or_broken_cache_trains_again(tmp_path):
    load_or_train(TEXTS, LABELS, tmp_path)
    load_or_train(TEXTS + ["бесплатно ли"], LABELS + ["grant_amount"], tmp_path)
    assert len(list(tmp_path.glob("faq-classifier-*.model"))) == 2
    for path in tmp_path.glob("faq-classifier-*.model"):
        path.write_bytes(b"not a model")
    model = load_or_train(TEXTS, LABELS, tmp_path)
    assert isinstance(model, LinearModel) and model.classes == sorted(set(LABELS))


def test_cache_file_is_a_header_and_raw_arrays(tmp_path):
    load_or_train(TEXTS, LABELS, tmp_path)
    path = next(tmp_path.glob("faq-classifier-*.model"))
    data = path.read_bytes()
    assert data.startswith(classifier.MAGIC)
    header = json.loads(data[len(classifier.MAGIC):data.index(b"\n", len(classifier.MAGIC))])
    assert header["classes"] == sorted(set(LABELS))
    assert b"pickle" not in data and b"\x80\x04" not in data[:64]


def test_truncated_cache_file_is_refused_then_retrained(tmp_path):
    first = load_or_train(TEXTS, LABELS, tmp_path)
    path = next(tmp_path.glob("faq-classifier-*.model"))
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(ValueError):
        LinearModel.load(path)
    again = load_or_train(TEXTS, LABELS, tmp_path)
    assert again.decision("грант канша") == first.decision("грант канша")


def test_the_bot_side_never_imports_scikit_learn_or_numpy():
    # scikit-learn and SciPy cost ~100 MB of every bot process, numpy ~16 MB: only training
    # needs them (faq/classifier.py). rapidfuzz (2.7 MB): the matcher snaps typos with
    # faq/similarity.py; only the report of unanswered questions imports it, when run.
    code = (
        "import sys\n"
        "from faq.matcher import Matcher\n"
        "from faq.misses import Miss, group_misses\n"
        "m = Matcher.from_directory()\n"
        "m.match('какие документы нужны'); m.match('grant qansha'); m.match('грант канша')\n"
        "assert m.match('какие докуметы нужны').topic == 'documents'  # a typo, snapped\n"
        "print(sorted(n for n in ('sklearn', 'scipy', 'numpy', 'snowballstemmer', 'rapidfuzz') if n in sys.modules))\n"
    )
    assert printed_by(code).splitlines()[-1] == "[]"


@pytest.mark.parametrize("content", [b"", classifier.MAGIC, classifier.MAGIC + b"[1, 2]\n",
                                     classifier.MAGIC + b'{"sizes": [1, 1, 1, 1, 1, 3]}\nabcdefgh'])
def test_odd_cache_files_are_trained_again(tmp_path, content):
    first = load_or_train(TEXTS, LABELS, tmp_path)
    path = next(tmp_path.glob("faq-classifier-*.model"))
    path.write_bytes(content)
    assert load_or_train(TEXTS, LABELS, tmp_path).decision("грант") == first.decision("грант")


def test_a_model_without_its_vocabulary_scores_the_same_but_cannot_be_saved(tmp_path):
    model = train(TEXTS, LABELS)
    before = model.decision("документы какие")
    model.drop_vocabulary()
    assert model.decision("документы какие") == before
    with pytest.raises(ValueError, match="dropped"):
        model.save(tmp_path / "m.model")
