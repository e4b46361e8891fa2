"""Routing accuracy on the evaluation set: department and category per language group and per category, the
commonest confusions and the share of in-scope complaints that fall through to the CMO cell."""
from collections import Counter, defaultdict

from evaluation.dataset import LANGUAGES, as_case
from services.routing.domain import rules

CMO_CELL = "cmo_cell"
TOP_CONFUSIONS = 10


def run(records, progress, route=rules.route):
    """{section: {row: {column: value}}} for the records, routed one by one with `route(case)`."""
    outcomes = []
    for record in records:
        decision = route(as_case(record))
        outcomes.append((record, decision.category, decision.department))
        progress.advance()
    progress.finish()
    return summarise(outcomes)


def summarise(outcomes):
    by_language, by_category = defaultdict(list), defaultdict(list)
    confusions = Counter()
    for record, category, department in outcomes:
        by_language[record["language"]].append((record, category, department))
        by_language["all"].append((record, category, department))
        by_category[record["category"]].append((record, category, department))
        if category != record["category"]:
            confusions[(record["category"], category)] += 1
    languages = [lang for lang in (*LANGUAGES, "all") if lang in by_language]
    return {
        "routing by language": {lang: _scores(by_language[lang], fallthrough=True) for lang in languages},
        "routing by category": {code: _scores(by_category[code]) for code in sorted(by_category)},
        "top confusions (true -> guessed category)": {
            f"{true} -> {guess}": {"count": count} for (true, guess), count in confusions.most_common(TOP_CONFUSIONS)},
    }


def _scores(rows, fallthrough=False):
    n = len(rows)
    scores = {"n": n,
              "department accuracy": sum(dept == r["department"] for r, _, dept in rows) / n,
              "category accuracy": sum(cat == r["category"] for r, cat, _ in rows) / n}
    if fallthrough:
        in_scope = [(r, dept) for r, _, dept in rows if r["department"] != CMO_CELL]
        scores["fall-through to CMO cell"] = (sum(dept == CMO_CELL for _, dept in in_scope) / len(in_scope)
                                              if in_scope else 0.0)
    return scores
