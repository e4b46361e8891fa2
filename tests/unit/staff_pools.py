"""The demo directory (synthetic/staff.py) as routing keeps it, for routing's unit tests: records in the
shape of `staff.changed` data and the pools they make (routing's officers.members over them)."""
from services.routing.domain import officers
from synthetic.staff import directory

OFFICES = [("phe", "Bankura"), ("phe", "Nadia"), ("power", "Bankura")]


def records(offices=OFFICES):
    return [{"staff_id": m["sub"], "seq": 1, "name": m["name"], "role": m["role"], "office": m["office"],
             "contacts": m["contacts"], "status": {"state": "active"}}
            for m in directory(offices, iter(range(7000000001, 7000099999)))]


RECORDS = records()


def pool_of(kept, now=None):
    """A pool function over `kept` records (routing's Routing.pool, without a store)."""
    from datetime import datetime, timezone

    at = now or datetime.now(timezone.utc)

    def pool(department, district, level):
        key = officers.pool_key(department, district, level)
        return officers.members([r for r in kept if officers.office_key(r["office"]) == key], at)
    return pool


pool = pool_of(RECORDS)


def seat_of(kept=RECORDS, load=lambda _: 0, now=None):
    return lambda department, district, level: officers.seat(department, district, level, pool_of(kept, now), load)


def seeded_store():
    """An in-memory routing store that knows every member of RECORDS, as after their staff.changed events."""
    from tests.unit.routing_memory import MemoryAssignmentStore

    store = MemoryAssignmentStore()
    for record in RECORDS:
        store.record_staff(record)
    return store
