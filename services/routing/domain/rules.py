"""Routing rules: category (or keywords) and place -> department -> the office that handles it.

Pure. Every decision carries its reason, recorded on the case for the citizen and the cell to read.
"""
import math
from dataclasses import dataclass
from functools import lru_cache

from shared import indic
from shared.catalog import DEFAULT_CATEGORY, categories
from shared.vocabulary import CMO_CELL_DEPARTMENT, STATE_OFFICE

STATE = STATE_OFFICE  # the district of state-level offices
STATEWIDE_DEPARTMENTS = ("home_cyber_cell", CMO_CELL_DEPARTMENT)


DEFAULT_MIN_CONFIDENCE = 0.4  # chosen on the evaluation set's dev part (python -m evaluation.train)
SUGGESTIONS = 3
TRIAGE = "triage"


@dataclass(frozen=True)
class Guess:
    """Routing's reading of a complaint filed without a category: what it chose, how, and how sure."""
    category: str
    method: str  # keyword | classifier | triage
    confidence: float | None
    reason: str
    suggestions: tuple = ()  # the classifier's top categories: (category, probability), most likely first
    threshold: float = DEFAULT_MIN_CONFIDENCE  # the classifier confidence below which the cell triages

    @property
    def triage(self):
        return self.method == TRIAGE

    def record(self):
        """As stored on the assignment and carried in routing's decisions."""
        return {"category": self.category, "method": self.method,
                "confidence": None if self.confidence is None else round(self.confidence, 4),
                "reason": self.reason, "threshold": self.threshold,
                "suggestions": [{"category": code, "department": categories()[code]["department"],
                                 "confidence": round(p, 4)} for code, p in self.suggestions]}


@dataclass(frozen=True)
class Precedence:
    """When a sure classifier overrules the keywords; tuned with the classifier on cross-validated dev scores
    and shipped in its artefact. None: never (keywords first, the classifier only breaks ties among leaders).

    A generic word names a category without deciding it: স্কুলে in a complaint about a girl teased on the way
    to school, पेंशन in one about Jai Johar, बिजली in a phishing SMS about the electricity bill."""
    named: float | None = None  # the classifier's likeliest is a category some keyword names, at least this sure
    tied: float | None = None  # keywords tie between categories; the classifier's likeliest (any), at least this
    named_indic_only: bool = False  # `named` only for text mostly in Bengali or Devanagari script, whose keyword
    # lists hold more such generic nouns than the English ones


KEYWORDS_FIRST = Precedence()


@dataclass(frozen=True)
class Weighing:
    """Keywords and classifier weighed together (artefacts from v2 on, replacing `Precedence`): a category's
    score is the log of the classifier's probability plus a weight for each of its keywords found (at most
    `cap` counted), the weight by how the text is written (`indic.writing_style`). A keyword is near-certain
    in English text and evidence, not a verdict, in Bengali script or romanized Hindi, where catalogue words
    like স্কুল or "school" name the place of a complaint about something else. `by_department`: the department
    with the most probability (the scores' softmax summed over its categories) wins, then its best category,
    so two categories of one department splitting the probability do not lose to a third. Tuned by
    `make train` on cross-validated dev scores."""
    indic: float
    romanized: float
    english: float
    cap: int = 2
    by_department: bool = True

    def weight(self, style):
        return {indic.INDIC: self.indic, indic.ROMANIZED: self.romanized, indic.ENGLISH: self.english}[style]


FLOOR = 1e-6  # the probability a category without any classifier score is given when weighing (log 0)


@dataclass(frozen=True)
class Route:
    category: str
    department: str
    district: str
    reason: str
    guess: Guess | None = None


@lru_cache(maxsize=1)
def _keywords():
    return indic.PhraseIndex((code, keyword) for code, category in categories().items()
                             for keyword in category.get("keywords", []))


def keyword_hits(text):
    """{category: [its keywords the text holds as whole words]} (inflected forms such as থানায় count)."""
    return _keywords().find(indic.tokens(text))


def decide(hits, ranked, min_confidence, precedence=KEYWORDS_FIRST, indic_script=False):
    """Keywords first (explainable), the classifier where they are silent or tied or where it is sure enough to
    overrule them (`precedence`), the CMO cell's triage when neither is sure. `ranked`: the classifier's
    (category, probability) pairs, most likely first; `indic_script`: the text is mostly Bengali or Devanagari."""
    probability = {code: p for code, p in ranked}
    suggestions = tuple((code, p) for code, p in ranked[:SUGGESTIONS])
    if hits:
        most = max(len(found) for found in hits.values())
        leaders = [code for code, found in hits.items() if len(found) == most]
        overruling = _overruling(hits, leaders, ranked, precedence, indic_script)
        if overruling:
            return Guess(overruling[0], "classifier", overruling[1], _overrule_reason(hits, overruling),
                         suggestions, min_confidence)
        best = max(leaders, key=lambda code: probability.get(code, 0.0))
        words = ", ".join(f"'{keyword}'" for keyword in hits[best])
        reason = f"no category given; keyword {words} of '{best}'"
        if len(leaders) > 1:
            reason += (f" (tied with {', '.join(sorted(set(leaders) - {best}))}; the classifier prefers '{best}' "
                       f"with confidence {probability.get(best, 0.0):.2f})")
        return Guess(best, "keyword", probability.get(best), reason, suggestions, min_confidence)
    if ranked and ranked[0][1] >= min_confidence:
        code, p = ranked[0]
        if code != DEFAULT_CATEGORY:
            return Guess(code, "classifier", p, f"no category given; classifier: '{code}' with confidence {p:.2f}",
                         suggestions, min_confidence)
        # Vague, out of scope or incomplete: the cell calls the citizen and finds the office (with the suggestions).
        return Guess(DEFAULT_CATEGORY, TRIAGE, p, f"no category given; classifier: '{DEFAULT_CATEGORY}' with "
                     f"confidence {p:.2f}; the CMO cell triages it", suggestions, min_confidence)
    best = f"'{ranked[0][0]}' at {ranked[0][1]:.2f}" if ranked else "none"
    return Guess(DEFAULT_CATEGORY, TRIAGE, ranked[0][1] if ranked else None,
                 f"no category given, no keyword matched and the classifier is unsure (best {best}, below "
                 f"{min_confidence:.2f}); the CMO cell triages it", suggestions, min_confidence)


def weigh(hits, ranked, min_confidence, weighing, style=indic.ENGLISH):
    """Like `decide`, with keywords and classifier weighed together by `weighing` (see `Weighing`); `style`:
    how the text is written. Without keywords the classifier decides alone, down to `min_confidence`."""
    probability = {code: p for code, p in ranked}
    suggestions = tuple((code, p) for code, p in ranked[:SUGGESTIONS])
    codes = sorted(set(probability) | set(hits))
    if not codes:
        return decide(hits, ranked, min_confidence)
    weight = weighing.weight(style)
    scores = {code: math.log(probability.get(code, 0.0) + FLOOR) + weight * min(len(hits.get(code, ())), weighing.cap)
              for code in codes}
    category, confidence = _best(scores, weighing.by_department)
    if not hits:
        if not weighing.by_department:
            return _classifier_alone(category, probability.get(category, 0.0), min_confidence, ranked, suggestions)
        department = categories()[category]["department"]
        return _classifier_alone(category, confidence, min_confidence, ranked, suggestions, f" ({department})")
    found = "; ".join(f"{', '.join(repr(k) for k in keywords)} of '{code}'" for code, keywords in hits.items())
    p = probability.get(category, 0.0)
    if category in hits:
        rivals = sorted(set(hits) - {category})
        reason = f"no category given; keyword {', '.join(repr(k) for k in hits[category])} of '{category}'"
        if rivals:
            reason += (f" (weighed against {', '.join(rivals)} with the classifier, which gives '{category}' "
                       f"{p:.2f})")
        return Guess(category, "keyword", probability.get(category), reason, suggestions, min_confidence)
    if category == DEFAULT_CATEGORY:
        return Guess(DEFAULT_CATEGORY, TRIAGE, p, f"no category given; keywords {found} outweighed by the "
                     f"classifier's '{DEFAULT_CATEGORY}' ({p:.2f}); the CMO cell triages it", suggestions,
                     min_confidence)
    return Guess(category, "classifier", p, f"no category given; keywords {found} outweighed: the classifier "
                 f"gives '{category}' {p:.2f}", suggestions, min_confidence)


def _best(scores, by_department):
    """(category, probability of its department or of itself) of the best-scoring department (or category);
    ties go to the first in alphabetical order, as in `make train`'s vectorised copy."""
    peak = max(scores.values())
    exps = {code: math.exp(score - peak) for code, score in scores.items()}
    total = sum(exps.values())
    if not by_department:
        category = max(sorted(scores), key=lambda code: scores[code])
        return category, exps[category] / total
    departments = {}
    for code, value in exps.items():
        department = categories()[code]["department"]
        departments[department] = departments.get(department, 0.0) + value / total
    department = max(sorted(departments), key=lambda name: departments[name])
    members = sorted(code for code in scores if categories()[code]["department"] == department)
    return max(members, key=lambda code: scores[code]), departments[department]


def _classifier_alone(category, confidence, min_confidence, ranked, suggestions, of_department=""):
    """`of_department`: the confidence is the department's (its categories' probabilities summed)."""
    if confidence >= min_confidence and category != DEFAULT_CATEGORY:
        return Guess(category, "classifier", confidence, f"no category given; classifier: '{category}'"
                     f"{of_department} with confidence {confidence:.2f}", suggestions, min_confidence)
    if confidence >= min_confidence:
        return Guess(DEFAULT_CATEGORY, TRIAGE, confidence, f"no category given; classifier: '{DEFAULT_CATEGORY}' "
                     f"with confidence {confidence:.2f}; the CMO cell triages it", suggestions, min_confidence)
    best = f"'{category}' at {confidence:.2f}" if ranked else "none"
    return Guess(DEFAULT_CATEGORY, TRIAGE, confidence if ranked else None,
                 f"no category given, no keyword matched and the classifier is unsure (best {best}, below "
                 f"{min_confidence:.2f}); the CMO cell triages it", suggestions, min_confidence)


def _overruling(hits, leaders, ranked, precedence, indic_script):
    """(category, probability) when the classifier is sure enough to overrule the keyword count, else None."""
    if not ranked or ranked[0][0] == DEFAULT_CATEGORY:
        return None
    code, p = ranked[0]
    if code in leaders:  # the keywords' own choice (ties go to the likelier)
        return None
    named = precedence.named is not None and (indic_script or not precedence.named_indic_only)
    if named and code in hits and p >= precedence.named:
        return code, p
    if precedence.tied is not None and len(leaders) > 1 and p >= precedence.tied:
        return code, p
    return None


def _overrule_reason(hits, overruling):
    code, p = overruling
    found = "; ".join(f"{', '.join(repr(k) for k in keywords)} of '{category}'" for category, keywords in hits.items())
    return f"no category given; keywords {found}; the classifier is sure of '{code}' (confidence {p:.2f})"


def guess_category(subject, description, classifier=None, min_confidence=DEFAULT_MIN_CONFIDENCE):
    text = f"{subject or ''} {description or ''}"
    ranked = [(s.category, s.confidence) for s in classifier.predict(text, top=None)] if classifier else []
    if classifier is not None and classifier.weighing is not None:
        return weigh(keyword_hits(text), ranked, min_confidence, classifier.weighing, indic.writing_style(text))
    precedence = classifier.precedence if classifier else KEYWORDS_FIRST
    return decide(keyword_hits(text), ranked, min_confidence, precedence, indic.mostly_indic_script(text))


def route(case, classifier=None, min_confidence=DEFAULT_MIN_CONFIDENCE):
    """Where a newly filed case goes. `case` is the intake snapshot (category, place, subject...)."""
    category = case.get("category")
    if category:
        return _place(category, categories()[category]["department"], case,
                      f"category '{category}' chosen at filing")
    guess = guess_category(case.get("subject"), case.get("description"), classifier, min_confidence)
    placed = _place(guess.category, categories()[guess.category]["department"], case, guess.reason)
    return Route(placed.category, placed.department, placed.district, placed.reason, guess)


def route_transfer(case, department, why):
    return _place(case.get("category") or DEFAULT_CATEGORY, department, case,
                  f"transferred to {department}: {why}")


def _place(category, department, case, reason):
    if department in STATEWIDE_DEPARTMENTS or categories()[category].get("statewide"):
        where = (case.get("place") or {}).get("district")
        lives = ((case.get("complainant") or {}).get("residence") or {}).get("state")
        reason += f"; handled by the state-level {department} unit wherever the complainant lives"
        if lives and lives != "West Bengal":
            reason += f" ({lives})"
        if where:
            reason += f"; matter located in {where}"
        return Route(category, department, STATE, reason)
    district = (case.get("place") or {}).get("district")
    return Route(category, department, district, reason + f"; office for {district} district")
