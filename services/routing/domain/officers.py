"""The officer pools: who works a case at each escalation level, per department and district, built from
identity's officer directory (`staff.changed` events, kept in routing's store) and from nothing else.

L1 field officers (block/municipality level) and L2 the district officer work per district; L3 is the
head of department (state level); L4 is the CMO's complaint cell. A member works cases while active (or
transferred: active in the new office); on leave they work none from leave_from until leave_until, and
none once retired. An office with nobody available sends the case up a level (the district officer, the
head of department, the CMO cell), saying so in the reason on its timeline.

Pure: the records and the time come in, officers and reasons go out.
"""
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.routing.domain.rules import STATE, STATEWIDE_DEPARTMENTS
from shared.authz import allowed
from shared.vocabulary import CMO_CELL_DEPARTMENT, TOP_LEVEL, StaffState

DESIGNATIONS = {1: "Field officer", 2: "District officer", 3: "Head of department", 4: "CMO complaint cell"}
CMO_CELL = CMO_CELL_DEPARTMENT

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    designation: str
    department: str
    district: str
    level: int


@dataclass(frozen=True)
class Seat:
    """Who takes a case, at which level, and why it is not the level asked for (empty when it is)."""
    officer: Officer
    level: int
    note: str = ""


class NoOfficer(Exception):
    """Nobody is available anywhere up to the CMO cell: the directory is empty (a case cannot be routed)."""


def pool_scope(department: str, district: str, level: int) -> tuple[str, str]:
    """(department, district) of the office that works a case at `level`."""
    if level >= TOP_LEVEL:
        return CMO_CELL, STATE
    if level == 3 or department in STATEWIDE_DEPARTMENTS:
        return department, STATE
    return department, district


def pool_key(department: str, district: str, level: int) -> str:
    """The key of the pool that works a case of this department and district at `level` (what the store
    indexes each member by: their own office's key)."""
    department, district = pool_scope(department, district, level)
    return f"{department}|{district}|{level}"


def office_key(office: Mapping[str, Any]) -> str:
    return f"{office['department']}|{office['district']}|{office['level']}"


def officer(record: Record) -> Officer:
    office = record["office"]
    return Officer(record["staff_id"], record["name"], DESIGNATIONS[office["level"]], office["department"],
                   office["district"], office["level"])


def on_leave(record: Record, now: datetime) -> bool:
    status = record["status"]
    return status["state"] == StaffState.ON_LEAVE and status["leave_from"] <= now < status["leave_until"]


def available(record: Record, now: datetime) -> bool:
    """Whether a member takes cases at `now`: in a pool role, not retired, not on a leave that has begun."""
    return (allowed(record, "assignments.receive")  # supervisors oversee an office; they are not given cases
            and record["status"]["state"] != StaffState.RETIRED and not on_leave(record, now))


def members(records: Iterable[Record], now: datetime) -> list[Officer]:
    """The available officers among a pool's records, in a stable order."""
    return sorted((officer(r) for r in records if available(r, now)), key=lambda o: o.id)


def pick_officer(candidates: Sequence[Officer], load: Callable[[str], int]) -> Officer:
    """The most free officer of the pool (the fewest open cases; ties by id, so the choice is stable)."""
    return min(candidates, key=lambda o: (load(o.id), o.id))


def seat(department: str, district: str, level: int, pool: Callable[[str, str, int], Sequence[Officer]],
         load: Callable[[str], int]) -> Seat:
    """The most free available officer at `level`, else the first level above it that has one (with why)."""
    for at in range(level, TOP_LEVEL + 1):
        candidates = pool(department, district, at)
        if candidates:
            note = "" if at == level else (f"nobody available at level {level} ({describe(department, district, level)})"
                                           f"; taken up to level {at}")
            return Seat(pick_officer(candidates, load), at, note)
    raise NoOfficer(f"no available officer for {department} in {district} from level {level} up to the CMO cell")


def describe(department: str, district: str, level: int) -> str:
    department, district = pool_scope(department, district, level)
    return f"{department}, {district}"
