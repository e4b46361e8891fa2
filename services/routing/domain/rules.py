"""Routing rules: category (or keywords) and place -> department -> the office that handles it.

Pure. Every decision carries its reason, recorded on the case for the citizen and the cell to read.
"""
from dataclasses import dataclass
from functools import lru_cache

from shared import indic
from shared.catalog import DEFAULT_CATEGORY, categories

STATE = "state"  # the district of state-level offices
STATEWIDE_DEPARTMENTS = ("home_cyber_cell", "cmo_cell")


@dataclass(frozen=True)
class Route:
    category: str
    department: str
    district: str
    reason: str


@lru_cache(maxsize=1)
def _keyword_phrases():
    return {code: [(keyword, indic.phrase(keyword)) for keyword in category.get("keywords", [])]
            for code, category in categories().items()}


def keyword_hits(text):
    """{category: [its keywords the text holds as whole words]} (inflected forms such as থানায় count)."""
    words = indic.tokens(text)
    hits = {}
    for code, phrases in _keyword_phrases().items():
        found = [keyword for keyword, tokens in phrases if indic.find_phrase(words, tokens)]
        if found:
            hits[code] = found
    return hits


def guess_category(subject, description):
    """The category whose keywords the text mentions most; `other` when none do."""
    hits = keyword_hits(f"{subject} {description}")
    best, best_hits = DEFAULT_CATEGORY, 0
    for code, found in hits.items():
        if len(found) > best_hits:
            best, best_hits = code, len(found)
    return best, best_hits


def route(case):
    """Where a newly filed case goes. `case` is the intake snapshot (category, place, subject...)."""
    category = case.get("category")
    if category:
        reason = f"category '{category}' chosen at filing"
    else:
        category, hits = guess_category(case.get("subject"), case.get("description"))
        reason = (f"no category given; the text matched {hits} keyword(s) of '{category}'" if hits
                  else "no category given and no keyword matched; the CMO cell triages it")
    return _place(category, categories()[category]["department"], case, reason)


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
