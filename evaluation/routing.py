"""Routing accuracy on the evaluation set: department and category per language group and per category, the
commonest confusions and the share of in-scope complaints that fall through to the CMO cell."""
from collections import Counter, defaultdict

from evaluation.dataset import LANGUAGES, as_case
from services.routing.domain import rules
from shared.vocabulary import CMO_CELL_DEPARTMENT

CMO_CELL = CMO_CELL_DEPARTMENT
TOP_CONFUSIONS = 10
METHODS = ("keyword", "classifier", "triage")


def run(records, progress, route=rules.route):
    """{section: {row: {column: value}}} for the records, routed one by one with `route(case)`."""
    outcomes = []
    for record in records:
        decision = route(as_case(record))
        method = decision.guess.method if getattr(decision, "guess", None) else "keyword"
        outcomes.append((record, decision.category, decision.department, method))
        progress.advance()
    progress.finish()
    return summarise(outcomes)


def summarise(outcomes):
    by_language, by_category = defaultdict(list), defaultdict(list)
    confusions = Counter()
    for outcome in outcomes:
        record, category = outcome[0], outcome[1]
        by_language[record["language"]].append(outcome)
        by_language["all"].append(outcome)
        by_category[record["category"]].append(outcome)
        if category != record["category"]:
            confusions[(record["category"], category)] += 1
    languages = [lang for lang in (*LANGUAGES, "all") if lang in by_language]
    return {
        "routing by language": {lang: _scores(by_language[lang], fallthrough=True) for lang in languages},
        "how routing decided (share of complaints)": {
            lang: {method: sum(o[3] == method for o in by_language[lang]) / len(by_language[lang])
                   for method in METHODS} for lang in languages},
        "routing by category": {code: _scores(by_category[code]) for code in sorted(by_category)},
        "top confusions (true -> guessed category)": {
            f"{true} -> {guess}": {"count": count} for (true, guess), count in confusions.most_common(TOP_CONFUSIONS)},
    }


def _scores(rows, fallthrough=False):
    n = len(rows)
    scores = {"n": n,
              "department accuracy": sum(o[2] == o[0]["department"] for o in rows) / n,
              "category accuracy": sum(o[1] == o[0]["category"] for o in rows) / n}
    if fallthrough:
        in_scope = [(o[0], o[2]) for o in rows if o[0]["department"] != CMO_CELL]
        scores["fall-through to CMO cell"] = (sum(dept == CMO_CELL for _, dept in in_scope) / len(in_scope)
                                              if in_scope else 0.0)
    return scores
