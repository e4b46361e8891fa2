"""Routing rules: category (or keywords) and place -> department -> the office that handles it.

Pure. Every decision carries its reason, recorded on the case for the citizen and the cell to read.
"""
import re
import unicodedata
from dataclasses import dataclass

from shared.catalog import DEFAULT_CATEGORY, categories

STATE = "state"  # the district of state-level offices
STATEWIDE_DEPARTMENTS = ("home_cyber_cell", "cmo_cell")


@dataclass(frozen=True)
class Route:
    category: str
    department: str
    district: str
    reason: str


def _normalise(text):
    text = unicodedata.normalize("NFC", text or "").casefold()
    return " " + " ".join(re.sub(r"[^\w\s]", " ", text).split()) + " "


def guess_category(subject, description):
    """The category whose keywords the text mentions most; `other` when none do."""
    text = _normalise(f"{subject} {description}")
    best, best_hits = DEFAULT_CATEGORY, 0
    for code, category in categories().items():
        hits = sum(1 for keyword in category.get("keywords", []) if _normalise(keyword) in text)
        if hits > best_hits:
            best, best_hits = code, hits
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
