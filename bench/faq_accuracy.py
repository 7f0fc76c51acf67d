"""FAQ matcher benchmark on the held-out sets (bench/data/faq_heldout*.tsv).

    python bench/faq_accuracy.py [--set 1|2|3|4|5|6|7|8|9|10|all] [--errors] [--threshold X]

Prints, for each held-out set, top-1 accuracy per variant and overall, the out-of-scope
declined share and the language-detection rate; then build time and p50/p99 match latency
over all questions of the chosen sets plus pathological inputs. The held-out questions are
never used as examples.

Set 1 (faq_heldout.tsv) was written with the first content; set 2 (faq_heldout2.tsv) was
written later, blind to the content examples, in the voice of real users (typos, slang,
code-mixing, one-word messages); set 3 (faq_heldout3.tsv, issue 12) covers every topic
including timeline/partners/club/appeal/past_results in every variant — kk, kk on a Russian
keyboard (kk_folded), kk in Latin, ru, en, code-mixed (mixed) — with out-of-scope near
misses labelled by language; set 4 (faq_heldout4.tsv) was written blind by someone who never
saw the FAQ content, from the topic catalogue only; set 5 (faq_heldout5.tsv, 646 questions, 102
out of scope) was written blind the same way, after set 4's figures were known, as a fresh
test set nobody had measured against; set 6 (faq_heldout6.tsv, 644 questions, 100 out of
scope) again, after set 5's figures were known, while the content was being improved by
someone who never opened sets 5 and 6; set 7 (faq_heldout7.tsv, 758 questions, 96 out of
scope) was written blind the same way on 2026-11-30, from the topic catalogue and the programme
facts only, as a fresh set nobody had measured against; set 8 (faq_heldout8.tsv, 763 questions,
103 out of scope) was written blind the same way on 2026-11-30, from the topic catalogue and the
programme facts only, with 20 questions per topic id, some told inside a short story or typed
voice-to-text style, as another fresh set nobody had measured against; from 2026-11-30 set 8's
misses were read as a development set (error analysis for the normaliser and the content), so
its figures after that are no longer blind. A change to the matcher
or the content should hold on all of them: tuning against one set only overfits it. Settings
are chosen by cross-validation on the content's examples (bench/faq_cv.py), never on these sets.
Each set is also scored on its unseen questions only (those not word for word an example),
and the targets must hold on both figures.

Set 9 (faq_heldout9.tsv, 762 questions, 102 out of scope) was written blind the same way on
2026-11-30, from the topic catalogue and the programme facts only, with 20 questions per topic id,
about a third of them indirect, as another fresh set nobody had measured against; from
2026-11-30 (17:05) set 9's misses were read as a development set too, so its figures after that
are no longer blind.

Set 10 (faq_heldout10.tsv, 796 questions, 103 out of scope) was written blind the same way on
2026-11-30, from the topic catalogue and the programme facts only, with 21 questions per topic id
(at least 3 per variant), many of them indirect or typed voice-to-text style, as another fresh set
nobody had measured against.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faq.content import load_topics  # noqa: E402
from faq.matcher import Matcher  # noqa: E402
from faq.normalize import normalize  # noqa: E402

DATA_DIR = ROOT / "bench" / "data"
SETS = {
    "1": DATA_DIR / "faq_heldout.tsv",
    "2": DATA_DIR / "faq_heldout2.tsv",
    "3": DATA_DIR / "faq_heldout3.tsv",
    "4": DATA_DIR / "faq_heldout4.tsv",
    "5": DATA_DIR / "faq_heldout5.tsv",
    "6": DATA_DIR / "faq_heldout6.tsv",
    "7": DATA_DIR / "faq_heldout7.tsv",
    "8": DATA_DIR / "faq_heldout8.tsv",
    "9": DATA_DIR / "faq_heldout9.tsv",
    "10": DATA_DIR / "faq_heldout10.tsv",
}
DATA = SETS["1"]
VARIANTS = ("ru", "kk", "kk_folded", "kk_latin", "en", "mixed")
EXPECTED_LANG = {"ru": "ru", "kk": "kk", "kk_folded": "kk", "kk_latin": "kk", "en": "en"}
# Issue 12: top-1 >= 95% overall and >= 90% in every variant, >= 95% of out-of-scope declined.
TARGET_OVERALL, TARGET_VARIANT, TARGET_DECLINE, TARGET_P99_MS = 0.95, 0.90, 0.95, 5.0
PATHOLOGICAL = ["", "😀" * 50, "1" * 500, "а" * 20000, "грант " * 4000]


def load_heldout(path: Path = DATA) -> list[tuple[str, str | None, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        variant, label, text = line.split("\t", 2)
        rows.append((variant, None if label == "none" else label, text))
    return rows


def evaluate(name: str, rows, matcher: Matcher, examples: set[str], latencies: list[float],
             cpu_latencies: list[float]):
    """Print one set's figures; return (failed targets, misses)."""
    leaked = {text for _, _, text in rows if normalize(text) in examples}
    # Also scored without the questions that are word for word an example of the content
    # ("салем", "спасибо"): those are answered by the lookup, not by understanding, and an
    # example copied from a held-out set would otherwise raise its score. The targets are
    # judged on these unseen questions.
    unseen_hits: dict[str, list[bool]] = defaultdict(list)
    hits: dict[str, list[bool]] = defaultdict(list)
    lang_hits: dict[str, list[bool]] = defaultdict(list)
    oos_by_variant: dict[str, list[bool]] = defaultdict(list)
    misses = []
    set_latencies: list[float] = []
    for variant, label, text in rows:
        t0, c0 = time.perf_counter(), time.thread_time()
        result = matcher.match(text)
        set_latencies.append((time.perf_counter() - t0) * 1000)
        cpu_latencies.append((time.thread_time() - c0) * 1000)
        ok = result.topic == label
        hits["oos" if label is None else variant].append(ok)
        if text not in leaked:
            unseen_hits["oos" if label is None else variant].append(ok)
        if label is None and variant in VARIANTS:
            oos_by_variant[variant].append(ok)
        if label is not None and variant in EXPECTED_LANG:
            lang_hits[variant].append(result.lang == EXPECTED_LANG[variant])
        if not ok:
            misses.append((variant, label, result, text))
    print(f"set {name}: {len(rows)} questions ({sum(1 for r in rows if r[1])} in scope, "
          f"{sum(1 for r in rows if not r[1])} out of scope); identical to an example: {len(leaked)}")
    failed = []
    for variant in VARIANTS:
        if not hits[variant]:
            continue
        acc = sum(hits[variant]) / len(hits[variant])
        detected = ""
        if lang_hits[variant]:
            detected = f", language detected {sum(lang_hits[variant]) / len(lang_hits[variant]):.0%}"
        print(f"  top-1 {variant:<10} {acc:6.1%}  (n={len(hits[variant])}{detected})")
        if acc < TARGET_VARIANT:
            failed.append(f"set {name} {variant} < {TARGET_VARIANT:.0%}")
    in_scope = [ok for v in VARIANTS for ok in hits[v]]
    overall = sum(in_scope) / len(in_scope)
    declined = sum(hits["oos"]) / len(hits["oos"]) if hits["oos"] else 1.0
    print(f"  top-1 overall    {overall:6.1%}  (n={len(in_scope)})")
    by_variant = ", ".join(f"{v} {sum(oos_by_variant[v]) / len(oos_by_variant[v]):.0%} (n={len(oos_by_variant[v])})"
                           for v in VARIANTS if oos_by_variant[v])
    print(f"  out-of-scope declined {declined:6.1%}  (n={len(hits['oos'])})" + (f": {by_variant}" if by_variant else ""))
    unseen_in_scope = [ok for v in VARIANTS for ok in unseen_hits[v]]
    unseen_overall = sum(unseen_in_scope) / len(unseen_in_scope)
    unseen_declined = sum(unseen_hits["oos"]) / len(unseen_hits["oos"]) if unseen_hits["oos"] else 1.0
    worst = min((sum(unseen_hits[v]) / len(unseen_hits[v]), v) for v in VARIANTS if unseen_hits[v])
    print(f"  unseen only (not word for word an example): top-1 {unseen_overall:.1%} (n={len(unseen_in_scope)}), "
          f"lowest variant {worst[1]} {worst[0]:.1%}, out-of-scope declined {unseen_declined:.1%} "
          f"(n={len(unseen_hits['oos'])})")
    set_latencies.sort()
    print(f"  match p50 {statistics.median(set_latencies):.2f} ms, "
          f"p99 {set_latencies[int(0.99 * (len(set_latencies) - 1))]:.2f} ms (cold, cache off)")
    latencies.extend(set_latencies)
    if min(overall, unseen_overall) < TARGET_OVERALL:
        failed.append(f"set {name} overall")
    if min(declined, unseen_declined) < TARGET_DECLINE:
        failed.append(f"set {name} out-of-scope")
    for variant in VARIANTS:
        if unseen_hits[variant] and sum(unseen_hits[variant]) / len(unseen_hits[variant]) < TARGET_VARIANT \
                and f"set {name} {variant} < {TARGET_VARIANT:.0%}" not in failed:
            failed.append(f"set {name} {variant} (unseen) < {TARGET_VARIANT:.0%}")
    return failed, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=[*SETS, "all"], default="all", help="held-out set (default: all)")
    parser.add_argument("--errors", action="store_true", help="print every miss")
    parser.add_argument("--threshold", type=float, default=None)
    args = parser.parse_args(argv)

    names = list(SETS) if args.set == "all" else [args.set]
    topics = load_topics()
    started = time.perf_counter()
    kwargs = {"threshold": args.threshold} if args.threshold is not None else {}
    # No result cache: the latency figures are the cost of matching, not of a cache hit.
    matcher = Matcher(topics, cache_size=0, **kwargs)
    build_ms = (time.perf_counter() - started) * 1000
    examples = {normalize(e) for t in topics for ex in t.examples.values() for e in ex}

    print(f"topics: {len(topics)}, build time: {build_ms:.0f} ms")
    failed: list[str] = []
    latencies: list[float] = []
    # CPU time of the matching thread too: on a shared machine wall time includes waiting.
    cpu_latencies: list[float] = []
    all_rows = []
    all_misses = []
    for name in names:
        rows = load_heldout(SETS[name])
        all_rows.extend(rows)
        set_failed, misses = evaluate(name, rows, matcher, examples, latencies, cpu_latencies)
        failed.extend(set_failed)
        all_misses.extend((name, *m) for m in misses)
    # Latency on the questions again, warm, plus pathological inputs.
    for text in [r[2] for r in all_rows] + PATHOLOGICAL:
        t0, c0 = time.perf_counter(), time.thread_time()
        matcher.match(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu_latencies.append((time.thread_time() - c0) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    print(f"latency p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {latencies[-1]:.2f} ms (wall)")
    cpu_latencies.sort()
    cpu_p99 = cpu_latencies[int(0.99 * (len(cpu_latencies) - 1))]
    print(f"latency p50 {statistics.median(cpu_latencies):.2f} ms, p99 {cpu_p99:.2f} ms, "
          f"max {cpu_latencies[-1]:.2f} ms (CPU time of the matching thread)")
    # The target is checked on CPU time: several processes share 2 cores here, and wall time
    # then mostly measures waiting for a core (both are printed).
    if cpu_p99 > TARGET_P99_MS:
        failed.append("p99 latency")
    if args.errors:
        for name, variant, label, result, text in all_misses:
            alts = ", ".join(f"{t}:{s:.2f}" for t, s in result.alternatives)
            print(f"MISS s{name} {variant:<9} want {label or '-':<19} got {result.topic or '-':<19} "
                  f"{result.score:.2f}  [{alts}]  {text}")
    print("targets: " + ("all met" if not failed else "NOT met: " + ", ".join(failed)))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
