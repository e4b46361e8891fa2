"""A demo officer directory: members for the offices that work a department's cases in some districts, with
generated names, the same on every run. `make seed` puts them into identity (services/identity/cli.py
seed-demo) and the integration tests seed the offices they need (tests/integration/directory.py); routing
learns them from identity's staff.changed events like any other member.

Ids read `off-<department>-<district>-l<level>-<n>` (`state` for state offices); the CMO cell's
`off-cmo_cell-state-l4-<n>`.
"""
import hashlib
import re

from shared.vocabulary import CMO_CELL_DEPARTMENT, STATE_OFFICE, Role

POOL_SIZES = {1: 2, 2: 1, 3: 1, 4: 3}
STATEWIDE = ("home_cyber_cell",)  # routing's STATEWIDE_DEPARTMENTS other than the CMO cell itself
GIVEN = ["Anindita", "Sourav", "Moumita", "Arindam", "Rupa", "Debasish", "Sharmistha", "Partha", "Nasrin",
         "Subhajit", "Tanushree", "Imran", "Priyanka", "Biswajit", "Rituparna", "Sanjay", "Farida", "Kaushik"]
FAMILY = ["Banerjee", "Chatterjee", "Mukherjee", "Ghosh", "Bose", "Das", "Sen", "Roy", "Mondal", "Sarkar",
          "Khatun", "Haque", "Hembram", "Murmu", "Tamang", "Biswas", "Pal", "Saha"]


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def officer_id(department, district, level, number):
    return f"off-{department}-{slug(district)}-l{level}-{number}"


def name_for(identifier):
    digest = hashlib.sha256(identifier.encode()).digest()
    return f"{GIVEN[digest[0] % len(GIVEN)]} {FAMILY[digest[1] % len(FAMILY)]}"


def seats(department, district):
    """(department, district, level) of every office that works this department's cases in the district."""
    local = STATE_OFFICE if department in STATEWIDE else district
    return [(department, local, 1), (department, local, 2), (department, STATE_OFFICE, 3)]


def members_of(department, district, level, mobiles, language="bn"):
    role = Role.CMO_CELL if department == CMO_CELL_DEPARTMENT else Role.OFFICER
    found = []
    for number in range(1, POOL_SIZES[level] + 1):
        sub = officer_id(department, district, level, number)
        found.append({"sub": sub, "name": name_for(sub), "role": str(role),
                      "office": {"department": department, "district": district, "level": level},
                      "contacts": {"mobile": str(next(mobiles)), "language": language}})
    return found


def directory(offices, mobiles):
    """Members for each (department, district) of `offices` at every level, and the CMO cell; each member
    once. `mobiles` yields the demo mobile numbers."""
    wanted = [seat for department, district in offices for seat in seats(department, district)]
    wanted.append((CMO_CELL_DEPARTMENT, STATE_OFFICE, 4))
    members, seen = [], set()
    for seat in wanted:
        if seat not in seen:
            seen.add(seat)
            members.extend(members_of(*seat, mobiles))
    return members


def seed(config, offices, mobiles, timeout=60):
    """Put the demo members of `offices` (and the CMO cell) into identity's directory, as an administrator, and
    wait until routing has learnt them all from identity's staff.changed events; the members, as put. For
    platforms that start empty (the benchmark's, chaos's, the tests'): routing's pools come from nothing else."""
    import time

    from shared.signed_rpc import SignedClusterRpcProxy
    from shared.vocabulary import CMO_CELL_DEPARTMENT as CELL

    admin = {"sub": "seed-directory", "role": str(Role.ADMIN)}
    members = directory(offices, mobiles)
    wanted = {m["sub"] for m in members}
    with SignedClusterRpcProxy(config, caller=admin, issuer="seed", timeout=30) as cluster:
        for body in members:
            cluster.identity.put_staff_member(body, admin)
        deadline = time.monotonic() + timeout
        while True:
            known = {o["id"] for department, district in set(offices) | {(CELL, STATE_OFFICE)}
                     for o in cluster.routing.directory(department, district)}
            if wanted <= known:
                return members
            if time.monotonic() > deadline:
                raise TimeoutError(f"routing has not learnt {sorted(wanted - known)[:5]} after {timeout}s")
            time.sleep(0.1)
