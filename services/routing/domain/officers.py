"""The officer pools: who works a case at each escalation level, per department and district.

L1 field officers (block/municipality level) and L2 the district officer work per district; L3 is the
head of department (state level); L4 is the CMO's complaint cell. Pools are derived from the catalogue,
the same on every run, until the identity service owns the officer directory.
"""
import hashlib
import re
from dataclasses import dataclass

from services.routing.domain.rules import STATE, STATEWIDE_DEPARTMENTS
from shared.catalog import departments, districts
from shared.vocabulary import CMO_CELL_DEPARTMENT

POOL_SIZES = {1: 2, 2: 1, 3: 1, 4: 3}
DESIGNATIONS = {1: "Field officer", 2: "District officer", 3: "Head of department", 4: "CMO complaint cell"}
CMO_CELL = CMO_CELL_DEPARTMENT
GIVEN = ["Anindita", "Sourav", "Moumita", "Arindam", "Rupa", "Debasish", "Sharmistha", "Partha", "Nasrin",
         "Subhajit", "Tanushree", "Imran", "Priyanka", "Biswajit", "Rituparna", "Sanjay", "Farida", "Kaushik"]
FAMILY = ["Banerjee", "Chatterjee", "Mukherjee", "Ghosh", "Bose", "Das", "Sen", "Roy", "Mondal", "Sarkar",
          "Khatun", "Haque", "Hembram", "Murmu", "Tamang", "Biswas", "Pal", "Saha"]


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    designation: str
    department: str
    district: str
    level: int


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def pool_scope(department, district, level):
    """(department, district) of the office that works a case at `level`."""
    if level >= 4:
        return CMO_CELL, STATE
    if level == 3 or department in STATEWIDE_DEPARTMENTS:
        return department, STATE
    return department, district


def officer_id(department, district, level, number):
    return f"off-{department}-{slug(district)}-l{level}-{number}"


def _name(identifier):
    digest = hashlib.sha256(identifier.encode()).digest()
    return f"{GIVEN[digest[0] % len(GIVEN)]} {FAMILY[digest[1] % len(FAMILY)]}"


def pool(department, district, level):
    department, district = pool_scope(department, district, level)
    return [Officer(officer_id(department, district, level, n), _name(officer_id(department, district, level, n)),
                    DESIGNATIONS[min(level, 4)], department, district, level)
            for n in range(1, POOL_SIZES[min(level, 4)] + 1)]


def all_officers():
    """Every officer of every pool (the demo directory)."""
    seen = {}
    for department in departments():
        for district in districts() + [STATE]:
            for level in (1, 2, 3, 4):
                for officer in pool(department, district, level):
                    seen[officer.id] = officer
    return list(seen.values())
