"""The classifier scores with numpy exactly what scikit-learn computes, and is cached."""
import numpy as np
import pytest

from faq import classifier
from faq.classifier import LinearModel, load_or_train, prepare, train

TEXTS = [
    "какие документы нужны", "документы для заявки", "справка о прописке нужна",
    "сколько денег дают", "какая сумма гранта", "грант до миллиона",
    "погода завтра", "кредит в банке", "курс доллара",
    "кандаи кужаттар керек", "грант канша", "ауа раиы",
]
LABELS = ["documents"] * 3 + ["grant_amount"] * 3 + ["out_of_scope"] * 3 + ["documents", "grant_amount", "out_of_scope"]


def test_stemming_by_script():
    assert prepare(["документы", "applications", "2026"]) == "документ applic 2026"


def test_numpy_scores_equal_scikit_learn():
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    model = train(TEXTS, LABELS)
    # The same pipeline, kept in scikit-learn, as the reference.
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=classifier.CHAR_NGRAMS, sublinear_tf=True,
                           min_df=classifier.CHAR_MIN_DF, lowercase=False)
    word = TfidfVectorizer(analyzer="word", ngram_range=classifier.WORD_NGRAMS, sublinear_tf=True,
                           token_pattern=r"\S+", lowercase=False)
    matrix = hstack([char.fit_transform(TEXTS), word.fit_transform(TEXTS)]).tocsr()
    svm = LinearSVC(C=classifier.SVM_C, class_weight="balanced", random_state=0).fit(matrix, LABELS)
    queries = ["документы какие", "сумма гранта сколько", "погода", "кужаттар", "", "zzz qqq"]
    expected = svm.decision_function(hstack([char.transform(queries), word.transform(queries)]).tocsr())
    got = np.vstack([model.decision(q) for q in queries])
    assert list(svm.classes_) == model.classes
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_model_is_trained_once_then_loaded(tmp_path, monkeypatch):
    first = load_or_train(TEXTS, LABELS, tmp_path)
    files = list(tmp_path.glob("faq-classifier-*.npz"))
    assert len(files) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("trained again although the cache holds this content")

    monkeypatch.setattr(classifier.subprocess, "run", no_training)
    again = load_or_train(TEXTS, LABELS, tmp_path)
    np.testing.assert_allclose(again.decision("грант канша"), first.decision("грант канша"))


def test_changed_content_or_broken_cache_trains_again(tmp_path):
    load_or_train(TEXTS, LABELS, tmp_path)
    load_or_train(TEXTS + ["бесплатно ли"], LABELS + ["grant_amount"], tmp_path)
    assert len(list(tmp_path.glob("faq-classifier-*.npz"))) == 2
    for path in tmp_path.glob("faq-classifier-*.npz"):
        path.write_bytes(b"not a model")
    model = load_or_train(TEXTS, LABELS, tmp_path)
    assert isinstance(model, LinearModel) and model.classes == sorted(set(LABELS))


def test_cache_file_holds_no_pickles(tmp_path):
    load_or_train(TEXTS, LABELS, tmp_path)
    path = next(tmp_path.glob("faq-classifier-*.npz"))
    with np.load(path, allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)
