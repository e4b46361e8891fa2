"""`python -m evaluation.train`: train the routing classifier on the evaluation set's dev part (never the
held-out part) and write services/routing/data/classifier-v1.json. Deterministic: the same data gives the
same file. Needs scikit-learn (a development dependency; the service only reads the JSON).

Steps, all on dev (5-fold cross-validation repeated with 3 shuffles, so a decision rests on every dev
complaint three times): pick the SVM's C; fit the softmax temperature that makes the cross-validated scores
honest probabilities (least log loss); pick when the classifier overrules the keywords (`rules.Precedence`:
the best worst language group, then the best overall department accuracy); print department accuracy per
language group with keywords first and with that precedence, and accuracy and CMO fall-through at each
candidate ROUTING_MIN_CONFIDENCE; fit on all of dev.
"""
import argparse
import dataclasses
import functools
import itertools
import json
import math
import sys
import time
from collections import defaultdict

from evaluation import dataset
from services.routing.domain import classifier as runtime
from services.routing.domain import rules
from shared import indic
from shared.catalog import categories

NGRAM_RANGE = (2, 5)
MIN_DF = 1
C_GRID = (1.0, 2.0, 5.0)
TEMPERATURES = tuple(round(0.05 * step, 2) for step in range(1, 41))  # 0.05 .. 2.0
THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
FOLDS = 5
SHUFFLES = (0, 1, 2)  # repeated cross-validation: each dev complaint is predicted once per shuffle
NAMED_GRID = (None, 0.7, 0.8, 0.9, 0.95)  # rules.Precedence.named candidates (None: never)
TIED_GRID = (None, 0.5, 0.7, 0.9)  # rules.Precedence.tied candidates
SCOPE_GRID = (False, True)  # rules.Precedence.named_indic_only candidates
DIGITS = 5  # weights rounded: a smaller file, probabilities unchanged to 3 decimals


@functools.cache
def analyzer(text):
    # The features the service computes in services/routing/domain/classifier.py.
    return indic.char_ngrams(indic.to_latin(text), *NGRAM_RANGE)


def pipeline(c):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(TfidfVectorizer(analyzer=analyzer, min_df=MIN_DF, sublinear_tf=True, smooth_idf=True,
                                         norm="l2"),
                         LinearSVC(C=c, random_state=0))


def cross_validated_scores(texts, labels, c):
    """One score matrix per shuffle: every complaint scored by a model that never saw it."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    return [cross_val_predict(pipeline(c), texts, labels, method="decision_function",
                              cv=StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed))
            for seed in SHUFFLES]


def softmax(scores, temperature):
    peak = max(scores)
    exps = [math.exp((s - peak) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def fit_temperature(scores, labels, classes):
    index = {label: i for i, label in enumerate(classes)}

    def log_loss(temperature):
        return -sum(math.log(max(softmax(list(row), temperature)[index[label]], 1e-12))
                    for row, label in zip(scores, labels)) / len(labels)
    return min(TEMPERATURES, key=log_loss)


def ranked(scores, classes, temperature):
    return [sorted(zip(classes, softmax(list(row), temperature)), key=lambda pair: -pair[1]) for row in scores]


def routed(records, hits, rankings, threshold, precedence):
    """(record, department) of keyword-then-classifier routing, once per shuffle's rankings."""
    scripts = [indic.mostly_indic_script(record["text"]) for record in records]
    for ranking in rankings:
        for record, found, guesses, indic_script in zip(records, hits, ranking, scripts):
            guess = rules.decide(found, guesses, threshold, precedence, indic_script)
            yield record, categories()[guess.category]["department"]


def accuracy_by_language(outcomes):
    right = defaultdict(list)
    for record, department in outcomes:
        for group in (record["language"], "all"):
            right[group].append(department == record["department"])
    return {group: sum(hits) / len(hits) for group, hits in right.items()}


def choose_precedence(records, hits, rankings, threshold):
    """The precedence whose worst language group is best on dev, then the best overall (then the most
    keyword-faithful); with the per-language accuracy of keywords first and of the choice."""
    scores = {}
    for named, tied, indic_only in itertools.product(NAMED_GRID, TIED_GRID, SCOPE_GRID):
        if named is None and indic_only:
            continue
        precedence = rules.Precedence(named, tied, indic_only)
        scores[precedence] = accuracy_by_language(routed(records, hits, rankings, threshold, precedence))

    def merit(precedence):
        by_group = scores[precedence]
        return (round(min(v for g, v in by_group.items() if g != "all"), 6), round(by_group["all"], 6),
                precedence.named or 2, precedence.tied or 2, precedence.named_indic_only)
    best = max(scores, key=merit)
    for name, precedence in (("keywords first", rules.KEYWORDS_FIRST), (str(best), best)):
        cells = ", ".join(f"{group} {value:.3f}" for group, value in sorted(scores[precedence].items()))
        print(f"[train] dev CV department accuracy, {name}: {cells}", file=sys.stderr)
    return best


def threshold_table(records, hits, rankings, precedence):
    """Keyword-then-classifier routing on dev at each threshold, from cross-validated probabilities."""
    in_scope = sum(r["department"] != "cmo_cell" for r in records) * len(rankings)
    table = {}
    for threshold in THRESHOLDS:
        outcomes = list(routed(records, hits, rankings, threshold, precedence))
        right = sum(department == record["department"] for record, department in outcomes) / len(outcomes)
        fallthrough = sum(department == "cmo_cell" and record["department"] != "cmo_cell"
                          for record, department in outcomes) / in_scope
        table[threshold] = (right, fallthrough)
        print(f"[train] ROUTING_MIN_CONFIDENCE {threshold:.2f}: department accuracy {right:.3f}, "
              f"fall-through {fallthrough:.3f}", file=sys.stderr)
    return table


def export(fitted, c, temperature, precedence, records):
    features, svm = fitted.steps[0][1], fitted.steps[1][1]
    weights = svm.coef_.T  # one row per n-gram, one column per label
    return {
        "format": runtime.FORMAT,
        "version": "v1",
        "trained_on": f"data/eval/complaints.jsonl, dev split ({len(records)} complaints)",
        "model": f"character n-grams {NGRAM_RANGE[0]}-{NGRAM_RANGE[1]} of the text in Latin letters, sublinear "
                 f"TF-IDF, l2; linear SVM C={c:g}; softmax temperature {temperature:g} fitted on {FOLDS}-fold "
                 f"cross-validated scores; overrules the keywords as {precedence}, chosen on the same scores",
        "ngram_range": list(NGRAM_RANGE),
        "temperature": temperature,
        "precedence": dataclasses.asdict(precedence),
        "labels": [str(label) for label in svm.classes_],
        "intercept": [round(float(v), DIGITS) for v in svm.intercept_],
        "features": {str(name): [round(float(idf), DIGITS), *(round(float(w), DIGITS) for w in row)]
                     for name, idf, row in zip(features.get_feature_names_out(), features.idf_, weights)},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m evaluation.train", description=__doc__)
    parser.add_argument("--out", default=str(runtime.ARTEFACT_PATH))
    args = parser.parse_args(argv)
    started = time.monotonic()
    records = dataset.load("dev")
    texts, labels = [r["text"] for r in records], [r["category"] for r in records]
    classes = sorted(set(labels))
    accuracy, scores = {}, {}
    for c in C_GRID:
        scores[c] = cross_validated_scores(texts, labels, c)
        accuracy[c] = sum(classes[row.argmax()] == label for matrix in scores[c] for row, label in zip(matrix, labels)) \
            / (len(labels) * len(SHUFFLES))
        print(f"[train] C={c:g}: {FOLDS}-fold category accuracy {accuracy[c]:.3f}", file=sys.stderr)
    c = max(C_GRID, key=lambda value: (accuracy[value], -value))
    all_scores = [row for matrix in scores[c] for row in matrix]
    temperature = fit_temperature(all_scores, labels * len(SHUFFLES), classes)
    print(f"[train] softmax temperature {temperature:g}", file=sys.stderr)
    rankings = [ranked(matrix, classes, temperature) for matrix in scores[c]]
    hits = [rules.keyword_hits(text) for text in texts]
    precedence = choose_precedence(records, hits, rankings, rules.DEFAULT_MIN_CONFIDENCE)
    table = threshold_table(records, hits, rankings, precedence)
    best = max(THRESHOLDS, key=lambda threshold: (table[threshold][0], -threshold))
    print(f"[train] best ROUTING_MIN_CONFIDENCE on dev: {best:g} (the lowest of the most accurate)", file=sys.stderr)
    artefact = export(pipeline(c).fit(texts, labels), c, temperature, precedence, records)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(artefact, handle, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        handle.write("\n")
    print(f"[train] wrote {args.out}: {len(artefact['features']):,} n-grams, {len(artefact['labels'])} categories, "
          f"C={c:g}, {time.monotonic() - started:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
