"""`python -m evaluation.train`: train the routing classifier on the evaluation set's dev part (never the
held-out part) and write services/routing/data/classifier-v2.json. Deterministic: the same data gives the
same file. Needs scikit-learn (a development dependency; the service only reads the JSON).

Steps, all on dev (5-fold cross-validation repeated with 3 shuffles, so a decision rests on every dev
complaint three times): pick the SVM's C; fit the softmax temperature that makes the cross-validated scores
honest probabilities (least log loss); pick how keywords and classifier are weighed (`rules.Weighing`: a
keyword weight per writing style, how many keywords count, department-level or not) by the best worst
language group, then the best overall department accuracy. The keywords were written looking at the dev
complaints of rounds 1 and 2, so there dev flatters them; a group's accuracy is therefore measured on its dev
complaints the keywords were not written from (round 3, `UNSEEN_BY_KEYWORDS_FROM` on) wherever it has at
least `MIN_UNSEEN` of them. Print department accuracy per language group with keywords first and with that
weighing, and accuracy and CMO fall-through at each candidate ROUTING_MIN_CONFIDENCE; fit on all of dev.
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
from shared.catalog import DEFAULT_CATEGORY, categories

NGRAM_RANGE = (2, 5)
MIN_DF = 1
C_GRID = (1.0, 2.0, 5.0)
TEMPERATURES = tuple(round(0.05 * step, 2) for step in range(1, 41))  # 0.05 .. 2.0
THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
FOLDS = 5
SHUFFLES = (0, 1, 2)  # repeated cross-validation: each dev complaint is predicted once per shuffle
WEIGHTS = (0.5, 1.0, 2.0, 3.0, 5.0, 100.0)  # rules.Weighing keyword weights per writing style (100: keywords first)
CAPS = (1, 2)  # rules.Weighing.cap candidates
UNSEEN_BY_KEYWORDS_FROM = 992  # ev-0992 on were written after the catalogue's keywords last changed
MIN_UNSEEN = 30
DIGITS = 5  # weights rounded: a smaller file, probabilities unchanged to 3 decimals


@functools.cache
def analyzer(text):
    # The features the service computes in services/routing/domain/classifier.py.
    return indic.char_ngrams(indic.romanize(text), *NGRAM_RANGE)


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


def routed(records, hits, rankings, threshold, weighing):
    """(record, department) as the service routes them (`rules.weigh`), once per shuffle's rankings; a
    `rules.Precedence` instead of a weighing: keywords first as artefacts v1 did (`rules.decide`)."""
    scripts = [indic.mostly_indic_script(record["text"]) for record in records]
    styles = [indic.writing_style(record["text"]) for record in records]
    for ranking in rankings:
        for record, found, guesses, indic_script, style in zip(records, hits, ranking, scripts, styles):
            if isinstance(weighing, rules.Weighing):
                guess = rules.weigh(found, guesses, threshold, weighing, style)
            else:
                guess = rules.decide(found, guesses, threshold, weighing, indic_script)
            yield record, categories()[guess.category]["department"]


def unseen(record):
    return int(record["id"].removeprefix("ev-")) >= UNSEEN_BY_KEYWORDS_FROM


def accuracy_by_language(outcomes):
    """{group: department accuracy}; `group*`: on the dev complaints the keywords were not written from."""
    right = defaultdict(list)
    for record, department in outcomes:
        for group in (record["language"], "all"):
            right[group].append(department == record["department"])
            if unseen(record):
                right[group + "*"].append(department == record["department"])
    return {group: sum(hits) / len(hits) for group, hits in right.items()}


def groups_worst_first(by_group, records):
    """The language groups' accuracies, worst first, each on its unseen complaints where it has at least
    MIN_UNSEEN of them (rounded to 6 digits, so that compared as tuples they are compared leximin)."""
    unseen_counts = defaultdict(int)
    for record in records:
        unseen_counts[record["language"]] += unseen(record)
    groups = {record["language"] for record in records}
    return tuple(sorted(round(by_group[g + "*"] if unseen_counts[g] >= MIN_UNSEEN else by_group[g], 6)
                        for g in groups))


class Weigher:
    """`rules.weigh` over every dev complaint and shuffle at once (numpy), to search the weighings quickly;
    `main` checks the chosen one against `rules.weigh` itself."""

    def __init__(self, records, hits, rankings):
        import numpy as np

        self.np = np
        self.records = records
        self.classes = sorted({code for code, _ in rankings[0][0]} | {code for found in hits for code in found})
        index = {code: i for i, code in enumerate(self.classes)}
        self.probabilities = []
        for ranking in rankings:
            matrix = np.zeros((len(records), len(self.classes)))
            for row, guesses in enumerate(ranking):
                for code, p in guesses:
                    matrix[row, index[code]] = p
            self.probabilities.append(matrix)
        self.counts = np.zeros((len(records), len(self.classes)))
        for row, found in enumerate(hits):
            for code, keywords in found.items():
                self.counts[row, index[code]] = len(keywords)
        self.no_hits = self.counts.sum(axis=1) == 0
        styles = [indic.writing_style(record["text"]) for record in records]
        self.style_rows = {style: np.array([s == style for s in styles]) for style in indic.WRITING_STYLES}
        departments = [categories()[code]["department"] for code in self.classes]
        self.departments = sorted(set(departments))
        self.membership = np.array([[float(d == name) for name in self.departments] for d in departments])
        self.category_departments = departments

    def departments_chosen(self, probabilities, weighing, threshold):
        np = self.np
        weights = np.zeros(len(self.records))
        for style, rows in self.style_rows.items():
            weights[rows] = weighing.weight(style)
        scores = np.log(probabilities + rules.FLOOR) + weights[:, None] * np.minimum(self.counts, weighing.cap)
        if weighing.by_department:
            exps = np.exp(scores - scores.max(axis=1, keepdims=True))
            by_department = (exps / exps.sum(axis=1, keepdims=True)) @ self.membership
            chosen = [self.departments[i] for i in by_department.argmax(axis=1)]
            confidence = by_department.max(axis=1)
        else:
            chosen = [self.category_departments[i] for i in scores.argmax(axis=1)]
            confidence = probabilities.max(axis=1)
        cmo = categories()[DEFAULT_CATEGORY]["department"]
        return [cmo if self.no_hits[i] and confidence[i] < threshold else chosen[i] for i in range(len(chosen))]

    def outcomes(self, weighing, threshold):
        for probabilities in self.probabilities:
            yield from zip(self.records, self.departments_chosen(probabilities, weighing, threshold))


def choose_weighing(records, hits, rankings, threshold):
    """The weighing whose worst language group is best on dev (see `worst_group`), then the best overall, then
    the most keyword-faithful; with the per-language accuracy of keywords first and of the choice."""
    weigher = Weigher(records, hits, rankings)
    scores = {}
    for indic_weight, romanized, english, cap, by_department in itertools.product(
            WEIGHTS, WEIGHTS, WEIGHTS, CAPS, (False, True)):
        weighing = rules.Weighing(indic_weight, romanized, english, cap, by_department)
        scores[weighing] = accuracy_by_language(weigher.outcomes(weighing, threshold))

    def merit(weighing):
        by_group = scores[weighing]
        return (groups_worst_first(by_group, records), round(by_group["all"], 6), weighing.indic + weighing.romanized + weighing.english, weighing.cap, not weighing.by_department)
    best = max(scores, key=merit)
    checked = accuracy_by_language(routed(records, hits, rankings, threshold, best))
    if any(abs(checked[group] - scores[best][group]) > 1e-9 for group in checked):
        raise AssertionError(f"the vectorised weighing disagrees with rules.weigh: {checked} != {scores[best]}")
    keywords_first = accuracy_by_language(routed(records, hits, rankings, threshold, rules.KEYWORDS_FIRST))
    for name, by_group in (("keywords first", keywords_first), (str(best), checked)):
        cells = ", ".join(f"{group} {value:.3f}" for group, value in sorted(by_group.items()))
        print(f"[train] dev CV department accuracy (*: on the {sum(map(unseen, records))} complaints the keywords "
              f"were not written from), {name}: {cells}", file=sys.stderr)
    return best


def threshold_table(records, hits, rankings, weighing):
    """Keyword-then-classifier routing on dev at each threshold, from cross-validated probabilities."""
    in_scope = sum(r["department"] != "cmo_cell" for r in records) * len(rankings)
    table = {}
    for threshold in THRESHOLDS:
        outcomes = list(routed(records, hits, rankings, threshold, weighing))
        right = sum(department == record["department"] for record, department in outcomes) / len(outcomes)
        fallthrough = sum(department == "cmo_cell" and record["department"] != "cmo_cell"
                          for record, department in outcomes) / in_scope
        table[threshold] = (right, fallthrough)
        print(f"[train] ROUTING_MIN_CONFIDENCE {threshold:.2f}: department accuracy {right:.3f}, "
              f"fall-through {fallthrough:.3f}", file=sys.stderr)
    return table


def export(fitted, c, temperature, weighing, records):
    features, svm = fitted.steps[0][1], fitted.steps[1][1]
    weights = svm.coef_.T  # one row per n-gram, one column per label
    return {
        "format": runtime.FORMAT,
        "version": "v2",
        "trained_on": f"data/eval/complaints.jsonl, dev split ({len(records)} complaints)",
        "model": f"character n-grams {NGRAM_RANGE[0]}-{NGRAM_RANGE[1]} of the text in Latin letters (Devanagari as "
                 f"Hindi is typed), sublinear "
                 f"TF-IDF, l2; linear SVM C={c:g}; softmax temperature {temperature:g} fitted on {FOLDS}-fold "
                 f"cross-validated scores; weighed against the keywords as {weighing}, chosen on the same scores",
        "ngram_range": list(NGRAM_RANGE),
        "text": runtime.ROMANIZED,
        "temperature": temperature,
        "weighing": dataclasses.asdict(weighing),
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
    weighing = choose_weighing(records, hits, rankings, rules.DEFAULT_MIN_CONFIDENCE)
    table = threshold_table(records, hits, rankings, weighing)
    best = max(THRESHOLDS, key=lambda threshold: (table[threshold][0], -threshold))
    print(f"[train] best ROUTING_MIN_CONFIDENCE on dev: {best:g} (the lowest of the most accurate)", file=sys.stderr)
    artefact = export(pipeline(c).fit(texts, labels), c, temperature, weighing, records)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(artefact, handle, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        handle.write("\n")
    print(f"[train] wrote {args.out}: {len(artefact['features']):,} n-grams, {len(artefact['labels'])} categories, "
          f"C={c:g}, {time.monotonic() - started:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
