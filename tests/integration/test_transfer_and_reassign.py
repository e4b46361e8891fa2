"""Transfers reroute a case to another office (at most three times); supervisors reassign within scope."""
from tests.integration.directory import pool_ids
from tests.integration.platform_client import citizen, drinking_water, officer


def routed(platform, tracking_id, after_seq=0):
    """Routed and assigned: routing's `routed` and `assigned` decisions arrive one after the other, and the
    officer of the previous department stays on the case until the new assignment is recorded."""
    return platform.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("routing_seq", 0) > after_seq
                              and f"-{c['department']}-" in (c.get("officer_id") or ""), "the case to be routed")


def test_a_transfer_reroutes_to_the_new_department_and_stops_after_three(platform):
    tracking_id = platform.ok(platform.file(drinking_water(mobile="9830066666"), citizen("9830066666")), 201)[
        "tracking_id"]
    case = routed(platform, tracking_id)
    hops = [("power", "The pump has no electricity"), ("panchayat_rd", "The pipeline is a panchayat asset"),
            ("phe", "Back to the water engineers")]
    for department, reason in hops:
        me = officer(case["officer_id"], case["department"], [case["place"]["district"]])
        moved = platform.ok(platform.act(tracking_id, me, action="transfer", department=department, reason=reason))
        assert moved["status"] == "transferred"
        case = routed(platform, tracking_id, after_seq=case["routing_seq"])
        assert case["department"] == department and case["level"] == 1
        assert f"-{department}-bankura-l1-" in case["officer_id"]
    me = officer(case["officer_id"], case["department"], ["Bankura"])
    refused = platform.act(tracking_id, me, action="transfer", department="power", reason="One more time")
    assert refused.status_code == 409 and "transfer" not in refused.json()["details"]["allowed"]
    assert platform.case(tracking_id)["transfers"] == 3
    reasons = [e["reason"] for e in platform.case(tracking_id)["timeline"] if e["kind"] == "routed"]
    assert len(reasons) == 4 and "pipeline is a panchayat asset" in reasons[2]


def test_a_supervisor_reassigns_within_the_office(platform):
    tracking_id = platform.ok(platform.file(drinking_water(mobile="9830077777"), citizen("9830077777")), 201)[
        "tracking_id"]
    case = routed(platform, tracking_id)
    other = next(o for o in pool_ids("phe", "Bankura", 1) if o != case["officer_id"])
    path = f"/api/v1/grievances/{tracking_id}/assignment"
    supervisor = officer("sup-phe-bankura", "phe", ["Bankura"], role="supervisor")
    outsider = officer("sup-phe-nadia", "phe", ["Nadia"], role="supervisor")
    body = {"officer_id": other, "reason": "Balancing the load in Onda"}
    assert platform.request("POST", path, outsider, json=body).status_code == 404
    assert platform.request("POST", path, officer(case["officer_id"], "phe", ["Bankura"]), json=body).status_code == 403
    bad = platform.request("POST", path, supervisor, json={"officer_id": "off-nobody", "reason": "try this"})
    assert bad.status_code == 400 and "officer_id" in bad.json()["errors"]
    assert platform.ok(platform.request("POST", path, supervisor, json=body))["officer_id"] == other
    platform.wait_case(tracking_id, lambda c: c["officer_id"] == other, "the new officer on the case")
    assert any(i["tracking_id"] == tracking_id for i in platform.ok(platform.queue(officer(other, "phe", ["Bankura"])))["items"])



def test_reassigning_a_case_one_may_not_see_looks_like_reassigning_an_unknown_one(platform):
    """No existence oracle: a supervisor outside the case's scope gets the same 404 as for a case that
    does not exist; roles that never reassign get the same 403 either way."""
    tracking_id = platform.ok(platform.file(drinking_water(mobile="9830077778"), citizen("9830077778")), 201)[
        "tracking_id"]
    case = routed(platform, tracking_id)
    other = next(o for o in pool_ids("phe", "Bankura", 1) if o != case["officer_id"])
    body = {"officer_id": other, "reason": "Balancing the load in Onda"}
    unknown = "WB-2026-12345674"
    for caller, status in ((officer("sup-phe-nadia", "phe", ["Nadia"], role="supervisor"), 404),
                           (officer("sup-power-bankura", "power", ["Bankura"], role="supervisor"), 404),
                           (officer(case["officer_id"], "phe", ["Bankura"]), 403), (citizen("9830077778"), 403)):
        existing = platform.request("POST", f"/api/v1/grievances/{tracking_id}/assignment", caller, json=body)
        missing = platform.request("POST", f"/api/v1/grievances/{unknown}/assignment", caller, json=body)
        assert (existing.status_code, missing.status_code) == (status, status), (existing.text, missing.text)
        assert existing.json()["error"].replace(tracking_id, unknown) == missing.json()["error"]
    assert platform.case(tracking_id)["officer_id"] == case["officer_id"]
