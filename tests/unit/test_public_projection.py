"""shared.projections.project_public: what any citizen offered a case to join ("me too") sees of it."""
import json

from shared.projections import project_public
from tests.unit.test_projections import CITIZEN_ID, CLEAR, NOW, case


def test_a_stored_case_shows_only_its_issue_place_status_and_supporters():
    shown = project_public({**case(), "created_at": NOW, "supporters": 3})
    assert set(shown) == {"tracking_id", "subject", "category", "status", "supporters", "place", "created_on"}
    assert shown["place"] == {"district": "Bankura", "block": "Onda"}  # no coordinates
    assert shown["created_on"] == "2026-11-29" and shown["supporters"] == 3
    text = json.dumps(shown)
    assert [value for value in CLEAR if value in text] == []  # the number quoted in the subject is masked
    assert "Mita Das" not in text and CITIZEN_ID not in text and "Write to" not in text
    assert shown["subject"].startswith("No water; call ")


def test_a_search_document_shows_the_same_fields_and_no_supporters_reads_zero():
    document = {"tracking_id": "WB-2026-1", "subject": "No water", "description": "behind the temple",
                "status": "routed", "category": "drinking_water", "department": "phe", "officer_id": "off-1",
                "place": {"district": "Bankura", "municipality": "Bishnupur", "ward": "7", "block": None},
                "created_at": "2026-11-20T08:00:00+00:00", "supporters": None}
    assert project_public(document) == {
        "tracking_id": "WB-2026-1", "subject": "No water", "status": "routed", "category": "drinking_water",
        "supporters": 0, "place": {"district": "Bankura", "municipality": "Bishnupur"}, "created_on": "2026-11-20"}


def test_the_projection_leaves_its_input_alone():
    original = case()
    project_public(original)
    assert original == case()
