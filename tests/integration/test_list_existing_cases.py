"""Cases filed before complainants' own lists existed are put on them by a one-off, repeatable command."""
from datetime import datetime, timedelta, timezone

from services.intake.access import mobile_key
from services.intake.list_existing_cases import list_existing_cases
from services.intake.storage import GrievanceStore
from shared.config import database_name

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def test_old_cases_land_on_their_complainants_lists_once(platform_config, mongo_client):
    database = mongo_client[database_name(platform_config, "intake")]
    database.grievances.insert_many([
        {"_id": f"WB-2026-0000000{n}", "complainant": {"mobile": mobile}, "created_at": T0 + timedelta(hours=n),
         "status": "filed", "version": 1}
        for n, mobile in enumerate(["9830012345", "+919830012345", "9830098765", None])])
    assert list_existing_cases(database) == 3
    assert list_existing_cases(database) == 0  # again: nothing more
    store = GrievanceStore(database)
    mita = store.own_case_entries(mobile_key("9830012345"))
    assert sorted(e["tracking_id"] for e in mita) == ["WB-2026-00000000", "WB-2026-00000001"]
    assert [e["tracking_id"] for e in store.own_case_entries(mobile_key("9830098765"))] == ["WB-2026-00000002"]
    assert database.grievances.find_one({"_id": "WB-2026-00000000"})["complainant_key"] == mobile_key("9830012345")
    assert "complainant_key" not in database.grievances.find_one({"_id": "WB-2026-00000003"})
