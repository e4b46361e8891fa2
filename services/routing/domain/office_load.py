"""An office's load: each officer of an office (a department in a district) with the open cases they hold,
how many of those are overdue (the SLA deadline passed with the clock running) and escalated (above level
1), and the office's totals, counted from every open assignment of the office (never a sample). Pure."""
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from services.routing.domain.assignment import ACTIVE
from services.routing.domain.officers import Officer, pool_scope
from services.routing.domain.rules import STATE

LEVELS = (1, 2, 3, 4)
COUNTS = ("open", "overdue", "escalated")


def office_officers(department: str, district: str, pool: Callable[[str, str, int], Iterable[Officer]]
                    ) -> list[Officer]:
    """The officers whose pools work this office's cases at its own seat (a district's L1 and L2; at
    the state's seat, the levels that sit there); `pool` gives a pool's members (routing's directory)."""
    return [o for level in LEVELS if pool_scope(department, district, level) == (department, district)
            for o in pool(department, district, level)]


def is_overdue(assignment: Mapping[str, Any], now: datetime) -> bool:
    return assignment.get("state") == ACTIVE and assignment["deadline"] <= now


def office_load(department: str, district: str, members: Iterable[Officer], assignments: Iterable[Mapping[str, Any]],
                now: datetime) -> dict:
    """{department, district, officers: [{officer_id, name, level, open, overdue, escalated}], totals} from
    the office's open assignments (`members`: office_officers); an officer of the office with nothing is listed with zeros, one from
    elsewhere who holds a case of the office (an escalation to the state) is listed too. Busiest first."""
    rows = {o.id: {"officer_id": o.id, "name": o.name, "level": o.level, **dict.fromkeys(COUNTS, 0)}
            for o in members}
    totals = dict.fromkeys(COUNTS, 0)
    for assignment in assignments:
        row = rows.setdefault(assignment["officer_id"], {
            "officer_id": assignment["officer_id"], "name": assignment.get("officer_name") or assignment["officer_id"],
            "level": assignment["level"], **dict.fromkeys(COUNTS, 0)})
        counted = {"open": True, "overdue": is_overdue(assignment, now), "escalated": assignment["level"] > 1}
        for name in COUNTS:
            if counted[name]:
                row[name] += 1
                totals[name] += 1
    officers = sorted(rows.values(), key=lambda r: (-r["overdue"], -r["open"], r["level"], r["officer_id"]))
    return {"department": department, "district": district, "officers": officers, "totals": totals}


def is_office(department: str, district: str, known_departments: Iterable[str], known_districts: Iterable[str]) -> bool:
    return department in set(known_departments) and (district == STATE or district in set(known_districts))
