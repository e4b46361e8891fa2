"""routing's office load (services/routing/domain/office_load.py): what counts as open, overdue and escalated,
which officers are listed, and the totals."""
from datetime import datetime, timedelta, timezone

from services.routing.domain.office_load import is_office, office_load, office_officers
from tests.unit.staff_pools import pool

NOW = datetime(2026, 11, 30, 10, tzinfo=timezone.utc)


def held(officer_id, level=1, state="active", late=False):
    return {"officer_id": officer_id, "level": level, "state": state, "officer_name": None,
            "deadline": NOW - timedelta(hours=1) if late else NOW + timedelta(days=2)}


def test_counts_per_officer_and_totals():
    members = office_officers("phe", "Bankura", pool)
    field, other_field, district_officer = [o.id for o in members]
    load = office_load("phe", "Bankura", members, [
        held(field), held(field, late=True), held(field, state="paused", late=True),  # paused: the clock waits
        held(district_officer, level=2), held("off-phe-state-l3-1", level=3, late=True),  # escalated to the state
    ], NOW)
    rows = {row["officer_id"]: row for row in load["officers"]}
    assert rows[field] | {"name": None} == {"officer_id": field, "name": None, "level": 1, "open": 3, "overdue": 1,
                                            "escalated": 0}
    assert rows[other_field]["open"] == 0  # an officer of the office with nothing is listed
    assert rows[district_officer] | {"name": None} == {"officer_id": district_officer, "name": None, "level": 2,
                                                       "open": 1, "overdue": 0, "escalated": 1}
    assert rows["off-phe-state-l3-1"]["overdue"] == 1 and rows["off-phe-state-l3-1"]["escalated"] == 1
    assert load["totals"] == {"open": 5, "overdue": 2, "escalated": 2}
    assert [row["officer_id"] for row in load["officers"]][:2] == [field, "off-phe-state-l3-1"]  # overdue first
    assert load["officers"][-1]["officer_id"] == other_field


def test_an_office_is_a_known_department_in_a_known_district_or_the_state():
    assert is_office("phe", "Bankura", {"phe": {}}, ["Bankura"]) and is_office("phe", "state", ["phe"], [])
    assert not is_office("phe", "Atlantis", ["phe"], ["Bankura"]) and not is_office("nope", "Bankura", ["phe"], ["Bankura"])
