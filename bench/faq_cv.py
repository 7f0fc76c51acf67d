"""Cross-validation of the FAQ matcher on the content's own examples.

    python bench/faq_cv.py [--folds 5] [--seeds 12,1,2,3] [--set NAME=VALUE ...] [--errors] [--fit-gate]

The held-out sets (bench/faq_accuracy.py) are for measuring; settings are chosen here.
Every example question of every topic (the out-of-scope class included) is put in one of
k folds, stratified by topic and language; for each fold a matcher (and its classifier) is
built from the other folds and asked the fold's questions. Kazakh examples are also asked
as typed on a Russian keyboard and in Latin letters, and every question once more with
typos (a fixed random seed), since that is how the audience writes: per-variant top-1 and
the out-of-scope declined share are printed, like the held-out benchmark.

`--set module.NAME=VALUE` overrides a setting for the run (e.g. `--set matcher.THRESHOLD=0.2`
or `--set classifier.SVM_C=1.0`), so a grid is a shell loop.
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import faq.classifier  # noqa: E402
import faq.matcher  # noqa: E402
from faq.content import LANGS, load_topics  # noqa: E402
from faq.normalize import fold_cyrillic  # noqa: E402

import numpy as np  # noqa: E402

# Kazakh Cyrillic to the informal Latin people type (not the official alphabet: that one
# is the easier case, the normaliser reads its special letters directly).
_TO_LATIN = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "",
    "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}


def to_latin(text: str) -> str:
    return "".join(_TO_LATIN.get(ch, _TO_LATIN.get(ch.lower(), ch)) for ch in text.lower())


def typo(text: str, rng: random.Random) -> str:
    """One or two keyboard slips: a letter dropped, doubled or swapped with the next."""
    chars = list(text)
    letters = [i for i, ch in enumerate(chars) if ch.isalpha()]
    for _ in range(1 if len(letters) < 25 else 2):
        if len(letters) < 4:
            break
        i = rng.choice(letters[1:-1])
        kind = rng.randrange(3)
        if kind == 0:
            chars[i] = ""
        elif kind == 1:
            chars[i] = chars[i] * 2
        elif i + 1 < len(chars) and chars[i + 1].isalpha():
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def folds(topics, k: int, seed: int) -> list[list[tuple[str, str, str]]]:
    """(topic, lang, example) in k folds, each topic×language spread evenly."""
    rng = random.Random(seed)
    out: list[list[tuple[str, str, str]]] = [[] for _ in range(k)]
    for topic in topics:
        for lang in LANGS:
            items = list(topic.examples.get(lang, ()))
            rng.shuffle(items)
            start = rng.randrange(k)
            for j, text in enumerate(items):
                out[(start + j) % k].append((topic.id, lang, text))
    return out


def without(topics, held: set[tuple[str, str, str]]):
    kept = []
    for topic in topics:
        examples = {
            lang: tuple(t for t in topic.examples.get(lang, ()) if (topic.id, lang, t) not in held)
            for lang in topic.examples
        }
        kept.append(dataclasses.replace(topic, examples=examples))
    return kept


def _in_process_training(texts, labels, cache_dir=None):
    # Folds are trained once each: no cache, no child process.
    return faq.classifier.train(texts, labels)


THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)


def _gate_rows(records: list):
    rows = [r for r in records if "fixed" not in r]
    features, target, best, labels = [], [], [], []
    for r in rows:
        x, ranked = faq.matcher.gate_features(r["margins"], r["classes"], r["scores"], r["decision"] is None,
                                              r["answerable"], r["decline"], coverage=r["coverage"],
                                              matcher_oos=r["matcher_oos"])
        features.append(x)
        best.append(ranked[0][0])
        labels.append(r["label"])
        target.append(int(r["label"] is not None and ranked[0][0] == r["label"]))
    in_scope = sum(label is not None for label in labels)
    weight = np.array([1.0 if label is not None else in_scope / (len(labels) - in_scope) for label in labels])
    return rows, np.array(features), np.array(target), best, labels, weight


def fit_gate(records: list, thresholds=THRESHOLDS) -> None:
    """Fit the answer gate (faq.matcher.GATE_*) on the recorded out-of-fold predictions.

    Target: the blended best topic is the right answer (so declining is right for the
    out-of-scope questions and for in-scope ones the blend gets wrong); the out-of-scope
    questions weigh as much, together, as all in-scope ones. The threshold is the one with
    the best balance of top-1 and declined share, itself cross-validated over the folds; with
    several seeds, the best balance averaged over them (one seed's best moves between
    neighbouring thresholds by noise), and the weights are fitted on all seeds' predictions.
    """
    from sklearn.linear_model import LogisticRegression

    seeds = sorted({r["seed"] for r in records})
    table: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for seed in seeds:
        rows, X, y, best, labels, weight = _gate_rows([r for r in records if r["seed"] == seed])
        folds_of = np.array([r["fold"] for r in rows])
        probability = np.zeros(len(rows))
        for fold in sorted(set(folds_of)):
            train = folds_of != fold
            model = LogisticRegression(max_iter=2000).fit(X[train], y[train], sample_weight=weight[train])
            probability[~train] = model.predict_proba(X[~train])[:, 1]
        for threshold in thresholds:
            answered = probability >= threshold
            top1 = np.mean([a and b == l for a, b, l in zip(answered, best, labels) if l is not None])
            declined = np.mean([not a for a, l in zip(answered, labels) if l is None])
            table[threshold].append((top1, declined))
    print("answer gate, cross-validated (a question is answered when P >= threshold)"
          + (f", mean over seeds {', '.join(map(str, seeds))}:" if len(seeds) > 1 else ":"))
    for threshold in thresholds:
        top1 = float(np.mean([t for t, _ in table[threshold]]))
        declined = float(np.mean([d for _, d in table[threshold]]))
        print(f"  threshold {threshold:.2f}: top-1 {top1:.1%}, declined {declined:.1%}, "
              f"balanced {(top1 + declined) / 2:.2%}")
    _, X, y, _, _, weight = _gate_rows(records)
    model = LogisticRegression(max_iter=2000).fit(X, y, sample_weight=weight)
    print("GATE_WEIGHTS = (" + ", ".join(f"{w:.4g}" for w in model.coef_[0]) + ")")
    print(f"GATE_BIAS = {model.intercept_[0]:.4g}")


def apply_settings(pairs: list[str]) -> None:
    modules = {"matcher": faq.matcher, "classifier": faq.classifier}
    for pair in pairs:
        name, _, value = pair.partition("=")
        module, _, attr = name.partition(".")
        target = modules[module]
        if not hasattr(target, attr):
            raise SystemExit(f"unknown setting {name}")
        setattr(target, attr, ast.literal_eval(value))


def _recording_combine(records: list):
    """Matcher._combine that also keeps its inputs, so blends can be swept offline."""
    original = faq.matcher.Matcher._combine

    def combine(self, text_tokens, decision, scores, all_scores):
        margins = self._margins(text_tokens)
        records.append({"decision": decision[0], "scores": dict(scores), "margins": margins,
                        "coverage": self._gate_coverage(text_tokens),
                        "matcher_oos": max((all_scores.get(t, 0.0) for t in self._decline), default=0.0),
                        "classes": self._classifier.classes, "decline": set(self._decline),
                        "answerable": set(self._answerable)})
        return original(self, text_tokens, decision, scores, all_scores)

    return combine


def run(k: int, seed: int, show_errors: bool, records: list | None = None) -> dict[str, float]:
    topics = load_topics()
    answerable = {t.id for t in topics if t.answerable}
    hits: dict[str, list[bool]] = defaultdict(list)
    errors = []
    rng = random.Random(seed)
    for fold_number, fold in enumerate(folds(topics, k, seed)):
        held = set(fold)
        matcher = faq.matcher.Matcher(without(topics, held), cache_size=0)
        for topic_id, lang, text in fold:
            label = topic_id if topic_id in answerable else None
            asked = [(lang, text)]
            if lang == "kk":
                asked += [("kk_folded", fold_cyrillic(text)), ("kk_latin", to_latin(text))]
            asked += [(f"{variant}+typo", typo(q, rng)) for variant, q in list(asked)]
            for variant, question in asked:
                before = len(records) if records is not None else 0
                result = matcher.match(question)
                if records is not None:
                    if len(records) == before:  # decided without the classifier (own age)
                        records.append({"fixed": result.topic})
                    records[-1].update(label=label, variant=variant, fold=fold_number, seed=seed)
                ok = result.topic == label
                hits[("oos:" if label is None else "") + variant].append(ok)
                if not ok:
                    errors.append((variant, label, result.topic, question))
    figures: dict[str, float] = {}
    in_scope = [ok for key, oks in hits.items() if not key.startswith("oos:") for ok in oks]
    oos = [ok for key, oks in hits.items() if key.startswith("oos:") for ok in oks]
    for key in sorted(hits):
        figures[key] = sum(hits[key]) / len(hits[key])
        print(f"  {key:<18} {figures[key]:6.1%}  (n={len(hits[key])})")
    figures["top1"] = sum(in_scope) / len(in_scope)
    figures["declined"] = sum(oos) / len(oos)
    figures["balanced"] = (figures["top1"] + figures["declined"]) / 2
    # Without the generated typos too: the typo generator is this script's guess at how
    # people slip, and a setting that only undoes that guess (e.g. collapsing the doubled
    # letters it makes) must not look better than it is.
    clean = [ok for key, oks in hits.items() if "typo" not in key and not key.startswith("oos:") for ok in oks]
    clean_oos = [ok for key, oks in hits.items() if "typo" not in key and key.startswith("oos:") for ok in oks]
    figures["clean_balanced"] = (sum(clean) / len(clean) + sum(clean_oos) / len(clean_oos)) / 2
    # One figure to compare settings: errors either way cost a user an answer.
    figures["score"] = (sum(in_scope) + sum(oos)) / (len(in_scope) + len(oos))
    print(f"  top-1 {figures['top1']:.1%} (n={len(in_scope)}), out-of-scope declined "
          f"{figures['declined']:.1%} (n={len(oos)}), balanced {(figures['top1'] + figures['declined']) / 2:.1%}, "
          f"without typos: top-1 {sum(clean) / len(clean):.1%}, declined {sum(clean_oos) / len(clean_oos):.1%}, "
          f"balanced {figures['clean_balanced']:.1%}")
    if show_errors:
        for variant, label, got, question in errors:
            print(f"ERR {variant:<14} want {label or '-':<19} got {got or '-':<19} {question}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--seeds", default=None, metavar="S1,S2,…",
                        help="run the CV once per seed (folds and typos drawn anew) and print the means")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE")
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--fit-gate", action="store_true",
                        help="fit the matcher's answer gate on the folds' predictions and print it")
    args = parser.parse_args(argv)
    apply_settings(args.set)
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [args.seed]
    faq.classifier.load_or_train = _in_process_training
    records: list | None = [] if args.fit_gate else None
    if records is not None:
        faq.matcher.Matcher._combine = _recording_combine(records)
    runs = []
    for seed in seeds:
        print(f"{args.folds}-fold CV, seed {seed}" + (f", with {', '.join(args.set)}" if args.set else ""))
        runs.append(run(args.folds, seed, args.errors, records))
    if len(runs) > 1:
        # The spread between seeds is the noise a setting's gain must clear.
        print("mean over seeds: " + ", ".join(
            f"{key} {np.mean([r[key] for r in runs]):.2%} (min {min(r[key] for r in runs):.2%}, "
            f"max {max(r[key] for r in runs):.2%})" for key in ("top1", "declined", "balanced", "clean_balanced")))
    if records:
        fit_gate(records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
