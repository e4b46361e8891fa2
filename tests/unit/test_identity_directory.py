"""Identity's directory rules (services/identity/directory_records.py): which offices exist for which role,
what each status change sets, what it refuses (naming the field), and the staff.changed data."""
from datetime import datetime, timedelta, timezone

import pytest

from services.identity import directory_records as records
from services.identity.directory_records import DirectoryError

NOW = datetime(2026, 12, 1, 5, tzinfo=timezone.utc)
BANKURA_L1 = {"department": "phe", "district": "Bankura", "level": 1}


def member(sub="off-a", office=BANKURA_L1, role="officer"):
    return {"name": sub.upper(), "role": role, "office": dict(office),
            "contacts": {"mobile": "7000000001", "language": "en"}, "_id": sub}


def stored(sub="off-a", office=BANKURA_L1, state="active", role="officer"):
    fields = records.member_fields(None, {k: v for k, v in member(sub, office, role).items() if k != "_id"})
    return {**fields, "_id": sub, "status": {"state": state}}


@pytest.mark.parametrize("office, role, field", [
    ({"department": "phe", "district": "state", "level": 1}, "officer", "office.district"),
    ({"department": "phe", "district": "Bankura", "level": 3}, "officer", "office.district"),
    ({"department": "phe", "district": "state", "level": 4}, "officer", "office"),
    ({"department": "cmo_cell", "district": "state", "level": 3}, "officer", "office"),
    ({"department": "phe", "district": "Bankura", "level": 1}, "cmo_cell", "office"),
    ({"department": "home_cyber_cell", "district": "Kolkata", "level": 1}, "officer", "office.district"),
])
def test_offices_that_do_not_exist_are_refused_naming_the_field(office, role, field):
    assert list(records.office_errors(office, role)) == [field]


def test_offices_that_exist():
    for office, role in (({"department": "phe", "district": "state", "level": 3}, "officer"),
                         ({"department": "cmo_cell", "district": "state", "level": 4}, "cmo_cell"),
                         ({"department": "home_cyber_cell", "district": "state", "level": 1}, "officer"),
                         (BANKURA_L1, "supervisor")):
        assert records.office_errors(office, role) == {}
    assert records.account_scope({"department": "phe", "district": "state", "level": 3}) == \
        {"department": "phe", "districts": ["*"]}


def test_a_new_member_is_active_and_a_move_of_office_is_a_transfer():
    fields = records.member_fields(None, {k: v for k, v in member().items() if k != "_id"})
    assert fields["status"] == {"state": "active"} and fields["districts"] == ["Bankura"]
    with pytest.raises(DirectoryError) as moved:
        records.member_fields(stored(), {**member(), "office": {**BANKURA_L1, "district": "Nadia"}})
    assert "office" in moved.value.fields and not moved.value.conflict
    with pytest.raises(DirectoryError) as retired:
        records.member_fields(stored(state="retired"), member())
    assert retired.value.conflict


def test_leave_with_a_delegate_of_the_same_office_only():
    leave = {"state": "on_leave", "leave_from": NOW, "leave_until": NOW + timedelta(days=3), "delegate": "off-b"}
    assert records.status_fields(stored(), leave, stored("off-b"))["status"]["delegate"] == "off-b"
    for delegate, why in ((None, "not in the directory"), (stored("off-b", {**BANKURA_L1, "district": "Nadia"}),
                                                            "not in this office"),
                          (stored("off-b", state="on_leave"), "on leave"), (stored("off-b", state="retired"), "retired")):
        with pytest.raises(DirectoryError) as refused:
            records.status_fields(stored(), leave, delegate)
        assert why in refused.value.fields["delegate"][0]
    with pytest.raises(DirectoryError):
        records.status_fields(stored(), {**leave, "delegate": "off-a"}, stored())


def test_a_transfer_records_both_offices_and_the_event_carries_the_whole_record():
    nadia = {**BANKURA_L1, "district": "Nadia"}
    fields = records.status_fields(stored(), {"state": "transferred", "office": nadia}, None)
    assert fields["office"] == nadia and fields["previous_office"] == BANKURA_L1 and fields["districts"] == ["Nadia"]
    data = records.staff_changed({**stored(), **fields}, 4)
    assert data["seq"] == 4 and data["previous_office"] == BANKURA_L1 and data["status"] == {"state": "transferred"}
    with pytest.raises(DirectoryError):
        records.status_fields(stored(), {"state": "transferred", "office": BANKURA_L1}, None)
    assert "previous_office" not in records.staff_changed(stored(), 1)
