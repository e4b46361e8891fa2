"""`python -m evaluation.train`: train the routing classifier on the evaluation set's dev part (never the
held-out part) and write services/routing/data/classifier-v1.json. Deterministic: the same data gives the
same file. Needs scikit-learn (a development dependency; the service only reads the JSON).

Steps, all on dev: pick the SVM's C by 5-fold cross-validation; fit the softmax temperature that makes the
cross-validated scores honest probabilities (least log loss); print department accuracy and CMO
fall-through of keyword-then-classifier routing at each candidate ROUTING_MIN_CONFIDENCE; fit on all of dev.
"""
import argparse
import functools
import json
import math
import sys
import time

from evaluation import dataset
from services.routing.domain import classifier as runtime
from shared import indic

NGRAM_RANGE = (2, 5)
MIN_DF = 1
C_GRID = (1.0, 2.0, 5.0)
TEMPERATURES = tuple(round(0.05 * step, 2) for step in range(1, 41))  # 0.05 .. 2.0
THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
FOLDS = 5
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
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    return cross_val_predict(pipeline(c), texts, labels, cv=splitter, method="decision_function")


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


def threshold_table(records, rankings):
    """Keyword-then-classifier routing on dev at each threshold, from cross-validated probabilities."""
    from services.routing.domain import rules
    from shared.catalog import categories

    in_scope = sum(r["department"] != "cmo_cell" for r in records)
    hits = [rules.keyword_hits(record["text"]) for record in records]
    table = {}
    for threshold in THRESHOLDS:
        right = fallthrough = 0
        for record, found, guesses in zip(records, hits, rankings):
            guess = rules.decide(found, guesses, threshold)
            department = categories()[guess.category]["department"]
            right += department == record["department"]
            fallthrough += department == "cmo_cell" and record["department"] != "cmo_cell"
        table[threshold] = (right / len(records), fallthrough / in_scope)
        print(f"[train] ROUTING_MIN_CONFIDENCE {threshold:.2f}: department accuracy {right / len(records):.3f}, "
              f"fall-through {fallthrough / in_scope:.3f}", file=sys.stderr)
    return table


def export(fitted, c, temperature, records):
    features, svm = fitted.steps[0][1], fitted.steps[1][1]
    weights = svm.coef_.T  # one row per n-gram, one column per label
    return {
        "format": runtime.FORMAT,
        "version": "v1",
        "trained_on": f"data/eval/complaints.jsonl, dev split ({len(records)} complaints)",
        "model": f"character n-grams {NGRAM_RANGE[0]}-{NGRAM_RANGE[1]} of the text in Latin letters, sublinear "
                 f"TF-IDF, l2; linear SVM C={c:g}; softmax temperature {temperature:g} fitted on {FOLDS}-fold "
                 f"cross-validated scores",
        "ngram_range": list(NGRAM_RANGE),
        "temperature": temperature,
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
        accuracy[c] = sum(classes[row.argmax()] == label for row, label in zip(scores[c], labels)) / len(labels)
        print(f"[train] C={c:g}: {FOLDS}-fold category accuracy {accuracy[c]:.3f}", file=sys.stderr)
    c = max(C_GRID, key=lambda value: (accuracy[value], -value))
    temperature = fit_temperature(scores[c], labels, classes)
    print(f"[train] softmax temperature {temperature:g}", file=sys.stderr)
    table = threshold_table(records, ranked(scores[c], classes, temperature))
    best = max(THRESHOLDS, key=lambda threshold: (table[threshold][0], -threshold))
    print(f"[train] best ROUTING_MIN_CONFIDENCE on dev: {best:g} (the lowest of the most accurate)", file=sys.stderr)
    artefact = export(pipeline(c).fit(texts, labels), c, temperature, records)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(artefact, handle, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        handle.write("\n")
    print(f"[train] wrote {args.out}: {len(artefact['features']):,} n-grams, {len(artefact['labels'])} categories, "
          f"C={c:g}, {time.monotonic() - started:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
